#include "sim/mon_sim.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "sim/engine_sim.hpp"
#include "sim/host_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/streams.hpp"

namespace swarmsim::sim {

using model::ApiError;

MonSim::MonSim(Env& env, Kernel& kernel, Trace& trace, RpcSim& rpc, CattleSim& cattle,
               EndpointId rancher_server, Options options, HostIndex host,
               model::MonOptions logic_options)
    : env_(env),
      kernel_(kernel),
      trace_(trace),
      rpc_(rpc),
      cattle_(cattle),
      rancher_server_(rancher_server),
      timing_(options),
      host_(host),
      options_(logic_options) {}
MonSim::~MonSim() = default;

Instant MonSim::local_now() const {
  return kernel_.now() + env_.host(host_).profile.clock_skew_ns;
}

void MonSim::start() {
  ++incarnation_;
  if (env_.host(host_).external_agent) {
    trace_.record(kernel_.now(), TraceKind::AgentStarted, env_.host(host_).name, "",
                  "swarmkit-mon runs outside the simulator (external)");
    return;
  }
  started_at_ = kernel_.now();
  logic_ = std::make_unique<model::Agent>(options_);
  logic_->handle_start(local_now());
  pump();
}

void MonSim::stop() {
  ++incarnation_;
  loop_started_.reset();
  logic_.reset();
}

void MonSim::pump() {
  while (logic_) {
    if (auto& fault = logic_->fault()) {
      env_.report_internal_fault(
          fmt::format("swarmkit-mon on {}: {}", env_.host(host_).name, *fault));
      return;
    }
    auto action = logic_->poll_action();
    if (!action) return;
    if (auto* sleep = std::get_if<model::Sleep>(&*action)) {
      // The loop's own sleep (not a poll's): the loop ran to its end.
      if (sleep->duration_ns == options_.loop_interval_ns && loop_started_) {
        const HostSim& h = env_.host(host_);
        if (h.engine->up() && !h.engine->node_id().empty())
          env_.loop_ran_to_end(host_, h.engine->node_id(), *loop_started_);
        loop_started_.reset();
      }
      const auto inc = incarnation_;
      const auto id = sleep->id;
      kernel_.schedule_after(sleep->duration_ns, [this, inc, id] {
        if (inc != incarnation_ || !logic_) return;
        logic_->handle_wakeup(local_now(), id);
        pump();
      });
    } else {
      execute(std::move(std::get<model::Call>(*action)));
    }
  }
}

namespace {

// What went wrong with a reply, or nothing when it is an answer. Metadata's
// empty bodies and `Not found` count as failures: the script could not tell
// them from an answer, which is how several evictions start.
template <typename T>
std::optional<std::string> meta_failure(const model::MetaAnswer<T>& a) {
  switch (a.kind) {
    case model::MetaAnswerKind::Json:
      return std::nullopt;
    case model::MetaAnswerKind::Empty:
      return "empty body";
    case model::MetaAnswerKind::NotFound:
      return "Not found (404)";
  }
  return std::nullopt;
}

std::optional<std::string> failure_of(const model::Response& r) {
  return std::visit(
      [](const auto& a) -> std::optional<std::string> {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, ApiError>) {
          if (a.status == 0) return "no connection: " + a.message;
          return fmt::format("{} {}", a.status, a.message);
        } else if constexpr (requires {
                               a.kind;
                               a.value;
                             }) {
          return meta_failure(a);
        } else {
          return std::nullopt;
        }
      },
      r);
}

}  // namespace

// A list the removals would rest on that holds nothing: as good as no
// answer for a policy that promises not to act on one.
bool empty_list(const model::Response& r) {
  if (auto* nodes = std::get_if<model::NodeList>(&r)) return nodes->empty();
  if (auto* hosts = std::get_if<model::CattleHostList>(&r)) return hosts->empty();
  if (auto* meta = std::get_if<model::MetaAnswer<model::HostList>>(&r)) return meta->value.empty();
  return false;
}

std::function<void(model::Response)> MonSim::reply_to(const model::Call& call) {
  return
      [this, inc = static_cast<std::uint32_t>(incarnation_),
       id = static_cast<std::uint32_t>(call.id)](const model::Response& r) { deliver(inc, id, r); };
}

void MonSim::deliver(std::uint32_t incarnation, std::uint32_t id, const model::Response& r) {
  if (incarnation != static_cast<std::uint32_t>(incarnation_) || !logic_) return;
  if (id != static_cast<std::uint32_t>(asked_id_)) {
    env_.report_internal_fault(
        fmt::format("swarmkit-mon on {}: a reply to call {} while call {} is in flight",
                    env_.host(host_).name, id, asked_id_));
    return;
  }
  const Asked& asked = asked_;
  const auto failure = failure_of(r);
  if (failure) {
    trace_.record(kernel_.now(), TraceKind::MonCallFailed, env_.host(host_).name, "",
                  std::string(asked.what()) + " -> " + *failure);
  }
  if (asked.decisive && asked.pass != 0) {
    const Instant as_of = asked.served_at ? *asked.served_at : kernel_.now();
    env_.read_decided(host_, asked.pass, as_of, asked.of_hosts);
  }
  if (asked.decisive && asked.pass != 0 && (failure || empty_list(r))) {
    env_.read_failed(host_, asked.pass,
                     std::string(asked.what()) + " -> " + failure.value_or("an empty list"));
  }
  logic_->handle_response(local_now(), asked_id_, r);
  pump();
}

void MonSim::execute(model::Call call) {
  const HostSim& h = env_.host(host_);
  // Pass numbers restart with every run of the logic; with the incarnation
  // in the high bits they are unique per host for the checkers.
  if (call.pass != 0) call.pass |= incarnation_ << 32;
  std::string with_args = model::request_arguments(call.request);
  if (const model::Request* p = logic_->procedure()) {
    // A step of one of the logic's procedures: the trace says which.
    const std::string args = model::request_arguments(*p);
    with_args =
        fmt::format("{}{}{} ({})", model::request_name(call.request), with_args.empty() ? "" : " ",
                    with_args, args.empty() ? model::request_name(*p) : args);
  }
  asked_ = Asked{model::request_name(call.request),
                 std::move(with_args),
                 options_.policy.decides_on(call.request),
                 call.pass,
                 {},
                 std::holds_alternative<model::CattleListHosts>(call.request) ||
                     std::holds_alternative<model::MetaHosts>(call.request)};
  asked_id_ = call.id;
  if (std::holds_alternative<model::CattleListHosts>(call.request))
    asked_.served_at = kernel_.now();
  if (std::holds_alternative<model::MetaSelfHost>(call.request) && !loop_started_)
    loop_started_ = kernel_.now();
  if (logic_->procedure_begins()) {
    const model::Request& p = *logic_->procedure();
    if (auto* d = std::get_if<model::CattleNoteDeparture>(&p))
      env_.tie_write_begun(host_, d->node_id);
    if (auto* l = std::get_if<model::CattleSetHostLabel>(&p); l && l->key == model::kNodeIdLabel)
      env_.tie_write_begun(host_, l->value);
  }
  trace_.record_call(kernel_.now(), h.name, asked_.what(), call.why);
  env_.call_made(host_, call.request, logic_->is_leader());
  auto reply = reply_to(call);
  const auto& req = call.request;
  // Local reads are named by the request's index, so that the event fits
  // in std::function without an allocation.
  const auto inc = static_cast<std::uint32_t>(incarnation_);
  const auto kind = static_cast<std::uint32_t>(req.index());

  switch (model::service_of(req)) {
    case model::Service::Metadata: {
      const Duration d = h.stretch(timing_.metadata_latency_ns);
      kernel_.schedule_after(d, [this, inc, kind] {
        if (inc != static_cast<std::uint32_t>(incarnation_) || !logic_) return;
        MetadataReplicaSim& md = *env_.host(host_).metadata;
        const auto id = static_cast<std::uint32_t>(asked_id_);
        if (kind == model::Request(model::MetaSelfHost{}).index())
          deliver(inc, id, md.self_host());
        else if (kind == model::Request(model::MetaHosts{}).index())
          deliver(inc, id, md.hosts());
        else if (kind == model::Request(model::MetaServiceContainers{}).index())
          deliver(inc, id, md.containers());
        else
          deliver(inc, id, md.service_metadata());
      });
      return;
    }
    // The files on the host's disk (the worker token, the node left
    // behind): local, as fast as a metadata read, kept across container
    // and engine restarts.
    case model::Service::Disk: {
      const Duration d = h.stretch(timing_.metadata_latency_ns);
      kernel_.schedule_after(d, [this, req, reply] {
        const HostSim& host = env_.host(host_);
        MachineDisk& disk = env_.disk(host_);
        if (auto* save = std::get_if<model::SaveToken>(&req)) {
          disk.saved_worker_token = save->worker_token;
          reply(model::Ok{});
        } else if (auto* left = std::get_if<model::SaveLeftNode>(&req)) {
          disk.saved_left_node = model::LeftNode{left->node_id, left->host_uuid};
          reply(model::Ok{});
        } else if (std::holds_alternative<model::ReadLeftNode>(req)) {
          const model::LeftNode left = disk.saved_left_node;
          if (!left.node_id.empty())
            trace_.record(kernel_.now(), TraceKind::NoteRecalled, host.name, left.node_id,
                          "the agent reads from the disk that its engine left node " +
                              left.node_id + " behind when host " + left.host_uuid +
                              " was deleted");
          reply(left);
        } else {
          reply(model::SavedToken{disk.saved_worker_token});
        }
      });
      return;
    }
    case model::Service::Cattle:
      return carry_to_cattle(call, std::move(reply));
    case model::Service::Peer: {
      const auto& p = std::get<model::ProbeManager>(req);
      const HostSim* target = env_.host_at_addr(p.addr);
      if (!target) return reply(ApiError{0, "no route to host"});
      const HostIndex t = target->index;
      rpc_.call(
          h.endpoint, target->endpoint,
          [this, t]() -> model::Response {
            const EngineSim& e = *env_.host(t).engine;
            if (e.up() && e.info().ControlAvailable) return model::Ok{};
            return ApiError{0, "connection refused"};
          },
          reply, timing_.probe_timeout_ns);
      return;
    }
    case model::Service::Engine:
      if (!h.engine->up()) return reply(ApiError{0, "Cannot connect to the Docker daemon"});
      return h.engine->handle(call, reply);
    case model::Service::Procedure:
      env_.report_internal_fault(
          fmt::format("swarmkit-mon on {}: the procedure {} reached the simulator", h.name,
                      model::request_name(req)));
      return;
  }
}

// Over the network to the Rancher server, which serves it from CattleSim.
// Writes meet the scenario's write faults.
void MonSim::carry_to_cattle(const model::Call& call, std::function<void(model::Response)> reply) {
  const HostSim& h = env_.host(host_);
  const model::Request& req = call.request;
  if (model::is_cattle_write(req)) {
    cattle_write(
        req,
        [this, req, writer = "swarmkit-mon on " + h.name]() -> model::Response {
          CattleSim::Writer w{writer};
          if (auto* p = std::get_if<model::CattlePutHostLabels>(&req)) {
            auto it = read_labels_.find(p->host_uuid);
            if (it != read_labels_.end()) w.loaded_labels = &it->second;
          } else {
            w.loaded_service = &read_service_;
          }
          return cattle_.serve(kernel_.now(), req, w);
        },
        std::move(reply));
    return;
  }
  const auto inc = static_cast<std::uint32_t>(incarnation_);
  to_cattle(
      req,
      [this, req, inc, id = call.id]() -> model::Response {
        model::Response r = cattle_.serve(kernel_.now(), req, {});
        if (std::holds_alternative<model::CattleListHosts>(req)) {
          // Served at the Rancher server: when, if this call is still the one in flight.
          if (inc == static_cast<std::uint32_t>(incarnation_) && id == asked_id_)
            asked_.served_at = kernel_.now();
        } else if (auto* g = std::get_if<model::CattleGetHost>(&req)) {
          if (auto* got = std::get_if<model::CattleHostList>(&r); got && !got->empty())
            read_labels_[g->host_uuid] = got->front().labels;
        } else if (auto* m = std::get_if<model::MetaAnswer<model::ServiceMetadata>>(&r)) {
          read_service_ = m->value;
        }
        return r;
      },
      std::move(reply));
}

void MonSim::to_cattle(const model::Request& req, std::function<model::Response()> apply,
                       std::function<void(model::Response)> reply) {
  const Duration timeout = timing_.cattle_timeout_ns;
  auto serve = [this, req, apply = std::move(apply), timeout](const RpcSim::Answer& answer) {
    CattleCapacity& cap = env_.cattle_capacity();
    const auto cost = cap.cost_of(req, cattle_.host_count());
    const bool queued =
        cap.api().submit(static_cast<std::size_t>(cost.cls), cost.work, kernel_.now() + timeout,
                         [apply, answer] { answer(apply()); });
    if (!queued) answer(ApiError{503, "Service Unavailable"});
  };
  rpc_.call_async(env_.host(host_).endpoint, rancher_server_, std::move(serve), std::move(reply),
                  timeout);
}

void MonSim::cattle_write(const model::Request& req, std::function<model::Response()> apply,
                          std::function<void(model::Response)> reply) {
  const EndpointId from = env_.host(host_).endpoint;
  const Duration timeout = timing_.cattle_timeout_ns;
  const double error_p = timing_.cattle_write_error_p, timeout_p = timing_.cattle_write_timeout_p;
  if (error_p > 0 || timeout_p > 0) {
    if (!write_faults_)
      write_faults_ = env_.rng_for(streams::cattle_write(env_.host(host_).stream_key));
    const double u = write_faults_->uniform01();
    if (u < error_p) {
      rpc_.call(
          from, rancher_server_,
          []() -> model::Response {
            return ApiError{503, "Service Unavailable"};
          },
          reply, timeout);
      return;
    }
    if (u < error_p + timeout_p) {
      // The server may or may not have applied it; its answer is lost
      // either way, and the client gives up when its time-out is over.
      const bool applied = write_faults_->bernoulli(0.5);
      rpc_.call(
          from, rancher_server_,
          [apply = std::move(apply), applied]() -> model::Response {
            return applied ? apply() : model::Response(model::Ok{});
          },
          [](const model::Response&) {}, timeout);
      kernel_.schedule_after(timeout, [reply = std::move(reply)] {
        reply(ApiError{0, "timeout: the Rancher server did not answer"});
      });
      return;
    }
  }
  to_cattle(req, std::move(apply), std::move(reply));
}

}  // namespace swarmsim::sim
