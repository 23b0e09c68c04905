// EngineSim: the Docker engine on one host, as swarmkit-mon sees it through
// the local API socket.
//
// Models: `/info` (LocalNodeState, NodeID, ControlAvailable, Error), swarm
// init, join (a request to a manager over the network, a certificate, then
// registration with the kernel hostname after a delay), leave, and the
// manager-only calls (`GET /nodes`, `GET /nodes/{id}`, `node rm`, role
// updates) that need a manager with quorum. Every local step is stretched
// by the host's CPU factor.
// Faults: the engine crashes and reboots with its swarm state intact; a
// host can be busy after joining and send no heartbeats; a removed node
// learns it was removed on its next contact, and whether `/info` then shows
// `Swarm.Error` is the scenario's `removed_node_sees_error` knob (unverified
// in the real world, so both are modelled).
// The address managers record for the node (Status.Addr) is the one they
// see it connect from: the agent IP, or a NAT or second-interface address
// (the profile's `manager_sees_addr`).
// `swarm init` while the environment has a swarm creates a second one, as a
// real engine does (a split brain); a join goes to the swarm of the manager
// it is sent to.
// Capacity (sim/capacity.hpp): manager-only calls, the certificate request
// of a join and every session registration are served at the leader's
// cores (a follower forwards them: one more network exchange), a
// certificate is signed by the CA's one signer, and a registration takes
// effect at the leader's next batch commit. `docker swarm join` gives up
// waiting after its time-out while the engine's attempt goes on: a
// certificate granted later still makes it a node (at once: the answer's
// way back is not simulated), and a request lost meanwhile (a leader
// change) is made again, 100 ms, then twice as long, up to 30 s apart. A registration not answered
// within the heartbeat deadline, or refused, is retried with the session backoff (100 ms, then 100
// ms + 2x, at most 8 s, a random start in [0, backoff)); more than 3 in 8 s are refused by the rate
// limit. Left out: tasks, images, TLS, the engine's own retries of a join that never reached a
// manager.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "model/io.hpp"
#include "sim/kernel.hpp"
#include "sim/network_sim.hpp"
#include "sim/random.hpp"
#include "sim/rpc_sim.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

struct HostSim;

class EngineSim {
 public:
  // What an engine needs from the world around it, and nothing else: the
  // machines (its own; the manager a join goes to; the leader's, whose
  // reachability decides heartbeats), the swarms, and a word when this
  // machine's heartbeats may have changed. The world implements it; a test
  // can implement it with one machine and one swarm.
  class Env {
   public:
    // The machines, to read: an engine changes nothing of a machine but
    // itself, and tells the world what happened through the calls below.
    virtual const HostSim& host(HostIndex index) = 0;
    virtual const HostSim* host_at_addr(const std::string& addr) = 0;  // "ip" or "ip:port"
    virtual SwarmSim& swarm(std::size_t number) = 0;
    // The swarm a `swarm init` creates; `splits` when another one exists.
    virtual std::size_t swarm_for_init(bool& splits) = 0;
    virtual void swarm_split(const SwarmSim& created, HostIndex host) = 0;
    virtual void heartbeats_changed(HostIndex host) = 0;
    // This machine's engine learnt a node ID (it holds the node now), or
    // left the swarm holding one because its swarmkit-mon asked it to.
    virtual void node_id_learnt(HostIndex host, const std::string& node_id) = 0;
    virtual void left_swarm_by_logic(HostIndex host, const std::string& node_id) = 0;
    virtual Rng rng_for(const std::string& stream) const = 0;

   protected:
    ~Env() = default;
  };
  struct Options {
    Duration api_latency_ns = 0;   // a local API call, before the CPU factor
    Duration join_timeout_ns = 0;  // the join request to the manager
    Distribution registration_delay;
    bool removed_node_sees_error = false;
  };
  EngineSim(Env& env, Kernel& kernel, Trace& trace, NetworkSim& network, RpcSim& rpc,
            Options options, HostIndex host);

  bool up() const { return up_; }
  const std::string& node_id() const { return node_id_; }
  // The swarm this engine is in (SwarmSim::number), if any.
  std::optional<std::size_t> swarm_number() const { return swarm_; }
  model::LocalNodeState local_state() const { return local_; }
  // Sends heartbeats that the swarm leader can receive.
  bool heartbeating() const;
  model::SwarmInfo info() const;

  // Serves one Docker API call from the local swarmkit-mon.
  void handle(const model::Call& call, const std::function<void(model::Response)>& reply);
  // The swarm removed this engine's node.
  void handle_node_removed(const std::string& node_id);
  // Its session ended (`why`: heartbeats unanswered by a deaf leader, or a
  // new leader): the engine registers again, backing off from 100 ms to
  // 8 s, until a registration is answered in time. No heartbeats meanwhile.
  void session_lost(std::string_view why = "heartbeats unanswered");
  bool session_lost_now() const { return session_lost_; }
  std::uint64_t registrations_refused() const { return registrations_refused_; }
  std::uint64_t sessions_lost() const { return sessions_lost_; }
  static constexpr Duration kInitialSessionBackoff = 100 * kMillisecond;
  static constexpr Duration kMaxSessionBackoff = 8 * kSecond;
  static constexpr Duration kRegistrationRatePeriod = 8 * kSecond;
  static constexpr Duration kInitialReconnectDelay =
      100 * kMillisecond;  // a join in the background
  static constexpr Duration kMaxReconnectDelay = 30 * kSecond;

  void crash();
  void reboot();
  void shut_down() { crash(); }

 private:
  model::Response serve(const model::Call& call);
  void join(const model::SwarmJoin& req, const std::function<void(model::Response)>& reply);
  void learn_removed();
  void schedule_registration();
  // A session registration at the leader, after `wait`; retried with the
  // session backoff until one is answered before its deadline.
  void register_session(Duration wait, Duration backoff, std::uint64_t epoch,
                        const std::shared_ptr<Rng>& rng);
  void registered();  // the leader committed this engine's registration
  // A manager-only call served at the leader's cores: queued there, across
  // the network when this engine is a follower; the control API's time-out.
  void to_leader(const model::Call& call, const std::function<void(model::Response)>& reply);
  // A join granted after `docker swarm join` gave up waiting: the engine's
  // background attempt still takes it.
  void granted(std::uint64_t attempt, std::size_t swarm, const std::string& node_id);
  // One `docker swarm join`, as the engine and the managers know it:
  // whether the request reached a manager, was granted, and whether the
  // CLI stopped waiting first (then the join goes on in the background).
  struct JoinAttempt {
    std::uint64_t attempt = 0;
    HostIndex target = 0;
    bool reached = false, issued = false, gave_up = false;
    std::size_t swarm = 0;
    std::string node_id;
  };
  void join_in_background(
      const std::shared_ptr<JoinAttempt>& a,
      const std::shared_ptr<const std::function<void(const RpcSim::Answer&)>>& serve,
      Duration backoff);
  bool manager_here() const;  // a manager whose raft group has its quorum
  bool control_available() const;
  const HostSim& host() const;
  SwarmSim* swarm() const;  // the swarm this engine is in

  Env& env_;
  Kernel& kernel_;
  Trace& trace_;
  NetworkSim& network_;
  RpcSim& rpc_;
  Options options_;
  HostIndex host_;
  bool up_ = true;
  model::LocalNodeState local_ = model::LocalNodeState::Inactive;
  std::string node_id_;
  std::optional<std::size_t> swarm_;
  std::string error_;
  Instant busy_until_ = 0;
  std::uint64_t join_attempt_ = 0;
  bool session_lost_ = false;
  std::uint64_t session_epoch_ = 0;                      // a crash or a new node ends the retries
  Instant registrations_[3] = {-kHour, -kHour, -kHour};  // the last three, for the rate limit
  std::uint64_t registrations_refused_ = 0;
  std::uint64_t sessions_lost_ = 0;
};

}  // namespace swarmsim::sim
