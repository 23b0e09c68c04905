// swarmsim: the command line.
//
//   swarmsim run FILE [--seed N | --seeds A..B] [--policy NAME] [--json] [--verbose]
//                     [--junit FILE]
//
// Exit codes: 0 pass, 1 safety violated, 2 liveness violated, 64 usage
// error, 65 bad scenario or input file, 70 internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/parallel.hpp"

namespace {
// CLI11 reads "-1" into an unsigned seed as 2^64-1; a seed is written
// without a sign.
const CLI::Validator kNonNegative(
    [](const std::string& s) {
      return s.find_first_not_of("0123456789") == std::string::npos && !s.empty()
                 ? std::string()
                 : "expected a non-negative integer, got '" + s + "'";
    },
    "");
// The options every many-runs command shares: which seeds, which policies,
// how many runs at once.
void add_batch_options(CLI::App* cmd, std::string& seeds, std::string& policies, int& jobs) {
  cmd->add_option("--seeds", seeds, "Seed range A..B")->capture_default_str();
  cmd->add_option("--policies", policies, "Comma-separated policies")->capture_default_str();
  cmd->add_option("-j,--jobs", jobs, "Runs in parallel (default: all cores)")
      ->default_val(swarmsim::cli::default_jobs());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace swarmsim::cli;
  CLI::App app{
      "swarmsim: deterministic simulation of Docker Swarm membership under Rancher 1.x.\n"
      "It replays the 2017 arm64 incident (a new Raspberry Pi worker evicted by the\n"
      "manager's node-removal hook right after it joined) in virtual time, from a seed,\n"
      "under the legacy swarmkit-mon logic or a fixed policy."};
  app.require_subcommand(1);
  app.footer(
      "\nExamples:\n"
      "  swarmsim run scenarios/incident-2017.yaml             # timeline and verdict\n"
      "  swarmsim run scenarios/incident-2017.yaml --policy fixed\n"
      "  swarmsim run scenarios/stale-metadata.yaml --seeds 1..200   # how often it fails\n"
      "  swarmsim run scenarios/stale-metadata.yaml --seed 7 --json\n"
      "  swarmsim check --policy legacy --cases 2000 --seed 1   # find and shrink the race\n"
      "  swarmsim check --policy fixed --cases 10000             # the fix holds\n"
      "  swarmsim sweep scenarios/stale-metadata.yaml --vary profiles.manager-vm.metadata_lag.lognormal \\\n"
      "      --value 2s --value 10s --value 30s --html lag.html   # how much lag is too much\n"
      "  swarmsim compare scenarios/*.yaml --seeds 1..50 --policies legacy,grace,fixed\n"
      "\nExit codes: 0 pass, 1 safety violated, 2 liveness violated, 64 usage error,\n"
      "65 bad scenario file, 70 internal error.");

  RunArgs run;
  auto* run_cmd = app.add_subcommand(
      "run", "Run one scenario file: print the membership timeline, the verdict and the digest.");
  run_cmd->add_option("file", run.file, "Scenario YAML file (schema: scenarios/README.md)")
      ->required();
  run_cmd->add_option("--seed", run.seed, "Seed (default: the scenario's `seed`)")
      ->check(kNonNegative);
  run_cmd->add_option("--seeds", run.seeds,
                      "Run a range of seeds, e.g. 1..200, and print one line per seed and a "
                      "summary");
  run_cmd->add_option("--policy", run.policy,
                      "Removal policy: legacy (swarmkit-mon v5 as in 2017), grace (legacy + "
                      "minimum node age), fixed (stable identity + evidence of deletion) or "
                      "go-rewrite (the 2017 Go hook: addresses, more nodes than hosts); "
                      "default: the scenario's");
  run_cmd->add_flag("--json", run.json, "Print one JSON object (an array with --seeds)");
  run_cmd->add_flag("-v,--verbose", run.verbose,
                    "Timeline includes every call swarmkit-mon made and every metadata reload");
  run_cmd->add_option("--junit", run.junit, "Also write a JUnit XML report to this file");
  run_cmd->add_option("--trace-out", run.trace_out,
                      "Write the run as Chrome trace JSON (open in Perfetto): a track per host, "
                      "node lifetimes as slices; with --seeds, the first seed's run");
  run_cmd->add_option("-j,--jobs", run.jobs, "Runs in parallel with --seeds (default: all cores)")
      ->default_val(default_jobs());
  run_cmd->add_flag("--keep-going", run.keep_going,
                    "Do not stop at the first safety violation: run to the end and show what "
                    "follows (the join/evict loop of a removed node)");
  run_cmd->get_option("--seed")->excludes("--seeds");

  CompareArgs compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "Run scenarios under several policies over a seed range and print how often each evicts.");
  compare_cmd->add_option("files", compare.files, "Scenario YAML files")->required();
  add_batch_options(compare_cmd, compare.seeds, compare.policies, compare.jobs);

  SweepArgs sweep;
  auto* sweep_cmd = app.add_subcommand(
      "sweep",
      "Turn one knob of a scenario through several values and report, per policy, the share of "
      "seeds that fail (table; CSV and an HTML chart on request). For capacity questions such "
      "as: how much metadata lag can the logic take?");
  sweep_cmd->add_option("file", sweep.file, "Scenario YAML file")->required();
  sweep_cmd->add_option("--vary", sweep.vary,
                        "Dot path of the knob, e.g. profiles.manager-vm.metadata_lag.lognormal "
                        "or swarm.loop_interval")
      ->required();
  sweep_cmd->add_option("--value", sweep.values, "A value for it (repeat: --value 5s --value 20s)")
      ->required();
  add_batch_options(sweep_cmd, sweep.seeds, sweep.policies, sweep.jobs);
  sweep_cmd->add_option("--html", sweep.html, "Write an HTML report with a chart");
  sweep_cmd->add_option("--csv", sweep.csv, "Write the numbers as CSV");

  CheckArgs check;
  auto* check_cmd = app.add_subcommand(
      "check",
      "Generate whole environments (hosts, hostname styles, metadata lag, faults, removals) and "
      "check the properties; on failure shrink to a minimal scenario file that `run` replays.");
  check_cmd->add_option("--policy", check.policy, "legacy, grace, fixed or go-rewrite")
      ->capture_default_str();
  check_cmd->add_option("--cases", check.cases, "Generated environments to try")
      ->capture_default_str();
  check_cmd->add_option("--seed", check.seed, "RapidCheck seed")
      ->capture_default_str()
      ->check(kNonNegative);
  check_cmd->add_option("--max-hosts", check.max_hosts, "Most hosts in one environment (1..20)")
      ->capture_default_str();
  check_cmd->add_option("--out", check.out,
                        "Where to write the counterexample (default "
                        "counterexample-POLICY-seedS.yaml)");
  check_cmd->add_option("--property", check.property,
                        "Check only one of: no-spurious-eviction, cleanup, convergence, "
                        "no-flapping, determinism");
  check_cmd->add_option("--reproduce", check.reproduce,
                        "Replay a failure from the reproduce string an earlier check printed");
  check_cmd->add_option("--junit", check.junit,
                        "Also write JUnit XML: one test case per property checked");
  check_cmd->add_flag("--json", check.json, "Print one JSON object");
  check_cmd->add_flag("-q,--quiet", check.quiet, "No progress lines on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  run.color = isatty(STDOUT_FILENO) != 0;
  if (run_cmd->parsed()) return command_run(run);
  if (compare_cmd->parsed()) return command_compare(compare);
  if (check_cmd->parsed()) return command_check(check);
  if (sweep_cmd->parsed()) return command_sweep(sweep);
  return kExitUsage;
}
