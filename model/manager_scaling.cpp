#include "model/manager_scaling.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace swarmsim::model {

ScriptScaling plan_script_scaling(const NodeList& nodes, int manager_scale) {
  ScriptScaling s;
  const Node* first_active = nullptr;
  for (const auto& n : nodes) {
    if (n.Spec.Role == NodeRole::Manager) {
      if (!n.ManagerStatus_) continue;  // not in raft yet: neither reachable nor unreachable
      if (n.ManagerStatus_->Reachability_ == Reachability::Reachable)
        ++s.reachable;
      else if (n.ManagerStatus_->Reachability_ == Reachability::Unreachable)
        ++s.unreachable;
    } else if (n.Spec.Availability == "active") {
      ++s.active_workers;
      if (!first_active) first_active = &n;
    }
  }
  const int managers = s.reachable + s.unreachable;
  if (s.reachable <= s.unreachable) {
    s.said = "majority managers lost; manual intervention required";
  } else if (s.unreachable == 0 && s.reachable >= manager_scale) {
    s.said = fmt::format("{} of {} managers reachable", s.reachable, managers);
  } else if (s.active_workers == 0) {
    s.said = "no active workers present for promotion";
  } else {
    s.acts = true;
    s.said = fmt::format("{} of {} manager(s) reachable, {} worker(s) active", s.reachable,
                         managers, s.active_workers);
    s.promotion =
        RoleChange{first_active->ID, first_active->VersionIndex, NodeRole::Manager,
                   fmt::format("promote the first active worker {}: {}", first_active->ID, s.said)};
  }
  return s;
}

std::vector<RoleChange> plan_manager_scaling(const NodeList& nodes,
                                             const std::set<std::string>& going,
                                             const std::string& self_node_id, int manager_scale,
                                             bool keep_count_odd,
                                             const std::set<std::string>* promotable) {
  int managers = 0, reachable = 0, unreachable = 0;
  std::vector<const Node*> ready_workers, other_managers;
  for (const auto& n : nodes) {
    if (going.contains(n.ID)) continue;
    if (n.Spec.Role == NodeRole::Manager) {
      ++managers;
      const bool up =
          n.ManagerStatus_ && n.ManagerStatus_->Reachability_ == Reachability::Reachable;
      (up ? reachable : unreachable) += 1;
      if (n.ID != self_node_id) other_managers.push_back(&n);
    } else if (n.Status.State == NodeState::Ready && n.Spec.Availability == "active" &&
               (promotable == nullptr || promotable->contains(n.ID))) {
      ready_workers.push_back(&n);
    }
  }
  // Keeping the count odd goes with promoting the oldest nodes first: the
  // hosts that have been there longest are the likeliest to stay.
  if (keep_count_odd)
    std::stable_sort(ready_workers.begin(), ready_workers.end(),
                     [](const Node* a, const Node* b) { return a->CreatedAt < b->CreatedAt; });
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
    // Stepping down keeps the count odd too: from an odd count two go in
    // the same pass, so that the swarm spends milliseconds, not a loop, at
    // an even count that one lost machine would leave without quorum.
    int want = 1;
    if (keep_count_odd && managers % 2 == 1) want = managers - 2 >= manager_scale ? 2 : 0;
    want = std::min<int>(want, static_cast<int>(other_managers.size()));
    for (int i = 0; i < want; ++i) {
      const Node& n = *other_managers[static_cast<std::size_t>(i)];
      out.push_back(
          RoleChange{n.ID, n.VersionIndex, NodeRole::Worker,
                     fmt::format("demote {}: {} of {} managers", n.ID, managers, manager_scale)});
    }
  }
  return out;
}

FixedScaling plan_fixed_scaling(const FixedScalingView& v) {
  FixedScaling out;
  int reachable = 0, unreachable = 0;
  std::vector<const Node*> down, condemned, staying, workers;
  for (const auto& n : *v.nodes) {
    if (v.going.contains(n.ID)) continue;
    if (n.Spec.Role == NodeRole::Manager) {
      if (n.ManagerStatus_) {
        const bool up = n.ManagerStatus_->Reachability_ == Reachability::Reachable;
        (up ? reachable : unreachable) += 1;
      }
      const bool self = n.ID == v.self_node_id;
      if (self && v.self_leaving) continue;
      if (!self && v.condemned.contains(n.ID))
        condemned.push_back(&n);
      else if (!self && n.Status.State == NodeState::Down)
        down.push_back(&n);
      else
        staying.push_back(&n);
    } else if (n.Status.State == NodeState::Ready && n.Spec.Availability == "active" &&
               !v.condemned.contains(n.ID) &&
               (v.promotable == nullptr || v.promotable->contains(n.ID))) {
      workers.push_back(&n);
    }
  }
  if (reachable <= unreachable) return out;  // majority lost: touch nothing
  // The hosts that have been there longest are the likeliest to stay.
  auto oldest_first = [](const Node* a, const Node* b) { return a->CreatedAt < b->CreatedAt; };
  std::stable_sort(workers.begin(), workers.end(), oldest_first);
  const int stay = static_cast<int>(staying.size());
  int target = std::min(v.manager_scale, stay + static_cast<int>(workers.size()));
  if (target % 2 == 0) --target;
  target = std::max(target, 0);
  out.target = target;
  out.staying = stay;
  auto count = [&](int managers) {
    return fmt::format("{} manager{} stay, {} wanted", managers, managers == 1 ? "" : "s", target);
  };
  for (const Node* n : down)
    out.changes.push_back(RoleChange{n->ID, n->VersionIndex, NodeRole::Worker,
                                     fmt::format("demote {}: its node is down, and a manager "
                                                 "that does not vote only brings the quorum "
                                                 "closer ({})",
                                                 n->ID, count(stay))});
  for (const Node* n : condemned) {
    out.evicting.insert(n->ID);
    out.changes.push_back(RoleChange{
        n->ID, n->VersionIndex, NodeRole::Worker,
        fmt::format("demote {}: the removal hook condemns it ({})", n->ID, count(stay))});
  }
  if (stay < target) {
    // Never more than the workers there are, whatever the target says.
    const int promote = std::min(target - stay, static_cast<int>(workers.size()));
    for (int i = 0; i < promote; ++i)
      out.changes.push_back(RoleChange{
          workers[static_cast<std::size_t>(i)]->ID,
          workers[static_cast<std::size_t>(i)]->VersionIndex, NodeRole::Manager,
          fmt::format("promote {}: {}", workers[static_cast<std::size_t>(i)]->ID, count(stay))});
  } else if (stay > target) {
    // The unreachable first, then the newest: the leader never.
    std::vector<const Node*> others;
    for (const Node* n : staying)
      if (n->ID != v.self_node_id) others.push_back(n);
    std::stable_sort(others.begin(), others.end(), [](const Node* a, const Node* b) {
      const bool a_up =
          a->ManagerStatus_ && a->ManagerStatus_->Reachability_ == Reachability::Reachable;
      const bool b_up =
          b->ManagerStatus_ && b->ManagerStatus_->Reachability_ == Reachability::Reachable;
      if (a_up != b_up) return !a_up;
      return a->CreatedAt > b->CreatedAt;
    });
    const int want = std::min(stay - target, static_cast<int>(others.size()));
    for (int i = 0; i < want; ++i) {
      const Node& n = *others[static_cast<std::size_t>(i)];
      out.changes.push_back(RoleChange{n.ID, n.VersionIndex, NodeRole::Worker,
                                       fmt::format("demote {}: {}", n.ID, count(stay))});
    }
  }
  return out;
}

}  // namespace swarmsim::model
