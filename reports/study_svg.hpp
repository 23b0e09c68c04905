// The plots of a study's report drawn as inline SVG: a line plot with its
// panels, bands, markers and legend, and a heat map with its colour scale.
// Every point and cell carries a tooltip. Internal to reports/.
#pragma once

#include <string>

#include "reports/study_plots.hpp"

namespace swarmsim::reports::detail {

std::string svg_line_plot(const LinePlot& p);
std::string svg_heat_map(const HeatMap& h);

}  // namespace swarmsim::reports::detail
