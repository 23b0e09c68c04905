// swarmsim gate: the CI regression gate in one command.
//
// Three parts, each a JUnit test suite:
//  - the corpus: every scenario file under the given folders, run on its
//    own seed under every policy its `# expect: policy=verdict ...` line
//    names, each (file, policy) a test case that passes when the verdict is
//    the expected one;
//  - the property check of the fixed policy on a fixed seed, one test case
//    per property;
//  - the harness's teeth: the same check under the legacy policy must still
//    find the 2017 race within 200 cases and shrink it to at most 2 hosts,
//    or every green run of the fixed policy above would prove nothing.
// Test names hold only what identifies a test, so a CI keeps its history.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/parallel.hpp"
#include "reports/reports.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::cli {

namespace {

namespace fs = std::filesystem;
using reports::junit::Outcome;

// Budgets of the harness meta-test; tests/property/harness_teeth_test.cpp
// holds the same check to the same numbers.
constexpr int kTeethCasesMax = 200;
constexpr int kTeethHostsMax = 2;

struct Entry {
  std::string file;
  std::vector<sim::Expectation> expect;
  std::optional<sim::ScenarioSpec> spec;
  std::string problem;  // why the file cannot be gated
};

// Loads one corpus file. Problems are kept as text, never thrown, so that
// one bad file becomes one errored test case.
Entry read_entry(const std::string& file) {
  Entry e;
  e.file = file;
  try {
    const std::string text = sim::read_scenario_text(file);
    e.spec = sim::load_scenario_string(text, file);
    e.expect = sim::read_expectations(text, file);
    if (e.expect.empty()) {
      e.problem =
          "no '# expect:' line: add one such as '# expect: legacy=safety fixed=pass' saying how "
          "each policy must end on this scenario";
    }
  } catch (const sim::ScenarioError& error) {
    e.problem = error.what();
  }
  return e;
}

// Scenario files under `paths` (folders are searched recursively for
// *.yaml), each once, sorted; nullopt after printing why on a bad path.
// A `capacity` folder met on the way down holds fleets for measuring, not
// corpus files, and is passed over; named as a path, it is read.
std::optional<std::vector<std::string>> corpus_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_directory(ec) && it->path().filename() == "capacity") {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec) && it->path().extension() == ".yaml")
          found.push_back(it->path().lexically_normal().string());
      }
      if (ec) {
        print_error(fmt::format("gate: cannot list {}: {}", p, ec.message()));
        return std::nullopt;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      files.push_back(fs::path(p).lexically_normal().string());
    } else {
      print_error(fmt::format(
          "gate: no such file or folder: {} (run from the repository's top folder, or name the "
          "scenario folders)",
          p));
      return std::nullopt;
    }
  }
  std::vector<std::string> unique;
  for (const auto& f : files)
    if (std::find(unique.begin(), unique.end(), f) == unique.end()) unique.push_back(f);
  return unique;
}

struct Job {
  std::size_t entry;
  std::string policy;
  std::string expected;
};

struct JobResult {
  std::optional<sim::RunResult> run;
  std::string internal_error;
  double wall_s = 0;
};

reports::junit::Case corpus_case(const Entry& e, const Job& job, const JobResult& r) {
  reports::junit::Case c;
  c.classname = "swarmsim.gate.corpus";
  c.name = fmt::format("{} [{}]", e.file, job.policy);
  c.time_s = r.wall_s;
  const std::uint64_t seed = e.spec ? e.spec->seed : 0;
  const std::string replay =
      fmt::format("replay: swarmsim run {} --policy {} --seed {}\n", e.file, job.policy, seed);
  if (!r.internal_error.empty()) {
    c.outcome = Outcome::Errored;
    c.type = "internal-error";
    c.message = r.internal_error;
    c.body = replay;
  } else if (!r.run || r.run->interrupted) {
    c.outcome = Outcome::Skipped;
    c.message = "not run: interrupted";
  } else if (to_string(r.run->verdict) != job.expected) {
    const sim::RunResult& run = *r.run;
    c.outcome = Outcome::Failed;
    c.type = "unexpected-verdict";
    c.message = fmt::format("expected {}, got {}", job.expected, to_string(run.verdict));
    for (const auto& v : run.violations)
      c.body += fmt::format("{} at {} host {} node {}: {}\n", v.kind,
                            reports::format_time(v.time_ns), v.host, v.node_id, v.detail);
    c.body += replay;
  }
  return c;
}

reports::junit::Case teeth_case(const check::CheckReport& r, double wall_s) {
  reports::junit::Case c;
  c.classname = "swarmsim.gate.harness";
  c.name = "the check finds the legacy race";
  c.time_s = wall_s;
  const std::string claim = fmt::format(
      "swarmsim check --policy legacy --seed 1 --property no-spurious-eviction must fail within "
      "{} cases and shrink to at most {} hosts",
      kTeethCasesMax, kTeethHostsMax);
  if (r.interrupted) {
    c.outcome = Outcome::Skipped;
    c.message = "not finished: interrupted";
  } else if (!r.found || r.cases_run > kTeethCasesMax ||
             r.hosts_in_counterexample > kTeethHostsMax) {
    c.outcome = Outcome::Failed;
    c.type = "harness-lost-its-teeth";
    c.message = !r.found ? fmt::format("no failure in {} cases", r.cases_run)
                         : fmt::format("failed after {} cases, shrunk to {} hosts", r.cases_run,
                                       r.hosts_in_counterexample);
    c.body = claim +
             "; otherwise the generators no longer reach the race and a passing check of the "
             "fixed policy means nothing.\n";
  }
  return c;
}

const char* status_word(const reports::junit::Case& c) {
  switch (c.outcome) {
    case Outcome::Passed:
      return "ok";
    case Outcome::Failed:
      return "FAIL";
    case Outcome::Errored:
      return "ERROR";
    case Outcome::Skipped:
      return "skip";
  }
  return "?";
}

void print_suite(const reports::junit::Suite& suite) {
  std::cout << fmt::format("\n{} ({} tests)\n", suite.name, suite.cases.size());
  for (const auto& c : suite.cases) {
    std::cout << fmt::format("  {:<5} {}{}\n", status_word(c), c.name,
                             c.message.empty() ? "" : "  -- " + c.message);
    if (c.outcome == Outcome::Failed || c.outcome == Outcome::Errored) {
      std::istringstream body(c.body);
      for (std::string line; std::getline(body, line);) std::cout << "          " << line << "\n";
    }
  }
}

nlohmann::ordered_json case_json(const std::string& suite, const reports::junit::Case& c) {
  static const char* kStatus[] = {"passed", "failed", "errored", "skipped"};
  nlohmann::ordered_json j;
  j["suite"] = suite;
  j["name"] = c.name;
  j["status"] = kStatus[static_cast<int>(c.outcome)];
  j["message"] = c.message;
  j["details"] = c.body;
  j["wall_time_s"] = c.time_s;
  return j;
}

}  // namespace

int command_gate(const GateArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::string> paths =
      args.paths.empty() ? std::vector<std::string>{"tests/regression", "scenarios"} : args.paths;
  const auto files = corpus_files(paths);
  if (!files) return kExitUsage;
  if (files->empty()) {
    print_error("gate: no scenario files (*.yaml) under " + fmt::format("{}", paths.front()));
    return kExitUsage;
  }
  if (args.cases < 1) {
    print_error("gate: --cases must be at least 1");
    return kExitUsage;
  }

  std::vector<Entry> entries;
  std::vector<Job> jobs;
  for (const auto& f : *files) {
    Entry e = read_entry(f);
    if (e.problem.empty())
      for (const auto& x : e.expect) jobs.push_back({entries.size(), x.policy, x.verdict});
    entries.push_back(std::move(e));
  }
  if (!args.quiet)
    std::cerr << fmt::format("gate: {} scenario files, {} runs, then {} property cases\n",
                             entries.size(), jobs.size(), args.cases);

  auto results = parallel_map<JobResult>(
      jobs.size(), args.jobs,
      [&](std::size_t i) {
        const auto t0 = std::chrono::steady_clock::now();
        JobResult r;
        sim::RunOptions ro;
        ro.seed = entries[jobs[i].entry].spec->seed;
        ro.policy = jobs[i].policy;
        ro.keep_trace = false;
        ro.interrupt = interrupt_flag();
        try {
          r.run = sim::run_scenario(*entries[jobs[i].entry].spec, ro);
        } catch (const std::exception& e) {
          r.internal_error = e.what();
        }
        r.wall_s = seconds_since(t0);
        return r;
      },
      [] { return interrupted(); });

  reports::junit::Suite corpus;
  corpus.name = "swarmsim gate: scenario corpus";
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const JobResult none;
    const auto& c = corpus_case(entries[jobs[k].entry], jobs[k], results[k] ? *results[k] : none);
    corpus.time_s += c.time_s;
    corpus.cases.push_back(c);
  }
  for (const auto& e : entries) {
    if (e.problem.empty()) continue;
    reports::junit::Case c;
    c.classname = "swarmsim.gate.corpus";
    c.name = e.file;
    c.outcome = Outcome::Errored;
    c.type = "bad-scenario";
    c.message = e.problem;
    corpus.cases.push_back(c);
  }

  // The fixed policy's property batch, then the harness's teeth.
  check::CheckOptions fixed;
  fixed.policy = "fixed";
  fixed.cases = args.cases;
  fixed.seed = args.seed;
  fixed.jobs = args.jobs;
  fixed.interrupt = interrupt_flag();
  auto t0 = std::chrono::steady_clock::now();
  const check::CheckReport fixed_report = check::run_check(fixed);
  reports::junit::Suite properties;
  properties.name = "swarmsim gate: properties of the fixed policy";
  properties.time_s = seconds_since(t0);
  properties.properties = {{"command", check_command_line(fixed)}};
  properties.cases = junit_cases_for_check(fixed, fixed_report, "", properties.time_s);

  check::CheckOptions legacy;
  legacy.policy = "legacy";
  legacy.cases = 2000;
  legacy.seed = 1;
  legacy.properties = {check::Property::NoSpuriousEviction};
  legacy.jobs = args.jobs;
  legacy.interrupt = interrupt_flag();
  t0 = std::chrono::steady_clock::now();
  const check::CheckReport legacy_report = check::run_check(legacy);
  reports::junit::Suite harness;
  harness.name = "swarmsim gate: harness";
  harness.time_s = seconds_since(t0);
  harness.cases = {teeth_case(legacy_report, harness.time_s)};

  const std::vector<reports::junit::Suite> suites = {corpus, properties, harness};
  int failed = 0, errored = 0, skipped = 0, total = 0;
  bool bad_file = false, internal = false;
  for (const auto& s : suites) {
    for (const auto& c : s.cases) {
      ++total;
      failed += c.outcome == Outcome::Failed;
      errored += c.outcome == Outcome::Errored;
      skipped += c.outcome == Outcome::Skipped;
      bad_file |= c.type == "bad-scenario";
      internal |= c.outcome == Outcome::Errored && c.type != "bad-scenario";
    }
  }
  // A property check that stops at a failure leaves the other properties
  // skipped; that is part of the failure, not an interruption.
  int code = kExitPass;
  if (failed > 0) code = 1;
  if (bad_file) code = kExitBadInput;
  if (internal) code = kExitInternal;
  if (interrupted()) code = interrupted_exit_code();

  if (args.json) {
    nlohmann::ordered_json j = json_header("gate");
    j["result"] = code == kExitPass ? "pass" : interrupted() ? "interrupted" : "fail";
    j["exit_code"] = code;
    j["files"] = *files;
    j["tests"] = total;
    j["failed"] = failed;
    j["errored"] = errored;
    j["skipped"] = skipped;
    j["wall_time_s"] = seconds_since(start);
    auto& cases = j["cases"] = nlohmann::ordered_json::array();
    for (const auto& s : suites)
      for (const auto& c : s.cases) cases.push_back(case_json(s.name, c));
    std::cout << dump_json(j);
  } else {
    for (const auto& s : suites) print_suite(s);
    std::cout << fmt::format(
        "\ngate: {} tests, {} failed, {} errors, {} skipped in {:.1f}s -- {}\n", total, failed,
        errored, skipped, seconds_since(start),
        code == kExitPass ? "PASS"
        : interrupted()   ? "INTERRUPTED"
                          : "FAIL");
  }
  if (!write_report(args.junit, [&] { return reports::junit::render(junit_document(suites)); }))
    return kExitCannotWrite;
  return code;
}

}  // namespace swarmsim::cli
