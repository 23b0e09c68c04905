// The swarmkit-mon v5 loop as four Boost.MSM machines: the loop, the join,
// the bootstrap and the reconcile pass. Their transition tables are here;
// the data they act on is SwarmkitMon::Impl (swarmkit_mon_impl.hpp) and the
// steps they take are in swarmkit_mon_{loop,join,bootstrap,pass}.cpp. Every
// action issues at most one request: the tables read as the script did, one
// step at a time.
//
// Deliberately left out: the unbounded retry recursion of token publishing
// (a fixed budget stands in for the stack). Whole-host writes to Cattle, with
// their read-back and retries, are model/cattle_write's.
#include <fmt/format.h>

#include <algorithm>

#include "model/manager_scaling.hpp"
#include "model/swarmkit_mon_impl.hpp"
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
                      Joining[] = "Joining", Leading[] = "Leading",
                      ProbeJoinTarget[] = "ProbeJoinTarget";
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
  using ProbeJoinTarget = Phase<names::ProbeJoinTarget, 0>;
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
  using loop_rows = boost::mpl::vector41<
    //  from          event          to            action                          guard
    Row<Sleeping,     ev::Wakeup,    WaitAgentIp,  Do<&I::ask_self_host>,           none>,
    Row<WaitAgentIp,  ev::Reply,     CheckEngine,  Do<&I::keep_self_ask_info>,      If<&I::has_agent_ip>>,
    Row<WaitAgentIp,  ev::Reply,     none,         Do<&I::poll_again>,              If<&I::keep_polling>>,
    Row<WaitAgentIp,  ev::Reply,     InfoToLeave,  Do<&I::ask_info_before_leaving>, If<&I::may_be_deleted>>,
    Row<WaitAgentIp,  ev::Wakeup,    none,         Do<&I::ask_self_host>,           none>,
    Row<CheckEngine,  ev::Reply,     Leaving,      Do<&I::leave>,                   If<&I::swarm_error>>,
    Row<CheckEngine,  ev::Reply,     ReadSavedToken, Do<&I::keep_info_read_saved_token>, If<&I::engine_in_swarm>>,
    Row<CheckEngine,  ev::Reply,     FindLeader,   Do<&I::keep_info_ask_containers>,If<&I::engine_out_of_swarm>>,
    Row<CheckEngine,  ev::Reply,     ProbeJoinTarget, Do<&I::keep_info_probe_join_target>, If<&I::join_may_be_lost>>,
    Row<ProbeJoinTarget, ev::Reply,  FindLeader,   Do<&I::ask_containers>,          If<&I::join_target_answers>>,
    Row<ProbeJoinTarget, ev::Reply,  Leaving,      Do<&I::leave_lost_join>,         If<&I::join_target_lost>>,
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

SwarmkitMon::Impl::Impl(MonOptions o) : opt(o) {
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

SwarmkitMon::SwarmkitMon(MonOptions options) : impl_(std::make_unique<Impl>(options)) {}
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
