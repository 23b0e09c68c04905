// The swarmsim subcommands, separate from argument parsing so that tests
// can call them.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/runner.hpp"

namespace swarmsim::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitSafety = 1;
inline constexpr int kExitLiveness = 2;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitBadInput = 65;
inline constexpr int kExitInternal = 70;

struct RunArgs {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string seeds;  // "A..B"
  std::string policy;
  bool json = false;
  bool verbose = false;
  bool color = false;
  bool keep_going = false;  // do not stop at the first safety violation
  std::string junit;
  std::string trace_out;  // Chrome trace event JSON
  int jobs = 1;           // runs in parallel (one simulation per thread)
};

int command_run(const RunArgs& args);

// Prints "swarmsim: MESSAGE" to stderr with control and non-UTF-8 bytes from
// untrusted input (a binary file's content in a parser message) shown as '?'.
void print_error(const std::string& message);
// The scenario under `policy` for every seed in [lo, hi], `jobs` runs at a
// time, without traces; in seed order, stopping early on Ctrl-C.
std::vector<sim::RunResult> run_seeds(const sim::ScenarioSpec& spec, const std::string& policy,
                                      std::uint64_t lo, std::uint64_t hi, int jobs);

// Writes render() to `path` (nothing when empty) through a temporary file;
// false, after printing why, when it cannot.
bool write_report(const std::string& path, const std::function<std::string()>& render);
// True for a policy name the model knows; otherwise prints why and the valid names.
bool known_policy(const std::string& name);

struct CompareArgs {
  std::vector<std::string> files;
  std::string seeds = "1..50";
  std::string policies = "legacy,fixed";
  int jobs = 1;
};

struct CheckArgs {
  std::string policy = "fixed";
  int cases = 100;
  std::uint64_t seed = 1;
  int max_hosts = 20;
  std::string out;
  std::string property;
  std::string reproduce;
  std::string junit;
  bool json = false;
  bool quiet = false;
};

// Generated environments against the properties; on failure writes the
// shrunk counterexample as a scenario file and exits 1 (safety), 2
// (liveness) or 70 (determinism, simulator fault).
int command_check(const CheckArgs& args);

struct SweepArgs {
  std::string file;
  std::string vary;                 // dot path into the scenario, e.g. swarm.loop_interval
  std::vector<std::string> values;  // YAML values for it
  std::string seeds = "1..50";
  std::string policies = "legacy,grace,fixed";
  std::string html;
  std::string csv;
  int jobs = 1;
};

// One knob through several values, each under several policies and seeds:
// a table, and optionally CSV and an HTML report with a chart. Exits 0 when
// the sweep ran (it reports, it does not judge).
int command_sweep(const SweepArgs& args);

// Runs every file under every policy over a seed range and prints one row
// per scenario. Exits with the verdict of the last policy listed (the one
// being defended), 0 if it never failed.
int command_compare(const CompareArgs& args);

// Parses "A..B" (inclusive, A <= B); nullopt if malformed.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& s);

}  // namespace swarmsim::cli
