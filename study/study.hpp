// Studies: the capacity planner's question as a file. A study names a base
// scenario, a grid of knobs (any key path of the scenario, list entries and
// host groups included), how many seeds each point of the grid runs, and
// the metrics to report. `swarmsim study` runs it into a directory, one JSON
// line per finished run; `swarmsim merge` joins the directories of shards;
// `swarmsim report` turns a directory into tables and plots.
//
// The schema is documented for users in scenarios/README.md ("Studies").
//
// A knob changes the scenario's YAML before it is loaded, so a study can
// vary anything a scenario file can say and every variant is checked as
// strictly as a hand-written file. A knob value is either a value set at the
// knob's path, or a mapping {label: L, set: {PATH: VALUE, ...}} that sets
// several paths at once (an aarch64 share is two host-group counts).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace swarmsim::study {

struct KnobValue {
  nlohmann::ordered_json label;  // how reports show it: a number, string or bool
  std::vector<std::pair<std::string, YAML::Node>> set;  // path -> value
};

struct Knob {
  std::string name;
  std::string path;  // for values that are plain values; default: the name
  std::vector<KnobValue> values;
};

// Seeds per point until a rate is known well enough, in place of a fixed
// count: every point runs `batch` seeds at a time (first_seed upwards) and
// stops once the Wilson 95% interval of its `rate` is at most
// +-`half_width`, or at `max_seeds`. The decision after each batch looks
// only at that point's runs, so the runs a study ends with depend on the
// study alone: not on -j, on shards (which split points, not runs, in this
// mode) or on how often it was killed and resumed.
struct Precision {
  std::string rate;  // "safety", "liveness" or "pass": the share of runs with that verdict
  double half_width = 0.05;
  int batch = 20;
  int max_seeds = 10000;
};

// The verdicts a rate counts: a run that ended in an internal error counts
// for none (the report leaves it out too).
bool counted_verdict(const std::string& verdict);
// A point whose runs so far gave `k` of `n` counted runs with the rate's
// verdict needs no more seeds.
bool precise_enough(const Precision& p, std::size_t k, std::size_t n);

// Where a point stops under `p`, given the verdicts of its seeds from
// first_seed up, in seed order: the first batch boundary (batch, 2 batch,
// ..., max_seeds) at which the runs up to it are precise enough, or
// max_seeds. nullopt when the verdicts end before that boundary (the point
// needs more seeds). `precise` says whether the target was met.
struct Stop {
  std::size_t seeds = 0;
  bool precise = false;
};
std::optional<Stop> stop_point(const Precision& p, const std::vector<std::string>& verdicts);

struct StudySpec {
  std::string file;  // the study file as given
  std::string name;
  std::string question;   // what the study answers, for the report
  std::string base_file;  // the base scenario, as resolved from the study file
  std::string base_text;
  std::vector<Knob> knobs;
  int seeds = 10;  // per point, unless `precision` is set
  std::optional<Precision> precision;
  std::uint64_t first_seed = 1;
  std::vector<std::string> metrics;  // what the report shows first; empty: all
};

// One point of the grid: a value of every knob.
struct Point {
  std::string id;                // p0000, p0001, ... in grid order (the last knob varies fastest)
  nlohmann::ordered_json knobs;  // knob name -> label
  sim::ScenarioSpec scenario;
};

// One run: a point and a seed.
struct RunKey {
  std::size_t point = 0;
  std::uint64_t seed = 0;
  bool operator==(const RunKey&) const = default;
};

// A YAML value as reports label it: a number when it reads as one, a
// boolean for true/false, else its text (a mapping or list in flow style).
nlohmann::ordered_json label_of(const YAML::Node& value);

// Reads and checks a study file. Throws sim::ScenarioError naming the file,
// line and column of what is wrong.
StudySpec load_study_file(const std::string& path);

// Every point of the grid, each scenario loaded and checked. Throws
// sim::ScenarioError naming the point and the knob values that made a
// scenario the loader rejects (a path that does not exist, a value of the
// wrong type).
std::vector<Point> expand(const StudySpec& spec);

// The base scenario's YAML with `set` applied (exposed for tests).
std::string apply_knobs(const std::string& base_text,
                        const std::vector<std::pair<std::string, YAML::Node>>& set,
                        const std::string& file);

// The runs of shard `shard` of `shards` (0-based), in the order they are
// handed out: run i of the whole study (points in order, seeds in order
// within a point) belongs to shard i mod shards. Not for a study with
// `precision`, whose runs are not known in advance (see points_of_shard).
std::vector<RunKey> plan(const StudySpec& spec, std::size_t points, int shard, int shards);

// The points shard `shard` of `shards` runs under `precision`: point i
// belongs to shard i mod shards, with all of its seeds.
std::vector<std::size_t> points_of_shard(std::size_t points, int shard, int shards);

// study.json: what the study is and its points, so that a report or a
// merge needs nothing else.
nlohmann::ordered_json study_json(const StudySpec& spec, const std::vector<Point>& points);

// One line of runs.jsonl for a finished run (everything but its wall time
// depends only on the point and the seed).
nlohmann::ordered_json run_line(const Point& point, std::uint64_t seed);

}  // namespace swarmsim::study
