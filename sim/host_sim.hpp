// HostSim: one machine in the Rancher environment, and the identity facts
// that decide whether the legacy removal hook recognises its node.
//
// A host has an architecture, a CPU speed factor that stretches every local
// step (a Raspberry Pi is several times slower than a cloud VM), a clock skew,
// and two hostnames that need not agree: the kernel hostname the OS image
// sets, which the Docker engine reports as Description.Hostname, and the
// hostname the Rancher agent computed and registered in Cattle, which
// metadata `/hosts` shows. The hostname functions below are where the 2017
// mismatch lives: a Pi image that names the machine `pi1.lab` and an agent
// that reports it as is.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/io.hpp"
#include "sim/network_sim.hpp"
#include "sim/scenario.hpp"

namespace swarmsim::sim {

class EngineSim;
class MetadataReplicaSim;
class MonSim;

// The kernel hostname an OS image of this profile gives machine `name`.
std::string kernel_hostname(const std::string& name, const ProfileSpec& profile);
// The hostname the Rancher agent of this profile registers for that machine.
std::string rancher_hostname(const std::string& name, const std::string& kernel_hostname,
                             const ProfileSpec& profile);

// What swarmkit-mon keeps on a machine's disk: kept across container and
// engine restarts, and when the same machine is registered again; a new
// machine starts without it. Only the agent writes it (MonSim::Env::disk).
struct MachineDisk {
  // The worker token saved when it joined.
  std::string saved_worker_token;
  // fixed: the file beside it, the node this machine's engine left behind
  // when its host was deleted in Cattle.
  model::LeftNode saved_left_node;
};

struct HostSim {
  HostSim();
  ~HostSim();
  HostSim(HostSim&&) noexcept;

  std::size_t index = 0;
  std::string name;
  // Names the machine's random streams: its name, with "#2", "#3", ... for
  // later machines of the same name. It depends on nothing else in the
  // scenario, so adding a host leaves every other host's draws as they were.
  std::string stream_key;
  ProfileSpec profile;
  std::string uuid;
  std::string agent_ip;
  std::string seen_addr;  // what managers see it connect from (Status.Addr)
  std::string kernel_hostname;
  std::string rancher_hostname;
  EndpointId endpoint = 0;
  Instant added_at = 0;
  Instant left_rancher_at = -1;  // when its host was last removed or deleted; -1: never
  // The swarmkit-mon image this machine's engine pulled last (the
  // architectures it was built for), and whether the last container start
  // failed on it (exec format error).
  std::optional<std::vector<Arch>> cached_image;
  bool image_fails = false;
  MachineDisk disk;
  bool in_rancher = true;          // false once removed or deleted from Cattle
  bool machine_on = true;          // false once shut down (remove_host) or dead (machine_dies)
  bool container_created = false;  // the scheduler placed swarmkit-mon here
  // swarmkit-mon on this host is a process outside the simulator (`swarmsim
  // serve --external`): the container is placed, but no logic runs in it.
  bool external_agent = false;
  // Every Rancher registration of this machine, oldest first: when, and the
  // host uuid Cattle gave it. A machine re-added with same_machine has several.
  std::vector<std::pair<Instant, std::string>> registrations;

  // The host uuid the machine was registered under at `t` (for a node: when
  // its certificate was issued).
  const std::string& uuid_at(Instant t) const {
    for (auto it = registrations.rbegin(); it != registrations.rend(); ++it)
      if (it->first <= t) return it->second;
    return registrations.front().second;
  }

  std::unique_ptr<EngineSim> engine;
  std::unique_ptr<MetadataReplicaSim> metadata;
  std::unique_ptr<MonSim> mon;

  // The machine's lifecycle. Every timeline handler that stops or starts a
  // machine, its engine or its swarmkit-mon container says so with these,
  // in this order of parts, so that a stop is the same stop everywhere.
  //
  // Shut down or dead: the container, the metadata replica and the engine
  // stop; the disk (saved token, left node, image cache) stays.
  void power_off();
  // Switched back on with its disk: the engine reboots holding its swarm
  // state; the scheduler starts the container again.
  void power_on();
  // The engine crashes and takes the container with it; the machine and
  // its replica stay up until `reboot`.
  void crash();
  void reboot();
  // The container goes (the stack recreates it, or Rancher registers the
  // machine anew and starts another one).
  void stop_agent();
  // Rancher forgets this registration's container and replica; a new
  // registration brings new ones.
  void end_registration();

  // A local step that takes `d` on a reference machine takes this long here.
  Duration stretch(Duration d) const {
    return static_cast<Duration>(static_cast<double>(d) * profile.cpu_factor);
  }
};

}  // namespace swarmsim::sim
