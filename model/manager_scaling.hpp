// The leader's manager-count step: keep the number of managers at
// MANAGER_SCALE.
//
// plan_script_scaling is the step as the script's reconcile_node does it,
// from the node list it reads after remove_old_hosts. It counts managers by
// ManagerStatus.Reachability (a promoted node that has not joined raft yet
// has no ManagerStatus and counts as neither) and workers by
// Spec.Availability alone. It stops when reachable managers do not outnumber
// unreachable ones ("majority lost"), when none is unreachable and reachable
// ones reach MANAGER_SCALE, or when no worker is active. Otherwise it
// demotes and removes (`node rm` without --force) the first unreachable
// manager, if any, and promotes the first active worker in GET /nodes order,
// ready or not, whatever the count: one per pass. It never demotes a
// reachable manager.
//
// plan_manager_scaling is go-rewrite's step: it counts the managers that
// remain after this pass's evictions, stops when reachable ones do not
// outnumber unreachable ones, and promotes the first ready, active worker
// while there are too few managers, or demotes the first manager other than
// itself while there are too many, one per pass. (With keep_count_odd it
// steps two at a time from an odd count; with `promotable` it promotes only
// those nodes.)
//
// plan_fixed_scaling is the fixed policy's step, below.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "model/docker_api.hpp"

namespace swarmsim::model {

struct RoleChange {
  std::string node_id;
  std::uint64_t version = 0;
  NodeRole role = NodeRole::Worker;
  std::string why;
};

struct ScriptScaling {
  bool acts = false;  // false: the script returned before touching anything
  int reachable = 0, unreachable = 0, active_workers = 0;
  std::string said;  // what the script echoes: the counts, or why it stopped
  // The first active worker, promoted whenever the step acts.
  std::optional<RoleChange> promotion;
};
ScriptScaling plan_script_scaling(const NodeList& nodes, int manager_scale);

std::vector<RoleChange> plan_manager_scaling(const NodeList& nodes,
                                             const std::set<std::string>& going,
                                             const std::string& self_node_id, int manager_scale,
                                             bool keep_count_odd,
                                             const std::set<std::string>* promotable = nullptr);

// The fixed policy's manager-count step. Raft keeps a quorum through the
// loss of a minority of its members, so the step keeps the managers at
//
//   target = min(MANAGER_SCALE, managers that stay + promotable workers),
//            made odd by taking one away (never below one),
//
// which is MANAGER_SCALE when the fleet allows it, or the largest odd
// count the ready workers bound to live hosts allow: two managers survive
// no loss that one manager does not, and lose the swarm to either one.
// It touches nothing when the reachable managers do not outnumber the
// unreachable ones (no write can commit). Otherwise, in one pass:
//  - a manager whose node is `down` is demoted: its machine is gone or cut
//    off, and a member that does not vote only brings the quorum closer
//    (its node stays, a worker, for when the machine comes back);
//  - a manager the removal hook condemns (its host is gone from Cattle) is
//    demoted now, even when its removal waits for a later pass;
//  - the oldest promotable workers are promoted up to the target, or the
//    newest managers other than the leader are demoted down to it, the
//    unreachable ones first.
// The managers that stay are the others; the leader is one of them unless
// `self_leaving` (its own host is gone: it hands the lead over and stays a
// manager until the next leader demotes it).
struct FixedScalingView {
  const NodeList* nodes = nullptr;
  std::string self_node_id;
  bool self_leaving = false;
  int manager_scale = 3;
  std::set<std::string> going;      // removed this pass: not counted at all
  std::set<std::string> condemned;  // the removal hook's verdict, this pass's removals included
  // Workers that may be promoted (fixed: bound to a host active in Cattle).
  const std::set<std::string>* promotable = nullptr;
};
struct FixedScaling {
  std::vector<RoleChange> changes;  // in the order to make them
  // Demotions of condemned managers: evictions, as the safety checker sees them.
  std::set<std::string> evicting;
  int target = 0, staying = 0;  // for the trace
};
FixedScaling plan_fixed_scaling(const FixedScalingView& view);

}  // namespace swarmsim::model
