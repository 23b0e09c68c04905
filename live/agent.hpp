// The live swarmkit-mon: the unchanged logic (model::Agent: SwarmkitMon
// with its Cattle procedures) driven by real time and real I/O on a Boost.Asio io_context, as the
// FoundationDB Net2 runs what Sim2 tests.
//
// It carries requests, routed by model::service_of, and holds no procedure
// of the logic. What each request becomes:
//   Docker Engine calls   HTTP on the engine's socket (unix or TCP), the API
//                         version negotiated with `/_ping` first, and again
//                         after a call finds no engine (it may have been
//                         upgraded while down)
//   metadata reads        HTTP GET on the host's metadata service
//   Cattle calls          HTTP with basic auth (CATTLE_ACCESS_KEY and
//                         CATTLE_SECRET_KEY), one GET or PUT each (the
//                         label write and the service updates are GETs and
//                         PUTs the logic asks for: model/cattle_write.hpp)
//   ProbeManager          a TCP connect to ADDR:2377, with a time-out
//   ReadSavedToken,       the file `worker-token` in the state directory
//     SaveToken           (written to a temporary file and renamed)
//   ReadLeftNode,         the file `left-node` beside it: the node a deleted
//     SaveLeftNode        host's engine left behind, and the host's uuid
//   Sleep                 a steady_timer
// Every call has its own time-out. Sleeps and time-outs are divided by
// `time_scale`, and the clock the logic reads runs that much faster, so that
// a test can run the agent against `swarmsim serve --speed` at the same
// factor.
//
// Each finished call is reported as one JSON object (the time, the
// request, why it was made, the outcome, the latency); nothing in a report
// carries a join token or an API key.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "live/http_transport.hpp"
#include "model/agent.hpp"

namespace swarmsim::live {

struct AgentConfig {
  Endpoint docker;    // the local Docker Engine
  Endpoint metadata;  // the host's metadata service
  std::string metadata_prefix = "/2015-12-19";
  Endpoint cattle;         // the Rancher server's API (CATTLE_URL)
  std::string access_key;  // CATTLE_ACCESS_KEY
  std::string secret_key;  // CATTLE_SECRET_KEY
  std::string state_dir;   // where the worker token is kept across restarts
  // Where to connect for a probe of ADDR (an address as metadata lists it,
  // without the port): for a world served on loopback ports, where each
  // manager's port 2377 is somewhere else. Unlisted addresses are probed
  // as they are, at port 2377.
  std::map<std::string, Endpoint> resolve;
  model::MonOptions mon;
  double time_scale = 1.0;
  std::chrono::milliseconds docker_timeout{30000};  // a swarm join can take this long
  std::chrono::milliseconds metadata_timeout{5000};
  std::chrono::milliseconds cattle_timeout{10000};
  std::chrono::milliseconds probe_timeout{2000};
  // Gets one object per finished call; by default nothing is reported.
  std::function<void(const nlohmann::ordered_json&)> report;
  // The logic received an event its machines have no transition for (a bug
  // in its tables): the agent stops where it is.
  std::function<void(const std::string&)> on_fault;
};

class LiveAgent {
 public:
  LiveAgent(boost::asio::io_context& io, AgentConfig config);
  ~LiveAgent();
  LiveAgent(const LiveAgent&) = delete;
  LiveAgent& operator=(const LiveAgent&) = delete;

  // The container starts: the first loop begins at once.
  void start();
  // Stops after the call in flight (a sleep ends at once); `done` runs when
  // nothing of the agent is left pending on the io_context.
  void stop(std::function<void()> done);
  // Set when the logic hit a state its tables have no transition for.
  const std::optional<std::string>& fault() const;
  // stop() has finished.
  bool stopped() const;

  // The report's text for a response: what it held, never a token.
  static std::string describe(const model::Response& r);

  // Carries out one request as it would for the logic, and hands over the
  // answer on the io_context: the seam the adapter's own tests use.
  void carry_out(const model::Request& request, std::function<void(model::Response)> done);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swarmsim::live
