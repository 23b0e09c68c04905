#include "sim/swarm_sim.hpp"

#include <fmt/format.h>

#include "sim/streams.hpp"

namespace swarmsim::sim {

using model::ApiError;
using model::NodeRole;

// The first swarm's streams keep their plain names, so that runs without a
// second swarm draw what they always drew.
SwarmSim::SwarmSim(Kernel& kernel, Trace& trace, const SwarmSpec& spec, std::uint64_t seed,
                   std::size_t number, const LeaderSpec& leader)
    : kernel_(kernel),
      trace_(trace),
      spec_(spec),
      seed_(seed),
      number_(number),
      rng_(Rng::substream(seed, streams::swarm(number))),
      capacity_(kernel, leader, spec.heartbeat_period_ns,
                number == 0 ? std::string() : fmt::format("-{}", number + 1)) {}

bool SwarmSim::has_manager() const {
  return !managers_.empty();
}

void SwarmSim::indexed(const SwarmNodeRecord& n) {
  if (n.role == NodeRole::Manager)
    managers_.insert(n.id);
  else
    managers_.erase(n.id);
  by_host_[n.host].insert(n.id);
  list_keys_.insert(list_key(n.id));
  changed(n.id);
}

void SwarmSim::unindexed(const SwarmNodeRecord& n) {
  managers_.erase(n.id);
  list_keys_.erase(list_key(n.id));
  changed(n.id);
  auto it = by_host_.find(n.host);
  if (it == by_host_.end()) return;
  it->second.erase(n.id);
  if (it->second.empty()) by_host_.erase(it);
}

const std::set<std::string>& SwarmSim::node_ids_of(HostIndex host) const {
  static const std::set<std::string> kNone;
  auto it = by_host_.find(host);
  return it == by_host_.end() ? kNone : it->second;
}

std::string SwarmSim::new_node_id(const std::string& stream_key) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  const std::uint64_t n = node_ids_drawn_[stream_key]++;
  Rng rng = Rng::substream(seed_, streams::node_id(number_, stream_key, n));
  std::string id;
  do {
    id.clear();
    for (int i = 0; i < 25; ++i) id += kAlphabet[rng.uniform_u64(36)];
  } while (where_.contains(id) || list_keys_.contains(list_key(id)));
  return id;
}

std::string SwarmSim::init(HostIndex host, const std::string& host_name,
                           const std::string& stream_key, const std::string& hostname,
                           const std::string& arch, const std::string& addr,
                           Instant manager_clock) {
  auto token = [&](const char* kind) {
    std::string t = "SWMTKN-1-";
    for (int i = 0; i < 12; ++i) t += static_cast<char>('a' + rng_.uniform_u64(26));
    return t + "-" + kind;
  };
  tokens_ = model::JoinTokens{token("worker"), token("manager")};
  SwarmNodeRecord n;
  n.id = new_node_id(stream_key);
  n.host = host;
  n.host_name = host_name;
  n.role = NodeRole::Manager;
  n.created_at = manager_clock;
  n.created_sim = kernel_.now();
  n.registered = true;
  ++registered_;
  registered_changed();
  n.ready_since = kernel_.now();
  n.hostname = hostname;
  n.arch = arch;
  n.addr = addr;
  leader_ = n.id;
  ++certificates_[host_name];
  trace_.record(
      kernel_.now(), TraceKind::SwarmInit, host_name, n.id,
      number_ == 0 ? fmt::format("swarm created, leader hostname '{}'", hostname)
                   : fmt::format("swarm #{} created, leader hostname '{}'", number_ + 1, hostname));
  indexed(n);
  const std::string id = n.id;
  where_[id] = nodes_.insert_or_assign(id, std::move(n)).first;
  state_changed(where_[id]->second);
  return *leader_;
}

std::variant<ApiError, std::string> SwarmSim::issue_certificate(
    HostIndex host, const std::string& host_name, const std::string& stream_key,
    const std::string& token, const std::string& addr, Instant manager_clock,
    const std::string& advertise_addr) {
  if (token.empty() || (token != tokens_.Worker && token != tokens_.Manager))
    return ApiError{400,
                    "rpc error: code = InvalidArgument desc = A valid join token is necessary "
                    "to join this cluster"};
  SwarmNodeRecord n;
  n.id = new_node_id(stream_key);
  n.host = host;
  n.host_name = host_name;
  n.role = token == tokens_.Manager ? NodeRole::Manager : NodeRole::Worker;
  n.created_at = manager_clock;
  n.created_sim = kernel_.now();
  n.addr = addr;
  n.advertise_addr = advertise_addr;
  trace_.record(
      kernel_.now(), TraceKind::NodeCreated, host_name, n.id,
      fmt::format("certificate issued as {}; state unknown, no hostname yet", to_string(n.role)));
  std::string id = n.id;
  ++certificates_[host_name];
  indexed(n);
  where_[id] = nodes_.insert_or_assign(id, std::move(n)).first;
  // Silent until its engine, holding the reply, starts to heartbeat: a node
  // whose joiner never gets the answer (lost, or the host gone meanwhile)
  // turns down like any other silent node.
  set_silent(id, true);
  return id;
}

void SwarmSim::register_node(const std::string& id, const std::string& hostname,
                             const std::string& arch) {
  auto it = find_node(id);
  if (it == nodes_.end() || it->second.registered) return;
  it->second.registered = true;
  ++registered_;
  registered_changed();
  it->second.ready_since = kernel_.now();
  changed(id);
  it->second.hostname = hostname;
  it->second.arch = arch;
  trace_.record(
      kernel_.now(), TraceKind::NodeReady, it->second.host_name, id,
      fmt::format("registered: hostname '{}', {}, {}", hostname, arch, to_string(it->second.role)));
  state_changed(it->second);
}

Instant SwarmSim::down_at(const SwarmNodeRecord& n) const {
  const Instant at = *n.silent_since + spec_.down_after_ns;
  if (leader_changed_at_ && at > *leader_changed_at_)
    return std::max(at, *leader_changed_at_ + grace_after_leader_change());
  return at;
}

bool SwarmSim::silent_too_long(const SwarmNodeRecord& n) const {
  return n.silent_since && kernel_.now() >= down_at(n);
}

model::NodeState SwarmSim::state_of(const SwarmNodeRecord& n) const {
  // A node that got its certificate but never registered stays `unknown`
  // until the managers give up on it, then shows `down` like any other.
  if (silent_too_long(n)) return model::NodeState::Down;
  return n.registered ? model::NodeState::Ready : model::NodeState::Unknown;
}

model::NodeList::Key SwarmSim::list_key(std::string_view id) {
  auto word = [&](std::size_t from) {
    std::uint64_t w = 0;
    for (std::size_t i = from; i < from + 8; ++i)
      w = (w << 8) | (i < id.size() ? static_cast<unsigned char>(id[i]) : 0u);
    return w;
  };
  return {word(0), word(8)};
}

model::Node SwarmSim::node_view(const std::string& id, const SwarmNodeRecord& n) const {
  model::Node m;
  m.ID = id;
  m.VersionIndex = n.version;
  m.CreatedAt = n.created_at;
  m.Spec.Role = n.role;
  m.Description.Hostname = n.hostname;
  m.Description.Architecture = n.arch;
  m.Status.State = state_of(n);
  m.Status.Addr = n.addr;
  if (n.role == NodeRole::Manager && !n.raft_pending) {
    model::ManagerStatus ms;
    ms.Leader = leader_ && *leader_ == id;
    ms.Reachability_ =
        n.silent_since ? model::Reachability::Unreachable : model::Reachability::Reachable;
    ms.Addr = n.advertise_addr.empty() ? n.addr + ":2377" : n.advertise_addr;
    m.ManagerStatus_ = ms;
  }
  return m;
}

model::NodeList SwarmSim::list_nodes() const {
  const Instant now = kernel_.now();
  // Silent nodes whose silence has lasted long enough show `down` now.
  while (!turns_down_.empty() && turns_down_.begin()->first <= now) {
    changed(turns_down_.begin()->second);
    turns_down_.erase(turns_down_.begin());
  }
  if (listed_leader_ != leader_) {
    if (listed_leader_) changed(*listed_leader_);
    if (leader_) changed(*leader_);
    listed_leader_ = leader_;
  }
  for (const auto& id : unlisted_) {
    auto it = find_node(id);
    if (it == nodes_.end())
      listed_ = listed_.without(list_key(id));
    else
      listed_ = listed_.with(list_key(id),
                             std::make_shared<const model::Node>(node_view(id, it->second)));
  }
  unlisted_.clear();
  return listed_;
}

model::Response SwarmSim::remove_node(const std::string& id, bool force,
                                      const SwarmOrigin& origin) {
  auto it = find_node(id);
  if (it == nodes_.end()) return ApiError{404, fmt::format("node {} not found", id)};
  SwarmNodeRecord& n = it->second;
  if (n.role == NodeRole::Manager) {
    trace_.record(kernel_.now(), TraceKind::NodeRemoveFailed, n.host_name, id,
                  "refused: a raft member must be demoted first");
    return ApiError{400, fmt::format("rpc error: code = FailedPrecondition desc = node {} is a "
                                     "cluster manager and is a member of the raft cluster. It "
                                     "must be demoted to worker before removal",
                                     id)};
  }
  if (!force && state_of(n) != model::NodeState::Down)
    return ApiError{400, fmt::format("node {} is not down and can't be removed", id)};
  // The removal rewrites the cluster object with the node on its
  // blacklist: past raft's largest proposal, the write fails.
  if (capacity_.removal_too_large()) {
    capacity_.removal_refused();
    trace_.record(kernel_.now(), TraceKind::NodeRemoveFailed, n.host_name, id,
                  fmt::format("refused: the cluster object with {} remembered removals is over "
                              "raft's largest proposal",
                              capacity_.remembered_removals() + 1));
    return ApiError{500,
                    "rpc error: code = Unknown desc = raft: raft message is too large and "
                    "can't be sent"};
  }
  capacity_.removal_done();
  if (n.registered) {
    --registered_;
    registered_changed();
  }
  SwarmNodeRecord removed = std::move(n);
  where_.erase(id);
  nodes_.erase(it);
  unindexed(removed);
  trace_.record(kernel_.now(), TraceKind::NodeRemoved, removed.host_name, id,
                fmt::format("by {}: {}", origin.host_name, origin.why));
  if (on_removed) on_removed(removed, origin);
  return model::Ok{};
}

model::Response SwarmSim::update_role(const std::string& id, std::uint64_t version, NodeRole role,
                                      const SwarmOrigin& origin) {
  auto it = find_node(id);
  if (it == nodes_.end()) return ApiError{404, fmt::format("node {} not found", id)};
  SwarmNodeRecord& n = it->second;
  if (version != n.version)
    return ApiError{500, "rpc error: code = Unknown desc = update out of sequence"};
  if (n.role == role) return model::Ok{};
  if (role == NodeRole::Worker && n.raft_member()) {
    // Raft members only: a manager certificate that never registered, or a
    // node promoted while silent that never joined raft, is no member (see
    // is_manager_with_quorum), and demoting it touches no quorum.
    int managers = 0;
    for (const auto& m : managers_) managers += find_node(m)->second.raft_member();
    if (managers <= 1) {
      trace_.record(kernel_.now(), TraceKind::NodeRemoveFailed, n.host_name, id,
                    "demotion refused: last manager");
      return ApiError{400,
                      "rpc error: code = FailedPrecondition desc = attempting to demote the "
                      "last manager of the swarm"};
    }
    // Demoting a raft member takes it out of the raft group; swarmkit
    // refuses when the members left would not have a reachable majority.
    if (!keeps_quorum_without(id)) {
      trace_.record(kernel_.now(), TraceKind::NodeRemoveFailed, n.host_name, id,
                    "demotion refused: the raft group would lose its quorum");
      return ApiError{400,
                      "rpc error: code = FailedPrecondition desc = can't remove member from "
                      "the raft: this would result in a loss of quorum"};
    }
  }
  n.role = role;
  indexed(n);
  // Promoting a node that is not heard from only records the role: it joins
  // raft when it comes back.
  n.raft_pending = role == NodeRole::Manager && n.silent_since.has_value();
  ++n.version;
  trace_.record(kernel_.now(),
                role == NodeRole::Worker ? TraceKind::NodeDemoted : TraceKind::NodePromoted,
                n.host_name, id, fmt::format("by {}: {}", origin.host_name, origin.why));
  if (role == NodeRole::Worker) {
    if (leader_ && *leader_ == id) elect_leader();
    if (on_demoted) on_demoted(n, origin);
  } else if (on_promoted) {
    on_promoted(n, origin);
  }
  return model::Ok{};
}

void SwarmSim::elect_leader() {
  const std::optional<std::string> was = leader_;
  leader_.reset();
  for (const auto& id : managers_) {
    const SwarmNodeRecord& n = find_node(id)->second;
    if (n.raft_member() && !n.silent_since) {
      leader_ = id;
      break;
    }
  }
  // The new leader holds none of the old one's requests, and knows of no
  // node's heartbeats: it gives them its grace.
  if (was && leader_ != was) capacity_.leader_changed();
  if (leader_ && was && leader_ != was) {
    leader_changed_at_ = kernel_.now();
    if (on_leader_changed) on_leader_changed();
  }
}

void SwarmSim::set_silent(const std::string& id, bool silent) {
  auto it = find_node(id);
  if (it == nodes_.end()) return;
  SwarmNodeRecord& n = it->second;
  if (silent == n.silent_since.has_value()) return;
  if (!silent) {
    const bool was_down = silent_too_long(n);
    n.silent_since.reset();
    n.ready_since = kernel_.now();
    changed(id);
    n.raft_pending = false;  // a node promoted while away joins raft now
    if (was_down)
      trace_.record(kernel_.now(), TraceKind::NodeUp, n.host_name, id, "heartbeats again");
    if (!leader_) elect_leader();
    state_changed(n);
    return;
  }
  n.silent_since = kernel_.now();
  changed(id);
  turns_down_.emplace(down_at(n), id);
  const std::uint64_t silence = ++n.silences;
  if (leader_ && *leader_ == id) elect_leader();
  state_changed(n);
  // One event per silence, not per missed heartbeat: it only writes the
  // moment the node turns down into the trace. A silence is told apart by
  // its count, not its start time: two can start at the same instant.
  schedule_down(id, silence, kernel_.now() + spec_.down_after_ns);
}

void SwarmSim::schedule_down(const std::string& id, std::uint64_t silence, Instant at) {
  kernel_.schedule_at(at, [this, id, silence] {
    auto node = find_node(id);
    if (node == nodes_.end() || node->second.silences != silence || !node->second.silent_since)
      return;
    const SwarmNodeRecord& n = node->second;
    // A new leader's grace moved it later.
    if (const Instant later = down_at(n); later > kernel_.now()) {
      turns_down_.emplace(later, id);
      return schedule_down(id, silence, later);
    }
    trace_.record(kernel_.now(), TraceKind::NodeDown, n.host_name, id,
                  "no heartbeat for " + format_duration_ms(kernel_.now() - *n.silent_since));
    state_changed(n);
  });
}

bool SwarmSim::keeps_quorum_without(const std::string& id) const {
  int managers = 0, alive = 0;
  for (const auto& other : managers_) {
    const SwarmNodeRecord& n = find_node(other)->second;
    if (other == id || !n.raft_member()) continue;
    ++managers;
    alive += !n.silent_since;
  }
  return 2 * alive > managers;
}

bool SwarmSim::has_quorum() const {
  int managers = 0, alive = 0;
  for (const auto& m : managers_) {
    const SwarmNodeRecord& n = find_node(m)->second;
    if (!n.raft_member()) continue;
    ++managers;
    alive += !n.silent_since;
  }
  return 2 * alive > managers;
}

bool SwarmSim::is_manager_with_quorum(const std::string& id) const {
  auto it = find_node(id);
  if (it == nodes_.end() || !it->second.raft_member() || it->second.silent_since) return false;
  int managers = 0, alive = 0;
  for (const auto& m : managers_) {
    const SwarmNodeRecord& n = find_node(m)->second;
    // A manager joins raft when its engine connects and registers; a
    // certificate alone (the join reply lost on the way back) is no vote.
    if (!n.raft_member()) continue;
    ++managers;
    alive += !n.silent_since;
  }
  return 2 * alive > managers;
}

std::map<std::string, SwarmNodeRecord>::iterator SwarmSim::find_node(const std::string& id) {
  auto it = where_.find(id);
  return it == where_.end() ? nodes_.end() : it->second;
}

std::map<std::string, SwarmNodeRecord>::const_iterator SwarmSim::find_node(
    const std::string& id) const {
  auto it = where_.find(id);
  return it == where_.end() ? nodes_.end()
                            : std::map<std::string, SwarmNodeRecord>::const_iterator(it->second);
}

const SwarmNodeRecord* SwarmSim::node(const std::string& id) const {
  auto it = find_node(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

}  // namespace swarmsim::sim
