// World: the whole simulated Rancher environment, wired together.
//
// It owns the kernel, the network, Cattle, the swarm, and every host with
// its engine, metadata replica and swarmkit-mon container, and it applies
// the scenario's timeline (host additions and removals, crashes, partitions,
// metadata stalls and empty answers). The Rancher scheduler's one job that
// matters here, starting swarmkit-mon on a new host after the agent's
// start-up delay, lives in scheduler_sim.cpp.
//
// Request/response exchanges that cross the network go through rpc() (see
// RpcSim: retransmitted when lost, as TCP would).
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/io.hpp"
#include "model/removal_policy.hpp"
#include "model/swarmkit_mon.hpp"
#include "sim/cattle_sim.hpp"
#include "sim/engine_sim.hpp"
#include "sim/host_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/mon_sim.hpp"
#include "sim/network_sim.hpp"
#include "sim/random.hpp"
#include "sim/rpc_sim.hpp"
#include "sim/scenario.hpp"
#include "sim/scheduler_sim.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/trace.hpp"
#include "sim/world_event.hpp"

namespace swarmsim::sim {

struct WorldOptions {
  std::uint64_t seed = 1;
  model::RemovalPolicy policy;
  bool keep_trace = true;
  bool keep_calls = true;  // with keep_trace: the calls and reloads too (Trace)
  Duration engine_api_latency_ns = 2 * kMillisecond;    // local Docker API call (before stretch)
  Duration metadata_api_latency_ns = 1 * kMillisecond;  // local metadata read (before stretch)
  Duration cattle_timeout_ns = 10 * kSecond;
  Duration join_timeout_ns = 20 * kSecond;
  Duration probe_timeout_ns = 2 * kSecond;
  Duration container_restart_ns = 5 * kSecond;  // after a reboot (before stretch)
  // Hosts whose swarmkit-mon runs outside (`swarmsim serve --external`).
  std::set<std::string> external_agents;
  // Called with every metadata lag and network delay drawn (the stream's
  // name and the value), for tests that check the streams stay apart.
  std::function<void(const std::string& stream, Duration value)> on_draw;
};

// The address the Rancher agent reports for the `index`-th machine added.
std::string agent_ip_for(std::size_t index);
// The addresses the timeline will give its machines, in the order they are
// added: (host name, agent_ip). Exact as long as every addition takes place
// when its turn comes, which only a name added again while its host is
// still in Rancher prevents (World skips such an addition, and so does this).
// `swarmsim serve` prints them before the world starts, so that an outside
// agent can be told where each manager's port 2377 is.
std::vector<std::pair<std::string, std::string>> planned_agent_ips(const ScenarioSpec& spec);

// The world is the wiring: it owns every part and answers each fake's Env,
// the short list of what that fake needs from the rest.
class World final : public EngineSim::Env, public MonSim::Env, public SchedulerSim::Env {
 public:
  World(const ScenarioSpec& spec, WorldOptions options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // The scenario timeline.
  void apply(const EventSpec& e);

  // Network request/response with a timeout; `serve` runs at the receiver,
  // once. Lost messages are retransmitted as TCP would.
  static constexpr Duration kRetransmitTimeoutNs = RpcSim::kRetransmitTimeoutNs;
  static constexpr Duration kUpgradeIntervalNs = kStackUpgradeIntervalNs;
  void rpc(EndpointId from, EndpointId to, std::function<model::Response()> serve,
           std::function<void(model::Response)> on_reply, Duration timeout);

  // Heartbeats follow engines, partitions and busy windows: recompute which
  // nodes are silent after any of those changes.
  // Every running metadata replica replays the reloads due by now (they
  // are otherwise worked out when read): the end of a run calls it, so that
  // the trace and its digest hold every reload.
  void catch_up_replicas();
  void release_old_versions();
  void refresh_heartbeats();
  // After a change to one machine's engine, or to a node held there.
  void refresh_heartbeats(HostIndex host);

  // ---- accessors ----
  Kernel& kernel() { return kernel_; }
  const Kernel& kernel() const { return kernel_; }
  Trace& trace() { return trace_; }
  const Trace& trace() const { return trace_; }
  NetworkSim& network() { return *network_; }
  CattleSim& cattle() { return cattle_; }
  const CattleSim& cattle() const { return cattle_; }
  // The environment's swarm: the one whose join tokens Cattle publishes
  // (the one new hosts join), else the first. Only a second `swarm init`
  // makes more than one (see swarm_sim.hpp).
  SwarmSim& swarm() { return *swarms_[environment_swarm()]; }
  const SwarmSim& swarm() const { return *swarms_[environment_swarm()]; }
  SwarmSim& swarm(std::size_t number) override { return *swarms_[number]; }
  const SwarmSim& swarm(std::size_t number) const { return *swarms_[number]; }
  std::size_t swarm_count() const { return swarms_.size(); }
  // A `swarm init` on an engine in no swarm: the first swarm if it has never
  // been created, else a new one; `splits`: another swarm still has managers.
  std::size_t swarm_for_init(bool& splits) override;
  const ScenarioSpec& spec() const { return spec_; }
  const WorldOptions& options() const { return options_; }
  EndpointId rancher_server() const { return server_; }

  std::vector<HostSim>& hosts() { return hosts_; }
  const std::vector<HostSim>& hosts() const { return hosts_; }
  HostSim* host_named(const std::string& name);  // the current host of that name
  // The current host of that name, or else the last machine of that name
  // while it runs (its host deleted in Cattle).
  HostSim* machine_named(const std::string& name);
  // Events of the whole environment (publish_image) are filed under this index.
  static constexpr HostIndex kNoHost = static_cast<HostIndex>(-1);
  // The last timeline event of one of `kinds` that touched machine `host`
  // at or before `at` ("machine_dies vm0 at 03:00.000"), for the reports
  // that name what the world did; empty if none.
  const std::string& world_event_before(HostIndex host, Instant at,
                                        std::initializer_list<EventKind> kinds) const;
  HostSim* host_at_addr(const std::string& addr) override;  // "ip" or "ip:port"
  HostSim& host(HostIndex index) override { return hosts_[index]; }
  MachineDisk& disk(HostIndex index) override { return hosts_[index].disk; }
  Rng rng_for(const std::string& component) const override {
    return Rng::substream(options_.seed, component);
  }
  CattleCapacity& cattle_capacity() override { return cattle_capacity_; }

  // Set when the logic or the simulator hit an impossible state; the run
  // ends as an internal error.
  void report_internal_fault(std::string what) override;
  // The stack: the container start of swarmkit-mon on `h` pulls the image if
  // it must (not cached, or always_pull) and says whether it runs there.
  bool pull_and_check_image(HostSim& h) override;
  // Whether a whole-host PUT of an older copy ever reverted host `uuid`'s
  // claim on `node_id` (the fixed policy's binding label).
  // When it last did; nothing if never.
  // Departure notes a whole-service PUT dropped, in order.
  struct LostNote {
    std::string node_id, host_uuid;
    Instant at = 0;
  };
  const std::vector<LostNote>& lost_notes() const { return lost_notes_; }
  std::optional<Instant> claim_reverted_at(const std::string& uuid,
                                           const std::string& node_id) const {
    auto it = reverted_claims_.find({uuid, node_id});
    if (it == reverted_claims_.end()) return std::nullopt;
    return it->second;
  }
  const std::optional<std::string>& internal_fault() const { return internal_fault_; }
  // Every metadata replica ever started, retired ones included.
  std::vector<MetadataReplicaSim*> all_replicas() {
    std::vector<MetadataReplicaSim*> out;
    for (auto& h : hosts_)
      if (h.metadata) out.push_back(h.metadata.get());
    for (auto& r : retired_replicas_) out.push_back(r.get());
    return out;
  }
  // How many times a swarm's leader went deaf to heartbeats.
  std::uint64_t deaf_episodes(std::size_t swarm) const { return deafness_[swarm].episodes; }
  // MANAGER_SCALE of the stack as last deployed (an upgrade may change it).
  int manager_scale() const { return manager_scale_; }

  // The checkers and the metrics register here (sim/world_event.hpp); the
  // world must outlive them.
  void observe(WorldObserver& observer) { observers_.push_back(&observer); }
  // A loop of swarmkit-mon on `host` ran to its end holding `node_id`: the
  // built-in agent's MonSim says so, and `serve` for an outside agent.
  void loop_ran_to_end(HostIndex host, const std::string& node_id, Instant started) override {
    tell(LoopRanToEnd{host, node_id, started});
  }

 private:
  // The rest of the fakes' Env.
  void tell(const WorldEvent& e) {
    for (WorldObserver* o : observers_) o->on(e);
  }
  void swarm_split(const SwarmSim& created, HostIndex host) override {
    tell(SwarmSplit{created, host});
  }
  void heartbeats_changed(HostIndex host) override {
    refresh_heartbeats(host);
    host_changed(host);
  }
  void host_changed(HostIndex host) { tell(HostChanged{host}); }
  void call_made(HostIndex host, const model::Request& request, bool leader) override {
    tell(CallMade{host, request, leader});
  }
  void read_decided(HostIndex host, std::uint64_t pass, Instant as_of, bool of_hosts) override {
    tell(DecisiveReadAnswered{host, pass, as_of, of_hosts});
  }
  void read_failed(HostIndex host, std::uint64_t pass, const std::string& what) override {
    tell(DecisiveReadFailed{host, pass, what});
  }
  void node_id_learnt(HostIndex host, const std::string& node_id) override {
    tell(NodeIdLearnt{host, node_id});
  }
  void left_swarm_by_logic(HostIndex host, const std::string& node_id) override {
    tell(LeftSwarmByLogic{host, node_id});
  }
  void tie_write_begun(HostIndex host, const std::string& node_id) override {
    tell(TieWriteBegun{host, node_id});
  }

  void note_world_event(const HostSim& h, const EventSpec& e);
  void skipped(const EventSpec& e, const std::string& why);
  struct AppliedEvent {
    Instant at = 0;
    EventKind kind = EventKind::AddHost;
    std::string what;
  };
  std::map<HostIndex, std::vector<AppliedEvent>> world_events_;
  void add_host(const EventSpec& e);
  void readd_machine(const std::string& name);
  void register_in_rancher(HostSim& h, const std::string& how);
  model::MonOptions mon_options() const;
  std::string seen_address(const HostSim& h, const ProfileSpec& profile) const;
  void remove_host(HostSim& h);
  void delete_host(HostSim& h);
  void machine_dies(HostSim& h);
  void edit_labels(HostSim& h, const EventSpec& e);
  void upgrade_stack(const EventSpec& e);
  void crash_host(HostSim& h, Duration for_ns);
  void start_partition(const std::vector<std::string>& names, Duration for_ns);
  void handle_node_removed(const SwarmNodeRecord& n, const SwarmOrigin& origin);
  std::size_t add_swarm();
  // The leader's heartbeats (world_capacity.cpp): a leader that cannot
  // answer them in time ends every worker's session. Looked at after every
  // change of its load, acted on at most once a second.
  struct Deafness {
    bool deaf = false;
    bool check_pending = false;
    Instant changed_at = -kHour;
    std::uint64_t episodes = 0;
  };
  std::vector<Deafness> deafness_;  // per swarm
  void leader_load_changed(std::size_t swarm);
  void apply_deafness(std::size_t swarm);
  void end_worker_sessions(std::size_t swarm, std::string_view why);
  // Observers hear every answer, refusal and loss of `server`.
  void watch_answers(ServerSim& server);
  void leader_changed(std::size_t swarm);
  std::size_t environment_swarm() const;

  ScenarioSpec spec_;
  WorldOptions options_;
  Kernel kernel_;
  Trace trace_;
  std::unique_ptr<NetworkSim> network_;
  std::unique_ptr<RpcSim> rpc_;  // after network_: it holds a reference to it
  CattleSim cattle_;
  CattleCapacity cattle_capacity_{kernel_, spec_.servers.cattle_api};
  std::vector<std::unique_ptr<SwarmSim>> swarms_;  // in creation order
  // Every machine ever added; a name re-added as a new machine is a new
  // entry, a name re-added with same_machine reuses its machine's entry.
  std::vector<HostSim> hosts_;
  std::unordered_map<std::string, std::size_t> current_by_name_;   // hosts in Rancher now
  std::unordered_map<std::string, std::size_t> machines_by_name_;  // the last machine of each name
  std::map<std::string, int> machines_named_;  // how many machines had each name
  // Replicas of earlier registrations of a re-added machine: stopped, but
  // kept alive for the reload timers they may still have pending.
  std::vector<std::unique_ptr<MetadataReplicaSim>> retired_replicas_;
  // Per swarm: the leader every node's silence was last checked against.
  std::vector<std::optional<std::string>> refreshed_leader_;
  std::size_t next_release_at_ = 4096;  // Cattle history size of the next release_old_versions
  void refresh_swarm(std::size_t swarm, int passes);
  bool beating(const SwarmSim& swarm, const std::string& id, HostIndex host) const;
  std::unordered_map<std::string, std::size_t> by_addr_;
  SchedulerSim scheduler_{*this, kernel_, trace_, cattle_, options_.container_restart_ns};
  EndpointId server_ = 0;
  std::optional<std::string> internal_fault_;
  std::map<std::pair<std::string, std::string>, Instant> reverted_claims_;
  std::vector<LostNote> lost_notes_;
  std::vector<WorldObserver*> observers_;  // (host uuid, node ID)
  std::vector<Arch> image_arches_;         // what the registry holds under the image's tag now
  int manager_scale_ = 3;                  // MANAGER_SCALE of the stack as last deployed
};

}  // namespace swarmsim::sim
