// The departure-note check: does fixed keep the notes it writes?
//
// The agent of a host deleted in Cattle while its machine runs notes, in
// the swarmkit-mon service's metadata, which node it leaves behind; the
// leader removes that node on the note's word when nothing else ties it to
// the deleted host. The service object is written whole (CattleSim::
// put_service), so one writer's PUT of an older copy drops a note another
// agent wrote in between: two hosts deleted in the same second, or a note
// racing the leader's token publication.
//
// Promise checked: a note that was lost is written again while the agent
// on that machine runs, the same container or a restarted one (the node
// left behind is on the host's disk). At the end of the run, a note lost
// more than window() before, and not in the service now, is a violation
// (`departure-note-lost`) when that machine's agent has been running for
// window() at least; when it has not (the machine is stopped or dead, its
// container started too late to have a loop), the loss is the world's and
// the violation says so. The checker only reads the world.
#pragma once

#include <string>
#include <vector>

#include "sim/checkers.hpp"

namespace swarmsim::sim {

class World;

struct NoteChecker {
  // The time an agent has to see its note gone and write it again: two
  // loops, and the Cattle time-out of each of its read and write.
  static Duration window(const World& world);
  static std::vector<Violation> check(const World& world);
  // Why the agent that wrote a lost departure note for host `uuid`
  // could not write it again by `now` (it has not run a whole window: its
  // machine stopped, its container restarted too late, or it cannot run
  // the image), with the timeline events that did it; empty if it could
  // have. The orphan check excuses a node whose only tie was that note.
  static std::string why_not_rewritten(const World& world, const std::string& uuid, Instant now,
                                       std::vector<std::string>& events);
};

}  // namespace swarmsim::sim
