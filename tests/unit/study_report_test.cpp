// `swarmsim report`: the statistics a study's report rests on (Wilson
// intervals, nearest-rank quantiles, the p99's order-statistic interval),
// a study directory rendered as HTML, Markdown and CSV, and the exit codes
// of the real binary.
#include "reports/study_report.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/study_report_fixture.hpp"

using namespace swarmsim::reports;
namespace fs = std::filesystem;
using swarmsim::testing_fixture::make_temp_dir;
using swarmsim::testing_fixture::write_fixture_study;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

std::string sh_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct Outcome {
  int code = -1;
  std::string err;
};

// The real binary with `args`, under a time-out; its exit code and stderr.
Outcome run_binary(const std::vector<std::string>& args, const std::string& scratch) {
  const std::string err = scratch + "/stderr.txt";
  std::string command = "timeout -s KILL 30 " + sh_quote(SWARMSIM_BINARY);
  for (const auto& a : args) command += " " + sh_quote(a);
  command += " >/dev/null 2>" + sh_quote(err) + " </dev/null";
  const int status = std::system(command.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.err = read(err);
  return o;
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells{""};
  bool in_quotes = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cells.back() += '"', ++i;
      else if (c == '"')
        in_quotes = false;
      else
        cells.back() += c;
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

class StudyDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = make_temp_dir("swarmsim-study-report");
    write_fixture_study(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string dir;
};

}  // namespace

TEST(StudyStatistics, WilsonIntervalMatchesKnownValues) {
  const Interval none = wilson_interval(0, 300);
  EXPECT_EQ(none.lo, 0.0);
  EXPECT_NEAR(none.hi, 0.012644, 1e-5);  // z^2 / (n + z^2)
  const Interval half = wilson_interval(5, 10);
  EXPECT_NEAR(half.lo, 0.2366, 1e-4);
  EXPECT_NEAR(half.hi, 0.7634, 1e-4);
  const Interval all = wilson_interval(20, 20);
  EXPECT_NEAR(all.lo, 0.8389, 1e-4);
  EXPECT_EQ(all.hi, 1.0);
  EXPECT_TRUE(std::isnan(wilson_interval(0, 0).lo));
}

TEST(StudyStatistics, NearestRankQuantiles) {
  std::vector<double> hundred(100);
  std::iota(hundred.begin(), hundred.end(), 1.0);
  EXPECT_EQ(nearest_rank_quantile(hundred, 0.50), 50);
  EXPECT_EQ(nearest_rank_quantile(hundred, 0.95), 95);
  EXPECT_EQ(nearest_rank_quantile(hundred, 0.99), 99);
  EXPECT_EQ(nearest_rank_quantile(hundred, 1.0), 100);
  const std::vector<double> ten{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(nearest_rank_quantile(ten, 0.5), 5);
  EXPECT_EQ(nearest_rank_quantile(ten, 0.95), 10);
  EXPECT_EQ(nearest_rank_quantile(ten, 0.99), 10);
  std::vector<double> twenty(20);
  std::iota(twenty.begin(), twenty.end(), 1.0);
  EXPECT_EQ(nearest_rank_quantile(twenty, 0.95), 19);  // not 20 through rounding
  EXPECT_EQ(nearest_rank_quantile({7.5}, 0.99), 7.5);
  EXPECT_TRUE(std::isnan(nearest_rank_quantile({}, 0.5)));
}

TEST(StudyStatistics, BinomialCdf) {
  EXPECT_NEAR(binomial_cdf(5, 10, 0.5), 0.623046875, 1e-12);
  EXPECT_NEAR(binomial_cdf(0, 10, 0.5), 1.0 / 1024, 1e-12);
  EXPECT_EQ(binomial_cdf(10, 10, 0.5), 1.0);
  EXPECT_NEAR(binomial_cdf(99, 100, 0.99), 1 - std::pow(0.99, 100), 1e-12);
}

TEST(StudyStatistics, P99IntervalFromOrderStatistics) {
  std::vector<double> thousand(1000);
  std::iota(thousand.begin(), thousand.end(), 1.0);
  // Ranks from Binomial(1000, 0.99): the 2.5% and 97.5% points are 983 and 996.
  const QuantileInterval ci = quantile_interval(thousand, 0.99);
  EXPECT_EQ(ci.lo_rank, 983u);
  EXPECT_EQ(ci.hi_rank, 997u);
  EXPECT_EQ(ci.lo, 983);
  EXPECT_EQ(ci.hi, 997);
  // It covers the p99 with probability at least 95%.
  EXPECT_GE(binomial_cdf(ci.hi_rank - 1, 1000, 0.99) - binomial_cdf(ci.lo_rank - 1, 1000, 0.99),
            0.95);
  EXPECT_LE(ci.lo, nearest_rank_quantile(thousand, 0.99));
  EXPECT_GE(ci.hi, nearest_rank_quantile(thousand, 0.99));

  std::vector<double> five_hundred(500);
  std::iota(five_hundred.begin(), five_hundred.end(), 1.0);
  const QuantileInterval c500 = quantile_interval(five_hundred, 0.99);
  EXPECT_EQ(c500.lo_rank, 490u);
  EXPECT_EQ(c500.hi_rank, 500u);

  // The median of ten: the classic [x(2), x(9)].
  const std::vector<double> ten{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const QuantileInterval median = quantile_interval(ten, 0.5);
  EXPECT_EQ(median.lo, 2);
  EXPECT_EQ(median.hi, 9);

  // Too few samples for an upper bound on the p99.
  std::vector<double> hundred(100);
  std::iota(hundred.begin(), hundred.end(), 1.0);
  const QuantileInterval few = quantile_interval(hundred, 0.99);
  EXPECT_TRUE(std::isnan(few.hi));
  EXPECT_EQ(few.hi_rank, 101u);
  EXPECT_FALSE(std::isnan(few.lo));
  EXPECT_EQ(samples_for_upper_bound(0.99), 368u);  // 1 - 0.99^n >= 0.975
  std::vector<double> enough(368);
  std::iota(enough.begin(), enough.end(), 1.0);
  EXPECT_FALSE(std::isnan(quantile_interval(enough, 0.99).hi));
  enough.pop_back();
  EXPECT_TRUE(std::isnan(quantile_interval(enough, 0.99).hi));

  // Large samples stay fast and exact enough.
  std::vector<double> big(200000);
  std::iota(big.begin(), big.end(), 1.0);
  const QuantileInterval cbig = quantile_interval(big, 0.99);
  EXPECT_LT(cbig.lo, 198000);
  EXPECT_GT(cbig.hi, 198000);
  EXPECT_LT(cbig.hi - cbig.lo, 200);
}

TEST(StudyStatistics, KnobValuesOnANumericAxis) {
  using nlohmann::json;
  EXPECT_EQ(knob_number(json(5000)), 5000);
  EXPECT_EQ(knob_number(json(0.25)), 0.25);
  EXPECT_EQ(knob_number(json("20s")), 20);
  EXPECT_EQ(knob_number(json("250ms")), 0.25);
  EXPECT_EQ(knob_number(json("5m")), 300);
  EXPECT_EQ(knob_number(json("1h")), 3600);
  EXPECT_EQ(knob_number(json("0.5s")), 0.5);
  EXPECT_EQ(knob_number(json("42")), 42);
  EXPECT_EQ(knob_number(json("fixed")), std::nullopt);
  EXPECT_EQ(knob_number(json(true)), std::nullopt);
  EXPECT_EQ(knob_label(json("20s")), "20s");
  EXPECT_EQ(knob_label(json(100)), "100");
  EXPECT_EQ(knob_label(json(false)), "false");
}

TEST_F(StudyDir, LoadsEveryRunAndSkipsTheTornLastLine) {
  const StudyData d = load_study_dir(dir);
  EXPECT_EQ(d.name, "fixture-storm");
  EXPECT_EQ(d.knobs.size(), 2u);
  EXPECT_EQ(d.points.size(), 4u);
  EXPECT_EQ(d.runs.size(), 12u);
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_NE(d.warnings[0].find("runs.jsonl:13"), std::string::npos) << d.warnings[0];
  EXPECT_NE(d.warnings[0].find("torn"), std::string::npos) << d.warnings[0];
}

TEST_F(StudyDir, AggregatesEachPoint) {
  const StudyData d = load_study_dir(dir);
  const StudyStats s = aggregate(d);
  ASSERT_EQ(s.points.size(), 4u);
  // p0002: 1000 hosts, legacy: one eviction, one stuck, one pass.
  const PointStats& p = s.points[2];
  EXPECT_EQ(p.knobs["hosts"], 1000);
  EXPECT_EQ(p.policy, "legacy");
  EXPECT_EQ(p.runs, 3u);
  EXPECT_EQ(p.pass, 1u);
  EXPECT_EQ(p.safety, 1u);
  EXPECT_EQ(p.liveness, 1u);
  EXPECT_NEAR(p.safety_rate.p, 1.0 / 3, 1e-12);
  EXPECT_NEAR(p.safety_rate.ci.lo, wilson_interval(1, 3).lo, 1e-12);
  // Time to ready of the Pis: 100 per run, pooled: 300 samples from 3 runs.
  const QuantileStats& pi = p.time_to_ready_s.at("pi");
  EXPECT_EQ(pi.samples, 300u);
  EXPECT_EQ(pi.runs, 3u);
  EXPECT_LE(pi.p50, pi.p95);
  EXPECT_LE(pi.p95, pi.p99);
  EXPECT_LE(pi.p99_ci.lo, pi.p99);
  EXPECT_TRUE(std::isnan(pi.p99_ci.hi));  // 300 < 368 samples
  // Scalars across runs; converged_at_s is null where the run got stuck.
  const ScalarStats& converged = p.scalars.at("converged_at_s");
  EXPECT_EQ(converged.n, 2u);
  EXPECT_EQ(converged.nulls, 1u);
  EXPECT_NEAR(p.scalars.at("spurious_evictions").mean, 2.0 / 3, 1e-12);
  EXPECT_EQ(p.scalars.count("removed_host_cleanup_s_max"), 1u);
  EXPECT_EQ(p.scalars.count("a_shape_no_report_knows"), 0u);
  EXPECT_NEAR(p.leader_calls_per_s.at("GET /nodes"), 4.02, 1e-9);
}

TEST_F(StudyDir, TheHtmlPageIsSelfContainedWithItsPlots) {
  const StudyData d = load_study_dir(dir);
  const StudyStats s = aggregate(d);
  const std::string html = render_study_html(d, s);
  EXPECT_GE(count(html, "<svg"), 3u);
  const auto titles = study_plot_titles(d, s);
  EXPECT_GE(titles.size(), 3u);
  for (const auto& t : titles) {
    EXPECT_NE(html.find("<title id=\""), std::string::npos);
    EXPECT_NE(html.find(">" + t + "</title>"), std::string::npos) << t;  // the svg's title
    EXPECT_NE(html.find("<h3>" + t + "</h3>"), std::string::npos) << t;  // its visible heading
  }
  EXPECT_NE(html.find("Safety-failure rate against hosts"), std::string::npos);
  EXPECT_NE(html.find("Time to ready, p99, profile pi"), std::string::npos);
  EXPECT_NE(html.find("Leader API load against hosts"), std::string::npos);
  EXPECT_NE(html.find("Safety-failure rate by policy and hosts"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);  // not even the question's link
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("How long until a new Pi is ready"), std::string::npos);
  EXPECT_NE(html.find("rule of three"), std::string::npos);
  EXPECT_NE(html.find("nearest-rank"), std::string::npos);
  EXPECT_NE(html.find("order statistics"), std::string::npos);
  EXPECT_NE(html.find("torn"), std::string::npos);  // the skipped line is on the page
}

TEST_F(StudyDir, TheCsvHasOneRowPerPointAndBareNumbers) {
  const StudyData d = load_study_dir(dir);
  const std::string csv = render_study_csv(d, aggregate(d));
  std::istringstream in(csv);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    rows.push_back(split_csv_line(line));
  }
  ASSERT_EQ(rows.size(), 5u);  // header + 4 points
  const auto& header = rows[0];
  EXPECT_EQ(header[0], "hosts");
  EXPECT_EQ(header[1], "policy");
  EXPECT_EQ(header[2], "runs");
  for (const char* column :
       {"pass_rate", "pass_rate_lo", "pass_rate_hi", "safety_rate", "liveness_rate_hi",
        "time_to_ready_s_p99.pi", "time_to_ready_s_p99_lo.pi", "time_to_ready_s_p50.vm",
        "spurious_evictions_per_join_mean", "converged_at_s_null",
        "leader_calls_per_s_mean.GET /nodes"})
    EXPECT_NE(std::find(header.begin(), header.end(), column), header.end()) << column;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), header.size()) << "row " << r;
    for (std::size_t c = 2; c < header.size(); ++c) {
      const std::string& cell = rows[r][c];
      if (cell.empty()) continue;  // missing
      char* end = nullptr;
      std::strtod(cell.c_str(), &end);
      EXPECT_EQ(*end, '\0') << header[c] << " = '" << cell << "' is not a bare number";
    }
  }
  // p0000 (100 hosts, legacy): one safety failure of three runs.
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  EXPECT_EQ(rows[1][col("runs")], "3");
  EXPECT_NEAR(std::stod(rows[1][col("safety_rate")]), 1.0 / 3, 1e-12);
  EXPECT_EQ(rows[1][col("time_to_ready_s_p99_hi.pi")], "");  // unbounded: 30 samples
}

TEST_F(StudyDir, TheMarkdownHasTheQuestionAndARowPerPoint) {
  const StudyData d = load_study_dir(dir);
  const std::string md = render_study_markdown(d, aggregate(d));
  EXPECT_NE(md.find("How long until a new Pi is ready"), std::string::npos);
  EXPECT_EQ(count(md, "\n| 100 |"), 2u);
  EXPECT_EQ(count(md, "\n| 1000 |"), 2u);
  EXPECT_NE(md.find("| --- |"), std::string::npos);
}

TEST(StudyReport, AStudyWithNoFinishedRunStillDrawsEveryPlot) {
  const std::string dir = make_temp_dir("swarmsim-study-empty");
  write_fixture_study(dir, false);
  std::ofstream(dir + "/runs.jsonl", std::ios::trunc).close();  // emptied
  const StudyData d = load_study_dir(dir);
  const std::string html = render_study_html(d, aggregate(d));
  EXPECT_GE(count(html, "<svg"), 3u);
  EXPECT_GE(count(html, "no data"), 3u);
  fs::remove_all(dir);
}

TEST(StudyReport, NotAStudyNamesTheFileAndWhatWasExpected) {
  const std::string dir = make_temp_dir("swarmsim-not-a-study");
  try {
    load_study_dir(dir);
    ADD_FAILURE() << "no exception";
  } catch (const NotAStudy& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/study.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
  }
  std::ofstream(dir + "/study.json") << R"({"command": "run"})";
  EXPECT_THROW(load_study_dir(dir), NotAStudy);
  std::ofstream(dir + "/study.json", std::ios::trunc) << "{not json";
  EXPECT_THROW(load_study_dir(dir), NotAStudy);
  fs::remove_all(dir);
}

TEST_F(StudyDir, TheBinaryWritesEveryOutput) {
  const std::string out = make_temp_dir("swarmsim-report-out");
  const Outcome o = run_binary(
      {"report", dir, "--html", out + "/r.html", "--md", out + "/r.md", "--csv", out + "/r.csv"},
      out);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("torn"), std::string::npos) << "the torn line is warned about: " << o.err;
  EXPECT_GE(count(read(out + "/r.html"), "<svg"), 3u);
  EXPECT_FALSE(read(out + "/r.md").empty());
  EXPECT_EQ(count(read(out + "/r.csv"), "\n"), 5u);
  // Nothing but the three reports and the captured stderr: no temporary left.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out)) ++files;
  EXPECT_EQ(files, 4u);
  fs::remove_all(out);
}

TEST_F(StudyDir, TheBinaryExits65WithoutAStudyJson) {
  const std::string empty = make_temp_dir("swarmsim-report-empty");
  const Outcome o = run_binary({"report", empty, "--html", empty + "/r.html"}, empty);
  EXPECT_EQ(o.code, 65) << o.err;
  EXPECT_NE(o.err.find("study.json"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(empty + "/r.html"));
  const Outcome missing = run_binary({"report", empty + "/nope", "--csv", empty + "/r.csv"}, empty);
  EXPECT_EQ(missing.code, 65) << missing.err;
  fs::remove_all(empty);
}

TEST_F(StudyDir, TheBinaryExits73WhenAnOutputCannotBeWritten) {
  const Outcome o = run_binary({"report", dir, "--html", dir + "/no/such/folder/r.html"}, dir);
  EXPECT_EQ(o.code, 73) << o.err;
  EXPECT_NE(o.err.find("cannot write"), std::string::npos) << o.err;
  const Outcome folder = run_binary({"report", dir, "--csv", dir}, dir);
  EXPECT_EQ(folder.code, 73) << folder.err;
}

TEST_F(StudyDir, TheBinaryExits64WithoutAnOutput) {
  const Outcome o = run_binary({"report", dir}, dir);
  EXPECT_EQ(o.code, 64) << o.err;
  EXPECT_NE(o.err.find("--html"), std::string::npos) << o.err;
}
