// `swarmsim serve`: a simulated world run in real time (times a speed
// factor) on an Asio io_context, its fakes answering real clients over
// loopback sockets, through the same codecs the live agent uses (api/):
//
//   per host   its Docker Engine API, on a TCP port of 127.0.0.1 and on a
//              unix socket in the run directory, answered by the host's
//              simulated engine and the swarm; its metadata replica over
//              HTTP, with the replica's lag, stalls and empty answers; and
//              its swarm port (2377), which accepts connections while the
//              host's engine is a reachable manager, as a probe needs
//   once       the Cattle API, with API keys made up for the run and
//              written to `cattle.env` in the run directory (mode 0600,
//              never printed); a wrong key gets 401
//
// Every host's endpoints exist from the start. Until a host is added (and
// while its machine or engine is down) its engine answers as a missing
// daemon does (503), and so does its metadata service.
//
// A host named external runs no built-in swarmkit-mon: an outside process
// (build/bin/swarmkit-mon) plays its agent through these endpoints. The
// world keeps for it the bookkeeping the built-in agent keeps for the
// checkers: the loops it starts (a read of /self/host while its engine holds
// a node). The checkers cannot tie an outside client's removal to a
// reconcile pass, so the pass-level promises (removals per pass, removals
// after a failed read) are not checked for it; spurious evictions are.
#pragma once

#include <atomic>
#include <functional>
#include <set>
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
  Endpoint engine;         // TCP
  Endpoint engine_socket;  // unix socket in the run directory
  Endpoint metadata;       // serves /2015-12-19/...
  Endpoint swarm_port;     // stands for ADDR:2377
  std::string addr;        // the agent_ip the host will have (see sim::planned_agent_ips)
  bool external = false;
};

struct ServedWorld {
  std::vector<ServedHost> hosts;
  Endpoint cattle;              // serves /v1/...
  std::string cattle_env_file;  // CATTLE_URL, CATTLE_ACCESS_KEY, CATTLE_SECRET_KEY
  std::string run_dir;
};

struct ServeOptions {
  double speed = 1.0;              // virtual seconds per wall second
  std::string bind = "127.0.0.1";  // where the ports listen
  std::string run_dir;             // unix sockets and cattle.env; must exist
  std::set<std::string> external;  // hosts whose swarmkit-mon runs outside
  // Called once every port listens, before the world starts.
  std::function<void(const ServedWorld&)> on_ready;
  // Set from outside (a signal) to end serving early.
  const std::atomic<bool>* stop = nullptr;
};

// The sim::RunOptions::drive that serves the world while running it in real
// time until `end` (or until stopped, or until the run's first safety
// violation when the run stops there). Throws boost::system::system_error
// when a port cannot be opened, std::runtime_error when the run directory
// cannot be written.
std::function<void(sim::World&, Instant)> serve_driver(const sim::ScenarioSpec& spec,
                                                       const ServeOptions& o);

}  // namespace swarmsim::live
