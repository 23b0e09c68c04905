#include "live/serve_world.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "api/cattle_wire.hpp"
#include "api/docker_wire.hpp"
#include "api/metadata_wire.hpp"
#include "sim/checkers.hpp"
#include "sim/engine_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/world.hpp"

namespace swarmsim::live {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Runs the kernel in step with the wall clock: at every wake-up, every event
// due by now (in virtual time) runs; then it sleeps until the next event is
// due, or 100 ms, whichever comes first, so that a stop request is seen.
class RealTime {
 public:
  RealTime(asio::io_context& io, sim::World& world, Instant end, const ServeOptions& o)
      : io_(io),
        world_(world),
        end_(end),
        o_(o),
        timer_(io),
        wall_start_(Clock::now()),
        virtual_start_(world.kernel().now()) {}

  Instant virtual_now() const {
    const auto wall =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - wall_start_);
    return virtual_start_ + static_cast<Instant>(static_cast<double>(wall.count()) * o_.speed);
  }

  // Runs what is due by now; whether the world goes on.
  bool catch_up() {
    sim::Kernel& k = world_.kernel();
    if (!over()) k.run_until(std::min(virtual_now(), end_));
    if (after_run) after_run();
    return !over();
  }

  void tick() {
    if (!catch_up()) {
      timer_.cancel();
      io_.stop();
      return;
    }
    sim::Kernel& k = world_.kernel();
    Instant wake = std::min(k.next_event_at().value_or(end_), end_);
    auto at = wall_start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                static_cast<double>(wake - virtual_start_) / o_.speed));
    at = std::min(at, Clock::now() + std::chrono::milliseconds(100));
    timer_.expires_at(at);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) tick();
    });
  }

  // Something outside scheduled events: run what is due at once.
  void poke() {
    asio::post(io_, [this] { tick(); });
  }

  std::function<void()> after_run;

 private:
  bool over() const {
    const sim::Kernel& k = world_.kernel();
    return k.now() >= end_ || k.stop_requested() || (o_.stop != nullptr && o_.stop->load());
  }
  asio::io_context& io_;
  sim::World& world_;
  Instant end_;
  const ServeOptions& o_;
  asio::steady_timer timer_;
  Clock::time_point wall_start_;
  Instant virtual_start_;
};

api::HttpResponse message(int status, const std::string& text) {
  return {status, nlohmann::json{{"message", text}}.dump()};
}

// A host's port 2377: listening while its engine is a reachable manager,
// closed otherwise, so that a probe's TCP connect succeeds or is refused
// as it would be. The port is picked once and kept.
class SwarmPort {
 public:
  SwarmPort(asio::io_context& io, const std::string& bind) : bind_(bind), acceptor_(io) {
    open(0);
    port_ = acceptor_.local_endpoint().port();
    close();
  }
  std::uint16_t port() const { return port_; }
  void set_listening(bool want) {
    if (want == acceptor_.is_open()) return;
    if (!want) return close();
    try {
      open(port_);
    } catch (const boost::system::system_error& e) {  // taken meanwhile: stays refused
      std::cerr << fmt::format("swarmsim serve: cannot listen on {}:{} again: {}\n", bind_, port_,
                               e.what());
      close();
    }
  }

 private:
  void open(std::uint16_t port) {
    const tcp::endpoint at(asio::ip::make_address(bind_), port);
    acceptor_.open(at.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    accept_next();
  }
  void close() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }
  void accept_next() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
      if (ec) return;
      boost::system::error_code ignored;
      s.close(ignored);
      accept_next();
    });
  }
  std::string bind_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

std::string random_key(std::size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof(kAlphabet) - 2);
  std::string key;
  for (std::size_t i = 0; i < length; ++i) key += kAlphabet[pick(device)];
  return key;
}

// The keys, where only the user can read them: written beside, then renamed.
void write_cattle_env(const std::string& path, const std::string& url, const std::string& access,
                      const std::string& secret) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + tmp);
  ::chmod(tmp.c_str(), 0600);
  const bool ok = std::fprintf(f, "CATTLE_URL=%s\nCATTLE_ACCESS_KEY=%s\nCATTLE_SECRET_KEY=%s\n",
                               url.c_str(), access.c_str(), secret.c_str()) > 0;
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot write " + path);
  }
}

const std::string* header(const Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(a) == std::tolower(b);
        }))
      return &v;
  return nullptr;
}

// Everything served, and the handlers, for one run.
class Served {
 public:
  Served(asio::io_context& io, sim::World& world, RealTime& clock, const ServeOptions& o,
         Instant epoch)
      : io_(io), world_(world), clock_(clock), o_(o), epoch_(epoch) {}

  ServedWorld open(const sim::ScenarioSpec& spec) {
    ServedWorld out;
    out.run_dir = o_.run_dir;
    for (const auto& planned : sim::planned_agent_ips(spec)) {
      const std::string& name = planned.first;
      if (std::any_of(out.hosts.begin(), out.hosts.end(),
                      [&](const ServedHost& h) { return h.name == name; }))
        continue;  // a name added again as a new machine: its first address is printed
      ServedHost h;
      h.name = name;
      h.addr = planned.second;
      h.external = o_.external.count(name) > 0;
      servers_.push_back(
          std::make_unique<HttpServer>(io_, Endpoint{"", o_.bind, 0}, engine_handler(name)));
      h.engine = servers_.back()->local();
      servers_.push_back(std::make_unique<HttpServer>(
          io_, Endpoint{o_.run_dir + "/" + name + ".docker.sock", "", 0}, engine_handler(name)));
      h.engine_socket = servers_.back()->local();
      servers_.push_back(
          std::make_unique<HttpServer>(io_, Endpoint{"", o_.bind, 0}, metadata_handler(name)));
      h.metadata = servers_.back()->local();
      swarm_ports_.emplace_back(name, std::make_unique<SwarmPort>(io_, o_.bind));
      h.swarm_port = Endpoint{"", o_.bind, swarm_ports_.back().second->port()};
      out.hosts.push_back(h);
    }
    access_key_ = random_key(20);
    secret_key_ = random_key(40);
    servers_.push_back(
        std::make_unique<HttpServer>(io_, Endpoint{"", o_.bind, 0}, cattle_handler()));
    out.cattle = servers_.back()->local();
    out.cattle_env_file = o_.run_dir + "/cattle.env";
    write_cattle_env(out.cattle_env_file,
                     fmt::format("http://{}:{}/v1", out.cattle.host, out.cattle.port), access_key_,
                     secret_key_);
    return out;
  }

  // Opens or closes each host's port 2377 as its engine's role says.
  void sync_swarm_ports() {
    for (auto& [name, port] : swarm_ports_) {
      const sim::HostSim* h = world_.host_named(name);
      port->set_listening(h != nullptr && h->machine_on && h->engine && h->engine->up() &&
                          h->engine->info().ControlAvailable);
    }
  }

 private:
  sim::HostSim* running_host(const std::string& name) {
    sim::HostSim* h = world_.host_named(name);
    if (h == nullptr || !h->machine_on) return nullptr;
    return h;
  }

  HttpServer::Handler engine_handler(const std::string& name) {
    return [this, name](const api::HttpRequest& r, const Headers&,
                        const HttpServer::Respond& respond) {
      if (auto v = api::version_answer(r)) return respond(*v);
      std::optional<model::Request> call;
      try {
        call = api::from_http(r);
      } catch (const api::WireError& e) {
        return respond(message(400, e.what()));
      }
      if (!call) return respond(message(404, "page not found"));
      clock_.catch_up();
      sim::HostSim* h = running_host(name);
      if (h == nullptr || !h->engine || !h->engine->up())
        return respond(
            message(503, "Cannot connect to the Docker daemon: the host is not running"));
      const model::Request request = *call;
      h->engine->handle(model::Call{0, request, sim::kOutsideClientWhy, false, 0},
                        [respond, request, epoch = epoch_](const model::Response& answer) {
                          respond(api::to_http(request, answer, epoch));
                        });
      clock_.poke();
    };
  }

  HttpServer::Handler metadata_handler(const std::string& name) {
    return [this, name](const api::HttpRequest& r, const Headers&,
                        const HttpServer::Respond& respond) {
      const auto read = api::metadata_from_http(r);
      if (!read) return respond({404, "Not found"});
      clock_.catch_up();
      sim::HostSim* h = running_host(name);
      if (h == nullptr || !h->metadata || !h->metadata->running())
        return respond(message(503, "the metadata service is not running on this host"));
      sim::MetadataReplicaSim& md = *h->metadata;
      if (std::holds_alternative<model::MetaSelfHost>(*read)) {
        // An outside agent starts a loop, so the one before it ran to its
        // end: what the built-in one notes for the checkers.
        const Instant now = world_.kernel().now();
        if (h->external_agent && h->engine->up() && !h->engine->node_id().empty()) {
          auto last = loop_started_.find(h->index);
          if (last != loop_started_.end())
            world_.loop_ran_to_end(h->index, h->engine->node_id(), last->second);
        }
        loop_started_[h->index] = now;
        return respond(api::metadata_answer_to_http(md.self_host()));
      }
      if (std::holds_alternative<model::MetaHosts>(*read))
        return respond(api::metadata_answer_to_http(md.hosts()));
      if (std::holds_alternative<model::MetaServiceContainers>(*read))
        return respond(api::metadata_answer_to_http(md.containers()));
      respond(api::metadata_answer_to_http(md.service_metadata()));
    };
  }

  HttpServer::Handler cattle_handler() {
    return [this](const api::HttpRequest& r, const Headers& headers,
                  const HttpServer::Respond& respond) {
      const std::string* auth = header(headers, "Authorization");
      const auto keys = auth ? api::parse_basic_auth(*auth) : std::nullopt;
      if (!keys || keys->first != access_key_ || keys->second != secret_key_) {
        return respond({401,
                        nlohmann::json{{"type", "error"},
                                       {"status", 401},
                                       {"code", "Unauthorized"},
                                       {"message", "Unauthorized"}}
                            .dump(),
                        {{"WWW-Authenticate", "Basic realm=\"Rancher API\""}}});
      }
      std::optional<model::Request> call;
      try {
        call = api::cattle_from_http(r);
      } catch (const api::WireError& e) {
        return respond(message(400, e.what()));
      }
      if (!call) return respond(message(404, "Not Found"));
      clock_.catch_up();
      respond(answer(*call));
      clock_.poke();
    };
  }

  // Served by CattleSim, as the simulated agents are; then rendered as
  // Rancher renders it (a PUT answers with the object as it now is). Over
  // the wire a PUT carries no copy of what its writer read, so what it
  // reverts is not reported.
  api::HttpResponse answer(const model::Request& call) {
    sim::CattleSim& cattle = world_.cattle();
    const model::Response r =
        cattle.serve(world_.kernel().now(), call, {"a client of the served Cattle API"});
    if (auto* e = std::get_if<model::ApiError>(&r))
      return message(e->status, e->status == 404 ? "Not Found" : e->message);
    if (auto* hosts = std::get_if<model::CattleHostList>(&r)) {
      if (std::holds_alternative<model::CattleListHosts>(call))
        return {200, api::cattle_hosts_to_json(*hosts).dump()};
      return {200, api::cattle_host_to_json(hosts->front()).dump()};
    }
    if (auto* c = std::get_if<model::MetaAnswer<model::ContainerList>>(&r))
      return {200, api::cattle_containers_to_json(c->value).dump()};
    if (auto* p = std::get_if<model::CattlePutHostLabels>(&call))
      return {200, api::cattle_host_to_json(*cattle.shared_host(p->host_uuid)).dump()};
    return {200, api::cattle_service_to_json(cattle.service()).dump()};
  }

  asio::io_context& io_;
  sim::World& world_;
  RealTime& clock_;
  const ServeOptions& o_;
  Instant epoch_;
  std::string access_key_, secret_key_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  std::vector<std::pair<std::string, std::unique_ptr<SwarmPort>>> swarm_ports_;
  std::map<sim::HostIndex, Instant> loop_started_;  // an outside agent's last read of its host
};

}  // namespace

std::function<void(sim::World&, Instant)> serve_driver(const sim::ScenarioSpec& spec,
                                                       const ServeOptions& o) {
  return [spec, o](sim::World& world, Instant end) {
    asio::io_context io;
    RealTime clock(io, world, end, o);
    // Instant 0 of the world is the wall-clock time serving started, so that
    // CreatedAt reads "seconds ago" in `docker node ls`.
    const Instant epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          world.kernel().now();
    Served served(io, world, clock, o, epoch);
    const ServedWorld endpoints = served.open(spec);
    clock.after_run = [&served] { served.sync_swarm_ports(); };
    if (o.on_ready) o.on_ready(endpoints);
    clock.tick();
    io.run();
  };
}

}  // namespace swarmsim::live
