#include "model/manager_scaling.hpp"

#include <fmt/format.h>

namespace swarmsim::model {

std::vector<RoleChange> plan_manager_scaling(const std::vector<Node>& nodes,
                                             const std::set<std::string>& going,
                                             const std::string& self_node_id, int manager_scale,
                                             bool keep_count_odd) {
  int managers = 0, reachable = 0, unreachable = 0;
  std::vector<const Node*> ready_workers, other_managers;
  for (const auto& n : nodes) {
    if (going.contains(n.ID)) continue;
    if (n.Spec.Role == NodeRole::Manager) {
      ++managers;
      const bool up = n.ManagerStatus_ && n.ManagerStatus_->Reachability_ == Reachability::Reachable;
      (up ? reachable : unreachable) += 1;
      if (n.ID != self_node_id) other_managers.push_back(&n);
    } else if (n.Status.State == NodeState::Ready && n.Spec.Availability == "active") {
      ready_workers.push_back(&n);
    }
  }
  std::vector<RoleChange> out;
  if (reachable <= unreachable) return out;  // majority lost: touch nothing
  if (managers < manager_scale) {
    int want = 1;
    if (keep_count_odd && managers % 2 == 1) want = managers + 2 <= manager_scale ? 2 : 0;
    if (static_cast<int>(ready_workers.size()) < want) return out;
    for (int i = 0; i < want; ++i)
      out.push_back(RoleChange{ready_workers[i]->ID, ready_workers[i]->VersionIndex,
                               NodeRole::Manager,
                               fmt::format("promote {}: {} of {} managers", ready_workers[i]->ID,
                                           managers, manager_scale)});
  } else if (managers > manager_scale && !other_managers.empty()) {
    const Node& n = *other_managers.front();
    out.push_back(RoleChange{n.ID, n.VersionIndex, NodeRole::Worker,
                             fmt::format("demote {}: {} of {} managers", n.ID, managers,
                                         manager_scale)});
  }
  return out;
}

}  // namespace swarmsim::model
