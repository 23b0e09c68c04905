// The data of one swarmkit-mon agent and the steps its machines take
// (model/swarmkit_mon.cpp holds the machines). Private to model/: the
// steps are defined by machine in swarmkit_mon_loop.cpp, _join.cpp,
// _bootstrap.cpp and _pass.cpp.
#pragma once

#include <boost/msm/back/state_machine.hpp>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "model/swarmkit_mon.hpp"

namespace swarmsim::model {

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
  // fixed: when a loop first found the engine `pending` (its join going on
  // in the background), for abandons_joins_through_lost_managers.
  std::optional<Instant> pending_since;
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
  void ask_self_host(const Response*);
  bool has_agent_ip(const Response* r) const;
  void poll_again(const Response*);
  bool may_be_deleted(const Response* r) const;
  bool keep_polling(const Response* r) const;
  const CattleHost* my_host_in_cattle(const Response* r) const;
  void ask_cattle_about_self(const Response*);
  bool self_removed_in_cattle(const Response* r) const;
  bool self_not_removed(const Response* r) const;
  void ask_info_before_leaving(const Response*);
  bool can_note_departure(const Response* r) const;
  bool nothing_to_leave(const Response* r) const;
  bool recalls_departure(const Response* r) const;
  void ask_left_node(const Response*);
  bool recalled_note(const Response* r) const;
  bool recalled_nothing(const Response* r) const;
  void note_recalled(const Response* r);
  bool keeps_note(const Response* r) const;
  void note_again(const Response*);
  bool nothing_to_leave_yet(const Response* r) const;
  void keep_info_ask_cattle(const Response* r);
  void note_departure(const Response* r);
  bool noted(const Response* r) const;
  bool not_noted(const Response* r) const;
  bool noted_worker(const Response* r) const;
  bool noted_manager(const Response* r) const;
  // While it waits it hands the lead over: a pass that removes nothing and
  // promotes successors when no other manager stays (see plan_fixed_scaling).
  void start_hand_over(const Response* r);
  void save_left_node(const Response*);
  void leave_deleted_host(const Response*);
  void keep_self_ask_info(const Response* r);
  bool info_read(const Response* r) const;
  bool swarm_error(const Response* r) const;
  bool engine_healthy(const Response* r) const;
  void leave(const Response* r);
  void sleep_loop(const Response*);
  bool engine_in_swarm(const Response* r) const;
  bool engine_out_of_swarm(const Response* r) const;
  bool join_may_be_lost(const Response* r) const;
  void keep_info_probe_join_target(const Response* r);
  bool join_target_answers(const Response* r) const;
  bool join_target_lost(const Response* r) const;
  void leave_lost_join(const Response* r);
  void keep_info_read_saved_token(const Response* r);
  bool token_saved(const Response* r) const;
  void keep_saved_ask_published(const Response* r);
  bool token_changed(const Response* r) const;
  void leave_for_new_token(const Response*);
  bool verifies_binding() const;
  bool no_token_then_verify(const Response* r) const;
  bool no_token_then_find(const Response* r) const;
  bool same_token_then_verify(const Response* r) const;
  bool same_token_then_find(const Response* r) const;
  void ask_binding(const Response*);
  const std::map<std::string, std::string>& own_labels(const Response* r) const;
  bool binding_missing(const Response* r) const;
  bool role_label_stale(const Response* r) const;
  bool bound_role_stale(const Response* r) const;
  bool bound_role_right(const Response* r) const;
  bool role_fix_after_bind(const Response*) const;
  void label_own_role(const Response*);
  void bind(const std::string& node_id);
  void publish_identity(const Response* r);
  void publish_known_identity(const Response* r);
  void keep_info_ask_containers(const Response* r);
  void ask_containers(const Response*);
  void note_containers(const Response* r);
  void note_managers(const Response* r);
  const MetaContainer* first_container_of(std::string_view host_uuid) const;
  bool my_container_first() const;
  bool manager_may_lead(const Response* r);
  void ask_nodes_for_lead(const Response*);
  void lead_past_unreachable(const Response* r);
  bool lead_after_nodes(const Response* r);
  bool no_lead_after_nodes(const Response* r);
  bool leads_among_managers(const Response*) const;
  void keep_containers_ask_hosts(const Response* r);
  bool leads() const;
  bool joins() const;
  bool i_am_leader(const Response* r);
  bool should_join(const Response* r);
  bool nothing_to_do(const Response* r);
  bool bootstraps_among_managers(const Response* r);
  bool i_lead_among_managers(const Response* r);
  bool swarm_tokens_published(const Response* r) const;
  bool service_unread(const Response* r) const;
  bool should_join_a_manager(const Response* r);
  bool no_manager_work(const Response* r);
  void start_join(const Response*);
  void start_pass(const Response*);

  // ---- join: WaitLeader, WaitToken, Joining, Joined ----
  void announce(const char* value);
  void announce_wait_leader(const Response*);
  std::vector<MetaContainer> join_candidates() const;
  bool has_join_candidates(const Response*) const;
  void probe_leader(const Response*);
  bool probe_ok(const Response* r) const;
  bool next_candidate(const Response* r) const;
  bool round_failed(const Response* r) const;
  bool probes_left(const Response* r) const;
  bool probes_exhausted(const Response* r) const;
  bool asks_cattle_for_managers(const Response* r) const;
  bool gives_up(const Response* r) const;
  void ask_cattle_for_managers(const Response*);
  static constexpr std::size_t kCattleProbesMax = 8;
  bool found_managers_in_cattle(const Response* r);
  bool no_managers_in_cattle(const Response* r);
  void probe_cattle_managers(const Response* r);
  void probe_next(const Response* r);
  void back_off(const Response*);
  void announce_wait_token(const Response*);
  void ask_token(const Response*);
  bool has_token(const Response* r) const;
  void join(const Response* r);
  void keep_tokens(const Response* r);
  void join_now(const Response*);
  bool confirms_before_join(const Response* r) const;
  bool joins_at_once(const Response* r) const;
  void keep_tokens_confirm_host(const Response* r);
  void save_token(const Response*);
  bool publishes_identity(const Response*) const;
  void ask_info(const Response*);
  bool has_node_id(const Response* r) const;
  void publish_node_id(const Response* r);
  void label_role(const Response*);
  void finish_join(const Response*);

  // ---- bootstrap: Init, ReadTokens, PublishTokens, LabelManager ----
  bool engine_inactive(const Response*) const;
  bool engine_active(const Response* r) const;
  bool needs_bootstrap() const;
  void swarm_init(const Response*);
  bool inits_at_once(const Response* r) const;
  bool checks_before_init(const Response* r) const;
  void ask_cattle_service(const Response*);
  bool nothing_published(const Response* r) const;
  bool self_active_in_cattle(const Response* r) const;
  void ask_cattle_containers(const Response*);
  bool first_in_cattle(const Response* r) const;
  bool init_unsafe(const Response* r) const;
  void get_swarm(const Response*);
  bool rereads_info_after_init(const Response*) const;
  void keep_info_get_swarm(const Response* r);
  bool has_tokens(const Response* r) const;
  bool no_tokens(const Response* r) const;
  void publish_tokens(const Response* r);
  bool published(const Response* r) const;
  bool publish_retry(const Response* r) const;
  bool publish_given_up(const Response* r) const;
  void publish_again(const Response*);
  void label_manager(const Response*);
  void finish_bootstrap(const Response*);

  // ---- reconcile pass: ReadNodes, ReadHosts, Removing, Purging ----
  void list_nodes(const Response*);
  bool nodes_read(const Response* r) const;
  bool nodes_unread(const Response* r) const;
  void keep_nodes_ask_hosts(const Response* r);
  bool reads_cattle(const Response*) const;
  bool reads_metadata_only(const Response*) const;
  void keep_hosts_ask_cattle(const Response* r);
  void keep_meta_hosts(const Response* r);
  ReconcileView view() const;
  void queue_eviction(const Eviction& e, const std::string& step, bool force = true);
  void plan_removals_from_metadata(const Response* r);
  void plan_removals_from_cattle(const Response* r);
  void keep_cattle_hosts(const Response* r);
  bool reads_departures(const Response*) const;
  void keep_cattle_ask_departures(const Response* r);
  void plan_removals_with_departures(const Response* r);
  void plan_removals();
  bool other_manager_reachable() const;
  void plan_scaling(const Response* r);
  void plan_fixed_step(std::set<std::string> going);
  void plan_purge(const Response* r);
  void step_down_if_handed_over();
  bool has_work(const Response*) const;
  bool work_finished(const Response*) const;
  bool idle(const Response*) const;
  void next_work(const Response*);
  void finish_pass(const Response*);

  // ---- machines ----
  struct LoopFsm_;
  struct JoinFsm_;
  struct BootstrapFsm_;
  struct PassFsm_;
  using LoopFsm = boost::msm::back::state_machine<LoopFsm_>;
  using JoinFsm = boost::msm::back::state_machine<JoinFsm_>;
  using BootstrapFsm = boost::msm::back::state_machine<BootstrapFsm_>;
  using PassFsm = boost::msm::back::state_machine<PassFsm_>;
  std::unique_ptr<LoopFsm> loop;
  std::unique_ptr<JoinFsm> joiner;
  std::unique_ptr<BootstrapFsm> bootstrap;
  std::unique_ptr<PassFsm> pass;
  bool bootstrapping = false;  // within Leading: which machine has the floor

  template <typename E>
  void dispatch(const E& e);
};

using I = SwarmkitMon::Impl;

}  // namespace swarmsim::model
