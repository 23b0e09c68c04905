// Checkers: they watch the world through const references and observer
// hooks and never change it.
//
// SafetyChecker runs online, at the moment the swarm applies a removal or a
// demotion: the hook must never remove or demote the node of a host that
// still exists in Cattle, nor remove the leader's own node or the last
// manager. It also holds the policy to the promises it makes
// (RemovalPolicy::promises_*): at most its bound of removals per pass, never
// a demotion of the leader's own node, and no removal in a pass whose
// decisive read failed or came back empty. It reports a `swarm init` made
// beside a swarm that still has managers (second-swarm, a split brain).
// Its report explains the decision: which host asked and why, the
// two hostnames that were compared, the node's age, and how stale the
// asking host's metadata snapshot was.
//
// LivenessChecker runs once, after the last change and every fault have had
// `liveness_bound` to settle: every live host has exactly one ready node and
// no node of a removed host remains; and, for the policies that promise it,
// the managers are as many as MANAGER_SCALE, or the largest odd count the
// live nodes allow, each the ready node of a live host (manager-count).
// A violation the world made unavoidable says so (Violation::environment)
// and names the timeline events that did it (world_events): a quorum lost
// as QuorumChecker excuses it, a host whose replica never listed it, a node
// that nothing the logic could write ties to its host.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/node_ties.hpp"
#include "sim/quorum_checker.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/world_event.hpp"

namespace swarmsim::sim {

// The reason given for a call that came into a host's engine from outside
// the simulator (`swarmsim serve`: the docker CLI, an external
// swarmkit-mon): the reports then name the host's Engine API, not its hook.
inline constexpr const char* kOutsideClientWhy = "a client of the served Engine API";

class World;

struct Violation {
  bool safety = true;  // false: liveness
  std::string kind;    // spurious-eviction, spurious-demotion, removed-self, ...
  Instant time_ns = 0;
  std::string host;
  std::string node_id;
  std::string detail;
  // Set when the environment, not the logic, kept a liveness promise from
  // being kept: what it did (a metadata replica that never answered the
  // host, no swarm because the would-be leader's replica never did).
  std::string environment;
  // With `environment`: the timeline events (or profile settings) that did
  // it, as "kind host at time" ("machine_dies vm0 at 03:00.000").
  std::vector<std::string> world_events;
};

class SafetyChecker final : public WorldObserver {
 public:
  // Registers with `world`; stop_at_first asks the kernel to end the run at
  // the first violation.
  SafetyChecker(World& world, bool stop_at_first);
  const std::vector<Violation>& violations() const { return violations_; }
  void on(const WorldEvent& event) override;

 private:
  void on_removed(const SwarmNodeRecord& n, const SwarmOrigin& origin);
  void on_demoted(const SwarmNodeRecord& n, const SwarmOrigin& origin);
  void on_promoted(const SwarmNodeRecord& n, const SwarmOrigin& origin);
  void on_split(const SwarmSim& created, HostIndex host);
  void check_promises(const SwarmNodeRecord& n, const SwarmOrigin& origin);
  bool live_hosts_node(const SwarmNodeRecord& n) const;
  bool could_know(const SwarmNodeRecord& n, const SwarmOrigin& origin) const;
  void report(Violation v);
  std::string explain(const SwarmNodeRecord& n, const SwarmOrigin& origin) const;

  const World& world_;
  World& stopper_;
  bool stop_at_first_;
  std::vector<Violation> violations_;
  using PassKey = std::pair<HostIndex, std::uint64_t>;
  std::map<PassKey, int> removals_in_pass_;
  std::map<PassKey, std::string> failed_reads_;  // the first failed decisive read of a pass
  std::map<PassKey, Instant> last_read_at_;      // when a pass's last decisive read came back
  std::map<PassKey, Instant> hosts_read_at_;     // ... and its last read of the hosts
};

class LivenessChecker {
 public:
  // `quorum`: QuorumChecker's judgement of the swarm's raft quorum now.
  // `ties`: what each machine knew of the nodes it held (NodeTies).
  static std::vector<Violation> check(const World& world, const NodeTies& ties,
                                      const QuorumChecker::Judgement& quorum);
  // Whether `h`'s swarmkit-mon container cannot run the image it pulled (no
  // build for its architecture): the note checker's excuse names it too.
  static bool image_keeps_it_down_or_absent(const struct HostSim& h);

 private:
  // Each returns what the environment did, and fills `events`; empty when
  // the logic had its chance.
  static std::string environment_cause(const World& world, const struct HostSim& h,
                                       std::vector<std::string>& events);
  static std::string leader_cannot_run(const World& world, std::vector<std::string>& events);
  static std::string evidence_destroyed(const World& world, const NodeTies& ties,
                                        const struct SwarmNodeRecord& n, const std::string& uuid,
                                        std::vector<std::string>& events);
  static std::optional<Violation> manager_count(const World& world,
                                                const QuorumChecker::Judgement& quorum);
  static std::string last_manager_alone(const World& world, const SwarmNodeRecord& n,
                                        std::vector<std::string>& events);
};

}  // namespace swarmsim::sim
