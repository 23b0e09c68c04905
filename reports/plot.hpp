// A self-contained HTML report with an inline SVG line chart: no scripts,
// no external files, readable offline and attachable to a ticket.
#pragma once

#include <string>
#include <vector>

namespace swarmsim::reports {

struct Series {
  std::string name;
  std::vector<double> y;  // one per x label; NaN leaves a gap
};

struct Chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> x;  // categories, in order
  std::vector<Series> series;
  double y_max = 100.0;
};

std::string render_svg(const Chart& chart);
// `table` rows are written as an HTML table under the chart (first row: header).
std::string render_html(const std::string& title, const std::string& intro,
                        const std::vector<Chart>& charts,
                        const std::vector<std::vector<std::string>>& table);

}  // namespace swarmsim::reports
