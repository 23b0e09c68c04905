// A lost raft quorum: excused as the world's doing only when no policy could
// have kept it (sim/quorum_checker.hpp), and the policy's failure otherwise.
// The same worlds are run under a policy that keeps an odd count and
// replaces a dead manager (fixed) and under one that does neither
// (go-rewrite), so that each test shows the excuse refused as well as given.
#include <gtest/gtest.h>

#include <string>

#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::sim {
namespace {

// Three VMs on one LAN (the first leads), two workers added at 2m; the
// events are the test's. Constant lags and latencies: every seed alike.
ScenarioSpec world(int manager_scale, const std::string& events,
                   const std::string& more_hosts = "") {
  return load_scenario_string(
      "name: quorum\nduration: 10m\nliveness_bound: 5m\n"
      "swarm: {manager_scale: " +
          std::to_string(manager_scale) +
          ", loop_interval: 30s}\n"
          "links: {lan: {latency: 1ms}}\n"
          "profiles: {vm: {link: lan, metadata_lag: 200ms, agent_startup: 5s}}\n"
          "hosts:\n  - {name: vm0, profile: vm, at: 0s}\n  - {name: vm1, profile: vm, at: 0s}\n"
          "  - {name: vm2, profile: vm, at: 0s}\n  - {name: w3, profile: vm, at: 2m}\n"
          "  - {name: w4, profile: vm, at: 2m}\n" +
          more_hosts + "events:\n" + events,
      "quorum.yaml");
}

RunResult run(const ScenarioSpec& spec, const std::string& policy, std::uint64_t seed = 1) {
  RunOptions o;
  o.policy = policy;
  o.seed = seed;
  o.keep_trace = false;
  return run_scenario(spec, o);
}

std::string all_details(const RunResult& r) {
  std::string out;
  for (const auto& v : r.violations) out += v.kind + ": " + v.detail + "\n";
  return out;
}

bool names(const Violation& v, const std::string& event) {
  for (const auto& e : v.world_events)
    if (e == event) return true;
  return false;
}

}  // namespace

// Two of three managers die within seconds of each other: raft cannot keep
// a quorum and no policy could have replaced the first in time. The verdict
// is inconclusive, and every violation names the two deaths.
TEST(LostQuorum, TwoManagersLostTogetherAreTheWorldsDoingAndNamed) {
  // vm0 leads and promotes vm1 and vm2; both die at 4m, 5s apart. A host
  // added afterwards cannot join a swarm without a quorum.
  const ScenarioSpec spec =
      world(3, "  - {at: 4m, machine_dies: vm1}\n  - {at: 4m5s, machine_dies: vm2}\n",
            "  - {name: w5, profile: vm, at: 6m}\n");
  for (const char* policy : {"fixed", "go-rewrite"}) {
    const RunResult r = run(spec, policy);
    ASSERT_EQ(r.verdict, Verdict::Inconclusive) << policy << "\n" << all_details(r);
    for (const auto& v : r.violations) {
      EXPECT_FALSE(v.environment.empty()) << policy << ": " << v.detail;
      EXPECT_TRUE(names(v, "machine_dies vm1 at 4m0s")) << policy << ": " << v.detail;
      EXPECT_TRUE(names(v, "machine_dies vm2 at 4m5s")) << policy << ": " << v.detail;
    }
  }
}

// vm2's machine dies at 3m and stays dead; vm1's at 7m. A policy that
// demotes the dead manager and promotes a ready worker in its place
// (fixed) still has two of three managers when vm1 goes. One that leaves a
// dead manager in place (go-rewrite) loses the quorum with vm1, and that is
// its own doing: w3 had been ready to replace vm2 for minutes.
TEST(LostQuorum, ADeadManagerLeftUnreplacedIsThePolicysDoing) {
  const ScenarioSpec spec = world(3,
                                  "  - {at: 3m, machine_dies: vm2}\n"
                                  "  - {at: 7m, machine_dies: vm1}\n",
                                  "  - {name: w5, profile: vm, at: 8m}\n");
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult fixed = run(spec, "fixed", seed);
    EXPECT_EQ(fixed.verdict, Verdict::Pass) << all_details(fixed);
    const RunResult unreplaced = run(spec, "go-rewrite", seed);
    ASSERT_EQ(unreplaced.verdict, Verdict::Liveness) << all_details(unreplaced);
    const std::string details = all_details(unreplaced);
    EXPECT_NE(details.find("the manager on vm2 had been gone since 3m"), std::string::npos)
        << details;
    EXPECT_NE(details.find("a policy that replaces a lost manager within"), std::string::npos)
        << details;
  }
}

// MANAGER_SCALE 2. go-rewrite promotes a second manager, and losing either
// then loses the quorum: the even count was its choice, and the lost
// majority is reported as its failure. fixed keeps one manager, so the
// same death costs nothing.
TEST(LostQuorum, AnEvenCountOfManagersIsThePolicysChoice) {
  const ScenarioSpec spec =
      world(2, "  - {at: 4m, machine_dies: vm1}\n", "  - {name: w5, profile: vm, at: 6m}\n");
  const RunResult even = run(spec, "go-rewrite");
  ASSERT_EQ(even.verdict, Verdict::Liveness) << all_details(even);
  EXPECT_NE(all_details(even).find("with an even number of managers (2"), std::string::npos)
      << all_details(even);
  for (const auto& v : even.violations) EXPECT_TRUE(v.environment.empty()) << v.detail;
  const RunResult odd = run(spec, "fixed");
  EXPECT_EQ(odd.verdict, Verdict::Pass) << all_details(odd);
}

// The leading manager's machine dies for good while its host stays in
// Cattle (the case in tests/regression/fixed/leader-machine-dies.yaml):
// raft keeps its quorum, so nothing is excused, and fixed fails over.
TEST(LostQuorum, ALeaderWhoseMachineDiesIsReplacedAndNothingIsExcused) {
  const ScenarioSpec spec =
      world(3, "  - {at: 3m, machine_dies: vm0}\n  - {at: 4m, remove_host: w4}\n");
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RunResult r = run(spec, "fixed", seed);
    EXPECT_EQ(r.verdict, Verdict::Pass) << "seed " << seed << "\n" << all_details(r);
  }
  const RunResult script = run(spec, "legacy");
  EXPECT_EQ(script.verdict, Verdict::Liveness) << all_details(script);
}

}  // namespace swarmsim::sim
