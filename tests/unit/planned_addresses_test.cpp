// `swarmsim serve` prints each host's address before the world starts (an
// outside agent needs it to find a manager's port 2377), from
// sim::planned_agent_ips. This checks the plan against the addresses the
// world then gives, for every scenario and regression case shipped: a
// timeline that adds, removes and re-adds hosts (same machine or not)
// included.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {
namespace {

using Addresses = std::vector<std::pair<std::string, std::string>>;

// Every machine the run added, in order, with its address.
Addresses actual_addresses(const ScenarioSpec& spec) {
  Addresses out;
  RunOptions o;
  o.policy = "fixed";
  o.keep_trace = false;
  o.stop_at_first_violation = false;
  o.drive = [&out](World& world, Instant end) {
    world.kernel().run_until(end);
    for (const auto& h : world.hosts()) out.emplace_back(h.name, h.agent_ip);
  };
  run_scenario(spec, o);
  return out;
}

TEST(PlannedAddresses, MatchWhatTheWorldGivesForEveryShippedScenario) {
  int files = 0, readds = 0;
  for (const char* dir : {"scenarios", "tests/regression"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::string(SWARMSIM_SOURCE_DIR) + "/" + dir)) {
      // The capacity fleets (thousands of hosts, an hour) take minutes; their
      // timelines only add hosts, as others here do.
      if (entry.path().extension() != ".yaml" ||
          entry.path().parent_path().filename() == "capacity")
        continue;
      const ScenarioSpec spec = load_scenario_file(entry.path().string());
      const Addresses planned = planned_agent_ips(spec);
      EXPECT_EQ(planned, actual_addresses(spec)) << entry.path();
      std::map<std::string, int> adds;
      for (const auto& e : spec.events)
        if (e.kind == EventKind::AddHost && ++adds[e.host] == 2) ++readds;
      ++files;
    }
  }
  EXPECT_GT(files, 30) << "the shipped scenarios were found";
  EXPECT_GE(readds, 3) << "some timelines add a name twice";
}

TEST(PlannedAddresses, ANameAddedAgainAsANewMachineGetsANewAddress) {
  ScenarioSpec spec =
      load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) + "/scenarios/incident-2017.yaml");
  EventSpec remove;
  remove.kind = EventKind::RemoveHost;
  remove.host = "pi1";
  remove.at_ns = 90 * kSecond;
  EventSpec again = spec.events[1];  // pi1, at 1m
  ASSERT_EQ(again.host, "pi1");
  again.at_ns = 100 * kSecond;
  spec.events.push_back(remove);
  spec.events.push_back(again);
  const Addresses planned = planned_agent_ips(spec);
  ASSERT_EQ(planned.size(), 5u);
  EXPECT_EQ(planned[1].first, "pi1");
  EXPECT_EQ(planned[2].first, "pi1") << "added again at 100 s, before pi2 at 2 m";
  EXPECT_NE(planned[2].second, planned[1].second);
  EXPECT_EQ(planned, actual_addresses(spec));
}

}  // namespace
}  // namespace swarmsim::sim
