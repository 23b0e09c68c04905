// The metastable failure of scenarios/capacity/metastable-leader-restart.yaml
// and the recovery property that catches it (sim/recovery_checker.hpp):
// the same leader restart stays overloaded on a leader with no bound on its
// queue, and recovers on one that sheds load. Each case fails if the model
// loses the sustaining effect (wasted work on requests past their deadline),
// or the property stops seeing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::sim {
namespace {

ScenarioSpec load(const std::string& relative) {
  return load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) + "/" + relative);
}

RunResult run(const ScenarioSpec& spec, const std::string& policy) {
  RunOptions o;
  o.policy = policy;
  o.keep_trace = false;
  o.stop_at_first_violation = false;
  return run_scenario(spec, o);
}

const Violation* find(const RunResult& r, const std::string& kind) {
  auto it = std::find_if(r.violations.begin(), r.violations.end(),
                         [&](const Violation& v) { return v.kind == kind; });
  return it == r.violations.end() ? nullptr : &*it;
}

constexpr const char* kUnbounded = "scenarios/capacity/metastable-leader-restart.yaml";
constexpr const char* kShed = "scenarios/capacity/metastable-leader-restart-shed.yaml";

TEST(Metastable, ALeaderRestartStaysOverloadedUnderEveryPolicyWithoutLoadShedding) {
  const ScenarioSpec s = load(kUnbounded);
  ASSERT_TRUE(s.recovery);
  for (const char* policy : {"fixed", "legacy"}) {
    const RunResult r = run(s, policy);
    const Violation* v = find(r, "no-recovery");
    ASSERT_NE(v, nullptr) << policy << ": the recovery property did not catch it";
    EXPECT_FALSE(v->safety);
    EXPECT_NE(v->detail.find("leader register"), std::string::npos) << v->detail;
    // Still overloaded at the end of the run, not merely slow to drain.
    ASSERT_TRUE(r.last_overload_ns);
    EXPECT_GT(*r.last_overload_ns, r.liveness_checked_at_ns - kMinute) << policy;
  }
}

TEST(Metastable, TheSameRestartRecoversWithinAMinuteWhenTheLeaderShedsLoad) {
  ScenarioSpec s = load(kShed);
  ASSERT_TRUE(s.recovery);
  for (const char* policy : {"fixed", "legacy"})
    EXPECT_EQ(find(run(s, policy), "no-recovery"), nullptr) << policy;
  EXPECT_EQ(run(s, "fixed").verdict, Verdict::Pass);
  // Watched from the restart (13:00, for 20 s) on: it did overload the
  // leader, and the last symptom came within a minute of its end.
  s.recovery->from_ns = 13 * kMinute;
  ASSERT_EQ(validate(s), "");
  const RunResult r = run(s, "fixed");
  ASSERT_TRUE(r.last_overload_ns) << "the restart did not overload the leader";
  EXPECT_LT(*r.last_overload_ns, 13 * kMinute + 20 * kSecond + kMinute);
}

// The trigger matters: without the restart, the unbounded leader never
// overloads, so the property has nothing to report.
TEST(Metastable, WithoutTheTriggerNothingIsOverloaded) {
  ScenarioSpec s = load(kUnbounded);
  s.events.erase(std::remove_if(s.events.begin(), s.events.end(),
                                [](const EventSpec& e) { return e.kind == EventKind::Crash; }),
                 s.events.end());
  const RunResult r = run(s, "fixed");
  EXPECT_EQ(find(r, "no-recovery"), nullptr);
  EXPECT_EQ(r.verdict, Verdict::Pass);
}

}  // namespace
}  // namespace swarmsim::sim
