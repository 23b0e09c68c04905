#include "sim/engine_sim.hpp"

#include <fmt/format.h>

#include <memory>
#include <vector>

#include "sim/host_sim.hpp"
#include "sim/streams.hpp"

namespace swarmsim::sim {

using model::ApiError;
using model::LocalNodeState;

namespace {

// `GET /nodes/{id}` resolves its argument as the Engine does: a full node
// ID, else an exact hostname, else a prefix of an ID; none is a 404 and more
// than one a 400. The answer is the listing's own entry, so an inspected
// node reads exactly as `GET /nodes` shows it.
model::Response inspect(const model::NodeList& nodes, const std::string& ref) {
  if (const model::Node* n = nodes.find(ref)) return model::NodeList({*n});
  std::vector<model::Node> found;
  for (const auto& n : nodes)
    if (!ref.empty() && n.Description.Hostname == ref) found.push_back(n);
  if (found.empty())
    for (const auto& n : nodes)
      if (n.ID.compare(0, ref.size(), ref) == 0) found.push_back(n);
  if (found.empty()) return ApiError{404, fmt::format("node {} not found", ref)};
  if (found.size() > 1)
    return ApiError{400, fmt::format("node {} is ambiguous ({} matches found)", ref, found.size())};
  return model::NodeList(std::move(found));
}

}  // namespace

EngineSim::EngineSim(Env& env, Kernel& kernel, Trace& trace, NetworkSim& network, RpcSim& rpc,
                     Options options, HostIndex host)
    : env_(env),
      kernel_(kernel),
      trace_(trace),
      network_(network),
      rpc_(rpc),
      options_(options),
      host_(host) {}

const HostSim& EngineSim::host() const {
  return env_.host(host_);
}

SwarmSim* EngineSim::swarm() const {
  return swarm_ ? &env_.swarm(*swarm_) : nullptr;
}

bool EngineSim::heartbeating() const {
  if (!up_ || local_ != LocalNodeState::Active || node_id_.empty()) return false;
  if (kernel_.now() < busy_until_ || !swarm() || session_lost_) return false;
  auto leader = swarm()->leader_id();
  if (!leader) {
    // No leader: a manager that comes back is a raft member and can take
    // the lead (a lone manager rebooting is the common case); a worker has
    // nobody to report to.
    const SwarmNodeRecord* self = swarm()->node(node_id_);
    return self && self->role == model::NodeRole::Manager;
  }
  const SwarmNodeRecord* l = swarm()->node(*leader);
  return l && network_.connected(host().endpoint, env_.host(l->host).endpoint);
}

bool EngineSim::manager_here() const {
  return local_ == LocalNodeState::Active && swarm() && swarm()->is_manager_with_quorum(node_id_);
}

// The engine runs a manager (a raft member): what /info's ControlAvailable
// says, whether or not the raft group has its quorum now.
bool EngineSim::control_available() const {
  if (local_ != LocalNodeState::Active || !swarm()) return false;
  const SwarmNodeRecord* n = swarm()->node(node_id_);
  return n != nullptr && n->raft_member();
}

model::SwarmInfo EngineSim::info() const {
  model::SwarmInfo i;
  i.NodeID = node_id_;
  i.NodeAddr = local_ == LocalNodeState::Inactive ? "" : host().agent_ip;
  i.LocalNodeState_ = local_;
  i.ControlAvailable = control_available();
  i.Error = error_;
  return i;
}

void EngineSim::handle(const model::Call& call, const std::function<void(model::Response)>& reply) {
  const Duration local = host().stretch(options_.api_latency_ns);
  if (auto* j = std::get_if<model::SwarmJoin>(&call.request)) {
    model::SwarmJoin req = *j;
    kernel_.schedule_after(local, [this, req, reply] {
      if (up_) join(req, reply);
    });
    return;
  }
  kernel_.schedule_after(local, [this, call, reply] {
    if (!up_) return;
    if (manager_here() && swarm()->leader_id() &&
        swarm()->capacity().cost_of(call.request, swarm()->nodes().size()))
      return to_leader(call, reply);
    reply(serve(call));
  });
}

void EngineSim::to_leader(const model::Call& call,
                          const std::function<void(model::Response)>& reply) {
  SwarmSim& s = *swarm();
  const std::size_t number = s.number();
  const Duration timeout = s.capacity().spec().request_timeout_ns;
  // At the leader: queued on its cores, then carried out on the registry
  // as it is then (through this engine, which forwarded it).
  auto at_leader = [this, call, number, timeout](const RpcSim::Answer& answer) {
    SwarmSim& sw = env_.swarm(number);
    const auto cost = sw.capacity().cost_of(call.request, sw.nodes().size());
    const Instant deadline = kernel_.now() + timeout;
    const bool queued =
        cost &&
        sw.capacity().cpu().submit(
            static_cast<std::size_t>(cost->cls), cost->work, deadline, [this, call, answer] {
              answer(up_ ? serve(call)
                         : model::Response(ApiError{0, "the forwarding manager is down"}));
            });
    if (!queued)
      answer(ApiError{503, "rpc error: code = ResourceExhausted desc = the leader is overloaded"});
  };
  const SwarmNodeRecord* leader = s.node(*s.leader_id());
  if (leader != nullptr && leader->host != host_) {
    const HostSim& l = env_.host(leader->host);
    rpc_.call_async(host().endpoint, l.endpoint, at_leader, reply, timeout);
    return;
  }
  // This engine leads: no network, but the control API's own time-out.
  auto answered = std::make_shared<bool>(false);
  const TimerId timer = kernel_.schedule_after(timeout, [answered, reply] {
    if (*answered) return;
    *answered = true;
    reply(ApiError{0, "rpc error: code = DeadlineExceeded desc = context deadline exceeded"});
  });
  at_leader([this, answered, reply, timer](const model::Response& r) {
    if (*answered) return;
    *answered = true;
    kernel_.cancel(timer);
    reply(r);
  });
}

model::Response EngineSim::serve(const model::Call& call) {
  Kernel& k = kernel_;
  const SwarmOrigin origin{host_, host().name, call.eviction, call.why, call.pass};
  // A worker, or a manager cut off from its raft group's majority.
  const ApiError not_manager =
      control_available()
          ? ApiError{503,
                     "rpc error: code = Unknown desc = The swarm does not have a leader. "
                     "It's possible that too few managers are online. Make sure more than "
                     "half of the managers are online."}
          : ApiError{503,
                     "This node is not a swarm manager. Worker nodes can't be used to view "
                     "or modify cluster state."};
  return std::visit(
      [&](const auto& req) -> model::Response {
        using T = std::decay_t<decltype(req)>;
        if constexpr (std::is_same_v<T, model::GetInfo>) {
          return info();
        } else if constexpr (std::is_same_v<T, model::SwarmInit>) {
          if (local_ != LocalNodeState::Inactive)
            return ApiError{503, "This node is already part of a swarm."};
          bool splits = false;
          swarm_ = env_.swarm_for_init(splits);
          node_id_ = swarm()->init(host_, host().name, host().stream_key, host().kernel_hostname,
                                   to_string(host().profile.arch), host().agent_ip,
                                   k.now() + host().profile.clock_skew_ns);
          env_.node_id_learnt(host_, node_id_);
          local_ = LocalNodeState::Active;
          env_.heartbeats_changed(host_);
          if (splits) env_.swarm_split(*swarm(), host_);
          return model::Ok{};
        } else if constexpr (std::is_same_v<T, model::GetSwarm>) {
          if (!manager_here()) return not_manager;
          return swarm()->tokens();
        } else if constexpr (std::is_same_v<T, model::SwarmLeave>) {
          if (local_ == LocalNodeState::Inactive)
            return ApiError{503, "This node is not part of a swarm"};
          trace_.record(k.now(), TraceKind::EngineLeft, host().name, node_id_,
                        error_.empty() ? "docker swarm leave --force" : "left after: " + error_);
          if (error_.empty() && !node_id_.empty()) env_.left_swarm_by_logic(host_, node_id_);
          local_ = LocalNodeState::Inactive;
          node_id_.clear();
          swarm_.reset();
          error_.clear();
          session_lost_ = false;
          ++session_epoch_;
          env_.heartbeats_changed(host_);
          return model::Ok{};
        } else if constexpr (std::is_same_v<T, model::ListNodes>) {
          if (!manager_here()) return not_manager;
          return swarm()->list_nodes();
        } else if constexpr (std::is_same_v<T, model::InspectNode>) {
          if (!manager_here()) return not_manager;
          return inspect(swarm()->list_nodes(), req.id);
        } else if constexpr (std::is_same_v<T, model::RemoveNode>) {
          if (!manager_here()) return not_manager;
          const SwarmNodeRecord* target = swarm()->node(req.id);
          const HostIndex held_by = target ? target->host : host_;
          auto r = swarm()->remove_node(req.id, req.force, origin);
          env_.heartbeats_changed(held_by);
          return r;
        } else if constexpr (std::is_same_v<T, model::UpdateNodeRole>) {
          if (!manager_here()) return not_manager;
          const SwarmNodeRecord* target = swarm()->node(req.id);
          const HostIndex held_by = target ? target->host : host_;
          auto r = swarm()->update_role(req.id, req.version, req.role, origin);
          env_.heartbeats_changed(held_by);
          return r;
        } else {
          return ApiError{400, "not a Docker Engine API call"};
        }
      },
      call.request);
}

void EngineSim::join(const model::SwarmJoin& req,
                     const std::function<void(model::Response)>& reply) {
  if (local_ != LocalNodeState::Inactive) {
    reply(ApiError{503,
                   "This node is already part of a swarm. Use \"docker swarm leave\" to "
                   "leave this swarm and join another one."});
    return;
  }
  const HostSim* target =
      req.remote_addrs.empty() ? nullptr : env_.host_at_addr(req.remote_addrs[0]);
  if (!target) {
    reply(ApiError{0, "could not resolve the remote manager address"});
    return;
  }
  local_ = LocalNodeState::Pending;
  const std::uint64_t attempt = ++join_attempt_;
  const HostIndex target_index = target->index;
  const std::string token = req.join_token;
  // What the caller and the managers know of this attempt: whether the
  // request reached a manager and was still waiting for its certificate
  // when the CLI stopped waiting (then the join goes on), and which swarm
  // granted it (the certificate says).
  auto state = std::make_shared<JoinAttempt>();
  state->attempt = attempt;
  state->target = target_index;
  auto serve = [this, target_index, token, attempt, state,
                advertise = req.advertise_addr](const RpcSim::Answer& answer) {
    const HostSim& t = env_.host(target_index);
    SwarmSim* target_swarm = t.engine->swarm();
    if (!t.engine->up() || !target_swarm ||
        !target_swarm->is_manager_with_quorum(t.engine->node_id()))
      return answer(ApiError{0, "connection refused: the remote is not a reachable manager"});
    state->reached = true;
    const std::size_t number = target_swarm->number();
    // The certificate request: token check and a raft write on the
    // leader's cores, then the CA's signer, then the node is made.
    auto issue = [this, target_index, token, attempt, state, advertise, number, answer] {
      // Asked again in the background while the first request was still
      // queued: one node, whichever request gets there first.
      if (state->issued) {
        if (state->gave_up) return granted(attempt, state->swarm, state->node_id);
        model::SwarmInfo again;
        again.NodeID = state->node_id;
        return answer(again);
      }
      const HostSim& t2 = env_.host(target_index);
      SwarmSim& sw = env_.swarm(number);
      auto r = sw.issue_certificate(host_, host().name, host().stream_key, token, host().seen_addr,
                                    kernel_.now() + t2.profile.clock_skew_ns, advertise);
      if (auto* e = std::get_if<ApiError>(&r)) return answer(*e);
      state->issued = true;
      state->swarm = number;
      state->node_id = std::get<std::string>(r);
      if (state->gave_up) return granted(attempt, number, std::get<std::string>(r));
      model::SwarmInfo grant;
      grant.NodeID = std::get<std::string>(r);
      answer(grant);
    };
    const ApiError overloaded{
        503, "rpc error: code = ResourceExhausted desc = the certificate authority is overloaded"};
    LeaderCapacity& cap = target_swarm->capacity();
    const Instant deadline = kernel_.now() + options_.join_timeout_ns;
    const bool queued =
        cap.cpu().submit(static_cast<std::size_t>(LeaderClass::Join), cap.spec().join_cost_ns,
                         deadline, [this, number, deadline, issue, answer, overloaded] {
                           LeaderCapacity& c = env_.swarm(number).capacity();
                           if (!c.signer().submit(static_cast<std::size_t>(LeaderClass::Sign),
                                                  c.spec().sign_cost_ns, deadline, issue))
                             answer(overloaded);
                         });
    if (!queued) answer(overloaded);
  };
  auto serve_fn = std::make_shared<const std::function<void(const RpcSim::Answer&)>>(serve);
  auto done = [this, attempt, reply, state, serve_fn](model::Response r) {
    if (!up_ || attempt != join_attempt_) return;
    auto* grant = std::get_if<model::SwarmInfo>(&r);
    if (!grant) {
      auto* e = std::get_if<ApiError>(&r);
      if (e && e->status == 0 && state->reached && !state->issued) {
        // The CLI stops waiting; the engine goes on with the join.
        state->gave_up = true;
        join_in_background(state, serve_fn, kInitialReconnectDelay);
        reply(ApiError{0,
                       "Timeout was reached before node joined. The attempt to join the swarm "
                       "will continue in the background. Use the \"docker info\" command to see "
                       "the current swarm status of your node."});
        return;
      }
      local_ = LocalNodeState::Inactive;
      reply(r);
      return;
    }
    granted(attempt, state->swarm, grant->NodeID);
    reply(model::Ok{});
  };
  rpc_.call_async(host().endpoint, target->endpoint, serve, done, options_.join_timeout_ns);
}

// The daemon goes on asking for its certificate after the CLI gave up,
// backing off from 100 ms to 30 s, until it has one (or leaves, or
// crashes): a request lost with a leader change is made again.
void EngineSim::join_in_background(
    const std::shared_ptr<JoinAttempt>& a,
    const std::shared_ptr<const std::function<void(const RpcSim::Answer&)>>& serve,
    Duration backoff) {
  kernel_.schedule_after(backoff, [this, a, serve, backoff] {
    if (!up_ || a->attempt != join_attempt_ || local_ != LocalNodeState::Pending || a->issued)
      return;
    rpc_.call_async(
        host().endpoint, env_.host(a->target).endpoint,
        [serve](const RpcSim::Answer& answer) { (*serve)(answer); },
        [this, a, serve, backoff](const model::Response& r) {
          if (auto* g = std::get_if<model::SwarmInfo>(&r))
            return granted(a->attempt, a->swarm, g->NodeID);
          join_in_background(a, serve, std::min(2 * backoff, kMaxReconnectDelay));
        },
        options_.join_timeout_ns);
  });
}

void EngineSim::granted(std::uint64_t attempt, std::size_t swarm, const std::string& node_id) {
  if (!up_ || attempt != join_attempt_ || local_ != LocalNodeState::Pending) return;
  node_id_ = node_id;
  swarm_ = swarm;
  session_lost_ = false;
  env_.node_id_learnt(host_, node_id_);
  local_ = LocalNodeState::Active;
  schedule_registration();
  env_.heartbeats_changed(host_);
}

void EngineSim::schedule_registration() {
  const std::string id = node_id_;
  auto rng = std::make_shared<Rng>(env_.rng_for(streams::registration(host().stream_key, id)));
  const Duration delay = host().stretch(options_.registration_delay.sample(*rng));
  register_session(delay, kInitialSessionBackoff, ++session_epoch_, rng);
}

void EngineSim::session_lost(std::string_view why) {
  if (!up_ || node_id_.empty() || session_lost_ || !swarm()) return;
  session_lost_ = true;
  trace_.record(kernel_.now(), TraceKind::Fault, host().name, node_id_,
                fmt::format("{}: the session ends, registering again", why));
  auto rng = std::make_shared<Rng>(
      env_.rng_for(streams::session(host().stream_key, node_id_, ++sessions_lost_)));
  const Duration start =
      static_cast<Duration>(rng->uniform_u64(static_cast<std::uint64_t>(kInitialSessionBackoff)));
  register_session(start, kInitialSessionBackoff, ++session_epoch_, rng);
  env_.heartbeats_changed(host_);
}

void EngineSim::register_session(Duration wait, Duration backoff, std::uint64_t epoch,
                                 const std::shared_ptr<Rng>& rng) {
  kernel_.schedule_after(wait, [this, backoff, epoch, rng] {
    // A crash or a new node ends this chain: the engine starts another.
    if (!up_ || epoch != session_epoch_ || !swarm() || node_id_.empty()) return;
    const SwarmNodeRecord* n = swarm()->node(node_id_);
    if (!n || (n->registered && !session_lost_)) return;
    auto retry = [this, backoff, epoch, rng] {
      const Duration next = std::min(kInitialSessionBackoff + 2 * backoff, kMaxSessionBackoff);
      const auto start = static_cast<Duration>(rng->uniform_u64(static_cast<std::uint64_t>(next)));
      register_session(start, next, epoch, rng);
    };
    const Instant now = kernel_.now();
    // The dispatcher refuses a node's fourth registration within 8 s.
    if (registrations_[0] > now - kRegistrationRatePeriod) {
      ++registrations_refused_;
      return retry();
    }
    registrations_[0] = registrations_[1];
    registrations_[1] = registrations_[2];
    registrations_[2] = now;
    LeaderCapacity& cap = swarm()->capacity();
    if (!swarm()->leader_id()) return retry();
    const Instant deadline = now + cap.spec().heartbeat_deadline_ns;
    const std::size_t number = swarm()->number();
    // The engine's own deadline: an answer that does not come (late, or
    // lost with a leader change) is given up on, and the engine tries again.
    auto over = std::make_shared<bool>(false);
    const TimerId gives_up = kernel_.schedule_at(deadline, [over, retry] {
      if (*over) return;
      *over = true;
      retry();
    });
    const bool queued = cap.cpu().submit(
        static_cast<std::size_t>(LeaderClass::Register), cap.spec().register_cost_ns, deadline,
        [this, epoch, over, gives_up, number] {
          if (*over) return;  // answered after the engine stopped waiting
          *over = true;
          kernel_.cancel(gives_up);
          if (!up_ || epoch != session_epoch_) return;
          // The node's update takes effect with the leader's next commit.
          const Instant commit = env_.swarm(number).capacity().next_commit(kernel_.now());
          kernel_.schedule_at(commit, [this, epoch] {
            if (!up_ || epoch != session_epoch_) return;
            registered();
          });
        });
    if (!queued) {
      *over = true;
      kernel_.cancel(gives_up);
      retry();
    }
  });
}

void EngineSim::registered() {
  if (!swarm()) return;
  const std::string id = node_id_;
  const SwarmNodeRecord* n = swarm()->node(id);
  if (!n) return;
  if (session_lost_) {
    session_lost_ = false;
    trace_.record(kernel_.now(), TraceKind::Fault, host().name, id,
                  "registered again: heartbeats resume");
    env_.heartbeats_changed(host_);
    return;
  }
  if (n->registered) return;
  swarm()->register_node(id, host().kernel_hostname, to_string(host().profile.arch));
  Rng busy_rng = env_.rng_for(streams::busy(host().stream_key, id));
  const Duration busy = host().stretch(host().profile.busy_after_join.sample(busy_rng));
  if (busy > 0) {
    busy_until_ = kernel_.now() + busy;
    trace_.record(kernel_.now(), TraceKind::Fault, host().name, id,
                  "busy after join for " + format_duration_ms(busy) + ": no heartbeats");
    kernel_.schedule_at(busy_until_, [this] { env_.heartbeats_changed(host_); });
  }
  env_.heartbeats_changed(host_);
}

void EngineSim::learn_removed() {
  if (!options_.removed_node_sees_error) return;
  error_ = fmt::format("node {} was removed from swarm", node_id_);
  local_ = LocalNodeState::Error;
  trace_.record(kernel_.now(), TraceKind::EngineError, host().name, node_id_, error_);
}

void EngineSim::handle_node_removed(const std::string& node_id) {
  if (node_id != node_id_ || !up_) return;
  learn_removed();
}

void EngineSim::crash() {
  up_ = false;
  ++join_attempt_;
  if (local_ == LocalNodeState::Pending) local_ = LocalNodeState::Inactive;
  env_.heartbeats_changed(host_);
}

void EngineSim::reboot() {
  up_ = true;
  busy_until_ = 0;
  // Swarm state survives on disk; a node removed while the engine was down
  // is discovered at start-up.
  if (!node_id_.empty() && local_ == LocalNodeState::Active && swarm()) {
    const SwarmNodeRecord* n = swarm()->node(node_id_);
    if (!n)
      learn_removed();
    else if (!n->registered)
      schedule_registration();
    else if (session_lost_) {
      session_lost_ = false;  // it registers again, as after any restart
      session_lost();
    }
  }
  env_.heartbeats_changed(host_);
}

}  // namespace swarmsim::sim
