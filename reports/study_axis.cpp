// The knobs of a study as plots see them, and the x axis of a plot: its
// kind, range and ticks, and where a knob value falls on it.
#include "reports/study_axis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "reports/study_stats.hpp"  // kNaN

namespace swarmsim::reports::detail {

using nlohmann::json;

std::vector<KnobInfo> knob_infos(const StudyData& d) {
  std::vector<KnobInfo> out;
  for (const auto& k : d.knobs) {
    KnobInfo info;
    info.name = k.name;
    std::set<std::string> labels;
    auto add = [&](const json& v) {
      if (labels.insert(knob_label(v)).second) info.values.push_back(v);
    };
    for (const auto& v : k.values) add(v);
    for (const auto& p : d.points)
      if (auto it = p.knobs.find(k.name); it != p.knobs.end()) add(*it);
    info.numeric = !info.values.empty() && k.name != "policy";
    for (const auto& v : info.values) {
      if (!knob_number(v)) info.numeric = false;
      if (v.is_string())
        if (auto q = parse_quantity(v.get<std::string>()); q && q->second) info.duration = true;
    }
    out.push_back(std::move(info));
  }
  return out;
}

double nice_number(double x) {
  if (!(x > 0)) return 1;
  const double e = std::floor(std::log10(x));
  const double f = x / std::pow(10, e);
  const double nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * std::pow(10, e);
}

namespace {

std::string tick_text(double v, bool duration) {
  if (duration) {
    if (v != 0 && std::abs(v) < 1) return fmt::format("{:g}ms", v * 1000);
    return fmt::format("{:g}s", v);
  }
  if (std::abs(v) >= 10000 && std::fmod(v, 1000) == 0) return fmt::format("{:g}k", v / 1000);
  return fmt::format("{:g}", v);
}

}  // namespace

double x_of(const XAxis& axis, const json& value) {
  if (axis.kind == XAxis::Kind::Category) {
    const auto label = knob_label(value);
    for (std::size_t i = 0; i < axis.categories.size(); ++i)
      if (axis.categories[i] == label) return static_cast<double>(i);
    return kNaN;
  }
  return knob_number(value).value_or(kNaN);
}

XAxis make_axis(const KnobInfo& k) {
  XAxis a;
  a.label = k.name + (k.duration ? " (s)" : "");
  if (!k.numeric) {
    a.kind = XAxis::Kind::Category;
    for (const auto& v : k.values) a.categories.push_back(knob_label(v));
    for (std::size_t i = 0; i < a.categories.size(); ++i)
      a.ticks.push_back({static_cast<double>(i), a.categories[i]});
    return a;
  }
  std::vector<double> xs;
  for (const auto& v : k.values) xs.push_back(*knob_number(v));
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  const double lo = xs.front(), hi = xs.back();
  bool geometric = xs.size() >= 3 && lo > 0;
  if (geometric) {
    double rmin = kInf, rmax = 0;
    for (std::size_t i = 1; i < xs.size(); ++i) {
      const double r = xs[i] / xs[i - 1];
      rmin = std::min(rmin, r);
      rmax = std::max(rmax, r);
    }
    geometric = rmin >= 2 && rmax / rmin <= 2.5;
  }
  const bool log = lo > 0 && (hi / lo > 20 || geometric);
  if (log) {
    a.kind = XAxis::Kind::Log;
    a.min = lo;
    a.max = hi;
    const double decades = std::log10(hi) - std::log10(lo);
    const std::vector<double> mantissas =
        decades > 3 ? std::vector<double>{1} : std::vector<double>{1, 2, 5};
    for (double e = std::floor(std::log10(lo)); e <= std::ceil(std::log10(hi)); ++e)
      for (double m : mantissas) {
        const double v = m * std::pow(10, e);
        if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
          a.ticks.push_back({v, tick_text(v, k.duration)});
      }
    // The ends of the range, when no tick is near them.
    for (double end : {lo, hi}) {
      bool near = false;
      for (const auto& t : a.ticks)
        if (std::abs(std::log10(t.first) - std::log10(end)) < 0.08 * std::max(decades, 0.1))
          near = true;
      if (!near) a.ticks.push_back({end, tick_text(end, k.duration)});
    }
    std::sort(a.ticks.begin(), a.ticks.end());
    return a;
  }
  a.kind = XAxis::Kind::Linear;
  if (hi == lo) {
    a.min = lo - (lo == 0 ? 1 : std::abs(lo) / 2);
    a.max = hi + (hi == 0 ? 1 : std::abs(hi) / 2);
  } else {
    a.min = lo;
    a.max = hi;
  }
  const double step = nice_number((a.max - a.min) / 5);
  a.min = std::floor(a.min / step) * step;
  a.max = std::ceil(a.max / step) * step;
  for (double v = a.min; v <= a.max + step / 2; v += step)
    a.ticks.push_back({v, tick_text(std::abs(v) < step / 1e6 ? 0 : v, k.duration)});
  return a;
}

}  // namespace swarmsim::reports::detail
