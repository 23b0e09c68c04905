#include "check/environment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

#include "model/removal_policy.hpp"
#include "sim/host_sim.hpp"

namespace swarmsim::check {

using sim::Distribution;
using sim::EventKind;
using sim::EventSpec;

std::string host_name(const EnvCase& c, std::size_t index) {
  if (index == 0) return "vm0";
  return fmt::format("{}{}", c.others[index - 1].aarch64 ? "pi" : "vm", index);
}

int most_managers(const EnvCase& c) {
  const int upgraded = c.upgrade_at_s ? c.upgrade_manager_scale : 0;
  return std::clamp(std::max(c.managers, upgraded), 1, 3);
}

// The hosts that are or may become managers are never removed: with two
// managers, losing either loses raft quorum whatever the policy does.
bool is_core(const EnvCase& c, std::size_t index) {
  return index < static_cast<std::size_t>(most_managers(c));
}

namespace {

// A late host generated as a twin takes the machine, the timing and the
// removal of the late host before it: added, started and deleted at the
// same instants, its loops run in step with the other's, and their agents'
// departure notes race for the service object.
HostCase host_at(const EnvCase& c, std::size_t i) {
  HostCase h = i == 0 ? c.leader : c.others[i - 1];
  if (h.twin && i >= 2 && !is_core(c, i - 1)) {
    const HostCase prev = host_at(c, i - 1);
    h.aarch64 = prev.aarch64;
    h.cpu_tenths = prev.cpu_tenths;
    h.edge = prev.edge;
    h.lag_ms = prev.lag_ms;
    h.startup_s = prev.startup_s;
    h.busy_s = prev.busy_s;
    h.add_offset_s = prev.add_offset_s;
    h.remove_after_s = prev.remove_after_s;
    h.machine_runs_on = prev.machine_runs_on;
  }
  return h;
}

double cpu_factor(const HostCase& h) {
  return h.aarch64 ? std::max(h.cpu_tenths, 10) / 10.0 : 1.0;
}

Duration seconds(int s) {
  return static_cast<Duration>(s) * kSecond;
}

sim::ProfileSpec profile_for(const HostCase& h, const std::string& name) {
  sim::ProfileSpec p;
  p.name = "p-" + name;
  p.arch = h.aarch64 ? sim::Arch::Aarch64 : sim::Arch::X86_64;
  p.cpu_factor = cpu_factor(h);
  p.hostname_style = h.style;
  p.agent_hostname = h.rule;
  p.hostname_override = "rancher-{name}";
  p.link = h.edge ? "edge-wan" : "cloud-lan";
  const Duration lag = std::max(1, h.lag_ms) * kMillisecond;
  p.metadata_lag = Distribution::uniform(lag / 4, lag);
  p.metadata_empty_p = h.empty_permille / 1000.0;
  p.agent_startup = Distribution::constant(seconds(std::max(h.startup_s, 1)));
  p.busy_after_join = Distribution::constant(seconds(h.busy_s));
  p.clock_skew_ns = seconds(h.skew_s);
  p.manager_sees_addr = h.seen_addr;
  return p;
}

void add_window(std::vector<EventSpec>& out, EventKind kind, const std::string& host,
                Instant added_at, Instant gone_at, const std::optional<Window>& w) {
  if (!w) return;
  const Instant at = added_at + seconds(w->at_s);
  if (at >= gone_at) return;  // the host is gone by then
  EventSpec e;
  e.at_ns = at;
  e.kind = kind;
  e.duration_ns = seconds(std::max(w->for_s, 1));
  if (kind == EventKind::Partition)
    e.hosts = {host};
  else
    e.host = host;
  out.push_back(e);
}

}  // namespace

namespace {

// The host as it runs: the leader is always the x86_64 VM in the cloud,
// whatever was generated for it.
HostCase effective_host(const EnvCase& c, std::size_t i) {
  HostCase h = host_at(c, i);
  if (i == 0) {
    h.aarch64 = false;
    h.edge = false;
    h.seen_addr = sim::SeenAddr::AgentIp;
  }
  return h;
}

std::vector<sim::LinkClassSpec> links_for(const EnvCase& c) {
  sim::LinkClassSpec cloud;
  cloud.name = "cloud-lan";
  cloud.latency = Distribution::exponential(200 * kMicrosecond, kMillisecond);
  sim::LinkClassSpec edge;
  edge.name = "edge-wan";
  const Duration half = std::max(1, c.edge_latency_ms) * kMillisecond / 2;
  edge.latency = Distribution::lognormal(half, half, 0.5);
  edge.loss = c.edge_loss_permille / 1000.0;
  edge.duplicate = c.edge_dup_permille / 1000.0;
  edge.reorder = c.edge_reorder_permille / 1000.0;
  edge.reorder_delay = Distribution::uniform(0, 200 * kMillisecond);
  return {cloud, edge};
}

Duration stretched_startup(const HostCase& h) {
  return static_cast<Duration>(static_cast<double>(seconds(std::max(h.startup_s, 1))) *
                               cpu_factor(h));
}

// Late hosts are added once the core is up: its slowest agent has started.
Duration core_up_time(const EnvCase& c) {
  Duration up = 0;
  for (std::size_t i = 0; i <= c.others.size(); ++i)
    if (is_core(c, i)) up = std::max(up, stretched_startup(effective_host(c, i)));
  return up + 10 * kSecond;
}

// The late hosts that are removed: every one that asks to be.
std::vector<std::size_t> removed_hosts(const EnvCase& c) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i <= c.others.size(); ++i)
    if (!is_core(c, i) && host_at(c, i).remove_after_s) out.push_back(i);
  return out;
}

// The loss that takes core host i, if any: the first drawn for it.
std::optional<CoreLoss> core_loss_of(const EnvCase& c, std::size_t i) {
  if (!is_core(c, i) || i > c.others.size()) return std::nullopt;
  const auto core = static_cast<std::size_t>(most_managers(c));
  for (const auto& l : c.core_losses)
    if (static_cast<std::size_t>(std::max(l.host, 0)) % core == i) return l;
  return std::nullopt;
}

std::size_t core_losses_applied(const EnvCase& c) {
  std::size_t n = 0;
  for (std::size_t i = 0; i <= c.others.size(); ++i) n += core_loss_of(c, i).has_value();
  return n;
}

bool is_removed(const EnvCase& c, std::size_t i) {
  const auto r = removed_hosts(c);
  return std::find(r.begin(), r.end(), i) != r.end();
}

Instant late_added_at(const EnvCase& c, std::size_t i, Duration core_up) {
  return core_up + seconds(host_at(c, i).add_offset_s);
}

// When host i leaves Rancher: after its own delay, or, with
// removed_together, at the instant the last removed host's delay ends
// (counted from the latest addition, so every one of them exists by then).
Instant removal_time(const EnvCase& c, std::size_t i, Duration core_up) {
  const HostCase& h = host_at(c, i);
  if (!c.removed_together)
    return late_added_at(c, i, core_up) + seconds(std::max(*h.remove_after_s, 1));
  Instant latest_add = 0;
  int delay_s = 1;
  for (std::size_t r : removed_hosts(c)) {
    latest_add = std::max(latest_add, late_added_at(c, r, core_up));
    delay_s = std::max(delay_s, *host_at(c, r).remove_after_s);
  }
  return latest_add + seconds(delay_s);
}

// Host i's addition, its removal and re-addition, and its faults, which
// never start after the host is gone.
void add_host_timeline(std::vector<EventSpec>& out, const EnvCase& c, std::size_t i,
                       Duration core_up) {
  const HostCase& h = host_at(c, i);
  const std::string n = host_name(c, i);
  const bool core = is_core(c, i);
  const bool removed = is_removed(c, i);
  EventSpec add;
  add.at_ns = core ? 0 : late_added_at(c, i, core_up);
  add.kind = EventKind::AddHost;
  add.host = n;
  add.profile = "p-" + n;
  if (h.custom_hostname > 0 && i > 0)
    add.kernel_hostname = kCustomHostnames[(h.custom_hostname - 1) % std::size(kCustomHostnames)];
  out.push_back(add);
  // When the machine stops for good (its faults end there), and when its
  // host leaves Cattle (the operator's edits end there).
  Instant gone = std::numeric_limits<Instant>::max();
  Instant host_gone = gone;
  if (removed) {
    host_gone = removal_time(c, i, core_up);
    EventSpec rm;
    rm.at_ns = host_gone;
    rm.kind = h.machine_runs_on ? EventKind::DeleteHost : EventKind::RemoveHost;
    rm.host = n;
    out.push_back(rm);
    // Deleted in Cattle only, the machine runs on, faults and all.
    if (!h.machine_runs_on) gone = host_gone;
    if (h.machine_runs_on && !h.readd_after_s && h.restart_after_leave_s) {
      EventSpec restart;
      restart.at_ns = host_gone + seconds(std::clamp(c.loop_s, 5, 120)) + h.lag_ms * kMillisecond +
                      seconds(*h.restart_after_leave_s);
      restart.kind = EventKind::Crash;
      restart.host = n;
      restart.duration_ns = 5 * kSecond;
      out.push_back(restart);
    }
    if (h.readd_after_s) {
      EventSpec again = add;
      if (h.same_machine) again.kernel_hostname.clear();  // the machine keeps its own
      again.at_ns = host_gone + seconds(std::max(*h.readd_after_s, 1));
      again.same_machine = h.same_machine;
      out.push_back(again);
      // Re-added as a new machine, the name is the new host's: the old
      // machine's faults end where the new one begins.
      if (!h.same_machine) gone = std::min(gone, again.at_ns);
    }
  } else if (h.dies_after_s && !core) {
    // With three managers a late host may have been promoted while the core
    // was still forming: its machine dies within two minutes of joining,
    // when the manager count is what decides whether raft keeps a quorum.
    const int after = most_managers(c) > 1 ? *h.dies_after_s % 120 : *h.dies_after_s;
    gone = add.at_ns + seconds(std::max(after, 1));
    host_gone = gone;
    EventSpec dies;
    dies.at_ns = gone;
    dies.kind = EventKind::MachineDies;
    dies.host = n;
    out.push_back(dies);
  }
  if (const auto loss = core_loss_of(c, i)) {
    const Instant at = core_up + seconds(std::max(loss->at_s, 0));
    EventSpec e;
    e.at_ns = at;
    e.host = n;
    switch (loss->kind) {
      case CoreLossKind::Dies:
        e.kind = EventKind::MachineDies;
        gone = host_gone = at;
        break;
      case CoreLossKind::Removed:
        e.kind = EventKind::RemoveHost;
        gone = host_gone = at;
        break;
      case CoreLossKind::Reboots:
        e.kind = EventKind::Crash;
        e.duration_ns = seconds(std::max(loss->for_s, 1));
        break;
      case CoreLossKind::Deleted:
        e.kind = EventKind::DeleteHost;
        host_gone = at;
        if (loss->stall_replica) {
          EventSpec stall;
          stall.at_ns = std::max<Instant>(0, at - kSecond);
          stall.kind = EventKind::MetadataStall;
          stall.host = n;
          stall.duration_ns = seconds(std::max(loss->for_s, 1));
          out.push_back(stall);
        }
        if (loss->then) {
          EventSpec fault;
          fault.at_ns = at + seconds(std::max(loss->then->at_s, 0));
          fault.kind = loss->then->at_s % 2 == 1 ? EventKind::Partition : EventKind::Crash;
          fault.duration_ns = seconds(std::max(loss->then->for_s, 1));
          if (fault.kind == EventKind::Partition)
            fault.hosts = {n};
          else
            fault.host = n;
          out.push_back(fault);
        }
        break;
    }
    out.push_back(e);
  }
  // The core managers' crashes and partitions start within their first 90 s:
  // faults while the swarm forms are where the manager count and the token
  // publication matter, and a window anywhere in ten minutes rarely lands
  // there.
  auto early = [core](std::optional<Window> w) {
    if (core && w) w->at_s %= 90;
    return w;
  };
  add_window(out, EventKind::Crash, n, add.at_ns, gone, early(h.crash));
  add_window(out, EventKind::MetadataStall, n, add.at_ns, gone, h.stall);
  add_window(out, EventKind::MetadataEmpty, n, add.at_ns, gone, h.empty);
  add_window(out, EventKind::Partition, n, add.at_ns, gone, early(h.partition));
  if (h.ui_edit) {
    // Timed from the agent's start, when the host's first labels are
    // written (the swarm label, the fixed policy's node ID).
    const Instant opens = std::max(add.at_ns, add.at_ns + stretched_startup(h) - 5 * kSecond);
    const std::size_t before = out.size();
    add_window(out, EventKind::EditLabels, n, opens, host_gone, h.ui_edit);
    if (out.size() > before) out.back().labels = {{"location", "shelf-" + std::to_string(i)}};
  }
}

// Whether host i's host is deleted in Cattle while its machine runs on, and
// a crash or partition of its own comes after the deletion.
bool faults_after_deletion(const EnvCase& c, std::size_t i) {
  const Duration core_up = core_up_time(c);
  const HostCase& h = host_at(c, i);
  Instant deleted = -1, added = 0;
  if (const auto loss = core_loss_of(c, i); loss && loss->kind == CoreLossKind::Deleted) {
    if (loss->then) return true;
    deleted = core_up + seconds(std::max(loss->at_s, 0));
  } else if (is_removed(c, i) && h.machine_runs_on && !h.readd_after_s) {
    deleted = removal_time(c, i, core_up);
    added = late_added_at(c, i, core_up);
  }
  if (deleted < 0) return false;
  const bool core = is_core(c, i);
  for (const auto& w : {h.crash, h.partition}) {
    if (!w) continue;
    const int at_s = core ? w->at_s % 90 : w->at_s;
    if (added + seconds(at_s) >= deleted) return true;
  }
  return false;
}

}  // namespace

sim::ScenarioSpec to_scenario(const EnvCase& c, const std::string& name) {
  sim::ScenarioSpec s;
  s.name = name;
  s.description = "Generated environment (swarmsim check).";
  s.seed = static_cast<std::uint64_t>(std::max(c.seed, 1));
  s.swarm.manager_scale = std::clamp(c.managers, 1, 3);
  s.swarm.loop_interval_ns = seconds(std::clamp(c.loop_s, 5, 120));
  s.links = links_for(c);

  const Duration core_up = core_up_time(c);
  Duration worst_lag = 0, worst_startup = 0, worst_busy = 0;
  for (std::size_t i = 0; i <= c.others.size(); ++i) {
    const HostCase h = effective_host(c, i);
    s.profiles.push_back(profile_for(h, host_name(c, i)));
    add_host_timeline(s.events, c, i, core_up);
    worst_lag = std::max<Duration>(worst_lag, std::max(1, h.lag_ms) * kMillisecond);
    worst_startup = std::max(worst_startup, stretched_startup(h));
    worst_busy = std::max<Duration>(worst_busy, seconds(h.busy_s) * cpu_factor(h));
  }
  if (c.burst) {
    HostCase b;
    b.aarch64 = true;
    b.edge = true;
    b.lag_ms = std::max(c.burst->lag_ms, 1);
    b.startup_s = 10;
    s.profiles.push_back(profile_for(b, "burst"));
    sim::HostGroupSpec g;
    g.prefix = "burst-";
    g.width = 2;
    g.profile = s.profiles.back().name;
    g.count = static_cast<std::size_t>(std::clamp(c.burst->count, 1, 99));
    g.at = seconds(std::max(c.burst->from_s, 0));
    if (c.burst->over_s > 0) {
      if (c.burst->poisson)
        g.per_minute = static_cast<double>(g.count) * 60.0 / c.burst->over_s;
      else
        g.over.emplace(g.at, g.at + seconds(c.burst->over_s));
    }
    for (auto& e : sim::expand_host_group(g, s.seed)) s.events.push_back(std::move(e));
    worst_lag = std::max<Duration>(worst_lag, b.lag_ms * kMillisecond);
    worst_startup = std::max(worst_startup, stretched_startup(b));
  }
  s.stack.always_pull = c.always_pull;
  s.cattle.write_error_p = std::clamp(c.cattle_error_permille, 0, 500) / 1000.0;
  s.cattle.write_timeout_p = std::clamp(c.cattle_timeout_permille, 0, 500) / 1000.0;
  overload(s.servers, c.servers);
  if (c.image_x86_only_at_s) {
    EventSpec push;
    push.at_ns = seconds(*c.image_x86_only_at_s);
    push.kind = EventKind::PublishImage;
    push.arches = {sim::Arch::X86_64};
    s.events.push_back(push);
  }
  if (c.upgrade_at_s) {
    EventSpec up;
    up.at_ns = seconds(*c.upgrade_at_s);
    up.kind = EventKind::UpgradeStack;
    up.manager_scale = std::clamp(c.upgrade_manager_scale, 0, 3);
    s.events.push_back(up);
  }
  std::stable_sort(s.events.begin(), s.events.end(),
                   [](const EventSpec& a, const EventSpec& b) { return a.at_ns < b.at_ns; });

  // Long enough for the slowest host to start, load metadata, wait out a
  // busy spell and join, and for the leader's next passes to act, with
  // room for join time-outs and probe back-offs.
  // A policy that removes a bounded number of nodes per pass needs a pass
  // for each removed host's node.
  // A core host lost costs a few loops more: a new leader to take over, a
  // dead manager to be seen down and replaced, a deleted one to be demoted
  // before its node goes.
  const auto removals = static_cast<Duration>(removed_hosts(c).size());
  const auto core_lost = static_cast<Duration>(core_losses_applied(c));
  s.liveness_bound_ns = 5 * kMinute + (6 + removals + 3 * core_lost) * s.swarm.loop_interval_ns +
                        4 * worst_lag + worst_startup + worst_busy +
                        (1 + core_lost) * s.swarm.down_after_ns;
  // An overloaded server answers more slowly and refuses more: each level
  // of overload gives the run a few more loops to converge in (refused
  // calls are tried again a loop later, joins queue at the signer).
  const int levels = c.servers.leader_level + c.servers.cattle_level + c.servers.metadata_level;
  s.liveness_bound_ns += static_cast<Duration>(levels) * 4 * s.swarm.loop_interval_ns;
  s.duration_ns = kSecond;  // the liveness check, after the bound, decides when the run ends
  return s;
}

// Level n of overload: a quarter of the cores and queue per level, and the
// costs 5, 25 or 100 times (level 3: one core, a queue of a few requests, a
// signature of a second, a Cattle write of 1.5 s). Every request still fits
// in its caller's time-out on an idle server: an environment where none can
// is broken, not overloaded.
void overload(sim::ServersSpec& v, const ServerCase& c) {
  auto scale = [](Duration d, int level) {
    constexpr Duration kTimes[] = {1, 5, 25, 100};
    return d * kTimes[level];
  };
  auto shrink = [](int n, int level) {
    for (int i = 0; i < level; ++i) n /= 4;
    return std::max(n, 1);
  };
  const int l = std::clamp(c.leader_level, 0, 3);
  auto& leader = v.leader;
  leader.cores = shrink(leader.cores, l);
  leader.queue_limit = shrink(leader.queue_limit, 2 * l);
  for (Duration* d : {&leader.register_cost_ns, &leader.join_cost_ns, &leader.sign_cost_ns,
                      &leader.read_cost_ns, &leader.list_base_ns, &leader.list_per_node_ns,
                      &leader.write_cost_ns, &leader.heartbeat_cost_ns})
    *d = scale(*d, l);
  const int k = std::clamp(c.cattle_level, 0, 3);
  auto& cattle = v.cattle_api;
  cattle.workers = shrink(cattle.workers, k);
  cattle.queue_limit = k == 0 ? cattle.queue_limit : shrink(cattle.queue_limit, 2 * k) - 1;
  for (Duration* d : {&cattle.read_cost_ns, &cattle.list_per_host_ns, &cattle.write_cost_ns})
    *d = scale(*d, k);
  const int m = std::clamp(c.metadata_level, 0, 3);
  v.metadata.reload_per_host_ns = scale(v.metadata.reload_per_host_ns, m);
  v.metadata.reload_base_ns = scale(v.metadata.reload_base_ns, m);
}

std::vector<std::string> describe(const EnvCase& c) {
  std::vector<std::string> tags;
  const std::size_t count = 1 + c.others.size();
  int arm = 0;
  bool mismatch = false, shared = false, lag = false, empty = false, stall = false, busy = false,
       crash = false, partition = false, readd = false, skew = false, deleted = false,
       twins_deleted = false, restart_after_leave = false, same_machine = false, dies = false,
       custom = false, ui_edit = false, nat = false, other_if = false;
  std::vector<std::string> custom_names;
  const auto removed = removed_hosts(c);
  for (std::size_t i = 0; i < count; ++i) {
    const HostCase h = effective_host(c, i);
    arm += i > 0 && h.aarch64;
    sim::ProfileSpec p = profile_for(h, host_name(c, i));
    const std::string kernel =
        h.custom_hostname > 0 && i > 0
            ? std::string(kCustomHostnames[(h.custom_hostname - 1) % std::size(kCustomHostnames)])
            : sim::kernel_hostname(host_name(c, i), p);
    custom |= h.custom_hostname > 0 && i > 0;
    if (h.custom_hostname > 0 && i > 0) custom_names.push_back(kernel);
    const std::string rancher = sim::rancher_hostname(host_name(c, i), kernel, p);
    mismatch |= model::metadata_hostname_key(rancher) != kernel;
    shared |= h.style == sim::HostnameStyle::SharedDefault;
    lag |= h.lag_ms > 20000;
    empty |= h.empty_permille > 0 || h.empty.has_value();
    stall |= h.stall.has_value();
    busy |= h.busy_s > 0;
    crash |= h.crash.has_value();
    partition |= h.partition.has_value();
    ui_edit |= h.ui_edit.has_value();
    nat |= h.seen_addr == sim::SeenAddr::Nat;
    other_if |= h.seen_addr == sim::SeenAddr::OtherInterface;
    skew |= h.skew_s != 0;
    if (is_removed(c, i)) {
      readd |= h.readd_after_s.has_value();
      deleted |= h.machine_runs_on;
      restart_after_leave |= h.machine_runs_on && !h.readd_after_s && h.restart_after_leave_s;
      twins_deleted |=
          h.machine_runs_on && h.twin && i >= 2 && is_removed(c, i - 1) && !is_core(c, i - 1);
      same_machine |= h.readd_after_s.has_value() && h.same_machine;
    } else {
      dies |= h.dies_after_s.has_value() && !is_core(c, i);
    }
  }
  tags.push_back(fmt::format("hosts={}", count <= 2   ? std::string("1-2")
                                         : count <= 5 ? "3-5"
                                                      : "6+"));
  tags.push_back(fmt::format("managers={}", c.managers));
  tags.push_back(arm == 0                             ? "arch=x86_64-only"
                 : arm + 1 == static_cast<int>(count) ? "arch=arm-workers-only"
                                                      : "arch=mixed");
  if (mismatch) tags.push_back("mech=hostname-mismatch");
  if (shared) tags.push_back("mech=shared-default-name");
  if (custom) tags.push_back("mech=custom-hostname");
  std::sort(custom_names.begin(), custom_names.end());
  if (std::adjacent_find(custom_names.begin(), custom_names.end()) != custom_names.end())
    tags.push_back("mech=hosts-sharing-a-name");
  if (lag) tags.push_back("mech=metadata-lag>20s");
  if (empty) tags.push_back("mech=empty-answers");
  if (stall) tags.push_back("fault=metadata-stall");
  if (busy) tags.push_back("mech=busy-after-join");
  if (crash) tags.push_back("fault=crash");
  if (partition) tags.push_back("fault=partition");
  if (!removed.empty()) tags.push_back("event=host-removed");
  if (removed.size() > 1) tags.push_back("event=several-removed");
  if (removed.size() > 1 && c.removed_together) tags.push_back("event=removed-together");
  if (readd) tags.push_back("event=host-re-added");
  if (deleted) tags.push_back("event=deleted-machine-runs");
  if (restart_after_leave) tags.push_back("fault=deleted-machine-restarts-after-its-leave");
  if (twins_deleted) tags.push_back("event=twins-deleted-together");
  if (same_machine) tags.push_back("event=same-machine-re-added");
  if (dies) tags.push_back("fault=machine-dies");
  if (skew) tags.push_back("fault=clock-skew");
  if (ui_edit) tags.push_back("event=operator-edits-host");
  if (c.image_x86_only_at_s) tags.push_back("event=image-without-aarch64");
  if (c.image_x86_only_at_s && c.always_pull)
    tags.push_back("event=image-without-aarch64-always-pulled");
  if (c.upgrade_at_s) tags.push_back("event=stack-upgrade");
  if (c.servers.leader_level > 0)
    tags.push_back(fmt::format("capacity=leader-overloaded-{}", c.servers.leader_level));
  if (c.servers.cattle_level > 0)
    tags.push_back(fmt::format("capacity=cattle-overloaded-{}", c.servers.cattle_level));
  if (c.servers.metadata_level > 0)
    tags.push_back(fmt::format("capacity=slow-metadata-reloads-{}", c.servers.metadata_level));
  if (c.burst)
    tags.push_back(fmt::format("event=join-burst-of-{}", c.burst->count < 10   ? "2-9"
                                                         : c.burst->count < 25 ? "10-24"
                                                                               : "25+"));
  if (c.upgrade_at_s && c.upgrade_manager_scale > 0 && c.upgrade_manager_scale != c.managers)
    tags.push_back("event=stack-upgrade-new-manager-scale");
  int core_lost = 0;
  bool leader_lost = false, stalled_at_own_deletion = false, fault_on_deleted = false;
  std::set<CoreLossKind> kinds;
  for (std::size_t i = 0; i <= c.others.size(); ++i) {
    if (auto l = core_loss_of(c, i)) {
      ++core_lost;
      kinds.insert(l->kind);
      leader_lost |= i == 0;
      stalled_at_own_deletion |= i == 0 && l->kind == CoreLossKind::Deleted && l->stall_replica;
    }
    fault_on_deleted |= faults_after_deletion(c, i);
  }
  if (kinds.contains(CoreLossKind::Dies)) tags.push_back("fault=core-machine-dies");
  if (kinds.contains(CoreLossKind::Reboots)) tags.push_back("fault=core-machine-off-a-while");
  if (kinds.contains(CoreLossKind::Deleted)) tags.push_back("event=core-host-deleted");
  if (kinds.contains(CoreLossKind::Removed)) tags.push_back("event=core-host-removed");
  if (leader_lost) tags.push_back("event=first-leader-lost");
  if (core_lost > 1) tags.push_back("event=two-core-hosts-lost");
  if (stalled_at_own_deletion) tags.push_back("fault=leader-replica-stalls-at-own-deletion");
  if (fault_on_deleted) tags.push_back("fault=faults-of-a-deleted-machine");
  if (c.cattle_error_permille > 0) tags.push_back("fault=cattle-write-errors");
  if (c.cattle_timeout_permille > 0) tags.push_back("fault=cattle-write-timeouts");
  if (nat) tags.push_back("mech=node-address-nat");
  if (other_if) tags.push_back("mech=node-address-second-interface");
  if (c.edge_loss_permille || c.edge_dup_permille || c.edge_reorder_permille)
    tags.push_back("fault=lossy-edge");
  return tags;
}

}  // namespace swarmsim::check
