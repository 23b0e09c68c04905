// The control plane's capacity: what each request costs the server that
// serves it, and the servers of one swarm's leader and of the Rancher
// server. The parameters and where each default comes from are in
// scenarios/CALIBRATION.md; the queueing itself is ServerSim's.
//
// The leader (LeaderCapacity, one per swarm, owned by SwarmSim):
// - its cores, shared by every request (processor sharing): certificate
//   requests, session registrations, control API calls (`docker node ls`,
//   `node rm`, role updates, `GET /swarm`), each with its cost;
// - the heartbeats of every registered node as a rate: nodes / period x
//   heartbeat cost, a background load that takes its share of the cores.
//   A leader that cannot answer a heartbeat within its deadline (the cores
//   are all background, or its latency is past the deadline) or refuses it
//   (full) is deaf: while it is, every other node is silent, and turns
//   down after down_after, as swarmkit marks nodes whose heartbeats do not
//   arrive;
// - the CA's signer, one request at a time (first come, first served);
// - the cluster object's removal blacklist: every `node rm` adds an entry
//   and rewrites it, costing more as it grows, and fails once the write is
//   over raft's largest proposal ("raft message is too large").
// A leader change drops every request in the server (the new leader has
// none of them): their callers time out.
//
// Cattle (CattleCapacity, owned by the World): the API's worker pool (first
// come, first served, a bounded queue, 503 beyond), and the outgoing bytes
// of the metadata payload every replica downloads on every reload.
#pragma once

#include <cstdint>
#include <string>

#include "model/io.hpp"
#include "sim/kernel.hpp"
#include "sim/scenario.hpp"
#include "sim/server_sim.hpp"

namespace swarmsim::sim {

// The leader's request classes, in ServerStats::classes order.
enum class LeaderClass : std::uint8_t { Join, Sign, Register, Read, List, Write, Remove };
inline constexpr const char* kLeaderClassNames[] = {"join", "sign",  "register", "read",
                                                    "list", "write", "remove"};

class LeaderCapacity {
 public:
  LeaderCapacity(Kernel& kernel, const LeaderSpec& spec, Duration heartbeat_period,
                 const std::string& swarm_name);

  const LeaderSpec& spec() const { return spec_; }
  ServerSim& cpu() { return cpu_; }
  ServerSim& signer() { return signer_; }

  // The class and cost of a control API call, given the swarm's size and
  // blacklist; nullopt for calls the leader does not serve.
  struct Cost {
    LeaderClass cls = LeaderClass::Read;
    Duration work = 0;
  };
  std::optional<Cost> cost_of(const model::Request& r, std::size_t nodes) const;

  // Registered nodes send heartbeats: the background load follows them.
  void set_heartbeating_nodes(std::size_t n);
  // Whether a heartbeat sent now would go unanswered in time.
  bool deaf() const;

  // The removal blacklist (the cluster object's).
  std::int64_t remembered_removals() const { return removals_; }
  // Whether one more removal would make the cluster object's write too
  // large for raft.
  bool removal_too_large() const;
  void removal_done() { ++removals_; }
  std::uint64_t removals_refused() const { return removals_refused_; }
  void removal_refused() { ++removals_refused_; }

  // A leader change: every request in the server is lost.
  void leader_changed();
  std::uint64_t leader_changes() const { return leader_changes_; }
  // The next batch commit of node updates, at or after now.
  Instant next_commit(Instant now) const;

 private:
  LeaderSpec spec_;
  Duration period_;
  ServerSim cpu_;
  ServerSim signer_;
  std::int64_t removals_ = 0;
  std::uint64_t removals_refused_ = 0;
  std::uint64_t leader_changes_ = 0;
};

enum class CattleClass : std::uint8_t { Read, List, Write };
inline constexpr const char* kCattleClassNames[] = {"read", "list", "write"};

class CattleCapacity {
 public:
  CattleCapacity(Kernel& kernel, const CattleApiSpec& spec);
  const CattleApiSpec& spec() const { return spec_; }
  ServerSim& api() { return api_; }
  struct Cost {
    CattleClass cls = CattleClass::Read;
    Duration work = 0;
  };
  Cost cost_of(const model::Request& r, std::size_t hosts) const;

  // The metadata payload: an environment of `hosts` hosts, in bytes.
  double payload_bytes(std::size_t hosts) const {
    return static_cast<double>(spec_.host_payload_bytes) * static_cast<double>(hosts);
  }
  // How long one replica's download of it takes while `replicas` download
  // it at once (the link shared evenly).
  Duration download_time(std::size_t hosts, std::size_t replicas) const;
  // Replicas' downloads, counted as they are worked out.
  void downloaded(double bytes) {
    bytes_out_ += bytes;
    ++downloads_;
  }
  double bytes_out() const { return bytes_out_; }
  std::uint64_t downloads() const { return downloads_; }

 private:
  CattleApiSpec spec_;
  ServerSim api_;
  double bytes_out_ = 0;
  std::uint64_t downloads_ = 0;
};

}  // namespace swarmsim::sim
