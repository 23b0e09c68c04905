// The CSV of a study's report: one row per point, a column per knob, the
// verdict counts and rates with their intervals, then every metric; bare
// numbers, empty when missing.
#include <fmt/format.h>

#include <set>

#include "reports/study_format.hpp"
#include "reports/study_report.hpp"

namespace swarmsim::reports {

using detail::apis_of;
using detail::finite;
using detail::profiles_of;
using detail::scalars_of;

namespace {

std::string csv_text(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string csv_num(double x) {
  if (!finite(x)) return "";
  return fmt::format("{}", x);
}

}  // namespace

std::string render_study_csv(const StudyData& d, const StudyStats& s) {
  const auto profiles = profiles_of(s);
  const auto scalars = scalars_of(s);
  const auto apis = apis_of(s);
  std::set<std::string> with_nulls;
  for (const auto& p : s.points)
    for (const auto& [name, v] : p.scalars)
      if (v.nulls) with_nulls.insert(name);
  std::vector<std::string> header;
  for (const auto& k : d.knobs) header.push_back(csv_text(k.name));
  for (const char* c :
       {"runs", "errored", "pass", "safety", "liveness", "inconclusive", "pass_rate",
        "pass_rate_lo", "pass_rate_hi", "safety_rate", "safety_rate_lo", "safety_rate_hi",
        "liveness_rate", "liveness_rate_lo", "liveness_rate_hi"})
    header.push_back(c);
  for (const auto& pr : profiles)
    for (const char* stat : {"p50", "p95", "p99", "p99_lo", "p99_hi", "samples", "runs"})
      header.push_back(csv_text(fmt::format("time_to_ready_s_{}.{}", stat, pr)));
  for (const auto& m : scalars) {
    for (const char* stat : {"mean", "p50", "p95", "n"})
      header.push_back(csv_text(fmt::format("{}_{}", m, stat)));
    if (with_nulls.count(m)) header.push_back(csv_text(m + "_null"));
  }
  for (const auto& a : apis) header.push_back(csv_text("leader_calls_per_s_mean." + a));
  std::string out = fmt::format("{}\r\n", fmt::join(header, ","));
  for (const auto& p : s.points) {
    std::vector<std::string> row;
    for (const auto& k : d.knobs) {
      const auto it = p.knobs.find(k.name);
      if (it == p.knobs.end() || it->is_null())
        row.push_back("");
      else if (it->is_string())
        row.push_back(csv_text(it->get<std::string>()));
      else
        row.push_back(csv_text(it->dump()));
    }
    for (std::size_t v : {p.runs, p.errored, p.pass, p.safety, p.liveness, p.inconclusive})
      row.push_back(std::to_string(v));
    for (const Rate* r : {&p.pass_rate, &p.safety_rate, &p.liveness_rate}) {
      row.push_back(csv_num(r->p));
      row.push_back(csv_num(r->ci.lo));
      row.push_back(csv_num(r->ci.hi));
    }
    for (const auto& pr : profiles) {
      const auto it = p.time_to_ready_s.find(pr);
      if (it == p.time_to_ready_s.end()) {
        row.insert(row.end(), 7, "");
        continue;
      }
      const QuantileStats& q = it->second;
      for (double v : {q.p50, q.p95, q.p99, q.p99_ci.lo, q.p99_ci.hi}) row.push_back(csv_num(v));
      row.push_back(std::to_string(q.samples));
      row.push_back(std::to_string(q.runs));
    }
    for (const auto& m : scalars) {
      const auto it = p.scalars.find(m);
      const bool has = it != p.scalars.end();
      row.push_back(has ? csv_num(it->second.mean) : "");
      row.push_back(has ? csv_num(it->second.p50) : "");
      row.push_back(has ? csv_num(it->second.p95) : "");
      row.push_back(has ? std::to_string(it->second.n) : "");
      if (with_nulls.count(m)) row.push_back(has ? std::to_string(it->second.nulls) : "");
    }
    for (const auto& a : apis) {
      const auto it = p.leader_calls_per_s.find(a);
      row.push_back(it == p.leader_calls_per_s.end() ? "" : csv_num(it->second));
    }
    out += fmt::format("{}\r\n", fmt::join(row, ","));
  }
  return out;
}

}  // namespace swarmsim::reports
