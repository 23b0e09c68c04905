#include "live/agent.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "api/cattle_wire.hpp"
#include "api/docker_wire.hpp"
#include "api/metadata_wire.hpp"

namespace swarmsim::live {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using model::ApiError;
using model::Response;
using Reply = std::function<void(Response)>;
using SteadyClock = std::chrono::steady_clock;

namespace {

template <typename T>
std::string meta_text(const model::MetaAnswer<T>& a, const std::string& json_text) {
  switch (a.kind) {
    case model::MetaAnswerKind::Json:
      return json_text;
    case model::MetaAnswerKind::Empty:
      return "empty body";
    case model::MetaAnswerKind::NotFound:
      return "Not found (404)";
  }
  return json_text;
}

// Whether a response is an answer: an error, an empty metadata body and a
// metadata `Not found` are not.
bool succeeded(const Response& r) {
  return std::visit(
      [](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, ApiError>)
          return false;
        else if constexpr (requires {
                             a.kind;
                             a.value;
                           })
          return a.kind == model::MetaAnswerKind::Json;
        else
          return true;
      },
      r);
}

}  // namespace

std::string LiveAgent::describe(const Response& r) {
  return std::visit(
      [](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, ApiError>) {
          if (a.status == 0) return "no connection: " + a.message;
          return fmt::format("{} {}", a.status, a.message);
        } else if constexpr (std::is_same_v<T, model::Ok>) {
          return "ok";
        } else if constexpr (std::is_same_v<T, model::SwarmInfo>) {
          return fmt::format("swarm {}{}{}", to_string(a.LocalNodeState_),
                             a.NodeID.empty() ? "" : ", node " + a.NodeID,
                             a.ControlAvailable ? ", manager" : "");
        } else if constexpr (std::is_same_v<T, model::JoinTokens>) {
          return "the join tokens (not shown)";
        } else if constexpr (std::is_same_v<T, model::NodeList>) {
          return fmt::format("{} nodes", a.size());
        } else if constexpr (std::is_same_v<T, model::MetaAnswer<model::MetaHost>>) {
          return meta_text(a, "host " + a.value.hostname + " " + a.value.uuid);
        } else if constexpr (std::is_same_v<T, model::MetaAnswer<model::HostList>>) {
          return meta_text(a, fmt::format("{} hosts", a.value.size()));
        } else if constexpr (std::is_same_v<T, model::MetaAnswer<model::ContainerList>>) {
          return meta_text(a, fmt::format("{} containers", a.value.size()));
        } else if constexpr (std::is_same_v<T, model::MetaAnswer<model::ServiceMetadata>>) {
          return meta_text(a, fmt::format("service metadata: tokens {}, {} departure notes",
                                          a.value.worker_token.empty() ? "not published"
                                                                       : "published (not shown)",
                                          a.value.departed.size()));
        } else if constexpr (std::is_same_v<T, model::CattleHostList>) {
          return fmt::format("{} hosts", a.size());
        } else if constexpr (std::is_same_v<T, model::SavedToken>) {
          return a.worker_token.empty() ? "no saved token" : "a saved token (not shown)";
        } else if constexpr (std::is_same_v<T, model::LeftNode>) {
          return a.node_id.empty()
                     ? "no node left behind"
                     : fmt::format("node {} left behind by host {}", a.node_id, a.host_uuid);
        } else {
          return "?";
        }
      },
      r);
}

struct LiveAgent::Impl : std::enable_shared_from_this<LiveAgent::Impl> {
  Impl(asio::io_context& io_, AgentConfig c)
      : io(io_),
        config(std::move(c)),
        started(SteadyClock::now()),
        wall_start(std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()) {}

  asio::io_context& io;
  AgentConfig config;
  SteadyClock::time_point started;
  Instant wall_start;
  std::unique_ptr<model::Agent> logic;
  std::map<model::RequestId, std::unique_ptr<asio::steady_timer>> sleeps;
  bool in_flight = false;
  bool stopping = false;
  std::function<void()> on_stopped;
  bool stopped = false;
  std::optional<std::string> api_version;  // negotiated with the engine
  std::string saved_token;                 // when there is no state directory
  model::LeftNode saved_left_node;         // likewise
  std::optional<std::string> fault;

  // The logic's clock: the wall clock at start, then running time_scale
  // times as fast as the steady clock.
  Instant now() const {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started);
    return wall_start +
           static_cast<Instant>(static_cast<double>(elapsed.count()) * config.time_scale);
  }
  std::chrono::milliseconds scaled(std::chrono::milliseconds d) const {
    const auto ms = static_cast<std::int64_t>(static_cast<double>(d.count()) / config.time_scale);
    return std::chrono::milliseconds(std::max<std::int64_t>(ms, 1));
  }

  void pump() {
    while (logic && !stopping) {
      if (const auto& f = logic->fault()) {
        fault = *f;
        stopping = true;
        if (config.on_fault) config.on_fault(*f);
        return;
      }
      auto action = logic->poll_action();
      if (!action) return;
      if (auto* sleep = std::get_if<model::Sleep>(&*action)) {
        auto timer = std::make_unique<asio::steady_timer>(io);
        timer->expires_after(std::chrono::nanoseconds(static_cast<std::int64_t>(
            static_cast<double>(sleep->duration_ns) / config.time_scale)));
        const auto id = sleep->id;
        timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
          self->sleeps.erase(id);
          if (ec || self->stopping || !self->logic) return self->finish_stop();
          self->logic->handle_wakeup(self->now(), id);
          self->pump();
        });
        sleeps[id] = std::move(timer);
      } else {
        execute(std::get<model::Call>(*action));
      }
    }
  }

  void finish_stop() {
    if (!stopping || in_flight || !sleeps.empty() || !on_stopped) return;
    auto done = std::move(on_stopped);
    on_stopped = nullptr;
    stopped = true;
    done();
  }

  void execute(const model::Call& call) {
    in_flight = true;
    const auto t0 = SteadyClock::now();
    auto self = shared_from_this();
    Reply reply = [self, call, t0](Response r) {
      // Always on a fresh turn of the io_context, never inside pump().
      asio::post(self->io, [self, call, t0, r = std::move(r)] { self->answered(call, t0, r); });
    };
    dispatch(call.request, std::move(reply));
  }

  void answered(const model::Call& call, SteadyClock::time_point t0, const Response& r) {
    in_flight = false;
    if (config.report) {
      nlohmann::ordered_json j;
      j["time"] = api::rfc3339(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
      j["request"] = model::request_name(call.request);
      if (auto args = model::request_arguments(call.request); !args.empty()) j["arguments"] = args;
      if (const model::Request* p = logic ? logic->procedure() : nullptr) {
        const std::string args = model::request_arguments(*p);
        j["procedure"] = args.empty() ? std::string(model::request_name(*p)) : args;
      }
      j["why"] = call.why;
      if (call.pass != 0) j["pass"] = call.pass;
      if (call.eviction) j["eviction"] = true;
      j["outcome"] = describe(r);
      j["ok"] = succeeded(r);
      j["latency_ms"] = std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count();
      config.report(j);
    }
    if (stopping || !logic) return finish_stop();
    logic->handle_response(now(), call.id, r);
    pump();
  }

  // ---- where each request goes ----------------------------------------
  void dispatch(const model::Request& req, Reply reply) {
    switch (model::service_of(req)) {
      case model::Service::Engine:
        return docker(req, reply);
      case model::Service::Metadata:
        return metadata(req, reply);
      case model::Service::Cattle:
        return cattle(api::cattle_to_http(req), [req, reply](HttpResult r) {
          reply(r.response ? api::cattle_answer_from_http(req, *r.response)
                           : Response(ApiError{0, r.error}));
        });
      case model::Service::Disk:
        if (auto* s = std::get_if<model::SaveToken>(&req))
          return reply(save_token(s->worker_token));
        if (auto* s = std::get_if<model::SaveLeftNode>(&req)) return reply(save_left_node(*s));
        if (std::holds_alternative<model::ReadLeftNode>(req)) return reply(read_left_node());
        return reply(read_token());
      case model::Service::Peer:
        return probe(std::get<model::ProbeManager>(req).addr, std::move(reply));
      case model::Service::Procedure:
        break;
    }
    reply(ApiError{500, std::string("the live agent carries single requests, not the procedure ") +
                            model::request_name(req)});
  }

  // Docker Engine API, behind the version the engine agreed to.
  void docker(const model::Request& req, const Reply& reply) {
    if (!api_version) {
      async_http(io, config.docker, {"GET", "/_ping", ""}, {}, scaled(config.docker_timeout),
                 [self = shared_from_this(), req, reply](HttpResult r) {
                   if (!r.response)
                     return reply(ApiError{0, "Cannot connect to the Docker daemon: " + r.error});
                   const auto v = api::negotiate(*r.response);
                   if (!v)
                     return reply(ApiError{
                         400, "the Docker engine's API is older than 1.24 (no swarm mode)"});
                   self->api_version = *v;
                   self->docker(req, reply);
                 });
      return;
    }
    api::HttpRequest h = api::to_http(req);
    h.target = "/v" + *api_version + h.target;
    async_http(io, config.docker, h, {}, scaled(config.docker_timeout),
               [self = shared_from_this(), req, reply](HttpResult r) {
                 if (!r.response) {
                   self->api_version.reset();  // the engine may come back another version
                   return reply(ApiError{0, "Cannot connect to the Docker daemon: " + r.error});
                 }
                 reply(api::from_http(req, *r.response));
               });
  }

  void metadata(const model::Request& req, const Reply& reply) {
    async_http(io, config.metadata, api::metadata_to_http(req, config.metadata_prefix),
               {{"Accept", "application/json"}}, scaled(config.metadata_timeout),
               [req, reply](HttpResult r) {
                 if (!r.response) return reply(ApiError{0, r.error});
                 reply(api::metadata_answer_from_http(req, *r.response));
               });
  }

  void cattle(const api::HttpRequest& h, std::function<void(HttpResult)> done) {
    async_http(io, config.cattle, h,
               {{"Authorization", api::basic_auth(config.access_key, config.secret_key)},
                {"Accept", "application/json"}},
               scaled(config.cattle_timeout), std::move(done));
  }

  // ---- the host's disk --------------------------------------------------
  // Files in the state directory; without one, the agent's memory (a test).
  std::string state_path(const char* name) const { return config.state_dir + "/" + name; }
  // The file's first line; nullopt when there is no file.
  std::optional<std::string> read_state(const char* name) const {
    std::ifstream in(state_path(name));
    if (!in) return std::nullopt;
    std::string line;
    std::getline(in, line);
    return line;
  }
  // A new file beside the old one, renamed over it: a crash leaves one or
  // the other, never half of one.
  Response write_state(const char* name, const std::string& line) const {
    const std::string path = state_path(name), tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return ApiError{500, "cannot write " + tmp};
    ::chmod(tmp.c_str(), 0600);
    const bool ok = std::fputs((line + "\n").c_str(), f) >= 0;
    if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
      std::remove(tmp.c_str());
      return ApiError{500, "cannot write " + path};
    }
    return model::Ok{};
  }
  Response read_token() {
    if (config.state_dir.empty()) return model::SavedToken{saved_token};
    return model::SavedToken{read_state("worker-token").value_or("")};  // none: never joined
  }
  Response save_token(const std::string& token) {
    if (config.state_dir.empty()) {
      saved_token = token;
      return model::Ok{};
    }
    return write_state("worker-token", token);
  }
  // `left-node`: "NODE_ID HOST_UUID" (neither holds a space).
  Response read_left_node() {
    if (config.state_dir.empty()) return saved_left_node;
    const std::string line = read_state("left-node").value_or("");
    const auto space = line.find(' ');
    if (space == std::string::npos)
      return model::LeftNode{};  // none, or not ours: nothing to watch
    return model::LeftNode{line.substr(0, space), line.substr(space + 1)};
  }
  Response save_left_node(const model::SaveLeftNode& left) {
    if (config.state_dir.empty()) {
      saved_left_node = model::LeftNode{left.node_id, left.host_uuid};
      return model::Ok{};
    }
    return write_state("left-node", left.node_id + " " + left.host_uuid);
  }

  // ---- `nc -z ADDR 2377` ----------------------------------------------------
  void probe(const std::string& addr, Reply reply) {
    const auto colon = addr.rfind(':');
    const std::string ip = addr.substr(0, colon);
    Endpoint to{"", ip, 2377};
    if (colon != std::string::npos)
      to.port = static_cast<std::uint16_t>(std::atoi(addr.c_str() + colon + 1));
    if (auto it = config.resolve.find(ip); it != config.resolve.end()) to = it->second;
    struct Probe {
      explicit Probe(asio::io_context& io) : socket(io), timer(io), resolver(io) {}
      tcp::socket socket;
      asio::steady_timer timer;
      tcp::resolver resolver;
      Reply reply;
      bool done = false;
      void finish(Response r) {
        if (done) return;
        done = true;
        boost::system::error_code ignored;
        timer.cancel();
        resolver.cancel();
        socket.close(ignored);
        reply(std::move(r));
      }
    };
    auto p = std::make_shared<Probe>(io);
    p->reply = std::move(reply);
    p->timer.expires_after(scaled(config.probe_timeout));
    p->timer.async_wait([p](const boost::system::error_code& ec) {
      if (!ec) p->finish(ApiError{0, "connection timed out"});
    });
    p->resolver.async_resolve(
        to.host, std::to_string(to.port),
        [p](const boost::system::error_code& ec, const tcp::resolver::results_type& found) {
          if (ec) return p->finish(ApiError{0, "no route to host: " + ec.message()});
          asio::async_connect(p->socket, found,
                              [p](const boost::system::error_code& ec2, const tcp::endpoint&) {
                                if (ec2) return p->finish(ApiError{0, ec2.message()});
                                p->finish(model::Ok{});
                              });
        });
  }
};

void LiveAgent::carry_out(const model::Request& request,
                          std::function<void(model::Response)> done) {
  impl_->dispatch(request, [io = &impl_->io, done = std::move(done)](Response r) {
    asio::post(*io, [done, r = std::move(r)] { done(r); });
  });
}

LiveAgent::LiveAgent(asio::io_context& io, AgentConfig config)
    : impl_(std::make_shared<Impl>(io, std::move(config))) {}

LiveAgent::~LiveAgent() {
  impl_->stopping = true;
  for (auto& [id, timer] : impl_->sleeps) timer->cancel();
}

void LiveAgent::start() {
  impl_->logic = std::make_unique<model::Agent>(impl_->config.mon);
  impl_->logic->handle_start(impl_->now());
  impl_->pump();
}

void LiveAgent::stop(std::function<void()> done) {
  impl_->stopping = true;
  impl_->on_stopped = std::move(done);
  for (auto& [id, timer] : impl_->sleeps) timer->cancel();
  impl_->finish_stop();
}

const std::optional<std::string>& LiveAgent::fault() const {
  return impl_->fault;
}

bool LiveAgent::stopped() const {
  return impl_->stopped;
}

}  // namespace swarmsim::live
