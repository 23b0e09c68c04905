#include "sim/scheduler_sim.hpp"

#include <fmt/format.h>

#include "sim/engine_sim.hpp"
#include "sim/host_sim.hpp"
#include "sim/mon_sim.hpp"
#include "sim/streams.hpp"

namespace swarmsim::sim {

void SchedulerSim::handle_host_added(HostIndex index) {
  HostSim& h = env_.host(index);
  Rng rng = env_.rng_for(streams::agent_startup(h.stream_key, h.registrations.size()));
  const Duration delay = h.stretch(h.profile.agent_startup.sample(rng));
  const std::string uuid = h.uuid;
  kernel_.schedule_after(delay, [this, index, uuid] {
    HostSim& host = env_.host(index);
    // Placed on this registration of the host only: not after it left
    // Rancher, nor on a later registration of the same machine.
    if (!host.in_rancher || host.uuid != uuid) return;
    cattle_.add_container(kernel_.now(), host.uuid);
    host.container_created = true;
    trace_.record(kernel_.now(), TraceKind::AgentStarted, host.name, "",
                  "swarmkit-mon container scheduled");
    if (host.engine->up()) start_container(index);
  });
}

// The engine starts the container from the image it has (pulling it first
// if it must); an image without this machine's architecture exits at once,
// and the container is started again after the restart delay, for as long
// as the host is in Rancher and the engine is up.
void SchedulerSim::start_container(HostIndex index) {
  HostSim& host = env_.host(index);
  if (env_.pull_and_check_image(host)) {
    host.mon->start();
    return;
  }
  trace_.record(kernel_.now(), TraceKind::Fault, host.name, "",
                fmt::format("swarmkit-mon exits at once: exec format error (the image "
                            "has no {} build)",
                            to_string(host.profile.arch)));
  const std::string uuid = host.uuid;
  kernel_.schedule_after(host.stretch(kImageRetryNs), [this, index, uuid] {
    HostSim& h = env_.host(index);
    if (!h.in_rancher || h.uuid != uuid || !h.machine_on || !h.engine->up() || h.mon->running())
      return;
    start_container(index);
  });
}

// The engine's restart policy brings the container back after a reboot,
// whether or not the host is still in Rancher: a host deleted in Cattle
// keeps its machine, and the machine its containers.
void SchedulerSim::handle_host_rebooted(HostIndex index) {
  HostSim& h = env_.host(index);
  if (!h.container_created) return;
  kernel_.schedule_after(h.stretch(restart_ns_), [this, index] {
    HostSim& host = env_.host(index);
    if (!host.container_created || !host.machine_on || !host.engine->up() || host.mon->running())
      return;
    trace_.record(kernel_.now(), TraceKind::AgentStarted, host.name, "",
                  "swarmkit-mon container restarted");
    start_container(index);
  });
}

}  // namespace swarmsim::sim
