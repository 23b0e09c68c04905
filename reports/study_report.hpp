// Reports of a study's directory (`swarmsim report`): what a grid of
// scenario variants x seeds found, per point of the grid, with the
// uncertainty that a finite number of seeds leaves. Pure functions: load a
// directory into StudyData, aggregate each point, render HTML (inline SVG
// plots, no script, no external file), Markdown and CSV as strings.
//
// A study directory holds study.json (the grid: knobs, their values, the
// points) and runs.jsonl (one JSON object per finished run, in any order).
//
// The parts, each in its own file: the directory and its reading
// (study_data.hpp), the aggregation per point (study_stats.hpp), and the
// renderers declared here (study_html.cpp, study_markdown.cpp,
// study_csv.cpp), with the plot models (study_axis.hpp, study_plots.hpp),
// their SVG (study_svg.hpp) and the text they share (study_format.hpp).
#pragma once

#include <string>
#include <vector>

#include "reports/statistics.hpp"
#include "reports/study_data.hpp"
#include "reports/study_stats.hpp"

namespace swarmsim::reports {

// The titles of the plots render_study_html draws, in order (tests check
// that each is on the page).
std::vector<std::string> study_plot_titles(const StudyData& data, const StudyStats& stats);
std::string render_study_html(const StudyData& data, const StudyStats& stats);
std::string render_study_markdown(const StudyData& data, const StudyStats& stats);
std::string render_study_csv(const StudyData& data, const StudyStats& stats);

// How many seeds each point had, in words: "3 seeds each", or the target
// precision and, when some points stopped at max_seeds short of it, which.
std::string seeds_text(const StudyData& data, const StudyStats& stats);

}  // namespace swarmsim::reports
