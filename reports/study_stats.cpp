// Aggregation of a study per point: verdict counts and rates, time to ready
// pooled per host profile, scalar metrics across runs, leader API load.
#include "reports/study_stats.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace swarmsim::reports {

using detail::kNaN;

namespace {

Rate make_rate(std::size_t k, std::size_t n) {
  Rate r;
  r.k = k;
  r.n = n;
  r.p = n ? static_cast<double>(k) / static_cast<double>(n) : kNaN;
  r.ci = wilson_interval(k, n);
  return r;
}

ScalarStats scalar_stats(std::vector<double> v, std::size_t nulls) {
  ScalarStats s;
  s.nulls = nulls;
  s.n = v.size();
  if (v.empty()) {
    s.mean = s.p50 = s.p95 = kNaN;
    s.mean_ci = {kNaN, kNaN};
    return s;
  }
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  const double n = static_cast<double>(v.size());
  s.mean = sum / n;
  s.p50 = nearest_rank_quantile(v, 0.50);
  s.p95 = nearest_rank_quantile(v, 0.95);
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    const double half = kZ95 * std::sqrt(ss / (n - 1)) / std::sqrt(n);
    s.mean_ci = {s.mean - half, s.mean + half};
  } else {
    s.mean_ci = {s.mean, s.mean};
  }
  return s;
}

}  // namespace

StudyStats aggregate(const StudyData& data) {
  StudyStats out;
  std::map<std::string, std::size_t> index;
  for (const auto& p : data.points) {
    index.emplace(p.id, out.points.size());
    PointStats ps;
    ps.id = p.id;
    ps.knobs = p.knobs;
    if (auto it = p.knobs.find("policy"); it != p.knobs.end() && it->is_string())
      ps.policy = it->get<std::string>();
    out.points.push_back(std::move(ps));
  }
  struct Pool {
    std::map<std::string, std::vector<double>> ttr;
    std::map<std::string, std::size_t> ttr_runs;
    std::map<std::string, std::vector<double>> scalars;
    std::map<std::string, std::size_t> nulls;
    std::map<std::string, double> calls;
  };
  std::vector<Pool> pools(out.points.size());
  for (const auto& r : data.runs) {
    const auto at = index.find(r.point);
    if (at == index.end()) continue;
    PointStats& ps = out.points[at->second];
    Pool& pool = pools[at->second];
    if (ps.policy.empty() && !r.policy.empty())
      ps.policy = r.policy;
    else if (!r.policy.empty() && ps.policy != r.policy && !ps.knobs.contains("policy"))
      ps.policy = "mixed";
    if (r.verdict == "pass")
      ++ps.pass;
    else if (r.verdict == "safety")
      ++ps.safety;
    else if (r.verdict == "liveness")
      ++ps.liveness;
    else if (r.verdict == "inconclusive")
      ++ps.inconclusive;
    else {
      ++ps.errored;
      continue;
    }
    ++ps.runs;
    for (const auto& [profile, samples] : r.time_to_ready_s) {
      auto& v = pool.ttr[profile];
      v.insert(v.end(), samples.begin(), samples.end());
      if (!samples.empty()) ++pool.ttr_runs[profile];
    }
    for (const auto& [name, v] : r.scalars) pool.scalars[name].push_back(v);
    for (const auto& [name, n] : r.nulls) {
      pool.nulls[name] += n;
      pool.scalars[name];  // the metric exists, even if every run had null
    }
    if (r.has_leader_calls) {
      ++ps.leader_calls_runs;
      for (const auto& [api, rate] : r.leader_calls_per_s) pool.calls[api] += rate;
    }
  }
  for (std::size_t i = 0; i < out.points.size(); ++i) {
    PointStats& ps = out.points[i];
    Pool& pool = pools[i];
    ps.pass_rate = make_rate(ps.pass, ps.runs);
    ps.safety_rate = make_rate(ps.safety, ps.runs);
    ps.liveness_rate = make_rate(ps.liveness, ps.runs);
    for (auto& [profile, v] : pool.ttr) {
      if (v.empty()) continue;
      std::sort(v.begin(), v.end());
      QuantileStats q;
      q.samples = v.size();
      q.runs = pool.ttr_runs[profile];
      q.p50 = nearest_rank_quantile(v, 0.50);
      q.p95 = nearest_rank_quantile(v, 0.95);
      q.p99 = nearest_rank_quantile(v, 0.99);
      q.p99_ci = quantile_interval(v, 0.99);
      ps.time_to_ready_s[profile] = q;
    }
    for (auto& [name, v] : pool.scalars)
      ps.scalars[name] = scalar_stats(std::move(v), pool.nulls[name]);
    for (const auto& [api, sum] : pool.calls)
      ps.leader_calls_per_s[api] = sum / static_cast<double>(ps.leader_calls_runs);
  }
  return out;
}

}  // namespace swarmsim::reports
