// What the simulated world tells its observers (the checkers, the metrics):
// one event type. An observer handles every kind of it: WorldObserver::on
// gets the variant, and a std::visit whose visitor lacks a kind does not
// compile, so adding a kind means deciding, in every observer, what it
// means there. Observers register with World::observe and only read.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "model/io.hpp"
#include "sim/server_sim.hpp"
#include "sim/swarm_sim.hpp"

namespace swarmsim::sim {

// A node left the registry (`docker node rm`), was demoted or promoted;
// `origin` says who asked and why.
struct NodeRemoved {
  const SwarmNodeRecord& node;
  const SwarmOrigin& origin;
};
struct NodeDemoted {
  const SwarmNodeRecord& node;
  const SwarmOrigin& origin;
};
struct NodePromoted {
  const SwarmNodeRecord& node;
  const SwarmOrigin& origin;
};
// A node's state may have changed (SwarmSim::on_state_changed).
struct NodeStateChanged {
  const SwarmSim& swarm;
  const SwarmNodeRecord& node;
};
// A swarm was created beside one that still has managers (a split brain).
struct SwarmSplit {
  const SwarmSim& created;
  HostIndex host;
};
// A read that `host`'s removals this pass rest on (the policy's
// decides_on) came back (failed or not); `as_of`: when its answer was
// made; `of_hosts`: it read the hosts.
struct DecisiveReadAnswered {
  HostIndex host;
  std::uint64_t pass;
  Instant as_of;
  bool of_hosts;
};
// ... and it failed or listed nothing.
struct DecisiveReadFailed {
  HostIndex host;
  std::uint64_t pass;
  const std::string& what;
};
// A host was registered in Rancher, removed or deleted from it, or its
// engine changed (went down, came back, joined or left a swarm).
struct HostChanged {
  HostIndex host;
};
// swarmkit-mon on `host` made a call; `leader`: its logic led then.
struct CallMade {
  HostIndex host;
  const model::Request& request;
  bool leader;
};

// What ties a node to its host, as its own machine saw it (NodeTies keeps
// them for the liveness check). The engine on `host` learnt `node_id`: a
// join reply reached it, or it created the swarm.
struct NodeIdLearnt {
  HostIndex host;
  const std::string& node_id;
};
// ... and left the swarm holding it because its own swarmkit-mon asked it to
// (not after the node's removal).
struct LeftSwarmByLogic {
  HostIndex host;
  const std::string& node_id;
};
// swarmkit-mon on `host` began a write that ties `node_id` to the host (a
// claim, a departure note), whatever becomes of the write.
struct TieWriteBegun {
  HostIndex host;
  const std::string& node_id;
};
// A loop of swarmkit-mon on `host`, begun at `started`, ran to its end (its
// sleep) while the engine held `node_id`. A loop cut short (a crash, the
// host removed under it) is not one.
struct LoopRanToEnd {
  HostIndex host;
  const std::string& node_id;
  Instant started;
};

// A server of the control plane (a swarm's leader or CA signer, the
// Rancher server's API) answered a request, refused it or lost it.
struct ServerAnswered {
  const ServerSim& server;
  std::uint32_t cls;
  Duration latency;  // when served
  ServerOutcome outcome;
};

using WorldEvent =
    std::variant<NodeRemoved, NodeDemoted, NodePromoted, NodeStateChanged, SwarmSplit,
                 DecisiveReadAnswered, DecisiveReadFailed, HostChanged, CallMade, NodeIdLearnt,
                 LeftSwarmByLogic, TieWriteBegun, LoopRanToEnd, ServerAnswered>;

class WorldObserver {
 public:
  virtual void on(const WorldEvent& event) = 0;

 protected:
  ~WorldObserver() = default;
};

}  // namespace swarmsim::sim
