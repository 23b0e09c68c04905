// swarmsim serve: the simulated world in real time, its engines answering
// real clients (the docker CLI, a live swarmkit-mon) over loopback sockets.
#include <fmt/format.h>

#include <boost/system/system_error.hpp>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "live/serve_world.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

int command_serve(const ServeArgs& args) {
  sim::ScenarioSpec spec;
  std::string policy;
  if (const int bad = load_scenario_and_policy(args.file, args.policy, spec, policy)) return bad;
  if (!(args.speed > 0 && args.speed <= 1000)) {
    print_error(fmt::format("--speed must be above 0 and at most 1000, got {}", args.speed));
    return kExitUsage;
  }
  live::ServeOptions so;
  so.speed = args.speed;
  so.stop = interrupt_flag();
  so.on_ready = [&](const std::vector<live::ServedHost>& hosts) {
    if (args.json) {
      for (const auto& h : hosts) {
        nlohmann::ordered_json j;
        j["host"] = h.name;
        j["docker_host"] = h.engine.describe();
        std::cout << j.dump() << "\n";
      }
    } else {
      std::cout << fmt::format("serving {} ({} hosts) at {}x real time; DOCKER_HOST per host:\n",
                               spec.name, hosts.size(), args.speed);
      for (const auto& h : hosts) std::cout << fmt::format("  {:<20} {}\n", h.name, h.engine.describe());
      std::cout << "Ctrl-C ends serving and prints the verdict.\n\n";
    }
    std::cout.flush();
  };
  sim::RunOptions ro;
  ro.seed = args.seed.value_or(spec.seed);
  ro.policy = policy;
  ro.keep_calls = false;
  ro.drive = live::serve_driver(spec, so);
  sim::RunResult r;
  try {
    r = sim::run_scenario(spec, ro);
  } catch (const boost::system::system_error& e) {
    print_error(std::string("cannot open a port: ") + e.what());
    return kExitCannotWrite;
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }
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
