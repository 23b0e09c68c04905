// What the leader's node-removal hook (`remove_old_hosts`) and the other
// eviction steps of its reconcile pass may remove.
//
// A policy is a value the leader is built with. These exist:
//  - legacy: swarmkit-mon v5 (v3 and later) as it ran in 2017, defects
//    included. A node survives only if its engine hostname equals some
//    metadata hostname cut at the first dot; an empty or missing metadata
//    answer makes every registered node a target; every `down` node is
//    purged.
//  - legacy-v2: swarmkit-mon v1/v2, the same but comparing whole hostnames:
//    nothing is cut at the dot, so a dotted kernel hostname that Rancher
//    also registers dotted matches, and the 2017 incident's mechanism (R1)
//    does not fire; a metadata FQDN beside a short kernel hostname does.
//  - grace: legacy plus a minimum node age. It closes the window between a
//    join and the leader's replica catching up, but a permanent name mismatch
//    is still evicted once the node is old enough.
//  - go-rewrite: the 2017 Go rewrite of the hook. Hosts come from the Cattle
//    API; nodes go only while there are more nodes than hosts, and a node
//    is a candidate when its Status.Addr is no live host's agent IP. Sound
//    until the address the managers see is not the agent IP (NAT, a second
//    interface): then a live node can be taken for the stale one (R8).
//  - fixed: a node is bound to its Rancher host's uuid (the joiner publishes
//    its NodeID as a host label through the Cattle API) and is removed only on
//    positive evidence from the strongly consistent Cattle API that this host
//    was deleted. Unbound nodes, empty answers and the leader itself are never
//    touched, and at most a few nodes go per pass.
// Adding a policy touches this file and removal_policy.cpp only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/docker_api.hpp"
#include "model/io.hpp"
#include "model/rancher_api.hpp"
#include "model/time.hpp"

namespace swarmsim::model {

// The host label through which a joiner publishes its swarm NodeID (fixed).
inline constexpr const char* kNodeIdLabel = "io.rancher.swarm.node_id";

struct RemovalPolicy {
  enum class Kind { Legacy, LegacyV2, Grace, Fixed, GoRewrite };
  Kind kind = Kind::Legacy;
  Duration grace_min_node_age_ns = 2 * kMinute;  // grace: younger nodes are never removed
  int max_removals_per_pass = 1;                 // fixed: bound on removals per pass

  static std::optional<RemovalPolicy> from_name(const std::string& name);
  static const char* names();  // "legacy, legacy-v2, grace, fixed, go-rewrite": for messages
  static const std::vector<std::string>& all_names();
  std::string name() const;

  // Whether the reconcile pass reads the Cattle API host list.
  bool reads_cattle_hosts() const { return kind == Kind::Fixed || kind == Kind::GoRewrite; }
  // Whether joiners publish their NodeID on their Rancher host.
  bool publishes_node_identity() const { return kind == Kind::Fixed; }
  // Legacy step 3: demote and remove the first unreachable manager.
  bool removes_unreachable_managers() const { return is_script(); }
  // Legacy step 4: the quoting bug that purges every `down` node.
  bool purges_down_nodes() const { return is_script(); }
  // One of the script's versions (or grace, built on it).
  bool is_script() const {
    return kind == Kind::Legacy || kind == Kind::LegacyV2 || kind == Kind::Grace;
  }
  // An engine whose join has gone on for a whole loop through a manager
  // that no longer answers as one (its machine died, it was demoted) waits
  // for it forever: the daemon asks only the address it was given. fixed
  // leaves (which ends the join) and joins again through the leader of
  // the day. A join that is merely slow keeps its manager answering, and
  // is left alone: abandoning it would only add load where it waits.
  bool abandons_joins_through_lost_managers() const { return kind == Kind::Fixed; }
  // The leader publishes the join tokens again on its next pass when it never
  // saw a publication succeed. The script publishes only at bootstrap: a
  // publication lost to a partition leaves every joiner waiting forever.
  bool republishes_join_tokens() const { return kind == Kind::Fixed; }
  // The leader rule. The script's: the lowest create_index leads, whatever
  // its engine is. fixed: the lowest create_index among hosts labelled
  // swarm=manager whose manager node is reachable leads (a manager reads
  // GET /nodes to pass over a labelled host whose machine died or is cut
  // off), the lowest of all only while no host is labelled, so that the lead
  // stays with a live manager when a machine dies, a stack upgrade or a
  // failed start reorders the containers; every host keeps its own `swarm`
  // label equal to its engine's role (ControlAvailable), so that the labels
  // track promotions and demotions; and joiners probe every labelled
  // manager in turn, then the hosts Cattle labels manager or has removed.
  bool leads_among_managers() const { return kind == Kind::Fixed; }
  // A leader whose engine is in no swarm runs `swarm init` only when the
  // Cattle API shows no join tokens published: otherwise the swarm exists
  // and a second `init` would split it. The script inits whenever its
  // engine is inactive.
  bool inits_only_without_published_tokens() const { return kind == Kind::Fixed; }
  // Every host joins as a worker and only the leader's scaling step
  // promotes (the oldest ready workers first), so that the odd count of
  // managers it keeps is the only way a host becomes one. The script joins
  // the first MANAGER_SCALE containers by create_index as managers; while a
  // stack upgrade recreates the containers that rank is anybody's, and a
  // second manager beside one makes a swarm that loses raft quorum with
  // either.
  bool joins_as_worker() const { return kind == Kind::Fixed; }
  // Promotion and demotion never leave an even number of managers behind
  // for longer than a pass takes: with two, losing either host loses raft
  // quorum for good.
  bool keeps_manager_count_odd() const { return kind == Kind::Fixed; }

  // ---- Promises a policy makes, which the checkers hold it to ----
  // At most max_removals_per_pass nodes removed in one reconcile pass.
  bool promises_bounded_removals() const { return kind == Kind::Fixed; }
  // The leader never demotes or removes its own node.
  bool promises_to_spare_itself() const { return kind == Kind::Fixed || kind == Kind::GoRewrite; }
  // The managers settle at MANAGER_SCALE, or at the largest odd count the
  // live nodes allow, each a live host's ready node (manager-count).
  bool promises_manager_count() const { return kind == Kind::Fixed; }
  // Only a node of a host active in Cattle is made a manager (sound-promotions).
  bool promises_sound_promotions() const { return kind == Kind::Fixed; }
  // Nothing is removed in a pass whose decisive read (see decides_on) failed
  // or came back empty.
  bool promises_no_removal_on_failed_read() const {
    return kind == Kind::Fixed || kind == Kind::GoRewrite;
  }
  // The reads a pass's removals rest on: `GET /nodes` always, then metadata
  // `/hosts` for the script's versions or the Cattle API's hosts for the
  // policies that read it.
  bool decides_on(const Request& request) const;
};

// Everything the leader knows when it decides, as read during this pass.
struct ReconcileView {
  Instant now = 0;
  std::string self_node_id;
  const NodeList* nodes = nullptr;                   // GET /nodes
  const MetaAnswer<HostList>* meta_hosts = nullptr;  // own replica's /hosts
  const CattleHostList* cattle_hosts = nullptr;      // fixed only; null if unread
  // fixed: departure notes from the service metadata (own replica); null if unread.
  const std::map<std::string, std::string>* departed = nullptr;
};

struct Eviction {
  std::string node_id;
  bool demote_first = false;  // a manager must be demoted before `node rm`
  std::string why;            // the comparison that condemned it, for the trace
};

// What the removal hook found this pass.
struct RemovalPlan {
  // The nodes it removes now: at most the policy's bound, never the leader's.
  std::vector<Eviction> evictions;
  // Every node the evidence condemns, the ones left for later passes
  // included (fixed: the manager count leaves them out, and a condemned
  // manager is demoted at once). Never the leader's own node.
  std::vector<Eviction> condemned;
  // fixed: the evidence condemns the leader's own node (its host was
  // deleted in Cattle while its machine runs on and its replica, stale,
  // still lists it). Such a leader hands the lead over (see
  // plan_fixed_scaling) and removes the others only while no other manager
  // could (SwarmkitMon decides).
  std::optional<Eviction> self_condemned;
};

// remove_old_hosts: which nodes the hook removes this pass.
RemovalPlan plan_removals(const RemovalPolicy& policy, const ReconcileView& view);
// plan_removals(...).evictions.
std::vector<Eviction> select_stale_nodes(const RemovalPolicy& policy, const ReconcileView& view);
// Step 3: the first unreachable manager, if the policy removes those.
std::optional<Eviction> select_unreachable_manager(const RemovalPolicy& policy,
                                                   const ReconcileView& view);
// Step 4: `down` nodes purged (all of them under legacy's quoting bug).
std::vector<Eviction> select_down_nodes(const RemovalPolicy& policy, const ReconcileView& view);

// The legacy comparison key for a metadata hostname: cut at the first dot.
std::string metadata_hostname_key(const std::string& hostname);

}  // namespace swarmsim::model
