#include "sim/world.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "sim/engine_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/mon_sim.hpp"
#include "sim/streams.hpp"

namespace swarmsim::sim {

World::World(const ScenarioSpec& spec, WorldOptions options)
    : spec_(spec), options_(std::move(options)), trace_(options_.keep_trace, options_.keep_calls) {
  image_arches_ = spec_.stack.image_arches;
  manager_scale_ = spec_.swarm.manager_scale;
  network_ = std::make_unique<NetworkSim>(kernel_, options_.seed, spec_.links);
  rpc_ = std::make_unique<RpcSim>(kernel_, *network_);
  if (options_.on_draw) network_->on_draw(options_.on_draw);
  add_swarm();
  // The Rancher server runs beside the first host the scenario adds (the
  // manager VM in the cloud), on that host's link class.
  std::string server_link = spec_.links.empty() ? "" : spec_.links.front().name;
  for (const auto& e : spec_.events) {
    if (e.kind != EventKind::AddHost) continue;
    if (const ProfileSpec* p = spec_.find_profile(e.profile)) server_link = p->link;
    break;
  }
  server_ = network_->add_endpoint("rancher-server", server_link);
  watch_answers(cattle_capacity_.api());
  cattle_.on_label_lost([this](const CattleSim::LostLabel& l) {
    if (l.key == model::kNodeIdLabel && !l.lost_value.empty())
      reverted_claims_[{l.host_uuid, l.lost_value}] = kernel_.now();
    std::string host = l.host_uuid;
    for (const auto& h : hosts_)
      if (h.uuid == l.host_uuid) host = h.name;
    auto shown = [](const std::string& v) { return v.empty() ? std::string("(none)") : v; };
    trace_.record(kernel_.now(), TraceKind::LabelLost, host, "",
                  fmt::format("label {}: {} was written meanwhile, and {}'s PUT of an older copy "
                              "put {} back",
                              l.key, shown(l.lost_value), l.writer, shown(l.restored_value)));
  });
  cattle_.on_note_lost([this](const CattleSim::LostNote& l) {
    std::string host = l.host_uuid;
    for (const auto& h : hosts_)
      if (h.uuid == l.host_uuid) host = h.name;
    lost_notes_.push_back({l.node_id, l.host_uuid, kernel_.now()});
    trace_.record(
        kernel_.now(), TraceKind::NoteLost, host, l.node_id,
        l.stale_copy ? fmt::format("the departure note of node {} was written meanwhile, and {}'s "
                                   "PUT of an older copy of the service dropped it",
                                   l.node_id, l.writer)
                     : fmt::format("{}'s PUT of the service dropped the departure note of node {}, "
                                   "which it had read",
                                   l.writer, l.node_id));
  });
  network_->on_topology_change([this] { refresh_heartbeats(); });
  for (const auto& e : spec_.events) {
    kernel_.schedule_at(e.at_ns, [this, e] { apply(e); });
  }
}

World::~World() = default;

std::string agent_ip_for(std::size_t index) {
  return fmt::format("10.{}.{}.{}", 1 + index / 62500, (index / 250) % 250, index % 250 + 2);
}

std::vector<std::pair<std::string, std::string>> planned_agent_ips(const ScenarioSpec& spec) {
  // The kernel runs events due at the same time in the order they were
  // scheduled, which is the file's order.
  std::vector<const EventSpec*> order;
  for (const auto& e : spec.events) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(),
                   [](const EventSpec* a, const EventSpec* b) { return a->at_ns < b->at_ns; });
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> in_rancher, machines;
  for (const EventSpec* e : order) {
    if (e->kind == EventKind::AddHost) {
      if (in_rancher.count(e->host) > 0) continue;
      if (e->same_machine) {  // the machine comes back, with its address; or nothing happens
        if (machines.count(e->host) > 0) in_rancher.insert(e->host);
        continue;
      }
      if (spec.find_profile(e->profile) == nullptr) continue;
      in_rancher.insert(e->host);
      machines.insert(e->host);
      out.emplace_back(e->host, agent_ip_for(out.size()));
    } else if (e->kind == EventKind::RemoveHost || e->kind == EventKind::DeleteHost) {
      in_rancher.erase(e->host);
    }
  }
  return out;
}

void World::catch_up_replicas() {
  for (auto& h : hosts_)
    if (h.metadata) h.metadata->catch_up();
}

// Cattle keeps every version a replica may still load. Now and then every
// running replica is brought up to date (what a read would do anyway) and
// the versions none of them can load any more are let go, so that memory
// follows the fleet, not the number of changes.
void World::release_old_versions() {
  std::size_t oldest = cattle_.history().size() - 1;
  for (auto& h : hosts_) {
    if (!h.metadata || !h.metadata->running()) continue;
    h.metadata->catch_up();
    oldest = std::min(oldest, h.metadata->oldest_needed());
  }
  cattle_.release_before(oldest);
}

// Rancher's rolling upgrade of the swarmkit-mon service: one host every
// kUpgradeIntervalNs, in the order the hosts were added; each gets a new
// container (the next create_index) that starts as any container does.
void World::upgrade_stack(const EventSpec& e) {
  if (e.manager_scale > 0) manager_scale_ = e.manager_scale;
  trace_.record(kernel_.now(), TraceKind::Fault, "rancher", "",
                e.manager_scale > 0
                    ? fmt::format("stack upgrade, MANAGER_SCALE {}: every swarmkit-mon container "
                                  "is recreated, one host every {}",
                                  e.manager_scale, format_duration_ms(kUpgradeIntervalNs))
                    : fmt::format("stack upgrade: every swarmkit-mon container is recreated, one "
                                  "host every {}",
                                  format_duration_ms(kUpgradeIntervalNs)));
  Duration after = 0;
  for (auto& h : hosts_) {
    // A host whose container the scheduler has yet to create gets it as the
    // stack is now.
    if (h.in_rancher && !h.container_created) h.mon->set_options(mon_options());
    if (!h.in_rancher || !h.container_created) continue;
    kernel_.schedule_after(after, [this, index = h.index, uuid = h.uuid] {
      HostSim& host = hosts_[index];
      if (!host.in_rancher || host.uuid != uuid) return;
      host.stop_agent();
      host.mon->set_options(mon_options());
      cattle_.recreate_container(kernel_.now(), uuid);
      trace_.record(kernel_.now(), TraceKind::AgentStarted, host.name, "",
                    "swarmkit-mon container recreated by the stack upgrade");
      if (host.machine_on && host.engine->up()) scheduler_.start_container(index);
    });
    after += kUpgradeIntervalNs;
  }
}

bool World::pull_and_check_image(HostSim& h) {
  if (spec_.stack.always_pull || !h.cached_image) h.cached_image = image_arches_;
  const auto& arches = *h.cached_image;
  h.image_fails = std::find(arches.begin(), arches.end(), h.profile.arch) == arches.end();
  return !h.image_fails;
}

HostSim* World::host_named(const std::string& name) {
  auto it = current_by_name_.find(name);
  return it == current_by_name_.end() ? nullptr : &hosts_[it->second];
}

HostSim* World::machine_named(const std::string& name) {
  if (HostSim* h = host_named(name)) return h;
  auto it = machines_by_name_.find(name);
  if (it == machines_by_name_.end() || !hosts_[it->second].machine_on) return nullptr;
  return &hosts_[it->second];
}

void World::note_world_event(const HostSim& h, const EventSpec& e) {
  std::string what =
      fmt::format("{} {} at {}", to_string(e.kind), h.name, format_duration_ms(kernel_.now()));
  if (e.duration_ns > 0) what += " for " + format_duration_ms(e.duration_ns);
  world_events_[h.index].push_back(AppliedEvent{kernel_.now(), e.kind, std::move(what)});
}

const std::string& World::world_event_before(HostIndex host, Instant at,
                                             std::initializer_list<EventKind> kinds) const {
  static const std::string kNone;
  auto it = world_events_.find(host);
  if (it == world_events_.end()) return kNone;
  const std::string* found = &kNone;
  for (const auto& e : it->second)
    if (e.at <= at && std::find(kinds.begin(), kinds.end(), e.kind) != kinds.end()) found = &e.what;
  return *found;
}

HostSim* World::host_at_addr(const std::string& addr) {
  auto it = by_addr_.find(addr.substr(0, addr.find(':')));
  return it == by_addr_.end() ? nullptr : &hosts_[it->second];
}

void World::report_internal_fault(std::string what) {
  if (!internal_fault_) internal_fault_ = std::move(what);
  kernel_.request_stop();
}

void World::apply(const EventSpec& e) {
  if (e.kind == EventKind::AddHost) {
    if (!e.same_machine) return add_host(e);
    if (machines_by_name_.count(e.host) == 0 || host_named(e.host))
      return skipped(e, host_named(e.host) ? "a host of that name is in Rancher already"
                                           : "no machine of that name ran before");
    readd_machine(e.host);
    return;
  }
  if (e.kind == EventKind::Partition) {
    start_partition(e.hosts, e.duration_ns);
    return;
  }
  if (e.kind == EventKind::UpgradeStack) {
    upgrade_stack(e);
    return;
  }
  if (e.kind == EventKind::PublishImage) {
    image_arches_ = e.arches;
    world_events_[kNoHost].push_back(
        AppliedEvent{kernel_.now(), e.kind,
                     fmt::format("publish_image [{}] at {}", to_string(e.arches),
                                 format_duration_ms(kernel_.now()))});
    trace_.record(
        kernel_.now(), TraceKind::Fault, "registry", "",
        "the swarmkit-mon image is pushed again under its tag, built for " + to_string(e.arches));
    return;
  }
  // Faults of a machine reach it while it runs, even after its host was
  // deleted in Cattle; the rest needs the host in Rancher.
  const bool of_machine = e.kind == EventKind::Crash || e.kind == EventKind::MachineDies ||
                          e.kind == EventKind::MetadataStall || e.kind == EventKind::MetadataEmpty;
  HostSim* h = of_machine ? machine_named(e.host) : host_named(e.host);
  if (!h) {  // validated scenarios name live hosts; a generated one may not
    skipped(e, of_machine ? "no machine of that name" : "no host of that name in Rancher");
    return;
  }
  note_world_event(*h, e);
  switch (e.kind) {
    case EventKind::RemoveHost:
      remove_host(*h);
      break;
    case EventKind::DeleteHost:
      delete_host(*h);
      break;
    case EventKind::MachineDies:
      machine_dies(*h);
      break;
    case EventKind::Crash:
      crash_host(*h, e.duration_ns);
      break;
    case EventKind::MetadataStall:
      h->metadata->stall_for(e.duration_ns);
      trace_.record(kernel_.now(), TraceKind::Fault, h->name, "",
                    "metadata replica stalls for " + format_duration_ms(e.duration_ns));
      break;
    case EventKind::EditLabels:
      edit_labels(*h, e);
      break;
    case EventKind::MetadataEmpty:
      h->metadata->answer_empty_for(e.duration_ns);
      trace_.record(kernel_.now(), TraceKind::Fault, h->name, "",
                    "metadata /hosts answers empty for " + format_duration_ms(e.duration_ns));
      break;
    default:
      break;
  }
}

std::string World::seen_address(const HostSim& h, const ProfileSpec& profile) const {
  switch (profile.manager_sees_addr) {
    case SeenAddr::AgentIp:
      return h.agent_ip;
    case SeenAddr::Nat: {
      // One public address per edge site: every host behind the same link's
      // NAT shows up from it.
      std::size_t site = 0;
      while (site < spec_.links.size() && spec_.links[site].name != profile.link) ++site;
      return fmt::format("203.0.113.{}", site + 1);
    }
    case SeenAddr::OtherInterface:
      return fmt::format("192.168.{}.{}", 50 + h.index / 250, h.index % 250 + 2);
  }
  return h.agent_ip;
}

// A timeline event that finds nothing to act on leaves a line, so that a
// scenario's reader sees why nothing happened.
void World::skipped(const EventSpec& e, const std::string& why) {
  trace_.record(kernel_.now(), TraceKind::Fault, e.host, "",
                fmt::format("{} skipped: {}", to_string(e.kind), why));
}

void World::add_host(const EventSpec& e) {
  const std::string& name = e.host;
  const ProfileSpec* profile = spec_.find_profile(e.profile);
  if (!profile || host_named(name)) {
    skipped(e, profile ? "a host of that name is in Rancher already" : "no such profile");
    return;
  }
  HostSim h;
  h.index = hosts_.size();
  h.name = name;
  const int machines_so_far = machines_named_[name]++;
  h.stream_key = machines_so_far == 0 ? name : fmt::format("{}#{}", name, machines_so_far + 1);
  h.profile = *profile;
  h.kernel_hostname =
      e.kernel_hostname.empty() ? kernel_hostname(name, *profile) : e.kernel_hostname;
  h.rancher_hostname = e.rancher_hostname.empty()
                           ? rancher_hostname(name, h.kernel_hostname, *profile)
                           : e.rancher_hostname;
  h.agent_ip = agent_ip_for(h.index);
  h.seen_addr = seen_address(h, *profile);
  h.external_agent = options_.external_agents.count(name) > 0;
  h.endpoint = network_->add_endpoint(h.stream_key, profile->link);
  h.engine = std::make_unique<EngineSim>(
      *this, kernel_, trace_, *network_, *rpc_,
      EngineSim::Options{options_.engine_api_latency_ns, options_.join_timeout_ns,
                         spec_.swarm.registration_delay, spec_.swarm.removed_node_sees_error},
      h.index);
  h.mon = std::make_unique<MonSim>(
      *this, kernel_, trace_, *rpc_, cattle_, server_,
      MonSim::Options{options_.metadata_api_latency_ns, options_.cattle_timeout_ns,
                      options_.probe_timeout_ns, spec_.cattle.write_error_p,
                      spec_.cattle.write_timeout_p},
      h.index, mon_options());
  hosts_.push_back(std::move(h));
  register_in_rancher(hosts_.back(), "");
}

void World::readd_machine(const std::string& name) {
  auto last = machines_by_name_.find(name);
  if (last == machines_by_name_.end() || host_named(name)) return;
  HostSim& h = hosts_[last->second];
  std::string how = "the same machine is registered again";
  if (!h.machine_on) {
    // Switched back on with its disk: the engine still holds its swarm state.
    h.power_on();
    how = "the same machine is switched on and registered again, its swarm state on disk";
  }
  // Rancher registers it as a new host (a new uuid) and starts a new
  // swarmkit-mon container on it; the old container and replica go.
  h.end_registration();
  register_in_rancher(h, how);
}

model::MonOptions World::mon_options() const {
  model::MonOptions mon;
  mon.policy = options_.policy;
  mon.manager_scale = manager_scale_;
  mon.loop_interval_ns = spec_.swarm.loop_interval_ns;
  return mon;
}

void World::register_in_rancher(HostSim& h, const std::string& how) {
  h.in_rancher = true;
  h.added_at = kernel_.now();
  h.uuid = cattle_.add_host(kernel_.now(), h.name, h.rancher_hostname, h.agent_ip);
  // Often enough to bound memory, rarely enough that the scan of every
  // replica costs O(1) per Cattle change.
  if (cattle_.history().size() >= next_release_at_) {
    release_old_versions();
    next_release_at_ = cattle_.history().size() + std::max<std::size_t>(4096, hosts_.size());
  }
  h.registrations.emplace_back(kernel_.now(), h.uuid);
  if (h.metadata) retired_replicas_.push_back(std::move(h.metadata));
  const std::string registration = fmt::format("{}/{}", h.stream_key, h.registrations.size());
  MetadataReplicaOptions replica{h.name, h.uuid, h.profile.metadata_lag,
                                 h.profile.metadata_empty_p};
  const MetadataReplicaSpec& capacity = spec_.servers.metadata;
  replica.min_reload_interval = capacity.min_reload_interval_ns;
  replica.reload_base = capacity.reload_base_ns;
  replica.reload_per_host = capacity.reload_per_host_ns;
  replica.cpu_factor = h.profile.cpu_factor;
  replica.cattle_capacity = &cattle_capacity_;
  h.metadata = std::make_unique<MetadataReplicaSim>(kernel_, cattle_, trace_, std::move(replica),
                                                    rng_for(streams::metadata_lag(registration)),
                                                    rng_for(streams::metadata_empty(registration)));
  if (options_.on_draw) {
    h.metadata->on_lag_drawn(
        [this, registration](Duration d) { options_.on_draw("metadata-lag/" + registration, d); });
  }
  trace_.record(kernel_.now(), TraceKind::HostAdded, h.name, "",
                fmt::format("{}, agent_ip {}, kernel hostname '{}', Rancher hostname '{}'{}",
                            to_string(h.profile.arch), h.agent_ip, h.kernel_hostname,
                            h.rancher_hostname, how.empty() ? "" : "; " + how));
  current_by_name_[h.name] = h.index;
  machines_by_name_[h.name] = h.index;
  by_addr_[h.agent_ip] = h.index;
  h.metadata->start();
  if (h.mon) h.mon->set_options(mon_options());  // a machine back: the stack as deployed now
  scheduler_.handle_host_added(h.index);
  host_changed(h.index);
}

void World::remove_host(HostSim& h) {
  h.in_rancher = false;
  h.left_rancher_at = kernel_.now();
  current_by_name_.erase(h.name);
  by_addr_.erase(h.agent_ip);
  trace_.record(kernel_.now(), TraceKind::HostRemoved, h.name, h.engine->node_id(),
                "host deleted from Rancher; machine shut down");
  h.power_off();
  cattle_.remove_host(kernel_.now(), h.uuid);
  host_changed(h.index);
}

void World::delete_host(HostSim& h) {
  // Only Cattle forgets the host: the machine, its engine, its metadata
  // replica and its swarmkit-mon container run on, and still answer on
  // the machine's address.
  h.in_rancher = false;
  h.left_rancher_at = kernel_.now();
  current_by_name_.erase(h.name);
  trace_.record(kernel_.now(), TraceKind::HostRemoved, h.name, h.engine->node_id(),
                "host deleted in Cattle; the machine keeps running");
  cattle_.remove_host(kernel_.now(), h.uuid);
  host_changed(h.index);
}

// The Rancher UI's edit dialog holds the host object it loaded; saving PUTs
// that copy back whole, with the operator's changes.
void World::edit_labels(HostSim& h, const EventSpec& e) {
  auto loaded = cattle_.get_host(h.uuid);
  if (!loaded) return;
  trace_.record(kernel_.now(), TraceKind::Fault, h.name, "",
                fmt::format("the operator opens the host in the Rancher UI, saves it in {}",
                            format_duration_ms(e.duration_ns)));
  kernel_.schedule_after(e.duration_ns, [this, uuid = h.uuid, name = h.name,
                                         before = std::move(loaded->labels), set = e.labels] {
    CattleSim::Labels after = before;
    for (const auto& [key, value] : set) {
      if (value.empty())
        after.erase(key);
      else
        after[key] = value;
    }
    const bool saved =
        cattle_.put_host_labels(kernel_.now(), uuid, before, after, "the operator (Rancher UI)");
    trace_.record(kernel_.now(), TraceKind::Fault, name, "",
                  saved ? "the operator saves the host in the Rancher UI (one PUT of the whole "
                          "host)"
                        : "the operator's save fails: the host is gone (404)");
  });
}

void World::machine_dies(HostSim& h) {
  if (!h.machine_on) return;
  trace_.record(kernel_.now(), TraceKind::Fault, h.name, h.engine->node_id(),
                "the machine died; its host stays in Cattle");
  h.power_off();
}

void World::crash_host(HostSim& h, Duration for_ns) {
  if (!h.machine_on || !h.engine->up()) return;
  trace_.record(kernel_.now(), TraceKind::Fault, h.name, h.engine->node_id(),
                "engine crashed; reboots in " + format_duration_ms(for_ns));
  h.crash();
  const HostIndex index = h.index;
  kernel_.schedule_after(for_ns, [this, index] {
    HostSim& host = hosts_[index];
    if (!host.machine_on) return;
    trace_.record(kernel_.now(), TraceKind::Fault, host.name, host.engine->node_id(),
                  "engine back after reboot");
    host.reboot();
    scheduler_.handle_host_rebooted(index);
  });
}

void World::start_partition(const std::vector<std::string>& names, Duration for_ns) {
  std::vector<EndpointId> side;
  for (const auto& n : names)
    if (HostSim* h = machine_named(n)) {
      side.push_back(h->endpoint);
      EventSpec e;
      e.kind = EventKind::Partition;
      e.duration_ns = for_ns;
      note_world_event(*h, e);
    }
  if (side.empty()) {
    EventSpec e;
    e.kind = EventKind::Partition;
    e.host = names.empty() ? std::string() : names.front();
    skipped(e, "no machine of those names");
    return;
  }
  std::string joined;
  for (const auto& n : names) joined += (joined.empty() ? "" : ",") + n;
  trace_.record(kernel_.now(), TraceKind::Fault, joined, "",
                "partitioned from the rest for " + format_duration_ms(for_ns));
  const auto id = network_->start_partition(side);
  kernel_.schedule_after(for_ns, [this, id, joined] {
    trace_.record(kernel_.now(), TraceKind::Fault, joined, "", "partition healed");
    network_->heal_partition(id);
  });
}

void World::watch_answers(ServerSim& server) {
  server.on_answered = [this, &server](std::uint32_t cls, Duration latency, ServerOutcome o) {
    tell(ServerAnswered{server, cls, latency, o});
  };
}

void World::handle_node_removed(const SwarmNodeRecord& n, const SwarmOrigin&) {
  if (n.host < hosts_.size()) hosts_[n.host].engine->handle_node_removed(n.id);
}

std::size_t World::add_swarm() {
  const std::size_t number = swarms_.size();
  auto s = std::make_unique<SwarmSim>(kernel_, trace_, spec_.swarm, options_.seed, number,
                                      spec_.servers.leader);
  deafness_.emplace_back();
  s->capacity().cpu().on_load_changed = [this, number] { leader_load_changed(number); };
  s->on_leader_changed = [this, number] { leader_changed(number); };
  watch_answers(s->capacity().cpu());
  watch_answers(s->capacity().signer());
  s->on_removed = [this](const SwarmNodeRecord& n, const SwarmOrigin& o) {
    handle_node_removed(n, o);
    tell(NodeRemoved{n, o});
  };
  s->on_demoted = [this](const SwarmNodeRecord& n, const SwarmOrigin& o) {
    tell(NodeDemoted{n, o});
  };
  s->on_promoted = [this](const SwarmNodeRecord& n, const SwarmOrigin& o) {
    tell(NodePromoted{n, o});
  };
  s->on_state_changed = [this, swarm = s.get()](const SwarmNodeRecord& n) {
    tell(NodeStateChanged{*swarm, n});
  };
  swarms_.push_back(std::move(s));
  return number;
}

std::size_t World::swarm_for_init(bool& splits) {
  splits = false;
  if (!swarms_.front()->exists()) return 0;
  for (const auto& s : swarms_) splits |= s->has_manager();
  return add_swarm();
}

std::size_t World::environment_swarm() const {
  const std::string& published = cattle_.service().worker_token;
  if (!published.empty())
    for (std::size_t i = 0; i < swarms_.size(); ++i)
      if (swarms_[i]->tokens().Worker == published) return i;
  return 0;
}

// Which nodes are silent: a node is heard from when the engine holding it
// is up, in its swarm, not busy, and reaches the leader. A full refresh
// looks at every node; it runs when the network changes or a swarm's
// leader is not the one the last refresh saw.
void World::refresh_heartbeats() {
  for (std::size_t s = 0; s < swarms_.size(); ++s) refresh_swarm(s, 2);
}

void World::refresh_swarm(std::size_t s, int passes) {
  SwarmSim& swarm = *swarms_[s];
  refreshed_leader_.resize(swarms_.size());
  for (int pass = 0; pass < passes; ++pass) {
    const auto leader = swarm.leader_id();
    std::vector<std::pair<std::string, bool>> changes;
    for (const auto& [id, n] : swarm.nodes()) changes.emplace_back(id, !beating(swarm, id, n.host));
    for (const auto& [id, silent] : changes) swarm.set_silent(id, silent);
    // Every node has been checked against this leader. If the leader
    // changed meanwhile, the next refresh, whatever its kind, is full.
    refreshed_leader_[s] = leader;
    if (swarm.leader_id() == leader) break;  // a new leader changes who can reach it
  }
}

bool World::beating(const SwarmSim& swarm, const std::string& id, HostIndex host) const {
  const EngineSim& e = *hosts_[host].engine;
  return e.swarm_number() == swarm.number() && e.node_id() == id && e.heartbeating();
}

// One machine's engine changed (or the node it was asked to change lives
// there): only that machine's nodes can have changed, as long as the leader
// is the one every node was last checked against; when it is not, or it
// changes now, the whole swarm is looked at again, as the full refresh would.
void World::refresh_heartbeats(HostIndex host) {
  refreshed_leader_.resize(swarms_.size());
  for (std::size_t s = 0; s < swarms_.size(); ++s) {
    SwarmSim& swarm = *swarms_[s];
    const auto leader = swarm.leader_id();
    if (leader != refreshed_leader_[s]) {
      refresh_swarm(s, 2);
      continue;
    }
    std::vector<std::pair<std::string, bool>> changes;
    for (const auto& id : swarm.node_ids_of(host))
      changes.emplace_back(id, !beating(swarm, id, host));
    for (const auto& [id, silent] : changes) swarm.set_silent(id, silent);
    if (swarm.leader_id() != leader) refresh_swarm(s, 1);
  }
}

void World::rpc(EndpointId from, EndpointId to, std::function<model::Response()> serve,
                std::function<void(model::Response)> on_reply, Duration timeout) {
  rpc_->call(from, to, std::move(serve), std::move(on_reply), timeout);
}

}  // namespace swarmsim::sim
