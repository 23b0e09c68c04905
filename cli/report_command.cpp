// swarmsim report: a study's directory as a page of tables and plots (HTML),
// a table for a ticket (Markdown) and numbers for a spreadsheet (CSV).
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "reports/study_report.hpp"

namespace swarmsim::cli {

int command_report(const ReportArgs& args) {
  if (args.html.empty() && args.md.empty() && args.csv.empty()) {
    print_error("report: name at least one output: --html FILE, --md FILE or --csv FILE");
    return kExitUsage;
  }
  reports::StudyData data;
  try {
    data = reports::load_study_dir(args.dir);
  } catch (const reports::NotAStudy& e) {
    print_error(e.what());
    return kExitBadInput;
  }
  for (const auto& w : data.warnings) print_error("warning: " + w);
  const reports::StudyStats stats = reports::aggregate(data);
  if (!write_report(args.html, [&] { return reports::render_study_html(data, stats); }) ||
      !write_report(args.md, [&] { return reports::render_study_markdown(data, stats); }) ||
      !write_report(args.csv, [&] { return reports::render_study_csv(data, stats); }))
    return kExitCannotWrite;
  std::size_t runs = 0;
  for (const auto& p : stats.points) runs += p.runs;
  std::cout << fmt::format("study {}: {} points, {} runs\n",
                           data.name.empty() ? args.dir : data.name, stats.points.size(), runs);
  for (const auto& [path, what] :
       {std::pair{args.html, "HTML page"}, std::pair{args.md, "Markdown summary"},
        std::pair{args.csv, "CSV, one row per point"}})
    if (!path.empty()) std::cout << fmt::format("  wrote {} ({})\n", path, what);
  return kExitPass;
}

}  // namespace swarmsim::cli
