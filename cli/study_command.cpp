// swarmsim study / merge: a capacity question as a grid of scenario
// variants and seeds, run into a directory one line per run, resumable,
// and split into shards for a Kubernetes Indexed Job or a CI matrix.
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "cli/progress.hpp"
#include "sim/scenario_yaml.hpp"
#include "study/study_dir.hpp"

namespace swarmsim::cli {

namespace {

std::optional<int> whole(std::string_view s) {
  int v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

int command_study(const StudyArgs& args) {
  // Which shard: --shard I/N, or --shards N with the index from the
  // Indexed Job's JOB_COMPLETION_INDEX (or a CI matrix's variable of that name).
  int shard = 0, shards = 1;
  if (!args.shard.empty() && args.shards > 0) {
    print_error("give --shard I/N or --shards N (index from JOB_COMPLETION_INDEX), not both");
    return kExitUsage;
  }
  if (!args.shard.empty()) {
    const auto slash = args.shard.find('/');
    const auto i = slash == std::string::npos
                       ? std::nullopt
                       : whole(std::string_view(args.shard).substr(0, slash));
    const auto n = slash == std::string::npos
                       ? std::nullopt
                       : whole(std::string_view(args.shard).substr(slash + 1));
    if (!i || !n || *n < 1 || *i < 0 || *i >= *n) {
      print_error(
          fmt::format("--shard: expected I/N with 0 <= I < N (e.g. 0/4), got '{}'", args.shard));
      return kExitUsage;
    }
    shard = *i;
    shards = *n;
  } else if (args.shards > 0) {
    const char* index = std::getenv("JOB_COMPLETION_INDEX");
    const auto i = index == nullptr ? std::nullopt : whole(index);
    if (!i || *i < 0 || *i >= args.shards) {
      print_error(fmt::format(
          "--shards {}: JOB_COMPLETION_INDEX must be set to a whole number from 0 to {} (a "
          "Kubernetes Indexed Job sets it), got '{}'",
          args.shards, args.shards - 1, index == nullptr ? "(unset)" : index));
      return kExitUsage;
    }
    shard = *i;
    shards = args.shards;
  }

  study::StudySpec spec;
  std::vector<study::Point> points;
  try {
    spec = study::load_study_file(args.file);
    points = study::expand(spec);
  } catch (const sim::ScenarioError& e) {
    print_error(e.what());
    return kExitBadInput;
  }
  Progress progress(args.quiet);
  study::StudyRunOptions o;
  o.out = args.out;
  o.jobs = args.jobs;
  o.shard = shard;
  o.shards = shards;
  o.resume = args.resume;
  o.interrupt = interrupt_flag();
  o.on_progress = [&progress](std::size_t done, std::size_t total) {
    progress.update(done, total);
  };
  if (!args.quiet) {
    const std::string seeds =
        spec.precision
            ? fmt::format("seeds until the {} rate is known to +-{:g}% ({} at a time, at most {})",
                          spec.precision->rate, 100 * spec.precision->half_width,
                          spec.precision->batch, spec.precision->max_seeds)
            : fmt::format("{} seeds", spec.seeds);
    std::cerr << fmt::format(
        "study {}: {} points x {}{}; {} at a time, into {}\n", spec.name, points.size(), seeds,
        shards > 1 ? fmt::format(", shard {} of {}", shard, shards) : "", args.jobs, args.out);
    o.on_round = [&progress](int round, std::size_t open, std::size_t all) {
      progress.finish();
      std::cerr << fmt::format("study: round {}: {} of {} points still short of the target\n",
                               round, open, all);
    };
  }
  study::StudyRunSummary s;
  try {
    s = study::run_study(spec, points, o);
  } catch (const study::StudyUsageError& e) {
    print_error(e.what());
    return kExitUsage;
  } catch (const study::StudyWriteError& e) {
    print_error(e.what());
    return kExitCannotWrite;
  }
  if (s.interrupted) {
    progress.finish();
    std::cerr << fmt::format(
        "study: interrupted; {} of {} runs are in {}; run the same command with --resume "
        "to go on\n",
        s.found + s.ran, s.planned, args.out);
    return interrupted_exit_code();
  }
  if (!s.imprecise_points.empty()) {
    // Joined by hand: fmt::join's spec parsing trips GCC 12's false
    // -Wstringop-overflow at -O3 (see reports/CMakeLists.txt).
    std::string names;
    for (const auto& id : s.imprecise_points) names += (names.empty() ? "" : ", ") + id;
    std::cerr << fmt::format(
        "study: {} point(s) reached max_seeds ({}) with the {} rate's interval still wider "
        "than +-{:g}%: {}\n",
        s.imprecise_points.size(), spec.precision->max_seeds, spec.precision->rate,
        100 * spec.precision->half_width, names);
  }
  if (!args.quiet)
    std::cerr << fmt::format(
        "study: {} runs in {} ({} run now, {} found there){}\n", s.planned, args.out, s.ran,
        s.found,
        shards > 1 ? "; `swarmsim merge` joins the shards" : "; `swarmsim report` shows them");
  return kExitPass;
}

int command_merge(const MergeArgs& args) {
  try {
    const std::size_t n = study::merge_study_dirs(args.dirs, args.out);
    std::cerr << fmt::format("merge: {} runs from {} directories in {}\n", n, args.dirs.size(),
                             args.out);
  } catch (const study::StudyUsageError& e) {
    print_error(e.what());
    return kExitBadInput;
  } catch (const study::StudyWriteError& e) {
    print_error(e.what());
    return kExitCannotWrite;
  }
  return kExitPass;
}

}  // namespace swarmsim::cli
