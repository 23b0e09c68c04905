#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "model/removal_policy.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

struct Cell {
  int runs = 0, safety = 0, liveness = 0, inconclusive = 0;
  std::optional<sim::RunResult> first_failure;
};

}  // namespace

int command_compare(const CompareArgs& args) {
  const auto policies = split(args.policies, ',');
  for (const auto& p : policies) {
    if (!known_policy(p)) return kExitUsage;
  }
  if (policies.empty()) {
    std::cerr << "swarmsim: --policies needs at least one policy\n";
    return kExitUsage;
  }
  const auto parsed = parse_seed_range(args.seeds);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    print_error("--seeds: " + *error);
    return kExitUsage;
  }
  const SeedRange range = std::get<SeedRange>(parsed);
  std::vector<sim::ScenarioSpec> specs;
  for (const auto& f : args.files) {
    try {
      specs.push_back(sim::load_scenario_file(f));
    } catch (const sim::ScenarioError& e) {
      print_error(e.what());
      return kExitBadInput;
    }
  }

  std::string header = fmt::format("{:<26}", fmt::format("scenario ({} seeds)", range.count()));
  for (const auto& p : policies) header += fmt::format("  {:<24}", p);
  std::cout << header << "\n";
  int code = kExitPass;
  std::vector<std::string> examples;
  try {
    for (const auto& spec : specs) {
      std::string row = fmt::format("{:<26}", spec.name);
      for (std::size_t pi = 0; pi < policies.size(); ++pi) {
        Cell cell;
        for (auto& r : run_seeds(spec, policies[pi], range, args.jobs)) {
          ++cell.runs;
          cell.safety += r.verdict == sim::Verdict::Safety;
          cell.liveness += r.verdict == sim::Verdict::Liveness;
          cell.inconclusive += r.verdict == sim::Verdict::Inconclusive;
          const bool failed =
              r.verdict == sim::Verdict::Safety || r.verdict == sim::Verdict::Liveness;
          if (failed && !cell.first_failure) cell.first_failure = std::move(r);
        }
        std::string text = fmt::format("{}/{} evicted", cell.safety, cell.runs);
        if (cell.liveness) text += fmt::format(", {} stuck", cell.liveness);
        if (cell.inconclusive) text += fmt::format(", {} env", cell.inconclusive);
        row += fmt::format("  {:<24}", text);
        if (cell.liveness) code = worse_verdict(code, kExitLiveness);
        if (cell.safety) code = worse_verdict(code, kExitSafety);
        if (cell.first_failure) {
          const auto& r = *cell.first_failure;
          const auto& v = r.violations.front();
          examples.push_back(fmt::format(
              "  {} under {}, seed {}: {} of {} at {} -- replay: swarmsim run {} --seed {} "
              "--policy {}",
              spec.name, policies[pi], r.seed, v.kind, v.host, reports::format_time(v.time_ns),
              spec.file, r.seed, policies[pi]));
        }
      }
      std::cout << row << "\n";
    }
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }
  if (!examples.empty()) {
    std::cout << "\nFirst failing seed of each:\n";
    for (const auto& e : examples) std::cout << e << "\n";
  }
  if (interrupted()) {
    std::cout << "\nInterrupted: the counts above cover the runs that finished.\n";
    return interrupted_exit_code();
  }
  return code;
}

}  // namespace swarmsim::cli
