#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "model/removal_policy.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, ',');)
    if (!part.empty()) out.push_back(part);
  return out;
}

struct Cell {
  int runs = 0, safety = 0, liveness = 0;
  std::optional<sim::RunResult> first_failure;
};

}  // namespace

int command_compare(const CompareArgs& args) {
  const auto policies = split_commas(args.policies);
  for (const auto& p : policies) {
    if (!known_policy(p)) return kExitUsage;
  }
  if (policies.empty()) {
    std::cerr << "swarmsim: --policies needs at least one policy\n";
    return kExitUsage;
  }
  auto range = parse_seed_range(args.seeds);
  if (!range) {
    std::cerr << fmt::format("swarmsim: --seeds expects A..B with A <= B, got '{}'\n", args.seeds);
    return kExitUsage;
  }
  std::vector<sim::ScenarioSpec> specs;
  for (const auto& f : args.files) {
    try {
      specs.push_back(sim::load_scenario_file(f));
    } catch (const sim::ScenarioError& e) {
      print_error(e.what());
      return kExitBadInput;
    }
  }

  install_interrupt_handler();
  const auto seeds = range->second - range->first + 1;
  std::string header = fmt::format("{:<26}", fmt::format("scenario ({} seeds)", seeds));
  for (const auto& p : policies) header += fmt::format("  {:<24}", p);
  std::cout << header << "\n";
  int last_policy_code = kExitPass;
  std::vector<std::string> examples;
  try {
    for (const auto& spec : specs) {
      std::string row = fmt::format("{:<26}", spec.name);
      for (std::size_t pi = 0; pi < policies.size(); ++pi) {
        Cell cell;
        for (auto& r : run_seeds(spec, policies[pi], range->first, range->second, args.jobs)) {
          ++cell.runs;
          cell.safety += r.verdict == sim::Verdict::Safety;
          cell.liveness += r.verdict == sim::Verdict::Liveness;
          if (r.verdict != sim::Verdict::Pass && !cell.first_failure) cell.first_failure = std::move(r);
        }
        std::string text = fmt::format("{}/{} evicted", cell.safety, cell.runs);
        if (cell.liveness) text += fmt::format(", {} stuck", cell.liveness);
        row += fmt::format("  {:<24}", text);
        if (pi + 1 == policies.size() && (cell.safety || cell.liveness))
          last_policy_code = cell.safety ? kExitSafety : kExitLiveness;
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
  return last_policy_code;
}

}  // namespace swarmsim::cli
