// Drawing a study's plots as SVG: markers, bands, panels, legends and the
// heat map's colour scale (ColorBrewer YlOrRd).
#include "reports/study_svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <vector>

#include "reports/statistics.hpp"
#include "reports/study_format.hpp"

namespace swarmsim::reports::detail {

namespace {

// A point's marker: a shape per series besides its colour. `tip`, when not
// empty, is its tooltip.
std::string marker(std::size_t style, double x, double y, const char* colour,
                   const std::string& tip = "") {
  std::string tag, attrs;
  switch (style % 4) {
    case 0:
      tag = "circle";
      attrs = fmt::format("cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"", x, y);
      break;
    case 1:
      tag = "rect";
      attrs = fmt::format("x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\"", x - 4, y - 4);
      break;
    case 2:
      tag = "polygon";
      attrs = fmt::format("points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"", x, y - 5, x - 5,
                          y + 4, x + 5, y + 4);
      break;
    default:
      tag = "polygon";
      attrs = fmt::format("points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"", x,
                          y - 5, x + 5, y, x, y + 5, x - 5, y);
  }
  if (tip.empty()) return fmt::format("<{} {} fill=\"{}\"/>", tag, attrs, colour);
  return fmt::format("<{} {} fill=\"{}\"><title>{}</title></{}>", tag, attrs, colour, esc(tip),
                     tag);
}

std::string svg_open(const std::string& id, const std::string& title, double w, double h) {
  return fmt::format(
      "<svg id=\"{}\" role=\"img\" aria-labelledby=\"{}-title\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"13\">\n"
      "<title id=\"{}-title\">{}</title>\n"
      "<rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>\n",
      id, id, w, h, w, h, id, esc(title), w, h);
}

std::string svg_empty(const std::string& id, const std::string& title, const std::string& why) {
  const double w = 900, h = 160;
  return svg_open(id, title, w, h) +
         fmt::format(
             "<rect x=\"1\" y=\"1\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#bbb\" "
             "stroke-dasharray=\"4 4\"/>\n"
             "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" "
             "fill=\"#555\">{}</text>\n"
             "</svg>\n",
             w - 2, h - 2, w / 2, h / 2, esc(why));
}

std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 1) + "…";
}

// ColorBrewer YlOrRd (sequential, colour-blind safe), 0 -> light.
const char* const kHeat[] = {"#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c",
                             "#fc4e2a", "#e31a1c", "#bd0026", "#800026"};

std::string heat_colour(double t) {
  const double x = std::clamp(t, 0.0, 1.0) * static_cast<double>(std::size(kHeat) - 1);
  const auto i = static_cast<std::size_t>(std::floor(x));
  const std::size_t j = std::min(i + 1, std::size(kHeat) - 1);
  const double f = x - static_cast<double>(i);
  auto channel = [](const char* hex, int k) {
    return std::stoi(std::string(hex + 1 + 2 * static_cast<std::ptrdiff_t>(k), 2), nullptr, 16);
  };
  std::string out = "#";
  for (int k = 0; k < 3; ++k)
    out += fmt::format("{:02x}", static_cast<int>(std::lround(channel(kHeat[i], k) * (1 - f) +
                                                              channel(kHeat[j], k) * f)));
  return out;
}

}  // namespace

std::string svg_line_plot(const LinePlot& p) {
  if (!p.empty.empty()) return svg_empty(p.id, p.title, p.empty);
  const std::size_t n = p.panels.size();
  const std::size_t ncols = n == 1 ? 1 : (n == 2 || n == 4) ? 2 : 3;
  const std::size_t nrows = (n + ncols - 1) / ncols;
  const bool single = n == 1;
  const double pw = single ? 600 : ncols == 2 ? 330 : 280, ph = single ? 320 : 220;
  const double left = 84, gapx = 58, gapy = 70, top = single ? 14 : 30, bottom = 58, legend = 250,
               inset = 14;
  const double grid_w = static_cast<double>(ncols) * pw + static_cast<double>(ncols - 1) * gapx;
  const double grid_h = static_cast<double>(nrows) * ph + static_cast<double>(nrows - 1) * gapy;
  std::vector<const PlotLine*> legend_entries;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      if (std::none_of(legend_entries.begin(), legend_entries.end(),
                       [&](const PlotLine* e) { return e->name == l.name; }))
        legend_entries.push_back(&l);
  const double w = left + grid_w + 24 + legend;
  const double h = std::max(top + grid_h + bottom,
                            top + 40 + 22.0 * static_cast<double>(legend_entries.size() + 1));

  double ymax = 0;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      for (const auto& pt : l.pts) {
        ymax = std::max(ymax, pt.y);
        if (finite(pt.hi)) ymax = std::max(ymax, pt.hi);
      }
  if (p.percent) ymax = std::min(ymax, 1.0);
  if (!(ymax > 0)) ymax = p.percent ? 0.01 : 1;
  const double ystep = nice_number(ymax / (single ? 6 : 4));
  ymax = std::ceil(ymax / ystep - 1e-9) * ystep;

  std::string s = svg_open(p.id, p.title, w, h);
  for (std::size_t i = 0; i < n; ++i) {
    const Panel& pan = p.panels[i];
    const double ox = left + static_cast<double>(i % ncols) * (pw + gapx);
    const std::size_t row = i / ncols;
    const double oy = top + static_cast<double>(row) * (ph + gapy);
    auto px = [&](double x) { return ox + inset + (pw - 2 * inset) * p.x.frac(x); };
    auto py = [&](double y) { return oy + ph - ph * std::clamp(y / ymax, 0.0, 1.0); };
    if (!pan.title.empty())
      s += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
          ox + pw / 2, oy - 9, esc(shorten(pan.title, static_cast<std::size_t>(pw / 7.5))));
    for (double y = 0; y <= ymax + ystep / 2; y += ystep) {
      s += fmt::format(
          "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n",
          ox, ox + pw, py(y), py(y));
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", ox - 7,
                       py(y) + 4,
                       p.percent ? fmt::format("{:g}", std::round(100 * y * 1e6) / 1e6)
                                 : fmt::format("{:g}", y));
    }
    for (const auto& [v, text] : p.x.ticks) {
      const double x = px(v);
      s += fmt::format(
          "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n", x,
          x, oy, oy + ph);
      s += fmt::format(
          "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>\n", x, x,
          oy + ph, oy + ph + 5);
      s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x,
                       oy + ph + 19, esc(text));
    }
    s += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{}\" fill=\"none\" "
        "stroke=\"#333\"/>\n",
        ox, oy, pw, ph);
    // Bands first, so that every line stays visible above them.
    for (const auto& l : pan.lines) {
      const char* colour = kColours[l.style % std::size(kColours)];
      // A band joins neighbouring points with both ends; a point without an
      // upper bound gets a dashed whisker up to an arrow at the top instead.
      std::vector<std::vector<const PlotPoint*>> runs{{}};
      for (const auto& pt : l.pts) {
        if (finite(pt.lo) && finite(pt.hi)) {
          runs.back().push_back(&pt);
          continue;
        }
        if (!runs.back().empty()) runs.push_back({});
        if (finite(pt.lo) && std::isinf(pt.hi))
          s += fmt::format(
              "<path d=\"M{:.1f},{:.1f} V{:.1f}\" stroke=\"{}\" stroke-width=\"1.5\" "
              "stroke-dasharray=\"3 3\"/>"
              "<path d=\"M{:.1f},{:.1f} l-4,7 h8 z\" fill=\"{}\"/>\n",
              px(pt.x), py(pt.lo), oy + 6, colour, px(pt.x), oy + 1, colour);
      }
      for (const auto& run : runs) {
        if (run.size() == 1) {  // one point: an error bar
          const PlotPoint& pt = *run[0];
          const double x = px(pt.x);
          s += fmt::format(
              "<path d=\"M{:.1f},{:.1f} V{:.1f} M{:.1f},{:.1f} h10 M{:.1f},{:.1f} h10\" "
              "stroke=\"{}\" stroke-width=\"1.5\" fill=\"none\"/>\n",
              x, py(pt.lo), py(pt.hi), x - 5, py(pt.lo), x - 5, py(pt.hi), colour);
        } else if (run.size() > 1) {
          std::string pts;
          for (const PlotPoint* pt : run)
            pts += fmt::format("{:.1f},{:.1f} ", px(pt->x), py(pt->hi));
          for (auto it = run.rbegin(); it != run.rend(); ++it)
            pts += fmt::format("{:.1f},{:.1f} ", px((*it)->x), py((*it)->lo));
          s += fmt::format(
              "<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"{}\" "
              "stroke-opacity=\"0.4\" stroke-width=\"0.8\"/>\n",
              pts, colour, colour);
        }
      }
    }
    for (const auto& l : pan.lines) {
      const char* colour = kColours[l.style % std::size(kColours)];
      const char* dash = kDashes[l.dash % std::size(kDashes)];
      std::string path;
      for (const auto& pt : l.pts)
        path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", px(pt.x), py(pt.y));
      if (!path.empty())
        s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
                         path, colour, l.dash ? 1.8 : 2.4,
                         *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
      for (const auto& pt : l.pts)
        s += (l.dash ? fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" "
                                   "fill=\"{}\"><title>{}</title></circle>",
                                   px(pt.x), py(pt.y), colour, esc(pt.tip))
                     : marker(l.style, px(pt.x), py(pt.y), colour, pt.tip)) +
             "\n";
    }
  }
  s += fmt::format(
      "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\">{}{}</text>\n",
      left + grid_w / 2, top + grid_h + 44, esc(p.x.label),
      p.x.kind == XAxis::Kind::Log ? " — log scale" : "");
  s += fmt::format(
      "<text transform=\"translate(20,{:.1f}) rotate(-90)\" text-anchor=\"middle\" "
      "font-weight=\"bold\">{}</text>\n",
      top + grid_h / 2, esc(p.y_label));
  for (std::size_t i = 0; i < legend_entries.size(); ++i) {
    const PlotLine& l = *legend_entries[i];
    const char* colour = kColours[l.style % std::size(kColours)];
    const char* dash = kDashes[l.dash % std::size(kDashes)];
    const double ly = top + 10 + 22.0 * static_cast<double>(i);
    const double lx = left + grid_w + 24;
    s += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"{}\"{}/>\n",
        lx, lx + 28, ly, ly, colour, l.dash ? 1.8 : 2.4,
        *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
    if (!l.dash) s += marker(l.style, lx + 14, ly, colour) + "\n";
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}<title>{}</title></text>\n", lx + 34,
                     ly + 4, esc(shorten(l.name, 28)), esc(l.name));
  }
  bool bands = false;
  for (const auto& pan : p.panels)
    for (const auto& l : pan.lines)
      for (const auto& pt : l.pts) bands = bands || finite(pt.lo);
  if (bands) {
    const double ly = top + 10 + 22.0 * static_cast<double>(legend_entries.size()) + 6;
    const double lx = left + grid_w + 24;
    s += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"28\" height=\"12\" fill=\"#777\" "
        "fill-opacity=\"0.25\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\">95% interval</text>\n",
        lx, ly - 6, lx + 34, ly + 4);
  }
  return s + "</svg>\n";
}

std::string svg_heat_map(const HeatMap& h) {
  if (!h.empty.empty()) return svg_empty(h.id, h.title, h.empty);
  double max_rate = 0;
  for (const auto& r : h.cells)
    for (const auto& c : r)
      if (c.n) max_rate = std::max(max_rate, static_cast<double>(c.k) / static_cast<double>(c.n));
  const double scale = max_rate > 0 ? std::min(1.0, nice_number(max_rate)) : 0.01;
  std::size_t longest = h.row_knob.size();
  for (const auto& r : h.rows) longest = std::max(longest, r.size());
  const double left = std::clamp(static_cast<double>(longest) * 7.5 + 24, 90.0, 240.0);
  const double cw =
      std::clamp(560.0 / static_cast<double>(std::max<std::size_t>(h.cols.size(), 1)), 64.0, 130.0);
  const double ch = 48, top = 46, bottom = 16, legend = 150;
  const double gw = cw * static_cast<double>(h.cols.size()),
               gh = ch * static_cast<double>(h.rows.size());
  const double w = std::max(left + gw + legend, 520.0), hh = top + std::max(gh, 210.0) + bottom;
  std::string s = svg_open(h.id, h.title, w, hh);
  s += fmt::format(
      "<text x=\"{:.1f}\" y=\"16\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
      left + gw / 2, esc(h.col_knob.empty() ? "" : h.col_knob));
  s += fmt::format("<text x=\"8\" y=\"{}\" font-weight=\"bold\">{}</text>\n", top - 8,
                   esc(h.row_knob));
  for (std::size_t c = 0; c < h.cols.size(); ++c)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                     left + cw * (static_cast<double>(c) + 0.5), top - 10,
                     esc(shorten(h.cols[c], static_cast<std::size_t>(cw / 7.5))));
  for (std::size_t r = 0; r < h.rows.size(); ++r) {
    const double y = top + ch * static_cast<double>(r);
    s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", left - 8,
                     y + ch / 2 + 4, esc(shorten(h.rows[r], 30)));
    for (std::size_t c = 0; c < h.cols.size(); ++c) {
      const HeatCell& cell = h.cells[r][c];
      const double x = left + cw * static_cast<double>(c);
      if (cell.n == 0) {
        s += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"#d9d9d9\" "
            "stroke=\"#fff\" stroke-width=\"2\"/>"
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#555\">no runs</text>\n",
            x, y, cw, ch, x + cw / 2, y + ch / 2 + 4);
        continue;
      }
      const double rate = static_cast<double>(cell.k) / static_cast<double>(cell.n);
      const Interval ci = wilson_interval(cell.k, cell.n);
      const double t = rate / scale;
      const char* ink = t > 0.55 ? "#fff" : "#000";
      s += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" "
          "stroke=\"#fff\" stroke-width=\"2\">"
          "<title>{}={}, {}={}: {}% [{}, {}], {} of {} runs</title></rect>\n",
          x, y, cw, ch, heat_colour(t), esc(h.row_knob), esc(h.rows[r]), esc(h.col_knob),
          esc(h.cols[c]), pct(rate), pct(ci.lo), pct(ci.hi), cell.k, cell.n);
      s += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-weight=\"bold\" "
          "fill=\"{}\">{}%</text>\n",
          x + cw / 2, y + 20, ink, pct(rate));
      s += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"11\" "
          "fill=\"{}\">n={}</text>\n",
          x + cw / 2, y + 36, ink, cell.n);
    }
  }
  // Legend: the colour scale.
  const double lx = left + gw + 40, ly = top + 8, lh = 160;
  s += fmt::format("<text x=\"{}\" y=\"{}\" font-weight=\"bold\">safety failures</text>\n", lx - 10,
                   ly - 14);
  constexpr int kSteps = 20;
  for (int i = 0; i < kSteps; ++i) {
    const double t = 1 - (static_cast<double>(i) + 0.5) / kSteps;
    s += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"18\" height=\"{:.1f}\" fill=\"{}\"/>\n",
                     lx, ly + lh * i / kSteps, lh / kSteps + 0.5, heat_colour(t));
  }
  s += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", lx,
      ly, lh);
  for (int i = 0; i <= 4; ++i) {
    const double v = scale * (1 - i / 4.0);
    const double y = ly + lh * i / 4.0;
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#333\"/>",
                     lx + 18, lx + 23, y, y);
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\">{}%</text>\n", lx + 27, y + 4, pct(v));
  }
  s += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"18\" height=\"12\" fill=\"#d9d9d9\"/><text x=\"{}\" "
      "y=\"{}\">no runs</text>\n",
      lx, ly + lh + 14, lx + 27, ly + lh + 24);
  return s + "</svg>\n";
}

}  // namespace swarmsim::reports::detail
