// swarmsim: the command line. Argument parsing, help, suggestions for
// typos, signal handling, and the last line of defence: whatever a command
// throws becomes an exit code and a message, never an abort.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/parallel.hpp"
#include "cli/suggest.hpp"
#include "reports/version.hpp"

namespace {

using namespace swarmsim::cli;

constexpr const char* kExitCodes =
    "Exit codes: 0 pass; 1 safety violated (a node evicted while its host exists), or gate: "
    "an outcome differs from the expected one; 2 liveness violated; 3 inconclusive (only the "
    "environment kept liveness from holding); 64 usage error; 65 bad "
    "scenario or input file (the message names file:line:column); 70 internal error; 73 a "
    "report file could not be written; 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).";

// Seeds are read as text and parsed here: CLI11 would clamp an out-of-range
// number to the largest one, and read "-1" as 2^64-1.
std::optional<std::uint64_t> seed_option(const std::string& text, const char* name) {
  if (text.empty()) return std::nullopt;
  if (auto v = parse_u64(text)) return v;
  throw CLI::ValidationError(
      name, fmt::format("expected a whole number from 0 to 18446744073709551615, got '{}'", text));
}

void add_jobs_option(CLI::App* cmd, int& jobs) {
  cmd->add_option("-j,--jobs", jobs, "Runs at once, one per thread (default: all cores)")
      ->default_val(default_jobs())
      ->check(CLI::Range(1, kMaxJobs));
}

// The options every many-runs command shares: which seeds, which policies,
// how many runs at once.
void add_batch_options(CLI::App* cmd, std::string& seeds, std::string& policies, int& jobs) {
  cmd->add_option("--seeds", seeds, "Seed range A..B (at most 1000000 seeds)")
      ->capture_default_str();
  cmd->add_option("--policies", policies, "Comma-separated policies")->capture_default_str();
  add_jobs_option(cmd, jobs);
}

// After a parse error: a likely meaning for each word CLI11 could not place.
void suggest(const CLI::App& app) {
  std::vector<std::string> subcommands;
  const CLI::App* parsed = nullptr;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    subcommands.push_back(sub->get_name());
    if (sub->parsed()) parsed = sub;
  }
  const CLI::App& where = parsed ? *parsed : app;
  std::vector<std::string> options;
  for (const CLI::Option* o : where.get_options())
    for (const auto& name : o->get_lnames()) options.push_back("--" + name);
  bool subcommand_seen = parsed != nullptr;
  for (const auto& word : where.remaining()) {
    std::optional<std::string> guess;
    if (word.rfind("-", 0) == 0) {
      guess = closest(word.substr(0, word.find('=')), options);
    } else if (!subcommand_seen) {
      subcommand_seen = true;  // the words after it are its arguments
      guess = closest(word, subcommands);
      if (!guess) {
        print_error(
            fmt::format("unknown subcommand '{}'; the subcommands are run, compare, "
                        "sweep, check, gate, study, merge, report and serve",
                        word));
        continue;
      }
    }
    if (guess) print_error(fmt::format("did you mean '{}' for '{}'?", *guess, word));
  }
}

int run_cli(int argc, char** argv) {
  CLI::App app{
      "swarmsim: deterministic simulation of Docker Swarm membership under Rancher 1.x.\n"
      "It replays the 2017 arm64 incident (a new Raspberry Pi worker evicted by the\n"
      "manager's node-removal hook right after it joined) in virtual time, from a seed,\n"
      "under the legacy swarmkit-mon logic or a fixed policy, and checks the fix on\n"
      "generated environments."};
  app.require_subcommand(1);
  bool version = false;
  app.add_flag("--version", version, "Print the version and exit");
  app.footer(fmt::format(
      "\nExamples:\n"
      "  swarmsim run scenarios/incident-2017.yaml             # timeline and verdict\n"
      "  swarmsim run scenarios/incident-2017.yaml --policy fixed\n"
      "  swarmsim run scenarios/stale-metadata.yaml --seeds 1..200   # how often it fails\n"
      "  swarmsim run scenarios/stale-metadata.yaml --seed 7 --json\n"
      "  swarmsim check --policy legacy --cases 2000 --seed 1   # find and shrink the race\n"
      "  swarmsim check --policy fixed --cases 10000             # the fix holds\n"
      "  swarmsim gate --junit gate.xml                          # the CI regression gate\n"
      "  swarmsim sweep scenarios/stale-metadata.yaml --vary "
      "profiles.manager-vm.metadata_lag.lognormal \\\n"
      "      --value 2s --value 10s --value 30s --out lag --html lag.html   # how much lag is too "
      "much\n"
      "  swarmsim compare scenarios/*.yaml --seeds 1..50 --policies legacy,grace,fixed\n"
      "\nEach subcommand has its own --help. Scenario files: scenarios/README.md.\n"
      "Ctrl-C or SIGTERM stops a command after the step in flight and reports what ran;\n"
      "a second signal quits at once.\n\n{}",
      kExitCodes));

  ServeArgs serve;
  std::string serve_seed;
  auto* serve_cmd = app.add_subcommand(
      "serve",
      "Run one scenario in real time and serve it to real clients over loopback sockets: per "
      "host its Docker Engine API (docker -H tcp://127.0.0.1:PORT node ls), its metadata "
      "replica and its swarm port; once, the Cattle API (keys in RUN_DIR/cattle.env). Hosts "
      "named by --external run no built-in swarmkit-mon: start build/bin/swarmkit-mon for each "
      "with the endpoints printed.");
  serve_cmd->add_option("file", serve.file, "Scenario YAML file (schema: scenarios/README.md)")
      ->required();
  serve_cmd->add_option("--seed", serve_seed, "Seed (default: the scenario's `seed`)");
  serve_cmd->add_option("--policy", serve.policy, "Removal policy (default: the scenario's)");
  serve_cmd
      ->add_option("--speed", serve.speed,
                   "Virtual seconds per wall second (default 1; 20 runs a minute in 3 s)")
      ->capture_default_str();
  serve_cmd->add_flag("--json", serve.json,
                      "Print the endpoints as JSON lines and the verdict as `run --json` does");
  serve_cmd
      ->add_option("--external", serve.external,
                   "Hosts (comma-separated) whose swarmkit-mon is an outside process")
      ->delimiter(',');
  serve_cmd->add_option("--run-dir", serve.run_dir,
                        "Where the unix sockets and cattle.env go (default: a new directory in "
                        "$TMPDIR or /tmp, removed at the end)");

  RunArgs run;
  std::string run_seed;
  auto* run_cmd = app.add_subcommand(
      "run", "Run one scenario file: print the membership timeline, the verdict and the digest.");
  run_cmd->add_option("file", run.file, "Scenario YAML file (schema: scenarios/README.md)")
      ->required();
  run_cmd->add_option("--seed", run_seed, "Seed (default: the scenario's `seed`)");
  run_cmd->add_option("--seeds", run.seeds,
                      "Run a range of seeds, e.g. 1..200 (at most 1000000), and print one line "
                      "per seed and a summary");
  run_cmd->add_option("--policy", run.policy,
                      "Removal policy: legacy (swarmkit-mon v5 as in 2017), legacy-v2 (v1/v2: "
                      "whole hostnames compared), grace (legacy + minimum node age), fixed "
                      "(stable identity + evidence of deletion) or go-rewrite (the 2017 Go hook: "
                      "addresses, more nodes than hosts); default: the scenario's");
  run_cmd->add_flag("--json", run.json, "Print one JSON document (fields: reports/README.md)");
  run_cmd->add_flag("-v,--verbose", run.verbose,
                    "Timeline includes every call swarmkit-mon made, every failed reply and "
                    "every metadata reload");
  run_cmd->add_option("--junit", run.junit, "Also write a JUnit XML report to this file");
  run_cmd->add_option("--trace-out", run.trace_out,
                      "Write the run as Chrome trace JSON (open in Perfetto): a track per host, "
                      "node lifetimes as slices; with --seeds, the first seed's run");
  add_jobs_option(run_cmd, run.jobs);
  run_cmd->add_flag("--keep-going", run.keep_going,
                    "Do not stop at the first safety violation: run to the end and show what "
                    "follows (the join/evict loop of a removed node)");
  run_cmd->get_option("--seed")->excludes("--seeds");

  CompareArgs compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "Run scenarios under several policies over a seed range and print how often each evicts. "
      "Exits with the worst verdict of all runs.");
  compare_cmd->add_option("files", compare.files, "Scenario YAML files")->required();
  add_batch_options(compare_cmd, compare.seeds, compare.policies, compare.jobs);

  SweepArgs sweep;
  auto* sweep_cmd = app.add_subcommand(
      "sweep",
      "Turn one knob of a scenario through several values and report, per value and policy, how "
      "often a node was evicted while its host existed (with a Wilson 95% interval) and how many "
      "runs ended stuck. A one-knob study: the same runs `swarmsim study` makes from a study file "
      "with the knob and `policy` as its grid, kept in --out (study.json, one line per run in "
      "runs.jsonl), so a killed sweep goes on with --resume and `swarmsim report DIR` renders "
      "them again. For capacity questions such as: how much metadata lag can the logic take?");
  sweep_cmd->add_option("file", sweep.file, "Scenario YAML file")->required();
  sweep_cmd
      ->add_option("--vary", sweep.vary,
                   "Key path of the knob, dot-separated, list entries by index from 0: "
                   "profiles.manager-vm.metadata_lag.lognormal, swarm.loop_interval, hosts.1.at")
      ->required();
  sweep_cmd
      ->add_option("--value", sweep.values,
                   "A value for it, any YAML (repeat: --value 5s --value 20s)")
      ->required();
  add_batch_options(sweep_cmd, sweep.seeds, sweep.policies, sweep.jobs);
  sweep_cmd->add_option("--out", sweep.out,
                        "Directory for study.json and runs.jsonl (default: sweep-<file stem>-<knob "
                        "path with _ for .> here)");
  sweep_cmd->add_flag("--resume", sweep.resume,
                      "Go on with the sweep already in --out: run only what is missing");
  sweep_cmd->add_option("--html", sweep.html,
                        "Write the study's HTML page: summary table and plots against the knob");
  sweep_cmd->add_option("--md", sweep.md, "Write the summary table as Markdown, for a ticket");
  sweep_cmd->add_option("--csv", sweep.csv,
                        "Write one row per value and policy: the knobs, verdict counts and rates "
                        "with their intervals, the metrics");
  sweep_cmd->add_flag("-q,--quiet", sweep.quiet, "No progress on stderr");
  sweep_cmd->footer(
      "\nExit codes: 0 every run is on disk (a sweep reports, it does not judge); 64 usage error, "
      "a key "
      "path the scenario lacks, or --out already holding a study without --resume; 65 the file or "
      "a "
      "value rejected by the scenario loader; 73 --out or a report could not be written; 130/143 "
      "interrupted (the finished runs are kept).\n\nExample:\n  swarmsim sweep "
      "scenarios/stale-metadata.yaml "
      "--vary hosts.1.at --value 5s --value 90s --value 5m --policies legacy,fixed --out pi1-at\n"
      "  swarmsim report pi1-at --html pi1-at.html");

  StudyArgs study;
  auto* study_cmd = app.add_subcommand(
      "study",
      "Run a study: a grid of knobs over a base scenario (any key path: host-group counts, "
      "aarch64 share, managers, reconcile interval, metadata lag, link class, policy), each point "
      "under a number of seeds, or in batches until a rate is known to a target precision "
      "(`precision:` in the file), with the metrics of every run (time to ready, evictions per "
      "join, "
      "leader API load, ...). Writes OUT/study.json and one JSON line per finished run to "
      "OUT/runs.jsonl; a killed study goes on with --resume, losing and repeating nothing. "
      "Shards split the runs for several machines (a Kubernetes Indexed Job, a CI matrix); "
      "`swarmsim merge` joins them, `swarmsim report` shows them. Schema: scenarios/README.md.");
  study_cmd->add_option("file", study.file, "Study YAML file (scenarios/capacity/*.study.yaml)")
      ->required();
  study_cmd->add_option("--out", study.out, "Directory for study.json and runs.jsonl")->required();
  add_jobs_option(study_cmd, study.jobs);
  study_cmd->add_option("--shard", study.shard,
                        "Run only shard I of N (0-based), e.g. --shard 0/4");
  study_cmd
      ->add_option("--shards", study.shards,
                   "Split into N shards and take the index from JOB_COMPLETION_INDEX (as a "
                   "Kubernetes Indexed Job sets it)")
      ->check(CLI::Range(1, 100000));
  study_cmd->add_flag("--resume", study.resume, "Go on with the study already in --out");
  study_cmd->add_flag("-q,--quiet", study.quiet, "No progress on stderr");

  MergeArgs merge;
  auto* merge_cmd = app.add_subcommand(
      "merge",
      "Join the --out directories of a study's shards into one, every run once (the result is "
      "the study run whole, run for run).");
  merge_cmd->add_option("dirs", merge.dirs, "The shards' directories")->required();
  merge_cmd->add_option("--out", merge.out, "Directory for the merged study")->required();

  ReportArgs report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Turn a study's directory into reports: per point of the grid, the share of runs that "
      "passed, broke safety or liveness (each with its Wilson 95% interval), time to ready per "
      "host profile (p50, p95, p99 and an interval for the p99), the other metrics across runs "
      "(mean, p50, p95) and the leader's API load. Writes nothing to DIR.");
  report_cmd
      ->add_option(
          "dir", report.dir,
          "A study's directory, as `swarmsim study --out DIR` or `swarmsim merge --out DIR` "
          "leaves it: DIR/study.json (the grid: knobs, values, points) and DIR/runs.jsonl (one "
          "JSON line per finished run; a torn last line is skipped with a warning)")
      ->required();
  report_cmd->add_option(
      "--html", report.html,
      "Write one self-contained page (inline SVG and CSS, no script, no external link): "
      "the question, the summary table, plots of the safety-failure rate and of the p99 "
      "time to ready against a numeric knob with 95% bands, a heat map of the "
      "safety-failure rate over two knobs, the leader's API load against `hosts`, the "
      "per-metric tables and the method");
  report_cmd->add_option(
      "--md", report.md,
      "Write the question and the summary table as Markdown, for pasting into a ticket");
  report_cmd->add_option(
      "--csv", report.csv,
      "Write one row per point: a column per knob, runs, verdict counts, then per metric "
      "(pass_rate, pass_rate_lo, pass_rate_hi, time_to_ready_s_p99.PROFILE, "
      "NAME_mean, ...); bare numbers, empty when missing");
  report_cmd->footer(
      "\nAt least one of --html, --md, --csv. Each file is written to a temporary name beside it "
      "and "
      "renamed.\nExit codes: 0 written; 64 usage error; 65 DIR has no readable study.json; 73 an "
      "output "
      "could not be written.\n\nExample:\n  swarmsim report study-join-storm --html "
      "join-storm.html "
      "--md join-storm.md --csv join-storm.csv");

  CheckArgs check;
  std::string check_seed = "1";
  auto* check_cmd = app.add_subcommand(
      "check",
      "Generate whole environments (hosts, hostname styles, metadata lag, faults, removals) and "
      "check the properties; on failure shrink to a minimal scenario file that `run` replays.");
  check_cmd->add_option("--policy", check.policy, "legacy, legacy-v2, grace, fixed or go-rewrite")
      ->capture_default_str();
  check_cmd->add_option("--cases", check.cases, "Generated environments to try")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000'000));
  check_cmd->add_option("--seed", check_seed, "RapidCheck seed")->capture_default_str();
  check_cmd->add_option("--max-hosts", check.max_hosts, "Most hosts in one environment (1..20)")
      ->capture_default_str()
      ->check(CLI::Range(1, 20));
  check_cmd->add_flag("--join-bursts", check.join_bursts,
                      "Also give one environment in three a join storm: 2 to 40 more aarch64 "
                      "workers arriving as a host group (at once, in a window, or as a Poisson "
                      "process). Changes which environments a seed draws");
  check_cmd->add_option("--out", check.out,
                        "Where to write the counterexample (default "
                        "counterexample-POLICY-seedS.yaml)");
  check_cmd->add_option("--property", check.property,
                        "Check only one of: no-spurious-eviction, cleanup, convergence, "
                        "no-flapping, one-swarm, determinism, and where the policy promises them "
                        "bounded-removals, spares-itself, no-removal-on-failed-read, "
                        "manager-count, sound-promotions");
  check_cmd->add_flag("--no-shrink", check.no_shrink,
                      "Keep the first failing environment as generated instead of shrinking it "
                      "(shrinking keeps any failure, so a shrunk case may fail another way)");
  check_cmd
      ->add_option("-j,--jobs", check.jobs,
                   "Cases evaluated at once, one per thread (default: all cores). The "
                   "result is the same for any number: the same cases in the same order, "
                   "the first failure a single thread would find, the same shrinking")
      ->default_val(default_jobs())
      ->check(CLI::Range(1, kMaxJobs));
  check_cmd->add_option("--reproduce", check.reproduce,
                        "Replay a failure from the reproduce string an earlier check printed");
  check_cmd->add_option("--junit", check.junit,
                        "Also write JUnit XML: one test case per property; properties not "
                        "checked to the end are skipped");
  check_cmd->add_flag("--json", check.json, "Print one JSON document (fields: reports/README.md)");
  check_cmd->add_flag("-q,--quiet", check.quiet, "No progress lines on stderr");

  GateArgs gate;
  std::string gate_seed = "1";
  auto* gate_cmd = app.add_subcommand(
      "gate",
      "The CI regression gate: run every scenario of the corpus under each policy its "
      "'# expect:' line names, check the fixed policy's properties on a fixed seed, and make "
      "sure the check still finds the legacy race. Exits 0 only when all is as expected.");
  gate_cmd->add_option("paths", gate.paths,
                       "Scenario files or folders (default: tests/regression scenarios)");
  gate_cmd->add_option("--junit", gate.junit,
                       "Write JUnit XML: a test per scenario and policy, per property, and the "
                       "harness check");
  gate_cmd->add_flag("--json", gate.json, "Print one JSON document (fields: reports/README.md)");
  add_jobs_option(gate_cmd, gate.jobs);
  gate_cmd->add_option("--cases", gate.cases, "Generated environments for the fixed policy")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000'000));
  gate_cmd->add_option("--seed", gate_seed, "RapidCheck seed of the property batch")
      ->capture_default_str();
  gate_cmd->add_flag("-q,--quiet", gate.quiet, "No progress lines on stderr");

  // `--version` alone is a complete command line.
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::cout << "swarmsim " << swarmsim::reports::kVersion << "\n";
    return kExitPass;
  }
  try {
    app.parse(argc, argv);
    if (auto s = seed_option(run_seed, "--seed")) run.seed = s;
    check.seed = seed_option(check_seed, "--seed").value_or(1);
    gate.seed = seed_option(gate_seed, "--seed").value_or(1);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (version) {
      std::cout << "swarmsim " << swarmsim::reports::kVersion << "\n";
      return kExitPass;
    }
    print_error(e.what());
    suggest(app);
    std::cerr << "Run 'swarmsim --help' (or 'swarmsim SUBCOMMAND --help') for usage.\n";
    return kExitUsage;
  }
  install_signal_handlers();
  if (serve_cmd->parsed()) {
    if (!serve_seed.empty()) {
      const auto s = parse_u64(serve_seed);
      if (!s) {
        print_error("--seed: expected a number, got '" + serve_seed + "'");
        return kExitUsage;
      }
      serve.seed = *s;
    }
    return command_serve(serve);
  }
  run.color = isatty(STDOUT_FILENO) != 0;
  if (run_cmd->parsed()) return command_run(run);
  if (compare_cmd->parsed()) return command_compare(compare);
  if (check_cmd->parsed()) return command_check(check);
  if (sweep_cmd->parsed()) return command_sweep(sweep);
  if (gate_cmd->parsed()) return command_gate(gate);
  if (study_cmd->parsed()) return command_study(study);
  if (merge_cmd->parsed()) return command_merge(merge);
  if (report_cmd->parsed()) return command_report(report);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_cli(argc, argv);
  } catch (const std::bad_alloc&) {
    print_error("internal error: out of memory");
  } catch (const std::exception& e) {
    print_error(std::string("internal error: ") + e.what());
  } catch (...) {
    print_error("internal error: an unknown exception");
  }
  return kExitInternal;
}
