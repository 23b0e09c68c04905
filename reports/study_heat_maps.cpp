// The heat maps of a study's report: the safety-failure rate over two
// knobs (the x axis' knob in columns, the next varying knob or policy in
// rows), a map per policy when policy varies besides those two, the other
// knobs pooled.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "reports/study_format.hpp"
#include "reports/study_plots.hpp"

namespace swarmsim::reports::detail {

std::vector<HeatMap> heat_maps(const StudyStats& s, const std::vector<KnobInfo>& knobs,
                               const KnobInfo* xk) {
  std::vector<const KnobInfo*> varying;
  // Policy as a knob, else the policies the points ran under.
  const KnobInfo runs_policy{"policy", {}, false, false};
  const KnobInfo* policy = &runs_policy;
  for (const auto& k : knobs) {
    if (k.name == "policy")
      policy = &k;
    else if (k.values.size() > 1)
      varying.push_back(&k);
  }
  // Columns: the x axis' knob when it varies; rows: the next one, else policy.
  std::stable_partition(varying.begin(), varying.end(), [&](const KnobInfo* k) { return k == xk; });
  const KnobInfo* col = varying.empty() ? nullptr : varying[0];
  const KnobInfo* row = varying.size() >= 2 ? varying[1] : policy;
  const bool split_by_policy = varying.size() >= 2 && policy->values.size() > 1;
  std::vector<std::string> pooled;
  for (std::size_t i = 2; i < varying.size(); ++i) pooled.push_back(varying[i]->name);

  auto label_of = [](const PointStats& p, const KnobInfo* k) {
    if (!k) return std::string("all");
    if (k->name == "policy" && !p.knobs.contains("policy")) return p.policy;
    return point_knob_label(p, k->name);
  };
  auto values_of = [&](const KnobInfo* k) {
    std::vector<std::string> out;
    if (!k) return std::vector<std::string>{"all"};
    for (const auto& v : k->values) out.push_back(knob_label(v));
    if (out.empty())  // a policy that is not a knob: the points' policies
      for (const auto& p : s.points)
        if (std::find(out.begin(), out.end(), p.policy) == out.end()) out.push_back(p.policy);
    return out;
  };
  std::vector<std::string> splits =
      split_by_policy ? values_of(policy) : std::vector<std::string>{""};
  std::vector<HeatMap> out;
  for (const auto& sp : splits) {
    HeatMap h;
    h.row_knob = row ? row->name : "";
    h.col_knob = col ? col->name : "";
    h.rows = values_of(row);
    h.cols = values_of(col);
    h.cells.assign(h.rows.size(), std::vector<HeatCell>(h.cols.size()));
    for (const auto& p : s.points) {
      if (split_by_policy && label_of(p, policy) != sp) continue;
      const auto r = std::find(h.rows.begin(), h.rows.end(), label_of(p, row));
      const auto c = std::find(h.cols.begin(), h.cols.end(), label_of(p, col));
      if (r == h.rows.end() || c == h.cols.end()) continue;
      HeatCell& cell = h.cells[static_cast<std::size_t>(r - h.rows.begin())]
                              [static_cast<std::size_t>(c - h.cols.begin())];
      cell.k += p.safety;
      cell.n += p.runs;
    }
    const std::string over = col && row ? fmt::format("{} and {}", row->name, col->name)
                             : col      ? col->name
                             : row      ? row->name
                                        : "the study's one point";
    h.title = fmt::format("Safety-failure rate by {}{}", over,
                          split_by_policy ? fmt::format(" (policy {})", sp) : "");
    h.id = "heat-" + slug(sp.empty() ? over : fmt::format("{}-{}", over, sp));
    h.caption = fmt::format(
        "Each cell: the share of runs with a safety violation (a node evicted while its host "
        "existed) and the number of runs n{}. Colour from the scale on the right; a grey cell has "
        "no runs.",
        pooled.empty() ? "" : fmt::format(", pooled over {}", fmt::join(pooled, ", ")));
    bool any = false;
    for (const auto& r : h.cells)
      for (const auto& c : r) any = any || c.n > 0;
    if (!any) h.empty = "no data: no run has finished";
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace swarmsim::reports::detail
