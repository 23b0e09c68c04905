// The Docker engine fake on its own, without a World: a stub Env with two
// machines and one swarm stands in for the rest. This is what the fakes'
// narrow ports are for: each is tested alone, and the world is wiring.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/engine_sim.hpp"
#include "sim/host_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/network_sim.hpp"
#include "sim/rpc_sim.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {
namespace {

class TwoMachines final : public EngineSim::Env {
 public:
  TwoMachines() : network_(kernel_, 1, {LinkClassSpec{}}), rpc_(kernel_, network_) {
    spec_.registration_delay = Distribution::constant(kSecond);
    swarm_ = std::make_unique<SwarmSim>(kernel_, trace_, spec_, 1, 0);
    for (int i = 0; i < 2; ++i) {
      HostSim h;
      h.index = static_cast<HostIndex>(i);
      h.name = i == 0 ? "vm0" : "pi1";
      h.stream_key = h.name;
      h.agent_ip = i == 0 ? "10.0.0.1" : "10.0.0.2";
      h.seen_addr = h.agent_ip;
      h.kernel_hostname = h.name;
      h.endpoint = network_.add_endpoint(h.name, LinkClassSpec{}.name);
      hosts_.push_back(std::move(h));
    }
    for (auto& h : hosts_)
      h.engine = std::make_unique<EngineSim>(
          *this, kernel_, trace_, network_, rpc_,
          EngineSim::Options{kMillisecond, 20 * kSecond, spec_.registration_delay, false}, h.index);
  }

  HostSim& host(HostIndex index) override { return hosts_[index]; }
  HostSim* host_at_addr(const std::string& addr) override {
    for (auto& h : hosts_)
      if (addr.rfind(h.agent_ip, 0) == 0) return &h;
    return nullptr;
  }
  SwarmSim& swarm(std::size_t) override { return *swarm_; }
  std::size_t swarm_for_init(bool& splits) override {
    splits = false;
    return 0;
  }
  void swarm_split(const SwarmSim&, HostIndex) override { ++splits_; }
  void heartbeats_changed(HostIndex host) override { ++heartbeat_checks_[host]; }
  void node_id_learnt(HostIndex host, const std::string& node_id) override {
    learnt_.emplace_back(host, node_id);
  }
  void left_swarm_by_logic(HostIndex host, const std::string& node_id) override {
    left_.emplace_back(host, node_id);
  }
  Rng rng_for(const std::string& stream) const override { return Rng::substream(1, stream); }

  // Calls the engine of `host` the way swarmkit-mon does, and runs the
  // kernel until the reply.
  model::Response call(HostIndex host, model::Request request) {
    std::optional<model::Response> got;
    hosts_[host].engine->handle(model::Call{1, std::move(request), "", false, 0},
                                [&](model::Response r) { got = std::move(r); });
    while (!got && kernel_.step()) {
    }
    EXPECT_TRUE(got.has_value());
    return got ? *got : model::Response{model::ApiError{0, "no reply"}};
  }

  Kernel kernel_;
  Trace trace_;
  SwarmSpec spec_;
  NetworkSim network_;
  RpcSim rpc_;
  std::unique_ptr<SwarmSim> swarm_;
  std::vector<HostSim> hosts_;
  int splits_ = 0;
  std::map<HostIndex, int> heartbeat_checks_;
  std::vector<std::pair<HostIndex, std::string>> learnt_, left_;
};

TEST(EngineAlone, InitJoinAndLeaveThroughItsApiOnly) {
  TwoMachines w;
  ASSERT_TRUE(std::holds_alternative<model::Ok>(w.call(0, model::SwarmInit{"10.0.0.1:2377"})));
  const auto info = std::get<model::SwarmInfo>(w.call(0, model::GetInfo{}));
  EXPECT_TRUE(info.ControlAvailable) << "the engine that made the swarm manages it";
  const std::string vm_id = w.hosts_[0].engine->node_id();
  EXPECT_GT(w.heartbeat_checks_[0], 0) << "the world heard that its heartbeats changed";

  const auto tokens = std::get<model::JoinTokens>(w.call(0, model::GetSwarm{}));
  const auto joined =
      w.call(1, model::SwarmJoin{tokens.Worker, "10.0.0.2:2377", {"10.0.0.1:2377"}});
  ASSERT_TRUE(std::holds_alternative<model::Ok>(joined));
  EXPECT_EQ(w.hosts_[1].engine->local_state(), model::LocalNodeState::Active);
  EXPECT_FALSE(std::get<model::SwarmInfo>(w.call(1, model::GetInfo{})).ControlAvailable);
  w.kernel_.run_until(w.kernel_.now() + 2 * kSecond);  // registration

  const auto nodes = std::get<model::NodeList>(w.call(0, model::ListNodes{}));
  ASSERT_EQ(nodes.size(), 2u);
  const model::Node* pi = nodes.find(w.hosts_[1].engine->node_id());
  ASSERT_NE(pi, nullptr);
  EXPECT_EQ(pi->Description.Hostname, "pi1");
  EXPECT_EQ(pi->Spec.Role, model::NodeRole::Worker);

  EXPECT_TRUE(std::holds_alternative<model::ApiError>(w.call(1, model::ListNodes{})))
      << "a worker cannot list nodes";
  const std::string pi_id = w.hosts_[1].engine->node_id();
  ASSERT_TRUE(std::holds_alternative<model::Ok>(w.call(1, model::SwarmLeave{true})));
  EXPECT_EQ(w.hosts_[1].engine->local_state(), model::LocalNodeState::Inactive);
  EXPECT_EQ(w.splits_, 0);
  // What ties the nodes to their machines reaches the world, not the machine.
  using Told = std::vector<std::pair<HostIndex, std::string>>;
  EXPECT_EQ(w.learnt_, (Told{{0, vm_id}, {1, pi_id}}))
      << "the creator learnt its node, the joiner its own";
  EXPECT_EQ(w.left_, (Told{{1, pi_id}})) << "the leave was asked for, not a removal";
}

TEST(EngineAlone, AJoinWithAWrongTokenIsRefused) {
  TwoMachines w;
  ASSERT_TRUE(std::holds_alternative<model::Ok>(w.call(0, model::SwarmInit{"10.0.0.1:2377"})));
  const auto r = w.call(1, model::SwarmJoin{"SWMTKN-1-wrong", "10.0.0.2:2377", {"10.0.0.1:2377"}});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(r));
  EXPECT_EQ(w.hosts_[1].engine->local_state(), model::LocalNodeState::Inactive);
  EXPECT_EQ(w.rpc_.in_flight(), 0u) << "an exchange is given back at its reply";
  // The leader serves a join later (its cores, then the signer), so the
  // exchange's time-out was scheduled; the reply cancelled it, and nothing
  // is left to run.
  const auto ran = w.kernel_.events_run();
  while (w.kernel_.step()) {
  }
  EXPECT_EQ(w.kernel_.events_run(), ran);
}

}  // namespace
}  // namespace swarmsim::sim
