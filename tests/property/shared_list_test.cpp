// The persistent structures behind every fleet-wide answer: PersistentMap
// against std::map over generated sequences of updates, every old version
// still intact after the new ones were made, and SharedList's order and uuid
// index as the logic relies on them (the leader is the front of the
// container list; /hosts keeps metadata's order), and its flagged entries
// (the hosts labelled swarm=manager, which the leader rule reads on every
// loop of every host) against a walk of the whole list.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "model/persistent_map.hpp"
#include "model/rancher_api.hpp"

namespace {

using swarmsim::model::ContainerList;
using swarmsim::model::HostList;
using swarmsim::model::MetaContainer;
using swarmsim::model::MetaHost;
using swarmsim::model::PersistentMap;

struct Op {
  bool erase = false;
  int key = 0;
  int value = 0;
};

std::vector<std::pair<int, int>> contents(const PersistentMap<int, int>& m) {
  std::vector<std::pair<int, int>> out;
  for (auto it = m.begin(); it != m.end(); ++it) out.emplace_back(it.key(), it.value());
  return out;
}

std::vector<std::pair<int, int>> contents(const std::map<int, int>& m) {
  return {m.begin(), m.end()};
}

RC_GTEST_PROP(PersistentMapProperty, BehavesAsAMapAndKeepsEveryVersion, ()) {
  // Small keys so that replacements and erasures of present keys are common.
  const auto ops = *rc::gen::container<std::vector<Op>>(rc::gen::build<Op>(
      rc::gen::set(&Op::erase, rc::gen::weightedOneOf<bool>(
                                   {{3, rc::gen::just(false)}, {1, rc::gen::just(true)}})),
      rc::gen::set(&Op::key, rc::gen::inRange(0, 64)),
      rc::gen::set(&Op::value, rc::gen::arbitrary<int>())));
  std::vector<PersistentMap<int, int>> versions{{}};
  std::vector<std::map<int, int>> expected{{}};
  int erased_present = 0, replaced = 0;
  for (const Op& op : ops) {
    auto next = expected.back();
    if (op.erase) {
      erased_present += next.erase(op.key) > 0;
      versions.push_back(versions.back().erase(op.key));
    } else {
      replaced += next.contains(op.key);
      next[op.key] = op.value;
      versions.push_back(versions.back().set(op.key, op.value));
    }
    expected.push_back(std::move(next));
  }
  RC_CLASSIFY(erased_present > 0, "erased a present key");
  RC_CLASSIFY(replaced > 0, "replaced a value");
  RC_TAG(expected.back().size() < 16 ? "final size < 16" : "final size >= 16");
  for (std::size_t v = 0; v < versions.size(); ++v) {
    RC_ASSERT(versions[v].size() == expected[v].size());
    RC_ASSERT(contents(versions[v]) == contents(expected[v]));
    for (int k = 0; k < 64; ++k) {
      const int* got = versions[v].find(k);
      auto want = expected[v].find(k);
      RC_ASSERT((got != nullptr) == (want != expected[v].end()));
      if (got) RC_ASSERT(*got == want->second);
    }
  }
}

TEST(PersistentMap, StaysBalancedInKeyOrderForAMillionAppends) {
  // Keys arrive in increasing order, as hosts and containers do: the tree
  // must stay shallow enough for the iterator's fixed stack.
  PersistentMap<std::uint64_t, int> m;
  for (std::uint64_t k = 0; k < 1'000'000; ++k) m = m.set(k, 0);
  std::uint64_t expect = 0;
  for (auto it = m.begin(); it != m.end(); ++it) ASSERT_EQ(it.key(), expect++);
  EXPECT_EQ(expect, 1'000'000u);
  for (std::uint64_t k = 0; k < 1'000'000; k += 2) m = m.erase(k);
  EXPECT_EQ(m.size(), 500'000u);
  EXPECT_EQ(m.begin().key(), 1u);
}

MetaHost host(const std::string& uuid) {
  return MetaHost{uuid, uuid, uuid + ".lan", "10.0.0.1", {}};
}

TEST(SharedList, HostsKeepTheOrderMetadataGaveAndFindByUuid) {
  const HostList hosts = std::vector<MetaHost>{host("c"), host("a"), host("b")};
  std::string order;
  for (const auto& h : hosts) order += h.uuid;
  EXPECT_EQ(order, "cab");
  ASSERT_NE(hosts.find("a"), nullptr);
  EXPECT_EQ(hosts.find("a")->hostname, "a.lan");
  EXPECT_EQ(hosts.find("z"), nullptr);
}

TEST(SharedList, ContainersAreInCreateIndexOrderWithTiesAsListed) {
  const ContainerList containers = {
      {"m3", 7, "10.0.0.3", "u3"}, {"m1", 2, "10.0.0.1", "u1"}, {"m2", 7, "10.0.0.2", "u2"}};
  std::vector<std::string> names;
  for (const auto& c : containers) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"m1", "m3", "m2"}));
  EXPECT_EQ(containers.front().name, "m1");
  EXPECT_EQ(containers.find("u2")->name, "m2");
}

TEST(SharedList, VersionsShareAndTheIndexFollowsReplacementsAndRemovals) {
  HostList v1 = std::vector<MetaHost>{host("a"), host("b")};
  auto relabelled = std::make_shared<const MetaHost>(
      MetaHost{"b", "b", "b.lan", "10.0.0.1", {{"swarm", "manager"}}});
  HostList v2 = v1.with({1, 0}, relabelled);
  HostList v3 = v2.without({0, 0});
  EXPECT_TRUE(v1.find("b")->labels.empty()) << "an old version is never changed";
  EXPECT_EQ(v2.find("b")->labels.at("swarm"), "manager");
  EXPECT_EQ(v2.size(), 2u);
  EXPECT_EQ(v3.size(), 1u);
  EXPECT_EQ(v3.find("a"), nullptr);
  EXPECT_NE(v2.find("a"), nullptr);
  EXPECT_EQ(v3.front().uuid, "b");
  EXPECT_FALSE(v1 == v2);
  EXPECT_TRUE(v2 == v2.with({1, 0}, relabelled));
}

struct ListOp {
  bool remove = false;
  std::uint64_t slot = 0;
  int uuid = 0;
  bool manager = false;
};

void showValue(const ListOp& op, std::ostream& os) {
  if (op.remove)
    os << "remove slot " << op.slot;
  else
    os << "slot " << op.slot << " := u" << op.uuid << (op.manager ? " (manager)" : "");
}

// After any sequence of versions (adds, replacements, removals, uuids that
// two entries share), flagged() is the labelled entries of a walk in list
// order, uuids_unique() says whether a walk meets a uuid twice, and
// find() and position_of() reach every uuid present.
RC_GTEST_PROP(SharedListProperty, FlaggedEntriesAndTheUuidIndexFollowEveryVersion, ()) {
  const auto ops = *rc::gen::container<std::vector<ListOp>>(rc::gen::build<ListOp>(
      rc::gen::set(&ListOp::remove, rc::gen::weightedOneOf<bool>(
                                        {{3, rc::gen::just(false)}, {1, rc::gen::just(true)}})),
      rc::gen::set(&ListOp::slot, rc::gen::inRange<std::uint64_t>(0, 24)),
      rc::gen::set(&ListOp::uuid, rc::gen::inRange(0, 20)),  // fewer uuids than slots
      rc::gen::set(&ListOp::manager, rc::gen::arbitrary<bool>())));
  HostList list;
  int shared_uuid_versions = 0, flagged_versions = 0;
  for (const ListOp& op : ops) {
    if (op.remove) {
      list = list.without({op.slot, 0});
    } else {
      MetaHost h = host("u" + std::to_string(op.uuid));
      if (op.manager) h.labels["swarm"] = "manager";
      list = list.with({op.slot, 0}, std::make_shared<const MetaHost>(std::move(h)));
    }
    std::vector<std::string> walked, indexed;
    std::map<std::string, int> seen;
    for (const auto& h : list) {
      if (swarmsim::model::labelled_manager(h.labels)) walked.push_back(h.uuid);
      ++seen[h.uuid];
    }
    for (const auto& h : list.flagged()) indexed.push_back(h.uuid);
    RC_ASSERT(indexed == walked);
    bool unique = true;
    for (const auto& [uuid, n] : seen) unique = unique && n == 1;
    RC_ASSERT(list.uuids_unique() == unique);
    shared_uuid_versions += !unique;
    flagged_versions += !walked.empty();
    for (const auto& [uuid, n] : seen) {
      RC_ASSERT(list.find(uuid) != nullptr);
      RC_ASSERT(list.find(uuid)->uuid == uuid);
      RC_ASSERT(list.position_of(uuid) != nullptr);
    }
  }
  RC_CLASSIFY(shared_uuid_versions > 0, "a version where two entries share a uuid");
  RC_CLASSIFY(flagged_versions > 0, "a version with labelled hosts");
}

TEST(SharedList, FlaggedHostsOfAParsedAnswerInTheOrderGiven) {
  auto labelled = [](std::string uuid) {
    MetaHost h = host(uuid);
    h.labels["swarm"] = "manager";
    return h;
  };
  const HostList hosts = std::vector<MetaHost>{labelled("e"), host("a"), labelled("c"), host("b")};
  std::string order;
  for (const auto& h : hosts.flagged()) order += h.uuid;
  EXPECT_EQ(order, "ec");
  EXPECT_TRUE(hosts.uuids_unique());
  EXPECT_LT(*hosts.position_of("e"), *hosts.position_of("c"));
  EXPECT_FALSE((HostList{host("a"), host("a")}.uuids_unique()));
}

}  // namespace
