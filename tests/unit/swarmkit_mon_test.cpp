// Each step of the legacy swarmkit-mon loop, driven by hand: the test plays
// the Docker engine, the metadata replica and the Cattle API, and checks the
// exact request the logic makes next.
#include "model/swarmkit_mon.hpp"

#include <gtest/gtest.h>

using namespace swarmsim;
using namespace swarmsim::model;

namespace {

MetaHost host(const std::string& name, const std::string& ip, const std::string& hostname) {
  return MetaHost{name, "uuid-" + name, hostname, ip, {}};
}

const MetaHost kManager = host("manager-1", "10.0.0.1", "manager-1");
const MetaHost kPi = host("pi1", "10.0.0.2", "pi1.lab");
const std::vector<MetaContainer> kTwoContainers = {
    {"mon-pi1", 2, "10.0.0.2", "uuid-pi1"}, {"mon-manager-1", 1, "10.0.0.1", "uuid-manager-1"}};

class Script {
 public:
  explicit Script(MonOptions o = {}) : mon(std::move(o)) {}

  Call call() {
    auto a = mon.poll_action();
    EXPECT_TRUE(a.has_value()) << "the logic asked for nothing; phase " << mon.phase();
    if (!a) return {};
    auto* c = std::get_if<Call>(&*a);
    EXPECT_NE(c, nullptr) << "expected a call, got a sleep; phase " << mon.phase();
    return c ? *c : Call{};
  }
  template <typename T>
  T expect(const char* what) {
    Call c = call();
    last = c.id;
    last_call = c;
    auto* r = std::get_if<T>(&c.request);
    EXPECT_NE(r, nullptr) << "expected " << what << ", got " << request_name(c.request)
                          << " in phase " << mon.phase();
    return r ? *r : T{};
  }
  Duration expect_sleep() {
    auto a = mon.poll_action();
    EXPECT_TRUE(a.has_value());
    if (!a) return -1;
    auto* s = std::get_if<Sleep>(&*a);
    EXPECT_NE(s, nullptr) << "expected a sleep in phase " << mon.phase();
    if (!s) return -1;
    last = s->id;
    return s->duration_ns;
  }
  void reply(Response r) { mon.handle_response(now += kMillisecond, last, r); }
  void wake() { mon.handle_wakeup(now += kSecond, last); }
  void nothing_more() { EXPECT_FALSE(mon.poll_action().has_value()); }

  // A non-leader Pi with an inactive engine, up to its `swarm join`: the
  // announcements, a successful probe and the token.
  void up_to_join() {
    to_containers(kPi, SwarmInfo{});
    reply(MetaAnswer<ContainerList>{MetaAnswerKind::Json, kTwoContainers});
    expect<CattleSetHostLabel>("wait_leader");
    reply(Ok{});
    expect<ProbeManager>("probe");
    reply(Ok{});
    expect<CattleSetHostLabel>("wait_token");
    reply(Ok{});
    expect<MetaServiceMetadata>("token");
    reply(MetaAnswer<ServiceMetadata>{MetaAnswerKind::Json, {"SWMTKN-w", "SWMTKN-m", {}}});
  }

  // Runs the loop's common prefix: own host, then /info, then for an
  // engine in a swarm the worker token saved on the host (none here).
  void to_containers(const MetaHost& self, SwarmInfo info) {
    mon.handle_start(now);
    expect<MetaSelfHost>("metadata /self/host");
    reply(MetaAnswer<MetaHost>{MetaAnswerKind::Json, self});
    expect<GetInfo>("GET /info");
    const bool in_swarm = info.LocalNodeState_ == LocalNodeState::Active;
    reply(info);
    if (in_swarm) {
      expect<ReadSavedToken>("the saved worker token");
      reply(SavedToken{});
    }
    expect<MetaServiceContainers>("containers");
  }

  SwarmkitMon mon;
  RequestId last = 0;
  Call last_call;
  Instant now = 0;
};

SwarmInfo inactive() {
  return SwarmInfo{};
}
SwarmInfo active(const std::string& id, bool manager) {
  SwarmInfo i;
  i.NodeID = id;
  i.NodeAddr = "10.0.0.1";
  i.LocalNodeState_ = LocalNodeState::Active;
  i.ControlAvailable = manager;
  return i;
}
MetaAnswer<ContainerList> containers(std::vector<MetaContainer> c) {
  return {MetaAnswerKind::Json, std::move(c)};
}
Node node(const std::string& id, const std::string& hostname, NodeRole role,
          NodeState state = NodeState::Ready) {
  Node n;
  n.ID = id;
  n.VersionIndex = 7;
  n.Description.Hostname = hostname;
  n.Spec.Role = role;
  n.Status.State = state;
  if (role == NodeRole::Manager)
    n.ManagerStatus_ = ManagerStatus{false, Reachability::Reachable, ""};
  return n;
}

}  // namespace

TEST(LegacyAgentLoop, WaitsForItsAgentIpEverySecond) {
  Script s;
  s.mon.handle_start(0);
  s.expect<MetaSelfHost>("metadata /self/host");
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::NotFound, {}});
  EXPECT_EQ(s.expect_sleep(), kSecond);
  EXPECT_EQ(s.mon.phase(), "WaitAgentIp");
  s.wake();
  s.expect<MetaSelfHost>("metadata /self/host again");
}

TEST(LegacyAgentLoop, LeavesTheSwarmWhenInfoShowsAnError) {
  Script s;
  s.mon.handle_start(0);
  s.expect<MetaSelfHost>("self");
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::Json, kPi});
  s.expect<GetInfo>("info");
  SwarmInfo removed = active("n1", false);
  removed.Error = "node n1 was removed from swarm";
  s.reply(removed);
  auto leave = s.expect<SwarmLeave>("swarm leave");
  EXPECT_TRUE(leave.force);
  s.reply(Ok{});
  EXPECT_EQ(s.expect_sleep(), 30 * kSecond);  // and rejoins on the next loop
}

TEST(LegacyAgentLoop, LowestCreateIndexBootstrapsTheSwarmAndPublishesTokens) {
  Script s;
  s.to_containers(kManager, inactive());
  s.reply(containers(kTwoContainers));
  EXPECT_TRUE(s.mon.is_leader());
  auto init = s.expect<SwarmInit>("swarm init");
  EXPECT_EQ(init.advertise_addr, "10.0.0.1:2377");
  s.reply(Ok{});
  s.expect<GetSwarm>("GET /swarm");
  s.reply(JoinTokens{"SWMTKN-w", "SWMTKN-m"});
  auto publish = s.expect<CattlePublishTokens>("publish tokens");
  EXPECT_EQ(publish.tokens.worker_token, "SWMTKN-w");
  EXPECT_EQ(publish.tokens.manager_token, "SWMTKN-m");
  s.reply(Ok{});
  auto label = s.expect<CattleSetHostLabel>("label swarm=manager");
  EXPECT_EQ(label.value, "manager");
  s.reply(Ok{});
  s.expect<ListNodes>("GET /nodes");
}

TEST(LegacyAgentJoin, WorkerAnnouncesProbesWaitsForTokenAndJoinsTheLeader) {
  MonOptions o;
  o.manager_scale = 1;
  Script w(o);
  w.to_containers(kPi, inactive());
  w.reply(containers(kTwoContainers));
  EXPECT_FALSE(w.mon.is_leader());
  EXPECT_EQ(w.expect<CattleSetHostLabel>("wait_leader").value, "wait_leader");
  w.reply(Ok{});
  EXPECT_EQ(w.expect<ProbeManager>("probe").addr, "10.0.0.1:2377");
  w.reply(Ok{});
  EXPECT_EQ(w.expect<CattleSetHostLabel>("wait_token").value, "wait_token");
  w.reply(Ok{});
  w.expect<MetaServiceMetadata>("token");
  w.reply(MetaAnswer<ServiceMetadata>{MetaAnswerKind::Json, {}});
  EXPECT_EQ(w.expect_sleep(), kSecond);  // token not published yet: poll every second
  w.wake();
  w.expect<MetaServiceMetadata>("token again");
  w.reply(MetaAnswer<ServiceMetadata>{MetaAnswerKind::Json, {"SWMTKN-w", "SWMTKN-m", {}}});
  auto join = w.expect<SwarmJoin>("swarm join");
  EXPECT_EQ(join.join_token, "SWMTKN-w");  // create_index 2 > MANAGER_SCALE 1: worker
  EXPECT_EQ(join.advertise_addr, "10.0.0.2:2377");
  ASSERT_EQ(join.remote_addrs.size(), 1u);
  EXPECT_EQ(join.remote_addrs[0], "10.0.0.1:2377");
  w.reply(Ok{});
  EXPECT_EQ(w.expect<SaveToken>("save the token").worker_token, "SWMTKN-w");
  w.reply(Ok{});
  auto label = w.expect<CattleSetHostLabel>("delete the swarm label");
  EXPECT_EQ(label.key, "swarm");
  EXPECT_EQ(label.value, "");
  w.reply(Ok{});
  EXPECT_EQ(w.expect_sleep(), 30 * kSecond);
}

TEST(LegacyAgentJoin, AmongTheFirstManagerScaleContainersJoinsAsManager) {
  Script w;  // MANAGER_SCALE 3: create_index 2 is among the first three
  w.up_to_join();
  EXPECT_EQ(w.expect<SwarmJoin>("join").join_token, "SWMTKN-m");
  w.reply(Ok{});
  // A manager saves the worker token too: that is the one step 2 compares.
  EXPECT_EQ(w.expect<SaveToken>("save the token").worker_token, "SWMTKN-w");
  w.reply(Ok{});
  EXPECT_EQ(w.expect<CattleSetHostLabel>("label manager").value, "manager");
}

TEST(LegacyAgentJoin, GivesUpAfterFourProbesWithDoublingBackOff) {
  Script w;
  w.to_containers(kPi, inactive());
  w.reply(containers(kTwoContainers));
  w.expect<CattleSetHostLabel>("wait_leader");
  w.reply(Ok{});
  std::vector<Duration> backoffs;
  for (int attempt = 0; attempt < 4; ++attempt) {
    w.expect<ProbeManager>("probe");
    w.reply(ApiError{0, "connection refused"});
    Duration d = w.expect_sleep();
    if (attempt < 3) {
      backoffs.push_back(d);
      w.wake();
    } else {
      EXPECT_EQ(d, 30 * kSecond) << "after the fourth failure the loop sleeps";
    }
  }
  EXPECT_EQ(backoffs, (std::vector<Duration>{kSecond, 2 * kSecond, 4 * kSecond}));
}

TEST(LegacyAgentJoin, AFailedJoinGoesUnnoticed) {
  MonOptions o;
  o.manager_scale = 1;
  Script w(o);
  w.up_to_join();
  w.expect<SwarmJoin>("join");
  w.reply(ApiError{503, "Timeout was reached before node joined"});
  // `$?` is tested after an echo: the script saves the token and labels as
  // if it had joined.
  w.expect<SaveToken>("save the token");
  w.reply(Ok{});
  EXPECT_EQ(w.expect<CattleSetHostLabel>("label").key, "swarm");
}

// A Pi in the swarm, from the start of a loop to the published token,
// having saved `saved` when it joined.
static void up_to_published_token(Script& w, const std::string& saved,
                                  const std::string& published) {
  w.mon.handle_start(0);
  w.expect<MetaSelfHost>("self");
  w.reply(MetaAnswer<MetaHost>{MetaAnswerKind::Json, kPi});
  w.expect<GetInfo>("info");
  w.reply(active("n2", false));
  w.expect<ReadSavedToken>("the saved token");
  w.reply(SavedToken{saved});
  w.expect<MetaServiceMetadata>("the published token");
  w.reply(MetaAnswer<ServiceMetadata>{MetaAnswerKind::Json, {published, "SWMTKN-m", {}}});
}

TEST(LegacyAgentLoop, LeavesWhenThePublishedWorkerTokenIsNotTheSavedOne) {
  Script w;
  up_to_published_token(w, "SWMTKN-old", "SWMTKN-new");
  EXPECT_TRUE(w.expect<SwarmLeave>("swarm leave --force").force);
  w.reply(Ok{});
  EXPECT_EQ(w.expect_sleep(), 30 * kSecond);  // joins the new swarm on the next loop
}

TEST(LegacyAgentLoop, StaysWhenTheTokenIsTheSameOrNotPublished) {
  for (const std::string published : {"SWMTKN-w", ""}) {
    Script w;
    up_to_published_token(w, "SWMTKN-w", published);
    w.expect<MetaServiceContainers>("containers: the loop goes on");
  }
}

TEST(LegacyAgentLoop, ANonLeaderAlreadyInTheSwarmOnlySleeps) {
  Script w;
  w.to_containers(kPi, active("n2", false));
  w.reply(containers(kTwoContainers));
  EXPECT_EQ(w.expect_sleep(), 30 * kSecond);
}

namespace {
// Leader with an active engine, up to the metadata read of remove_old_hosts.
void leader_reads(Script& s, std::vector<Node> nodes) {
  s.to_containers(kManager, active("m1", true));
  s.reply(containers(kTwoContainers));
  s.expect<ListNodes>("GET /nodes");
  s.reply(std::move(nodes));
  s.expect<MetaHosts>("metadata /hosts");
}
}  // namespace

TEST(LegacyRemovalHook, CutsOnlyTheMetadataHostnameSoADottedEngineHostnameIsRemoved) {
  Script s;
  leader_reads(
      s, {node("m1", "manager-1", NodeRole::Manager), node("w1", "pi1.lab", NodeRole::Worker)});
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Json, {kManager, kPi}});
  auto rm = s.expect<RemoveNode>("node rm");
  EXPECT_EQ(rm.id, "w1");
  EXPECT_TRUE(rm.force);
  EXPECT_TRUE(s.last_call.eviction);
  EXPECT_NE(s.last_call.why.find("pi1.lab"), std::string::npos) << s.last_call.why;
  s.reply(Ok{});
  s.expect<ListNodes>("re-read for the purge");
}

TEST(LegacyRemovalHook, KeepsANodeWhoseHostnameMatchesTheShortMetadataName) {
  Script s;
  MetaHost fqdn = host("pi1", "10.0.0.2", "pi1.lab.example.com");
  leader_reads(s,
               {node("m1", "manager-1", NodeRole::Manager), node("w1", "pi1", NodeRole::Worker)});
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Json, {kManager, fqdn}});
  s.expect<ListNodes>("nothing removed: straight to the re-read");
}

TEST(LegacyRemovalHook, AnEmptyMetadataAnswerTargetsEveryNodeTheLeaderToo) {
  Script s;
  leader_reads(s,
               {node("m1", "manager-1", NodeRole::Manager), node("w1", "pi1", NodeRole::Worker)});
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Empty, {}});
  auto demote = s.expect<UpdateNodeRole>("demote the leader itself");
  EXPECT_EQ(demote.id, "m1");
  EXPECT_EQ(demote.role, NodeRole::Worker);
  EXPECT_EQ(demote.version, 7u);
  s.reply(ApiError{400, "attempting to demote the last manager of the swarm"});
  EXPECT_EQ(s.expect<RemoveNode>("rm the leader").id, "m1");
  s.reply(ApiError{400, "must be demoted"});
  EXPECT_EQ(s.expect<RemoveNode>("rm the worker").id, "w1");
}

TEST(LegacyDownNodePurge, EveryDownNodeIsRemovedBecauseOfTheQuotingBug) {
  Script s;
  std::vector<Node> nodes = {node("m1", "manager-1", NodeRole::Manager),
                             node("w1", "pi1", NodeRole::Worker, NodeState::Down)};
  MetaHost pi = host("pi1", "10.0.0.2", "pi1");
  leader_reads(s, nodes);
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Json, {kManager, pi}});
  s.expect<ListNodes>("re-read");
  s.reply(nodes);
  // The count step promotes the first active worker, down or not.
  auto promote = s.expect<UpdateNodeRole>("promote");
  EXPECT_EQ(promote.id, "w1");
  EXPECT_EQ(promote.role, NodeRole::Manager);
  s.reply(Ok{});
  s.expect<ListNodes>("read for the purge");
  Node promoted = node("w1", "pi1", NodeRole::Manager, NodeState::Down);
  promoted.ManagerStatus_.reset();  // promoted while away: not in raft yet
  s.reply(std::vector<Node>{nodes[0], promoted});
  auto demote = s.expect<UpdateNodeRole>("demote before the purge");
  EXPECT_EQ(demote.id, "w1");
  EXPECT_EQ(demote.role, NodeRole::Worker);
  s.reply(Ok{});
  auto rm = s.expect<RemoveNode>("purge");
  EXPECT_EQ(rm.id, "w1");
  EXPECT_FALSE(rm.force) << "the purge's `docker node rm` has no --force";
  EXPECT_NE(s.last_call.why.find("down"), std::string::npos);
}

TEST(LegacyScaling, PromotesTheFirstReadyWorkerBelowManagerScale) {
  Script s;
  std::vector<Node> nodes = {node("m1", "manager-1", NodeRole::Manager),
                             node("w1", "pi1", NodeRole::Worker)};
  MetaHost pi = host("pi1", "10.0.0.2", "pi1");
  leader_reads(s, nodes);
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Json, {kManager, pi}});
  s.expect<ListNodes>("re-read");
  s.reply(nodes);
  auto promote = s.expect<UpdateNodeRole>("promote");
  EXPECT_EQ(promote.id, "w1");
  EXPECT_EQ(promote.role, NodeRole::Manager);
  EXPECT_FALSE(s.last_call.eviction);
}

TEST(LegacyScaling, TheLeaderLabelsItsHostWhenControlIsAvailable) {
  MonOptions o;
  o.manager_scale = 1;
  Script s(o);
  std::vector<Node> nodes = {node("m1", "manager-1", NodeRole::Manager)};
  leader_reads(s, nodes);
  s.reply(MetaAnswer<HostList>{MetaAnswerKind::Json, {kManager}});
  s.expect<ListNodes>("re-read");
  s.reply(nodes);
  s.expect<ListNodes>("read for the purge");
  s.reply(nodes);
  auto label = s.expect<CattleSetHostLabel>("swarm=manager");
  EXPECT_EQ(label.value, "manager");
  s.reply(Ok{});
  EXPECT_EQ(s.expect_sleep(), 30 * kSecond);
  EXPECT_FALSE(s.mon.fault().has_value());
}

TEST(SwarmkitMon, IgnoresLateAndDuplicateAnswers) {
  Script s;
  s.mon.handle_start(0);
  s.expect<MetaSelfHost>("self");
  const RequestId first = s.last;
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::Json, kPi});
  s.expect<GetInfo>("info");
  // The same answer again, under the old id: ignored.
  s.mon.handle_response(5, first, MetaAnswer<MetaHost>{MetaAnswerKind::Json, kPi});
  s.nothing_more();
  EXPECT_EQ(s.mon.phase(), "CheckEngine");
}

// ---- fixed: a host deleted in Cattle while its machine runs ----

MonOptions fixed_options() {
  MonOptions o;
  o.policy = *RemovalPolicy::from_name("fixed");
  return o;
}

// pi1's host, deleted in Cattle, its node claimed by the binding label.
CattleHostList pi1_deleted(const std::string& node_id) {
  CattleHost h{
      "uuid-pi1", "pi1.lab", "10.0.0.2", CattleHostState::Removed, {{kNodeIdLabel, node_id}}};
  return CattleHostList(std::vector<CattleHost>{h});
}

// A container starts and metadata does not know its host: it asks its
// engine before anything else.
void started_without_a_host(Script& s) {
  s.mon.handle_start(0);
  s.expect<MetaSelfHost>("self");
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::NotFound, {}});
  s.expect<GetInfo>("info");
}

TEST(FixedDeletedHost, TheNodeLeftBehindGoesOnTheDiskBeforeTheEngineLeaves) {
  Script s(fixed_options());
  started_without_a_host(s);
  s.reply(active("node-pi1", false));
  s.expect<CattleListHosts>("is this host deleted?");
  s.reply(pi1_deleted("node-pi1"));
  auto note = s.expect<CattleNoteDeparture>("the departure note");
  EXPECT_EQ(note.node_id, "node-pi1");
  EXPECT_EQ(note.host_uuid, "uuid-pi1");
  s.reply(Ok{});
  auto saved = s.expect<SaveLeftNode>("the node left behind, on the disk");
  EXPECT_EQ(saved.node_id, "node-pi1");
  EXPECT_EQ(saved.host_uuid, "uuid-pi1");
  s.reply(Ok{});
  s.expect<SwarmLeave>("leave");
}

TEST(FixedDeletedHost, ARestartedAgentReadsTheNodeFromTheDiskAndKeepsItsNote) {
  Script s(fixed_options());
  started_without_a_host(s);
  s.reply(inactive());  // the engine left before the restart
  s.expect<ReadLeftNode>("the node left behind");
  s.reply(LeftNode{"node-pi1", "uuid-pi1"});
  auto note = s.expect<CattleNoteDeparture>("the note, again");
  EXPECT_EQ(note.node_id, "node-pi1");
  EXPECT_EQ(note.host_uuid, "uuid-pi1");
  s.reply(Ok{});
  EXPECT_EQ(s.expect_sleep(), 30 * kSecond) << "a kept note is no reason to leave again";
  // The next loop watches the note from memory: no second read of the disk.
  s.wake();
  s.expect<MetaSelfHost>("self");
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::NotFound, {}});
  s.expect<GetInfo>("info");
  s.reply(inactive());
  s.expect<CattleNoteDeparture>("the note, watched");
}

TEST(FixedDeletedHost, AMachineThatLeftNothingReadsTheDiskOnceAndWaitsForItsHost) {
  Script s(fixed_options());
  started_without_a_host(s);
  s.reply(inactive());
  s.expect<ReadLeftNode>("the node left behind");
  s.reply(LeftNode{});
  EXPECT_EQ(s.expect_sleep(), 1 * kSecond);
  s.wake();
  s.expect<MetaSelfHost>("self again");
  s.reply(MetaAnswer<MetaHost>{MetaAnswerKind::NotFound, {}});
  EXPECT_EQ(s.expect_sleep(), 1 * kSecond)
      << "its identity is checked once a loop, the disk once a container";
}
