// The loop's steps: one pass of the script's `node()` per wake-up, from
// the host's own metadata to the swarm it finds and the leader it reads.
#include <fmt/format.h>

#include <algorithm>

#include "model/duration.hpp"
#include "model/manager_scaling.hpp"
#include "model/swarmkit_mon_impl.hpp"

namespace swarmsim::model {

void I::ask_self_host(const Response*) {
  renoting = false;
  call(MetaSelfHost{});
}

bool I::has_agent_ip(const Response* r) const {
  auto a = as<MetaAnswer<MetaHost>>(r);
  return a && a->kind == MetaAnswerKind::Json && !a->value.agent_ip.empty();
}

void I::poll_again(const Response*) {
  sleep(opt.poll_interval_ns);
}

// fixed: this container's host answered before and is now `Not found`:
// the host may have been deleted in Cattle while the machine runs on.
// Metadata cannot tell a deletion from a replica mid-reload; the Cattle
// API can, so ask it before anything is done about it. A container that
// never knew its host (it started after the deletion, a reboot's restart)
// asks too, once a loop: its engine's NodeID and address tell Cattle's
// hosts apart.
bool I::may_be_deleted(const Response* r) const {
  auto a = as<MetaAnswer<MetaHost>>(r);
  if (!opt.policy.publishes_node_identity() || !a || a->kind != MetaAnswerKind::NotFound)
    return false;
  return !self.uuid.empty() || !identity_checked_at ||
         now - *identity_checked_at >= opt.loop_interval_ns;
}

bool I::keep_polling(const Response* r) const {
  return !has_agent_ip(r) && !may_be_deleted(r);
}

// The host this machine is registered as in Cattle, removed ones included:
// by uuid when known, else the one that claims the engine's node, else the
// one at the engine's address (a live one first: that is the machine's).
const CattleHost* I::my_host_in_cattle(const Response* r) const {
  auto hosts = as<CattleHostList>(r);
  if (!hosts) return nullptr;
  if (!self.uuid.empty()) return hosts->find(self.uuid);
  const std::string ip = info.NodeAddr.substr(0, info.NodeAddr.find(':'));
  const CattleHost* claimed = nullptr;
  const CattleHost* at_ip = nullptr;
  for (const auto& h : *hosts) {
    auto claim = h.labels.find(kNodeIdLabel);
    const bool claims = claim != h.labels.end() && claim->second == info.NodeID;
    const bool here = !ip.empty() && h.agent_ip == ip;
    if (h.state == CattleHostState::Active && (claims || here)) return &h;
    if (claims && !claimed) claimed = &h;
    if (here && !at_ip) at_ip = &h;
  }
  return claimed ? claimed : at_ip;
}

void I::ask_cattle_about_self(const Response*) {
  call(CattleListHosts{});
}

bool I::self_removed_in_cattle(const Response* r) const {
  const CattleHost* h = my_host_in_cattle(r);
  return h != nullptr && h->state == CattleHostState::Removed;
}

bool I::self_not_removed(const Response* r) const {
  return !self_removed_in_cattle(r);
}

// The machine's host is gone from Rancher: its engine leaves the swarm, so
// that its node turns down and the leader can remove it. First the agent
// notes which node it leaves behind (the binding may never have reached
// Cattle, and behind a NAT the node's address says nothing); if the note
// cannot be written, the engine stays until a later loop writes it.
void I::ask_info_before_leaving(const Response*) {
  if (self.uuid.empty()) identity_checked_at = now;
  call(GetInfo{});
}

bool I::can_note_departure(const Response* r) const {
  auto i = as<SwarmInfo>(r);
  return i && i->LocalNodeState_ != LocalNodeState::Inactive && !i->NodeID.empty();
}

bool I::nothing_to_leave(const Response* r) const {
  return !can_note_departure(r) && !self.uuid.empty() && !keeps_note(r);
}

// An agent that never knew its host since it started, whose engine is
// out of the swarm, may be the restart of one that left a deleted host:
// the file on the disk says (read once a container).
bool I::recalls_departure(const Response* r) const {
  return !can_note_departure(r) && self.uuid.empty() && !left_behind && !left_node_read;
}

void I::ask_left_node(const Response*) {
  left_node_read = true;
  call(ReadLeftNode{}, "was this machine's engine left behind by a deleted host?");
}

bool I::recalled_note(const Response* r) const {
  auto left = as<LeftNode>(r);
  return left && !left->node_id.empty() && !left->host_uuid.empty();
}

bool I::recalled_nothing(const Response* r) const {
  return !recalled_note(r);
}

void I::note_recalled(const Response* r) {
  auto left = as<LeftNode>(r);
  left_behind.emplace(left->node_id, left->host_uuid);
  self.uuid = left->host_uuid;
  note_again(r);
}

bool I::keeps_note(const Response* r) const {
  return !can_note_departure(r) && !self.uuid.empty() && left_behind &&
         left_behind->second == self.uuid;
}

void I::note_again(const Response*) {
  renoting = true;
  call(CattleNoteDeparture{left_behind->first, left_behind->second},
       fmt::format("host {} is still deleted: keep the note that node {} is left behind",
                   left_behind->second, left_behind->first));
}

bool I::nothing_to_leave_yet(const Response* r) const {
  return !can_note_departure(r) && self.uuid.empty() && !recalls_departure(r);
}

void I::keep_info_ask_cattle(const Response* r) {
  info = *as<SwarmInfo>(r);
  ask_cattle_about_self(r);
}

void I::note_departure(const Response* r) {
  if (self.uuid.empty()) {  // found through its node: this is the machine's host
    const CattleHost* h = my_host_in_cattle(r);
    self.uuid = h->uuid;
    self.hostname = h->hostname;
    self.agent_ip = h->agent_ip;
    self.labels = h->labels;
  }
  call(CattleNoteDeparture{info.NodeID, self.uuid},
       fmt::format("host {} was deleted from Rancher: note that node {} is left behind", self.uuid,
                   info.NodeID));
}

bool I::noted(const Response* r) const {
  return as<Ok>(r) != nullptr;
}

bool I::not_noted(const Response* r) const {
  return !noted(r) || renoting;
}

// A manager does not leave on its own: `leave --force` takes a raft
// member away without shrinking the raft group, which with another
// manager down costs the quorum. It waits for the leader to demote and
// remove its node (the note and its claim are the evidence), and leaves
// on a later loop as a worker, or on the removal's error.
bool I::noted_worker(const Response* r) const {
  return noted(r) && !renoting && !info.ControlAvailable;
}

bool I::noted_manager(const Response* r) const {
  return noted(r) && !renoting && info.ControlAvailable;
}

// The node left behind goes on the disk first: a restarted agent then
// still watches the note. A write that fails does not keep the engine.
void I::save_left_node(const Response*) {
  left_behind.emplace(info.NodeID, self.uuid);
  call(SaveLeftNode{info.NodeID, self.uuid},
       "keep on the host's disk which node the engine leaves behind: a restarted agent watches "
       "the note too");
}

void I::leave_deleted_host(const Response*) {
  call(SwarmLeave{true},
       fmt::format("host {} was deleted from Rancher: leave the swarm", self.uuid));
}

void I::keep_self_ask_info(const Response* r) {
  self = as<MetaAnswer<MetaHost>>(r)->value;
  call(GetInfo{});
}

bool I::info_read(const Response* r) const {
  return as<SwarmInfo>(r) != nullptr;
}

bool I::swarm_error(const Response* r) const {
  auto i = as<SwarmInfo>(r);
  return i && (!i->Error.empty() || i->LocalNodeState_ == LocalNodeState::Error);
}

bool I::engine_healthy(const Response* r) const {
  return info_read(r) && !swarm_error(r);
}

void I::leave(const Response* r) {
  info = *as<SwarmInfo>(r);
  call(SwarmLeave{true}, fmt::format("engine reports swarm error '{}': leave", info.Error));
}

void I::sleep_loop(const Response*) {
  sleep(opt.loop_interval_ns);
}

// Step 2: an engine in a swarm compares the worker token saved on the
// host when it joined with the one published in the service metadata
// (its own replica); a different one means the environment's swarm is
// another one now, and the engine leaves to join it on the next loop.
bool I::engine_in_swarm(const Response* r) const {
  return engine_healthy(r) && as<SwarmInfo>(r)->LocalNodeState_ == LocalNodeState::Active;
}

bool I::engine_out_of_swarm(const Response* r) const {
  return engine_healthy(r) && !engine_in_swarm(r) && !join_may_be_lost(r);
}

// fixed: an engine still `pending` a whole loop after this container first
// saw it so, joining through a manager this container chose: is that
// manager still one? (RemovalPolicy::abandons_joins_through_lost_managers)
bool I::join_may_be_lost(const Response* r) const {
  if (!opt.policy.abandons_joins_through_lost_managers() || !join_target || !pending_since)
    return false;
  auto i = as<SwarmInfo>(r);
  return i && i->LocalNodeState_ == LocalNodeState::Pending &&
         now - *pending_since >= opt.loop_interval_ns;
}

void I::keep_info_probe_join_target(const Response* r) {
  info = *as<SwarmInfo>(r);
  call(ProbeManager{join_target->primary_ip + ":2377"});
}

bool I::join_target_answers(const Response* r) const {
  return ok(r);
}

bool I::join_target_lost(const Response* r) const {
  return !ok(r);
}

void I::leave_lost_join(const Response*) {
  const std::string via = join_target->primary_ip;
  const Duration waited = now - pending_since.value_or(now);
  pending_since.reset();
  join_target.reset();
  call(SwarmLeave{true},
       fmt::format("the join through {} has gone on for {} and {} no longer answers as a "
                   "manager: leave, and join through the leader next loop",
                   via, format_duration(waited), via));
}

void I::keep_info_read_saved_token(const Response* r) {
  info = *as<SwarmInfo>(r);
  pending_since.reset();
  call(ReadSavedToken{});
}

bool I::token_saved(const Response* r) const {
  auto t = as<SavedToken>(r);
  return t && !t->worker_token.empty();
}

void I::keep_saved_ask_published(const Response* r) {
  saved_token = as<SavedToken>(r)->worker_token;
  call(MetaServiceMetadata{});
}

bool I::token_changed(const Response* r) const {
  auto a = as<MetaAnswer<ServiceMetadata>>(r);
  return a && a->kind == MetaAnswerKind::Json && !a->value.worker_token.empty() &&
         a->value.worker_token != saved_token;
}

void I::leave_for_new_token(const Response*) {
  call(SwarmLeave{true},
       "the published worker token is not the one this host joined with: leave the swarm");
}

// fixed: every loop, an engine in a swarm checks that its host carries its
// NodeID. It asks the Cattle API, not its metadata replica: a replica
// that lags or stalls would show a binding that someone else's whole-host
// PUT has already reverted.
bool I::verifies_binding() const {
  return opt.policy.publishes_node_identity() && !info.NodeID.empty();
}

bool I::no_token_then_verify(const Response* r) const {
  return !token_saved(r) && verifies_binding();
}

bool I::no_token_then_find(const Response* r) const {
  return !token_saved(r) && !verifies_binding();
}

bool I::same_token_then_verify(const Response* r) const {
  return !token_changed(r) && verifies_binding();
}

bool I::same_token_then_find(const Response* r) const {
  return !token_changed(r) && !verifies_binding();
}

void I::ask_binding(const Response*) {
  call(CattleGetHost{self.uuid});
}

// The host's labels as Cattle has them; when the Cattle API does not
// answer, as the replica has them.
const std::map<std::string, std::string>& I::own_labels(const Response* r) const {
  auto hosts = as<CattleHostList>(r);
  return hosts && !hosts->empty() ? hosts->front().labels : self.labels;
}

bool I::binding_missing(const Response* r) const {
  const auto& labels = own_labels(r);
  auto it = labels.find(kNodeIdLabel);
  return it == labels.end() || it->second != info.NodeID;
}

// fixed: the host's `swarm` label says `manager` exactly when its engine
// is one (the leader rule reads it).
bool I::role_label_stale(const Response* r) const {
  if (!opt.policy.leads_among_managers()) return false;
  const auto& labels = own_labels(r);
  return labelled_manager(labels) != info.ControlAvailable;
}

bool I::bound_role_stale(const Response* r) const {
  return !binding_missing(r) && role_label_stale(r);
}

bool I::bound_role_right(const Response* r) const {
  return !binding_missing(r) && !role_label_stale(r);
}

bool I::role_fix_after_bind(const Response*) const {
  return role_fix_pending;
}

void I::label_own_role(const Response*) {
  role_fix_pending = false;
  call(CattleSetHostLabel{self.uuid, "swarm", info.ControlAvailable ? "manager" : ""},
       info.ControlAvailable ? "this engine is a manager: label the host swarm=manager"
                             : "this engine is no manager: remove the host's swarm=manager");
}

void I::bind(const std::string& node_id) {
  call(CattleSetHostLabel{self.uuid, kNodeIdLabel, node_id},
       "bind this host's uuid to its swarm node");
}

void I::publish_identity(const Response* r) {
  info = *as<SwarmInfo>(r);
  bind(info.NodeID);
}

void I::publish_known_identity(const Response* r) {
  role_fix_pending = role_label_stale(r);
  bind(info.NodeID);
}

void I::keep_info_ask_containers(const Response* r) {
  info = *as<SwarmInfo>(r);
  if (info.LocalNodeState_ != LocalNodeState::Pending)
    pending_since.reset();
  else if (!pending_since)
    pending_since = now;
  call(MetaServiceContainers{});
}

void I::ask_containers(const Response*) {
  call(MetaServiceContainers{});
}

void I::note_containers(const Response* r) {
  containers = {};
  leader.reset();
  auto a = as<MetaAnswer<ContainerList>>(r);
  if (!a || a->kind != MetaAnswerKind::Json) return;
  containers = a->value;  // a ContainerList is kept in create_index order
  if (!containers.empty()) leader = containers.front();
}

// fixed: the leader is the lowest create_index among hosts labelled
// swarm=manager, or the lowest of all while no host is; with no usable
// /hosts answer, nobody is known to lead this loop. A manager passes over
// a labelled host whose manager node is not reachable (its machine died,
// or it is cut off): see lead_past_unreachable.
void I::note_managers(const Response* r) {
  // The loop's guards all ask on the same answer: work it out once.
  if (managers_noted_for == delivered) return;
  managers_noted_for = delivered;
  manager_order.clear();
  auto a = as<MetaAnswer<HostList>>(r);
  if (!a || a->kind != MetaAnswerKind::Json) {
    leader.reset();
    return;
  }
  if (containers.uuids_unique() && a->value.uuids_unique()) {
    // One container per host: the labelled hosts' containers, put in
    // the containers' order. O(labelled), not O(fleet).
    std::vector<std::pair<ContainerList::Key, const MetaContainer*>> found;
    for (const MetaHost& h : a->value.flagged())
      if (const MetaContainer* c = containers.find(h.uuid))
        found.emplace_back(*containers.position_of(h.uuid), c);
    std::sort(found.begin(), found.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (const auto& [key, c] : found) manager_order.push_back(*c);
  } else {
    for (const auto& c : containers) {
      const MetaHost* h = a->value.find(c.host_uuid);
      if (h && labelled_manager(h->labels)) manager_order.push_back(c);
    }
  }
  if (!manager_order.empty()) leader = manager_order.front();
}

const MetaContainer* I::first_container_of(std::string_view host_uuid) const {
  for (const auto& c : containers)
    if (c.host_uuid == host_uuid) return &c;
  return nullptr;
}

// This host's engine is a manager (with quorum) and a labelled manager
// comes before it: whether that one still leads depends on its node,
// which only GET /nodes tells.
bool I::my_container_first() const {
  for (const auto& c : manager_order) {
    if (c.host_uuid == self.uuid) return true;
    if (c.primary_ip != self.agent_ip) return false;
  }
  return true;  // no other labelled manager
}

bool I::manager_may_lead(const Response* r) {
  note_managers(r);
  return opt.policy.leads_among_managers() && info.ControlAvailable && !my_container_first();
}

void I::ask_nodes_for_lead(const Response*) {
  call(ListNodes{}, "a labelled manager comes first: is its node still a reachable manager?");
}

// The first labelled manager whose manager node is reachable leads, this
// host if none before it is. Managers advertise their agent IP on 2377,
// which ManagerStatus.Addr shows whatever address their traffic comes from.
void I::lead_past_unreachable(const Response* r) {
  auto nodes_read = as<NodeList>(r);
  leader.reset();
  if (!nodes_read) return;  // no answer: nobody is known to lead
  std::set<std::string> reachable;
  for (const auto& n : *nodes_read)
    if (n.Spec.Role == NodeRole::Manager && n.ManagerStatus_ &&
        n.ManagerStatus_->Reachability_ == Reachability::Reachable)
      reachable.insert(n.ManagerStatus_->Addr);
  for (const auto& c : manager_order) {
    if (c.host_uuid == self.uuid || c.primary_ip == self.agent_ip) break;
    if (reachable.contains(c.primary_ip + ":2377")) {
      leader = c;
      return;
    }
  }
  const MetaContainer* mine =
      containers.uuids_unique() ? containers.find(self.uuid) : first_container_of(self.uuid);
  if (mine)
    leader = *mine;
  else
    leader = MetaContainer{self.name, 0, self.agent_ip, self.uuid};
}

bool I::lead_after_nodes(const Response* r) {
  lead_past_unreachable(r);
  return leads();
}

bool I::no_lead_after_nodes(const Response* r) {
  lead_past_unreachable(r);
  return !leads();
}

bool I::leads_among_managers(const Response*) const {
  return opt.policy.leads_among_managers();
}

void I::keep_containers_ask_hosts(const Response* r) {
  note_containers(r);
  call(MetaHosts{});
}

bool I::leads() const {
  return leader && leader->primary_ip == self.agent_ip;
}

bool I::joins() const {
  return leader && leader->primary_ip != self.agent_ip &&
         info.LocalNodeState_ == LocalNodeState::Inactive;
}

bool I::i_am_leader(const Response* r) {
  if (opt.policy.leads_among_managers()) return false;
  note_containers(r);
  return leads();
}

bool I::should_join(const Response* r) {
  if (opt.policy.leads_among_managers()) return false;
  note_containers(r);
  return joins();
}

bool I::nothing_to_do(const Response* r) {
  if (opt.policy.leads_among_managers()) return false;
  note_containers(r);
  return !leads() && !joins();
}

// fixed: a host that would lead while its engine is in no swarm first
// asks the Cattle API whether a swarm's join tokens are published: if
// they are, the swarm exists (its managers may be out of metadata's sight,
// their hosts deleted) and this host joins it instead of leading.
bool I::bootstraps_among_managers(const Response* r) {
  return !manager_may_lead(r) && leads() && info.LocalNodeState_ == LocalNodeState::Inactive;
}

bool I::i_lead_among_managers(const Response* r) {
  return !manager_may_lead(r) && leads() && info.LocalNodeState_ != LocalNodeState::Inactive;
}

bool I::swarm_tokens_published(const Response* r) const {
  auto a = as<MetaAnswer<ServiceMetadata>>(r);
  return a && a->kind == MetaAnswerKind::Json && !a->value.worker_token.empty();
}

bool I::service_unread(const Response* r) const {
  return !nothing_published(r) && !swarm_tokens_published(r);
}

bool I::should_join_a_manager(const Response* r) {
  return !manager_may_lead(r) && joins();
}

bool I::no_manager_work(const Response* r) {
  return !manager_may_lead(r) && !leads() && !joins();
}

}  // namespace swarmsim::model
