// The fixed policy over generated environments: every property, each as its
// own RapidCheck property so that a failure names the one that broke. The
// distribution of what the generators reached (mechanisms, faults, arch mix)
// is printed by RapidCheck after each property.
//
// Case counts come from RC_PARAMS (ctest sets max_success); `swarmsim check
// --policy fixed --cases 10000` runs the same properties at scale.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "check/generators.hpp"
#include "check/properties.hpp"

using namespace swarmsim;
using namespace swarmsim::check;

namespace {

CaseVerdict run_generated(Property p) {
  const EnvCase c = *gen_environment(GenOptions{});
  for (const auto& tag : describe(c)) RC_TAG(tag);
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

RC_GTEST_PROP(FixedPolicy, CleansUpTheNodeOfARemovedHost, ()) { expect_holds(Property::Cleanup); }

RC_GTEST_PROP(FixedPolicy, ConvergesToOneReadyNodePerLiveHost, ()) {
  expect_holds(Property::Convergence);
}

RC_GTEST_PROP(FixedPolicy, ALiveHostJoinsABoundedNumberOfTimes, ()) {
  expect_holds(Property::NoFlapping);
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
