#include "study/study_dir.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "study/study_files.hpp"

namespace swarmsim::study {

namespace fs = std::filesystem;

namespace {

std::pair<std::string, std::uint64_t> key_of(const nlohmann::ordered_json& run) {
  return {run.value("point", std::string()), run.value("seed", std::uint64_t{0})};
}

// A run as it would be written by any shard: without its wall time.
nlohmann::ordered_json comparable(nlohmann::ordered_json run) {
  run.erase("wall_s");
  return run;
}

}  // namespace

StudyDir read_study_dir(const std::string& dir) {
  StudyDir d;
  const FileBytes study = read_study_json(dir);
  if (!study.opened)
    throw std::runtime_error(
        fmt::format("{}: no study.json here (is it a study's --out directory?)", dir));
  if (study.read_error) std::rethrow_exception(study.read_error);
  d.study = nlohmann::ordered_json::parse(study.text, nullptr, false);
  if (!d.study.is_object() || d.study.value("command", "") != "study")
    throw std::runtime_error(
        fmt::format("{}: not a study's study.json (expected JSON with \"command\": \"study\")",
                    study_json_path(dir)));
  // A runs.jsonl that cannot be read holds no run yet, and one that fails
  // midway the runs before the failure.
  const RunsJsonl runs = read_runs_jsonl(dir);
  for (const RunsLine& line : runs.lines.complete) {
    auto j = nlohmann::ordered_json::parse(line.text, nullptr, false);
    if (!j.is_object() || !j.contains("point") || !j.contains("seed"))
      throw std::runtime_error(
          fmt::format("{}:{}: not a run (expected a JSON object with point and seed)",
                      runs_jsonl_path(dir), line.number));
    d.runs.push_back(std::move(j));
  }
  // The run being written when the study was killed.
  if (runs.lines.torn) d.torn_bytes = runs.lines.torn->text.size();
  return d;
}

bool same_study(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  for (const char* key : {"study", "knobs", "points", "seeds_per_point", "precision", "first_seed"})
    if (a.value(key, nlohmann::ordered_json()) != b.value(key, nlohmann::ordered_json()))
      return false;
  return true;
}

StudyRunSummary run_study(const StudySpec& spec, const std::vector<Point>& points,
                          const StudyRunOptions& o) {
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) throw StudyWriteError(fmt::format("cannot make {}: {}", o.out, ec.message()));

  nlohmann::ordered_json wanted = study_json(spec, points);
  wanted["shard"] = {{"index", o.shard}, {"count", o.shards}};
  // point/seed -> verdict of every run on disk (resumed) or finished now.
  std::map<std::pair<std::string, std::uint64_t>, std::string> done;
  if (fs::exists(study_json_path(o.out))) {
    StudyDir there;
    try {
      there = read_study_dir(o.out);
    } catch (const std::runtime_error& e) {
      throw StudyUsageError(e.what());
    }
    if (!o.resume)
      throw StudyUsageError(
          fmt::format("{} already holds a study ({} runs); add --resume to go on with it, or "
                      "choose another --out",
                      o.out, there.runs.size()));
    if (!same_study(there.study, wanted) ||
        there.study.value("shard", nlohmann::ordered_json()) != wanted["shard"])
      throw StudyUsageError(
          fmt::format("{} holds another study, or another shard of it: --resume goes on only "
                      "with the same study (file, or sweep options) and the same shard",
                      o.out));
    if (there.torn_bytes > 0) {
      const auto size = fs::file_size(runs_jsonl_path(o.out));
      fs::resize_file(runs_jsonl_path(o.out), size - there.torn_bytes, ec);
      if (ec)
        throw StudyWriteError(fmt::format("cannot cut the torn last line of {}: {}",
                                          runs_jsonl_path(o.out), ec.message()));
    }
    for (const auto& r : there.runs) done.emplace(key_of(r), r.value("verdict", std::string()));
  } else {
    try {
      reports::write_file_atomically(study_json_path(o.out), wanted.dump(2) + "\n");
    } catch (const std::runtime_error& e) {
      throw StudyWriteError(e.what());
    }
  }

  const int fd =
      ::open(runs_jsonl_path(o.out).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw StudyWriteError(
        fmt::format("cannot write {}: {}", runs_jsonl_path(o.out), std::strerror(errno)));
  StudyRunSummary summary;
  std::size_t finished = 0;   // runs of this shard on disk, found or run now
  std::size_t known = 0;      // runs of this shard known to be wanted so far
  std::string write_failure;  // under write_lock
  std::atomic<bool> write_failed{false};
  std::mutex write_lock;
  auto stop = [&] {
    return (o.interrupt != nullptr && o.interrupt->load()) || write_failed.load();
  };

  // Runs `todo`, `jobs` at a time, appending a line per finished run.
  auto run_all = [&](const std::vector<RunKey>& todo) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      while (!stop()) {
        const std::size_t i = next.fetch_add(1);
        if (i >= todo.size()) return;
        const RunKey k = todo[i];
        const auto t0 = std::chrono::steady_clock::now();
        nlohmann::ordered_json line;
        try {
          line = run_line(points[k.point], k.seed);
        } catch (const std::exception& e) {
          // Kept as a run, so that the study goes on and the report shows it.
          line = {{"point", points[k.point].id},
                  {"knobs", points[k.point].knobs},
                  {"seed", k.seed},
                  {"policy", points[k.point].scenario.policy},
                  {"verdict", "internal-error"},
                  {"error", e.what()}};
        }
        line["wall_s"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const std::string text =
            line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
        std::lock_guard<std::mutex> lock(write_lock);
        // One write per line (O_APPEND): a kill leaves whole lines and at
        // most one torn last line.
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n != static_cast<ssize_t>(text.size())) {
          write_failure = fmt::format("cannot write {}: {}", runs_jsonl_path(o.out),
                                      n < 0 ? std::strerror(errno) : "short write");
          write_failed = true;
          return;
        }
        done.emplace(std::pair{points[k.point].id, k.seed}, line.value("verdict", std::string()));
        ++summary.ran;
        ++finished;
        if (o.on_progress) o.on_progress(finished, known);
      }
    };
    const int threads =
        std::clamp(o.jobs, 1, static_cast<int>(std::max<std::size_t>(todo.size(), 1)));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  };
  // Of `wanted` runs, those not on disk; counts the others as found.
  auto missing = [&](const std::vector<RunKey>& wanted_runs) {
    std::vector<RunKey> todo;
    for (const RunKey& k : wanted_runs) {
      ++known;
      if (done.count({points[k.point].id, k.seed}) > 0) {
        ++summary.found;
        ++finished;
      } else {
        todo.push_back(k);
      }
    }
    return todo;
  };

  bool rounds_left = false;  // under `precision`: points still open when it stopped
  if (!spec.precision) {
    run_all(missing(plan(spec, points.size(), o.shard, o.shards)));
  } else {
    // Rounds: every open point gets its next batch of seeds; after the
    // round, a point whose rate is known well enough (or that reached
    // max_seeds) closes. The decision sees only the point's own runs of
    // the seeds it has had, so it is the same however the runs were spread
    // over threads, shards and resumptions.
    const Precision& pr = *spec.precision;
    std::vector<std::size_t> open = points_of_shard(points.size(), o.shard, o.shards);
    const std::size_t shard_points = open.size();
    for (int round = 0; !open.empty() && !stop(); ++round) {
      if (o.on_round) o.on_round(round + 1, open.size(), shard_points);
      const int from = round * pr.batch;
      const int to = std::min(from + pr.batch, pr.max_seeds);
      std::vector<RunKey> batch;
      for (const std::size_t p : open)
        for (int s = from; s < to; ++s)
          batch.push_back({p, spec.first_seed + static_cast<std::uint64_t>(s)});
      run_all(missing(batch));
      if (stop()) break;
      std::vector<std::size_t> still_open;
      for (const std::size_t p : open) {
        std::vector<std::string> verdicts;
        verdicts.reserve(static_cast<std::size_t>(to));
        for (int s = 0; s < to; ++s)
          verdicts.push_back(
              done.at({points[p].id, spec.first_seed + static_cast<std::uint64_t>(s)}));
        const auto end = stop_point(pr, verdicts);
        if (!end)
          still_open.push_back(p);
        else if (!end->precise)
          summary.imprecise_points.push_back(points[p].id);
      }
      open = std::move(still_open);
    }
    rounds_left = !open.empty();
  }
  ::close(fd);
  if (!write_failure.empty()) throw StudyWriteError(write_failure);
  summary.planned = known;
  summary.interrupted = rounds_left || summary.found + summary.ran < summary.planned;
  return summary;
}

std::size_t merge_study_dirs(const std::vector<std::string>& dirs, const std::string& out) {
  std::optional<nlohmann::ordered_json> study;
  std::map<std::pair<std::string, std::uint64_t>, nlohmann::ordered_json> runs;
  for (const auto& dir : dirs) {
    StudyDir d;
    try {
      d = read_study_dir(dir);
    } catch (const std::runtime_error& e) {
      throw StudyUsageError(e.what());
    }
    if (!study)
      study = d.study;
    else if (!same_study(*study, d.study))
      throw StudyUsageError(fmt::format(
          "{} holds another study than {}: only shards of one study merge", dir, dirs[0]));
    for (auto& r : d.runs) {
      const auto key = key_of(r);
      auto [it, inserted] = runs.emplace(key, r);
      if (!inserted && comparable(it->second) != comparable(r))
        throw StudyUsageError(fmt::format(
            "point {} seed {} is in two directories with different results: {} and {}", key.first,
            key.second, it->second.value("digest", "?"), r.value("digest", "?")));
    }
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw StudyWriteError(fmt::format("cannot make {}: {}", out, ec.message()));
  study->erase("shard");
  std::string lines;
  for (const auto& [key, r] : runs)
    lines += r.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  try {
    reports::write_file_atomically(runs_jsonl_path(out), lines);
    reports::write_file_atomically(study_json_path(out), study->dump(2) + "\n");
  } catch (const std::runtime_error& e) {
    throw StudyWriteError(e.what());
  }
  return runs.size();
}

}  // namespace swarmsim::study
