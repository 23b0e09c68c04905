// Step 5 of the leader's pass: keep the number of managers at MANAGER_SCALE.
//
// The script counts the managers that will remain after this pass's
// evictions; if reachable ones do not outnumber unreachable ones it stops
// ("majority lost"). Otherwise it promotes the first ready, active worker
// while there are too few managers, or demotes the first manager other than
// itself while there are too many, one per pass. A policy that keeps the
// count odd never stops at two managers: losing either loses raft quorum.
#pragma once

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

std::vector<RoleChange> plan_manager_scaling(const std::vector<Node>& nodes,
                                             const std::set<std::string>& going,
                                             const std::string& self_node_id, int manager_scale,
                                             bool keep_count_odd);

}  // namespace swarmsim::model
