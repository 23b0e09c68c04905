// NodeTies keeps, from the world's events alone, what each machine knew of
// the nodes it held: the liveness check's evidence of whether the logic had
// its chance to tie an orphaned node to its host. This runs a shipped case
// end to end (a NAT'd Pi whose host is deleted in Cattle while the machine
// runs on) and checks that what the engine and the agent did reaches the
// record: the join reply, the claim and the departure notes written, the
// full loops, the leave the agent asked for.
#include "sim/node_ties.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sim/engine_sim.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {
namespace {

TEST(NodeTies, WhatTheMachinesDidReachesTheRecordThroughEventsOnly) {
  const ScenarioSpec spec =
      load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) +
                         "/tests/regression/fixed/nat-host-deleted-machine-runs.yaml");
  RunOptions o;
  o.policy = "fixed";
  o.keep_trace = false;
  o.stop_at_first_violation = false;
  std::unique_ptr<NodeTies> ties;  // outlives the drive: the world tells it to the end
  bool checked = false;
  o.drive = [&](World& world, Instant end) {
    ties = std::make_unique<NodeTies>(world);
    world.kernel().run_until(75 * kSecond);  // pi2's host is deleted at 76 s
    HostSim* pi1 = world.host_named("pi1");
    HostSim* pi2 = world.host_named("pi2");
    ASSERT_NE(pi1, nullptr);
    ASSERT_NE(pi2, nullptr);
    const std::string pi2_node = pi2->engine->node_id();
    ASSERT_FALSE(pi2_node.empty()) << "pi2 joined before its host was deleted";
    EXPECT_TRUE(ties->held(pi2->index, pi2_node)) << "the join reply reached pi2's engine";
    EXPECT_FALSE(ties->held(pi1->index, pi2_node)) << "a node is held by its own machine only";
    const Instant claimed = ties->tie_written(pi2->index, pi2_node);
    EXPECT_GT(claimed, 30 * kSecond) << "fixed's agent wrote its claim after the join";
    EXPECT_EQ(ties->left_by_logic(pi2->index, pi2_node), -1) << "not yet left";

    world.kernel().run_until(end);
    const std::string pi1_node = pi1->engine->node_id();
    ASSERT_FALSE(pi1_node.empty());
    EXPECT_TRUE(ties->held(pi1->index, pi1_node));
    EXPECT_GT(ties->full_loop_began(pi1->index, pi1_node), 60 * kSecond)
        << "pi1's loops ran to their end while it held its node";
    const Instant left = ties->left_by_logic(pi2->index, pi2_node);
    EXPECT_GE(left, 76 * kSecond) << "pi2's agent had its engine leave once its host was gone";
    EXPECT_GT(ties->tie_written(pi2->index, pi2_node), claimed)
        << "the departure note is a later write tying the node to its deleted host";
    EXPECT_GT(ties->tie_written(pi2->index, pi2_node), left)
        << "the agent watches its note after the leave, and the last write is such a loop's";
    EXPECT_EQ(ties->tie_written(pi1->index, "no-such-node"), -1);
    checked = true;
  };
  run_scenario(spec, o);
  EXPECT_TRUE(checked);
}

}  // namespace
}  // namespace swarmsim::sim
