// QuorumChecker: when the swarm's raft group loses its majority, was it the
// world's doing or the policy's?
//
// Raft keeps a quorum through the loss of a minority of its members. A
// policy decides how many managers there are, which nodes they are, and
// whether a lost one is replaced; the world decides which machines die,
// crash or are cut off, and when. So a lost majority is excused as the
// environment's doing only when no policy could have kept it:
//  - the policy had made an odd number of managers (an even one is its own
//    choice: two managers survive no loss that one does not), counting
//    those promoted while silent, which join raft only once heard from;
//  - every member lost went through the world: its machine died or was
//    shut down, its engine crashed, or it was cut off or too busy to
//    heartbeat (not an engine that its own logic made leave the swarm);
//  - and none of them could have been replaced in time: each was lost
//    within the reaction window W of the moment the majority went, or no
//    worker had been ready on a live host (in Rancher, machine running)
//    from W after its loss until then.
// W is the time a policy needs to see a manager gone and act on it:
// `down_after` for its node to show down, then up to two loops (one for a
// new leader to take over, one for its pass), and 5 s for the pass itself.
// A policy that waits longer than that before replacing a dead manager is
// the one to blame when the next loss takes the quorum.
//
// The checker records every loss as it happens (who was lost, since when,
// through which timeline event, and which workers were ready then) and
// judges the last one at the liveness check, if the quorum is still gone.
// It only observes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/swarm_sim.hpp"
#include "sim/world_event.hpp"

namespace swarmsim::sim {

class World;

class QuorumChecker final : public WorldObserver {
 public:
  explicit QuorumChecker(World& world);
  void on(const WorldEvent& event) override;

  struct Judgement {
    bool lost = false;                      // the environment's swarm has no raft quorum now
    bool excused = false;                   // ... and no policy could have kept it
    std::string why;                        // either way, what happened
    std::vector<std::string> world_events;  // the timeline events that took the members
  };
  Judgement judge() const;

  // The reaction window W (see above) for a scenario's swarm settings.
  static Duration reaction_window(const SwarmSpec& swarm);

 private:
  struct Lost {
    std::string node_id;
    std::string host;
    Instant since = 0;
    std::string event;        // the timeline event that took it; empty: none
    std::string logic_cause;  // set when its own logic took it out (left the swarm)
  };
  struct Loss {
    Instant at = 0;
    int members = 0;
    std::vector<Lost> lost;
    // Ready workers of live hosts at that moment: since when each was ready.
    std::vector<std::pair<Instant, std::string>> ready_workers;
  };
  void observe(const SwarmSim& swarm);
  void observe_all();
  Loss snapshot(const SwarmSim& swarm) const;

  const World& world_;
  std::map<std::size_t, bool> held_;       // per swarm number: quorum at the last look
  std::map<std::size_t, Loss> last_loss_;  // per swarm number
};

}  // namespace swarmsim::sim
