// swarmsim sweep: one scenario, one knob turned through several values,
// each value run under several policies over a seed range. The question a
// capacity planner asks: how much metadata lag (or CPU slowness, or loss)
// can the membership logic take before it starts evicting nodes?
//
// A sweep is the one-knob shorthand of `swarmsim study`: it builds the study
// in memory (the knob x the policies) and runs it through the same code. So
// the knob may be any key path a study accepts, list entries included
// (hosts.1.at); every finished run is kept in --out, one line each, and a
// killed sweep goes on with --resume; the rates come with Wilson intervals;
// and `swarmsim report DIR` renders the same directory again later.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/progress.hpp"
#include "reports/study_report.hpp"
#include "sim/scenario_yaml.hpp"
#include "study/study.hpp"
#include "study/study_dir.hpp"

namespace swarmsim::cli {

namespace {

// The most runs one study may plan (study::expand refuses more); checked
// here first so that too long a --seeds range is a usage error naming it.
constexpr std::size_t kMaxRuns = 10'000'000;

// sweep-<file stem>-<path with '.' as '_'>: the same sweep lands in the same
// directory, so that rerunning it with --resume finds its runs.
std::string default_out(const std::string& file, const std::string& path) {
  std::string knob = path;
  std::replace(knob.begin(), knob.end(), '.', '_');
  return fmt::format("sweep-{}-{}", std::filesystem::path(file).stem().string(), knob);
}

// Whole percents, but a tenth near the ends, so that a bound just above 0%
// (or below 100%) does not read as 0% (or 100%).
std::string percent(double share) {
  const bool near_an_end = (share > 0 && share < 0.1) || (share > 0.99 && share < 1);
  return near_an_end ? fmt::format("{:.1f}%", 100 * share) : fmt::format("{:.0f}%", 100 * share);
}

// "45% [26%, 66%] of 20": the share of runs that evicted a node, its Wilson
// 95% interval and how many runs it counts.
std::string safety_cell(const reports::PointStats& p) {
  if (p.runs == 0) return "not run";
  const reports::Rate& r = p.safety_rate;
  return fmt::format("{} [{}, {}] of {}", percent(r.p), percent(r.ci.lo), percent(r.ci.hi), r.n);
}

std::string liveness_cell(const reports::PointStats& p) {
  if (p.runs == 0) return "-";
  return p.inconclusive ? fmt::format("{} (+{} env)", p.liveness, p.inconclusive)
                        : std::to_string(p.liveness);
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

// The table on stdout: a row per value, a column group per policy.
void print_table(const SweepArgs& args, const std::string& scenario, const std::string& out,
                 const std::vector<std::string>& policies, const std::vector<study::Point>& points,
                 const reports::StudyStats& stats) {
  std::map<std::string, const reports::PointStats*> by_id;
  for (const auto& p : stats.points) by_id[p.id] = &p;
  // Points are in grid order with the policy varying fastest.
  auto stats_of = [&](std::size_t value, std::size_t policy) -> const reports::PointStats* {
    const auto it = by_id.find(points[value * policies.size() + policy].id);
    return it == by_id.end() ? nullptr : it->second;
  };
  const reports::PointStats none;
  std::vector<std::vector<std::string>> cells(args.values.size());
  std::size_t value_width = 5, safety_width = 6, liveness_width = 8;
  bool any_inconclusive = false;
  std::size_t errored = 0;
  for (std::size_t v = 0; v < args.values.size(); ++v) {
    value_width = std::max(value_width, args.values[v].size());
    for (std::size_t p = 0; p < policies.size(); ++p) {
      const reports::PointStats* s = stats_of(v, p);
      const reports::PointStats& st = s ? *s : none;
      cells[v].push_back(safety_cell(st));
      cells[v].push_back(liveness_cell(st));
      safety_width = std::max(safety_width, cells[v][2 * p].size());
      liveness_width = std::max(liveness_width, cells[v][2 * p + 1].size());
      any_inconclusive = any_inconclusive || st.inconclusive > 0;
      errored += st.errored;
    }
  }
  value_width += 2;
  safety_width += 2;
  liveness_width += 2;
  std::cout << fmt::format("sweep of {} in {} ({}): seeds {} per value and policy; runs in {}\n",
                           args.vary, scenario, args.file, args.seeds, out);
  std::cout << "  safety: runs in which a node was evicted while its host existed (share, Wilson "
               "95% interval, "
               "of how many runs)\n"
               "  liveness: runs whose end state lacked exactly one ready node per live host\n";
  if (any_inconclusive)
    std::cout
        << "  env: runs in which only the environment kept liveness from holding (inconclusive)\n";
  std::cout << "\n";
  auto print_line = [](std::string line) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  };
  std::string line = std::string(value_width, ' ');
  for (const auto& p : policies) line += padded(p, safety_width + liveness_width);
  print_line(line);
  line = padded("value", value_width);
  for (std::size_t p = 0; p < policies.size(); ++p)
    line += padded("safety", safety_width) + padded("liveness", liveness_width);
  print_line(line);
  for (std::size_t v = 0; v < args.values.size(); ++v) {
    line = padded(args.values[v], value_width);
    for (std::size_t p = 0; p < policies.size(); ++p)
      line += padded(cells[v][2 * p], safety_width) + padded(cells[v][2 * p + 1], liveness_width);
    print_line(line);
  }
  if (errored > 0)
    std::cout << fmt::format(
        "\n{} run(s) ended in an internal error and are not counted; {}/runs.jsonl has the "
        "messages\n",
        errored, out);
}

}  // namespace

int command_sweep(const SweepArgs& args) {
  const auto policies = split(args.policies, ',');
  for (const auto& p : policies) {
    if (!known_policy(p)) return kExitUsage;
  }
  if (policies.empty()) {
    print_error("--policies needs at least one policy, e.g. legacy,fixed");
    return kExitUsage;
  }
  if (std::set<std::string>(policies.begin(), policies.end()).size() != policies.size()) {
    print_error(fmt::format("--policies '{}' names a policy twice", args.policies));
    return kExitUsage;
  }
  const auto parsed = parse_seed_range(args.seeds);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    print_error("--seeds: " + *error);
    return kExitUsage;
  }
  const SeedRange range = std::get<SeedRange>(parsed);
  if (args.vary.empty() || args.values.empty()) {
    print_error("sweep needs --vary PATH and at least one --value");
    return kExitUsage;
  }
  // The policies are the sweep's second knob, named and set as `policy`.
  if (args.vary == "policy") {
    print_error(
        "--vary policy: the policies are chosen with --policies (e.g. --policies legacy,fixed)");
    return kExitUsage;
  }
  const std::size_t runs = args.values.size() * policies.size() * range.count();
  if (runs > kMaxRuns) {
    print_error(
        fmt::format("--seeds {}: {} values x {} policies x {} seeds is {} runs; at most 10,000,000",
                    args.seeds, args.values.size(), policies.size(), range.count(), runs));
    return kExitUsage;
  }

  study::StudySpec spec;
  spec.file = args.file;
  spec.base_file = args.file;
  sim::ScenarioSpec base;
  try {
    spec.base_text = sim::read_scenario_text(args.file);
    base = sim::load_scenario_string(spec.base_text,
                                     args.file);  // the file alone must be a good scenario
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  }

  study::Knob knob{args.vary, args.vary, {}};
  std::set<std::string> seen;
  for (const auto& text : args.values) {
    if (!seen.insert(text).second) {
      print_error(fmt::format("--value '{}' is given twice", text));
      return kExitUsage;
    }
    YAML::Node node;
    try {
      node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      print_error(fmt::format("--value '{}' is not valid YAML: {}", text, e.msg));
      return kExitUsage;
    }
    // A path that does not lead anywhere in the scenario is a mistake on the
    // command line (64); a value the scenario's loader rejects is bad input
    // (65, from expand below). expand reports both the same way, so the path
    // is tried on its own first.
    try {
      study::apply_knobs(spec.base_text, {{args.vary, node}},
                         fmt::format("{} (--vary {})", args.file, args.vary));
    } catch (const std::invalid_argument& e) {
      print_error(e.what());
      return kExitUsage;
    }
    knob.values.push_back({study::label_of(node), {{args.vary, node}}});
  }
  study::Knob policy{"policy", "policy", {}};
  for (const auto& p : policies) {
    const YAML::Node node(p);
    policy.values.push_back({study::label_of(node), {{"policy", node}}});
  }
  spec.name = fmt::format("sweep of {} in {}", args.vary, base.name);
  spec.question = fmt::format("How does {} change how often each policy evicts a node on {}?",
                              args.vary, base.name);
  spec.knobs = {std::move(knob), std::move(policy)};
  spec.seeds = static_cast<int>(range.count());
  spec.first_seed = range.first;

  std::vector<study::Point> points;
  try {
    points = study::expand(spec);
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  }

  const std::string out = args.out.empty() ? default_out(args.file, args.vary) : args.out;
  if (!args.quiet)
    std::cerr << fmt::format(
        "sweep: {} values x {} policies x {} seeds = {} runs, {} at a time, into {}\n",
        args.values.size(), policies.size(), range.count(), runs, args.jobs, out);
  Progress progress(args.quiet, "sweep");
  study::StudyRunOptions o;
  o.out = out;
  o.jobs = args.jobs;
  o.resume = args.resume;
  o.interrupt = interrupt_flag();
  o.on_progress = [&progress](std::size_t done, std::size_t total) {
    progress.update(done, total);
  };
  study::StudyRunSummary s;
  try {
    s = study::run_study(spec, points, o);
  } catch (const study::StudyUsageError& e) {
    print_error(e.what());
    if (args.resume)
      print_error(
          "a sweep goes on only with the same FILE, --vary, --value list, --seeds and --policies");
    return kExitUsage;
  } catch (const study::StudyWriteError& e) {
    progress.finish();
    print_error(e.what());
    return kExitCannotWrite;
  }
  if (s.interrupted) {
    progress.finish();
    std::cerr << fmt::format(
        "sweep: interrupted; {} of {} runs are in {}; run the same command with --resume to "
        "go on (`swarmsim report {}` shows what is there)\n",
        s.found + s.ran, s.planned, out, out);
    return interrupted_exit_code();
  }

  // The numbers come from the directory, as `swarmsim report` reads it, so
  // that a resumed sweep counts the runs of every earlier attempt.
  reports::StudyData data;
  try {
    data = reports::load_study_dir(out);
  } catch (const reports::NotAStudy& e) {
    print_error(fmt::format("cannot read back the sweep's runs: {}", e.what()));
    return kExitInternal;
  }
  for (const auto& w : data.warnings) print_error("warning: " + w);
  const reports::StudyStats stats = reports::aggregate(data);
  print_table(args, base.name, out, policies, points, stats);
  if (!write_report(args.html, [&] { return reports::render_study_html(data, stats); }) ||
      !write_report(args.md, [&] { return reports::render_study_markdown(data, stats); }) ||
      !write_report(args.csv, [&] { return reports::render_study_csv(data, stats); }))
    return kExitCannotWrite;
  for (const auto& [path, what] :
       {std::pair{args.html, "HTML page"}, std::pair{args.md, "Markdown summary"},
        std::pair{args.csv, "CSV, one row per value and policy"}})
    if (!path.empty()) std::cout << fmt::format("  wrote {} ({})\n", path, what);
  if (!args.quiet)
    std::cerr << fmt::format(
        "sweep: {} runs in {} ({} run now, {} found there); `swarmsim report {}` renders them "
        "again\n",
        s.planned, out, s.ran, s.found, out);
  return kExitPass;
}

}  // namespace swarmsim::cli
