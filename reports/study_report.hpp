// Reports of a study's directory (`swarmsim report`): what a grid of
// scenario variants x seeds found, per point of the grid, with the
// uncertainty that a finite number of seeds leaves. Pure functions: load a
// directory into StudyData, aggregate each point, render HTML (inline SVG
// plots, no script, no external file), Markdown and CSV as strings.
//
// A study directory holds study.json (the grid: knobs, their values, the
// points) and runs.jsonl (one JSON object per finished run, in any order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/statistics.hpp"

namespace swarmsim::reports {

// ---- A study's directory --------------------------------------------------

// study.json is missing, unreadable or not a study's: the message names the
// file and what was expected. `swarmsim report` exits 65 on it.
struct NotAStudy : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StudyKnob {
  std::string name;
  std::string path;
  std::vector<nlohmann::json> values;  // numbers, strings or booleans
};

struct StudyPoint {
  std::string id;
  nlohmann::json knobs;  // knob name -> value
};

struct StudyRun {
  std::string point;
  nlohmann::json knobs;
  std::optional<std::uint64_t> seed;
  std::string policy;
  std::string verdict;  // pass, safety, liveness, inconclusive, or anything else (an error)
  std::map<std::string, std::vector<double>> time_to_ready_s;  // profile -> seconds per host
  std::map<std::string, double> scalars;                       // metric -> value
  std::map<std::string, std::size_t> nulls;                    // metric -> 1 when null in this run
  std::map<std::string, double> leader_calls_per_s;            // API -> rate
  bool has_leader_calls = false;
};

struct StudyData {
  std::string dir;
  std::string name;
  std::string question;
  std::string base;
  std::vector<StudyKnob> knobs;
  std::vector<std::string> metrics;  // what the study asks to report; empty: all
  int seeds_per_point = 0;  // 0 under a target precision
  // A target precision in place of seeds_per_point: {rate, half_width,
  // batch, max_seeds}; null for a fixed seed count.
  nlohmann::json precision;
  std::vector<StudyPoint> points;
  std::vector<StudyRun> runs;
  std::vector<std::string> warnings;  // lines skipped and why, for stderr and the page
};

// Reads DIR/study.json (throws NotAStudy) and DIR/runs.jsonl (a line that is
// not a JSON object, such as a torn last line, is skipped with a warning; a
// missing runs.jsonl is a warning too: a study with no finished run).
StudyData load_study_dir(const std::string& dir);
// The same from the two files' contents (for tests); `dir` only names them.
StudyData parse_study(const std::string& dir, const std::string& study_json, const std::string& runs_jsonl);

// ---- Aggregation per point ------------------------------------------------

struct Rate {
  std::size_t k = 0;
  std::size_t n = 0;
  double p = 0;  // NaN when n == 0
  Interval ci;   // Wilson 95%; NaN when n == 0
};

struct QuantileStats {  // time to ready of one profile, pooled over the point's runs
  std::size_t samples = 0;
  std::size_t runs = 0;
  double p50 = 0, p95 = 0, p99 = 0;
  QuantileInterval p99_ci;
};

struct ScalarStats {  // one scalar metric across the point's runs
  std::size_t n = 0;
  std::size_t nulls = 0;  // runs where it was null (converged_at_s: never converged)
  double mean = 0, p50 = 0, p95 = 0;
  Interval mean_ci;  // mean +- z * s / sqrt(n)
};

struct PointStats {
  std::string id;
  nlohmann::json knobs;
  std::string policy;  // of its runs (the `policy` knob's value when there is one)
  std::size_t runs = 0;  // runs with a verdict pass, safety, liveness or inconclusive
  std::size_t errored = 0;  // runs with any other verdict: not counted in `runs`
  std::size_t pass = 0, safety = 0, liveness = 0, inconclusive = 0;
  Rate pass_rate, safety_rate, liveness_rate;
  std::map<std::string, QuantileStats> time_to_ready_s;  // profile ->
  std::map<std::string, ScalarStats> scalars;            // metric ->
  std::map<std::string, double> leader_calls_per_s;      // API -> mean over runs that report any
  std::size_t leader_calls_runs = 0;
};

struct StudyStats {
  std::vector<PointStats> points;  // in study.json's order; points with no runs included
};

StudyStats aggregate(const StudyData& data);

// ---- Renderers --------------------------------------------------------------

// The titles of the plots render_study_html draws, in order (tests check
// that each is on the page).
std::vector<std::string> study_plot_titles(const StudyData& data, const StudyStats& stats);
std::string render_study_html(const StudyData& data, const StudyStats& stats);
std::string render_study_markdown(const StudyData& data, const StudyStats& stats);
std::string render_study_csv(const StudyData& data, const StudyStats& stats);

// How many seeds each point had, in words: "3 seeds each", or the target
// precision and, when some points stopped at max_seeds short of it, which.
std::string seeds_text(const StudyData& data, const StudyStats& stats);

// A knob value as reports show it: a string as it is, anything else as JSON.
std::string knob_label(const nlohmann::json& value);
// A knob value's place on a numeric axis: a number, or a string holding a
// number or a duration ("250ms", "20s", "5m", "1h", in seconds).
std::optional<double> knob_number(const nlohmann::json& value);

}  // namespace swarmsim::reports
