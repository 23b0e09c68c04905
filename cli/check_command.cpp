// swarmsim check: generated environments against the properties, with the
// failure shrunk to a scenario file `swarmsim run` replays.
#include <fmt/format.h>
#include <rapidcheck/detail/Configuration.h>

#include <chrono>
#include <iostream>

#include "check/properties.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "reports/reports.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

int exit_code_for(const check::CheckReport& r) {
  if (!r.found) return kExitPass;
  if (!r.property) return kExitInternal;
  switch (*r.property) {
    case check::Property::NoSpuriousEviction:
    case check::Property::BoundedRemovals:
    case check::Property::SparesItself:
    case check::Property::NoRemovalOnFailedRead:
    case check::Property::OneSwarm:
    case check::Property::SoundPromotions:
      return kExitSafety;
    case check::Property::ManagerCount:
    case check::Property::NotesKept:
    case check::Property::Cleanup:
    case check::Property::Convergence:
    case check::Property::NoFlapping:
      return kExitLiveness;
    case check::Property::Determinism:
    case check::Property::SimulatorFault:
      return kExitInternal;
  }
  return kExitInternal;
}

// A reproduce string must be one an earlier check of the same policy
// printed; anything else (a truncated paste, a string from another tool or
// policy) is refused up front with a message, rather than failing inside
// RapidCheck or being silently ignored. Returns the problem, or "".
std::string reproduce_problem(const std::string& text, const std::string& policy) {
  std::string not_one =
      "--reproduce: not a reproduce string printed by `swarmsim check` (copy all of it, without "
      "the quotes)";
  rc::detail::Configuration config;
  try {
    config = rc::detail::configFromString("reproduce=" + text, {});
  } catch (const std::exception&) {
    return not_one;
  }
  if (config.reproduce.empty()) return not_one;
  const std::string id = check::check_id(policy);
  if (config.reproduce.count(id) == 0) {
    std::string others;
    for (const auto& [key, value] : config.reproduce) others += (others.empty() ? "" : ", ") + key;
    return fmt::format(
        "--reproduce: the string replays {}, not {}; give the --policy it was "
        "printed with",
        others.empty() ? "nothing" : others, id);
  }
  return {};
}

void print_text(const CheckArgs& args, const check::CheckReport& r, const std::string& out_path) {
  std::cout << fmt::format("swarmsim check: policy {}, seed {}, {} cases\n", args.policy, args.seed,
                           r.cases_run);
  std::cout << "\nWhat the generators reached (share of cases):\n";
  for (const auto& [tag, n] : r.tag_counts)
    std::cout << fmt::format("  {:<28} {:>5.1f}%\n", tag, 100.0 * n / std::max(r.cases_run, 1));
  if (!r.found && r.interrupted) {
    std::cout << fmt::format("\nINTERRUPTED: no failure in the {} cases run (of {}).\n",
                             r.cases_run, args.cases);
    return;
  }
  if (!r.found) {
    std::cout << fmt::format("\nOK: every property held on {} generated environments.\n",
                             r.cases_run);
    if (r.inconclusive > 0) {
      std::cout << fmt::format(
          "  {} of them inconclusive: the world kept the logic from a promise. What did it, by "
          "the first world event each names (`run` on such a case says it all):\n",
          r.inconclusive);
      for (const auto& [cause, n] : r.inconclusive_causes)
        std::cout << fmt::format("    {:<26} {:>6}\n", cause, n);
    }
    return;
  }
  const std::string how =
      !args.reproduce.empty() ? std::string("reproduced from the given string")
      : r.shrink_complete ? fmt::format("after {} cases, shrunk {} times", r.cases_run, r.shrinks)
                          : fmt::format("after {} cases; shrinking interrupted after {} steps",
                                        r.cases_run, r.shrinks);
  std::cout << fmt::format("\nFAILED: {} {}, to {} hosts.\n  {}\n",
                           r.property ? check::to_string(*r.property) : "?", how,
                           r.hosts_in_counterexample, r.message);
  if (!out_path.empty())
    std::cout << fmt::format("  counterexample: {}\n  replay:         swarmsim run {}\n", out_path,
                             out_path);
  if (!r.reproduce.empty())
    std::cout << fmt::format("  reproduce:      swarmsim check --policy {} --reproduce '{}'\n",
                             args.policy, r.reproduce);
}

}  // namespace

int command_check(const CheckArgs& args) {
  if (!known_policy(args.policy)) return kExitUsage;
  if (args.cases < 1 || args.max_hosts < 1 || args.max_hosts > 20) {
    print_error("--cases must be at least 1 and --max-hosts within 1..20");
    return kExitUsage;
  }
  if (!args.reproduce.empty()) {
    if (auto problem = reproduce_problem(args.reproduce, args.policy); !problem.empty()) {
      print_error(problem);
      return kExitUsage;
    }
  }
  check::CheckOptions o;
  o.policy = args.policy;
  o.cases = args.cases;
  o.seed = args.seed;
  o.max_hosts = args.max_hosts;
  o.join_bursts = args.join_bursts;
  o.shrink = !args.no_shrink;
  o.reproduce = args.reproduce;
  o.jobs = args.jobs;
  if (!args.property.empty()) {
    auto p = check::property_from_name(args.property);
    if (!p) {
      std::string names;
      for (auto q : check::all_properties())
        names += (names.empty() ? "" : ", ") + std::string(check::to_string(q));
      print_error(fmt::format("unknown property '{}': expected one of {}", args.property, names));
      return kExitUsage;
    }
    if (!check::promised_by(*p, args.policy)) {
      print_error(fmt::format(
          "policy {} does not promise {}; it is held to: {}", args.policy, args.property, [&] {
            std::string names;
            for (auto q : check::properties_for(args.policy))
              names += (names.empty() ? "" : ", ") + std::string(check::to_string(q));
            return names;
          }()));
      return kExitUsage;
    }
    o.properties = {*p};
  }
  // Progress at most every two seconds, with the rate, so that a long check
  // shows it is alive without flooding a CI log.
  const auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  o.on_case = [&](int done) {
    const auto now = std::chrono::steady_clock::now();
    if (args.quiet || now - last_progress < std::chrono::seconds(2)) return;
    last_progress = now;
    const double elapsed = seconds_since(start);
    std::cerr << fmt::format("  ... {}/{} cases, {:.0f} cases/s\n", done, args.cases,
                             done / std::max(elapsed, 1e-9));
  };
  o.interrupt = interrupt_flag();
  const check::CheckReport r = check::run_check(o);
  const double wall_s = seconds_since(start);
  if (r.interrupted)
    print_error(fmt::format("interrupted after {} cases; reporting what was found", r.cases_run));

  std::string out_path;
  if (r.counterexample) {
    out_path = args.out.empty()
                   ? fmt::format("counterexample-{}-seed{}.yaml", args.policy, args.seed)
                   : args.out;
    sim::ScenarioSpec spec = *r.counterexample;
    spec.description = fmt::format(
        "Counterexample found by `swarmsim check --policy {} --seed {}`{}: {} fails ({}).",
        args.policy, args.seed, r.shrink_complete ? " and shrunk" : " (shrinking interrupted)",
        check::to_string(*r.property), r.message);
    if (!write_report(out_path, [&] { return sim::to_yaml(spec); })) return kExitCannotWrite;
  }

  const auto junit = [&] {
    reports::junit::Suite suite;
    suite.name = "swarmsim check " + args.policy;
    suite.time_s = wall_s;
    suite.properties = {{"policy", args.policy},
                        {"seed", std::to_string(args.seed)},
                        {"cases_requested", std::to_string(args.cases)},
                        {"cases_run", std::to_string(r.cases_run)}};
    suite.cases = junit_cases_for_check(o, r, out_path, wall_s);
    return reports::junit::render(junit_document({suite}));
  };
  if (!write_report(args.junit, junit)) return kExitCannotWrite;

  if (args.json) {
    nlohmann::ordered_json j = json_header("check");
    j["policy"] = args.policy;
    j["seed"] = args.seed;
    j["cases_requested"] = args.cases;
    j["cases_run"] = r.cases_run;
    j["found"] = r.found;
    j["property"] = r.property ? nlohmann::ordered_json(check::to_string(*r.property)) : nullptr;
    j["message"] = r.message;
    j["counterexample"] = out_path.empty() ? nullptr : nlohmann::ordered_json(out_path);
    j["hosts_in_counterexample"] = r.hosts_in_counterexample;
    j["shrinks"] = r.shrinks;
    j["shrink_complete"] = r.shrink_complete;
    j["reproduce"] = r.reproduce;
    j["gave_up"] = r.gave_up;
    j["inconclusive_cases"] = r.inconclusive;
    j["inconclusive_causes"] = r.inconclusive_causes;
    j["interrupted"] = r.interrupted;
    j["wall_time_s"] = wall_s;
    j["distribution"] = r.tag_counts;
    std::cout << dump_json(j);
  } else {
    print_text(args, r, out_path);
  }
  if (r.interrupted && !r.found) return interrupted_exit_code();
  return exit_code_for(r);
}

}  // namespace swarmsim::cli
