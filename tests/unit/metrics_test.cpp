// RunMetrics: the numbers each run gives beside its verdict, checked against
// the timeline the trace keeps and against the scenarios' own clocks.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "reports/reports.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

using namespace swarmsim;
using namespace swarmsim::sim;

namespace {

ScenarioSpec load(const std::string& relative) {
  return load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) + "/" + relative);
}

RunResult run(const ScenarioSpec& spec, const std::string& policy, bool stop_at_first = true,
              bool keep_calls = true, std::uint64_t seed = 1) {
  RunOptions o;
  o.seed = seed;
  o.policy = policy;
  o.stop_at_first_violation = stop_at_first;
  o.keep_calls = keep_calls;
  return run_scenario(spec, o);
}

double seconds(Instant t) {
  return static_cast<double>(t) / static_cast<double>(kSecond);
}

// When the trace says `host` was added (the last time), and when a node of it
// was first ready after that (registered, or the swarm created on it).
struct Timeline {
  Instant added = -1;
  Instant ready = -1;
};
Timeline timeline_of(const RunResult& r, const std::string& host) {
  Timeline t;
  for (const auto& e : r.events) {
    if (e.host != host) continue;
    if (e.kind == TraceKind::HostAdded) t = Timeline{e.at, -1};
    if ((e.kind == TraceKind::NodeReady || e.kind == TraceKind::SwarmInit) && t.ready < 0)
      t.ready = e.at;
  }
  return t;
}

}  // namespace

TEST(Metrics, IncidentUnderFixedTimesEveryHostToReadyAndConverges) {
  const ScenarioSpec spec = load("scenarios/incident-2017.yaml");
  const RunResult r = run(spec, "fixed");
  ASSERT_EQ(r.verdict, Verdict::Pass);
  const RunMetrics& m = r.metrics;
  const double bound = seconds(spec.liveness_bound_ns);
  for (const char* host : {"manager-1", "pi1", "pi2", "pi3"}) {
    ASSERT_TRUE(m.time_to_ready_s.contains(host)) << host;
    const double ready = m.time_to_ready_s.at(host);
    EXPECT_GT(ready, 0.0) << host;
    EXPECT_LT(ready, bound) << host;
    // The same interval as the timeline shows it: from the host's own
    // addition, not from the start of the run.
    const Timeline t = timeline_of(r, host);
    ASSERT_GE(t.ready, 0) << host;
    EXPECT_DOUBLE_EQ(ready, seconds(t.ready - t.added)) << host;
  }
  for (const char* pi : {"pi1", "pi2", "pi3"}) {
    const Timeline t = timeline_of(r, pi);
    EXPECT_GT(t.ready, t.added) << pi;
    EXPECT_GE(t.added, 60 * kSecond) << pi;  // the pis join a minute apart
  }
  EXPECT_EQ(m.never_ready_hosts, 0u);
  ASSERT_EQ(m.time_to_ready_s_by_profile.size(), 2u);
  const auto& pis = m.time_to_ready_s_by_profile.at("pi");
  ASSERT_EQ(pis.size(), 3u);
  EXPECT_TRUE(std::is_sorted(pis.begin(), pis.end()));
  EXPECT_EQ(m.time_to_ready_s_by_profile.at("x86-vm"),
            std::vector<double>{m.time_to_ready_s.at("manager-1")});
  // Converged once the last pi (added at 3m) was ready, and not before.
  ASSERT_TRUE(m.converged_at_s.has_value());
  const Timeline last = timeline_of(r, "pi3");
  EXPECT_DOUBLE_EQ(*m.converged_at_s, seconds(last.ready));
  EXPECT_LE(*m.converged_at_s, m.duration_s);
  EXPECT_DOUBLE_EQ(m.duration_s, seconds(r.sim_time_ns));
  EXPECT_EQ(m.spurious_evictions, 0u);
  EXPECT_EQ(m.spurious_evictions_per_join, 0.0);
  EXPECT_EQ(m.joins, 4u);  // the swarm's creation and three joins
  EXPECT_GE(m.join_attempts, 3u);
  ASSERT_TRUE(m.leader_calls_per_s.contains("GET /nodes"));
  EXPECT_GT(m.leader_calls_per_s.at("GET /nodes"), 0.0);
  double total = 0;
  for (const auto& [name, rate] : m.leader_calls_per_s) total += rate;
  EXPECT_NEAR(m.leader_calls_per_s_total, total, 1e-9);
  EXPECT_GT(m.metadata_reads_per_s, 0.0);
  EXPECT_EQ(m.removed_host_cleanup_s.count, 0u);
  EXPECT_EQ(m.removed_host_cleanup_s.never, 0u);
}

TEST(Metrics, IncidentUnderLegacyCountsTheSpuriousEvictions) {
  const RunResult r = run(load("scenarios/incident-2017.yaml"), "legacy", /*stop_at_first=*/false);
  const RunMetrics& m = r.metrics;
  EXPECT_GE(m.spurious_evictions, 1u);
  std::uint64_t spurious = 0;
  for (const auto& v : r.violations)
    spurious += v.kind == "spurious-eviction" || v.kind == "spurious-demotion";
  EXPECT_EQ(m.spurious_evictions, spurious);
  ASSERT_GT(m.joins, 0u);
  EXPECT_DOUBLE_EQ(m.spurious_evictions_per_join,
                   static_cast<double>(m.spurious_evictions) / static_cast<double>(m.joins));
}

TEST(Metrics, ARunStoppedAtAnEvictionDoesNotEndConverged) {
  const RunResult r = run(load("scenarios/incident-2017.yaml"), "legacy");
  ASSERT_EQ(r.verdict, Verdict::Safety);
  EXPECT_FALSE(r.metrics.converged_at_s.has_value());
  EXPECT_EQ(r.metrics.spurious_evictions, 1u);
  const auto j = reports::run_to_json(r, "incident-2017.yaml").at("metrics");
  EXPECT_TRUE(j.at("converged_at_s").is_null());
  EXPECT_EQ(j.at("spurious_evictions"), 1);
}

TEST(Metrics, ARemovedHostsNodeCleanedUpIsTimed) {
  const ScenarioSpec spec = load("tests/metrics/removed-host-cleanup.yaml");
  const RunResult r = run(spec, "fixed");
  ASSERT_EQ(r.verdict, Verdict::Pass);
  const auto& c = r.metrics.removed_host_cleanup_s;
  EXPECT_EQ(c.count, 1u);
  EXPECT_EQ(c.never, 0u);
  ASSERT_TRUE(c.max_s && c.mean_s);
  EXPECT_GT(*c.max_s, 0.0);
  EXPECT_DOUBLE_EQ(*c.max_s, *c.mean_s);
  // From the removal (3m) to the node-removed event of worker-1's node.
  Instant removed = -1;
  for (const auto& e : r.events)
    if (e.kind == TraceKind::NodeRemoved && e.host == "worker-1") removed = e.at;
  ASSERT_GE(removed, 3 * kMinute);
  EXPECT_DOUBLE_EQ(*c.max_s, seconds(removed - 3 * kMinute));
  // The removed host counts as ready in its registration; the swarm is
  // converged again once its node is gone.
  EXPECT_EQ(r.metrics.time_to_ready_s.size(), 3u);
  ASSERT_TRUE(r.metrics.converged_at_s.has_value());
  EXPECT_GE(*r.metrics.converged_at_s, seconds(3 * kMinute));
  EXPECT_LE(*r.metrics.converged_at_s, seconds(removed));
  // worker-1's node went before it showed down; worker-2's crash (4m, for
  // 90s) shows its node down until the engine is back.
  EXPECT_EQ(r.metrics.peak_nodes_down, 1u);

  const auto j = reports::metrics_to_json(r.metrics).at("removed_host_cleanup_s");
  EXPECT_EQ(j.at("count"), 1);
  EXPECT_EQ(j.at("never"), 0);
  EXPECT_DOUBLE_EQ(j.at("max").get<double>(), *c.max_s);
}

TEST(Metrics, AHostAddedAgainIsTimedFromItsLatestRegistration) {
  // pi1 is removed at 4m and a new machine of that name added at 4m1s.
  const RunResult r = run(load("tests/regression/cleanup/readd-same-hostname.yaml"), "fixed");
  ASSERT_EQ(r.verdict, Verdict::Pass);
  const Timeline t = timeline_of(r, "pi1");
  ASSERT_EQ(t.added, 241 * kSecond);
  ASSERT_GT(t.ready, t.added);
  ASSERT_TRUE(r.metrics.time_to_ready_s.contains("pi1"));
  EXPECT_DOUBLE_EQ(r.metrics.time_to_ready_s.at("pi1"), seconds(t.ready - t.added));
  EXPECT_EQ(r.metrics.removed_host_cleanup_s.count, 1u);  // the first machine's node
  ASSERT_TRUE(r.metrics.converged_at_s.has_value());
  EXPECT_DOUBLE_EQ(*r.metrics.converged_at_s, seconds(t.ready));
}

TEST(Metrics, DoNotDependOnWhatTheTraceKeepsNorOnTheRun) {
  const ScenarioSpec spec = load("scenarios/incident-2017.yaml");
  for (const char* policy : {"fixed", "legacy"}) {
    const RunResult with_calls = run(spec, policy, false, /*keep_calls=*/true);
    const RunResult without = run(spec, policy, false, /*keep_calls=*/false);
    const RunResult again = run(spec, policy, false, /*keep_calls=*/true);
    EXPECT_LT(without.events.size(), with_calls.events.size()) << policy;
    EXPECT_EQ(with_calls.metrics, without.metrics) << policy;
    EXPECT_EQ(with_calls.metrics, again.metrics) << policy;
    EXPECT_EQ(reports::metrics_to_json(with_calls.metrics).dump(),
              reports::metrics_to_json(without.metrics).dump())
        << policy;
    // Another seed draws other delays: the numbers are the run's own.
    const RunResult other = run(spec, policy, false, true, 2);
    EXPECT_NE(with_calls.metrics.time_to_ready_s, other.metrics.time_to_ready_s) << policy;
  }
}

TEST(Metrics, JsonHasEveryField) {
  const RunResult r = run(load("scenarios/incident-2017.yaml"), "fixed");
  const auto j = reports::run_to_json(r, "incident-2017.yaml").at("metrics");
  for (const char* key :
       {"duration_s", "time_to_ready_s", "time_to_ready_s_by_profile", "never_ready_hosts",
        "converged_at_s", "joins", "join_attempts", "spurious_evictions",
        "spurious_evictions_per_join", "removed_host_cleanup_s", "leader_calls_per_s",
        "leader_calls_per_s_total", "metadata_reads_per_s", "peak_nodes_down"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_TRUE(j.at("time_to_ready_s").at("pi1").is_number());
  EXPECT_TRUE(j.at("time_to_ready_s_by_profile").at("pi").is_array());
  EXPECT_TRUE(j.at("converged_at_s").is_number());
  EXPECT_TRUE(j.at("removed_host_cleanup_s").at("max").is_null());
  EXPECT_GT(j.at("leader_calls_per_s").at("GET /nodes").get<double>(), 0.0);
}
