// A study's directory: study.json (what was asked) and runs.jsonl (one
// line per finished run). Lines are appended whole, one write each, and the
// file is synced after every line, so a study killed at any moment leaves
// every finished run on disk and at most one torn last line, which the next
// --resume cuts off before running what is missing: no run lost, none
// repeated.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "study/study.hpp"

namespace swarmsim::study {

// What a study directory holds. Throws std::runtime_error when study.json
// is missing or unreadable.
struct StudyDir {
  nlohmann::ordered_json study;              // study.json
  std::vector<nlohmann::ordered_json> runs;  // runs.jsonl, complete lines only
  std::size_t torn_bytes = 0;                // an unfinished last line, if any
};
StudyDir read_study_dir(const std::string& dir);

// The runs of study.json `a` and `b` are the same runs (the same study, the
// same points and seeds), whatever shard each directory was.
bool same_study(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b);

struct StudyRunOptions {
  std::string out;
  int jobs = 1;
  int shard = 0;
  int shards = 1;
  bool resume = false;
  const std::atomic<bool>* interrupt = nullptr;
  // After every finished run: done and total for this shard, runs found on
  // disk at the start included.
  // Under `precision`, `total` is what is known so far (the runs on disk
  // and the round in flight) and grows round by round.
  std::function<void(std::size_t done, std::size_t total)> on_progress;
  // Under `precision`, before each round: its number (from 1), the points
  // still short of the target and the points of this shard.
  std::function<void(int round, std::size_t open_points, std::size_t points)> on_round;
};

struct StudyRunSummary {
  std::size_t planned = 0;  // runs of this shard (under `precision`: those it ended with)
  std::size_t found = 0;    // already on disk (--resume)
  std::size_t ran = 0;
  bool interrupted = false;
  // Under `precision`: points of this shard that reached max_seeds with
  // their interval still wider than the target.
  std::vector<std::string> imprecise_points;
};

// Errors the caller reports with an exit code.
struct StudyUsageError : std::runtime_error {  // 64
  using std::runtime_error::runtime_error;
};
struct StudyWriteError : std::runtime_error {  // 73
  using std::runtime_error::runtime_error;
};

// Runs this shard's runs that are not on disk yet, `jobs` at a time. Under
// `precision`, in rounds of one batch per point still short of the target.
StudyRunSummary run_study(const StudySpec& spec, const std::vector<Point>& points,
                          const StudyRunOptions& o);

// Joins the directories of a study's shards into `out`: study.json without
// the shard, and every run once, sorted by point and seed. Throws
// StudyUsageError when the directories are not of one study or two hold the
// same run with different results.
std::size_t merge_study_dirs(const std::vector<std::string>& dirs, const std::string& out);

}  // namespace swarmsim::study
