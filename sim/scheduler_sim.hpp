// SchedulerSim: the part of Rancher's scheduler that matters here. When a
// host is added, its Rancher agent starts, registers, and only then does the
// scheduler create the swarmkit-mon container on it (a global service), with
// the next create_index. The delay is the profile's `agent_startup`, stretched
// by the host's CPU factor: a Pi pulling the agent image off an SD card is
// slow. After a crash the container restarts when the engine is back.
//
// The container runs the swarmkit-mon image the engine pulled (see
// StackSpec): one built without the host's architecture exits with an exec
// format error, and Rancher starts it again every kImageRetryNs.
//
// Faults: none of its own; the delay distribution and the image are the
// knobs. A stack upgrade (World::upgrade_stack) recreates containers and
// starts them through start_container. Left out: scheduling of other
// services, health checks.
#pragma once

#include "model/time.hpp"
#include "sim/swarm_sim.hpp"

namespace swarmsim::sim {

class World;

class SchedulerSim {
 public:
  explicit SchedulerSim(World& world) : world_(world) {}
  // A new host: start swarmkit-mon after the agent start-up delay.
  void handle_host_added(HostIndex host);
  // The host's engine came back: restart its swarmkit-mon container.
  void handle_host_rebooted(HostIndex host);

  static constexpr Duration kImageRetryNs = 30 * kSecond;
  // Start the host's swarmkit-mon container from its image (see above).
  void start_container(HostIndex host);

 private:
  World& world_;
};

}  // namespace swarmsim::sim
