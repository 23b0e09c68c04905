// The HTML page of a study's report: the question, the summary table, the
// plots as inline SVG with their captions, per-metric details and the
// method. One self-contained file: no script, no external link.
#include <fmt/format.h>

#include <filesystem>
#include <type_traits>
#include <variant>

#include "reports/statistics.hpp"
#include "reports/study_format.hpp"
#include "reports/study_plots.hpp"
#include "reports/study_report.hpp"
#include "reports/study_svg.hpp"

namespace swarmsim::reports {

namespace fs = std::filesystem;
using detail::apis_of;
using detail::build_plots;
using detail::esc;
using detail::finite;
using detail::LinePlot;
using detail::method_notes_text;
using detail::num;
using detail::ordered_scalars;
using detail::point_knob_label;
using detail::profiles_of;
using detail::summary_table;
using detail::svg_heat_map;
using detail::svg_line_plot;
using detail::Table;

namespace {

std::string html_table(const Table& t, const std::string& cls = "") {
  std::string s =
      cls.empty() ? "<table>\n<thead><tr>" : fmt::format("<table class=\"{}\">\n<thead><tr>", cls);
  for (const auto& h : t.header) s += "<th>" + esc(h) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const auto& r : t.rows) {
    s += "<tr>";
    for (const auto& c : r) s += "<td>" + esc(c) + "</td>";
    s += "</tr>\n";
  }
  return s + "</tbody></table>\n";
}

std::string point_name(const StudyData& d, const PointStats& p) {
  std::string out;
  for (const auto& k : d.knobs) {
    if (!out.empty()) out += ", ";
    out += k.name + "=" + point_knob_label(p, k.name);
  }
  return out.empty() ? p.id : out;
}

}  // namespace

std::string render_study_html(const StudyData& d, const StudyStats& s) {
  const std::string title = d.name.empty() ? "Study report" : "Study: " + d.name;
  std::size_t runs = 0, errored = 0;
  for (const auto& p : s.points) {
    runs += p.runs;
    errored += p.errored;
  }
  std::string h = fmt::format(
      "<!DOCTYPE html>\n"
      "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n"
      "<style>\n"
      "body{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em "
      "auto;max-width:1180px;padding:0 1em;color:#1a1a1a;line-height:1.45}}\n"
      "h1{{font-size:1.7em;margin-bottom:.2em}} h2{{margin-top:1.8em;border-bottom:1px solid "
      "#ddd}}\n"
      ".question{{font-size:1.2em;background:#f3f6fa;border-left:4px solid #0072B2;padding:.6em "
      "1em}}\n"
      ".meta{{color:#444}} .warn{{background:#fff4e5;border-left:4px solid #E69F00;padding:.5em "
      "1em}}\n"
      ".scroll{{overflow-x:auto}} table{{border-collapse:collapse;font-size:.9em;margin:.5em 0}}\n"
      "td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right;white-space:nowrap}}\n"
      "th{{background:#f4f4f4}} tbody tr:nth-child(even){{background:#fafafa}}\n"
      "figure{{margin:1.5em 0}} figure h3{{margin:.2em 0}} "
      "figcaption{{color:#444;font-size:.9em;max-width:900px}}\n"
      "svg{{max-width:100%;height:auto;display:block}}\n"
      "</style></head><body>\n"
      "<h1>{}</h1>\n",
      esc(title), esc(title));
  h += fmt::format("<p class=\"question\"><strong>Question:</strong> {}</p>\n",
                   d.question.empty() ? "(the study states none)" : esc(d.question));
  std::string knobs;
  for (const auto& k : d.knobs) {
    std::vector<std::string> values;
    for (const auto& v : k.values) values.push_back(knob_label(v));
    knobs += fmt::format("{}<strong>{}</strong>{}: {}", knobs.empty() ? "" : "; ", esc(k.name),
                         k.path != k.name ? fmt::format(" (<code>{}</code>)", esc(k.path)) : "",
                         esc(fmt::format("{}", fmt::join(values, ", "))));
  }
  h += fmt::format(
      "<p class=\"meta\">Base scenario <code>{}</code>. Knobs: {}. {} points, {}; {} runs found in "
      "<code>{}</code>{}.</p>\n",
      esc(d.base.empty() ? "(not stated)" : d.base), knobs.empty() ? "none" : knobs,
      s.points.size(), esc(seeds_text(d, s)), runs, esc((fs::path(d.dir) / "runs.jsonl").string()),
      errored ? fmt::format(", and {} that ended in an error (not counted)", errored) : "");
  if (!d.warnings.empty()) {
    h += "<div class=\"warn\"><strong>Lines skipped:</strong><ul>\n";
    for (const auto& w : d.warnings) h += "<li>" + esc(w) + "</li>\n";
    h += "</ul></div>\n";
  }
  h += "<h2>Summary</h2>\n"
       "<p>One row per point of the grid. Rates are the share of the point's runs with that "
       "verdict, with the Wilson 95% score interval in brackets; time to ready is the p99 over "
       "every host of the profile in every run of the point, with its 95% interval.</p>\n";
  h += "<div class=\"scroll\">" + html_table(summary_table(d, s)) + "</div>\n";
  h += "<p><strong>How many runs?</strong> " + esc(method_notes_text()) + "</p>\n";

  h += "<h2>Plots</h2>\n";
  for (const auto& p : build_plots(d, s)) {
    std::visit(
        [&](const auto& plot) {
          using T = std::decay_t<decltype(plot)>;
          h += fmt::format("<figure>\n<h3>{}</h3>\n", esc(plot.title));
          if constexpr (std::is_same_v<T, LinePlot>)
            h += svg_line_plot(plot);
          else
            h += svg_heat_map(plot);
          h += fmt::format("<figcaption>{}</figcaption>\n</figure>\n", esc(plot.caption));
        },
        p);
  }

  // Details: every metric, per point; those the study asked for first.
  h += "<h2>Details</h2>\n";
  const auto profiles = profiles_of(s);
  if (!profiles.empty()) {
    Table t;
    t.header = {"point",   "profile", "hosts (samples)", "runs",    "p50 (s)",
                "p95 (s)", "p99 (s)", "p99 95% CI (s)",  "CI ranks"};
    for (const auto& p : s.points)
      for (const auto& [profile, q] : p.time_to_ready_s)
        t.rows.push_back(
            {point_name(d, p), profile, std::to_string(q.samples), std::to_string(q.runs),
             num(q.p50), num(q.p95), num(q.p99),
             fmt::format("[{}, {}]", finite(q.p99_ci.lo) ? num(q.p99_ci.lo) : "unbounded",
                         finite(q.p99_ci.hi) ? num(q.p99_ci.hi) : "unbounded"),
             fmt::format("{}..{}", q.p99_ci.lo_rank, q.p99_ci.hi_rank)});
    h += "<h3>Time to ready (seconds from host added to node ready)</h3>\n<div class=\"scroll\">" +
         html_table(t) + "</div>\n";
  }
  const auto scalars = ordered_scalars(d, s);
  if (!scalars.empty()) {
    Table t;
    t.header = {"point", "metric", "n", "mean", "mean 95% CI", "p50", "p95", "null"};
    for (const auto& m : scalars)
      for (const auto& p : s.points) {
        const auto it = p.scalars.find(m);
        if (it == p.scalars.end()) continue;
        const ScalarStats& v = it->second;
        t.rows.push_back({point_name(d, p), m, std::to_string(v.n), num(v.mean),
                          v.n ? fmt::format("[{}, {}]", num(v.mean_ci.lo), num(v.mean_ci.hi)) : "",
                          num(v.p50), num(v.p95), v.nulls ? std::to_string(v.nulls) : ""});
      }
    h += "<h3>Other metrics, across runs</h3>\n<div class=\"scroll\">" + html_table(t) + "</div>\n";
  }
  const auto apis = apis_of(s);
  if (!apis.empty()) {
    Table t;
    t.header = {"point", "runs"};
    for (const auto& a : apis) t.header.push_back(a);
    for (const auto& p : s.points) {
      std::vector<std::string> row{point_name(d, p), std::to_string(p.leader_calls_runs)};
      for (const auto& a : apis) {
        const auto it = p.leader_calls_per_s.find(a);
        row.push_back(it == p.leader_calls_per_s.end() ? "" : num(it->second));
      }
      t.rows.push_back(std::move(row));
    }
    h += "<h3>Calls per second at the leader, per API (mean over runs)</h3>\n"
         "<div class=\"scroll\">" +
         html_table(t) + "</div>\n";
  }

  h += fmt::format(
      "<h2>Method</h2>\n"
      "<ul>\n"
      "<li>Verdict rates: k of n runs, with the Wilson score interval at 95% (z = {}). Runs that "
      "ended in an error are left out of n.</li>\n"
      "<li>Quantiles (p50, p95, p99) are nearest-rank everywhere: the ⌈q·n⌉-th smallest of the n "
      "values.</li>\n"
      "<li>Time to ready pools every host's time from all runs of a point (the \"hosts\" column) "
      "before taking quantiles. The 95% interval of the p99 is distribution-free, from order "
      "statistics: with X ~ Binomial(n, 0.99), the lower end is the j-th smallest sample and the "
      "upper end the k-th, j the smallest x with P(X ≤ x) ≥ 0.025 and k one more than the smallest "
      "x with P(X ≤ x) ≥ 0.975; it covers the true p99 with probability at least 95%. With fewer "
      "than {} samples the p99 has no upper bound.</li>\n"
      "<li>Other metrics: mean, p50 and p95 across the point's runs (n = runs that reported the "
      "metric; null counts runs where it had no value, e.g. never converged); the mean's interval "
      "is mean ± 1.96 standard errors. Leader calls per API: the mean over the runs that report "
      "any (an API a run did not call counts as 0).</li>\n"
      "<li>{}</li>\n"
      "</ul>\n",
      kZ95, samples_for_upper_bound(0.99), esc(method_notes_text()));
  return h + "</body></html>\n";
}

}  // namespace swarmsim::reports
