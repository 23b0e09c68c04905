#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/parallel.hpp"
#include "model/removal_policy.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& s) {
  const auto dots = s.find("..");
  if (dots == std::string::npos || dots == 0 || dots + 2 >= s.size()) return std::nullopt;
  try {
    std::size_t used_a = 0, used_b = 0;
    const std::string a = s.substr(0, dots), b = s.substr(dots + 2);
    if (a.find_first_not_of("0123456789") != std::string::npos ||
        b.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    const auto lo = std::stoull(a, &used_a), hi = std::stoull(b, &used_b);
    if (lo > hi) return std::nullopt;
    return std::make_pair(lo, hi);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void print_error(const std::string& message) {
  std::string clean;
  for (unsigned char c : message) clean += (c >= 0x20 && c < 0x7f) || c == '\n' ? static_cast<char>(c) : '?';
  std::cerr << "swarmsim: " << clean << "\n";
}

bool known_policy(const std::string& name) {
  if (model::RemovalPolicy::from_name(name)) return true;
  print_error(fmt::format("unknown policy '{}': expected one of {}", name,
                          model::RemovalPolicy::names()));
  return false;
}

namespace {

int exit_code(sim::Verdict v) {
  switch (v) {
    case sim::Verdict::Pass: return kExitPass;
    case sim::Verdict::Safety: return kExitSafety;
    case sim::Verdict::Liveness: return kExitLiveness;
  }
  return kExitInternal;
}

int worst(int a, int b) {
  // Safety outranks liveness outranks pass.
  auto rank = [](int c) { return c == kExitSafety ? 2 : c == kExitLiveness ? 1 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

// What a run or a sweep of seeds prints: JSON (an array for several seeds),
// the timeline of a single run, or the summary line of a sweep.
void print_results(const RunArgs& args, const std::string& policy,
                   const std::vector<sim::RunResult>& results) {
  const bool many = results.size() > 1 || !args.seeds.empty();
  if (args.json) {
    if (!many) {
      std::cout << reports::render_json(results[0], args.file);
      return;
    }
    std::string out = "[\n";
    for (std::size_t i = 0; i < results.size(); ++i)
      out += reports::render_json(results[i], args.file) + (i + 1 < results.size() ? ",\n" : "");
    std::cout << out << "]\n";
  } else if (!many) {
    reports::TextOptions to;
    to.verbose = args.verbose;
    to.color = args.color;
    std::cout << reports::render_text(results[0], args.file, to);
  } else {
    int counts[3] = {0, 0, 0};
    for (const auto& r : results) ++counts[static_cast<int>(r.verdict)];
    std::cout << fmt::format("\n{} seeds under {}: {} pass, {} safety, {} liveness ({:.1f}% fail){}\n",
                             results.size(), policy, counts[0], counts[1], counts[2],
                             100.0 * (counts[1] + counts[2]) / static_cast<double>(results.size()),
                             interrupted() ? " -- interrupted, the rest not run" : "");
  }
}

}  // namespace

std::vector<sim::RunResult> run_seeds(const sim::ScenarioSpec& spec, const std::string& policy,
                                      std::uint64_t lo, std::uint64_t hi, int jobs) {
  auto runs = parallel_map<sim::RunResult>(
      hi - lo + 1, jobs,
      [&](std::size_t i) {
        sim::RunOptions ro;
        ro.seed = lo + i;
        ro.policy = policy;
        ro.keep_trace = false;
        return sim::run_scenario(spec, ro);
      },
      [] { return interrupted(); });
  std::vector<sim::RunResult> out;
  for (auto& r : runs)
    if (r) out.push_back(std::move(*r));
  return out;
}

bool write_report(const std::string& path, const std::function<std::string()>& render) {
  if (path.empty()) return true;
  try {
    reports::write_file_atomically(path, render());
    return true;
  } catch (const std::exception& e) {
    print_error(e.what());
    return false;
  }
}

int command_run(const RunArgs& args) {
  sim::ScenarioSpec spec;
  try {
    spec = sim::load_scenario_file(args.file);
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  }
  const std::string policy = args.policy.empty() ? spec.policy : args.policy;
  if (!known_policy(policy)) return kExitUsage;
  std::vector<std::uint64_t> seeds;
  if (!args.seeds.empty()) {
    auto range = parse_seed_range(args.seeds);
    if (!range) {
      std::cerr << fmt::format("swarmsim: --seeds expects A..B with A <= B, got '{}'\n",
                               args.seeds);
      return kExitUsage;
    }
    for (auto s = range->first; s <= range->second; ++s) seeds.push_back(s);
  } else {
    seeds.push_back(args.seed.value_or(spec.seed));
  }

  std::vector<sim::RunResult> results;
  int code = kExitPass;
  const bool many = seeds.size() > 1;
  try {
    if (many) install_interrupt_handler();
    std::atomic<std::size_t> done{0};
    auto runs = parallel_map<sim::RunResult>(
        seeds.size(), args.jobs,
        [&](std::size_t i) {
          sim::RunOptions ro;
          ro.seed = seeds[i];
          ro.policy = policy;
          ro.keep_trace = !many || args.json || (i == 0 && !args.trace_out.empty());
          ro.stop_at_first_violation = !args.keep_going;
          auto r = sim::run_scenario(spec, ro);
          const auto n = ++done;
          if (many && n % 50 == 0) std::cerr << fmt::format("  ... {}/{} seeds\n", n, seeds.size());
          return r;
        },
        [] { return interrupted(); });
    for (auto& run : runs) {
      if (!run) continue;  // interrupted before it ran
      sim::RunResult& r = *run;
      code = worst(code, exit_code(r.verdict));
      if (many && !args.json) {
        std::cout << fmt::format("seed {:>6}  {:<8}  {}  {}\n", r.seed, to_string(r.verdict),
                                 reports::format_digest(r.digest),
                                 r.violations.empty()
                                     ? std::string()
                                     : fmt::format("{} on {} at {}", r.violations[0].kind,
                                                   r.violations[0].host,
                                                   reports::format_time(r.violations[0].time_ns)));
      }
      results.push_back(std::move(r));
    }
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }

  if (results.empty()) {
    std::cerr << "swarmsim: interrupted before the first run finished\n";
    return kExitInterrupted;
  }
  print_results(args, policy, results);
  const bool written = write_report(args.trace_out, [&] { return reports::render_chrome_trace(results[0]); }) &&
                       write_report(args.junit, [&] { return reports::render_junit(results, spec.name); });
  if (!written) return kExitBadInput;
  return interrupted() ? kExitInterrupted : code;
}

}  // namespace swarmsim::cli
