#include "sim/metrics.hpp"

#include <algorithm>
#include <numeric>

#include "sim/engine_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {

namespace {

double seconds(Duration d) {
  return static_cast<double>(d) / static_cast<double>(kSecond);
}

bool is_metadata_read(const model::Request& r) {
  return std::holds_alternative<model::MetaSelfHost>(r) ||
         std::holds_alternative<model::MetaHosts>(r) ||
         std::holds_alternative<model::MetaServiceContainers>(r) ||
         std::holds_alternative<model::MetaServiceMetadata>(r);
}

}  // namespace

MetricsCollector::MetricsCollector(World& world) : world_(world) {
  world.observe(*this);
}

void MetricsCollector::on(const WorldEvent& event) {
  struct Visit {
    MetricsCollector& m;
    void operator()(const NodeStateChanged& e) { m.on_node(e.swarm, e.node); }
    void operator()(const NodeRemoved& e) { m.on_node_removed(e.node); }
    void operator()(const NodeDemoted&) {}  // the role is not a metric
    void operator()(const NodePromoted&) {}
    void operator()(const SwarmSplit&) {}  // the safety checker reports it
    void operator()(const DecisiveReadAnswered&) {}
    void operator()(const DecisiveReadFailed&) {}
    void operator()(const HostChanged& e) { m.on_host(e.host); }
    void operator()(const CallMade& e) { m.on_call(e.request, e.leader); }
    void operator()(const NodeIdLearnt&) {}
    void operator()(const LeftSwarmByLogic&) {}
    void operator()(const TieWriteBegun&) {}
    void operator()(const LoopRanToEnd&) {}
    void operator()(const ServerAnswered&) {}
  };
  std::visit(Visit{*this}, event);
}

MetricsCollector::HostSeen& MetricsCollector::seen(HostIndex host) {
  if (host >= hosts_.size()) hosts_.resize(host + 1);
  return hosts_[host];
}

void MetricsCollector::on_node(const SwarmSim& swarm, const SwarmNodeRecord& n) {
  Seen state = Seen::Unknown;
  switch (swarm.state_of(n)) {
    case model::NodeState::Ready:
      state = Seen::Ready;
      break;
    case model::NodeState::Down:
      state = Seen::Down;
      break;
    default:
      break;
  }
  set_state(n.id, n.host, state);
}

void MetricsCollector::set_state(const std::string& id, HostIndex host, Seen state) {
  auto it = nodes_.find(id);
  if (it == nodes_.end()) {
    if (state == Seen::Absent) return;
    it = nodes_.emplace(id, NodeSeen{Seen::Absent, host}).first;
  }
  const Seen before = it->second.state;
  if (before == state) return;
  if (state == Seen::Absent)
    nodes_.erase(it);
  else
    it->second.state = state;

  if (before == Seen::Down) --down_;
  if (state == Seen::Down) peak_down_ = std::max(peak_down_, ++down_);
  if (before != Seen::Ready && state != Seen::Ready) return;
  HostSeen& st = seen(host);
  if (before == Seen::Ready) --st.ready;
  if (state == Seen::Ready) {
    ++st.ready;
    if (st.in_rancher && !st.ready_at && world_.hosts()[host].engine->node_id() == id)
      st.ready_at = world_.kernel().now();
  }
  reevaluate(host);
}

void MetricsCollector::on_node_removed(const SwarmNodeRecord& n) {
  set_state(n.id, n.host, Seen::Absent);
  HostSeen& st = seen(n.host);
  if (!st.removed_at) return;
  auto pending = std::find(st.pending_nodes.begin(), st.pending_nodes.end(), n.id);
  if (pending == st.pending_nodes.end()) return;
  st.pending_nodes.erase(pending);
  if (!st.pending_nodes.empty()) return;
  cleanups_s_.push_back(seconds(world_.kernel().now() - *st.removed_at));
  st.removed_at.reset();
}

// The host was registered in Rancher, removed or deleted from it, or its
// engine changed (went down, came back, joined or left a swarm).
void MetricsCollector::on_host(HostIndex host) {
  HostSeen& st = seen(host);
  const HostSim& h = world_.hosts()[host];
  if (h.in_rancher != st.in_rancher) {
    st.in_rancher = h.in_rancher;
    if (h.in_rancher) {
      // A new registration: its time to ready starts now, and the cleanup
      // of the last removal no longer applies.
      st.ready_at.reset();
      st.removed_at.reset();
      st.pending_nodes.clear();
    } else {
      st.pending_nodes.clear();
      for (std::size_t s = 0; s < world_.swarm_count(); ++s)
        for (const auto& id : world_.swarm(s).node_ids_of(host)) st.pending_nodes.push_back(id);
      if (!st.pending_nodes.empty()) st.removed_at = world_.kernel().now();
    }
  }
  // The engine may have just taken a node that is ready already: the one a
  // `swarm init` created, or the node of a machine registered again with
  // its swarm state.
  if (st.in_rancher && !st.ready_at && !h.engine->node_id().empty()) {
    auto held = nodes_.find(h.engine->node_id());
    if (held != nodes_.end() && held->second.state == Seen::Ready)
      st.ready_at = world_.kernel().now();
  }
  reevaluate(host);
}

// Whether this machine keeps the swarm from being converged: a host in
// Rancher whose engine runs needs exactly one ready node; a machine out of
// Rancher must have none.
void MetricsCollector::reevaluate(HostIndex host) {
  HostSeen& st = seen(host);
  const HostSim& h = world_.hosts()[host];
  const bool off = h.in_rancher ? h.engine->up() && st.ready != 1 : st.ready > 0;
  if (off != st.off_target) {
    st.off_target = off;
    if (off)
      ++off_target_;
    else
      --off_target_;
  }
  if (off_target_ > 0)
    converged_since_.reset();
  else if (!converged_since_)
    converged_since_ = world_.kernel().now();
}

void MetricsCollector::on_call(const model::Request& request, bool leader) {
  const std::size_t kind = request.index();
  if (request_names_[kind] == nullptr) request_names_[kind] = model::request_name(request);
  if (leader) ++leader_calls_[kind];
  if (is_metadata_read(request)) ++metadata_reads_;
  if (std::holds_alternative<model::SwarmJoin>(request)) ++join_attempts_;
}

RunMetrics MetricsCollector::finish(const std::vector<Violation>& safety,
                                    const std::map<std::string, int>& joins_by_host) const {
  RunMetrics m;
  const Instant now = world_.kernel().now();
  m.duration_s = seconds(now);
  auto per_second = [&](std::uint64_t n) {
    return m.duration_s > 0 ? static_cast<double>(n) / m.duration_s : 0.0;
  };

  // Per host name, its machine's latest registration.
  std::map<std::string, const HostSim*> latest;
  for (const auto& h : world_.hosts()) {
    if (h.registrations.empty()) continue;
    const HostSim*& l = latest[h.name];
    if (l == nullptr || h.registrations.back().first >= l->registrations.back().first) l = &h;
  }
  for (const auto& [name, h] : latest) {
    const HostSeen* st = h->index < hosts_.size() ? &hosts_[h->index] : nullptr;
    if (st == nullptr || !st->ready_at) {
      ++m.never_ready_hosts;
      continue;
    }
    const double t = seconds(*st->ready_at - h->added_at);
    m.time_to_ready_s[name] = t;
    m.time_to_ready_s_by_profile[h->profile.name].push_back(t);
  }
  for (auto& [profile, values] : m.time_to_ready_s_by_profile)
    std::sort(values.begin(), values.end());

  if (converged_since_ && off_target_ == 0) m.converged_at_s = seconds(*converged_since_);

  for (const auto& v : safety)
    m.spurious_evictions +=
        v.safety && (v.kind == "spurious-eviction" || v.kind == "spurious-demotion");
  for (const auto& [host, n] : joins_by_host) m.joins += static_cast<std::uint64_t>(n);
  m.spurious_evictions_per_join =
      m.joins > 0 ? static_cast<double>(m.spurious_evictions) / static_cast<double>(m.joins) : 0.0;
  m.join_attempts = join_attempts_;

  auto& cleanup = m.removed_host_cleanup_s;
  cleanup.count = cleanups_s_.size();
  if (!cleanups_s_.empty()) {
    cleanup.max_s = *std::max_element(cleanups_s_.begin(), cleanups_s_.end());
    cleanup.mean_s = std::accumulate(cleanups_s_.begin(), cleanups_s_.end(), 0.0) /
                     static_cast<double>(cleanups_s_.size());
  }
  for (const auto& st : hosts_) cleanup.never += st.removed_at.has_value();

  std::uint64_t leader_total = 0;
  for (std::size_t k = 0; k < kRequestKinds; ++k) {
    if (leader_calls_[k] == 0) continue;
    m.leader_calls_per_s[request_names_[k]] = per_second(leader_calls_[k]);
    leader_total += leader_calls_[k];
  }
  m.leader_calls_per_s_total = per_second(leader_total);
  m.metadata_reads_per_s = per_second(metadata_reads_);
  m.peak_nodes_down = peak_down_;
  servers(m);
  return m;
}

namespace {

RunMetrics::Server server_metrics(ServerSim& server) {
  const ServerStats& st = server.stats();
  RunMetrics::Server out;
  out.name = st.name;
  out.discipline = to_string(st.discipline);
  out.cores = st.cores;
  out.utilisation = st.utilisation();
  out.background_utilisation = st.background_utilisation();
  out.mean_in_server = st.mean_in_server();
  out.peak_in_server = st.peak_in_server;
  for (const auto& c : st.classes) {
    RunMetrics::ServerClass k;
    k.name = c.name;
    k.served = c.served;
    k.refused = c.refused;
    k.late = c.late;
    k.dropped = c.dropped;
    k.p50_s = static_cast<double>(c.latency.quantile(0.5)) / 1e9;
    k.p99_s = static_cast<double>(c.latency.quantile(0.99)) / 1e9;
    k.max_s = static_cast<double>(c.latency.max()) / 1e9;
    out.classes.push_back(std::move(k));
  }
  return out;
}

}  // namespace

void MetricsCollector::servers(RunMetrics& m) const {
  World& w = world_;
  LeaderCapacity& leader = w.swarm().capacity();
  m.servers.push_back(server_metrics(leader.cpu()));
  m.servers.push_back(server_metrics(leader.signer()));
  CattleCapacity& cattle = w.cattle_capacity();
  m.servers.push_back(server_metrics(cattle.api()));

  const ServerStats& cpu = leader.cpu().stats();
  m.leader_utilisation = cpu.utilisation();
  m.leader_heartbeat_utilisation = cpu.background_utilisation();
  LatencyHistogram all;
  for (const auto& c : cpu.classes) {
    all.merge(c.latency);
    m.leader_refused += c.refused;
    m.leader_late += c.late;
  }
  m.leader_p99_s = static_cast<double>(all.quantile(0.99)) / 1e9;
  const ServerStats& signer = leader.signer().stats();
  m.signer_utilisation = signer.utilisation();
  m.certificate_p99_s =
      static_cast<double>(
          signer.classes[static_cast<std::size_t>(LeaderClass::Sign)].latency.quantile(0.99)) /
      1e9;
  const ServerStats& api = cattle.api().stats();
  m.cattle_utilisation = api.utilisation();
  LatencyHistogram cattle_all;
  for (const auto& c : api.classes) {
    cattle_all.merge(c.latency);
    m.cattle_refused += c.refused;
  }
  m.cattle_p99_s = static_cast<double>(cattle_all.quantile(0.99)) / 1e9;
  m.cattle_bytes_out = cattle.bytes_out();
  m.cattle_changes = w.cattle().change_times().size() - 1;
  m.cattle_bandwidth_utilisation =
      m.duration_s > 0 ? m.cattle_bytes_out / (cattle.spec().bandwidth_bytes_per_s * m.duration_s)
                       : 0.0;
  for (auto& h : w.hosts()) {
    if (h.engine) {
      m.sessions_lost += h.engine->sessions_lost();
      m.registrations_refused += h.engine->registrations_refused();
    }
  }
  for (const MetadataReplicaSim* r : w.all_replicas()) {
    m.metadata_reloads += r->reloads();
    if (auto gap = r->shortest_reload_gap()) {
      const double s = static_cast<double>(*gap) / 1e9;
      m.metadata_reload_min_gap_s =
          m.metadata_reload_min_gap_s ? std::min(*m.metadata_reload_min_gap_s, s) : s;
    }
  }
  for (std::size_t s = 0; s < w.swarm_count(); ++s) {
    m.deaf_episodes += w.deaf_episodes(s);
    m.removals_refused += w.swarm(s).capacity().removals_refused();
  }
  m.remembered_removals = leader.remembered_removals();
}

}  // namespace swarmsim::sim
