// The swarmkit-mon v5 loop as three Boost.MSM machines plus the data they
// act on. Every action issues at most one request: the tables read as the
// script did, one step at a time.
//
// Deliberately left out: the unbounded retry recursion of token publishing
// (a fixed budget stands in for the stack). Whole-host label PUTs are the
// simulator's (MonSim::write_label).
#include "model/swarmkit_mon.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "model/manager_scaling.hpp"
// mpl::vector<> holds at most 20 rows; the longer tables name their size.
#include <boost/mpl/joint_view.hpp>
#include <boost/mpl/vector/vector50.hpp>
#include <boost/msm/back/state_machine.hpp>
#include <boost/msm/front/functor_row.hpp>
#include <boost/msm/front/state_machine_def.hpp>
#include <deque>
#include <set>
#include <typeinfo>

namespace swarmsim::model {

namespace msm = boost::msm;
namespace mf = boost::msm::front;
using mf::none;
using mf::Row;

namespace ev {
struct Start {};
struct Wakeup {};
struct Reply {
  const Response* response;
};
struct JoinDone {};
struct PassDone {};
}  // namespace ev

inline const Response* reply_of(const ev::Reply& e) {
  return e.response;
}
template <typename E>
const Response* reply_of(const E&) {
  return nullptr;
}

// Table glue: an action or guard is a member function of Impl taking the
// reply (null for events that carry none).
template <auto Fn>
struct Do {
  template <class E, class F, class S, class T>
  void operator()(const E& e, F& f, S&, T&) const {
    (f.impl->*Fn)(reply_of(e));
  }
};
template <auto Fn>
struct If {
  template <class E, class F, class S, class T>
  bool operator()(const E& e, F& f, S&, T&) const {
    return (f.impl->*Fn)(reply_of(e));
  }
};
template <auto Fn>
struct Unless {
  template <class E, class F, class S, class T>
  bool operator()(const E& e, F& f, S&, T&) const {
    return !(f.impl->*Fn)(reply_of(e));
  }
};

// A state that records its name in the owning Impl when entered.
template <const char* Name, int Machine>
struct Phase : mf::state<> {
  template <class E, class F>
  void on_entry(const E&, F& f) {
    f.impl->phase_names[Machine] = Name;
  }
};

struct SwarmkitMon::Impl {
  explicit Impl(MonOptions o);

  // ---- what the logic has learnt this loop ----
  MonOptions opt;
  Instant now = 0;
  MetaHost self;
  SwarmInfo info;
  ContainerList containers;  // in create_index order
  std::optional<MetaContainer> leader;
  // fixed: the containers of hosts labelled swarm=manager, in create_index
  // order (the leader rule's candidates; joiners probe them in turn).
  std::vector<MetaContainer> manager_order;
  // Events handed to the agent so far, and the one manager_order was
  // worked out for (the guards on one answer share it).
  std::uint64_t delivered = 0;
  std::uint64_t managers_noted_for = ~std::uint64_t{0};
  // The manager a joiner probes and joins: the leader, or under fixed the
  // labelled manager whose port answered.
  std::optional<MetaContainer> join_target;
  std::size_t probe_candidate = 0;             // index into join_candidates() this round
  std::vector<MetaContainer> cattle_managers;  // fixed: managers only Cattle still names
  bool probing_cattle = false;
  bool handing_over = false;                   // fixed: a pass run by a manager whose host is gone
  std::optional<Instant> identity_checked_at;  // fixed: a host never known, looked for in Cattle
  // fixed: the note this container's engine left behind when it left the
  // swarm (node ID, deleted host's uuid). The service object is written
  // whole, so a note can be lost after it read back (another writer's
  // PUT of an older copy); while its host stays deleted, every loop reads
  // it again and writes it back if it is gone (`renoting`: this loop's).
  // It is kept on the host's disk too (SaveLeftNode), and read back once by
  // a container that starts without knowing its host (`left_node_read`).
  std::optional<std::pair<std::string, std::string>> left_behind;
  bool renoting = false;
  bool left_node_read = false;
  std::set<std::string> condemned;  // this pass's removal hook: every node it condemns
  std::optional<Eviction> self_condemned;
  JoinTokens tokens;
  std::string join_token;
  std::string published_worker;   // the worker token read when joining: what is saved
  std::string saved_token;        // the file on the host, as read this loop
  bool role_fix_pending = false;  // fixed: the host's `swarm` label disagrees with its role
  bool join_as_manager = false;
  int probes_failed = 0;
  NodeList nodes;
  MetaAnswer<HostList> meta_hosts;
  std::optional<CattleHostList> cattle_hosts;
  std::optional<std::map<std::string, std::string>> departed;  // fixed: departure notes
  std::deque<Call> work;  // the rest of a multi-call step (evictions, scaling)
  static constexpr int kPublishAttemptsMax = 20;
  int publish_attempts = 0;
  bool tokens_published = false;  // this container saw its publication succeed
  std::uint64_t passes_started = 0;
  std::uint64_t current_pass = 0;  // 0 outside a reconcile pass

  // ---- plumbing ----
  std::deque<Action> out;
  RequestId next_id = 1;
  RequestId awaiting = 0;
  bool join_done = false, pass_done = false, bootstrap_done = false;
  const char* phase_names[4] = {"", "", "", ""};
  std::optional<std::string> fault;

  // ---- requests ----
  void call(Request r, std::string why = {}, bool eviction = false) {
    awaiting = next_id++;
    out.push_back(Call{awaiting, std::move(r), std::move(why), eviction, current_pass});
  }
  void sleep(Duration d) {
    awaiting = next_id++;
    out.push_back(Sleep{awaiting, d});
  }
  template <typename T>
  static const T* as(const Response* r) {
    return r ? std::get_if<T>(r) : nullptr;
  }
  static bool ok(const Response* r) { return r && !std::holds_alternative<ApiError>(*r); }

  // ---- loop: WaitAgentIp, ConfirmDeleted, CheckEngine, ReadSavedToken,
  //      CheckToken, Leaving, VerifyBinding, BindIdentity, FixRoleLabel,
  //      FindLeader, FindManagers ----
  void ask_self_host(const Response*) {
    renoting = false;
    call(MetaSelfHost{});
  }
  bool has_agent_ip(const Response* r) const {
    auto a = as<MetaAnswer<MetaHost>>(r);
    return a && a->kind == MetaAnswerKind::Json && !a->value.agent_ip.empty();
  }
  void poll_again(const Response*) { sleep(opt.poll_interval_ns); }
  // fixed: this container's host answered before and is now `Not found`:
  // the host may have been deleted in Cattle while the machine runs on.
  // Metadata cannot tell a deletion from a replica mid-reload; the Cattle
  // API can, so ask it before anything is done about it. A container that
  // never knew its host (it started after the deletion, a reboot's restart)
  // asks too, once a loop: its engine's NodeID and address tell Cattle's
  // hosts apart.
  bool may_be_deleted(const Response* r) const {
    auto a = as<MetaAnswer<MetaHost>>(r);
    if (!opt.policy.publishes_node_identity() || !a || a->kind != MetaAnswerKind::NotFound)
      return false;
    return !self.uuid.empty() || !identity_checked_at ||
           now - *identity_checked_at >= opt.loop_interval_ns;
  }
  bool keep_polling(const Response* r) const { return !has_agent_ip(r) && !may_be_deleted(r); }
  // The host this machine is registered as in Cattle, removed ones included:
  // by uuid when known, else the one that claims the engine's node, else the
  // one at the engine's address (a live one first: that is the machine's).
  const CattleHost* my_host_in_cattle(const Response* r) const {
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
  void ask_cattle_about_self(const Response*) { call(CattleListHosts{}); }
  bool self_removed_in_cattle(const Response* r) const {
    const CattleHost* h = my_host_in_cattle(r);
    return h != nullptr && h->state == CattleHostState::Removed;
  }
  bool self_not_removed(const Response* r) const { return !self_removed_in_cattle(r); }
  // The machine's host is gone from Rancher: its engine leaves the swarm, so
  // that its node turns down and the leader can remove it. First the agent
  // notes which node it leaves behind (the binding may never have reached
  // Cattle, and behind a NAT the node's address says nothing); if the note
  // cannot be written, the engine stays until a later loop writes it.
  void ask_info_before_leaving(const Response*) {
    if (self.uuid.empty()) identity_checked_at = now;
    call(GetInfo{});
  }
  bool can_note_departure(const Response* r) const {
    auto i = as<SwarmInfo>(r);
    return i && i->LocalNodeState_ != LocalNodeState::Inactive && !i->NodeID.empty();
  }
  bool nothing_to_leave(const Response* r) const {
    return !can_note_departure(r) && !self.uuid.empty() && !keeps_note(r);
  }
  // An agent that never knew its host since it started, whose engine is
  // out of the swarm, may be the restart of one that left a deleted host:
  // the file on the disk says (read once a container).
  bool recalls_departure(const Response* r) const {
    return !can_note_departure(r) && self.uuid.empty() && !left_behind && !left_node_read;
  }
  void ask_left_node(const Response*) {
    left_node_read = true;
    call(ReadLeftNode{}, "was this machine's engine left behind by a deleted host?");
  }
  bool recalled_note(const Response* r) const {
    auto left = as<LeftNode>(r);
    return left && !left->node_id.empty() && !left->host_uuid.empty();
  }
  bool recalled_nothing(const Response* r) const { return !recalled_note(r); }
  void note_recalled(const Response* r) {
    auto left = as<LeftNode>(r);
    left_behind.emplace(left->node_id, left->host_uuid);
    self.uuid = left->host_uuid;
    note_again(r);
  }
  bool keeps_note(const Response* r) const {
    return !can_note_departure(r) && !self.uuid.empty() && left_behind &&
           left_behind->second == self.uuid;
  }
  void note_again(const Response*) {
    renoting = true;
    call(CattleNoteDeparture{left_behind->first, left_behind->second},
         fmt::format("host {} is still deleted: keep the note that node {} is left behind",
                     left_behind->second, left_behind->first));
  }
  bool nothing_to_leave_yet(const Response* r) const {
    return !can_note_departure(r) && self.uuid.empty() && !recalls_departure(r);
  }
  void keep_info_ask_cattle(const Response* r) {
    info = *as<SwarmInfo>(r);
    ask_cattle_about_self(r);
  }
  void note_departure(const Response* r) {
    if (self.uuid.empty()) {  // found through its node: this is the machine's host
      const CattleHost* h = my_host_in_cattle(r);
      self.uuid = h->uuid;
      self.hostname = h->hostname;
      self.agent_ip = h->agent_ip;
      self.labels = h->labels;
    }
    call(CattleNoteDeparture{info.NodeID, self.uuid},
         fmt::format("host {} was deleted from Rancher: note that node {} is left behind",
                     self.uuid, info.NodeID));
  }
  bool noted(const Response* r) const { return as<Ok>(r) != nullptr; }
  bool not_noted(const Response* r) const { return !noted(r) || renoting; }
  // A manager does not leave on its own: `leave --force` takes a raft
  // member away without shrinking the raft group, which with another
  // manager down costs the quorum. It waits for the leader to demote and
  // remove its node (the note and its claim are the evidence), and leaves
  // on a later loop as a worker, or on the removal's error.
  bool noted_worker(const Response* r) const {
    return noted(r) && !renoting && !info.ControlAvailable;
  }
  bool noted_manager(const Response* r) const {
    return noted(r) && !renoting && info.ControlAvailable;
  }
  // While it waits it hands the lead over: a pass that removes nothing and
  // promotes successors when no other manager stays (see plan_fixed_scaling).
  void start_hand_over(const Response* r);
  // The node left behind goes on the disk first: a restarted agent then
  // still watches the note. A write that fails does not keep the engine.
  void save_left_node(const Response*) {
    left_behind.emplace(info.NodeID, self.uuid);
    call(SaveLeftNode{info.NodeID, self.uuid},
         "keep on the host's disk which node the engine leaves behind: a restarted agent watches "
         "the note too");
  }
  void leave_deleted_host(const Response*) {
    call(SwarmLeave{true},
         fmt::format("host {} was deleted from Rancher: leave the swarm", self.uuid));
  }
  void keep_self_ask_info(const Response* r) {
    self = as<MetaAnswer<MetaHost>>(r)->value;
    call(GetInfo{});
  }
  bool info_read(const Response* r) const { return as<SwarmInfo>(r) != nullptr; }
  bool swarm_error(const Response* r) const {
    auto i = as<SwarmInfo>(r);
    return i && (!i->Error.empty() || i->LocalNodeState_ == LocalNodeState::Error);
  }
  bool engine_healthy(const Response* r) const { return info_read(r) && !swarm_error(r); }
  void leave(const Response* r) {
    info = *as<SwarmInfo>(r);
    call(SwarmLeave{true}, fmt::format("engine reports swarm error '{}': leave", info.Error));
  }
  void sleep_loop(const Response*) { sleep(opt.loop_interval_ns); }
  // Step 2: an engine in a swarm compares the worker token saved on the
  // host when it joined with the one published in the service metadata
  // (its own replica); a different one means the environment's swarm is
  // another one now, and the engine leaves to join it on the next loop.
  bool engine_in_swarm(const Response* r) const {
    return engine_healthy(r) && as<SwarmInfo>(r)->LocalNodeState_ == LocalNodeState::Active;
  }
  bool engine_out_of_swarm(const Response* r) const {
    return engine_healthy(r) && !engine_in_swarm(r);
  }
  void keep_info_read_saved_token(const Response* r) {
    info = *as<SwarmInfo>(r);
    call(ReadSavedToken{});
  }
  bool token_saved(const Response* r) const {
    auto t = as<SavedToken>(r);
    return t && !t->worker_token.empty();
  }
  void keep_saved_ask_published(const Response* r) {
    saved_token = as<SavedToken>(r)->worker_token;
    call(MetaServiceMetadata{});
  }
  bool token_changed(const Response* r) const {
    auto a = as<MetaAnswer<ServiceMetadata>>(r);
    return a && a->kind == MetaAnswerKind::Json && !a->value.worker_token.empty() &&
           a->value.worker_token != saved_token;
  }
  void leave_for_new_token(const Response*) {
    call(SwarmLeave{true},
         "the published worker token is not the one this host joined with: leave the swarm");
  }
  // fixed: every loop, an engine in a swarm checks that its host carries its
  // NodeID. It asks the Cattle API, not its metadata replica: a replica
  // that lags or stalls would show a binding that someone else's whole-host
  // PUT has already reverted.
  bool verifies_binding() const {
    return opt.policy.publishes_node_identity() && !info.NodeID.empty();
  }
  bool no_token_then_verify(const Response* r) const {
    return !token_saved(r) && verifies_binding();
  }
  bool no_token_then_find(const Response* r) const {
    return !token_saved(r) && !verifies_binding();
  }
  bool same_token_then_verify(const Response* r) const {
    return !token_changed(r) && verifies_binding();
  }
  bool same_token_then_find(const Response* r) const {
    return !token_changed(r) && !verifies_binding();
  }
  void ask_binding(const Response*) { call(CattleGetHost{self.uuid}); }
  // The host's labels as Cattle has them; when the Cattle API does not
  // answer, as the replica has them.
  const std::map<std::string, std::string>& own_labels(const Response* r) const {
    auto hosts = as<CattleHostList>(r);
    return hosts && !hosts->empty() ? hosts->front().labels : self.labels;
  }
  bool binding_missing(const Response* r) const {
    const auto& labels = own_labels(r);
    auto it = labels.find(kNodeIdLabel);
    return it == labels.end() || it->second != info.NodeID;
  }
  // fixed: the host's `swarm` label says `manager` exactly when its engine
  // is one (the leader rule reads it).
  bool role_label_stale(const Response* r) const {
    if (!opt.policy.leads_among_managers()) return false;
    const auto& labels = own_labels(r);
    return labelled_manager(labels) != info.ControlAvailable;
  }
  bool bound_role_stale(const Response* r) const {
    return !binding_missing(r) && role_label_stale(r);
  }
  bool bound_role_right(const Response* r) const {
    return !binding_missing(r) && !role_label_stale(r);
  }
  bool role_fix_after_bind(const Response*) const { return role_fix_pending; }
  void label_own_role(const Response*) {
    role_fix_pending = false;
    call(CattleSetHostLabel{self.uuid, "swarm", info.ControlAvailable ? "manager" : ""},
         info.ControlAvailable ? "this engine is a manager: label the host swarm=manager"
                               : "this engine is no manager: remove the host's swarm=manager");
  }
  void bind(const std::string& node_id) {
    call(CattleSetHostLabel{self.uuid, kNodeIdLabel, node_id},
         "bind this host's uuid to its swarm node");
  }
  void publish_identity(const Response* r) {
    info = *as<SwarmInfo>(r);
    bind(info.NodeID);
  }
  void publish_known_identity(const Response* r) {
    role_fix_pending = role_label_stale(r);
    bind(info.NodeID);
  }
  void keep_info_ask_containers(const Response* r) {
    info = *as<SwarmInfo>(r);
    call(MetaServiceContainers{});
  }
  void ask_containers(const Response*) { call(MetaServiceContainers{}); }
  void note_containers(const Response* r) {
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
  void note_managers(const Response* r) {
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
  const MetaContainer* first_container_of(std::string_view host_uuid) const {
    for (const auto& c : containers)
      if (c.host_uuid == host_uuid) return &c;
    return nullptr;
  }
  // This host's engine is a manager (with quorum) and a labelled manager
  // comes before it: whether that one still leads depends on its node,
  // which only GET /nodes tells.
  bool my_container_first() const {
    for (const auto& c : manager_order) {
      if (c.host_uuid == self.uuid) return true;
      if (c.primary_ip != self.agent_ip) return false;
    }
    return true;  // no other labelled manager
  }
  bool manager_may_lead(const Response* r) {
    note_managers(r);
    return opt.policy.leads_among_managers() && info.ControlAvailable && !my_container_first();
  }
  void ask_nodes_for_lead(const Response*) {
    call(ListNodes{}, "a labelled manager comes first: is its node still a reachable manager?");
  }
  // The first labelled manager whose manager node is reachable leads, this
  // host if none before it is. Managers advertise their agent IP on 2377,
  // which ManagerStatus.Addr shows whatever address their traffic comes from.
  void lead_past_unreachable(const Response* r) {
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
  bool lead_after_nodes(const Response* r) {
    lead_past_unreachable(r);
    return leads();
  }
  bool no_lead_after_nodes(const Response* r) {
    lead_past_unreachable(r);
    return !leads();
  }
  bool leads_among_managers(const Response*) const { return opt.policy.leads_among_managers(); }
  void keep_containers_ask_hosts(const Response* r) {
    note_containers(r);
    call(MetaHosts{});
  }
  bool leads() const { return leader && leader->primary_ip == self.agent_ip; }
  bool joins() const {
    return leader && leader->primary_ip != self.agent_ip &&
           info.LocalNodeState_ == LocalNodeState::Inactive;
  }
  bool i_am_leader(const Response* r) {
    if (opt.policy.leads_among_managers()) return false;
    note_containers(r);
    return leads();
  }
  bool should_join(const Response* r) {
    if (opt.policy.leads_among_managers()) return false;
    note_containers(r);
    return joins();
  }
  bool nothing_to_do(const Response* r) {
    if (opt.policy.leads_among_managers()) return false;
    note_containers(r);
    return !leads() && !joins();
  }
  // fixed: a host that would lead while its engine is in no swarm first
  // asks the Cattle API whether a swarm's join tokens are published: if
  // they are, the swarm exists (its managers may be out of metadata's sight,
  // their hosts deleted) and this host joins it instead of leading.
  bool bootstraps_among_managers(const Response* r) {
    return !manager_may_lead(r) && leads() && info.LocalNodeState_ == LocalNodeState::Inactive;
  }
  bool i_lead_among_managers(const Response* r) {
    return !manager_may_lead(r) && leads() && info.LocalNodeState_ != LocalNodeState::Inactive;
  }
  bool swarm_tokens_published(const Response* r) const {
    auto a = as<MetaAnswer<ServiceMetadata>>(r);
    return a && a->kind == MetaAnswerKind::Json && !a->value.worker_token.empty();
  }
  bool service_unread(const Response* r) const {
    return !nothing_published(r) && !swarm_tokens_published(r);
  }
  bool should_join_a_manager(const Response* r) { return !manager_may_lead(r) && joins(); }
  bool no_manager_work(const Response* r) { return !manager_may_lead(r) && !leads() && !joins(); }
  void start_join(const Response*);
  void start_pass(const Response*);

  // ---- join: WaitLeader, WaitToken, Joining, Joined ----
  void announce(const char* value) { call(CattleSetHostLabel{self.uuid, "swarm", value}); }
  void announce_wait_leader(const Response*) {
    probes_failed = 0;
    probe_candidate = 0;
    probing_cattle = false;
    // Among the first MANAGER_SCALE swarmkit-mon containers: join as manager.
    // A host not listed yet ranks after the whole list.
    join_as_manager = false;
    if (!opt.policy.joins_as_worker()) {
      int rank = 0;
      for (auto c = containers.begin(); c != containers.end() && rank < opt.manager_scale;
           ++c, ++rank)
        if (c->host_uuid == self.uuid) join_as_manager = true;
      if (containers.size() < static_cast<std::size_t>(std::max(opt.manager_scale, 0)))
        join_as_manager = true;
    }
    announce("wait_leader");
  }
  // The managers a joiner may join through, in the order it probes them:
  // the leader; under fixed every labelled manager, so that a joiner gets in
  // while the first one's machine is dead.
  std::vector<MetaContainer> join_candidates() const {
    if (probing_cattle) return cattle_managers;
    std::vector<MetaContainer> out;
    if (opt.policy.leads_among_managers())
      for (const auto& c : manager_order)
        if (c.host_uuid != self.uuid && c.primary_ip != self.agent_ip) out.push_back(c);
    if (out.empty() && leader && leader->host_uuid != self.uuid &&
        leader->primary_ip != self.agent_ip)
      out.push_back(*leader);
    return out;
  }
  bool has_join_candidates(const Response*) const { return !join_candidates().empty(); }
  void probe_leader(const Response*) {
    const auto candidates = join_candidates();
    join_target = candidates[std::min(probe_candidate, candidates.size() - 1)];
    call(ProbeManager{join_target->primary_ip + ":2377"});
  }
  bool probe_ok(const Response* r) const { return ok(r); }
  // A failed probe moves on to the next candidate at once; a round in
  // which none answered backs off, doubling, up to probe_attempts_max rounds.
  bool next_candidate(const Response* r) const {
    return !ok(r) && probe_candidate + 1 < join_candidates().size();
  }
  bool round_failed(const Response* r) const { return !ok(r) && !next_candidate(r); }
  bool probes_left(const Response* r) const {
    return round_failed(r) && probes_failed + 1 < opt.probe_attempts_max;
  }
  bool probes_exhausted(const Response* r) const { return round_failed(r) && !probes_left(r); }
  // fixed: when no manager its replica names answers, a joiner asks the
  // Cattle API for the hosts labelled swarm=manager, removed ones included:
  // a manager whose host was deleted in Cattle runs on, invisible to
  // metadata, and may be the only one left to let a successor in. Its label
  // may have been lost to a whole-host PUT too, so removed hosts without it
  // come next; a probe answers only where a manager listens.
  bool asks_cattle_for_managers(const Response* r) const {
    return probes_exhausted(r) && opt.policy.leads_among_managers() && !probing_cattle;
  }
  bool gives_up(const Response* r) const {
    return probes_exhausted(r) && !asks_cattle_for_managers(r);
  }
  void ask_cattle_for_managers(const Response*) {
    call(CattleListHosts{},
         "no manager named in metadata answers: which hosts does Cattle label "
         "swarm=manager, removed ones included?");
  }
  static constexpr std::size_t kCattleProbesMax = 8;
  bool found_managers_in_cattle(const Response* r) {
    std::set<std::string> probed;
    for (const auto& c : join_candidates()) probed.insert(c.primary_ip);
    cattle_managers.clear();
    auto hosts = as<CattleHostList>(r);
    if (!hosts) return false;
    auto add = [&](bool labelled_only) {
      for (const auto& h : *hosts) {
        if (cattle_managers.size() >= kCattleProbesMax) return;
        const bool labelled = labelled_manager(h.labels);
        if (labelled != labelled_only || (!labelled && h.state != CattleHostState::Removed) ||
            h.uuid == self.uuid || h.agent_ip == self.agent_ip || !probed.insert(h.agent_ip).second)
          continue;
        cattle_managers.push_back(MetaContainer{h.hostname, 0, h.agent_ip, h.uuid});
      }
    };
    add(true);
    add(false);
    return !cattle_managers.empty();
  }
  bool no_managers_in_cattle(const Response* r) { return !found_managers_in_cattle(r); }
  void probe_cattle_managers(const Response* r) {
    probing_cattle = true;
    probe_candidate = 0;
    probes_failed = 0;
    probe_leader(r);
  }
  void probe_next(const Response* r) {
    ++probe_candidate;
    probe_leader(r);
  }
  void back_off(const Response*) {
    probe_candidate = 0;
    sleep(opt.probe_backoff_ns << probes_failed++);
  }
  void announce_wait_token(const Response*) { announce("wait_token"); }
  void ask_token(const Response*) { call(MetaServiceMetadata{}); }
  bool has_token(const Response* r) const {
    auto a = as<MetaAnswer<ServiceMetadata>>(r);
    if (!a || a->kind != MetaAnswerKind::Json) return false;
    return !(join_as_manager ? a->value.manager_token : a->value.worker_token).empty();
  }
  void join(const Response* r) {
    keep_tokens(r);
    join_now(r);
  }
  void keep_tokens(const Response* r) {
    const auto& md = as<MetaAnswer<ServiceMetadata>>(r)->value;
    join_token = join_as_manager ? md.manager_token : md.worker_token;
    published_worker = md.worker_token;
  }
  void join_now(const Response*) {
    call(SwarmJoin{join_token, self.agent_ip + ":2377", {join_target->primary_ip + ":2377"}},
         fmt::format(
             "join as {} via {} {}", join_as_manager ? "manager" : "worker",
             join_target->primary_ip == (leader ? leader->primary_ip : "") ? "leader" : "manager",
             join_target->primary_ip));
  }
  // fixed: a host joins only while the Cattle API has it active. A replica
  // that stalled while the host was deleted goes on listing it, and a node
  // joined for a deleted host is removed again at once, and again.
  bool confirms_before_join(const Response* r) const {
    return has_token(r) && opt.policy.publishes_node_identity();
  }
  bool joins_at_once(const Response* r) const {
    return has_token(r) && !opt.policy.publishes_node_identity();
  }
  void keep_tokens_confirm_host(const Response* r) {
    keep_tokens(r);
    ask_binding(r);
  }
  // The script tests `$?` after an `echo`, so a failed join goes unnoticed:
  // both outcomes continue to the labels.
  void save_token(const Response*) {
    call(SaveToken{published_worker}, "save the worker token on the host");
  }
  bool publishes_identity(const Response*) const { return opt.policy.publishes_node_identity(); }
  void ask_info(const Response*) { call(GetInfo{}); }
  bool has_node_id(const Response* r) const {
    auto i = as<SwarmInfo>(r);
    return i && !i->NodeID.empty() && i->LocalNodeState_ == LocalNodeState::Active;
  }
  void publish_node_id(const Response* r) { publish_identity(r); }
  void label_role(const Response*) {
    if (join_as_manager)
      announce("manager");
    else
      call(CattleSetHostLabel{self.uuid, "swarm", ""});
  }
  void finish_join(const Response*) { join_done = true; }

  // ---- bootstrap: Init, ReadTokens, PublishTokens, LabelManager ----
  bool engine_inactive(const Response*) const {
    return info.LocalNodeState_ == LocalNodeState::Inactive;
  }
  bool engine_active(const Response* r) const { return !engine_inactive(r); }
  // Whether this pass starts with bootstrap: always when there is no swarm;
  // under a policy that republishes, also while the tokens were never
  // confirmed published (the publication can be lost to a partition).
  bool needs_bootstrap() const {
    return info.LocalNodeState_ == LocalNodeState::Inactive ||
           (opt.policy.republishes_join_tokens() && !tokens_published);
  }
  void swarm_init(const Response*) {
    call(SwarmInit{self.agent_ip + ":2377"}, "bootstrap: no swarm yet, this host leads");
  }
  bool inits_at_once(const Response* r) const {
    return engine_inactive(r) && !opt.policy.inits_only_without_published_tokens();
  }
  bool checks_before_init(const Response* r) const {
    return engine_inactive(r) && opt.policy.inits_only_without_published_tokens();
  }
  void ask_cattle_service(const Response*) {
    call(CattleGetService{}, "bootstrap: is a swarm's join token published already?");
  }
  bool nothing_published(const Response* r) const {
    auto a = as<MetaAnswer<ServiceMetadata>>(r);
    return a && a->kind == MetaAnswerKind::Json && a->value.worker_token.empty() &&
           a->value.manager_token.empty();
  }
  // fixed: and its own host is still active in Cattle. A replica that
  // stalled while the host was deleted shows it as it was; a swarm made on
  // a deleted host would have a manager nobody can find or label.
  bool self_active_in_cattle(const Response* r) const {
    auto hosts = as<CattleHostList>(r);
    return hosts && !hosts->empty() && hosts->front().uuid == self.uuid &&
           hosts->front().state == CattleHostState::Active;
  }
  // fixed: and its container comes first in the Cattle API's own list of
  // the service's containers. Metadata replicas lag, and while a stack
  // upgrade recreates the containers two replicas can each show their own
  // host's container first: two hosts would `init` two swarms.
  void ask_cattle_containers(const Response*) {
    call(CattleServiceContainers{}, "bootstrap: does this host's container come first in Cattle?");
  }
  bool first_in_cattle(const Response* r) const {
    auto a = as<MetaAnswer<ContainerList>>(r);
    return a && a->kind == MetaAnswerKind::Json && !a->value.empty() &&
           a->value.front().host_uuid == self.uuid;
  }
  // Tokens published, or the Cattle API did not answer: no `init` now.
  bool init_unsafe(const Response* r) const { return !nothing_published(r); }
  void get_swarm(const Response*) { call(GetSwarm{}); }
  // fixed: the NodeID `swarm init` gave this engine, read before the pass
  // that follows decides anything, so that the leader knows its own node:
  // the /info of this loop was read while the engine was in no swarm.
  bool rereads_info_after_init(const Response*) const {
    return opt.policy.publishes_node_identity();
  }
  void keep_info_get_swarm(const Response* r) {
    if (auto i = as<SwarmInfo>(r)) info = *i;
    get_swarm(r);
  }
  bool has_tokens(const Response* r) const {
    auto t = as<JoinTokens>(r);
    return t && !t->Worker.empty();
  }
  bool no_tokens(const Response* r) const { return !has_tokens(r); }
  void publish_tokens(const Response* r) {
    tokens = *as<JoinTokens>(r);
    publish_attempts = 1;
    call(CattlePublishTokens{ServiceMetadata{tokens.Worker, tokens.Manager, {}}});
  }
  // The script retried publication by recursing until it worked; the
  // recursion ends when the stack does, which we model as a fixed budget.
  bool published(const Response* r) const { return ok(r); }
  bool publish_retry(const Response* r) const {
    return !ok(r) && publish_attempts < kPublishAttemptsMax;
  }
  bool publish_given_up(const Response* r) const { return !ok(r) && !publish_retry(r); }
  void publish_again(const Response*) {
    ++publish_attempts;
    call(CattlePublishTokens{ServiceMetadata{tokens.Worker, tokens.Manager, {}}},
         "token publication failed: retry");
  }
  void label_manager(const Response*) {
    tokens_published = true;
    announce("manager");
  }
  void finish_bootstrap(const Response*) { bootstrap_done = true; }

  // ---- reconcile pass: ReadNodes, ReadHosts, Removing, Purging ----
  void list_nodes(const Response*) { call(ListNodes{}); }
  bool nodes_read(const Response* r) const { return as<NodeList>(r) != nullptr; }
  bool nodes_unread(const Response* r) const { return !nodes_read(r); }
  void keep_nodes_ask_hosts(const Response* r) {
    nodes = *as<NodeList>(r);
    call(MetaHosts{});
  }
  bool reads_cattle(const Response*) const { return opt.policy.reads_cattle_hosts(); }
  bool reads_metadata_only(const Response*) const { return !opt.policy.reads_cattle_hosts(); }
  void keep_hosts_ask_cattle(const Response* r) {
    keep_meta_hosts(r);
    call(CattleListHosts{});
  }
  void keep_meta_hosts(const Response* r) {
    auto a = as<MetaAnswer<HostList>>(r);
    // A failed read is, to the script, the same as an empty answer.
    meta_hosts = a ? *a : MetaAnswer<HostList>{MetaAnswerKind::Empty, {}};
  }
  ReconcileView view() const {
    return ReconcileView{now,
                         info.NodeID,
                         &nodes,
                         &meta_hosts,
                         cattle_hosts ? &*cattle_hosts : nullptr,
                         departed ? &*departed : nullptr};
  }
  void queue_eviction(const Eviction& e, const std::string& step, bool force = true);
  void plan_removals_from_metadata(const Response* r) {
    keep_meta_hosts(r);
    cattle_hosts.reset();
    plan_removals();
  }
  void plan_removals_from_cattle(const Response* r) {
    keep_cattle_hosts(r);
    departed.reset();
    plan_removals();
  }
  void keep_cattle_hosts(const Response* r) {
    auto c = as<CattleHostList>(r);
    if (c)
      cattle_hosts = *c;
    else
      cattle_hosts.reset();
  }
  // fixed: the departure notes, from the service metadata of its own replica.
  bool reads_departures(const Response*) const { return opt.policy.publishes_node_identity(); }
  void keep_cattle_ask_departures(const Response* r) {
    keep_cattle_hosts(r);
    call(MetaServiceMetadata{});
  }
  void plan_removals_with_departures(const Response* r) {
    auto a = as<MetaAnswer<ServiceMetadata>>(r);
    if (a && a->kind == MetaAnswerKind::Json)
      departed = a->value.departed;
    else
      departed.reset();
    plan_removals();
  }
  void plan_removals() {
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
  bool other_manager_reachable() const {
    const std::string me = view().self_node_id;
    return std::any_of(nodes.begin(), nodes.end(), [&](const Node& n) {
      return n.ID != me && n.Spec.Role == NodeRole::Manager && n.ManagerStatus_ &&
             n.ManagerStatus_->Reachability_ == Reachability::Reachable;
    });
  }
  void plan_scaling(const Response* r);
  void plan_fixed_step(std::set<std::string> going);
  void plan_purge(const Response* r);
  void step_down_if_handed_over();
  bool has_work(const Response*) const { return !work.empty(); }
  bool work_finished(const Response*) const { return work.empty(); }
  bool idle(const Response*) const { return awaiting == 0; }
  void next_work(const Response*) {
    if (work.empty()) return;
    Call c = std::move(work.front());
    work.pop_front();
    call(std::move(c.request), std::move(c.why), c.eviction);
  }
  void finish_pass(const Response*) {
    work.clear();
    pass_done = true;
  }

  // ---- machines ----
  struct LoopFsm_;
  struct JoinFsm_;
  struct BootstrapFsm_;
  struct PassFsm_;
  using LoopFsm = msm::back::state_machine<LoopFsm_>;
  using JoinFsm = msm::back::state_machine<JoinFsm_>;
  using BootstrapFsm = msm::back::state_machine<BootstrapFsm_>;
  using PassFsm = msm::back::state_machine<PassFsm_>;
  std::unique_ptr<LoopFsm> loop;
  std::unique_ptr<JoinFsm> joiner;
  std::unique_ptr<BootstrapFsm> bootstrap;
  std::unique_ptr<PassFsm> pass;
  bool bootstrapping = false;  // within Leading: which machine has the floor

  template <typename E>
  void dispatch(const E& e);
};

namespace names {
// Loop
inline constexpr char Sleeping[] = "Sleeping", WaitAgentIp[] = "WaitAgentIp",
                      CheckEngine[] = "CheckEngine", Leaving[] = "Leaving",
                      ConfirmDeleted[] = "ConfirmDeleted", InfoToLeave[] = "InfoToLeave",
                      NoteDeparture[] = "NoteDeparture", RecallDeparture[] = "RecallDeparture",
                      SaveLeftNode[] = "SaveLeftNode", VerifyBinding[] = "VerifyBinding",
                      BindIdentity[] = "BindIdentity", ReadSavedToken[] = "ReadSavedToken",
                      CheckToken[] = "CheckToken", FixRoleLabel[] = "FixRoleLabel",
                      FindManagers[] = "FindManagers", ReadManagers[] = "ReadManagers",
                      CheckSwarm[] = "CheckSwarm", FindLeader[] = "FindLeader",
                      Joining[] = "Joining", Leading[] = "Leading";
// Join
inline constexpr char Idle[] = "Idle", AnnounceWaitLeader[] = "AnnounceWaitLeader",
                      WaitLeader[] = "WaitLeader", AnnounceWaitToken[] = "AnnounceWaitToken",
                      CattleManagers[] = "CattleManagers", ConfirmHost[] = "ConfirmHost",
                      WaitToken[] = "WaitToken", JoinCall[] = "Joining", SaveToken[] = "SaveToken",
                      ReadNodeId[] = "ReadNodeId", PublishNodeId[] = "PublishNodeId",
                      Joined[] = "Joined";
// Bootstrap
inline constexpr char Init[] = "Init", InitInfo[] = "InitInfo", ReadTokens[] = "ReadTokens",
                      CheckPublished[] = "CheckPublished", CheckSelf[] = "CheckSelf",
                      CheckFirst[] = "CheckFirst", PublishTokens[] = "PublishTokens",
                      LabelManager[] = "LabelManager";
// Pass
inline constexpr char ReadNodes[] = "ReadNodes", ReadHosts[] = "ReadHosts",
                      ReadCattle[] = "ReadCattle", Removing[] = "Removing",
                      ReReadNodes[] = "ReReadNodes", Scaling[] = "Scaling",
                      ReadDepartures[] = "ReadDepartures", ReadForPurge[] = "ReadForPurge",
                      Purging[] = "Purging";
}  // namespace names

using I = SwarmkitMon::Impl;

template <typename Derived>
struct FsmBase : mf::state_machine_def<Derived> {
  I* impl = nullptr;
  template <class FSM, class Event>
  void no_transition(const Event&, FSM&, int state) {
    if (!impl->fault)
      impl->fault =
          fmt::format("no transition from state {} for event {}", state, typeid(Event).name());
  }
};

// The loop: one pass of `node()` per wake-up.
struct I::LoopFsm_ : FsmBase<I::LoopFsm_> {
  using Sleeping = Phase<names::Sleeping, 0>;
  using WaitAgentIp = Phase<names::WaitAgentIp, 0>;
  using CheckEngine = Phase<names::CheckEngine, 0>;
  using Leaving = Phase<names::Leaving, 0>;
  using ConfirmDeleted = Phase<names::ConfirmDeleted, 0>;
  using InfoToLeave = Phase<names::InfoToLeave, 0>;
  using NoteDeparture = Phase<names::NoteDeparture, 0>;
  using RecallDeparture = Phase<names::RecallDeparture, 0>;
  using SaveLeftNode = Phase<names::SaveLeftNode, 0>;
  using VerifyBinding = Phase<names::VerifyBinding, 0>;
  using BindIdentity = Phase<names::BindIdentity, 0>;
  using ReadSavedToken = Phase<names::ReadSavedToken, 0>;
  using CheckToken = Phase<names::CheckToken, 0>;
  using FixRoleLabel = Phase<names::FixRoleLabel, 0>;
  using FindLeader = Phase<names::FindLeader, 0>;
  using FindManagers = Phase<names::FindManagers, 0>;
  using ReadManagers = Phase<names::ReadManagers, 0>;
  using CheckSwarm = Phase<names::CheckSwarm, 0>;
  using Joining = Phase<names::Joining, 0>;
  using Leading = Phase<names::Leading, 0>;
  using initial_state = Sleeping;
  // clang-format off
  // A host deleted in Cattle while its machine runs: the departure note,
  // the node left behind on the disk, the leave. (Two tables, joined: one
  // would pass Boost.MPL's fifty rows.)
  using departure_rows = boost::mpl::vector<
    //  from          event          to            action                          guard
    Row<InfoToLeave,  ev::Reply,     ConfirmDeleted, Do<&I::keep_info_ask_cattle>,  If<&I::can_note_departure>>,
    Row<InfoToLeave,  ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              If<&I::nothing_to_leave>>,
    Row<InfoToLeave,  ev::Reply,     NoteDeparture, Do<&I::note_again>,             If<&I::keeps_note>>,
    Row<InfoToLeave,  ev::Reply,     WaitAgentIp,  Do<&I::poll_again>,              If<&I::nothing_to_leave_yet>>,
    Row<InfoToLeave,  ev::Reply,     RecallDeparture, Do<&I::ask_left_node>,        If<&I::recalls_departure>>,
    Row<RecallDeparture, ev::Reply,  NoteDeparture, Do<&I::note_recalled>,          If<&I::recalled_note>>,
    Row<RecallDeparture, ev::Reply,  WaitAgentIp,  Do<&I::poll_again>,              If<&I::recalled_nothing>>,
    Row<ConfirmDeleted, ev::Reply,   NoteDeparture, Do<&I::note_departure>,         If<&I::self_removed_in_cattle>>,
    Row<NoteDeparture, ev::Reply,    SaveLeftNode, Do<&I::save_left_node>,          If<&I::noted_worker>>,
    Row<SaveLeftNode, ev::Reply,     Leaving,      Do<&I::leave_deleted_host>,      none>,
    Row<NoteDeparture, ev::Reply,    Leading,      Do<&I::start_hand_over>,         If<&I::noted_manager>>,
    Row<NoteDeparture, ev::Reply,    Sleeping,     Do<&I::sleep_loop>,              If<&I::not_noted>>,
    Row<ConfirmDeleted, ev::Reply,   WaitAgentIp,  Do<&I::poll_again>,              If<&I::self_not_removed>>
  >;
  using loop_rows = boost::mpl::vector38<
    //  from          event          to            action                          guard
    Row<Sleeping,     ev::Wakeup,    WaitAgentIp,  Do<&I::ask_self_host>,           none>,
    Row<WaitAgentIp,  ev::Reply,     CheckEngine,  Do<&I::keep_self_ask_info>,      If<&I::has_agent_ip>>,
    Row<WaitAgentIp,  ev::Reply,     none,         Do<&I::poll_again>,              If<&I::keep_polling>>,
    Row<WaitAgentIp,  ev::Reply,     InfoToLeave,  Do<&I::ask_info_before_leaving>, If<&I::may_be_deleted>>,
    Row<WaitAgentIp,  ev::Wakeup,    none,         Do<&I::ask_self_host>,           none>,
    Row<CheckEngine,  ev::Reply,     Leaving,      Do<&I::leave>,                   If<&I::swarm_error>>,
    Row<CheckEngine,  ev::Reply,     ReadSavedToken, Do<&I::keep_info_read_saved_token>, If<&I::engine_in_swarm>>,
    Row<CheckEngine,  ev::Reply,     FindLeader,   Do<&I::keep_info_ask_containers>,If<&I::engine_out_of_swarm>>,
    Row<CheckEngine,  ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              Unless<&I::info_read>>,
    Row<ReadSavedToken, ev::Reply,   CheckToken,   Do<&I::keep_saved_ask_published>,If<&I::token_saved>>,
    Row<ReadSavedToken, ev::Reply,   VerifyBinding, Do<&I::ask_binding>,            If<&I::no_token_then_verify>>,
    Row<ReadSavedToken, ev::Reply,   FindLeader,   Do<&I::ask_containers>,          If<&I::no_token_then_find>>,
    Row<CheckToken,   ev::Reply,     Leaving,      Do<&I::leave_for_new_token>,     If<&I::token_changed>>,
    Row<CheckToken,   ev::Reply,     VerifyBinding, Do<&I::ask_binding>,            If<&I::same_token_then_verify>>,
    Row<CheckToken,   ev::Reply,     FindLeader,   Do<&I::ask_containers>,          If<&I::same_token_then_find>>,
    Row<VerifyBinding, ev::Reply,    BindIdentity, Do<&I::publish_known_identity>,  If<&I::binding_missing>>,
    Row<VerifyBinding, ev::Reply,    FixRoleLabel, Do<&I::label_own_role>,          If<&I::bound_role_stale>>,
    Row<VerifyBinding, ev::Reply,    FindLeader,   Do<&I::ask_containers>,          If<&I::bound_role_right>>,
    Row<Leaving,      ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              none>,
    Row<BindIdentity, ev::Reply,     FixRoleLabel, Do<&I::label_own_role>,          If<&I::role_fix_after_bind>>,
    Row<BindIdentity, ev::Reply,     FindLeader,   Do<&I::ask_containers>,          Unless<&I::role_fix_after_bind>>,
    Row<FixRoleLabel, ev::Reply,     FindLeader,   Do<&I::ask_containers>,          none>,
    Row<FindLeader,   ev::Reply,     FindManagers, Do<&I::keep_containers_ask_hosts>, If<&I::leads_among_managers>>,
    Row<FindLeader,   ev::Reply,     Leading,      Do<&I::start_pass>,              If<&I::i_am_leader>>,
    Row<FindLeader,   ev::Reply,     Joining,      Do<&I::start_join>,              If<&I::should_join>>,
    Row<FindLeader,   ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              If<&I::nothing_to_do>>,
    Row<FindManagers, ev::Reply,     ReadManagers, Do<&I::ask_nodes_for_lead>,      If<&I::manager_may_lead>>,
    Row<ReadManagers, ev::Reply,     Leading,      Do<&I::start_pass>,              If<&I::lead_after_nodes>>,
    Row<ReadManagers, ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              If<&I::no_lead_after_nodes>>,
    Row<FindManagers, ev::Reply,     CheckSwarm,   Do<&I::ask_cattle_service>,      If<&I::bootstraps_among_managers>>,
    Row<CheckSwarm,   ev::Reply,     Leading,      Do<&I::start_pass>,              If<&I::nothing_published>>,
    Row<CheckSwarm,   ev::Reply,     Joining,      Do<&I::start_join>,              If<&I::swarm_tokens_published>>,
    Row<CheckSwarm,   ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              If<&I::service_unread>>,
    Row<FindManagers, ev::Reply,     Leading,      Do<&I::start_pass>,              If<&I::i_lead_among_managers>>,
    Row<FindManagers, ev::Reply,     Joining,      Do<&I::start_join>,              If<&I::should_join_a_manager>>,
    Row<FindManagers, ev::Reply,     Sleeping,     Do<&I::sleep_loop>,              If<&I::no_manager_work>>,
    Row<Joining,      ev::JoinDone,  Sleeping,     Do<&I::sleep_loop>,              none>,
    Row<Leading,      ev::PassDone,  Sleeping,     Do<&I::sleep_loop>,              none>
  >;
  using transition_table = boost::mpl::joint_view<loop_rows, departure_rows>;
  // clang-format on
};

// A non-leader whose engine is inactive joins the leader's swarm.
struct I::JoinFsm_ : FsmBase<I::JoinFsm_> {
  using Idle = Phase<names::Idle, 1>;
  using AnnounceWaitLeader = Phase<names::AnnounceWaitLeader, 1>;
  using WaitLeader = Phase<names::WaitLeader, 1>;
  using CattleManagers = Phase<names::CattleManagers, 1>;
  using ConfirmHost = Phase<names::ConfirmHost, 1>;
  using AnnounceWaitToken = Phase<names::AnnounceWaitToken, 1>;
  using WaitToken = Phase<names::WaitToken, 1>;
  using Joining = Phase<names::JoinCall, 1>;
  using SaveToken = Phase<names::SaveToken, 1>;
  using ReadNodeId = Phase<names::ReadNodeId, 1>;
  using PublishNodeId = Phase<names::PublishNodeId, 1>;
  using Joined = Phase<names::Joined, 1>;
  using initial_state = Idle;
  // clang-format off
  struct transition_table : boost::mpl::vector25<
    Row<Idle,               ev::Start,   AnnounceWaitLeader, Do<&I::announce_wait_leader>, none>,
    Row<AnnounceWaitLeader, ev::Reply,   WaitLeader,         Do<&I::probe_leader>,         If<&I::has_join_candidates>>,
    Row<AnnounceWaitLeader, ev::Reply,   CattleManagers,     Do<&I::ask_cattle_for_managers>, Unless<&I::has_join_candidates>>,
    Row<WaitLeader,         ev::Reply,   AnnounceWaitToken,  Do<&I::announce_wait_token>,  If<&I::probe_ok>>,
    Row<WaitLeader,         ev::Reply,   none,               Do<&I::probe_next>,           If<&I::next_candidate>>,
    Row<WaitLeader,         ev::Reply,   none,               Do<&I::back_off>,             If<&I::probes_left>>,
    Row<WaitLeader,         ev::Reply,   Idle,               Do<&I::finish_join>,          If<&I::gives_up>>,
    Row<WaitLeader,         ev::Reply,   CattleManagers,     Do<&I::ask_cattle_for_managers>, If<&I::asks_cattle_for_managers>>,
    Row<CattleManagers,     ev::Reply,   WaitLeader,         Do<&I::probe_cattle_managers>, If<&I::found_managers_in_cattle>>,
    Row<CattleManagers,     ev::Reply,   Idle,               Do<&I::finish_join>,          If<&I::no_managers_in_cattle>>,
    Row<WaitLeader,         ev::Wakeup,  none,               Do<&I::probe_leader>,         none>,
    Row<AnnounceWaitToken,  ev::Reply,   WaitToken,          Do<&I::ask_token>,            none>,
    Row<WaitToken,          ev::Reply,   Joining,            Do<&I::join>,                 If<&I::joins_at_once>>,
    Row<WaitToken,          ev::Reply,   ConfirmHost,        Do<&I::keep_tokens_confirm_host>, If<&I::confirms_before_join>>,
    Row<ConfirmHost,        ev::Reply,   Joining,            Do<&I::join_now>,             If<&I::self_active_in_cattle>>,
    Row<ConfirmHost,        ev::Reply,   Idle,               Do<&I::finish_join>,          Unless<&I::self_active_in_cattle>>,
    Row<WaitToken,          ev::Reply,   none,               Do<&I::poll_again>,           Unless<&I::has_token>>,
    Row<WaitToken,          ev::Wakeup,  none,               Do<&I::ask_token>,            none>,
    Row<Joining,            ev::Reply,   SaveToken,          Do<&I::save_token>,           none>,
    Row<SaveToken,          ev::Reply,   ReadNodeId,         Do<&I::ask_info>,             If<&I::publishes_identity>>,
    Row<SaveToken,          ev::Reply,   Joined,             Do<&I::label_role>,           Unless<&I::publishes_identity>>,
    Row<ReadNodeId,         ev::Reply,   PublishNodeId,      Do<&I::publish_node_id>,      If<&I::has_node_id>>,
    Row<ReadNodeId,         ev::Reply,   Joined,             Do<&I::label_role>,           Unless<&I::has_node_id>>,
    Row<PublishNodeId,      ev::Reply,   Joined,             Do<&I::label_role>,           none>,
    Row<Joined,             ev::Reply,   Idle,               Do<&I::finish_join>,          none>
  > {};
  // clang-format on
};

// The leader's bootstrap: create the swarm if there is none, then publish
// the join tokens into the service metadata through the Cattle API.
struct I::BootstrapFsm_ : FsmBase<I::BootstrapFsm_> {
  using Idle = Phase<names::Idle, 2>;
  using Init = Phase<names::Init, 2>;
  using InitInfo = Phase<names::InitInfo, 2>;
  using CheckPublished = Phase<names::CheckPublished, 2>;
  using CheckSelf = Phase<names::CheckSelf, 2>;
  using CheckFirst = Phase<names::CheckFirst, 2>;
  using ReadTokens = Phase<names::ReadTokens, 2>;
  using PublishTokens = Phase<names::PublishTokens, 2>;
  using LabelManager = Phase<names::LabelManager, 2>;
  using initial_state = Idle;
  // clang-format off
  struct transition_table : boost::mpl::vector<
    Row<Idle,          ev::Start, Init,          Do<&I::swarm_init>,       If<&I::inits_at_once>>,
    Row<Idle,          ev::Start, CheckSelf,     Do<&I::ask_binding>,      If<&I::checks_before_init>>,
    Row<CheckSelf,     ev::Reply, CheckFirst,    Do<&I::ask_cattle_containers>, If<&I::self_active_in_cattle>>,
    Row<CheckSelf,     ev::Reply, Idle,          Do<&I::finish_bootstrap>, Unless<&I::self_active_in_cattle>>,
    Row<CheckFirst,    ev::Reply, CheckPublished, Do<&I::ask_cattle_service>, If<&I::first_in_cattle>>,
    Row<CheckFirst,    ev::Reply, Idle,          Do<&I::finish_bootstrap>, Unless<&I::first_in_cattle>>,
    Row<CheckPublished, ev::Reply, Init,         Do<&I::swarm_init>,       If<&I::nothing_published>>,
    Row<CheckPublished, ev::Reply, Idle,         Do<&I::finish_bootstrap>, If<&I::init_unsafe>>,
    Row<Idle,          ev::Start, ReadTokens,    Do<&I::get_swarm>,        If<&I::engine_active>>,
    Row<Init,          ev::Reply, ReadTokens,    Do<&I::get_swarm>,        Unless<&I::rereads_info_after_init>>,
    Row<Init,          ev::Reply, InitInfo,      Do<&I::ask_info>,         If<&I::rereads_info_after_init>>,
    Row<InitInfo,      ev::Reply, ReadTokens,    Do<&I::keep_info_get_swarm>, none>,
    Row<ReadTokens,    ev::Reply, PublishTokens, Do<&I::publish_tokens>,   If<&I::has_tokens>>,
    Row<ReadTokens,    ev::Reply, Idle,          Do<&I::finish_bootstrap>, If<&I::no_tokens>>,
    Row<PublishTokens, ev::Reply, LabelManager,  Do<&I::label_manager>,    If<&I::published>>,
    Row<PublishTokens, ev::Reply, none,          Do<&I::publish_again>,    If<&I::publish_retry>>,
    Row<PublishTokens, ev::Reply, Idle,          Do<&I::finish_bootstrap>, If<&I::publish_given_up>>,
    Row<LabelManager,  ev::Reply, Idle,          Do<&I::finish_bootstrap>, none>
  > {};
  // clang-format on
};

// The leader's reconcile pass: the removal hook, the unreachable-manager
// step, the down-node purge, scaling and the leader's label.
struct I::PassFsm_ : FsmBase<I::PassFsm_> {
  using Idle = Phase<names::Idle, 3>;
  using ReadNodes = Phase<names::ReadNodes, 3>;
  using ReadHosts = Phase<names::ReadHosts, 3>;
  using ReadCattle = Phase<names::ReadCattle, 3>;
  using Removing = Phase<names::Removing, 3>;
  using ReReadNodes = Phase<names::ReReadNodes, 3>;
  using Scaling = Phase<names::Scaling, 3>;
  using ReadDepartures = Phase<names::ReadDepartures, 3>;
  using ReadForPurge = Phase<names::ReadForPurge, 3>;
  using Purging = Phase<names::Purging, 3>;
  using initial_state = Idle;
  // clang-format off
  struct transition_table : boost::mpl::vector21<
    Row<Idle,          ev::Start, ReadNodes,     Do<&I::list_nodes>,                 none>,
    Row<ReadNodes,     ev::Reply, ReadHosts,     Do<&I::keep_nodes_ask_hosts>,       If<&I::nodes_read>>,
    Row<ReadNodes,     ev::Reply, Idle,          Do<&I::finish_pass>,                If<&I::nodes_unread>>,
    Row<ReadHosts,     ev::Reply, ReadCattle,    Do<&I::keep_hosts_ask_cattle>,      If<&I::reads_cattle>>,
    Row<ReadHosts,     ev::Reply, Removing,      Do<&I::plan_removals_from_metadata>,If<&I::reads_metadata_only>>,
    Row<ReadCattle,    ev::Reply, Removing,      Do<&I::plan_removals_from_cattle>,  Unless<&I::reads_departures>>,
    Row<ReadCattle,    ev::Reply, ReadDepartures, Do<&I::keep_cattle_ask_departures>, If<&I::reads_departures>>,
    Row<ReadDepartures, ev::Reply, Removing,     Do<&I::plan_removals_with_departures>, none>,
    Row<Removing,      ev::Reply, none,          Do<&I::next_work>,                  If<&I::has_work>>,
    Row<Removing,      ev::Reply, ReReadNodes,   Do<&I::list_nodes>,                 If<&I::work_finished>>,
    Row<Removing,      none,      ReReadNodes,   Do<&I::list_nodes>,                 If<&I::idle>>,
    Row<ReReadNodes,   ev::Reply, Scaling,       Do<&I::plan_scaling>,               If<&I::nodes_read>>,
    Row<ReReadNodes,   ev::Reply, Idle,          Do<&I::finish_pass>,                If<&I::nodes_unread>>,
    Row<Scaling,       ev::Reply, none,          Do<&I::next_work>,                  If<&I::has_work>>,
    Row<Scaling,       ev::Reply, ReadForPurge,  Do<&I::list_nodes>,                 If<&I::work_finished>>,
    Row<Scaling,       none,      ReadForPurge,  Do<&I::list_nodes>,                 If<&I::idle>>,
    Row<ReadForPurge,  ev::Reply, Purging,       Do<&I::plan_purge>,                 If<&I::nodes_read>>,
    Row<ReadForPurge,  ev::Reply, Idle,          Do<&I::finish_pass>,                If<&I::nodes_unread>>,
    Row<Purging,       ev::Reply, none,          Do<&I::next_work>,                  If<&I::has_work>>,
    Row<Purging,       ev::Reply, Idle,          Do<&I::finish_pass>,                If<&I::work_finished>>,
    Row<Purging,       none,      Idle,          Do<&I::finish_pass>,                If<&I::idle>>
  > {};
  // clang-format on
};

SwarmkitMon::Impl::Impl(MonOptions o) : opt(std::move(o)) {
  loop = std::make_unique<LoopFsm>();
  joiner = std::make_unique<JoinFsm>();
  bootstrap = std::make_unique<BootstrapFsm>();
  pass = std::make_unique<PassFsm>();
  loop->impl = this;
  joiner->impl = this;
  bootstrap->impl = this;
  pass->impl = this;
  loop->start();
  joiner->start();
  bootstrap->start();
  pass->start();
}

void I::start_join(const Response*) {
  join_done = false;
  joiner->process_event(ev::Start{});
}

void I::start_pass(const Response*) {
  current_pass = ++passes_started;
  pass_done = false;
  bootstrap_done = false;
  handing_over = false;
  self_condemned.reset();
  condemned.clear();
  bootstrapping = needs_bootstrap();
  if (bootstrapping)
    bootstrap->process_event(ev::Start{});
  else
    pass->process_event(ev::Start{});
}

void I::start_hand_over(const Response*) {
  current_pass = ++passes_started;
  pass_done = false;
  handing_over = true;
  self_condemned.reset();
  condemned.clear();
  bootstrapping = false;
  pass->process_event(ev::Start{});
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

template <typename E>
void I::dispatch(const E& e) {
  const std::string loop_phase = phase_names[0];
  if (loop_phase == names::Joining) {
    joiner->process_event(e);
    if (join_done) {
      join_done = false;
      loop->process_event(ev::JoinDone{});
    }
  } else if (loop_phase == names::Leading) {
    if (bootstrapping) {
      bootstrap->process_event(e);
      if (!bootstrap_done) return;
      bootstrap_done = false;
      bootstrapping = false;
      // No swarm came of it (init failed unnoticed, or no tokens): the pass
      // has nothing to reconcile this time.
      if (info.LocalNodeState_ == LocalNodeState::Inactive && !tokens_published)
        pass_done = true;
      else
        pass->process_event(ev::Start{});
    } else {
      pass->process_event(e);
    }
    if (pass_done) {
      pass_done = false;
      current_pass = 0;
      loop->process_event(ev::PassDone{});
    }
  } else {
    loop->process_event(e);
  }
}

// ---- public face ----

SwarmkitMon::SwarmkitMon(MonOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
SwarmkitMon::~SwarmkitMon() = default;

void SwarmkitMon::handle_start(Instant now) {
  ++impl_->delivered;
  impl_->now = now;
  impl_->dispatch(ev::Wakeup{});
}

void SwarmkitMon::handle_response(Instant now, RequestId id, const Response& response) {
  ++impl_->delivered;
  if (id == 0 || id != impl_->awaiting) return;
  impl_->awaiting = 0;
  impl_->now = now;
  impl_->dispatch(ev::Reply{&response});
}

void SwarmkitMon::handle_wakeup(Instant now, RequestId id) {
  ++impl_->delivered;
  if (id == 0 || id != impl_->awaiting) return;
  impl_->awaiting = 0;
  impl_->now = now;
  impl_->dispatch(ev::Wakeup{});
}

std::optional<Action> SwarmkitMon::poll_action() {
  if (impl_->out.empty()) return std::nullopt;
  Action a = std::move(impl_->out.front());
  impl_->out.pop_front();
  return a;
}

std::string SwarmkitMon::phase() const {
  std::string p = impl_->phase_names[0];
  if (p == names::Joining) p += std::string("/") + impl_->phase_names[1];
  if (p == names::Leading) p += std::string("/") + impl_->phase_names[impl_->bootstrapping ? 2 : 3];
  return p;
}

bool SwarmkitMon::is_leader() const {
  return impl_->leader && impl_->leader->primary_ip == impl_->self.agent_ip;
}

const std::optional<std::string>& SwarmkitMon::fault() const {
  return impl_->fault;
}

}  // namespace swarmsim::model
