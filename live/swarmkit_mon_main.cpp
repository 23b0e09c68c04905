// swarmkit-mon: the agent that joins a Rancher host's Docker engine to the
// environment's swarm and, on the leader, reconciles the swarm with Rancher.
// It runs the same logic the simulator tests (model::Agent) over real
// sockets (live/agent.hpp), one process per host, as the Rancher swarm
// infrastructure stack ran its shell script: in a container with the
// engine's socket, the metadata service and the Cattle API at hand.
//
// It reports one JSON object per call on stdout; messages about itself go
// to stderr. It never prints a join token or an API key. SIGTERM and SIGINT
// end it after the call in flight (exit 0).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "live/agent.hpp"
#include "model/duration.hpp"
#include "model/removal_policy.hpp"

namespace {

using swarmsim::Duration;
using swarmsim::live::Endpoint;

constexpr int kExitUsage = 64;
constexpr int kExitInternal = 70;

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : std::move(fallback);
}

// An endpoint and the path after it: `http://host:port/2015-12-19` gives
// the host and port, and "/2015-12-19".
std::optional<std::pair<Endpoint, std::string>> parse_url(const std::string& url) {
  auto e = Endpoint::parse(url);
  if (!e || e->is_unix()) return std::nullopt;
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string path = slash == std::string::npos ? "" : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return std::pair{*e, path};
}

int usage_error(const std::string& what) {
  std::cerr << "swarmkit-mon: " << what << "\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "swarmkit-mon: joins this Rancher host's Docker engine to the environment's swarm and, on "
      "the leader, keeps the swarm's nodes in step with Rancher's hosts (the node-removal hook).\n"
      "One JSON object per call on stdout; join tokens and API keys are never printed.\n\n"
      "Variables: CATTLE_URL, CATTLE_ACCESS_KEY, CATTLE_SECRET_KEY (the Rancher API and its keys, "
      "as Rancher gives its infrastructure containers), DOCKER_HOST (the engine, if not the "
      "socket), MANAGER_SCALE (managers wanted, if --manager-scale is not given).",
      "swarmkit-mon"};
  std::string docker = env_or("DOCKER_HOST", "unix:///var/run/docker.sock");
  std::string metadata_url = "http://rancher-metadata.rancher.internal/2015-12-19";
  std::string cattle_url = env_or("CATTLE_URL", "");
  std::string state_dir = "/var/lib/swarmkit-mon";
  std::string policy_name = "fixed";
  int manager_scale = std::atoi(env_or("MANAGER_SCALE", "3").c_str());
  std::string loop_interval = "30s";
  double time_scale = 1.0;
  std::vector<std::string> resolves;
  app.add_option("--docker-host", docker,
                 "The Docker engine: unix:///path or tcp://HOST:PORT (default: DOCKER_HOST, else "
                 "the socket)")
      ->capture_default_str();
  app.add_option("--metadata-url", metadata_url, "The host's Rancher metadata service")
      ->capture_default_str();
  app.add_option("--cattle-url", cattle_url,
                 "The Rancher API, http://HOST:PORT/v1 (default: CATTLE_URL)");
  app.add_option("--state-dir", state_dir,
                 "Where the worker token the host joined with is kept, across restarts "
                 "(bind-mount it from the host)")
      ->capture_default_str();
  app.add_option("--policy", policy_name,
                 fmt::format("What the leader's reconcile pass removes: {}",
                             swarmsim::model::RemovalPolicy::names()))
      ->capture_default_str();
  app.add_option("--manager-scale", manager_scale,
                 "Managers wanted (default: MANAGER_SCALE, else 3)")
      ->check(CLI::Range(1, 99));
  app.add_option("--loop-interval", loop_interval, "Sleep between loops: 30s, 500ms, 2m, 1m30s")
      ->capture_default_str();
  app.add_option("--time-scale", time_scale,
                 "Divide every sleep and time-out by this, and run the logic's clock this much "
                 "faster: for tests against `swarmsim serve --speed` with the same factor")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  app.add_option("--resolve", resolves,
                 "ADDR=tcp://HOST:PORT: probe a manager at ADDR (as metadata lists it) there "
                 "instead of at ADDR:2377. Repeatable; `swarmsim serve` prints what to give");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  swarmsim::live::AgentConfig c;
  auto policy = swarmsim::model::RemovalPolicy::from_name(policy_name);
  if (!policy)
    return usage_error(fmt::format("unknown --policy '{}'; the policies are {}", policy_name,
                                   swarmsim::model::RemovalPolicy::names()));
  c.mon.policy = *policy;
  if (manager_scale < 1) return usage_error("MANAGER_SCALE must be a whole number from 1 to 99");
  c.mon.manager_scale = manager_scale;
  // The same durations a scenario file takes (model/duration.hpp).
  const auto interval = swarmsim::parse_duration(loop_interval, false, 24 * swarmsim::kHour);
  if (!std::holds_alternative<Duration>(interval) || std::get<Duration>(interval) <= 0)
    return usage_error(
        "--loop-interval: expected a duration above zero and at most 24h, like 30s, 500ms, 2m or "
        "1m30s, got '" +
        loop_interval + "'");
  c.mon.loop_interval_ns = std::get<Duration>(interval);
  c.time_scale = time_scale;
  const auto engine = Endpoint::parse(docker);
  if (!engine)
    return usage_error("--docker-host: expected unix:///path or tcp://HOST:PORT, got '" + docker +
                       "'");
  c.docker = *engine;
  const auto md = parse_url(metadata_url);
  if (!md)
    return usage_error("--metadata-url: expected http://HOST[:PORT]/PATH, got '" + metadata_url +
                       "'");
  c.metadata = md->first;
  c.metadata_prefix = md->second;
  if (cattle_url.empty())
    return usage_error("CATTLE_URL is not set (nor --cattle-url): the Rancher API is needed");
  const auto cattle = parse_url(cattle_url);
  if (!cattle)
    return usage_error("--cattle-url: expected http://HOST[:PORT]/v1, got '" + cattle_url + "'");
  c.cattle = cattle->first;
  c.access_key = env_or("CATTLE_ACCESS_KEY", "");
  c.secret_key = env_or("CATTLE_SECRET_KEY", "");
  if (c.access_key.empty() || c.secret_key.empty())
    std::cerr << "swarmkit-mon: CATTLE_ACCESS_KEY or CATTLE_SECRET_KEY is not set; the Rancher "
                 "API will refuse its calls\n";
  c.state_dir = state_dir;
  for (const auto& r : resolves) {
    const auto eq = r.find('=');
    const auto to = eq == std::string::npos ? std::nullopt : Endpoint::parse(r.substr(eq + 1));
    if (!to || to->is_unix() || eq == 0)
      return usage_error("--resolve: expected ADDR=tcp://HOST:PORT, got '" + r + "'");
    c.resolve[r.substr(0, eq)] = *to;
  }
  c.report = [](const nlohmann::ordered_json& j) { std::cout << j.dump() << std::endl; };

  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  swarmsim::live::LiveAgent agent(io, c);
  int exit_code = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    std::cerr << fmt::format("swarmkit-mon: {}, stopping after the call in flight\n",
                             signal == SIGTERM ? "SIGTERM" : "SIGINT");
    agent.stop([] {});
  });
  std::cerr << fmt::format(
      "swarmkit-mon: policy {}, MANAGER_SCALE {}, loop every {}, engine {}, "
      "metadata {}, Rancher API {}{}\n",
      policy->name(), manager_scale, loop_interval, c.docker.describe(), metadata_url, cattle_url,
      time_scale != 1.0 ? fmt::format(", time scaled by {}", time_scale) : "");
  agent.start();
  // The agent's work ends on a signal (stop) or a fault; the signal set
  // is what keeps io.run() going meanwhile.
  while (!io.stopped()) {
    io.run_one();
    if (agent.fault()) {
      std::cerr << "swarmkit-mon: internal error: " << *agent.fault() << "\n";
      exit_code = kExitInternal;
      break;
    }
    if (agent.stopped()) break;
  }
  signals.cancel();
  return exit_code;
}
