#include "cli/common.hpp"

#include <fmt/format.h>

#include <charconv>
#include <iostream>
#include <limits>
#include <sstream>

#include "cli/interrupt.hpp"
#include "cli/parallel.hpp"
#include "model/removal_policy.hpp"
#include "reports/reports.hpp"
#include "reports/text.hpp"
#include "reports/version.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

void print_error(const std::string& message) {
  std::cerr << "swarmsim: " << reports::terminal_safe(message) << "\n";
}

int exit_code(sim::Verdict v) {
  switch (v) {
    case sim::Verdict::Pass:
      return kExitPass;
    case sim::Verdict::Safety:
      return kExitSafety;
    case sim::Verdict::Liveness:
      return kExitLiveness;
    case sim::Verdict::Inconclusive:
      return kExitInconclusive;
  }
  return kExitInternal;
}

int worse_verdict(int a, int b) {
  auto rank = [](int c) {
    return c == kExitSafety ? 3 : c == kExitLiveness ? 2 : c == kExitInconclusive ? 1 : 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::optional<std::uint64_t> parse_u64(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::variant<SeedRange, std::string> parse_seed_range(const std::string& s) {
  const std::string expected = fmt::format(
      "expected a seed range A..B (whole numbers from 0 to {}, A <= B, at most {} seeds) or one "
      "seed, got '{}'",
      std::numeric_limits<std::uint64_t>::max(), kMaxSeeds, s);
  const auto dots = s.find("..");
  const auto first = parse_u64(s.substr(0, dots));
  const auto last = dots == std::string::npos ? first : parse_u64(s.substr(dots + 2));
  if (!first || !last || *first > *last) return expected;
  const SeedRange range{*first, *last};
  // count() would wrap for the whole 64-bit range; compare the difference.
  if (range.last - range.first >= kMaxSeeds) {
    return fmt::format("the seed range {} holds {} seeds; at most {} are allowed", s,
                       range.last - range.first == std::numeric_limits<std::uint64_t>::max()
                           ? std::string("2^64")
                           : std::to_string(range.count()),
                       kMaxSeeds);
  }
  return range;
}

int load_scenario_and_policy(const std::string& file, const std::string& policy,
                             sim::ScenarioSpec& spec, std::string& chosen) {
  try {
    spec = sim::load_scenario_file(file);
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  }
  chosen = policy.empty() ? spec.policy : policy;
  return known_policy(chosen) ? 0 : kExitUsage;
}

bool known_policy(const std::string& name) {
  if (model::RemovalPolicy::from_name(name)) return true;
  print_error(
      fmt::format("unknown policy '{}': expected one of {}", name, model::RemovalPolicy::names()));
  return false;
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string part; std::getline(in, part, separator);)
    if (!part.empty()) out.push_back(part);
  return out;
}

std::vector<sim::RunResult> run_seeds(const sim::ScenarioSpec& spec, const std::string& policy,
                                      SeedRange seeds, int jobs) {
  auto runs = parallel_map<sim::RunResult>(
      seeds.count(), jobs,
      [&](std::size_t i) {
        sim::RunOptions ro;
        ro.seed = seeds.first + i;
        ro.policy = policy;
        ro.keep_trace = false;
        ro.interrupt = interrupt_flag();
        return sim::run_scenario(spec, ro);
      },
      [] { return interrupted(); });
  std::vector<sim::RunResult> out;
  for (auto& r : runs)
    if (r && !r->interrupted) out.push_back(std::move(*r));
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

nlohmann::ordered_json json_header(const std::string& command) {
  nlohmann::ordered_json j;
  j["schema_version"] = reports::kJsonSchemaVersion;
  j["swarmsim_version"] = std::string(reports::kVersion);
  j["command"] = command;
  return j;
}

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

reports::junit::Case junit_case_for_run(const sim::RunResult& r, const std::string& file,
                                        double wall_s) {
  reports::junit::Case c;
  c.classname = "swarmsim.run." + r.scenario;
  c.name = fmt::format("{} policy={} seed={}", r.scenario, r.policy, r.seed);
  c.time_s = wall_s;
  if (r.interrupted) {
    c.outcome = reports::junit::Outcome::Skipped;
    c.message = "interrupted before the run ended";
  } else if (r.verdict == sim::Verdict::Inconclusive) {
    c.outcome = reports::junit::Outcome::Skipped;
    c.message = "inconclusive: " + r.violations.front().environment;
  } else if (r.verdict != sim::Verdict::Pass) {
    c.outcome = reports::junit::Outcome::Failed;
    c.type = to_string(r.verdict);
    c.message =
        r.violations.empty()
            ? std::string(to_string(r.verdict))
            : fmt::format("{} on {} at {}", r.violations.front().kind, r.violations.front().host,
                          reports::format_time(r.violations.front().time_ns));
    for (const auto& v : r.violations)
      c.body += fmt::format("{} at {} host {} node {}: {}\n", v.kind,
                            reports::format_time(v.time_ns), v.host, v.node_id, v.detail);
    c.body +=
        fmt::format("replay: swarmsim run {} --policy {} --seed {}\n", file, r.policy, r.seed);
  }
  c.body += fmt::format("digest {}\n", reports::format_digest(r.digest));
  return c;
}

std::string check_command_line(const check::CheckOptions& o) {
  std::string line =
      fmt::format("swarmsim check --policy {} --seed {} --cases {}", o.policy, o.seed, o.cases);
  if (o.properties.size() == 1) line += fmt::format(" --property {}", to_string(o.properties[0]));
  return line;
}

std::vector<reports::junit::Case> junit_cases_for_check(const check::CheckOptions& o,
                                                        const check::CheckReport& r,
                                                        const std::string& counterexample_path,
                                                        double wall_s) {
  using reports::junit::Outcome;
  std::vector<reports::junit::Case> cases;
  for (check::Property p : check::all_properties()) {
    reports::junit::Case c;
    c.classname = "swarmsim.check." + o.policy;
    c.name = fmt::format("{} under {}", to_string(p), o.policy);
    c.time_s = wall_s;
    const bool selected =
        std::find(o.properties.begin(), o.properties.end(), p) != o.properties.end();
    if (!check::promised_by(p, o.policy)) {
      c.outcome = Outcome::Skipped;
      c.message = fmt::format("not checked: policy {} does not make this promise", o.policy);
    } else if (!selected) {
      c.outcome = Outcome::Skipped;
      c.message = "not checked: another property was selected with --property";
    } else if (r.found && r.property == p) {
      c.outcome = Outcome::Failed;
      c.type = to_string(p);
      c.message = fmt::format("fails on a generated environment of {} hosts, after {} cases",
                              r.hosts_in_counterexample, r.cases_run);
      c.body = r.message + "\n";
      if (!counterexample_path.empty())
        c.body += fmt::format("counterexample: {}\nreplay: swarmsim run {} --policy {}\n",
                              counterexample_path, counterexample_path, o.policy);
      if (!r.reproduce.empty())
        c.body += fmt::format("reproduce: swarmsim check --policy {} --reproduce '{}'\n", o.policy,
                              r.reproduce);
      if (!r.shrink_complete) c.body += "shrinking was interrupted: the case is not minimal\n";
    } else if (r.found || r.interrupted) {
      c.outcome = Outcome::Skipped;
      c.message = fmt::format(
          "held on the {} cases run, but the check stopped before its {} cases ({}): not "
          "checked on the rest",
          r.cases_run, o.cases,
          r.found ? fmt::format("{} failed", r.property ? to_string(*r.property) : "a property")
                  : std::string("interrupted"));
    } else if (r.gave_up) {
      c.outcome = Outcome::Errored;
      c.type = "gave-up";
      c.message = "the generators discarded too many cases";
    }
    c.body += fmt::format("{} cases run; {}\n", r.cases_run, check_command_line(o));
    cases.push_back(std::move(c));
  }
  if (r.found && r.property == check::Property::SimulatorFault) {
    reports::junit::Case c;
    c.classname = "swarmsim.check." + o.policy;
    c.name = fmt::format("simulator under {}", o.policy);
    c.time_s = wall_s;
    c.outcome = Outcome::Errored;
    c.type = "simulator-fault";
    c.message = "the simulator or the logic reached an impossible state";
    c.body = fmt::format("{}\ncounterexample: {}\n", r.message, counterexample_path);
    cases.push_back(std::move(c));
  }
  return cases;
}

reports::junit::Document junit_document(std::vector<reports::junit::Suite> suites) {
  reports::junit::Document doc;
  for (auto& suite : suites)
    suite.properties.insert(suite.properties.begin(),
                            {"swarmsim_version", std::string(reports::kVersion)});
  doc.suites = std::move(suites);
  doc.timestamp = reports::junit::timestamp_now();
  doc.hostname = reports::junit::hostname();
  return doc;
}

}  // namespace swarmsim::cli
