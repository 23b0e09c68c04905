// Unit tests for SwarmSim, the swarm's node registry: init and join tokens,
// certificate issuance and registration, `node rm` and `node update` rules,
// silence turning into `down`, manager reachability and quorum.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/swarm_sim.hpp"

namespace swarmsim::sim {
namespace {

using model::ApiError;
using model::NodeRole;
using model::NodeState;
using model::Reachability;

class SwarmRegistry : public ::testing::Test {
 protected:
  SwarmRegistry() : swarm_(kernel_, trace_, spec_, 1) {}

  static SwarmSpec make_spec() {
    SwarmSpec s;
    s.down_after_ns = 15 * kSecond;
    return s;
  }

  std::string init() { return swarm_.init(0, "vm1", "vm1", "vm1", "x86_64", "10.0.0.1", 0); }

  std::string join(HostIndex host, const std::string& host_name, const std::string& token) {
    auto r = swarm_.issue_certificate(host, host_name, host_name, token,
                                      "10.0.0." + std::to_string(host + 1), kernel_.now());
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << "join of " << host_name << " failed";
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
  }

  std::string join_registered(HostIndex host, const std::string& host_name,
                              const std::string& token) {
    std::string id = join(host, host_name, token);
    swarm_.register_node(id, host_name, "aarch64");
    swarm_.set_silent(id, false);  // its engine got the reply and heartbeats
    return id;
  }

  const model::Node* listed(const std::string& id) {
    listing_ = swarm_.list_nodes();
    for (const auto& n : listing_)
      if (n.ID == id) return &n;
    return nullptr;
  }

  std::uint64_t version_of(const std::string& id) {
    const SwarmNodeRecord* n = swarm_.node(id);
    EXPECT_NE(n, nullptr);
    return n ? n->version : 0;
  }

  int count_trace(TraceKind kind) const {
    int n = 0;
    for (const auto& e : trace_.events()) n += e.kind == kind;
    return n;
  }

  Kernel kernel_;
  Trace trace_;
  SwarmSpec spec_ = make_spec();
  SwarmSim swarm_;
  model::NodeList listing_;
  SwarmOrigin origin_{0, "vm1", false, "test"};
};

TEST_F(SwarmRegistry, InitCreatesOneReadyManagerThatIsLeader) {
  EXPECT_FALSE(swarm_.exists());
  const std::string id = init();
  EXPECT_TRUE(swarm_.exists());
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(swarm_.leader_id(), id);
  const auto nodes = swarm_.list_nodes();
  ASSERT_EQ(nodes.size(), 1u);
  const model::Node& n = nodes.front();
  EXPECT_EQ(n.ID, id);
  EXPECT_EQ(n.Spec.Role, NodeRole::Manager);
  EXPECT_EQ(n.Status.State, NodeState::Ready);
  EXPECT_EQ(n.Description.Hostname, "vm1");
  ASSERT_TRUE(n.ManagerStatus_.has_value());
  EXPECT_TRUE(n.ManagerStatus_->Leader);
  EXPECT_EQ(n.ManagerStatus_->Reachability_, Reachability::Reachable);
  EXPECT_EQ(count_trace(TraceKind::SwarmInit), 1);
}

TEST_F(SwarmRegistry, InitTokensAreNonEmptyAndDistinct) {
  init();
  const model::JoinTokens& t = swarm_.tokens();
  EXPECT_FALSE(t.Worker.empty());
  EXPECT_FALSE(t.Manager.empty());
  EXPECT_NE(t.Worker, t.Manager);
}

TEST_F(SwarmRegistry, IssueCertificateWithWrongTokenIs400) {
  init();
  auto r = swarm_.issue_certificate(1, "pi1", "pi1", "SWMTKN-1-bogus", "10.0.0.2", 0);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  EXPECT_EQ(swarm_.nodes().size(), 1u);
  EXPECT_EQ(swarm_.certificates_by_host().count("pi1"), 0u);
}

TEST_F(SwarmRegistry, IssueCertificateWithEmptyTokenIs400) {
  auto before_init = swarm_.issue_certificate(1, "pi1", "pi1", "", "10.0.0.2", 0);
  ASSERT_TRUE(std::holds_alternative<ApiError>(before_init));
  EXPECT_EQ(std::get<ApiError>(before_init).status, 400);
  init();
  auto after_init = swarm_.issue_certificate(1, "pi1", "pi1", "", "10.0.0.2", 0);
  ASSERT_TRUE(std::holds_alternative<ApiError>(after_init));
  EXPECT_EQ(std::get<ApiError>(after_init).status, 400);
  EXPECT_EQ(swarm_.nodes().size(), 1u);
}

TEST_F(SwarmRegistry, WorkerTokenGivesUnknownWorkerWithoutHostnameUntilRegistered) {
  init();
  const std::string id = join(1, "pi1", swarm_.tokens().Worker);
  ASSERT_FALSE(id.empty());
  const model::Node* n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Spec.Role, NodeRole::Worker);
  EXPECT_EQ(n->Status.State, NodeState::Unknown);
  EXPECT_EQ(n->Description.Hostname, "");
  EXPECT_FALSE(n->ManagerStatus_.has_value());

  swarm_.register_node(id, "pi1.lab", "aarch64");
  n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Status.State, NodeState::Ready);
  EXPECT_EQ(n->Description.Hostname, "pi1.lab");
  EXPECT_EQ(n->Description.Architecture, "aarch64");
  EXPECT_EQ(count_trace(TraceKind::NodeCreated), 1);
  EXPECT_EQ(count_trace(TraceKind::NodeReady), 1);
}

TEST_F(SwarmRegistry, RegisterTwiceKeepsTheFirstDescription) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  swarm_.register_node(id, "other", "x86_64");
  const model::Node* n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Description.Hostname, "pi1");
}

TEST_F(SwarmRegistry, ManagerTokenGivesManager) {
  const std::string leader = init();
  const std::string id = join_registered(1, "vm2", swarm_.tokens().Manager);
  const model::Node* n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Spec.Role, NodeRole::Manager);
  ASSERT_TRUE(n->ManagerStatus_.has_value());
  EXPECT_FALSE(n->ManagerStatus_->Leader);
  EXPECT_EQ(swarm_.leader_id(), leader);
}

TEST_F(SwarmRegistry, NodeIdsAreDistinct) {
  init();
  std::vector<std::string> ids;
  for (HostIndex h = 1; h <= 20; ++h)
    ids.push_back(join(h, "pi" + std::to_string(h), swarm_.tokens().Worker));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 20u);
  EXPECT_EQ(swarm_.nodes().size(), 21u);
}

TEST_F(SwarmRegistry, RemoveManagerIsRefusedEvenWithForce) {
  const std::string leader = init();
  const std::string mgr = join_registered(1, "vm2", swarm_.tokens().Manager);
  for (const std::string& id : {leader, mgr}) {
    for (bool force : {false, true}) {
      model::Response r = swarm_.remove_node(id, force, origin_);
      ASSERT_TRUE(std::holds_alternative<ApiError>(r));
      EXPECT_EQ(std::get<ApiError>(r).status, 400);
      EXPECT_NE(std::get<ApiError>(r).message.find("demoted"), std::string::npos)
          << std::get<ApiError>(r).message;
    }
  }
  EXPECT_EQ(swarm_.nodes().size(), 2u);
}

TEST_F(SwarmRegistry, RemoveUnknownIdIs404) {
  init();
  model::Response r = swarm_.remove_node("doesnotexist", true, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 404);
}

TEST_F(SwarmRegistry, RemoveWorkerWithForceSucceedsAndCallsOnRemoved) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  std::vector<std::string> removed;
  std::string why;
  swarm_.on_removed = [&](const SwarmNodeRecord& n, const SwarmOrigin& o) {
    removed.push_back(n.id);
    why = o.why;
  };
  model::Response r = swarm_.remove_node(id, true, origin_);
  EXPECT_TRUE(std::holds_alternative<model::Ok>(r));
  EXPECT_EQ(removed, std::vector<std::string>{id});
  EXPECT_EQ(why, "test");
  EXPECT_EQ(swarm_.node(id), nullptr);
  EXPECT_EQ(listed(id), nullptr);
  EXPECT_EQ(count_trace(TraceKind::NodeRemoved), 1);
}

TEST_F(SwarmRegistry, RemoveReadyWorkerWithoutForceIsRefused) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  bool called = false;
  swarm_.on_removed = [&](const SwarmNodeRecord&, const SwarmOrigin&) { called = true; };
  model::Response r = swarm_.remove_node(id, false, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  EXPECT_FALSE(called);
  EXPECT_NE(swarm_.node(id), nullptr);
}

TEST_F(SwarmRegistry, RemoveDownWorkerWithoutForceSucceeds) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  swarm_.set_silent(id, true);
  kernel_.run_until(kernel_.now() + spec_.down_after_ns);
  model::Response r = swarm_.remove_node(id, false, origin_);
  EXPECT_TRUE(std::holds_alternative<model::Ok>(r));
  EXPECT_EQ(swarm_.node(id), nullptr);
}

TEST_F(SwarmRegistry, UpdateRoleWithStaleVersionFails) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  const std::uint64_t v = version_of(id);
  model::Response r = swarm_.update_role(id, v + 1, NodeRole::Manager, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(swarm_.node(id)->role, NodeRole::Worker);
  // After a successful update the old version is stale too.
  ASSERT_TRUE(
      std::holds_alternative<model::Ok>(swarm_.update_role(id, v, NodeRole::Manager, origin_)));
  r = swarm_.update_role(id, v, NodeRole::Worker, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(swarm_.node(id)->role, NodeRole::Manager);
}

TEST_F(SwarmRegistry, UpdateRoleOfUnknownIdIs404) {
  init();
  model::Response r = swarm_.update_role("nope", 1, NodeRole::Manager, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 404);
}

TEST_F(SwarmRegistry, DemotingTheLastManagerIsRefused) {
  const std::string leader = init();
  join_registered(1, "pi1", swarm_.tokens().Worker);
  model::Response r = swarm_.update_role(leader, version_of(leader), NodeRole::Worker, origin_);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  EXPECT_EQ(swarm_.node(leader)->role, NodeRole::Manager);
  EXPECT_EQ(swarm_.leader_id(), leader);
}

TEST_F(SwarmRegistry, PromoteThenDemoteWorksAndBumpsVersionIndex) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  const std::uint64_t v0 = listed(id)->VersionIndex;

  ASSERT_TRUE(
      std::holds_alternative<model::Ok>(swarm_.update_role(id, v0, NodeRole::Manager, origin_)));
  const model::Node* n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Spec.Role, NodeRole::Manager);
  EXPECT_TRUE(n->ManagerStatus_.has_value());
  const std::uint64_t v1 = n->VersionIndex;
  EXPECT_GT(v1, v0);

  std::vector<std::string> demoted;
  swarm_.on_demoted = [&](const SwarmNodeRecord& r, const SwarmOrigin&) {
    demoted.push_back(r.id);
  };
  ASSERT_TRUE(
      std::holds_alternative<model::Ok>(swarm_.update_role(id, v1, NodeRole::Worker, origin_)));
  n = listed(id);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Spec.Role, NodeRole::Worker);
  EXPECT_FALSE(n->ManagerStatus_.has_value());
  EXPECT_GT(n->VersionIndex, v1);
  EXPECT_EQ(demoted, std::vector<std::string>{id});
  EXPECT_EQ(count_trace(TraceKind::NodePromoted), 1);
  EXPECT_EQ(count_trace(TraceKind::NodeDemoted), 1);
}

TEST_F(SwarmRegistry, DemotedWorkerCanThenBeRemoved) {
  init();
  const std::string id = join_registered(1, "vm2", swarm_.tokens().Manager);
  ASSERT_TRUE(std::holds_alternative<model::Ok>(
      swarm_.update_role(id, version_of(id), NodeRole::Worker, origin_)));
  EXPECT_TRUE(std::holds_alternative<model::Ok>(swarm_.remove_node(id, true, origin_)));
}

TEST_F(SwarmRegistry, DemotingTheLeaderElectsAnotherLeader) {
  const std::string leader = init();
  const std::string other = join_registered(1, "vm2", swarm_.tokens().Manager);
  ASSERT_TRUE(std::holds_alternative<model::Ok>(
      swarm_.update_role(leader, version_of(leader), NodeRole::Worker, origin_)));
  EXPECT_EQ(swarm_.leader_id(), other);
}

TEST_F(SwarmRegistry, SilentNodeTurnsDownOnlyAfterDownAfterElapses) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  kernel_.run_until(3 * kSecond);
  swarm_.set_silent(id, true);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Ready);
  kernel_.run_until(3 * kSecond + spec_.down_after_ns - 1);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Ready);
  EXPECT_EQ(count_trace(TraceKind::NodeDown), 0);
  kernel_.run_until(3 * kSecond + spec_.down_after_ns);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Down);
  EXPECT_EQ(count_trace(TraceKind::NodeDown), 1);

  swarm_.set_silent(id, false);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Ready);
  EXPECT_EQ(count_trace(TraceKind::NodeUp), 1);
}

TEST_F(SwarmRegistry, SilenceShorterThanDownAfterLeavesNoTrace) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  swarm_.set_silent(id, true);
  kernel_.run_until(spec_.down_after_ns / 2);
  swarm_.set_silent(id, false);
  kernel_.run_until(kMinute);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Ready);
  EXPECT_EQ(count_trace(TraceKind::NodeDown), 0);
  EXPECT_EQ(count_trace(TraceKind::NodeUp), 0);
}

// One silence, one `node-down` in the trace: a node that stops, resumes and
// stops again within the same instant has been silent once, from that instant.
TEST_F(SwarmRegistry, SilenceRestartedAtTheSameInstantRecordsOneDown) {
  init();
  const std::string id = join_registered(1, "pi1", swarm_.tokens().Worker);
  kernel_.run_until(kSecond);
  swarm_.set_silent(id, true);
  swarm_.set_silent(id, false);
  swarm_.set_silent(id, true);
  kernel_.run_until(kSecond + spec_.down_after_ns);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Down);
  EXPECT_EQ(count_trace(TraceKind::NodeDown), 1);
}

TEST_F(SwarmRegistry, UnregisteredSilentNodeTurnsFromUnknownToDown) {
  init();
  const std::string id = join(1, "pi1", swarm_.tokens().Worker);
  swarm_.set_silent(id, true);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Unknown);
  kernel_.run_until(spec_.down_after_ns);
  EXPECT_EQ(listed(id)->Status.State, NodeState::Down);
}

TEST_F(SwarmRegistry, SilentManagerIsUnreachableUntilItSpeaksAgain) {
  const std::string leader = init();
  const std::string mgr = join_registered(1, "vm2", swarm_.tokens().Manager);
  swarm_.set_silent(mgr, true);
  const model::Node* n = listed(mgr);
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(n->ManagerStatus_.has_value());
  EXPECT_EQ(n->ManagerStatus_->Reachability_, Reachability::Unreachable);
  EXPECT_EQ(n->Status.State, NodeState::Ready);  // not yet down
  kernel_.run_until(spec_.down_after_ns);
  EXPECT_EQ(listed(mgr)->Status.State, NodeState::Down);
  EXPECT_EQ(listed(mgr)->ManagerStatus_->Reachability_, Reachability::Unreachable);
  EXPECT_EQ(listed(leader)->ManagerStatus_->Reachability_, Reachability::Reachable);

  swarm_.set_silent(mgr, false);
  n = listed(mgr);
  EXPECT_EQ(n->Status.State, NodeState::Ready);
  EXPECT_EQ(n->ManagerStatus_->Reachability_, Reachability::Reachable);
}

TEST_F(SwarmRegistry, SilentLeaderHandsLeadershipToAnotherManager) {
  const std::string leader = init();
  const std::string mgr = join_registered(1, "vm2", swarm_.tokens().Manager);
  swarm_.set_silent(leader, true);
  EXPECT_EQ(swarm_.leader_id(), mgr);
  EXPECT_FALSE(listed(leader)->ManagerStatus_->Leader);
  EXPECT_TRUE(listed(mgr)->ManagerStatus_->Leader);
}

TEST_F(SwarmRegistry, QuorumIsLostWhenTwoOfThreeManagersAreSilent) {
  const std::string m1 = init();
  const std::string m2 = join_registered(1, "vm2", swarm_.tokens().Manager);
  const std::string m3 = join_registered(2, "vm3", swarm_.tokens().Manager);
  const std::string w = join_registered(3, "pi1", swarm_.tokens().Worker);
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m1));
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m3));
  EXPECT_FALSE(swarm_.is_manager_with_quorum(w));
  EXPECT_FALSE(swarm_.is_manager_with_quorum("nope"));

  swarm_.set_silent(m2, true);
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m1));
  EXPECT_FALSE(swarm_.is_manager_with_quorum(m2));

  swarm_.set_silent(m3, true);
  EXPECT_FALSE(swarm_.is_manager_with_quorum(m1));
  EXPECT_FALSE(swarm_.is_manager_with_quorum(m3));

  swarm_.set_silent(m2, false);
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m1));
}

TEST_F(SwarmRegistry, UnregisteredManagerHasNoVoteInQuorum) {
  const std::string m1 = init();
  join(1, "vm2", swarm_.tokens().Manager);  // certificate only: never registered
  join(2, "vm3", swarm_.tokens().Manager);
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m1));
}

TEST_F(SwarmRegistry, CertificatesByHostCountsInitAndEveryJoin) {
  init();
  join(1, "pi1", swarm_.tokens().Worker);
  const std::string second = join(1, "pi1", swarm_.tokens().Worker);
  join(2, "pi2", swarm_.tokens().Manager);
  swarm_.issue_certificate(3, "pi3", "pi3", "wrong", "10.0.0.4", 0);  // refused: not counted
  ASSERT_TRUE(std::holds_alternative<model::Ok>(swarm_.remove_node(second, true, origin_)));
  const auto& certs = swarm_.certificates_by_host();
  EXPECT_EQ(certs.size(), 3u);
  EXPECT_EQ(certs.at("vm1"), 1);
  EXPECT_EQ(certs.at("pi1"), 2);  // removal does not uncount a certificate
  EXPECT_EQ(certs.at("pi2"), 1);
  EXPECT_EQ(certs.count("pi3"), 0u);
}

TEST(SwarmRegistryDeterminism, SameSeedGivesSameIdsAndTokens) {
  auto run = [] {
    Kernel k;
    Trace t;
    SwarmSim s(k, t, SwarmSpec{}, 7);
    std::vector<std::string> out{s.init(0, "vm1", "vm1", "vm1", "x86_64", "10.0.0.1", 0)};
    out.push_back(s.tokens().Worker);
    out.push_back(s.tokens().Manager);
    auto r = s.issue_certificate(1, "pi1", "pi1", s.tokens().Worker, "10.0.0.2", 0);
    out.push_back(std::get<std::string>(r));
    return std::make_pair(out, t.digest());
  };
  EXPECT_EQ(run(), run());
}

TEST_F(SwarmRegistry, ANodeWhoseJoinerNeverHeardBackTurnsDown) {
  init();
  const std::string id = join(1, "pi1", swarm_.tokens().Worker);
  // Nobody heartbeats for it: the reply was lost, or the host went away.
  kernel_.run_until(kernel_.now() + 16 * kSecond);
  ASSERT_NE(listed(id), nullptr);
  EXPECT_EQ(listed(id)->Status.State, model::NodeState::Down);
}

// The script promotes the first active worker whether or not it is heard
// from. Such a node gets the manager role but joins raft only when it comes
// back: no ManagerStatus until then, and no vote to lose.
TEST_F(SwarmRegistry, AWorkerPromotedWhileDownJoinsRaftOnlyWhenItIsBack) {
  const std::string m1 = init();
  const std::string w1 = join_registered(1, "pi1", swarm_.tokens().Worker);
  swarm_.set_silent(w1, true);
  const model::Response promoted =
      swarm_.update_role(w1, version_of(w1), NodeRole::Manager, origin_);
  ASSERT_FALSE(std::holds_alternative<ApiError>(promoted));
  const model::Node* n = listed(w1);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->Spec.Role, NodeRole::Manager);
  EXPECT_FALSE(n->ManagerStatus_.has_value()) << "not a raft member while away";
  EXPECT_TRUE(swarm_.is_manager_with_quorum(m1)) << "one member of one, alive";
  swarm_.set_silent(w1, false);
  n = listed(w1);
  ASSERT_NE(n, nullptr);
  ASSERT_TRUE(n->ManagerStatus_.has_value());
  EXPECT_EQ(n->ManagerStatus_->Reachability_, Reachability::Reachable);
  swarm_.set_silent(w1, true);
  EXPECT_FALSE(swarm_.is_manager_with_quorum(m1)) << "a member now: one of two alive is no quorum";
}

}  // namespace
}  // namespace swarmsim::sim
