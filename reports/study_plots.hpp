// The plots of a study's report as data, before any drawing: line plots
// against a knob (a line per value of another knob, a panel per
// combination of the rest, each point with its 95% band) and heat maps of
// the safety-failure rate over two knobs. Internal to reports/.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "reports/study_axis.hpp"
#include "reports/study_data.hpp"
#include "reports/study_stats.hpp"

namespace swarmsim::reports::detail {

struct PlotPoint {
  double x = 0, y = 0;
  double lo = kNaN, hi = kNaN;  // the band; hi = +inf: unbounded above
  std::string tip;
};

struct PlotLine {
  std::string name;
  std::vector<PlotPoint> pts;
  std::size_t style = 0;  // colour and marker
  std::size_t dash = 0;   // 0 solid; 1.. dash patterns
};

// One panel of small multiples: the points that share the values of the
// knobs that neither run along the x axis nor split the lines.
struct Panel {
  std::string title;  // "lag=5s", or "" when the plot has one panel
  std::vector<PlotLine> lines;
};

struct LinePlot {
  std::string id, title, caption, y_label;
  XAxis x;
  bool percent = false;
  std::vector<Panel> panels;
  std::string empty;  // why there is nothing to draw
};

struct HeatCell {
  std::size_t k = 0, n = 0;
};

struct HeatMap {
  std::string id, title, caption, row_knob, col_knob;
  std::vector<std::string> rows, cols;
  std::vector<std::vector<HeatCell>> cells;  // [row][col]
  std::string empty;
};

using Plot = std::variant<LinePlot, HeatMap>;

// Okabe-Ito, without its yellow (too pale on white).
inline constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                           "#E69F00", "#56B4E9", "#000000"};
inline constexpr const char* kDashes[] = {"", "7 4", "2 3", "9 3 2 3"};

// The heat maps of the safety-failure rate: columns the values of `xk`
// when it varies, rows the next varying knob, else policy; a map per
// policy when policy varies besides two other knobs, the rest pooled.
std::vector<HeatMap> heat_maps(const StudyStats& s, const std::vector<KnobInfo>& knobs,
                               const KnobInfo* xk);

// Every plot of the HTML page, in order: the safety-failure rate, time to
// ready per profile, the metrics the study asked for, the heat maps and the
// leader's API load.
std::vector<Plot> build_plots(const StudyData& d, const StudyStats& s);

const std::string& plot_title(const Plot& p);

}  // namespace swarmsim::reports::detail
