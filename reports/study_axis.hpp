// The grid of a study as plots see it: each knob's distinct values and
// whether they are numbers or durations, and the x axis a plot runs along
// (linear, log or categories) with its ticks. Internal to reports/.
#pragma once

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "reports/study_data.hpp"

namespace swarmsim::reports::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct KnobInfo {
  std::string name;
  std::vector<nlohmann::json> values;  // distinct, in the study's order
  bool numeric = false;
  bool duration = false;
};

// Every knob of the study, with the values study.json lists and the points carry.
std::vector<KnobInfo> knob_infos(const StudyData& d);

// The smallest 1, 2 or 5 times a power of ten at or above x; 1 for x <= 0.
double nice_number(double x);

struct XAxis {
  enum class Kind { Linear, Log, Category } kind = Kind::Category;
  std::string label;
  double min = 0, max = 1;
  std::vector<std::pair<double, std::string>> ticks;  // value, text
  std::vector<std::string> categories;

  // 0..1 across the plot.
  double frac(double v) const {
    if (kind == Kind::Category) {
      return categories.size() <= 1 ? 0.5 : v / static_cast<double>(categories.size() - 1);
    }
    if (max <= min) return 0.5;
    if (kind == Kind::Log)
      return (std::log10(v) - std::log10(min)) / (std::log10(max) - std::log10(min));
    return (v - min) / (max - min);
  }
  std::string kind_text() const {
    return kind == Kind::Log ? "log scale" : kind == Kind::Linear ? "linear scale" : "categories";
  }
};

// The position of a point's value of the axis' knob (NaN when it has none).
double x_of(const XAxis& axis, const nlohmann::json& value);

// The axis of a knob: categories for a knob that is not numeric, a log
// scale for a wide or geometric range, else a linear one.
XAxis make_axis(const KnobInfo& k);

}  // namespace swarmsim::reports::detail
