// The plot models of a study's report: which knob runs along the x axis,
// how the other knobs split lines and panels, the points of each line with
// their bands, and every plot of the page in order; the titles tests look
// for on the page.
#include "reports/study_plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <utility>

#include "reports/statistics.hpp"
#include "reports/study_format.hpp"
#include "reports/study_report.hpp"

namespace swarmsim::reports {

namespace detail {

using nlohmann::json;

namespace {

const KnobInfo* find_knob(const std::vector<KnobInfo>& knobs, const std::string& name) {
  for (const auto& k : knobs)
    if (k.name == name) return &k;
  return nullptr;
}

// How a plot against `x` splits the other knobs that vary: lines by policy
// (else by the first other knob), a panel per combination of the rest.
struct Facets {
  std::string line_knob;  // "" when nothing else varies
  std::vector<std::string> panel_knobs;
};

Facets facets_for(const std::vector<KnobInfo>& knobs, const std::string& x,
                  bool lines_by_knob = true) {
  Facets f;
  std::vector<std::string> rest;
  for (const auto& k : knobs)
    if (k.name != x && k.values.size() > 1) rest.push_back(k.name);
  std::stable_partition(rest.begin(), rest.end(),
                        [](const std::string& n) { return n == "policy"; });
  if (lines_by_knob && !rest.empty()) {
    f.line_knob = rest.front();
    rest.erase(rest.begin());
  }
  f.panel_knobs = rest;
  return f;
}

std::string knob_equals(const PointStats& p, const std::string& knob) {
  return knob == "policy" ? point_knob_label(p, knob) : knob + "=" + point_knob_label(p, knob);
}

using PointMetric = std::function<std::optional<PlotPoint>(const PointStats&)>;

// Lines against the knob `xk`: for each panel, one line per value of the
// facets' line knob and per metric of `metrics` (name, function); a line
// keeps its colour in every panel.
LinePlot faceted_plot(const StudyData& d, const StudyStats& s, const KnobInfo* xk, const Facets& f,
                      const std::vector<std::pair<std::string, PointMetric>>& metrics) {
  LinePlot plot;
  if (!xk) {
    plot.empty = "no data: the study has no knob to plot against";
    return plot;
  }
  plot.x = make_axis(*xk);
  std::vector<std::string> line_keys;  // in order of first appearance: their colours
  std::map<std::string, std::size_t> panel_at;
  for (const auto& p : s.points) {
    std::string panel;
    for (const auto& k : f.panel_knobs) panel += (panel.empty() ? "" : ", ") + knob_equals(p, k);
    std::string key = f.line_knob.empty() ? "" : knob_equals(p, f.line_knob);
    if (f.line_knob.empty() && metrics.size() == 1)
      key = p.policy.empty() ? (d.name.empty() ? "all runs" : d.name) : p.policy;
    auto [pit, fresh_panel] = panel_at.emplace(panel, plot.panels.size());
    if (fresh_panel) plot.panels.push_back({panel, {}});
    Panel& pan = plot.panels[pit->second];
    auto kit = std::find(line_keys.begin(), line_keys.end(), key);
    const auto key_index = static_cast<std::size_t>(kit - line_keys.begin());
    if (kit == line_keys.end()) line_keys.push_back(key);
    const auto xv = p.knobs.find(xk->name);
    if (xv == p.knobs.end()) continue;
    const double x = x_of(plot.x, *xv);
    if (!finite(x) || (plot.x.kind == XAxis::Kind::Log && x <= 0)) continue;
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      const std::string name = metrics[m].first.empty() ? key
                               : key.empty()            ? metrics[m].first
                                                        : key + ": " + metrics[m].first;
      auto lit = std::find_if(pan.lines.begin(), pan.lines.end(),
                              [&](const PlotLine& l) { return l.name == name; });
      if (lit == pan.lines.end()) {
        PlotLine line;
        line.name = name;
        if (metrics.size() == 1) {  // a line per value of the line knob
          line.style = key_index;
        } else if (f.line_knob.empty()) {  // a line per metric
          line.style = m;
          line.dash = m == 0 ? 0 : 1 + (m - 1) % 3;
        } else {
          line.style = key_index;
          line.dash = m % std::size(kDashes);
        }
        pan.lines.push_back(std::move(line));
        lit = std::prev(pan.lines.end());
      }
      auto pt = metrics[m].second(p);
      if (!pt || !finite(pt->y)) continue;
      pt->x = x;
      std::string where = fmt::format("{}={}", xk->name, knob_label(*xv));
      if (!pan.title.empty()) where = fmt::format("{}, {}", pan.title, where);
      pt->tip = fmt::format("{}{}{}: {}", name, name.empty() ? "" : ", ", where, pt->tip);
      lit->pts.push_back(*pt);
    }
  }
  bool any = false;
  for (auto& pan : plot.panels) {
    for (auto& l : pan.lines) {
      std::sort(l.pts.begin(), l.pts.end(),
                [](const PlotPoint& a, const PlotPoint& b) { return a.x < b.x; });
      any = any || !l.pts.empty();
    }
  }
  if (!any) plot.empty = "no data: no point of the study has this metric";
  return plot;
}

// The knob plots run along: the first numeric knob with several values,
// else the first numeric one, else the first varying one.
const KnobInfo* x_knob(const std::vector<KnobInfo>& knobs) {
  for (const auto& k : knobs)
    if (k.numeric && k.values.size() > 1) return &k;
  for (const auto& k : knobs)
    if (k.numeric) return &k;
  for (const auto& k : knobs)
    if (k.name != "policy" && k.values.size() > 1) return &k;
  for (const auto& k : knobs)
    if (k.values.size() > 1) return &k;
  return knobs.empty() ? nullptr : &knobs.front();
}

std::string facets_text(const Facets& f) {
  std::string out;
  if (!f.line_knob.empty()) out += fmt::format(" A line per {}", f.line_knob);
  if (!f.panel_knobs.empty())
    out += fmt::format("{} panel per {}", out.empty() ? " A" : ", a",
                       fmt::format("{}", fmt::join(f.panel_knobs, " and ")));
  return out.empty() ? out : out + ".";
}

}  // namespace

std::vector<Plot> build_plots(const StudyData& d, const StudyStats& s) {
  const auto knobs = knob_infos(d);
  const KnobInfo* xk = x_knob(knobs);
  const std::string xname = xk ? xk->name : "a knob";
  const Facets facets = facets_for(knobs, xk ? xk->name : "");
  std::vector<Plot> plots;
  auto one_metric = [&](const PointMetric& f) { return faceted_plot(d, s, xk, facets, {{"", f}}); };

  LinePlot safety = one_metric([](const PointStats& p) -> std::optional<PlotPoint> {
    if (p.runs == 0) return std::nullopt;
    const Rate& r = p.safety_rate;
    return PlotPoint{
        0, r.p, r.ci.lo, r.ci.hi,
        fmt::format("{}% [{}, {}], {} of {} runs", pct(r.p), pct(r.ci.lo), pct(r.ci.hi), r.k, r.n)};
  });
  safety.id = "safety";
  safety.title = fmt::format("Safety-failure rate against {}", xname);
  safety.y_label = "runs with a safety violation (%)";
  safety.percent = true;
  safety.caption = fmt::format(
      "The share of runs in which a node was evicted while its host existed, per point; the band "
      "is the Wilson 95% score interval.{} x axis: {}.",
      facets_text(facets), safety.x.kind_text());
  plots.push_back(std::move(safety));

  for (const auto& profile : profiles_of(s)) {
    LinePlot t = one_metric([&](const PointStats& p) -> std::optional<PlotPoint> {
      const auto it = p.time_to_ready_s.find(profile);
      if (it == p.time_to_ready_s.end()) return std::nullopt;
      const QuantileStats& q = it->second;
      return PlotPoint{
          0, q.p99, finite(q.p99_ci.lo) ? q.p99_ci.lo : 0.0,
          finite(q.p99_ci.hi) ? q.p99_ci.hi : kInf,
          fmt::format("p99 {} s [{}, {}], {} hosts from {} runs", num(q.p99),
                      finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                      finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded", q.samples, q.runs)};
    });
    t.id = "ttr-" + slug(profile);
    t.title = fmt::format("Time to ready, p99, profile {}, against {}", profile, xname);
    t.y_label = "seconds from host added to node ready";
    t.caption = fmt::format(
        "The 99th percentile (nearest rank) of every host's time to ready in profile {}, pooled "
        "over the point's runs; the band is the distribution-free 95% interval of the p99 from "
        "order statistics (binomial ranks). An arrow at the top marks a p99 with no upper bound: "
        "fewer than {} samples.{} x axis: {}.",
        profile, samples_for_upper_bound(0.99), facets_text(facets), t.x.kind_text());
    plots.push_back(std::move(t));
  }

  // Scalar metrics the study asked for by name.
  for (const auto& name : ordered_scalars(d, s)) {
    if (!asked_for(d, name) || name == "leader_calls_per_s_total") continue;
    LinePlot m = one_metric([&](const PointStats& p) -> std::optional<PlotPoint> {
      const auto it = p.scalars.find(name);
      if (it == p.scalars.end() || it->second.n == 0) return std::nullopt;
      const ScalarStats& v = it->second;
      return PlotPoint{
          0, v.mean, v.mean_ci.lo, v.mean_ci.hi,
          fmt::format("mean {} [{}, {}], p50 {}, p95 {}, n {}", num(v.mean), num(v.mean_ci.lo),
                      num(v.mean_ci.hi), num(v.p50), num(v.p95), v.n)};
    });
    m.id = "metric-" + slug(name);
    m.title = fmt::format("{} (mean over runs) against {}", name, xname);
    m.y_label = name;
    m.caption = fmt::format(
        "The mean of {} over the point's runs; the band is mean ± 1.96 standard errors.{} x axis: "
        "{}.",
        name, facets_text(facets), m.x.kind_text());
    plots.push_back(std::move(m));
  }

  for (auto& h : heat_maps(s, knobs, xk)) plots.push_back(std::move(h));

  // The leader's API load against the fleet size: the total and the
  // busiest APIs, a line each, a panel per combination of the other knobs.
  const KnobInfo* hk = find_knob(knobs, "hosts");
  if (!hk || !hk->numeric) hk = xk;
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& api : apis_of(s)) {
    double sum = 0;
    for (const auto& p : s.points)
      if (auto it = p.leader_calls_per_s.find(api); it != p.leader_calls_per_s.end())
        sum += it->second;
    ranked.push_back({-sum, api});
  }
  std::sort(ranked.begin(), ranked.end());
  constexpr std::size_t kTopApis = 4;
  std::vector<std::pair<std::string, PointMetric>> load_lines;
  load_lines.push_back(
      {"total", [](const PointStats& p) -> std::optional<PlotPoint> {
         if (auto it = p.scalars.find("leader_calls_per_s_total");
             it != p.scalars.end() && it->second.n > 0) {
           const ScalarStats& v = it->second;
           return PlotPoint{0, v.mean, v.mean_ci.lo, v.mean_ci.hi,
                            fmt::format("{} calls/s [{}, {}], n {}", num(v.mean), num(v.mean_ci.lo),
                                        num(v.mean_ci.hi), v.n)};
         }
         if (p.leader_calls_per_s.empty()) return std::nullopt;
         double total = 0;
         for (const auto& [api, rate] : p.leader_calls_per_s) total += rate;
         return PlotPoint{0, total, kNaN, kNaN,
                          fmt::format("{} calls/s (the sum of the APIs)", num(total))};
       }});
  for (std::size_t a = 0; a < std::min(kTopApis, ranked.size()); ++a) {
    const std::string api = ranked[a].second;
    load_lines.push_back({api, [api](const PointStats& p) -> std::optional<PlotPoint> {
                            const auto it = p.leader_calls_per_s.find(api);
                            if (it == p.leader_calls_per_s.end()) return std::nullopt;
                            return PlotPoint{0, it->second, kNaN, kNaN,
                                             fmt::format("{} calls/s (mean over {} runs)",
                                                         num(it->second), p.leader_calls_runs)};
                          }});
  }
  const Facets load_facets = facets_for(knobs, hk ? hk->name : "", false);
  LinePlot load = faceted_plot(d, s, hk, load_facets, load_lines);
  if (!load.empty.empty() && hk) load.empty = "no data: no run reported leader_calls_per_s";
  load.id = "leader-load";
  load.title = fmt::format("Leader API load against {}", hk ? hk->name : "a knob");
  load.y_label = "calls per second at the leader";
  load.caption = fmt::format(
      "Solid: leader_calls_per_s_total, the mean over the point's runs, with a band of mean ± 1.96 "
      "standard errors.{}{} x axis: {}.",
      ranked.empty() ? ""
                     : fmt::format(" Dashed: the mean rate of the study's {} busiest APIs.",
                                   std::min(kTopApis, ranked.size())),
      facets_text(load_facets), load.x.kind_text());
  plots.push_back(std::move(load));
  return plots;
}

const std::string& plot_title(const Plot& p) {
  return std::visit([](const auto& x) -> const std::string& { return x.title; }, p);
}

}  // namespace detail

std::vector<std::string> study_plot_titles(const StudyData& data, const StudyStats& stats) {
  std::vector<std::string> out;
  for (const auto& p : detail::build_plots(data, stats)) out.push_back(detail::plot_title(p));
  return out;
}

}  // namespace swarmsim::reports
