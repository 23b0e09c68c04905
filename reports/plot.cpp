#include "reports/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace swarmsim::reports {

namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// Colour-blind-safe palette (Okabe-Ito).
const char* kColours[] = {"#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"};

}  // namespace

std::string render_svg(const Chart& c) {
  const double w = 720, h = 360, left = 64, right = 160, top = 40, bottom = 56;
  const double pw = w - left - right, ph = h - top - bottom;
  const std::size_t n = c.x.size();
  auto px = [&](std::size_t i) { return left + (n <= 1 ? pw / 2 : pw * static_cast<double>(i) / static_cast<double>(n - 1)); };
  auto py = [&](double y) { return top + ph - ph * std::clamp(y / c.y_max, 0.0, 1.0); };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      w, h, w, h);
  s += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>\n", left,
                   esc(c.title));
  for (int k = 0; k <= 4; ++k) {  // horizontal grid
    const double y = c.y_max * k / 4;
    s += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", left,
                     left + pw, py(y), py(y));
    s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:g}</text>\n", left - 6,
                     py(y) + 4, y);
  }
  for (std::size_t i = 0; i < n; ++i)
    s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(i),
                     top + ph + 18, esc(c.x[i]));
  s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", left + pw / 2,
                   h - 10, esc(c.x_label));
  s += fmt::format(
      "<text transform=\"translate(16,{:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
      top + ph / 2, esc(c.y_label));
  for (std::size_t k = 0; k < c.series.size(); ++k) {
    const auto& ser = c.series[k];
    const char* colour = kColours[k % std::size(kColours)];
    std::string path;
    for (std::size_t i = 0; i < n && i < ser.y.size(); ++i) {
      if (std::isnan(ser.y[i])) continue;
      path += fmt::format("{}{:.1f},{:.1f} ", path.empty() ? "M" : "L", px(i), py(ser.y[i]));
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}: {:g}</title></circle>\n",
                       px(i), py(ser.y[i]), colour, esc(ser.name), ser.y[i]);
    }
    s += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", path, colour);
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>"
                     "<text x=\"{}\" y=\"{}\">{}</text>\n",
                     left + pw + 16, top + 20.0 * static_cast<double>(k), colour, left + pw + 34,
                     top + 10 + 20.0 * static_cast<double>(k), esc(ser.name));
  }
  return s + "</svg>\n";
}

std::string render_html(const std::string& title, const std::string& intro,
                        const std::vector<Chart>& charts,
                        const std::vector<std::vector<std::string>>& table) {
  std::string s = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n"
      "<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}"
      "table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;"
      "text-align:right}}th{{background:#f4f4f4}}</style></head><body>\n<h1>{}</h1>\n<p>{}</p>\n",
      esc(title), esc(title), esc(intro));
  for (const auto& c : charts) s += render_svg(c);
  if (!table.empty()) {
    s += "<table>\n";
    for (std::size_t r = 0; r < table.size(); ++r) {
      s += "<tr>";
      for (const auto& cell : table[r])
        s += (r == 0 ? "<th>" : "<td>") + esc(cell) + (r == 0 ? "</th>" : "</td>");
      s += "</tr>\n";
    }
    s += "</table>\n";
  }
  return s + "</body></html>\n";
}

}  // namespace swarmsim::reports
