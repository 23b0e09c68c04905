// The Cattle API's write faults (scenario key `cattle`): writes refused with
// a 503, and writes applied or not whose answer never comes. The fix rides
// them out; a Cattle that refuses everything is the world's doing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/cattle_sim.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::sim {
namespace {

// The 2017 incident with the Cattle API's write faults set as `cattle`
// (a YAML mapping).
ScenarioSpec incident_with(const std::string& cattle) {
  ScenarioSpec s =
      load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) + "/scenarios/incident-2017.yaml");
  s.cattle = load_scenario_string("name: c\ncattle: " + cattle +
                                      "\nprofiles: {vm: {}}\nhosts: [{name: h, profile: vm}]\n",
                                  "cattle.yaml")
                 .cattle;
  return s;
}

RunResult run(const ScenarioSpec& spec, std::uint64_t seed, bool keep_trace = false) {
  RunOptions o;
  o.policy = "fixed";
  o.seed = seed;
  o.keep_trace = keep_trace;
  return run_scenario(spec, o);
}

}  // namespace

TEST(CattleWriteFaults, FixedRidesOutRefusedAndUnansweredWrites) {
  const ScenarioSpec spec = incident_with("{write_error: 0.2, write_timeout: 0.1}");
  int refused = 0, unanswered = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunResult r = run(spec, seed, true);
    EXPECT_EQ(r.verdict, Verdict::Pass) << "seed " << seed;
    for (const auto& e : r.events) {
      if (e.kind != TraceKind::MonCallFailed) continue;
      refused += e.detail.find("503 Service Unavailable") != std::string::npos;
      unanswered += e.detail.find("the Rancher server did not answer") != std::string::npos;
    }
    EXPECT_EQ(run(spec, seed).digest, r.digest) << "the faults are drawn from the seed";
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(unanswered, 0);
  // Without faults, none.
  const RunResult clean = run(incident_with("{write_error: 0, write_timeout: 0}"), 1, true);
  for (const auto& e : clean.events) {
    if (e.kind == TraceKind::MonCallFailed) {
      EXPECT_EQ(e.detail.find("503"), std::string::npos);
    }
  }
}

TEST(CattleWriteFaults, ACattleThatRefusesEveryWriteIsTheWorldsDoing) {
  const RunResult r = run(incident_with("{write_error: 1}"), 1);
  ASSERT_EQ(r.verdict, Verdict::Inconclusive);
  for (const auto& v : r.violations) {
    ASSERT_EQ(v.world_events.size(), 1u) << v.detail;
    EXPECT_NE(v.world_events[0].find("cattle.write_error"), std::string::npos);
  }
}

// Every PUT of the service that leaves a present note out loses it: the
// usual way is an older copy read before the note was written, but a
// writer that drops a note it read loses it as well (nobody removes notes).
TEST(CattleServiceWrites, APutWithoutAPresentNoteLosesItWhateverTheWriterRead) {
  CattleSim cattle;
  std::vector<CattleSim::LostNote> lost;
  cattle.on_note_lost([&](const CattleSim::LostNote& l) { lost.push_back(l); });
  const model::ServiceMetadata empty{};
  model::ServiceMetadata noted{"SWMTKN-w", "SWMTKN-m", {{"node-a", "uuid-a"}}};
  cattle.put_service(0, empty, noted, "pi1");
  EXPECT_TRUE(lost.empty()) << "adding a note loses nothing";

  const model::ServiceMetadata tokens_only{"SWMTKN-w", "SWMTKN-m", {}};
  cattle.put_service(1, empty, tokens_only, "vm0");  // read before the note
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].node_id, "node-a");
  EXPECT_EQ(lost[0].writer, "vm0");
  EXPECT_TRUE(lost[0].stale_copy);

  cattle.put_service(2, tokens_only, noted, "pi1");
  cattle.put_service(3, noted, tokens_only, "vm0");  // read it, and left it out
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_FALSE(lost[1].stale_copy);
  EXPECT_TRUE(cattle.service().departed.empty());
}

}  // namespace swarmsim::sim
