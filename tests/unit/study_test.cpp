// `swarmsim study` and `swarmsim merge` as a capacity planner and a CI
// matrix meet them, with the real binary:
//  - a 2x2 grid with 3 seeds per point, run whole, and run as two shards
//    (one by --shard, one by --shards with JOB_COMPLETION_INDEX) then
//    merged, gives the same runs with the same metrics and digests;
//  - a study killed with SIGKILL midway and resumed ends with every run
//    exactly once; a torn last line is cut and its run done again;
//  - knobs reach any key path (host groups, list entries), and a path that
//    is not in the scenario is an error naming the study file (exit 65);
//  - an --out that holds a study needs --resume; a bad shard is a usage
//    error; shards of different studies do not merge;
//  - under a target precision each point runs batches of seeds until its
//    rate's Wilson interval is narrow enough or it reaches max_seeds, and
//    the runs are the same whole, as shards merged, and cut off anywhere
//    (a kill) then resumed.
#include "study/study.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "reports/study_report.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::study {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kGrid = std::string(SWARMSIM_SOURCE_DIR) + "/tests/study/grid-2x2.study.yaml";
const std::string kPrecision =
    std::string(SWARMSIM_SOURCE_DIR) + "/tests/study/precision.study.yaml";

std::string scratch(const std::string& name) {
  std::string pattern = "/tmp/swarmsim-study-" + name + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return "/tmp";
  return pattern;
}

// A shell command line's exit code, its stderr in `err`.
int shell(const std::string& command, std::string* err = nullptr) {
  const std::string err_file =
      fs::temp_directory_path() / ("swarmsim-study-err-" + std::to_string(::getpid()));
  const int status = std::system((command + " 2>" + err_file).c_str());
  if (err != nullptr) {
    std::ifstream in(err_file);
    std::stringstream s;
    s << in.rdbuf();
    *err = s.str();
  }
  std::remove(err_file.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run(const std::string& args, std::string* err = nullptr) {
  return shell(std::string(SWARMSIM_BINARY) + " " + args, err);
}

// point/seed -> the run's line without its wall time.
std::map<std::string, nlohmann::json> runs_of(const std::string& dir, int* lines = nullptr) {
  std::map<std::string, nlohmann::json> out;
  std::ifstream in(dir + "/runs.jsonl");
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    ++n;
    j.erase("wall_s");
    out[j["point"].get<std::string>() + "/" + std::to_string(j["seed"].get<int>())] = j;
  }
  if (lines != nullptr) *lines = n;
  return out;
}

TEST(Study, TwoShardsMergedAreTheWholeStudyRunForRun) {
  const std::string d = scratch("shards");
  ASSERT_EQ(run("study " + kGrid + " --out " + d + "/whole -q -j 2"), 0);
  ASSERT_EQ(run("study " + kGrid + " --out " + d + "/s0 -q --shard 0/2"), 0);
  // The second shard as a Kubernetes Indexed Job's pod 1 runs it.
  ASSERT_EQ(shell("JOB_COMPLETION_INDEX=1 " + std::string(SWARMSIM_BINARY) + " study " + kGrid +
                  " --out " + d + "/s1 -q --shards 2"),
            0);
  ASSERT_EQ(run("merge " + d + "/s0 " + d + "/s1 --out " + d + "/merged"), 0);

  int whole_lines = 0, s0 = 0, s1 = 0;
  const auto whole = runs_of(d + "/whole", &whole_lines);
  runs_of(d + "/s0", &s0);
  runs_of(d + "/s1", &s1);
  EXPECT_EQ(whole_lines, 12) << "4 points x 3 seeds";
  EXPECT_EQ(s0 + s1, 12);
  EXPECT_GT(s0, 0);
  EXPECT_GT(s1, 0);
  EXPECT_EQ(runs_of(d + "/merged"), whole);
  // The grid's points differ where they should: legacy evicts, fixed does not.
  std::set<std::string> verdicts;
  for (const auto& [key, r] : whole)
    verdicts.insert(r["policy"].get<std::string>() + ":" + r["verdict"].get<std::string>());
  EXPECT_TRUE(verdicts.count("legacy:safety") > 0 && verdicts.count("fixed:pass") > 0);
  fs::remove_all(d);
}

TEST(Study, AStudyKilledMidwayAndResumedHasEveryRunExactlyOnce) {
  const std::string d = scratch("kill");
  // A slower study (1,000 hosts an hour, about a second a run) so that the
  // kill lands between runs and in one.
  const std::string study = d + "/slow.study.yaml";
  std::ofstream(study)
      << "name: slow\nbase: " << SWARMSIM_SOURCE_DIR
      << "/scenarios/capacity/fleet-1k.yaml\nseeds: 3\n"
         "grid:\n  - {name: managers, path: swarm.manager_scale, values: [1, 3]}\n";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(SWARMSIM_BINARY, SWARMSIM_BINARY, "study", study.c_str(), "--out", (d + "/out").c_str(),
            "-q", "-j", "1", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ASSERT_GT(pid, 0);
  int before_kill = 0;
  // Up to three minutes: a loaded machine runs the study slower, and the
  // wait ends as soon as two runs are in.
  for (int i = 0; i < 3600 && before_kill < 2; ++i) {
    std::this_thread::sleep_for(50ms);
    runs_of(d + "/out", &before_kill);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  runs_of(d + "/out", &before_kill);
  EXPECT_GE(before_kill, 2);
  EXPECT_LT(before_kill, 6) << "killed midway";

  std::string err;
  EXPECT_EQ(run("study " + study + " --out " + d + "/out -q", &err), 64)
      << "an existing study needs --resume";
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;
  ASSERT_EQ(run("study " + study + " --out " + d + "/out -q --resume"), 0);
  int lines = 0;
  const auto runs = runs_of(d + "/out", &lines);
  EXPECT_EQ(lines, 6) << "every run once: none lost, none repeated";
  EXPECT_EQ(runs.size(), 6u);
  fs::remove_all(d);
}

TEST(Study, ATornLastLineIsCutAndItsRunDoneAgain) {
  const std::string d = scratch("torn");
  ASSERT_EQ(run("study " + kGrid + " --out " + d + " -q"), 0);
  const auto before = runs_of(d);
  // Drop the last two lines and leave half of one, as a kill during a
  // write would.
  std::ifstream in(d + "/runs.jsonl");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  in.close();
  std::ofstream out(d + "/runs.jsonl", std::ios::trunc);
  for (std::size_t i = 0; i + 2 < lines.size(); ++i) out << lines[i] << "\n";
  out << lines[lines.size() - 2].substr(0, 40);
  out.close();
  ASSERT_EQ(run("study " + kGrid + " --out " + d + " -q --resume"), 0);
  int n = 0;
  EXPECT_EQ(runs_of(d, &n), before);
  EXPECT_EQ(n, 12);
  fs::remove_all(d);
}

TEST(Study, KnobsReachHostGroupsAndListEntries) {
  const std::string base = sim::read_scenario_text(std::string(SWARMSIM_SOURCE_DIR) +
                                                   "/scenarios/capacity/fleet-1k.yaml");
  const std::string text = apply_knobs(
      base, {{"hosts.2.count", YAML::Load("100")}, {"swarm.loop_interval", YAML::Load("10s")}},
      "test");
  const sim::ScenarioSpec s = sim::load_scenario_string(text, "test");
  std::size_t pis = 0;
  for (const auto& e : s.events)
    if (e.kind == sim::EventKind::AddHost && e.profile == "pi") ++pis;
  EXPECT_EQ(pis, 100u);
  EXPECT_EQ(s.swarm.loop_interval_ns, 10 * kSecond);
  EXPECT_THROW(apply_knobs(base, {{"hosts.7.count", YAML::Load("1")}}, "test"),
               std::invalid_argument);
  EXPECT_THROW(apply_knobs(base, {{"nosuch.key", YAML::Load("1")}}, "test"), std::invalid_argument);
}

TEST(Study, TheShippedStudiesLoadAndEveryPointIsAGoodScenario) {
  int studies = 0;
  for (const auto& entry :
       fs::directory_iterator(std::string(SWARMSIM_SOURCE_DIR) + "/scenarios/capacity")) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 11 || name.substr(name.size() - 11) != ".study.yaml") continue;
    ++studies;
    const StudySpec spec = load_study_file(entry.path().string());
    EXPECT_FALSE(spec.question.empty()) << name << " says what it answers";
    std::size_t expected = 1;
    for (const auto& k : spec.knobs) expected *= k.values.size();
    const auto points = expand(spec);
    EXPECT_EQ(points.size(), expected) << name;
    // The knobs took: no two points are the same scenario.
    std::set<std::string> texts;
    for (const auto& p : points) texts.insert(sim::to_yaml(p.scenario));
    EXPECT_EQ(texts.size(), points.size()) << name;
  }
  EXPECT_GE(studies, 2) << "join-storm and edge-fleet";
}

// The seeds a point of tests/study/precision.study.yaml should end with,
// worked out here from its runs: after each batch of 5 (seeds 1 up), stop
// once the safety rate's Wilson 95% interval is at most +-8 points wide,
// or at 120 seeds.
int seeds_by_the_rule(const std::map<std::uint64_t, std::string>& verdict_by_seed) {
  for (int n = 5;; n += 5) {
    int safety = 0;
    for (int seed = 1; seed <= n; ++seed) {
      const auto it = verdict_by_seed.find(static_cast<std::uint64_t>(seed));
      if (it == verdict_by_seed.end()) return -1;  // a seed the study should have run is missing
      safety += it->second == "safety";
    }
    const reports::Interval ci =
        reports::wilson_interval(static_cast<std::size_t>(safety), static_cast<std::size_t>(n));
    if ((ci.hi - ci.lo) / 2 <= 0.08 || n == 120) return n;
  }
}

std::vector<std::string> verdicts(std::initializer_list<std::pair<int, const char*>> runs) {
  std::vector<std::string> out;
  for (const auto& [count, verdict] : runs)
    out.insert(out.end(), static_cast<std::size_t>(count), verdict);
  return out;
}

TEST(Study, APointStopsAtTheFirstBatchBoundaryWhereItsIntervalIsNarrowEnough) {
  const Precision p{"safety", 0.10, 5, 30};
  // 0 of 20 is [0, 16.1%]: +-8.05 points. 0 of 15 is +-10.2: not yet.
  EXPECT_FALSE(stop_point(p, verdicts({{15, "pass"}})).has_value());
  EXPECT_FALSE(stop_point(p, verdicts({{19, "pass"}})).has_value())
      << "the boundary at 20 is not reached";
  auto s = stop_point(p, verdicts({{20, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 20u);
  EXPECT_TRUE(s->precise);
  // The 20th run counts: 1 of 20 is +-11.4 points, 1 of 25 is +-9.4.
  s = stop_point(p, verdicts({{19, "pass"}, {1, "safety"}, {10, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 25u);
  // Later runs do not matter once it stopped.
  s = stop_point(p, verdicts({{20, "safety"}, {10, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 20u);
  // Half failing stays +-17 points wide at 30 seeds: it stops there, short.
  std::vector<std::string> half;
  for (int i = 0; i < 30; ++i) half.push_back(i % 2 == 0 ? "safety" : "pass");
  s = stop_point(p, half);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 30u);
  EXPECT_FALSE(s->precise);
  // A run that ended in an internal error is not counted: 0 of 15 counted at 20.
  s = stop_point(p, verdicts({{5, "internal-error"}, {25, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 25u);
  // liveness and pass are rates too; a last batch cut short by max_seeds.
  s = stop_point(Precision{"pass", 0.10, 7, 10}, verdicts({{10, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 10u);
  EXPECT_FALSE(s->precise) << "10 of 10 is [72.2%, 100%]";
  s = stop_point(Precision{"liveness", 0.10, 5, 30},
                 verdicts({{19, "safety"}, {1, "liveness"}, {10, "pass"}}));
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->seeds, 25u) << "1 liveness failure in 20 (the safety ones are not the rate)";
}

TEST(Study, UnderATargetPrecisionEachPointStopsWhenItsIntervalIsNarrowEnough) {
  const std::string d = scratch("precision");
  ASSERT_EQ(run("study " + kPrecision + " --out " + d + " -q -j 2"), 0);
  std::map<std::string, std::map<std::uint64_t, std::string>> by_point;
  for (const auto& [key, r] : runs_of(d)) {
    by_point[r["point"]][r["seed"].get<std::uint64_t>()] = r["verdict"];
  }
  ASSERT_EQ(by_point.size(), 4u);
  for (const auto& [point, verdicts] : by_point) {
    const int expected = seeds_by_the_rule(verdicts);
    EXPECT_EQ(static_cast<int>(verdicts.size()), expected) << point << ": no seed more, none fewer";
    EXPECT_EQ(verdicts.rbegin()->first, static_cast<std::uint64_t>(verdicts.size()))
        << point << ": seeds 1 up";
  }
  // fixed never evicts: 0 of 25 is [0, 13.3%], narrow enough after five
  // batches (0 of 20 is not). legacy evicts about a run in four: 100 seeds
  // pin that down at a 30s interval; at 15s it stops at max_seeds.
  EXPECT_EQ(by_point["p0001"].size(), 25u);
  EXPECT_EQ(by_point["p0003"].size(), 25u);
  EXPECT_EQ(by_point["p0000"].size(), 120u);
  EXPECT_EQ(by_point["p0002"].size(), 100u);
  // The report says which points stopped short of the target.
  ASSERT_EQ(run("report " + d + " --md " + d + "/r.md"), 0);
  std::ifstream md(d + "/r.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("within ±8 points"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("one point stopped at 120 seeds still short of that: p0000;"),
            std::string::npos)
      << text.str();
  fs::remove_all(d);
}

TEST(Study, UnderATargetPrecisionShardsAndResumptionsEndWithTheSameRuns) {
  const std::string d = scratch("precision-shards");
  ASSERT_EQ(run("study " + kPrecision + " --out " + d + "/whole -q -j 2"), 0);
  int whole_lines = 0;
  const auto whole = runs_of(d + "/whole", &whole_lines);
  EXPECT_EQ(whole_lines, 270);
  ASSERT_EQ(run("study " + kPrecision + " --out " + d + "/s0 -q --shard 0/3"), 0);
  ASSERT_EQ(run("study " + kPrecision + " --out " + d + "/s1 -q --shard 1/3"), 0);
  ASSERT_EQ(run("study " + kPrecision + " --out " + d + "/s2 -q --shard 2/3 -j 2"), 0);
  ASSERT_EQ(run("merge " + d + "/s0 " + d + "/s1 " + d + "/s2 --out " + d + "/merged"), 0);
  EXPECT_EQ(runs_of(d + "/merged"), whole);
  int s0 = 0, s1 = 0, s2 = 0;
  runs_of(d + "/s0", &s0);
  runs_of(d + "/s1", &s1);
  runs_of(d + "/s2", &s2);
  EXPECT_EQ(s0 + s1 + s2, 270) << "no run in two shards";
  EXPECT_TRUE(s0 > 0 && s1 > 0 && s2 > 0);

  // A kill leaves the runs finished so far (any order, from -j 2) and
  // perhaps half a line; cut the whole study's file there, in the first
  // round, mid-study and in the last round, and resume.
  std::ifstream in(d + "/whole/runs.jsonl");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (const std::size_t cut :
       {std::size_t{7}, std::size_t{101}, std::size_t{230}, std::size_t{269}}) {
    const std::string r = d + "/cut" + std::to_string(cut);
    fs::create_directories(r);
    fs::copy_file(d + "/whole/study.json", r + "/study.json");
    std::ofstream out(r + "/runs.jsonl");
    for (std::size_t i = 0; i < cut; ++i) out << lines[i] << "\n";
    out << lines[cut].substr(0, 30);
    out.close();
    ASSERT_EQ(run("study " + kPrecision + " --out " + r + " -q --resume"), 0) << cut;
    int n = 0;
    EXPECT_EQ(runs_of(r, &n), whole) << "cut after " << cut << " runs";
    EXPECT_EQ(n, 270) << "cut after " << cut << " runs: every run once";
  }
  fs::remove_all(d);
}

TEST(Study, BadStudiesAndBadShardsAreErrorsThatSayWhat) {
  const std::string d = scratch("bad");
  std::string err;
  const std::string bad_path = d + "/bad-path.study.yaml";
  std::ofstream(bad_path)
      << "name: bad\nbase: " << SWARMSIM_SOURCE_DIR
      << "/scenarios/incident-2017.yaml\ngrid:\n  - {name: x, path: hosts.9.at, values: [1s]}\n";
  EXPECT_EQ(run("study " + bad_path + " --out " + d + "/o -q", &err), 65);
  EXPECT_NE(err.find("hosts.9"), std::string::npos) << err;
  const std::string unknown = d + "/unknown.study.yaml";
  std::ofstream(unknown) << "name: u\nbase: " << SWARMSIM_SOURCE_DIR
                         << "/scenarios/incident-2017.yaml\ngrids: []\n";
  EXPECT_EQ(run("study " + unknown + " --out " + d + "/o -q", &err), 65);
  EXPECT_NE(err.find("unknown.study.yaml:3:1"), std::string::npos) << err;
  EXPECT_EQ(run("study " + kGrid + " --out " + d + "/o -q --shard 2/2", &err), 64);
  EXPECT_EQ(shell("env -u JOB_COMPLETION_INDEX " + std::string(SWARMSIM_BINARY) + " study " +
                      kGrid + " --out " + d + "/o -q --shards 2",
                  &err),
            64);
  EXPECT_NE(err.find("JOB_COMPLETION_INDEX"), std::string::npos) << err;
  // Shards of two different studies do not merge.
  ASSERT_EQ(run("study " + kGrid + " --out " + d + "/a -q --shard 0/2"), 0);
  const std::string other = d + "/other.study.yaml";
  std::ofstream(other)
      << "name: other\nbase: " << SWARMSIM_SOURCE_DIR
      << "/scenarios/incident-2017.yaml\nseeds: 1\ngrid:\n  - {name: policy, values: [fixed]}\n";
  ASSERT_EQ(run("study " + other + " --out " + d + "/b -q"), 0);
  EXPECT_EQ(run("merge " + d + "/a " + d + "/b --out " + d + "/m", &err), 65);
  EXPECT_NE(err.find("another study"), std::string::npos) << err;
  // A target precision that cannot be met or is given with a seed count.
  const std::string head =
      "name: p\nbase: " + std::string(SWARMSIM_SOURCE_DIR) +
      "/scenarios/incident-2017.yaml\ngrid:\n  - {name: policy, values: [fixed]}\n";
  const std::pair<std::string, std::string> bad_precision[] = {
      {"seeds: 5\nprecision: {rate: safety, half_width: 1%}\n", "not both"},
      {"precision: {rate: evicted, half_width: 1%}\n",
       "expected safety, liveness or pass, got 'evicted'"},
      {"precision: {rate: safety, half_width: 0}\n", "above 0 and at most 50%, got '0'"},
      {"precision: {rate: safety, half_width: 80%}\n", "got '80%'"},
      {"precision: {rate: safety}\n", "precision needs half_width"},
      {"precision: {rate: safety, half_width: 0.05, batch: 50, max_seeds: 10}\n",
       "is more than max_seeds"},
      {"precision: {rate: safety, half_width: 0.05, every: 5}\n", "unknown key 'every'"},
  };
  for (const auto& [text, says] : bad_precision) {
    const std::string f = d + "/precision.study.yaml";
    std::ofstream(f) << head << text;
    EXPECT_EQ(run("study " + f + " --out " + d + "/pp -q", &err), 65) << text;
    EXPECT_NE(err.find(says), std::string::npos) << text << err;
    EXPECT_NE(err.find("precision.study.yaml:"), std::string::npos)
        << "names the file and line: " << err;
  }
  fs::remove_all(d);
}

}  // namespace
}  // namespace swarmsim::study
