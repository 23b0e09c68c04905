// A study aggregated per point of its grid: the share of runs with each
// verdict (with Wilson 95% intervals), time to ready per host profile
// pooled over the point's runs (p50, p95, p99 and an interval for the p99),
// the other metrics across runs and the leader's API load.
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reports/statistics.hpp"
#include "reports/study_data.hpp"

namespace swarmsim::reports {

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
  std::string policy;       // of its runs (the `policy` knob's value when there is one)
  std::size_t runs = 0;     // runs with a verdict pass, safety, liveness or inconclusive
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

namespace detail {

// A statistic of no sample, and a point of a plot with no value.
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace detail

}  // namespace swarmsim::reports
