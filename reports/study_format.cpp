// Text shared by the study reports: escaping, numbers, the metrics a study
// has, the summary table, the note on how many runs a rate needs, and the
// seeds each point had in words.
#include "reports/study_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "reports/study_report.hpp"

namespace swarmsim::reports {

namespace detail {

std::string esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else if (c == ':' && s.compare(i, 3, "://") == 0)
      out += "&#58;";
    else
      out += c;
  }
  return out;
}

std::string num(double x) {
  if (!finite(x)) return "–";
  if (x == 0) return "0";
  return fmt::format("{:.4g}", x);
}

std::string pct(double p) {
  if (!finite(p)) return "–";
  if (p == 0) return "0";
  return fmt::format("{:.3g}", 100 * p);
}

std::string rate_text(const Rate& r) {
  if (r.n == 0) return "no runs";
  return fmt::format("{}% [{}, {}]", pct(r.p), pct(r.ci.lo), pct(r.ci.hi));
}

std::string p99_text(const QuantileStats& q) {
  return fmt::format("{} s [{}, {}]", num(q.p99),
                     finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                     finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded");
}

namespace {

// Whether the metric `asked` for names `name`: itself, or a prefix of it.
bool asked_for(const std::string& asked, const std::string& name) {
  if (name == asked) return true;
  return name.size() > asked.size() && name.compare(0, asked.size(), asked) == 0 &&
         (name[asked.size()] == '_' || name[asked.size()] == '.');
}

}  // namespace

bool asked_for(const StudyData& d, const std::string& name) {
  return std::any_of(d.metrics.begin(), d.metrics.end(),
                     [&](const std::string& m) { return asked_for(m, name); });
}

std::vector<std::string> profiles_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [profile, q] : p.time_to_ready_s) out.insert(profile);
  return {out.begin(), out.end()};
}

std::vector<std::string> scalars_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [name, v] : p.scalars) out.insert(name);
  return {out.begin(), out.end()};
}

std::vector<std::string> apis_of(const StudyStats& s) {
  std::set<std::string> out;
  for (const auto& p : s.points)
    for (const auto& [api, v] : p.leader_calls_per_s) out.insert(api);
  return {out.begin(), out.end()};
}

std::vector<std::string> ordered_scalars(const StudyData& d, const StudyStats& s) {
  const auto all = scalars_of(s);
  std::vector<std::string> out;
  for (const auto& m : d.metrics)
    for (const auto& name : all)
      if (asked_for(m, name) && std::find(out.begin(), out.end(), name) == out.end())
        out.push_back(name);
  for (const auto& name : all)
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  return out;
}

std::vector<std::string> summary_scalars(const StudyData& d, const StudyStats& s) {
  const auto all = scalars_of(s);
  std::vector<std::string> out;
  for (const auto& name : ordered_scalars(d, s))
    if (asked_for(d, name)) out.push_back(name);
  for (const char* name :
       {"spurious_evictions", "never_ready_hosts", "converged_at_s", "leader_calls_per_s_total"})
    if (std::find(all.begin(), all.end(), name) != all.end() &&
        std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  return out;
}

std::string point_knob_label(const PointStats& p, const std::string& knob) {
  const auto it = p.knobs.find(knob);
  return it == p.knobs.end() ? std::string() : knob_label(*it);
}

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '-';
  return out;
}

namespace {

std::vector<std::string> knob_names(const StudyData& d) {
  std::vector<std::string> out;
  for (const auto& k : d.knobs) out.push_back(k.name);
  return out;
}

std::size_t zero_failure_runs_wilson(double bound) {
  // With no failure the Wilson upper bound is z^2 / (n + z^2): below `bound` from
  // n > z^2 (1 - bound) / bound.
  return static_cast<std::size_t>(std::floor(kZ95 * kZ95 * (1 - bound) / bound)) + 1;
}

}  // namespace

Table summary_table(const StudyData& d, const StudyStats& s) {
  Table t;
  const auto knobs = knob_names(d);
  t.header = knobs;
  const bool any_errored = std::any_of(s.points.begin(), s.points.end(),
                                       [](const PointStats& p) { return p.errored > 0; });
  for (const char* h : {"runs", "pass % [95% CI]", "safety failures % [95% CI]",
                        "liveness failures % [95% CI]", "inconclusive"})
    t.header.push_back(h);
  if (any_errored) t.header.push_back("errored");
  const auto profiles = profiles_of(s);
  for (const auto& pr : profiles)
    t.header.push_back(fmt::format("time to ready p99, {} (s) [95% CI]", pr));
  const auto scalars = summary_scalars(d, s);
  for (const auto& m : scalars) t.header.push_back(m + " (mean)");
  for (const auto& p : s.points) {
    std::vector<std::string> row;
    row.reserve(t.header.size());
    for (const auto& k : knobs) row.push_back(point_knob_label(p, k));
    row.push_back(std::to_string(p.runs));
    row.push_back(rate_text(p.pass_rate));
    row.push_back(rate_text(p.safety_rate));
    row.push_back(rate_text(p.liveness_rate));
    row.push_back(std::to_string(p.inconclusive));
    if (any_errored) row.push_back(std::to_string(p.errored));
    for (const auto& pr : profiles) {
      const auto it = p.time_to_ready_s.find(pr);
      row.push_back(it == p.time_to_ready_s.end() ? "" : p99_text(it->second));
    }
    for (const auto& m : scalars) {
      const auto it = p.scalars.find(m);
      row.push_back(it == p.scalars.end() || it->second.n == 0 ? "" : num(it->second.mean));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string method_notes_text() {
  return fmt::format(
      "A point with no failure in n runs does not show a failure rate of zero, only one below its "
      "upper bound: to claim \"under 1%\" at 95% confidence a point needs about 300 runs without a "
      "failure (the rule of three, n ≥ 3/0.01; exactly {} by the one-sided binomial bound), and {} "
      "for the upper end of the two-sided Wilson interval shown here to fall below 1%.",
      static_cast<std::size_t>(std::ceil(std::log(0.05) / std::log(0.99))),
      zero_failure_runs_wilson(0.01));
}

}  // namespace detail

std::string seeds_text(const StudyData& d, const StudyStats& s) {
  if (d.precision.is_null()) return fmt::format("{} seeds each", d.seeds_per_point);
  const std::string rate = d.precision["rate"].get<std::string>();
  const double half_width = d.precision["half_width"].get<double>();
  const int max_seeds = d.precision["max_seeds"].get<int>();
  std::vector<std::string> short_of;
  for (const auto& p : s.points) {
    const Rate& r = rate == "pass"       ? p.pass_rate
                    : rate == "liveness" ? p.liveness_rate
                                         : p.safety_rate;
    if (p.runs + p.errored >= static_cast<std::size_t>(max_seeds) &&
        !wilson_within(r.k, r.n, half_width))
      short_of.push_back(p.id);
  }
  std::string text = fmt::format(
      "each run until its {} rate's 95% interval is within ±{:g} points ({} seeds at a time, at "
      "most {})",
      rate, 100 * half_width, d.precision.value("batch", 0), max_seeds);
  if (!short_of.empty())
    text +=
        fmt::format("; {} stopped at {} seeds still short of that: {}",
                    short_of.size() == 1 ? "one point" : fmt::format("{} points", short_of.size()),
                    max_seeds, fmt::join(short_of, ", "));
  return text;
}

}  // namespace swarmsim::reports
