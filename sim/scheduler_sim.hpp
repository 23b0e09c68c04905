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

#include <string>

#include "model/time.hpp"
#include "sim/cattle_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/random.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

struct HostSim;

class SchedulerSim {
 public:
  // What the scheduler needs from the world around it: the machines (each
  // with its engine and swarmkit-mon container), whether a machine's engine
  // can run the swarmkit-mon image, and its random streams.
  class Env {
   public:
    virtual HostSim& host(HostIndex index) = 0;
    // Pulls the image if needed; false when it has no build for the machine.
    virtual bool pull_and_check_image(HostSim& host) = 0;
    virtual Rng rng_for(const std::string& stream) const = 0;

   protected:
    ~Env() = default;
  };
  SchedulerSim(Env& env, Kernel& kernel, Trace& trace, CattleSim& cattle,
               Duration container_restart_ns)
      : env_(env),
        kernel_(kernel),
        trace_(trace),
        cattle_(cattle),
        restart_ns_(container_restart_ns) {}
  // A new host: start swarmkit-mon after the agent start-up delay.
  void handle_host_added(HostIndex host);
  // The host's engine came back: restart its swarmkit-mon container.
  void handle_host_rebooted(HostIndex host);

  static constexpr Duration kImageRetryNs = 30 * kSecond;
  // Start the host's swarmkit-mon container from its image (see above).
  void start_container(HostIndex host);

 private:
  Env& env_;
  Kernel& kernel_;
  Trace& trace_;
  CattleSim& cattle_;
  Duration restart_ns_;  // after a reboot, before the container starts again
};

}  // namespace swarmsim::sim
