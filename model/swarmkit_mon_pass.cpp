// The reconcile pass's steps: the removal hook, the manager-count step and
// the down-node purge, each planned by model/removal_policy and
// model/manager_scaling and issued one call at a time.
#include <fmt/format.h>

#include <algorithm>

#include "model/manager_scaling.hpp"
#include "model/swarmkit_mon_impl.hpp"

namespace swarmsim::model {

void I::list_nodes(const Response*) {
  call(ListNodes{});
}

bool I::nodes_read(const Response* r) const {
  return as<NodeList>(r) != nullptr;
}

bool I::nodes_unread(const Response* r) const {
  return !nodes_read(r);
}

void I::keep_nodes_ask_hosts(const Response* r) {
  nodes = *as<NodeList>(r);
  call(MetaHosts{});
}

bool I::reads_cattle(const Response*) const {
  return opt.policy.reads_cattle_hosts();
}

bool I::reads_metadata_only(const Response*) const {
  return !opt.policy.reads_cattle_hosts();
}

void I::keep_hosts_ask_cattle(const Response* r) {
  keep_meta_hosts(r);
  call(CattleListHosts{});
}

void I::keep_meta_hosts(const Response* r) {
  auto a = as<MetaAnswer<HostList>>(r);
  // A failed read is, to the script, the same as an empty answer.
  meta_hosts = a ? *a : MetaAnswer<HostList>{MetaAnswerKind::Empty, {}};
}

ReconcileView I::view() const {
  return ReconcileView{now,
                       info.NodeID,
                       &nodes,
                       &meta_hosts,
                       cattle_hosts ? &*cattle_hosts : nullptr,
                       departed ? &*departed : nullptr};
}

void I::plan_removals_from_metadata(const Response* r) {
  keep_meta_hosts(r);
  cattle_hosts.reset();
  plan_removals();
}

void I::plan_removals_from_cattle(const Response* r) {
  keep_cattle_hosts(r);
  departed.reset();
  plan_removals();
}

void I::keep_cattle_hosts(const Response* r) {
  auto c = as<CattleHostList>(r);
  if (c)
    cattle_hosts = *c;
  else
    cattle_hosts.reset();
}

// fixed: the departure notes, from the service metadata of its own replica.
bool I::reads_departures(const Response*) const {
  return opt.policy.publishes_node_identity();
}

void I::keep_cattle_ask_departures(const Response* r) {
  keep_cattle_hosts(r);
  call(MetaServiceMetadata{});
}

void I::plan_removals_with_departures(const Response* r) {
  auto a = as<MetaAnswer<ServiceMetadata>>(r);
  if (a && a->kind == MetaAnswerKind::Json)
    departed = a->value.departed;
  else
    departed.reset();
  plan_removals();
}

void I::plan_removals() {
  RemovalPlan plan = model::plan_removals(opt.policy, view());
  condemned.clear();
  for (const auto& e : plan.condemned) condemned.insert(e.node_id);
  self_condemned = std::move(plan.self_condemned);
  // A manager whose host is gone leaves the removals to the next leader,
  // whose replica no longer lists this host and who removes this node too;
  // while no other manager is reachable there is no next leader, and it
  // goes on with them itself.
  if ((!self_condemned && !handing_over) || !other_manager_reachable())
    for (const auto& e : plan.evictions) queue_eviction(e, "remove_old_hosts");
  next_work(nullptr);
}

bool I::other_manager_reachable() const {
  const std::string me = view().self_node_id;
  return std::any_of(nodes.begin(), nodes.end(), [&](const Node& n) {
    return n.ID != me && n.Spec.Role == NodeRole::Manager && n.ManagerStatus_ &&
           n.ManagerStatus_->Reachability_ == Reachability::Reachable;
  });
}

bool I::has_work(const Response*) const {
  return !work.empty();
}

bool I::work_finished(const Response*) const {
  return work.empty();
}

bool I::idle(const Response*) const {
  return awaiting == 0;
}

void I::next_work(const Response*) {
  if (work.empty()) return;
  Call c = std::move(work.front());
  work.pop_front();
  call(std::move(c.request), std::move(c.why), c.eviction);
}

void I::finish_pass(const Response*) {
  work.clear();
  pass_done = true;
}

void I::queue_eviction(const Eviction& e, const std::string& step, bool force) {
  auto node =
      std::find_if(nodes.begin(), nodes.end(), [&](const Node& n) { return n.ID == e.node_id; });
  const std::uint64_t version = node != nodes.end() ? node->VersionIndex : 0;
  if (e.demote_first)
    work.push_back(Call{0, UpdateNodeRole{e.node_id, version, NodeRole::Worker},
                        fmt::format("{}: demote {} before removal: {}", step, e.node_id, e.why),
                        true});
  work.push_back(Call{
      0, RemoveNode{e.node_id, force},
      fmt::format("{}: docker node rm {}{}: {}", step, e.node_id, force ? " --force" : "", e.why),
      true});
}

// After the removal hook the nodes are read again for the manager-count
// step, and once more for the down-node purge and the leader's own `swarm`
// label.
//
// The script's way (reconcile_node): the count step may demote and remove
// (without --force) the first unreachable manager and promotes the first
// active worker; then, from a fresh read, the purge demotes and removes
// (without --force) every down node, one it has just promoted included.
//
// The fixed policy plans its steps from the one read, so that the count of
// managers it keeps is the count after this pass's removals.
void I::plan_scaling(const Response* r) {
  nodes = *as<NodeList>(r);
  if (opt.policy.is_script()) {
    const ScriptScaling step = plan_script_scaling(nodes, opt.manager_scale);
    if (step.acts && step.unreachable > 0) {
      if (auto e = select_unreachable_manager(opt.policy, view()))
        queue_eviction(*e, "manager count", false);
    }
    if (step.promotion) {
      const RoleChange& c = *step.promotion;
      work.push_back(Call{0, UpdateNodeRole{c.node_id, c.version, c.role}, c.why});
    }
  } else if (opt.policy.keeps_manager_count_odd()) {
    // The script's eviction steps, for a policy whose flags ask for them
    // (fixed's do not): the steps follow the flags, not the policy's name.
    std::set<std::string> going;
    if (auto e = select_unreachable_manager(opt.policy, view())) {
      queue_eviction(*e, "unreachable manager");
      going.insert(e->node_id);
    }
    for (const auto& e : select_down_nodes(opt.policy, view()))
      if (going.insert(e.node_id).second) queue_eviction(e, "purge down nodes");
    plan_fixed_step(std::move(going));
  } else {
    std::set<std::string> going;
    if (auto e = select_unreachable_manager(opt.policy, view())) {
      queue_eviction(*e, "unreachable manager");
      going.insert(e->node_id);
    }
    for (const auto& e : select_down_nodes(opt.policy, view())) {
      if (going.insert(e.node_id).second) queue_eviction(e, "purge down nodes");
    }
    for (const auto& c : plan_manager_scaling(nodes, going, info.NodeID, opt.manager_scale,
                                              opt.policy.keeps_manager_count_odd(), nullptr))
      work.push_back(Call{0, UpdateNodeRole{c.node_id, c.version, c.role}, c.why});
  }
  next_work(nullptr);
}

// fixed: the managers at MANAGER_SCALE or the largest odd count the fleet
// allows, promoting only nodes bound to a host active in Cattle.
void I::plan_fixed_step(std::set<std::string> going) {
  FixedScalingView v;
  v.going = std::move(going);
  v.nodes = &nodes;
  v.self_node_id = view().self_node_id;
  v.self_leaving = handing_over || self_condemned.has_value();
  v.manager_scale = opt.manager_scale;
  v.condemned = condemned;
  std::set<std::string> bound;
  if (cattle_hosts)
    for (const auto& h : *cattle_hosts) {
      auto claim = h.labels.find(kNodeIdLabel);
      if (h.state == CattleHostState::Active && claim != h.labels.end())
        bound.insert(claim->second);
    }
  v.promotable = &bound;
  const FixedScaling plan = plan_fixed_scaling(v);
  if (!v.self_leaving) {
    for (const auto& c : plan.changes)
      work.push_back(Call{0, UpdateNodeRole{c.node_id, c.version, c.role}, c.why,
                          plan.evicting.contains(c.node_id)});
    return;
  }
  // A manager whose host is gone only hands the lead over: it promotes
  // successors when no other reachable manager would lead after it, and
  // leaves every other change to the next leader.
  if (other_manager_reachable()) return;
  for (const auto& c : plan.changes)
    if (c.role == NodeRole::Manager)
      work.push_back(Call{
          0, UpdateNodeRole{c.node_id, c.version, c.role},
          fmt::format("hand over, this host {} being gone from Rancher: {}", self.uuid, c.why)});
}

void I::plan_purge(const Response* r) {
  nodes = *as<NodeList>(r);
  if (opt.policy.is_script() && opt.policy.purges_down_nodes()) {
    for (const auto& e : select_down_nodes(opt.policy, view()))
      queue_eviction(e, "purge down nodes", false);
  }
  // The leader's own `swarm` label follows ControlAvailable (not on a host
  // that is gone: there is no label to write).
  if (info.ControlAvailable != labelled_manager(self.labels) && !handing_over && !self_condemned)
    work.push_back(Call{
        0, CattleSetHostLabel{self.uuid, "swarm", info.ControlAvailable ? "manager" : ""}, {}});
  if (handing_over || self_condemned) step_down_if_handed_over();
  next_work(nullptr);
}

// fixed: a manager whose host is gone steps down as soon as the other
// managers are an odd number, every one reachable: a successor it promoted
// holds the quorum alone, without the two-manager window a demotion by the
// next leader, a loop later, would leave. With an even number of others it
// waits for the next leader, whose pass demotes it and promotes in one go.
void I::step_down_if_handed_over() {
  const std::string me = view().self_node_id;
  bool i_manage = false;
  int others = 0;
  std::uint64_t version = 0;
  for (const auto& n : nodes) {
    if (n.Spec.Role != NodeRole::Manager) continue;
    if (n.ID == me) {
      i_manage = true;
      version = n.VersionIndex;
      continue;
    }
    if (!n.ManagerStatus_ || n.ManagerStatus_->Reachability_ != Reachability::Reachable) return;
    ++others;
  }
  if (!i_manage || others % 2 == 0) return;
  work.push_back(
      Call{0, UpdateNodeRole{me, version, NodeRole::Worker},
           fmt::format("step down: this host {} is gone from Rancher, and {} other "
                       "{} the quorum",
                       self.uuid, others, others == 1 ? "manager holds" : "managers hold")});
}

}  // namespace swarmsim::model
