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
// plan_manager_scaling is the fixed policy's step: it counts the managers
// that remain after this pass's evictions, stops when reachable ones do not
// outnumber unreachable ones, and promotes the first ready, active worker
// while there are too few managers, or demotes the first manager other than
// itself while there are too many. A policy that keeps the count odd never
// stops at two managers: losing either loses raft quorum. It promotes the
// oldest workers first, two at a time from an odd count, and demotes two at
// a time from an odd count too, in the same pass. With `promotable`, only those nodes are
// promoted (fixed: nodes bound to a host active in Cattle, so that a
// manager is never made of a node nothing ties to a live host).
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
  std::string said;   // what the script echoes: the counts, or why it stopped
  // The first active worker, promoted whenever the step acts.
  std::optional<RoleChange> promotion;
};
ScriptScaling plan_script_scaling(const NodeList& nodes, int manager_scale);

std::vector<RoleChange> plan_manager_scaling(const NodeList& nodes,
                                             const std::set<std::string>& going,
                                             const std::string& self_node_id, int manager_scale,
                                             bool keep_count_odd,
                                             const std::set<std::string>* promotable = nullptr);

}  // namespace swarmsim::model
