// The swarmsim subcommands, separate from argument parsing so that tests
// can call them. Each returns the process's exit code (cli/common.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"

namespace swarmsim::cli {

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

// One scenario file, one seed or a range: the timeline and verdict, or one
// line per seed and a summary. Exits with the worst verdict.
int command_run(const RunArgs& args);

struct ServeArgs {
  std::string file;
  std::optional<std::uint64_t> seed;
  std::string policy;
  double speed = 1.0;
  bool json = false;
  std::vector<std::string> external;  // hosts whose swarmkit-mon runs outside
  std::string run_dir;                // default: a new directory under $TMPDIR
};

// Runs one scenario in real time (times `speed`) and serves each host's
// Docker Engine API, metadata and swarm port, and the Cattle API, on
// loopback sockets (live/serve_world.hpp); prints the endpoints, then, when
// the scenario's time is over or on Ctrl-C, the verdict. Exits as `run` does.
int command_serve(const ServeArgs& args);

struct CompareArgs {
  std::vector<std::string> files;
  std::string seeds = "1..50";
  std::string policies = "legacy,fixed";
  int jobs = 1;
};

// Runs every file under every policy over a seed range and prints one row
// per scenario. Exits with the worst verdict over all runs (1 when any run
// evicted a node, else 2 when any run was stuck, else 0): comparing a
// policy that fails by design is expected to exit 1.
int command_compare(const CompareArgs& args);

struct CheckArgs {
  std::string policy = "fixed";
  int cases = 100;
  std::uint64_t seed = 1;
  int max_hosts = 20;
  bool join_bursts = false;
  bool no_shrink = false;
  std::string out;
  std::string property;
  std::string reproduce;
  std::string junit;
  bool json = false;
  bool quiet = false;
  int jobs = 1;  // cases evaluated at once; the result does not depend on it
};

// Generated environments against the properties; on failure writes the
// shrunk counterexample as a scenario file and exits 1 (safety), 2
// (liveness) or 70 (determinism, simulator fault).
int command_check(const CheckArgs& args);

struct StudyArgs {
  std::string file;
  std::string out;
  int jobs = 1;
  std::string shard;  // "I/N", 0-based
  int shards = 0;     // with the index from JOB_COMPLETION_INDEX
  bool resume = false;
  bool quiet = false;
};

// Runs a study file's grid of scenario variants and seeds (or this shard's
// share of it) into OUT: study.json and one line per finished run in
// runs.jsonl. Exits 0 when every run of the shard is on disk, 130/143 when
// interrupted (what finished is kept; --resume goes on), 64/65/73 as usual.
int command_study(const StudyArgs& args);

struct MergeArgs {
  std::vector<std::string> dirs;
  std::string out;
};

// Joins the directories of a study's shards into one, every run once.
int command_merge(const MergeArgs& args);

struct SweepArgs {
  std::string file;
  std::string vary;  // key path into the scenario, e.g. swarm.loop_interval or hosts.1.at
  std::vector<std::string> values;  // YAML values for it
  std::string seeds = "1..50";
  std::string policies = "legacy,grace,fixed";
  std::string out;  // the study directory; default sweep-<file stem>-<vary with '_' for '.'>
  bool resume = false;
  std::string html;
  std::string md;
  std::string csv;
  int jobs = 1;
  bool quiet = false;
};

// One knob through several values, each under several policies and seeds:
// a study of two knobs (the path and `policy`) built in memory and run as
// `swarmsim study` runs one, into OUT (study.json, runs.jsonl; resumable).
// Prints a table of safety rates with Wilson 95% intervals and liveness
// counts per value and policy; optionally the study's HTML, Markdown and
// CSV reports. Exits 0 when every run is on disk (it reports, it does not
// judge); 130/143 when interrupted (what finished is kept); 64 for a bad
// option, a path the scenario lacks or OUT holding a study without
// --resume; 65 when the file or a value is rejected by the loader; 73 when
// OUT or a report cannot be written.
int command_sweep(const SweepArgs& args);

struct ReportArgs {
  std::string dir;   // a study's directory: study.json and runs.jsonl
  std::string html;  // a page with the summary table and plots
  std::string md;    // the summary table, for a ticket
  std::string csv;   // one row per point of the grid
};

// A study's directory (what `swarmsim study` wrote) as reports: per point of
// the grid, verdict rates with Wilson intervals, time-to-ready quantiles
// with an interval for the p99, and the other metrics across runs. Exits 0;
// 64 when no output is named; 65 when DIR holds no readable study.json; 73
// when an output cannot be written.
int command_report(const ReportArgs& args);

struct GateArgs {
  std::vector<std::string> paths;  // scenario files or folders; default tests/regression scenarios
  std::string junit;
  bool json = false;
  int jobs = 1;
  int cases = 2000;        // the fixed-policy property batch
  std::uint64_t seed = 1;  // its RapidCheck seed
  bool quiet = false;
};

// The CI regression gate: every scenario of the corpus under every policy
// its `# expect:` line names, a fixed-seed property check of the fixed
// policy, and the meta-test that the check still finds the legacy race.
// Exits 0 only when everything is as expected; 1 when an outcome differs,
// 65 when a corpus file cannot be read or has no expect line, 70 on an
// internal error.
int command_gate(const GateArgs& args);

}  // namespace swarmsim::cli
