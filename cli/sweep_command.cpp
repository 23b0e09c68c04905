// swarmsim sweep: one scenario, one knob turned through several values,
// each value run under several policies over a seed range. The question a
// capacity planner asks: how much metadata lag (or CPU slowness, or loss)
// can the membership logic take before it starts evicting nodes?
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "model/removal_policy.hpp"
#include "reports/plot.hpp"
#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

// The scenario file with `path` (dot-separated keys, e.g.
// profiles.manager-vm.metadata_lag.lognormal) set to `value` (any YAML).
// Every key but the last must exist; errors name the missing key.
std::string with_value(const YAML::Node& original, const std::vector<std::string>& path,
                       const std::string& value) {
  YAML::Node root = YAML::Clone(original);
  YAML::Node at = root;
  std::string where;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (!at.IsMap() || !at[path[i]])
      throw std::invalid_argument(fmt::format("--vary: no key '{}' under '{}'", path[i],
                                              where.empty() ? "(top)" : where));
    at.reset(at[path[i]]);
    where += (where.empty() ? "" : ".") + path[i];
  }
  if (!at.IsMap())
    throw std::invalid_argument(fmt::format("--vary: '{}' is not a map", where.empty() ? "(top)" : where));
  try {
    at[path.back()] = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(
        fmt::format("--value '{}' is not valid YAML: {}", value, e.msg));
  }
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

struct Tally {
  int runs = 0, safety = 0, liveness = 0, inconclusive = 0;
  double failing_percent() const { return runs ? 100.0 * (safety + liveness) / runs : NAN; }
};

}  // namespace

int command_sweep(const SweepArgs& args) {
  const auto policies = split(args.policies, ',');
  for (const auto& p : policies) {
    if (!known_policy(p)) return kExitUsage;
  }
  const auto parsed = parse_seed_range(args.seeds);
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    print_error("--seeds: " + *error);
    return kExitUsage;
  }
  const SeedRange range = std::get<SeedRange>(parsed);
  const auto path = split(args.vary, '.');
  if (path.empty() || args.values.empty() || policies.empty()) {
    print_error("sweep needs --vary PATH, at least one --value and --policies");
    return kExitUsage;
  }
  YAML::Node original;
  try {
    sim::load_scenario_file(args.file);  // the file itself must be valid
    original = YAML::LoadFile(args.file);
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  } catch (const YAML::Exception& e) {
    print_error(fmt::format("{}: {}", args.file, e.what()));
    return kExitBadInput;
  }

  std::vector<std::vector<Tally>> tally(args.values.size(), std::vector<Tally>(policies.size()));
  std::string scenario_name;
  try {
    for (std::size_t v = 0; v < args.values.size() && !interrupted(); ++v) {
      const std::string label = fmt::format("{} [{}={}]", args.file, args.vary, args.values[v]);
      sim::ScenarioSpec spec;
      try {
        spec = sim::load_scenario_string(with_value(original, path, args.values[v]), label);
      } catch (const std::invalid_argument& e) {
        print_error(e.what());
        return kExitUsage;
      } catch (const sim::ScenarioError& e) {
        print_error(e.what());
        return kExitBadInput;
      }
      scenario_name = spec.name;
      for (std::size_t p = 0; p < policies.size(); ++p) {
        for (const auto& r : run_seeds(spec, policies[p], range, args.jobs)) {
          auto& t = tally[v][p];
          ++t.runs;
          t.safety += r.verdict == sim::Verdict::Safety;
          t.liveness += r.verdict == sim::Verdict::Liveness;
          t.inconclusive += r.verdict == sim::Verdict::Inconclusive;
        }
      }
      std::cerr << fmt::format("  ... {} = {} done\n", args.vary, args.values[v]);
    }
  } catch (const sim::InternalError& e) {
    print_error(std::string("internal error: ") + e.what());
    return kExitInternal;
  }

  // Text table, CSV rows and the chart from the same tallies.
  std::cout << fmt::format("{} over seeds {}: share of seeds failing per policy\n", args.vary,
                           args.seeds);
  std::vector<std::vector<std::string>> table{{"value"}};
  for (const auto& p : policies) table[0].push_back(p + " failing");
  std::string csv = "value,policy,runs,safety,liveness,inconclusive,failing_percent\n";
  reports::Chart chart;
  chart.title = fmt::format("{}: nodes evicted while their host exists", scenario_name);
  chart.x_label = args.vary;
  chart.y_label = fmt::format("% of seeds {} evicting", args.seeds);
  chart.x = args.values;
  for (const auto& p : policies) chart.series.push_back({p, {}});
  for (std::size_t v = 0; v < args.values.size(); ++v) {
    std::vector<std::string> row{args.values[v]};
    for (std::size_t p = 0; p < policies.size(); ++p) {
      const Tally& t = tally[v][p];
      row.push_back(t.runs ? fmt::format("{:.0f}% ({} evicted, {} stuck{})", t.failing_percent(),
                                         t.safety, t.liveness,
                                         t.inconclusive ? fmt::format(", {} env", t.inconclusive)
                                                        : std::string())
                           : "not run");
      csv += fmt::format("{},{},{},{},{},{},{:.2f}\n", args.values[v], policies[p], t.runs,
                         t.safety, t.liveness, t.inconclusive,
                         t.runs ? t.failing_percent() : 0.0);
      chart.series[p].y.push_back(t.runs ? 100.0 * t.safety / t.runs : NAN);
    }
    table.push_back(std::move(row));
  }
  for (const auto& row : table) {
    std::string line = fmt::format("{:<12}", row[0]);
    for (std::size_t i = 1; i < row.size(); ++i) line += fmt::format("  {:<26}", row[i]);
    std::cout << line << "\n";
  }
  const auto html = [&] {
    const std::string intro = fmt::format(
          "Scenario {} ({}), {} set to each value in turn, seeds {}, policies {}. The chart "
          "shows the share of seeds in which a node was evicted while its host existed "
          "(safety); the table also counts seeds stuck without exactly one ready node per live "
          "host at the end (liveness).{}",
          scenario_name, args.file, args.vary, args.seeds, args.policies,
          interrupted() ? " Interrupted: the last values were not run." : "");
    return reports::render_html(chart.title, intro, {chart}, table);
  };
  if (!write_report(args.csv, [&] { return csv; }) || !write_report(args.html, html))
    return kExitCannotWrite;
  if (interrupted()) return interrupted_exit_code();
  return kExitPass;
}

}  // namespace swarmsim::cli
