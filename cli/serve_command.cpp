// swarmsim serve: the simulated world in real time, its fakes answering
// real clients (the docker CLI, the live swarmkit-mon) over loopback sockets.
#include <fmt/format.h>

#include <boost/system/system_error.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "live/serve_world.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

void print_endpoints(const sim::ScenarioSpec& spec, const live::ServedWorld& w, double speed,
                     bool json) {
  if (json) {
    for (const auto& h : w.hosts) {
      nlohmann::ordered_json j;
      j["host"] = h.name;
      j["addr"] = h.addr;
      j["external"] = h.external;
      j["docker_host"] = h.engine.describe();
      j["docker_socket"] = h.engine_socket.describe();
      j["metadata_url"] = fmt::format("http://{}:{}/2015-12-19", h.metadata.host, h.metadata.port);
      j["swarm_port"] = h.swarm_port.describe();
      std::cout << j.dump() << "\n";
    }
    nlohmann::ordered_json j;
    j["cattle_url"] = fmt::format("http://{}:{}/v1", w.cattle.host, w.cattle.port);
    j["cattle_env"] = w.cattle_env_file;
    j["run_dir"] = w.run_dir;
    std::cout << j.dump() << "\n";
    std::cout.flush();
    return;
  }
  std::cout << fmt::format("serving {} ({} hosts) at {}x real time\n", spec.name, w.hosts.size(),
                           speed);
  std::cout << fmt::format("  {:<14} {:<11} {:<24} {:<38} {}\n", "host", "addr", "DOCKER_HOST",
                           "metadata", "port 2377");
  for (const auto& h : w.hosts)
    std::cout << fmt::format(
        "  {:<14} {:<11} {:<24} {:<38} {}{}\n", h.name, h.addr, h.engine.describe(),
        fmt::format("http://{}:{}/2015-12-19", h.metadata.host, h.metadata.port),
        h.swarm_port.describe(), h.external ? "  (external agent)" : "");
  std::cout << fmt::format("Cattle API http://{}:{}/v1; its keys are in {} (source it).\n",
                           w.cattle.host, w.cattle.port, w.cattle_env_file);
  std::cout << fmt::format("Unix sockets in {}. Ctrl-C ends serving and prints the verdict.\n\n",
                           w.run_dir);
  std::cout.flush();
}

}  // namespace

int command_serve(const ServeArgs& args) {
  sim::ScenarioSpec spec;
  std::string policy;
  if (const int bad = load_scenario_and_policy(args.file, args.policy, spec, policy)) return bad;
  if (!(args.speed > 0 && args.speed <= 1000)) {
    print_error(fmt::format("--speed must be above 0 and at most 1000, got {}", args.speed));
    return kExitUsage;
  }
  std::set<std::string> hosts;
  for (const auto& e : spec.events)
    if (e.kind == sim::EventKind::AddHost) hosts.insert(e.host);
  for (const auto& name : args.external) {
    if (hosts.count(name) == 0) {
      print_error(fmt::format("--external: {} has no host named '{}'", args.file, name));
      return kExitUsage;
    }
  }

  // The run directory: the user's, or a new one removed at the end.
  std::string run_dir = args.run_dir;
  bool made_run_dir = false;
  if (run_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/swarmsim-serve-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      print_error("cannot make a run directory " + pattern);
      return kExitCannotWrite;
    }
    run_dir = pattern;
    made_run_dir = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(run_dir, ec);
    if (ec) {
      print_error(fmt::format("--run-dir {}: {}", run_dir, ec.message()));
      return kExitCannotWrite;
    }
  }

  live::ServeOptions so;
  so.speed = args.speed;
  so.stop = interrupt_flag();
  so.run_dir = run_dir;
  so.external = std::set<std::string>(args.external.begin(), args.external.end());
  so.on_ready = [&](const live::ServedWorld& w) {
    print_endpoints(spec, w, args.speed, args.json);
  };
  sim::RunOptions ro;
  ro.seed = args.seed.value_or(spec.seed);
  ro.policy = policy;
  ro.keep_calls = false;
  ro.external_agents = so.external;
  ro.drive = live::serve_driver(spec, so);
  sim::RunResult r;
  int failed = 0;
  try {
    r = sim::run_scenario(spec, ro);
  } catch (const boost::system::system_error& e) {
    print_error(std::string("cannot open a socket: ") + e.what());
    failed = kExitCannotWrite;
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    failed = kExitInternal;
  } catch (const std::runtime_error& e) {
    print_error(e.what());
    failed = kExitCannotWrite;
  }
  // The keys go with the run.
  std::error_code ignored;
  std::filesystem::remove(run_dir + "/cattle.env", ignored);
  if (made_run_dir) std::filesystem::remove_all(run_dir, ignored);
  if (failed != 0) return failed;
  if (args.json) {
    nlohmann::ordered_json j = json_header("serve");
    j.update(reports::run_to_json(r, args.file));
    std::cout << dump_json(j);
  } else {
    std::cout << reports::render_text(r, args.file, reports::TextOptions{});
  }
  return exit_code(r.verdict);
}

}  // namespace swarmsim::cli
