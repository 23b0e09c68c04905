#include "live/serve_world.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>

#include "api/docker_wire.hpp"
#include "sim/engine_sim.hpp"
#include "sim/world.hpp"

namespace swarmsim::live {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// Runs the kernel in step with the wall clock: at every wake-up, every event
// due by now (in virtual time) runs; then it sleeps until the next event is
// due, or 100 ms, whichever comes first, so that a stop request is seen.
class RealTime {
 public:
  RealTime(asio::io_context& io, sim::World& world, Instant end, const ServeOptions& o)
      : io_(io), world_(world), end_(end), o_(o), timer_(io), wall_start_(Clock::now()),
        virtual_start_(world.kernel().now()) {}

  Instant virtual_now() const {
    const auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - wall_start_);
    return virtual_start_ + static_cast<Instant>(static_cast<double>(wall.count()) * o_.speed);
  }

  void tick() {
    sim::Kernel& k = world_.kernel();
    k.run_until(std::min(virtual_now(), end_));
    const bool stopped = o_.stop != nullptr && o_.stop->load();
    if (k.now() >= end_ || k.stop_requested() || stopped) {
      timer_.cancel();
      io_.stop();
      return;
    }
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

 private:
  asio::io_context& io_;
  sim::World& world_;
  Instant end_;
  const ServeOptions& o_;
  asio::steady_timer timer_;
  Clock::time_point wall_start_;
  Instant virtual_start_;
};

api::HttpResponse no_daemon() {
  return {503, nlohmann::json{{"message", "Cannot connect to the Docker daemon: the host is not running"}}.dump()};
}

}  // namespace

std::function<void(sim::World&, Instant)> serve_driver(const sim::ScenarioSpec& spec, ServeOptions o) {
  std::vector<std::string> names;
  for (const auto& e : spec.events)
    if (e.kind == sim::EventKind::AddHost && std::find(names.begin(), names.end(), e.host) == names.end())
      names.push_back(e.host);
  return [names, o](sim::World& world, Instant end) {
    asio::io_context io;
    RealTime clock(io, world, end, o);
    // Instant 0 of the world is the wall-clock time serving started, so that
    // CreatedAt reads "seconds ago" in `docker node ls`.
    const Instant epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          world.kernel().now();
    std::vector<std::unique_ptr<HttpServer>> servers;
    std::vector<ServedHost> served;
    for (const auto& name : names) {
      auto handler = [&world, &clock, name, epoch](const api::HttpRequest& r, const Headers&,
                                                   HttpServer::Respond respond) {
        if (auto v = api::version_answer(r)) return respond(*v);
        std::optional<model::Request> call;
        try {
          call = api::from_http(r);
        } catch (const api::WireError& e) {
          return respond({400, nlohmann::json{{"message", e.what()}}.dump()});
        }
        if (!call) return respond({404, nlohmann::json{{"message", "page not found"}}.dump()});
        sim::HostSim* h = world.host_named(name);
        if (h == nullptr || !h->machine_on || !h->engine || !h->engine->up()) return respond(no_daemon());
        const model::Request request = *call;
        h->engine->handle(model::Call{0, request, "a client of swarmsim serve", false, 0},
                          [respond, request, epoch](model::Response answer) {
                            respond(api::to_http(request, answer, epoch));
                          });
        clock.poke();
      };
      servers.push_back(std::make_unique<HttpServer>(io, Endpoint{"", o.bind, 0}, handler));
      served.push_back({name, servers.back()->local()});
    }
    if (o.on_ready) o.on_ready(served);
    clock.tick();
    io.run();
  };
}

}  // namespace swarmsim::live
