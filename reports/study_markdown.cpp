// The Markdown summary of a study's report, for pasting into a ticket: the
// question, the summary table and how to read its intervals.
#include <fmt/format.h>

#include "reports/study_format.hpp"
#include "reports/study_report.hpp"

namespace swarmsim::reports {

using detail::method_notes_text;
using detail::profiles_of;
using detail::summary_table;
using detail::Table;

std::string render_study_markdown(const StudyData& d, const StudyStats& s) {
  auto cell = [](const std::string& c) {
    std::string out;
    for (char ch : c) {
      if (ch == '|')
        out += "\\|";
      else if (ch == '\n' || ch == '\r')
        out += ' ';
      else
        out += ch;
    }
    return out;
  };
  std::string m = fmt::format("## Study: {}\n\n**Question:** {}\n\n",
                              cell(d.name.empty() ? "(unnamed)" : d.name),
                              cell(d.question.empty() ? "(the study states none)" : d.question));
  std::size_t runs = 0;
  for (const auto& p : s.points) runs += p.runs;
  m += fmt::format("Base scenario `{}`; {} points, {}; {} runs.\n\n", cell(d.base), s.points.size(),
                   cell(seeds_text(d, s)), runs);
  const Table t = summary_table(d, s);
  m += "|";
  for (const auto& h : t.header) m += " " + cell(h) + " |";
  m += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) m += i < d.knobs.size() ? " --- |" : " ---: |";
  m += "\n";
  for (const auto& r : t.rows) {
    m += "|";
    for (const auto& c : r) m += " " + cell(c) + " |";
    m += "\n";
  }
  m += fmt::format(
      "\nRates: Wilson 95% score interval.{} {}\n",
      profiles_of(s).empty()
          ? ""
          : " Time to ready: nearest-rank p99 of every host's time, pooled over the point's runs, "
            "with its distribution-free 95% interval from order statistics.",
      method_notes_text());
  if (!d.warnings.empty()) {
    m += "\nSkipped:\n";
    for (const auto& w : d.warnings) m += "- " + cell(w) + "\n";
  }
  return m;
}

}  // namespace swarmsim::reports
