// NodeTies: what the liveness check needs to know of each machine's own
// view of the nodes it held, kept from the world's events (NodeIdLearnt,
// TieWriteBegun, LoopRanToEnd, LeftSwarmByLogic) rather than written into
// the machines by the fakes.
//
// An orphaned node (one nothing in Cattle ties to its host) is the
// environment's doing only when the logic never had its chance: its engine
// never learnt the node's ID (the join reply was lost), or the last write
// that would have tied it did not land and no loop ran to its end after.
// These are the facts that tell those cases apart. It only observes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "sim/world_event.hpp"

namespace swarmsim::sim {

class World;

class NodeTies final : public WorldObserver {
 public:
  explicit NodeTies(World& world);
  void on(const WorldEvent& event) override;

  // The engine of machine `host` learnt node `id` (a join reply reached it).
  bool held(HostIndex host, const std::string& id) const;
  // When the machine's swarmkit-mon last began a write tying `id` to its
  // host; -1: never.
  Instant tie_written(HostIndex host, const std::string& id) const;
  // When the last loop that ran to its end while the engine held `id`
  // began; -1: none did.
  Instant full_loop_began(HostIndex host, const std::string& id) const;
  // When the engine last left the swarm holding `id` because its own
  // swarmkit-mon asked it to; -1: never.
  Instant left_by_logic(HostIndex host, const std::string& id) const;

 private:
  using Key = std::pair<HostIndex, std::string>;
  static Instant at(const std::map<Key, Instant>& m, HostIndex host, const std::string& id);
  const World& world_;
  std::set<Key> held_;
  std::map<Key, Instant> tie_written_, full_loop_began_, left_by_logic_;
};

}  // namespace swarmsim::sim
