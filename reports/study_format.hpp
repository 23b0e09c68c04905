// Text shared by the study reports' renderers and plots: HTML escaping,
// numbers, percentages and intervals as the reports write them, which
// metrics a study has and in what order they are shown, the summary table
// and the note on how many runs a rate needs. Internal to reports/.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "reports/study_data.hpp"
#include "reports/study_stats.hpp"

namespace swarmsim::reports::detail {

// HTML text; "://" is written with an entity so that no URL appears in the
// file's bytes (the page links nothing; a question quoting one stays text).
std::string esc(const std::string& s);

inline bool finite(double x) {
  return std::isfinite(x);
}

// A number to four significant digits; "–" when not finite.
std::string num(double x);
// A share as a percentage to three significant digits; "–" when not finite.
std::string pct(double p);
// "12.5% [3.2, 38.1]": a rate with its interval, or "no runs".
std::string rate_text(const Rate& r);
// "41.3 s [40.9, unbounded]": a p99 with its interval.
std::string p99_text(const QuantileStats& q);

// Whether the study named metric `name` among those its report puts first:
// a name asks for itself and for the metrics it prefixes
// (`removed_host_cleanup_s` for removed_host_cleanup_s_max, ...).
bool asked_for(const StudyData& d, const std::string& name);

// The host profiles, scalar metrics and leader APIs of any point, sorted.
std::vector<std::string> profiles_of(const StudyStats& s);
std::vector<std::string> scalars_of(const StudyStats& s);
std::vector<std::string> apis_of(const StudyStats& s);

// Every scalar metric, those the study asked for first (in its order).
std::vector<std::string> ordered_scalars(const StudyData& d, const StudyStats& s);
// The scalar metrics the summary tables show: the ones the study asked for,
// then a few that answer most questions.
std::vector<std::string> summary_scalars(const StudyData& d, const StudyStats& s);

// The point's value of `knob` as a label; "" when it has none.
std::string point_knob_label(const PointStats& p, const std::string& knob);

// An id for an element of the page from any text: letters and digits in
// lower case, anything else '-'.
std::string slug(const std::string& s);

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// One row per point: its knobs, verdict rates, p99 per profile and the
// summary metrics (the HTML page's and the Markdown's summary).
Table summary_table(const StudyData& d, const StudyStats& s);

// How many runs a point needs before "no failure" means "under 1%".
std::string method_notes_text();

}  // namespace swarmsim::reports::detail
