// RunMetrics: the numbers a run gives capacity planners beyond its verdict
// (how long hosts take to be ready, when the swarm converged, how often the
// hook evicted a live host's node, how hard the leader works its APIs).
//
// MetricsCollector watches the world through its observer hooks, as the
// checkers do, and never changes it: it counts calls as swarmkit-mon makes
// them and follows node states as the swarm changes them, so its numbers do
// not depend on what the trace keeps, and its cost is O(1) per change.
// Times are virtual; `_s` is seconds.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/io.hpp"
#include "sim/checkers.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/world_event.hpp"

namespace swarmsim::sim {

class World;

struct RunMetrics {
  // Per host name (its latest registration): seconds from its addition to
  // Rancher to the first moment a node its engine holds is ready in a swarm.
  // Hosts never ready in that registration are left out and counted in
  // never_ready_hosts.
  std::map<std::string, double> time_to_ready_s;
  // The same values per profile name, sorted ascending.
  std::map<std::string, std::vector<double>> time_to_ready_s_by_profile;
  std::uint64_t never_ready_hosts = 0;
  // The earliest time from which, to the end of the run, every host in
  // Rancher whose engine runs had exactly one ready node and no machine out
  // of Rancher had one; unset when the run does not end so.
  std::optional<double> converged_at_s;
  // Safety violations of kind spurious-eviction and spurious-demotion.
  std::uint64_t spurious_evictions = 0;
  double spurious_evictions_per_join = 0;  // 0 without joins
  std::uint64_t joins = 0;                 // certificates issued (RunResult::joins_by_host summed)
  std::uint64_t join_attempts = 0;         // SwarmJoin calls swarmkit-mon made
  // From the removal (or deletion) of a host whose machine had nodes in a
  // swarm to the removal of the last of them.
  struct Cleanup {
    std::optional<double> max_s;
    std::optional<double> mean_s;
    std::uint64_t count = 0;  // cleaned up within the run
    std::uint64_t never = 0;  // a node still there at the end
    bool operator==(const Cleanup&) const = default;
  } removed_host_cleanup_s;
  // Per request name (model::request_name): calls per second of virtual
  // time made by a host whose logic led at the time of the call.
  std::map<std::string, double> leader_calls_per_s;
  double leader_calls_per_s_total = 0;
  double metadata_reads_per_s = 0;  // by every host
  std::uint64_t peak_nodes_down = 0;
  double duration_s = 0;

  // The control plane's servers (sim/capacity.hpp), as each saw the run.
  struct ServerClass {
    std::string name;
    std::uint64_t served = 0, refused = 0, late = 0, dropped = 0;
    double p50_s = 0, p99_s = 0, max_s = 0;
    bool operator==(const ServerClass&) const = default;
  };
  struct Server {
    std::string name;
    std::string discipline;
    int cores = 1;
    double utilisation = 0;             // busy cores over cores, background included
    double background_utilisation = 0;  // the heartbeats' share (the leader)
    double mean_in_server = 0;
    std::uint64_t peak_in_server = 0;
    std::vector<ServerClass> classes;
    bool operator==(const Server&) const = default;
  };
  std::vector<Server> servers;
  // The headline figures of the environment's swarm leader and of Cattle.
  double leader_utilisation = 0;
  double leader_heartbeat_utilisation = 0;
  double leader_p99_s = 0;  // every request at its cores
  double signer_utilisation = 0;
  double certificate_p99_s = 0;  // a certificate request, from the leader's cores to signed
  std::uint64_t leader_refused = 0;
  std::uint64_t leader_late = 0;  // answered after its caller's deadline
  double cattle_utilisation = 0;  // the API's workers
  double cattle_p99_s = 0;
  std::uint64_t cattle_refused = 0;
  double cattle_bytes_out = 0;  // metadata payload downloads
  std::uint64_t cattle_changes =
      0;  // new versions of the environment (each notifies every replica)
  double cattle_bandwidth_utilisation = 0;
  std::uint64_t metadata_reloads = 0;
  std::optional<double> metadata_reload_min_gap_s;  // the shortest between one replica's reloads
  std::uint64_t deaf_episodes = 0;          // the leader could not answer heartbeats in time
  std::uint64_t sessions_lost = 0;          // workers whose session ended for it (false downs)
  std::uint64_t registrations_refused = 0;  // by the rate limit
  std::uint64_t removals_refused = 0;       // "raft message is too large"
  std::int64_t remembered_removals = 0;     // the blacklist at the end

  bool operator==(const RunMetrics&) const = default;
};

class MetricsCollector final : public WorldObserver {
 public:
  // Registers with `world`, which must outlive it.
  explicit MetricsCollector(World& world);
  void on(const WorldEvent& event) override;
  MetricsCollector(const MetricsCollector&) = delete;
  MetricsCollector& operator=(const MetricsCollector&) = delete;

  // The metrics at the world's current time; `safety` are the safety
  // checker's violations, `joins_by_host` the certificates issued per host.
  RunMetrics finish(const std::vector<Violation>& safety,
                    const std::map<std::string, int>& joins_by_host) const;

 private:
  // What the collector last saw of a node: absent (never seen or removed),
  // or its state.
  enum class Seen : std::uint8_t { Absent, Unknown, Ready, Down };
  struct NodeSeen {
    Seen state = Seen::Absent;
    HostIndex host = 0;
  };
  struct HostSeen {
    bool in_rancher = false;
    bool off_target = false;          // counted in off_target_
    int ready = 0;                    // ready nodes of this machine, in every swarm
    std::optional<Instant> ready_at;  // in its latest registration
    // A removal whose nodes are still in a swarm: when, and which nodes.
    std::optional<Instant> removed_at;
    std::vector<std::string> pending_nodes;
  };
  static constexpr std::size_t kRequestKinds = std::variant_size_v<model::Request>;

  HostSeen& seen(HostIndex host);
  void on_node(const SwarmSim& swarm, const SwarmNodeRecord& n);
  void on_node_removed(const SwarmNodeRecord& n);
  void set_state(const std::string& id, HostIndex host, Seen state);
  void on_host(HostIndex host);
  void on_call(const model::Request& request, bool leader);
  void reevaluate(HostIndex host);
  void servers(RunMetrics& m) const;  // the control plane's figures

  World& world_;
  std::unordered_map<std::string, NodeSeen> nodes_;
  std::vector<HostSeen> hosts_;
  std::uint64_t down_ = 0;
  std::uint64_t peak_down_ = 0;
  std::uint64_t off_target_ = 0;  // machines that break convergence now
  std::optional<Instant> converged_since_ = Instant{0};
  std::vector<double> cleanups_s_;
  std::array<std::uint64_t, kRequestKinds> leader_calls_{};
  std::array<const char*, kRequestKinds> request_names_{};
  std::uint64_t metadata_reads_ = 0;
  std::uint64_t join_attempts_ = 0;
};

}  // namespace swarmsim::sim
