// SwarmSim: the swarm's managers and their node registry (the raft store),
// with the semantics `docker node` shows.
//
// Models: a node record from certificate issuance (state unknown, no
// Description) that becomes ready when the engine registers; heartbeats as
// "silent since" times, so a node is `down` once it has been silent for
// `down_after` without an event per heartbeat; managers' reachability;
// `node rm --force` that refuses a raft member until it is demoted and 404s
// an unknown id; demotion that refuses the last manager, and a raft member
// whose leaving would cost the quorum; join tokens.
// The raft group is one strongly consistent store: a write succeeds when the
// manager it reaches has quorum.
// Several swarms: a `swarm init` on an engine that is in no swarm creates a
// new one, as a real engine does, even while the environment has one (a
// split brain). Each SwarmSim is one swarm; `number` 0 is the first.
// Faults: none of its own. Silence comes from crashes, partitions and busy
// hosts, which the world reports through set_silent().
// Left out: raft log replication delays, certificate rotation, tasks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/docker_api.hpp"
#include "model/io.hpp"
#include "sim/capacity.hpp"
#include "sim/kernel.hpp"
#include "sim/random.hpp"
#include "sim/scenario.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

using HostIndex = std::size_t;

struct SwarmNodeRecord {
  std::string id;
  HostIndex host = 0;  // the machine whose engine holds this node (ground truth)
  std::string host_name;
  model::NodeRole role = model::NodeRole::Worker;
  std::uint64_t version = 1;
  Instant created_at = 0;   // manager clock (skewed), as CreatedAt shows it
  Instant created_sim = 0;  // virtual time, for reports
  bool registered = false;
  std::string hostname;  // Description.Hostname, once registered
  std::string arch;
  std::string addr;            // Status.Addr: where the managers see it connect from
  std::string advertise_addr;  // ManagerStatus.Addr once a manager: what it advertised
  std::optional<Instant> silent_since;
  // When it last became ready: registered, or heard from again after a
  // silence (virtual time). For the checkers: since when it could have
  // been promoted.
  Instant ready_since = 0;
  std::uint64_t silences = 0;  // how many times it went silent
  // Promoted while silent: its role is manager, but it joins raft (and gets
  // a ManagerStatus) only when it is heard from again.
  bool raft_pending = false;
  bool raft_member() const {
    return role == model::NodeRole::Manager && registered && !raft_pending;
  }
};

// Who asked, and why: carried from the swarmkit-mon call to the observers.
struct SwarmOrigin {
  HostIndex host = 0;
  std::string host_name;
  bool eviction = false;
  std::string why;
  std::uint64_t pass = 0;  // the asking container's reconcile pass, unique per host; 0: none
};

class SwarmSim {
 public:
  // Random draws (join tokens, node IDs) come from substreams of `seed`.
  SwarmSim(Kernel& kernel, Trace& trace, const SwarmSpec& spec, std::uint64_t seed,
           std::size_t number = 0, const LeaderSpec& leader = {});

  // The leader's capacity (sim/capacity.hpp): its cores, its signer, the
  // heartbeats' load, the removal blacklist.
  LeaderCapacity& capacity() { return capacity_; }
  const LeaderCapacity& capacity() const { return capacity_; }

  std::size_t number() const { return number_; }
  // Whether any node of it still holds the manager role: a swarm whose
  // managers are all gone is dead, and a new `swarm init` replaces it.
  bool has_manager() const;

  bool exists() const { return !nodes_.empty(); }
  const model::JoinTokens& tokens() const { return tokens_; }
  std::optional<std::string> leader_id() const { return leader_; }

  // `stream_key` names the machine's random streams (HostSim::stream_key).
  std::string init(HostIndex host, const std::string& host_name, const std::string& stream_key,
                   const std::string& hostname, const std::string& arch, const std::string& addr,
                   Instant manager_clock);
  // A join request reached a manager with `token`: issue a certificate.
  std::variant<model::ApiError, std::string> issue_certificate(
      HostIndex host, const std::string& host_name, const std::string& stream_key,
      const std::string& token, const std::string& addr, Instant manager_clock,
      const std::string& advertise_addr = "");
  void register_node(const std::string& id, const std::string& hostname, const std::string& arch);

  // GET /nodes. The list is kept from one call to the next and only the
  // nodes that changed since are made again, so a leader reading the whole
  // list every pass costs O(changes), not O(nodes).
  model::NodeList list_nodes() const;
  model::Response remove_node(const std::string& id, bool force, const SwarmOrigin& origin);
  model::Response update_role(const std::string& id, std::uint64_t version, model::NodeRole role,
                              const SwarmOrigin& origin);

  // Heartbeats stop (crash, leave, partition, busy) or resume.
  void set_silent(const std::string& id, bool silent);
  model::NodeState state_of(const SwarmNodeRecord& n) const;
  bool is_manager_with_quorum(const std::string& id) const;
  // Whether the raft group keeps a reachable majority without node `id`.
  bool keeps_quorum_without(const std::string& id) const;
  // Whether its raft group has members and a reachable majority of them.
  bool has_quorum() const;

  const SwarmNodeRecord* node(const std::string& id) const;
  const std::map<std::string, SwarmNodeRecord>& nodes() const { return nodes_; }
  // The ids of the nodes a machine's engine was given, removed ones not.
  const std::set<std::string>& node_ids_of(HostIndex host) const;
  // How many times each host name was given a node (joins, and the init).
  const std::map<std::string, int>& certificates_by_host() const { return certificates_; }

  // Observers (checkers, engines): called after the registry changed.
  std::function<void(const SwarmNodeRecord&, const SwarmOrigin&)> on_removed;
  std::function<void(const SwarmNodeRecord&, const SwarmOrigin&)> on_demoted;
  std::function<void(const SwarmNodeRecord&, const SwarmOrigin&)> on_promoted;
  // Called after anything that can change a node's state_of(): its creation,
  // registration, a silence starting or ending, a silence turning it down.
  // The observer compares with what it saw before (metrics).
  std::function<void(const SwarmNodeRecord&)> on_state_changed;
  // Called when a new leader takes over (not at the first election): every
  // worker's session was with the old leader's dispatcher.
  std::function<void()> on_leader_changed;
  // A new leader gives every node that was not down when it took over this
  // long before it marks it down (swarmkit's six heartbeat periods for
  // nodes in an unknown state).
  Duration grace_after_leader_change() const { return 6 * spec_.heartbeat_period_ns; }

 private:
  // A node ID drawn from the stream of the machine it is for (`stream_key`),
  // so that who joins first cannot change the IDs of the others.
  std::string new_node_id(const std::string& stream_key);
  std::map<std::string, std::uint64_t> node_ids_drawn_;  // per stream key
  void elect_leader();
  // The moment a silence (`silence`, its count) shows down, checked at `at`.
  void schedule_down(const std::string& id, std::uint64_t silence, Instant at);
  bool silent_too_long(const SwarmNodeRecord& n) const;
  // When a silent node shows down: down_after into its silence, or the end
  // of a new leader's grace if it was not down when the leader took over.
  Instant down_at(const SwarmNodeRecord& n) const;

  Kernel& kernel_;
  Trace& trace_;
  SwarmSpec spec_;
  std::uint64_t seed_;
  std::size_t number_;
  Rng rng_;                                       // join tokens
  std::map<std::string, SwarmNodeRecord> nodes_;  // ordered by id: `docker node ls` order
  // nodes_ by id, hashed: a lookup per heartbeat check and API call.
  std::unordered_map<std::string, std::map<std::string, SwarmNodeRecord>::iterator> where_;
  std::map<std::string, SwarmNodeRecord>::iterator find_node(const std::string& id);
  std::map<std::string, SwarmNodeRecord>::const_iterator find_node(const std::string& id) const;
  // Indexes into nodes_, so that what concerns the few managers, or one
  // machine, costs nothing per node of the fleet.
  std::set<std::string> managers_;  // role manager (raft members or not)
  std::map<HostIndex, std::set<std::string>> by_host_;
  void indexed(const SwarmNodeRecord& n);
  // The listing: node IDs (25 random characters, unique in their first 16,
  // which new_node_id sees to) ordered by their first 16 characters, which
  // is ID order.
  static model::NodeList::Key list_key(std::string_view id);
  model::Node node_view(const std::string& id, const SwarmNodeRecord& n) const;
  void changed(const std::string& id) const { unlisted_.push_back(id); }
  void state_changed(const SwarmNodeRecord& n) const {
    if (on_state_changed) on_state_changed(n);
  }
  mutable model::NodeList listed_;
  mutable std::vector<std::string> unlisted_;               // changed since the last listing
  mutable std::optional<std::string> listed_leader_;        // the leader the listing shows
  mutable std::multimap<Instant, std::string> turns_down_;  // when a silent node shows down
  std::set<model::NodeList::Key> list_keys_;
  void unindexed(const SwarmNodeRecord& n);
  std::optional<std::string> leader_;
  std::optional<Instant> leader_changed_at_;  // the last time a new leader took over
  LeaderCapacity capacity_;
  std::size_t registered_ = 0;  // nodes registered: they send heartbeats
  void registered_changed() { capacity_.set_heartbeating_nodes(registered_); }
  model::JoinTokens tokens_;
  std::map<std::string, int> certificates_;
};

}  // namespace swarmsim::sim
