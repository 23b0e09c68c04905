// The regression corpus: every scenario under tests/regression/ is a case
// worth keeping forever, with a `# expect:` line saying how each policy must
// end on it. Counterexamples at the top level must fail under legacy; the
// ones under simulator/ pin down simulator bugs that the fixed policy's
// check once tripped over. fixed must pass all of them, on several seeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

using namespace swarmsim;
using namespace swarmsim::sim;

namespace {

std::map<std::string, std::string> read_expectations(const std::filesystem::path& file) {
  std::map<std::string, std::string> out;
  for (const auto& e : sim::read_expectations(read_scenario_text(file.string()), file.string()))
    out[e.policy] = e.verdict;
  return out;
}

std::vector<std::filesystem::path> corpus() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(SWARMSIM_SOURCE_DIR) + "/tests/regression"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(RegressionCorpus, EveryScenarioEndsAsItsExpectLineSays) {
  const auto files = corpus();
  ASSERT_GE(files.size(), 5u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const auto expect = read_expectations(file);
    ASSERT_TRUE(expect.contains("legacy") && expect.contains("fixed"))
        << "needs a '# expect: legacy=... fixed=...' line";
    // Fixed never fails; it may be inconclusive only where the world leaves
    // no evidence at all, which the file must say.
    EXPECT_TRUE(expect.at("fixed") == "pass" || expect.at("fixed") == "inconclusive");
    const bool counterexample = file.parent_path().filename() == "regression";
    if (counterexample) {
      EXPECT_NE(expect.at("legacy"), "pass") << "a counterexample must fail under legacy";
    }
    const ScenarioSpec spec = load_scenario_file(file.string());
    for (const auto& [policy, verdict] : expect) {
      RunOptions o;
      o.seed = spec.seed;
      o.policy = policy;
      o.keep_trace = false;
      const RunResult r = run_scenario(spec, o);
      EXPECT_EQ(to_string(r.verdict), verdict)
          << policy << ": " << (r.violations.empty() ? "" : r.violations.front().detail);
    }
  }
}

// Fixed never fails a corpus scenario, on any seed. Where the file says the
// world destroys every trace of a node (fixed=inconclusive), the verdict
// must say so on every seed instead.
TEST(RegressionCorpus, FixedPassesEveryScenarioOnEverySeed) {
  for (const auto& file : corpus()) {
    const ScenarioSpec spec = load_scenario_file(file.string());
    const auto expect = read_expectations(file);
    const auto fixed = expect.find("fixed");
    const Verdict wanted = fixed != expect.end() && fixed->second == "inconclusive"
                               ? Verdict::Inconclusive
                               : Verdict::Pass;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      RunOptions o;
      o.seed = seed;
      o.policy = "fixed";
      o.keep_trace = false;
      const RunResult r = run_scenario(spec, o);
      EXPECT_EQ(r.verdict, wanted) << file << " seed " << seed << ": "
                                   << (r.violations.empty() ? "" : r.violations.front().detail);
    }
  }
}
