// The fixed policy over generated environments: every property, each as its
// own RapidCheck property so that a failure names the one that broke. The
// distribution of what the generators reached (mechanisms, faults, arch mix)
// is printed by RapidCheck after each property.
//
// Case counts come from RC_PARAMS (ctest sets max_success); `swarmsim check
// --policy fixed --cases 10000` runs the same properties at scale.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "check/generators.hpp"
#include "check/properties.hpp"

using namespace swarmsim;
using namespace swarmsim::check;

namespace {

// RapidCheck's distribution counts whole tag sets, which for a dozen
// mechanisms is a long tail of combinations. So RC_TAG carries the shape of
// the environment (size, arch mix, managers), and every tag's share of all
// cases, mechanisms and faults included, is printed once at the end.
std::map<std::string, int>& tag_counts() {
  static std::map<std::string, int> counts;
  return counts;
}
int& cases_seen() {
  static int n = 0;
  return n;
}

class DistributionReport : public testing::Environment {
 public:
  void TearDown() override {
    std::printf("\nWhat the generators reached over %d cases (share of cases per tag):\n",
                cases_seen());
    for (const auto& [tag, n] : tag_counts())
      std::printf("  %-28s %5.1f%%\n", tag.c_str(), 100.0 * n / std::max(cases_seen(), 1));
  }
};
const auto* const kReport = testing::AddGlobalTestEnvironment(new DistributionReport);

void classify(const EnvCase& c) {
  const auto tags = describe(c);
  ++cases_seen();
  for (const auto& t : tags) ++tag_counts()[t];
  // hosts=..., managers=..., arch=... come first in describe().
  RC_TAG(tags.at(0), tags.at(1), tags.at(2));
  // What the world takes from the core, which RapidCheck tallies apart.
  auto has = [&](const char* tag) {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
  };
  RC_CLASSIFY(has("event=first-leader-lost"), "the first leader's host or machine is lost");
  RC_CLASSIFY(has("event=core-host-deleted"), "a core host deleted in Cattle, its machine running");
  RC_CLASSIFY(has("fault=core-machine-dies") || has("event=core-host-removed"),
              "a core host's machine gone for good");
  RC_CLASSIFY(has("fault=cattle-write-errors") || has("fault=cattle-write-timeouts"),
              "Cattle refuses or drops writes");
}

CaseVerdict run_generated(Property p) {
  const EnvCase c = *gen_environment(GenOptions{});
  classify(c);
  return evaluate(to_scenario(c), "fixed", {p});
}

void expect_holds(Property p) {
  const CaseVerdict v = run_generated(p);
  RC_ASSERT(!v.failed.has_value());
  if (v.failed) RC_FAIL(v.message);
}

}  // namespace

RC_GTEST_PROP(FixedPolicy, NeverEvictsTheNodeOfALiveHost, ()) {
  expect_holds(Property::NoSpuriousEviction);
}

RC_GTEST_PROP(FixedPolicy, CleansUpTheNodeOfARemovedHost, ()) {
  expect_holds(Property::Cleanup);
}

RC_GTEST_PROP(FixedPolicy, ConvergesToOneReadyNodePerLiveHost, ()) {
  expect_holds(Property::Convergence);
}

RC_GTEST_PROP(FixedPolicy, ALiveHostJoinsABoundedNumberOfTimes, ()) {
  expect_holds(Property::NoFlapping);
}

RC_GTEST_PROP(FixedPolicy, SettlesItsManagersAtTheOddCountTheFleetAllows, ()) {
  expect_holds(Property::ManagerCount);
}

RC_GTEST_PROP(FixedPolicy, PromotesOnlyNodesOfLiveHosts, ()) {
  expect_holds(Property::SoundPromotions);
}

// An inconclusive verdict is a claim that the logic could not have done
// better: every violation excused as the world's doing names the timeline
// events (or profile settings) that did it.
RC_GTEST_PROP(Inconclusive, EveryExcuseNamesTheWorldEventsThatMadeIt, ()) {
  const EnvCase c = *gen_environment(GenOptions{});
  classify(c);
  const CaseVerdict v = evaluate(to_scenario(c), "fixed", {Property::Cleanup});
  RC_CLASSIFY(v.result.verdict == sim::Verdict::Inconclusive, "inconclusive");
  for (const auto& violation : v.result.violations) {
    if (violation.environment.empty()) continue;
    RC_TAG(inconclusive_cause(v.result));
    RC_ASSERT(!violation.world_events.empty());
    for (const auto& e : violation.world_events) RC_ASSERT(!e.empty());
  }
}

RC_GTEST_PROP(Determinism, TheSameGeneratedCaseTwiceGivesTheSameDigest, ()) {
  const EnvCase c = *gen_environment(GenOptions{});
  const auto policy = *rc::gen::element<std::string>("legacy", "grace", "fixed");
  RC_TAG(policy);
  const CaseVerdict v = evaluate(to_scenario(c), policy, {Property::Determinism});
  RC_ASSERT(!v.failed.has_value());
}

RC_GTEST_PROP(Generators, EveryGeneratedScenarioIsValid, ()) {
  const EnvCase c = *gen_environment(GenOptions{});
  const auto spec = to_scenario(c);
  RC_ASSERT(sim::validate(spec) == "");
  RC_ASSERT(count_hosts(spec) <= 20);
}
