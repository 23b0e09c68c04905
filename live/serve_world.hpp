// `swarmsim serve`: a simulated world run in real time (times a speed
// factor) on an Asio io_context, its fakes answering real clients over
// loopback sockets.
//
// So far each host's Docker Engine API is served on a TCP port of
// 127.0.0.1, answered by that host's simulated engine through the same
// codec the live agent uses (api/docker_wire): `docker -H tcp://...` works
// against it for the calls the codec knows. A host's port exists from the
// start; until the host is added (or while its machine or engine is down)
// it answers as a missing daemon does (503). The metadata replicas, the
// Cattle API and external agents are still to come.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "live/http_transport.hpp"
#include "sim/scenario.hpp"

namespace swarmsim::sim {
class World;
}

namespace swarmsim::live {

struct ServedHost {
  std::string name;
  Endpoint engine;
};

struct ServeOptions {
  double speed = 1.0;              // virtual seconds per wall second
  std::string bind = "127.0.0.1";  // where the ports listen
  // Called once every port listens, before the world starts.
  std::function<void(const std::vector<ServedHost>&)> on_ready;
  // Set from outside (a signal) to end serving early.
  const std::atomic<bool>* stop = nullptr;
};

// The sim::RunOptions::drive that serves the world while running it in real
// time until `end` (or until stopped, or until the run's first safety
// violation when the run stops there). Throws boost::system::system_error
// when a port cannot be opened.
std::function<void(sim::World&, Instant)> serve_driver(const sim::ScenarioSpec& spec, ServeOptions o);

}  // namespace swarmsim::live
