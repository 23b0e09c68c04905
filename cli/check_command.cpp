#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "check/properties.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "model/removal_policy.hpp"
#include "reports/reports.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

int exit_code_for(const check::CheckReport& r) {
  if (!r.found) return kExitPass;
  if (!r.property) return kExitInternal;
  switch (*r.property) {
    case check::Property::NoSpuriousEviction: return kExitSafety;
    case check::Property::Cleanup:
    case check::Property::Convergence:
    case check::Property::NoFlapping: return kExitLiveness;
    case check::Property::Determinism:
    case check::Property::SimulatorFault: return kExitInternal;
  }
  return kExitInternal;
}

}  // namespace

int command_check(const CheckArgs& args) {
  if (!known_policy(args.policy)) return kExitUsage;
  if (args.cases < 1 || args.max_hosts < 1 || args.max_hosts > 20) {
    std::cerr << "swarmsim: --cases must be >= 1 and --max-hosts within 1..20\n";
    return kExitUsage;
  }
  check::CheckOptions o;
  o.policy = args.policy;
  o.cases = args.cases;
  o.seed = args.seed;
  o.max_hosts = args.max_hosts;
  o.reproduce = args.reproduce;
  if (!args.property.empty()) {
    auto p = check::property_from_name(args.property);
    if (!p) {
      std::cerr << fmt::format("swarmsim: unknown property '{}'\n", args.property);
      return kExitUsage;
    }
    o.properties = {*p};
  }
  const int step = std::max(args.cases / 10, 100);
  o.on_case = [&](int done) {
    if (!args.quiet && done % step == 0)
      std::cerr << fmt::format("  ... {} cases\n", done);
  };
  install_interrupt_handler();
  o.stop_requested = [] { return interrupted(); };
  const check::CheckReport r = check::run_check(o);
  if (interrupted())
    std::cerr << fmt::format("swarmsim: interrupted after {} cases; reporting what was found\n",
                             r.cases_run);

  std::string out_path;
  if (r.counterexample) {
    out_path = args.out.empty() ? fmt::format("counterexample-{}-seed{}.yaml", args.policy, args.seed)
                                : args.out;
    sim::ScenarioSpec spec = *r.counterexample;
    spec.description = fmt::format(
        "Counterexample found by `swarmsim check --policy {} --seed {}` and shrunk: {} fails "
        "({}).",
        args.policy, args.seed, check::to_string(*r.property), r.message);
    if (!write_report(out_path, [&] { return sim::to_yaml(spec); })) return kExitBadInput;
  }

  if (!args.junit.empty()) {
    std::vector<reports::JunitCase> cases;
    for (check::Property p : o.properties) {
      reports::JunitCase c;
      c.name = fmt::format("{} under {} ({} cases, seed {})", check::to_string(p), args.policy,
                           r.cases_run, args.seed);
      if (r.property == p) {
        c.failure_type = check::to_string(p);
        c.message = fmt::format("counterexample with {} hosts: {}", r.hosts_in_counterexample,
                                out_path);
        c.body = r.message + "\nreproduce: " + r.reproduce;
      }
      cases.push_back(std::move(c));
    }
    if (!write_report(args.junit,
                      [&] { return reports::render_junit("swarmsim check " + args.policy, cases); }))
      return kExitBadInput;
  }

  if (args.json) {
    nlohmann::ordered_json j;
    j["policy"] = args.policy;
    j["seed"] = args.seed;
    j["cases_run"] = r.cases_run;
    j["found"] = r.found;
    j["property"] = r.property ? nlohmann::ordered_json(check::to_string(*r.property)) : nullptr;
    j["message"] = r.message;
    j["counterexample"] = out_path.empty() ? nullptr : nlohmann::ordered_json(out_path);
    j["hosts_in_counterexample"] = r.hosts_in_counterexample;
    j["shrinks"] = r.shrinks;
    j["reproduce"] = r.reproduce;
    j["gave_up"] = r.gave_up;
    j["distribution"] = r.tag_counts;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("swarmsim check: policy {}, seed {}, {} cases\n", args.policy,
                             args.seed, r.cases_run);
    std::cout << "\nWhat the generators reached (share of cases):\n";
    for (const auto& [tag, n] : r.tag_counts)
      std::cout << fmt::format("  {:<28} {:>5.1f}%\n", tag,
                               100.0 * n / std::max(r.cases_run, 1));
    if (!r.found && interrupted()) {
      std::cout << fmt::format("\nINTERRUPTED: no failure in the {} cases run.\n", r.cases_run);
    } else if (!r.found) {
      std::cout << fmt::format("\nOK: every property held on {} generated environments.\n",
                               r.cases_run);
    } else {
      const std::string how = args.reproduce.empty()
                                  ? fmt::format("after {} cases, shrunk {} times", r.cases_run, r.shrinks)
                                  : std::string("reproduced from the given string");
      std::cout << fmt::format("\nFAILED: {} {}, to {} hosts.\n  {}\n",
                               r.property ? check::to_string(*r.property) : "?", how,
                               r.hosts_in_counterexample, r.message);
      if (!out_path.empty())
        std::cout << fmt::format("  counterexample: {}\n  replay:         swarmsim run {}\n",
                                 out_path, out_path);
      std::cout << fmt::format("  reproduce:      swarmsim check --policy {} --reproduce '{}'\n",
                               args.policy, r.reproduce);
    }
  }
  if (interrupted() && !r.found) return kExitInterrupted;
  return exit_code_for(r);
}

}  // namespace swarmsim::cli
