// A study's directory as `swarmsim report` reads it: study.json (the grid:
// knobs, their values, the points) and runs.jsonl (one JSON object per
// finished run, in any order), parsed into StudyData. A line of runs.jsonl
// that is not a run is skipped with a warning; study.json that is not a
// study's is an error (NotAStudy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace swarmsim::reports {

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
  int seeds_per_point = 0;           // 0 under a target precision
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
StudyData parse_study(const std::string& dir, const std::string& study_json,
                      const std::string& runs_jsonl);

// A knob value as reports show it: a string as it is, anything else as JSON.
std::string knob_label(const nlohmann::json& value);
// A knob value's place on a numeric axis: a number, or a string holding a
// number or a duration ("250ms", "20s", "5m", "1h", in seconds).
std::optional<double> knob_number(const nlohmann::json& value);

namespace detail {

// A number or a duration in a string: the number of seconds, and whether a
// unit was written (an axis of durations is labelled in seconds).
std::optional<std::pair<double, bool>> parse_quantity(const std::string& s);

}  // namespace detail

}  // namespace swarmsim::reports
