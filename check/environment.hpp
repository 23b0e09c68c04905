// Generated environments: the plain data RapidCheck generates and shrinks,
// and its translation into a scenario the simulator runs.
//
// A case is a leader VM (x86_64, cloud link, added at t=0), the other "core"
// hosts that start with it (MANAGER_SCALE - 1 of them), and late hosts that
// join once the core is up. Every host carries its own profile and its own
// faults, so that when the shrinker drops a host, its events go with it.
// Every number shrinks towards the benign end: fewer hosts, no faults, short
// lags, matching hostnames, no loss.
//
// Late hosts are removed from Rancher, deleted in Cattle while their
// machines run on, re-added, or die, each as it asks (`removed_together`
// puts every removal at one instant, so that one reconcile pass finds
// several nodes to remove and a policy's bound per pass matters). The core
// hosts, the managers that matter most, are not spared either: up to two
// `core_losses` take one each, the leader included (its machine dies for
// good or for a while, its host is deleted in Cattle while the machine runs,
// with its own replica stalled meanwhile, or it is removed). Where that
// takes a majority of the managers too fast for any policy to replace them,
// the checkers say so (sim/quorum_checker.hpp): the case is inconclusive,
// not spared.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace swarmsim::check {

struct Window {
  int at_s = 0;   // after the host was added
  int for_s = 1;  // length of the fault
};

struct HostCase {
  bool aarch64 = false;
  int cpu_tenths = 10;  // cpu_factor x 10 (aarch64 only; x86_64 stays at 1.0)
  sim::HostnameStyle style = sim::HostnameStyle::Short;
  sim::AgentHostnameRule rule = sim::AgentHostnameRule::Kernel;
  // A kernel hostname written out (index into kCustomHostnames, plus one;
  // 0: the style's): names several hosts share, reverse-DNS FQDNs.
  int custom_hostname = 0;
  bool edge = false;  // on the edge link rather than the cloud LAN
  // The address the managers see for the host's node (Status.Addr): its
  // agent IP, its site's NAT address, or a second interface (not the leader).
  sim::SeenAddr seen_addr = sim::SeenAddr::AgentIp;
  int lag_ms = 1;                     // metadata lag: uniform [lag_ms/4, lag_ms]
  int empty_permille = 0;             // per /hosts answer: empty body
  int startup_s = 1;                  // agent start-up before stretching
  int busy_s = 0;                     // busy after join before stretching: no heartbeats
  int skew_s = 0;                     // clock skew
  int add_offset_s = 0;               // late hosts: added this long after the core is up
  std::optional<int> remove_after_s;  // late hosts: removed from Rancher
  bool machine_runs_on = false;       // ... deleted in Cattle only: the machine keeps running
  std::optional<int> readd_after_s;   // ... and added again under the same name
  bool same_machine = false;          // ... as the same machine (agent IP, swarm state)
  // ... deleted with the machine running on and not added again: the
  // machine crashes and restarts (agent and all) this long after its agent
  // had a loop and its metadata lag to leave, so that the restarted agent
  // must recall from the disk which node its engine left behind.
  std::optional<int> restart_after_leave_s;
  std::optional<int> dies_after_s;  // late hosts not removed: the machine dies for good
  std::optional<Window> crash;
  std::optional<Window> stall;      // metadata replica stops reloading
  std::optional<Window> empty;      // metadata /hosts answers empty
  std::optional<Window> partition;  // this host cut off from everybody
  // The operator edits the host in the Rancher UI: the dialog opens at_s
  // after the host's agent starts (minus 5 s, so it can open just before
  // the first labels are written) and saves for_s later, putting back the
  // labels it loaded: whatever swarmkit-mon wrote meanwhile is lost.
  std::optional<Window> ui_edit;
  // Late hosts: the late host before it again (machine, start-up, addition
  // and removal), so that two agents run in step: deleted together with
  // their machines running on, their departure notes race.
  bool twin = false;
};

// A join storm: `count` plain aarch64 workers on the edge link, nothing
// wrong with their names or their hosts, arriving as a host group (see
// sim::HostGroupSpec): all at once, uniformly in a window, or as a Poisson
// process at `count` per window on average. Many Cattle changes close
// together, many joins for the leader to take, many promotions to pick from.
struct JoinBurst {
  int count = 2;
  int from_s = 60;
  int over_s = 0;        // 0: all at once at from_s
  bool poisson = false;  // with over_s > 0: Poisson arrivals instead of uniform
  int lag_ms = 1;        // their replicas' metadata lag, as HostCase::lag_ms
};

// A core host lost: the world's worst day for the managers.
enum class CoreLossKind {
  Dies,     // the machine dies for good; its host stays in Cattle
  Reboots,  // the machine is off for for_s, then boots again
  Deleted,  // the host is deleted in Cattle; the machine runs on
  Removed,  // the host is removed from Rancher and the machine shut down
};
struct CoreLoss {
  int host = 0;  // which core host, modulo their number (0: vm0, which leads first)
  CoreLossKind kind = CoreLossKind::Dies;
  int at_s = 0;    // after the core is up
  int for_s = 30;  // Reboots: how long the machine is off; Deleted: see stall_replica
  // Deleted: the host's own metadata replica stalls from a second before
  // the deletion, for for_s, so that its swarmkit-mon, leader or not, goes
  // on reading its host as it was.
  bool stall_replica = false;
  // Deleted: the machine, running on without its host, is then cut off
  // (odd at_s) or crashes (even at_s) for for_s, at_s after the deletion.
  std::optional<Window> then;
};

// The control plane's capacity (sim::ServersSpec): the defaults, or a level
// of overload per server. Level 0 is the default; each level above divides
// the cores or workers and the queue, and multiplies the costs (5, 25, 100
// times), so that joins, storms and reloads queue, time out and are refused,
// while one request on an idle server still fits in its caller's time-out.
struct ServerCase {
  int leader_level = 0;    // 0..3
  int cattle_level = 0;    // 0..3
  int metadata_level = 0;  // 0..3: the replicas' reload costs, 5, 25, 100 times
};
// The servers of `c` applied to the defaults in `v`.
void overload(sim::ServersSpec& v, const ServerCase& c);

struct EnvCase {
  int seed = 1;      // the simulation seed the case runs under
  int managers = 1;  // MANAGER_SCALE, 1..3
  int loop_s = 30;   // reconcile interval
  int edge_latency_ms = 1;
  int edge_loss_permille = 0;
  int edge_dup_permille = 0;
  int edge_reorder_permille = 0;
  bool removed_together = false;  // one manager: every removal at one instant
  // The swarm stack: the image's tag is pushed again built for x86_64 only,
  // this long after the start; with always_pull every container start
  // pulls it, else only hosts without a copy do.
  std::optional<int> image_x86_only_at_s;
  bool always_pull = false;
  // Rancher's rolling upgrade of the stack this long after the start: every
  // swarmkit-mon container recreated, with a new MANAGER_SCALE if above 0.
  std::optional<int> upgrade_at_s;
  int upgrade_manager_scale = 0;
  HostCase leader;
  std::vector<HostCase> others;       // the first most_managers-1 are core hosts
  std::optional<JoinBurst> burst;     // drawn only with GenOptions::join_bursts
  std::vector<CoreLoss> core_losses;  // at most one per core host is applied
  int cattle_error_permille = 0;      // CattleSpec::write_error_p x 1000
  int cattle_timeout_permille = 0;    // CattleSpec::write_timeout_p x 1000
  ServerCase servers;                 // drawn last
};

// Kernel hostnames the generators write out, as the 2017 fleets had them:
// the image defaults several Pis shared, and FQDNs from reverse DNS.
inline constexpr const char* kCustomHostnames[] = {"black-pearl", "raspberrypi",
                                                   "pi-07.edge.example", "Black-Pearl"};

std::string host_name(const EnvCase& c, std::size_t index);  // 0 = leader
bool is_core(const EnvCase& c, std::size_t index);
// MANAGER_SCALE at its highest over the run (a stack upgrade may raise it).
int most_managers(const EnvCase& c);

// The scenario this case describes. Deterministic; validate() accepts it.
sim::ScenarioSpec to_scenario(const EnvCase& c, const std::string& name = "generated");

// Tags describing what a case contains, for RC_TAG distributions:
// mechanisms (hostname mismatch, shared default name, lag, empty answers,
// stalls, busy hosts), faults, arch mix, managers.
std::vector<std::string> describe(const EnvCase& c);

}  // namespace swarmsim::check
