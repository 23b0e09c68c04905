// swarmsim run: one scenario file under one seed (the timeline an engineer
// reads) or a range of seeds (one line each and a summary, for "how often").
#include <fmt/format.h>

#include <atomic>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/parallel.hpp"
#include "reports/reports.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

struct TimedRun {
  sim::RunResult result;
  double wall_s = 0;
};

std::string seed_line(const sim::RunResult& r) {
  return fmt::format("seed {:>6}  {:<8}  {}  {}\n", r.seed, to_string(r.verdict),
                     reports::format_digest(r.digest),
                     r.violations.empty()
                         ? std::string()
                         : fmt::format("{} on {} at {}", r.violations[0].kind, r.violations[0].host,
                                       reports::format_time(r.violations[0].time_ns)));
}

// What a run or a range of seeds prints: JSON, the timeline of a single run,
// or a line per seed and the summary.
void print_results(const RunArgs& args, const std::string& policy, bool many,
                   std::uint64_t seeds_asked, const std::vector<TimedRun>& runs) {
  if (args.json) {
    if (!many) {
      nlohmann::ordered_json j = json_header("run");
      j.update(reports::run_to_json(runs[0].result, args.file));
      std::cout << dump_json(j);
      return;
    }
    nlohmann::ordered_json j = json_header("run");
    j["file"] = args.file;
    j["policy"] = policy;
    j["seeds_asked"] = seeds_asked;
    j["interrupted"] = interrupted();
    auto& all = j["runs"] = nlohmann::ordered_json::array();
    for (const auto& run : runs) all.push_back(reports::run_to_json(run.result, args.file));
    std::cout << dump_json(j);
  } else if (!many) {
    reports::TextOptions to;
    to.verbose = args.verbose;
    to.color = args.color;
    std::cout << reports::render_text(runs[0].result, args.file, to);
  } else {
    int counts[4] = {0, 0, 0, 0};
    for (const auto& run : runs) {
      std::cout << seed_line(run.result);
      ++counts[static_cast<int>(run.result.verdict)];
    }
    const auto n = static_cast<double>(runs.size());
    std::cout << fmt::format(
        "\n{} seeds under {}: {} pass, {} safety, {} liveness, {} inconclusive ({:.1f}% fail){}\n",
        runs.size(), policy, counts[0], counts[1], counts[2], counts[3],
        100.0 * (counts[1] + counts[2]) / n,
        interrupted() ? fmt::format(" -- interrupted, {} of {} seeds not run",
                                    seeds_asked - runs.size(), seeds_asked)
                      : "");
  }
}

}  // namespace

int command_run(const RunArgs& args) {
  sim::ScenarioSpec spec;
  std::string policy;
  if (const int bad = load_scenario_and_policy(args.file, args.policy, spec, policy)) return bad;
  SeedRange seeds{spec.seed, spec.seed};
  if (args.seed) seeds = SeedRange{*args.seed, *args.seed};
  if (!args.seeds.empty()) {
    auto parsed = parse_seed_range(args.seeds);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      print_error("--seeds: " + *error);
      return kExitUsage;
    }
    seeds = std::get<SeedRange>(parsed);
  }
  const bool many = !args.seeds.empty();

  std::vector<TimedRun> runs;
  try {
    std::atomic<std::uint64_t> done{0};
    auto results = parallel_map<TimedRun>(
        seeds.count(), args.jobs,
        [&](std::size_t i) {
          const auto start = std::chrono::steady_clock::now();
          sim::RunOptions ro;
          ro.seed = seeds.first + i;
          ro.policy = policy;
          ro.keep_trace = !many || args.json || (i == 0 && !args.trace_out.empty());
          // Only the verbose timeline and the Chrome trace show calls and
          // reloads; a fleet's calls would not fit in memory otherwise.
          ro.keep_calls = args.verbose || (i == 0 && !args.trace_out.empty());
          ro.stop_at_first_violation = !args.keep_going;
          ro.interrupt = interrupt_flag();
          // One long run says how far it got every few seconds.
          auto last = start;
          if (!many) {
            ro.on_progress = [&last](Instant now, Instant end) {
              const auto t = std::chrono::steady_clock::now();
              if (t - last < std::chrono::seconds(5)) return;
              last = t;
              std::cerr << fmt::format("  ... virtual time {} of {} ({:.0f}%)\n",
                                       reports::format_time(now), reports::format_time(end),
                                       100.0 * static_cast<double>(now) / static_cast<double>(end));
            };
          }
          TimedRun run{sim::run_scenario(spec, ro), 0};
          run.wall_s = seconds_since(start);
          const auto n = ++done;
          if (many && n % 50 == 0)
            std::cerr << fmt::format("  ... {}/{} seeds\n", n, seeds.count());
          return run;
        },
        [] { return interrupted(); });
    for (auto& run : results) {
      // A run of a range cut short by a signal is dropped, not counted as a
      // pass; a single run is shown up to where it stopped.
      if (run && (!many || !run->result.interrupted)) runs.push_back(std::move(*run));
    }
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }
  if (runs.empty()) {
    print_error("interrupted before the first run finished");
    return interrupted_exit_code();
  }

  int code = kExitPass;
  for (const auto& run : runs) code = worse_verdict(code, exit_code(run.result.verdict));
  print_results(args, policy, many, seeds.count(), runs);
  const auto junit = [&] {
    reports::junit::Suite suite;
    suite.name = "swarmsim run " + spec.name;
    suite.properties = {{"file", args.file},
                        {"policy", policy},
                        {"seeds", many ? args.seeds : std::to_string(seeds.first)}};
    for (const auto& run : runs) {
      suite.cases.push_back(junit_case_for_run(run.result, args.file, run.wall_s));
      suite.time_s += run.wall_s;
    }
    return reports::junit::render(junit_document({suite}));
  };
  const bool written =
      write_report(args.trace_out, [&] { return reports::render_chrome_trace(runs[0].result); }) &&
      write_report(args.junit, junit);
  if (!written) return kExitCannotWrite;
  return interrupted() ? interrupted_exit_code() : code;
}

}  // namespace swarmsim::cli
