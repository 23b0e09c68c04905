// The removal policies and the scaling step as pure functions of what the
// leader read: which nodes each one condemns, and why.
#include "model/removal_policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "model/manager_scaling.hpp"

using namespace swarmsim;
using namespace swarmsim::model;

namespace {

Node node(const std::string& id, const std::string& hostname, NodeRole role = NodeRole::Worker,
          NodeState state = NodeState::Ready, const std::string& addr = "") {
  Node n;
  n.ID = id;
  n.Description.Hostname = hostname;
  n.Spec.Role = role;
  n.Status.State = state;
  n.Status.Addr = addr;
  if (role == NodeRole::Manager)
    n.ManagerStatus_ = ManagerStatus{false, Reachability::Reachable, ""};
  return n;
}

MetaHost meta(const std::string& hostname) {
  return MetaHost{hostname, "u-" + hostname, hostname, "", {}};
}

CattleHost cattle(const std::string& uuid, const std::string& ip, CattleHostState state,
                  const std::string& node_id = "") {
  CattleHost h{uuid, uuid, ip, state, {}};
  if (!node_id.empty()) h.labels[kNodeIdLabel] = node_id;
  return h;
}

struct Reading {
  std::vector<Node> nodes;
  MetaAnswer<HostList> hosts{MetaAnswerKind::Json, {}};
  std::vector<CattleHost> cattle_hosts;
  bool cattle_read = true;
  std::map<std::string, std::string> departed;  // departure notes
  Instant now = 10 * kMinute;

  std::vector<std::string> evicted(const RemovalPolicy& p, const std::string& self = "m1") const {
    const NodeList node_list = nodes;
    const CattleHostList cattle_list = cattle_hosts;
    ReconcileView v{now, self, &node_list, &hosts, cattle_read ? &cattle_list : nullptr, &departed};
    std::vector<std::string> ids;
    for (const auto& e : select_stale_nodes(p, v)) ids.push_back(e.node_id);
    return ids;
  }
};

RemovalPolicy policy(const char* name) {
  return *RemovalPolicy::from_name(name);
}
using Ids = std::vector<std::string>;

}  // namespace

TEST(RemovalPolicy, NamesRoundTripAndUnknownNamesAreRefused) {
  for (const auto& n : RemovalPolicy::all_names()) EXPECT_EQ(policy(n.c_str()).name(), n);
  EXPECT_FALSE(RemovalPolicy::from_name("optimistic").has_value());
}

TEST(LegacyPolicy, ComparesTheEngineHostnameWithTheMetadataHostnameCutAtTheDot) {
  Reading r;
  r.nodes = {node("m1", "manager-1", NodeRole::Manager), node("a", "pi1"), node("b", "pi2.lab"),
             node("c", "PI3")};
  r.hosts.value = {meta("manager-1"), meta("pi1.lab.example.com"), meta("pi2.lab"), meta("pi3")};
  EXPECT_EQ(r.evicted(policy("legacy")), (Ids{"b", "c"}));
}

TEST(LegacyV2Policy, ComparesWholeHostnames) {
  Reading r;
  r.nodes = {node("m1", "manager-1", NodeRole::Manager), node("a", "pi1"), node("b", "pi2.lab"),
             node("c", "PI3")};
  r.hosts.value = {meta("manager-1"), meta("pi1.lab.example.com"), meta("pi2.lab"), meta("pi3")};
  // v1/v2: a dotted engine hostname matches when Rancher registered it the
  // same; a short one beside a metadata FQDN does not.
  EXPECT_EQ(r.evicted(policy("legacy-v2")), (Ids{"a", "c"}));
}

TEST(LegacyPolicy, ANotFoundAnswerCondemnsEveryNode) {
  Reading r;
  r.nodes = {node("m1", "manager-1", NodeRole::Manager), node("a", "pi1")};
  r.hosts = {MetaAnswerKind::NotFound, {}};
  EXPECT_EQ(r.evicted(policy("legacy")), (Ids{"m1", "a"}));
}

// What the script's `remove_old_hosts` and down-node purge do to each input,
// derived from how they read the Engine API's JSON with jq: the metadata
// side cut at the dot, a missing Description.Hostname printed as `null` and
// found by no lookup, and `.[0]` of the nodes sharing a hostname. Each row is
// one reading of the leader and the node IDs the legacy logic must act on.
struct ScriptRow {
  const char* what;
  std::vector<Node> nodes;
  MetaAnswer<HostList> hosts;
  Ids removed;  // remove_old_hosts
  Ids purged;   // the down-node purge
};

TEST(LegacyPolicy, FollowsTheScriptsObservableSemantics) {
  using K = MetaAnswerKind;
  const Node m1 = node("m1", "manager-1", NodeRole::Manager);
  const Node unregistered = node("u", "");  // no Description.Hostname key yet
  Node unregistered_down = node("ud", "", NodeRole::Worker, NodeState::Down);
  const std::vector<ScriptRow> rows = {
      {"names agree", {m1, node("a", "pi1")}, {K::Json, {meta("manager-1"), meta("pi1")}}, {}, {}},
      {"dotted engine hostname",
       {m1, node("a", "pi1.lab")},
       {K::Json, {meta("manager-1"), meta("pi1.lab")}},
       {"a"},
       {}},
      {"FQDN on the metadata side only",
       {m1, node("a", "pi1")},
       {K::Json, {meta("manager-1"), meta("pi1.edge.example")}},
       {},
       {}},
      {"FQDN on the engine side",
       {m1, node("a", "pi-07.edge.example")},
       {K::Json, {meta("manager-1"), meta("pi-07.edge.example")}},
       {"a"},
       {}},
      {"case mismatch",
       {m1, node("a", "PI1")},
       {K::Json, {meta("manager-1"), meta("pi1")}},
       {"a"},
       {}},
      {"missing metadata entry", {m1, node("a", "pi1")}, {K::Json, {meta("manager-1")}}, {"a"}, {}},
      {"metadata hostname \"null\"",
       {m1, node("a", "pi1")},
       {K::Json, {meta("manager-1"), meta("null")}},
       {"a"},
       {}},
      {"empty answer", {m1, node("a", "pi1")}, {K::Empty, {}}, {"m1", "a"}, {}},
      {"Not found answer", {m1, node("a", "pi1")}, {K::NotFound, {}}, {"m1", "a"}, {}},
      {"unregistered node, no metadata entry",
       {m1, unregistered},
       {K::Json, {meta("manager-1")}},
       {},
       {}},
      {"unregistered node, empty answer", {m1, unregistered}, {K::Empty, {}}, {"m1"}, {}},
      {"unregistered node, Not found answer", {m1, unregistered}, {K::NotFound, {}}, {"m1"}, {}},
      {"unregistered node beside a host called \"null\"",
       {m1, unregistered},
       {K::Json, {meta("manager-1"), meta("null")}},
       {},
       {}},
      {"two stale nodes share a hostname: the first goes this pass",
       {m1, node("a", "raspberrypi"), node("b", "raspberrypi")},
       {K::Json, {meta("manager-1")}},
       {"a"},
       {}},
      {"a live host hides a stale node of the same name",
       {m1, node("a", "raspberrypi", NodeRole::Worker, NodeState::Down), node("b", "raspberrypi")},
       {K::Json, {meta("manager-1"), meta("raspberrypi")}},
       {},
       {"a"}},
      {"down nodes sharing a hostname: the first is purged",
       {m1, node("a", "black-pearl", NodeRole::Worker, NodeState::Down),
        node("b", "black-pearl", NodeRole::Worker, NodeState::Down)},
       {K::Json, {meta("manager-1"), meta("black-pearl")}},
       {},
       {"a"}},
      {"an unregistered down node is never purged",
       {m1, unregistered_down},
       {K::Json, {meta("manager-1")}},
       {},
       {}},
  };
  for (const auto& row : rows) {
    Reading r;
    r.nodes = row.nodes;
    r.hosts = row.hosts;
    EXPECT_EQ(r.evicted(policy("legacy")), row.removed) << row.what;
    const NodeList nodes = r.nodes;
    ReconcileView v{r.now, "m1", &nodes, &r.hosts, nullptr};
    Ids purged;
    for (const auto& e : select_down_nodes(policy("legacy"), v)) purged.push_back(e.node_id);
    EXPECT_EQ(purged, row.purged) << row.what;
  }
}

TEST(GracePolicy, SparesYoungNodesButNotOldOnesWithTheSameMismatch) {
  Reading r;
  Node young = node("young", "pi1.lab");
  young.CreatedAt = r.now - 30 * kSecond;
  Node old = node("old", "pi2.lab");
  old.CreatedAt = r.now - 5 * kMinute;
  r.nodes = {young, old};
  r.hosts.value = {meta("pi1.lab"), meta("pi2.lab")};
  EXPECT_EQ(r.evicted(policy("grace")), (Ids{"old"}));
}

TEST(FixedPolicy, RemovesOnlyANodeWhoseClaimingHostIsRemovedInCattle) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager), node("live", "pi1.lab"), node("gone", "pi2"),
             node("unbound", "pi3")};
  r.hosts = {MetaAnswerKind::Empty, {}};  // irrelevant to fixed
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active, "m1"),
                    cattle("u1", "10.0.0.2", CattleHostState::Active, "live"),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed, "gone"),
                    cattle("u3", "10.0.0.4", CattleHostState::Active)};
  EXPECT_EQ(r.evicted(policy("fixed")), (Ids{"gone"}));
}

TEST(FixedPolicy, WaitsForAMachineThatCameBackUnderANewHost) {
  // pi1's machine was removed (old uuid) and registered again (new uuid,
  // same agent IP) with its engine and node intact; its new host has not
  // claimed a node yet.
  Reading r;
  r.nodes = {node("m1", "manager-1", NodeRole::Manager), node("n1", "pi1")};
  r.cattle_hosts = {cattle("u-m", "10.0.0.1", CattleHostState::Active, "m1"),
                    cattle("u-old", "10.0.0.2", CattleHostState::Removed, "n1"),
                    cattle("u-new", "10.0.0.2", CattleHostState::Active)};
  EXPECT_TRUE(r.evicted(policy("fixed")).empty()) << "the same machine may be back";
  r.cattle_hosts[2].labels[kNodeIdLabel] = "n1";
  EXPECT_TRUE(r.evicted(policy("fixed")).empty()) << "a live host claims it";
  // The new host claims a newer node: the old one is stale, and goes once down.
  Node newer = node("n2", "pi1");
  newer.CreatedAt = r.nodes[1].CreatedAt + kMinute;
  r.nodes.push_back(newer);
  r.cattle_hosts[2].labels[kNodeIdLabel] = "n2";
  EXPECT_TRUE(r.evicted(policy("fixed")).empty()) << "not while it is ready";
  r.nodes[1].Status.State = NodeState::Down;
  EXPECT_EQ(r.evicted(policy("fixed")), (Ids{"n1"}));
  // A label that names an older node is stale itself: the node stays.
  r.nodes[2].CreatedAt = r.nodes[1].CreatedAt - kMinute;
  EXPECT_TRUE(r.evicted(policy("fixed")).empty());
  r.nodes.pop_back();
  // A host deleted while its machine runs on, with nobody at its address.
  r.cattle_hosts.pop_back();
  r.nodes[1].Status.State = NodeState::Ready;
  EXPECT_EQ(r.evicted(policy("fixed")), (Ids{"n1"}));
}

TEST(FixedPolicy, DoesNothingWithoutEvidence) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager), node("a", "pi1")};
  r.cattle_read = false;
  EXPECT_TRUE(r.evicted(policy("fixed")).empty()) << "unreadable Cattle answer";
  r.cattle_read = true;
  EXPECT_TRUE(r.evicted(policy("fixed")).empty()) << "empty Cattle answer";
}

TEST(FixedPolicy, AtMostTheBoundPerPassAndEveryCondemnedNodeListed) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager), node("a", "x"), node("b", "y"), node("c", "z")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active, "m1"),
                    cattle("u1", "10.0.0.2", CattleHostState::Removed, "a"),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed, "b"),
                    cattle("u3", "10.0.0.4", CattleHostState::Removed, "c")};
  RemovalPolicy p = policy("fixed");
  p.max_removals_per_pass = 2;
  EXPECT_EQ(r.evicted(p), (Ids{"a", "b"}));
  const NodeList nodes = r.nodes;
  const CattleHostList hosts = r.cattle_hosts;
  const RemovalPlan plan =
      plan_removals(p, ReconcileView{r.now, "m1", &nodes, &r.hosts, &hosts, &r.departed});
  Ids condemned;
  for (const auto& e : plan.condemned) condemned.push_back(e.node_id);
  EXPECT_EQ(condemned, (Ids{"a", "b", "c"})) << "the manager count leaves all three out";
  EXPECT_FALSE(plan.self_condemned.has_value());
}

// The leader's own host deleted in Cattle while its machine runs and its
// replica, stale, still lists it: the evidence condemns its own node. The
// plan says so and never lists the leader's node among those to remove.
TEST(FixedPolicy, ALeaderWhoseOwnNodeIsCondemnedIsToldSo) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager), node("a", "x")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Removed, "m1"),
                    cattle("u1", "10.0.0.2", CattleHostState::Removed, "a")};
  EXPECT_EQ(r.evicted(policy("fixed")), (Ids{"a"}));
  const NodeList nodes = r.nodes;
  const CattleHostList hosts = r.cattle_hosts;
  const RemovalPlan plan = plan_removals(
      policy("fixed"), ReconcileView{r.now, "m1", &nodes, &r.hosts, &hosts, &r.departed});
  ASSERT_TRUE(plan.self_condemned.has_value());
  EXPECT_EQ(plan.self_condemned->node_id, "m1");
  // Given any other identity (its host uuid, say), the leader would take its
  // own node for anybody's and remove it.
  EXPECT_EQ(r.evicted(policy("fixed"), "u0"), (Ids{"m1"}));
  EXPECT_FALSE(plan_removals(policy("fixed"),
                             ReconcileView{r.now, "u0", &nodes, &r.hosts, &hosts, &r.departed})
                   .self_condemned);
}

// Down or not: a node whose host was deleted in Cattle while its machine ran
// on, before its claim was written, stays ready for ever.
TEST(FixedPolicy, AnUnclaimedNodeGoesOnlyIfItsAddressBelongsToARemovedHostAlone) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager),
             node("orphan", "", NodeRole::Worker, NodeState::Down, "10.0.0.3"),
             node("reused", "", NodeRole::Worker, NodeState::Down, "10.0.0.4"),
             node("running", "", NodeRole::Worker, NodeState::Ready, "10.0.0.5"),
             node("behind-nat", "", NodeRole::Worker, NodeState::Down, "203.0.113.1")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active, "m1"),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed),
                    cattle("u3", "10.0.0.4", CattleHostState::Removed),
                    cattle("u4", "10.0.0.4", CattleHostState::Active),
                    cattle("u5", "10.0.0.5", CattleHostState::Removed)};
  RemovalPolicy p = policy("fixed");
  p.max_removals_per_pass = 10;
  EXPECT_EQ(r.evicted(p), (Ids{"orphan", "running"}));
}

// Behind a NAT a node's address names no host. The agent of a host deleted
// while its machine ran notes which node it leaves behind; the note counts
// once the host is removed in Cattle and the node is down.
TEST(FixedPolicy, AnUnclaimedNodeGoesOnItsAgentsDepartureNoteOnceDown) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager),
             node("noted", "", NodeRole::Worker, NodeState::Down, "203.0.113.1"),
             node("still-up", "", NodeRole::Worker, NodeState::Ready, "203.0.113.1"),
             node("host-lives", "", NodeRole::Worker, NodeState::Down, "203.0.113.1"),
             node("silent", "", NodeRole::Worker, NodeState::Down, "203.0.113.1")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active, "m1"),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed),
                    cattle("u3", "10.0.0.4", CattleHostState::Removed),
                    cattle("u4", "10.0.0.5", CattleHostState::Active)};
  r.departed = {{"noted", "u2"}, {"still-up", "u3"}, {"host-lives", "u4"}};
  RemovalPolicy p = policy("fixed");
  p.max_removals_per_pass = 10;
  EXPECT_EQ(r.evicted(p), (Ids{"noted"}));
  r.departed.clear();
  EXPECT_TRUE(r.evicted(p).empty()) << "no note, no claim, no address: nothing to go on";
}

TEST(FixedPolicy, NeitherPurgesDownNodesNorRemovesUnreachableManagers) {
  Reading r;
  Node m2 = node("m2", "vm1", NodeRole::Manager, NodeState::Down);
  m2.ManagerStatus_->Reachability_ = Reachability::Unreachable;
  r.nodes = {node("m1", "vm0", NodeRole::Manager), m2};
  const NodeList nodes = r.nodes;
  const CattleHostList cattle = r.cattle_hosts;
  ReconcileView v{r.now, "m1", &nodes, &r.hosts, &cattle};
  EXPECT_FALSE(select_unreachable_manager(policy("fixed"), v).has_value());
  EXPECT_TRUE(select_down_nodes(policy("fixed"), v).empty());
  EXPECT_TRUE(select_unreachable_manager(policy("legacy"), v).has_value());
  EXPECT_EQ(select_down_nodes(policy("legacy"), v).size(), 1u);
}

// The script's count step, condition by condition (reconcile_node).
TEST(ScriptScaling, StopsOnMajorityLostOnEnoughManagersAndOnNoActiveWorker) {
  Node gone = node("m2", "vm1", NodeRole::Manager, NodeState::Down);
  gone.ManagerStatus_->Reachability_ = Reachability::Unreachable;
  // One reachable, one unreachable: majority lost, even with workers.
  auto s = plan_script_scaling({node("m1", "vm0", NodeRole::Manager), gone, node("a", "pi1")}, 3);
  EXPECT_FALSE(s.acts);
  EXPECT_NE(s.said.find("majority"), std::string::npos);
  // All reachable and at MANAGER_SCALE: nothing, even with workers.
  s = plan_script_scaling({node("m1", "vm0", NodeRole::Manager), node("a", "pi1")}, 1);
  EXPECT_FALSE(s.acts);
  // An unreachable manager but no active worker: it is not removed either.
  Node drained = node("b", "pi2");
  drained.Spec.Availability = "drain";
  s = plan_script_scaling(
      {node("m1", "vm0", NodeRole::Manager), node("m3", "vm2", NodeRole::Manager), gone, drained},
      3);
  EXPECT_FALSE(s.acts);
  EXPECT_EQ(s.active_workers, 0);
}

TEST(ScriptScaling, PromotesTheFirstActiveWorkerDownOrNotWhateverTheCount) {
  Node gone = node("m2", "vm1", NodeRole::Manager, NodeState::Down);
  gone.ManagerStatus_->Reachability_ = Reachability::Unreachable;
  // Three reachable and one unreachable at MANAGER_SCALE 3: the step acts
  // (the unreachable one goes) and promotes all the same, to four.
  auto s = plan_script_scaling(
      {node("m1", "vm0", NodeRole::Manager), gone, node("m3", "vm2", NodeRole::Manager),
       node("m4", "vm3", NodeRole::Manager), node("down", "pi1", NodeRole::Worker, NodeState::Down),
       node("ready", "pi2")},
      3);
  ASSERT_TRUE(s.acts);
  EXPECT_EQ(s.unreachable, 1);
  ASSERT_TRUE(s.promotion.has_value());
  EXPECT_EQ(s.promotion->node_id, "down") << "GET /nodes order, ready or not";
  // A node promoted but not in raft yet (no ManagerStatus) counts as neither
  // reachable nor unreachable, so the next pass promotes again.
  Node pending = node("p", "pi3", NodeRole::Manager, NodeState::Down);
  pending.ManagerStatus_.reset();
  s = plan_script_scaling({node("m1", "vm0", NodeRole::Manager), pending, node("w", "pi4")}, 3);
  EXPECT_EQ(s.reachable + s.unreachable, 1);
  ASSERT_TRUE(s.promotion.has_value());
  EXPECT_EQ(s.promotion->node_id, "w");
}

TEST(ManagerScaling, LegacyPromotesOneWorkerPerPass) {
  const std::vector<Node> nodes = {node("m1", "vm0", NodeRole::Manager), node("a", "pi1"),
                                   node("b", "pi2")};
  auto changes = plan_manager_scaling(nodes, {}, "m1", 3, false);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].node_id, "a");
  EXPECT_EQ(changes[0].role, NodeRole::Manager);
}

TEST(ManagerScaling, KeepingTheCountOddPromotesTwoOrNone) {
  const std::vector<Node> two_workers = {node("m1", "vm0", NodeRole::Manager), node("a", "pi1"),
                                         node("b", "pi2")};
  EXPECT_EQ(plan_manager_scaling(two_workers, {}, "m1", 3, true).size(), 2u);
  const std::vector<Node> one_worker = {node("m1", "vm0", NodeRole::Manager), node("a", "pi1")};
  EXPECT_TRUE(plan_manager_scaling(one_worker, {}, "m1", 3, true).empty());
  EXPECT_TRUE(plan_manager_scaling(two_workers, {}, "m1", 2, true).empty()) << "never 2 managers";
}

TEST(ManagerScaling, DemotesAnotherManagerWhenThereAreTooMany) {
  const std::vector<Node> nodes = {node("m1", "vm0", NodeRole::Manager),
                                   node("m2", "vm1", NodeRole::Manager)};
  auto changes = plan_manager_scaling(nodes, {}, "m1", 1, false);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].node_id, "m2");
  EXPECT_EQ(changes[0].role, NodeRole::Worker);
}

TEST(ManagerScaling, TouchesNothingWhenTheMajorityIsLost) {
  Node m2 = node("m2", "vm1", NodeRole::Manager);
  m2.ManagerStatus_->Reachability_ = Reachability::Unreachable;
  const std::vector<Node> nodes = {node("m1", "vm0", NodeRole::Manager), m2, node("a", "pi1")};
  EXPECT_TRUE(plan_manager_scaling(nodes, {}, "m1", 3, false).empty());
}

TEST(GoRewritePolicy, RemovesUnmatchedAddressesOnlyWhileThereAreMoreNodesThanHosts) {
  Reading r;
  r.nodes = {node("m1", "vm0", NodeRole::Manager, NodeState::Ready, "10.0.0.1"),
             node("a", "pi1", NodeRole::Worker, NodeState::Ready, "10.0.0.2"),
             node("stale", "pi2", NodeRole::Worker, NodeState::Down, "10.0.0.3")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active),
                    cattle("u1", "10.0.0.2", CattleHostState::Active),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed)};
  EXPECT_EQ(r.evicted(policy("go-rewrite")), (Ids{"stale"}));
  r.nodes.pop_back();  // as many nodes as hosts: nothing, whatever the addresses
  r.nodes[1].Status.Addr = "203.0.113.1";
  EXPECT_TRUE(r.evicted(policy("go-rewrite")).empty());
}

TEST(GoRewritePolicy, BehindNatALiveNodeCanBeTakenForTheStaleOne) {
  Reading r;
  // The live Pi is seen from the NAT address and listed before the stale node.
  r.nodes = {node("m1", "vm0", NodeRole::Manager, NodeState::Ready, "10.0.0.1"),
             node("a-live", "pi1", NodeRole::Worker, NodeState::Ready, "203.0.113.1"),
             node("b-stale", "pi2", NodeRole::Worker, NodeState::Down, "203.0.113.1")};
  r.cattle_hosts = {cattle("u0", "10.0.0.1", CattleHostState::Active),
                    cattle("u1", "10.0.0.2", CattleHostState::Active),
                    cattle("u2", "10.0.0.3", CattleHostState::Removed)};
  EXPECT_EQ(r.evicted(policy("go-rewrite")), (Ids{"a-live"}));
}

namespace {

// The fixed policy's manager-count step on a node list: the changes as
// "+id" (promote) and "-id" (demote), in order.
struct Fleet {
  std::vector<Node> nodes;
  std::set<std::string> condemned;
  std::set<std::string> promotable;  // empty: every worker
  std::string self = "m1";
  bool self_leaving = false;
  int scale = 3;

  Node& add(const std::string& id, NodeRole role, NodeState state = NodeState::Ready) {
    nodes.push_back(node(id, id, role, state));
    nodes.back().CreatedAt = static_cast<Instant>(nodes.size()) * kSecond;  // listed = age order
    if (role == NodeRole::Manager && state == NodeState::Down)
      nodes.back().ManagerStatus_->Reachability_ = Reachability::Unreachable;
    return nodes.back();
  }
  Ids changes() const {
    const NodeList list = nodes;
    std::set<std::string> every;
    for (const auto& n : nodes) every.insert(n.ID);
    FixedScalingView v;
    v.nodes = &list;
    v.self_node_id = self;
    v.self_leaving = self_leaving;
    v.manager_scale = scale;
    v.condemned = condemned;
    v.promotable = promotable.empty() ? &every : &promotable;
    Ids out;
    for (const auto& c : plan_fixed_scaling(v).changes)
      out.push_back((c.role == NodeRole::Manager ? "+" : "-") + c.node_id);
    return out;
  }
};

}  // namespace

TEST(FixedScaling, PromotesTheOldestWorkersUpToManagerScale) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("old", NodeRole::Worker);
  f.add("older-still", NodeRole::Worker).CreatedAt = 0;
  f.add("new", NodeRole::Worker);
  EXPECT_EQ(f.changes(), (Ids{"+older-still", "+old"}));
  f.scale = 5;
  EXPECT_EQ(f.changes(), (Ids{"+older-still", "+old"}))
      << "four nodes make three managers, not four";
  f.add("newest", NodeRole::Worker);
  EXPECT_EQ(f.changes(), (Ids{"+older-still", "+old", "+new", "+newest"}));
}

TEST(FixedScaling, SettlesAtTheLargestOddCountTheFleetAllows) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("a", NodeRole::Worker);
  EXPECT_TRUE(f.changes().empty()) << "two nodes: one manager, never two";
  Fleet two;
  two.add("m1", NodeRole::Manager);
  two.add("m2", NodeRole::Manager);
  EXPECT_EQ(two.changes(), (Ids{"-m2"})) << "two managers survive no loss one does not";
  two.scale = 1;
  EXPECT_EQ(two.changes(), (Ids{"-m2"}));
}

TEST(FixedScaling, ADownManagerIsDemotedAndReplaced) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("dead", NodeRole::Manager, NodeState::Down);
  f.add("m3", NodeRole::Manager);
  f.add("w", NodeRole::Worker);
  EXPECT_EQ(f.changes(), (Ids{"-dead", "+w"}));
  // No worker to replace it with: the two that stay make one.
  f.nodes.pop_back();
  EXPECT_EQ(f.changes(), (Ids{"-dead", "-m3"}));
}

TEST(FixedScaling, CondemnedManagersAreDemotedAndNeverCountedOrPromoted) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("gone1", NodeRole::Manager);
  f.add("gone2", NodeRole::Manager);
  f.add("gone3", NodeRole::Worker);
  f.add("w", NodeRole::Worker);
  f.condemned = {"gone1", "gone2", "gone3"};
  // m1 and w are all that stay: one manager.
  EXPECT_EQ(f.changes(), (Ids{"-gone1", "-gone2"}));
  f.add("w2", NodeRole::Worker);
  EXPECT_EQ(f.changes(), (Ids{"-gone1", "-gone2", "+w", "+w2"}));
}

TEST(FixedScaling, NeverDemotesTheLeaderAndTouchesNothingWithoutAMajority) {
  Fleet f;
  f.add("m2", NodeRole::Manager);
  f.add("m1", NodeRole::Manager);
  f.add("m3", NodeRole::Manager);
  f.scale = 1;
  EXPECT_EQ(f.changes(), (Ids{"-m3", "-m2"})) << "the newest first, the leader never";
  Fleet lost;
  lost.add("m1", NodeRole::Manager);
  lost.add("d1", NodeRole::Manager, NodeState::Down);
  lost.add("d2", NodeRole::Manager, NodeState::Down);
  lost.add("w", NodeRole::Worker);
  EXPECT_TRUE(lost.changes().empty());
}

TEST(FixedScaling, OnlyWorkersBoundToLiveHostsArePromoted) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("unbound", NodeRole::Worker);
  f.add("a", NodeRole::Worker);
  f.add("b", NodeRole::Worker);
  f.promotable = {"a", "b"};
  EXPECT_EQ(f.changes(), (Ids{"+a", "+b"}));
}

// The leader's own host is gone: it counts itself out and promotes
// successors, so that the next leader can demote and remove it.
TEST(FixedScaling, ALeaderWhoseHostIsGoneCountsItselfOut) {
  Fleet f;
  f.add("m1", NodeRole::Manager);
  f.add("a", NodeRole::Worker);
  f.add("b", NodeRole::Worker);
  f.add("c", NodeRole::Worker);
  f.self_leaving = true;
  f.scale = 1;
  EXPECT_EQ(f.changes(), (Ids{"+a"}));
  f.scale = 3;
  EXPECT_EQ(f.changes(), (Ids{"+a", "+b", "+c"}));
}
