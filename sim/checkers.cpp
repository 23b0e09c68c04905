#include "sim/checkers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "model/removal_policy.hpp"
#include "sim/engine_sim.hpp"
#include "sim/metadata_sim.hpp"
#include "sim/mon_sim.hpp"
#include "sim/note_checker.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {

SafetyChecker::SafetyChecker(World& world, bool stop_at_first)
    : world_(world), stopper_(world), stop_at_first_(stop_at_first) {
  world.observe(*this);
}

void SafetyChecker::on(const WorldEvent& event) {
  struct Visit {
    SafetyChecker& c;
    void operator()(const NodeRemoved& e) { c.on_removed(e.node, e.origin); }
    void operator()(const NodeDemoted& e) { c.on_demoted(e.node, e.origin); }
    void operator()(const NodePromoted& e) { c.on_promoted(e.node, e.origin); }
    void operator()(const NodeStateChanged&) {}  // judged by the liveness check at the end
    void operator()(const SwarmSplit& e) { c.on_split(e.created, e.host); }
    void operator()(const DecisiveReadAnswered& e) {
      Instant& last = c.last_read_at_[PassKey{e.host, e.pass}];
      last = std::max(last, e.as_of);
      if (e.of_hosts) {
        Instant& hosts = c.hosts_read_at_[PassKey{e.host, e.pass}];
        hosts = std::max(hosts, e.as_of);
      }
    }
    void operator()(const DecisiveReadFailed& e) {
      c.failed_reads_.emplace(PassKey{e.host, e.pass}, e.what);
    }
    void operator()(const HostChanged&) {}
    void operator()(const CallMade&) {}
    // What ties nodes to hosts is the liveness check's (NodeTies).
    void operator()(const NodeIdLearnt&) {}
    void operator()(const LeftSwarmByLogic&) {}
    void operator()(const TieWriteBegun&) {}
    void operator()(const LoopRanToEnd&) {}
    void operator()(const ServerAnswered&) {}
  };
  std::visit(Visit{*this}, event);
}

void SafetyChecker::on_split(const SwarmSim& created, HostIndex host) {
  const HostSim& h = world_.hosts()[host];
  report(Violation{true,
                   "second-swarm",
                   world_.kernel().now(),
                   h.name,
                   created.leader_id().value_or(""),
                   fmt::format("{} ran `swarm init` while the environment's swarm still has "
                               "managers: swarm #{} now runs beside it (a split brain), and "
                               "whoever reads its join tokens joins the wrong one",
                               h.name, created.number() + 1),
                   {},
                   {}});
}

void SafetyChecker::check_promises(const SwarmNodeRecord& n, const SwarmOrigin& origin) {
  const model::RemovalPolicy& policy = world_.options().policy;
  if (origin.pass == 0) return;
  const PassKey key{origin.host, origin.pass};
  const Instant now = world_.kernel().now();
  const std::string victim = world_.hosts()[n.host].name;
  const int removed = ++removals_in_pass_[key];
  if (policy.promises_bounded_removals() && removed > policy.max_removals_per_pass) {
    report(
        Violation{true,
                  "removals-over-bound",
                  now,
                  victim,
                  n.id,
                  fmt::format("the pass of {} removed {} nodes; the policy promises at most {}. "
                              "This one: {}",
                              origin.host_name, removed, policy.max_removals_per_pass, origin.why),
                  {},
                  {}});
  }
  if (auto failed = failed_reads_.find(key);
      failed != failed_reads_.end() && policy.promises_no_removal_on_failed_read()) {
    report(Violation{true,
                     "removed-after-failed-read",
                     now,
                     victim,
                     n.id,
                     fmt::format("the pass of {} removed this node although its read '{}' "
                                 "failed or was empty. Reason given: {}",
                                 origin.host_name, failed->second, origin.why),
                     {},
                     {}});
  }
}

void SafetyChecker::report(Violation v) {
  stopper_.trace().record(v.time_ns, TraceKind::Violation, v.host, v.node_id,
                          v.kind + ": " + v.detail);
  violations_.push_back(std::move(v));
  if (stop_at_first_) stopper_.kernel().request_stop();
}

std::string SafetyChecker::explain(const SwarmNodeRecord& n, const SwarmOrigin& origin) const {
  const Instant now = world_.kernel().now();
  const HostSim& victim = world_.hosts()[n.host];
  const HostSim& asker = world_.hosts()[origin.host];
  const std::string who =
      origin.why == kOutsideClientWhy
          ? (asker.external_agent ? "the external swarmkit-mon (or another client) on "
                                  : "a client of the Engine API on ")
          : "the hook on ";
  std::string out = fmt::format(
      "{}{} acted on the node of {} host {} (uuid {}), which is active in Cattle. "
      "Reason given: \"{}\". Identity: the engine reports '{}', Rancher registered '{}' "
      "(the legacy key is '{}'). Node age {}, {}.",
      who, asker.name, to_string(victim.profile.arch), victim.name, victim.uuid, origin.why,
      n.hostname.empty() ? std::string("(not registered yet)") : n.hostname,
      victim.rancher_hostname, model::metadata_hostname_key(victim.rancher_hostname),
      format_duration_ms(now - n.created_sim),
      n.registered ? "registered" : "certificate issued but not yet registered");
  const auto& snap = asker.metadata->snapshot();
  const auto latest = world_.cattle().latest();
  if (!snap) {
    out += fmt::format(" {}'s metadata replica had loaded nothing yet.", asker.name);
  } else {
    const bool listed = snap->find_host(victim.uuid) != nullptr;
    out += fmt::format(
        " {}'s metadata replica holds Cattle v{} loaded {} ago (Cattle is at v{}); hosts "
        "in it: {}; {} {}.",
        asker.name, snap->version, format_duration_ms(now - asker.metadata->loaded_at()),
        latest->version, snap->hosts.size(), victim.name,
        listed ? "listed"
               : "MISSING (added to Cattle " + format_duration_ms(now - victim.added_at) + " ago" +
                     ")");
    if (asker.metadata->stalled_until() > now)
      out += " The replica is stalled for " +
             format_duration_ms(asker.metadata->stalled_until() - now) + " more.";
  }
  return out;
}

void SafetyChecker::on_removed(const SwarmNodeRecord& n, const SwarmOrigin& origin) {
  check_promises(n, origin);
  const Instant now = world_.kernel().now();
  const HostSim& victim = world_.hosts()[n.host];
  if (n.host == origin.host && victim.engine->node_id() == n.id) {
    report(Violation{true,
                     "removed-self",
                     now,
                     victim.name,
                     n.id,
                     (origin.why == kOutsideClientWhy
                          ? "a client of the host's Engine API removed its own node"
                          : "the hook removed the node of the host it runs on: " + origin.why),
                     {},
                     {}});
  }
  const auto from = world_.hosts()[origin.host].engine->swarm_number();
  if (from && !world_.swarm(*from).has_manager()) {
    report(Violation{true,
                     "removed-last-manager",
                     now,
                     victim.name,
                     n.id,
                     "the swarm has no manager left: " + origin.why,
                     {},
                     {}});
  }
  if (live_hosts_node(n) && could_know(n, origin)) {
    report(
        Violation{true, "spurious-eviction", now, victim.name, n.id, explain(n, origin), {}, {}});
  }
}

bool SafetyChecker::live_hosts_node(const SwarmNodeRecord& n) const {
  // The node of a host that exists in Cattle, and the one its engine uses:
  // a stale node of the same machine (it left and joined again, or it was
  // re-registered and rejoined) is not a live host's node.
  const HostSim& h = world_.hosts()[n.host];
  return world_.cattle().host_active(h.uuid) && h.engine->node_id() == n.id;
}

bool SafetyChecker::could_know(const SwarmNodeRecord& n, const SwarmOrigin& origin) const {
  // A pass acts on the world as its reads showed it. A machine registered
  // in Rancher again after the pass's last read of the hosts (the same
  // machine re-added while the leader was deciding) was not there to be
  // seen: no policy can avoid that race without a transaction Docker and
  // Cattle do not share. A node list read later (the scaling step reads it
  // again) shows no registration. Anything older the leader could have
  // read, stale replicas included, which is what the 2017 races are made of.
  if (origin.pass == 0) return true;
  const PassKey key{origin.host, origin.pass};
  auto hosts = hosts_read_at_.find(key);
  if (hosts != hosts_read_at_.end()) return world_.hosts()[n.host].added_at <= hosts->second;
  auto read = last_read_at_.find(key);
  return read == last_read_at_.end() || world_.hosts()[n.host].added_at <= read->second;
}

void SafetyChecker::on_demoted(const SwarmNodeRecord& n, const SwarmOrigin& origin) {
  const HostSim& victim = world_.hosts()[n.host];
  // A manager whose host has left Rancher steps down once its successors
  // hold the quorum: sparing itself is a promise of a live host's leader.
  if (world_.options().policy.promises_to_spare_itself() && n.host == origin.host &&
      victim.engine->node_id() == n.id && victim.in_rancher) {
    report(Violation{true,
                     "demoted-self",
                     world_.kernel().now(),
                     victim.name,
                     n.id,
                     "the leader demoted its own node: " + origin.why,
                     {},
                     {}});
  }
  if (!origin.eviction) return;  // scaling to MANAGER_SCALE is not an eviction
  if (live_hosts_node(n) && could_know(n, origin)) {
    report(Violation{true,
                     "spurious-demotion",
                     world_.kernel().now(),
                     victim.name,
                     n.id,
                     explain(n, origin),
                     {},
                     {}});
  }
}

// fixed: a manager is made only of a live host's node. A promotion of a
// node whose host had left Rancher before the pass's last decisive read
// (or, outside a pass, before the promotion) was the policy's choice.
void SafetyChecker::on_promoted(const SwarmNodeRecord& n, const SwarmOrigin& origin) {
  if (!world_.options().policy.promises_sound_promotions() || origin.why == kOutsideClientWhy)
    return;
  if (live_hosts_node(n)) return;
  const HostSim& victim = world_.hosts()[n.host];
  // What the pass knew of the hosts: its last read of them.
  Instant known = world_.kernel().now();
  if (origin.pass != 0) {
    auto read = hosts_read_at_.find(PassKey{origin.host, origin.pass});
    if (read != hosts_read_at_.end()) known = read->second;
  }
  const bool host_gone =
      !victim.in_rancher && victim.left_rancher_at >= 0 && victim.left_rancher_at <= known;
  if (!host_gone) return;
  report(Violation{true,
                   "unsound-promotion",
                   world_.kernel().now(),
                   victim.name,
                   n.id,
                   fmt::format("{} promoted the node of {}, whose host left Rancher at {}, before "
                               "the reads it decided on. Reason given: {}",
                               origin.host_name, victim.name,
                               format_duration_ms(victim.left_rancher_at), origin.why),
                   {},
                   {}});
}

std::vector<Violation> LivenessChecker::check(const World& world, const NodeTies& ties,
                                              const QuorumChecker::Judgement& quorum) {
  std::vector<Violation> out;
  const Instant now = world.kernel().now();
  // The excuse a lost quorum gives, for the violations it explains.
  auto quorum_excuse = [&](Violation& v) {
    if (!quorum.lost || !quorum.excused) return false;
    v.environment = quorum.why;
    v.world_events = quorum.world_events;
    return true;
  };
  std::map<std::size_t, std::vector<const SwarmNodeRecord*>> by_host;
  for (const auto& [id, n] : world.swarm().nodes()) by_host[n.host].push_back(&n);
  for (const auto& h : world.hosts()) {
    const auto& nodes = by_host[h.index];
    // A node whose Rancher registration is gone must be gone too, unless it
    // is the node the machine's engine still uses under a later
    // registration (the same machine re-added with its swarm state).
    for (const auto* n : nodes) {
      const bool current = h.in_rancher && h.engine->node_id() == n->id;
      if (current || world.cattle().host_active(h.uuid_at(n->created_sim))) continue;
      Violation v{
          false,
          "orphan-node",
          now,
          h.name,
          n->id,
          fmt::format("host {} ({}) was removed from Rancher but its node (state {}) is "
                      "still in the swarm",
                      h.name, h.uuid_at(n->created_sim), to_string(world.swarm().state_of(*n))),
          {},
          {}};
      v.environment =
          evidence_destroyed(world, ties, *n, h.uuid_at(n->created_sim), v.world_events);
      if (v.environment.empty()) v.environment = leader_cannot_run(world, v.world_events);
      if (v.environment.empty()) v.environment = last_manager_alone(world, *n, v.world_events);
      if (v.environment.empty()) quorum_excuse(v);
      if (!v.environment.empty())
        v.detail += ". Not the logic's doing: " + v.environment;
      else if (quorum.lost)
        v.detail += ". " + quorum.why;
      out.push_back(std::move(v));
    }
    if (!h.in_rancher) continue;
    if (!h.engine->up()) continue;  // not live: crashed and not back
    int ready = 0;
    for (const auto* n : nodes) ready += world.swarm().state_of(*n) == model::NodeState::Ready;
    if (ready == 1) continue;
    const std::string phase = h.mon->running() ? h.mon->logic()->phase() : "not running";
    Violation v{false,
                ready == 0 ? "no-ready-node" : "duplicate-ready-nodes",
                now,
                h.name,
                h.engine->node_id(),
                fmt::format("live host {} has {} ready nodes ({} records); engine {} node '{}'; "
                            "swarmkit-mon phase {}",
                            h.name, ready, nodes.size(), to_string(h.engine->local_state()),
                            h.engine->node_id(), phase),
                {},
                {}};
    if (ready == 0) v.environment = environment_cause(world, h, v.world_events);
    if (ready == 0 && v.environment.empty()) quorum_excuse(v);
    if (!v.environment.empty())
      v.detail += ". Not the logic's doing: " + v.environment;
    else if (quorum.lost)
      v.detail += ". " + quorum.why;
    out.push_back(std::move(v));
  }
  if (auto v = manager_count(world, quorum)) out.push_back(std::move(*v));
  return out;
}

// fixed: the managers settle at MANAGER_SCALE, or at the largest odd count
// the live nodes allow, each the ready node of a live host. A live node
// here is the one a machine whose host is active in Cattle holds, ready;
// one whose swarmkit-mon cannot run (an image without its architecture)
// counts only if Cattle already ties it to its host, since nothing else
// could. Checked once the world is quiet, like the rest.
std::optional<Violation> LivenessChecker::manager_count(const World& world,
                                                        const QuorumChecker::Judgement& quorum) {
  if (!world.options().policy.promises_manager_count()) return std::nullopt;
  const SwarmSim& swarm = world.swarm();
  if (!swarm.exists()) return std::nullopt;  // no swarm: no-ready-node says why
  int live = 0, managers = 0;
  std::vector<std::string> stray;  // managers that are not a live host's ready node
  for (const auto& [id, n] : swarm.nodes()) {
    const HostSim& h = world.hosts()[n.host];
    const bool is_live = h.in_rancher && h.machine_on && h.engine->up() &&
                         h.engine->node_id() == id && swarm.state_of(n) == model::NodeState::Ready;
    bool countable = is_live;
    if (is_live && image_keeps_it_down_or_absent(h)) {
      const model::CattleHost* host = world.cattle().host(h.uuid);
      auto claim = host ? host->labels.find(model::kNodeIdLabel) : decltype(host->labels.end()){};
      countable = host != nullptr && claim != host->labels.end() && claim->second == id;
    }
    live += countable;
    if (n.role != model::NodeRole::Manager) continue;
    ++managers;
    if (!is_live) stray.push_back(h.name);
  }
  // No live node at all: nobody to hand over to, and the last manager
  // cannot go; the orphan check says what is left behind.
  if (live == 0) return std::nullopt;
  int target = std::min(world.manager_scale(), live);
  if (target % 2 == 0) --target;
  target = std::max(target, 0);
  if (managers == target && stray.empty()) return std::nullopt;
  std::string strays;
  for (const auto& name : stray) strays += (strays.empty() ? "" : ", ") + name;
  Violation v{false,
              "manager-count",
              world.kernel().now(),
              "swarm",
              "",
              fmt::format("{} manager{} for {} live node{} at MANAGER_SCALE {}: {} wanted{}",
                          managers, managers == 1 ? "" : "s", live, live == 1 ? "" : "s",
                          world.manager_scale(), target,
                          strays.empty() ? ""
                                         : fmt::format("; managers that are no live host's ready "
                                                       "node: {}",
                                                       strays)),
              {},
              {}};
  v.environment = leader_cannot_run(world, v.world_events);
  if (v.environment.empty() && quorum.lost && quorum.excused) {
    v.environment = quorum.why;
    v.world_events = quorum.world_events;
  }
  if (!v.environment.empty())
    v.detail += ". Not the logic's doing: " + v.environment;
  else if (quorum.lost)
    v.detail += ". " + quorum.why;
  return v;
}

// A node left behind with nothing in the world to tie it to its removed
// host: no claim of the host names it in Cattle, its address is not the
// host's agent IP (NAT, a second interface), no agent noted its departure,
// and the logic had no chance to leave any of that: its engine never learnt
// the node's ID (the reply to its join was lost), or since the node was
// created, or since someone else's whole-host PUT reverted its claim, no
// loop of the machine's swarmkit-mon started while its engine held the
// node, or the last one that did tried to write a claim or a departure note
// and the world (a crash, a partition, the removal, a Cattle error) kept it
// from landing and gave it no later loop. An agent that made its engine
// leave the swarm after such a write failed had its chance, and threw it
// away. No policy that removes only on evidence can remove such a node.
std::string LivenessChecker::evidence_destroyed(const World& world, const NodeTies& ties,
                                                const SwarmNodeRecord& n, const std::string& uuid,
                                                std::vector<std::string>& events) {
  const model::CattleHost* host = world.cattle().host(uuid);
  if (host == nullptr) return {};
  // The machine came back under a new host, at the node's address, and its
  // swarmkit-mon cannot run the image: only that agent can say whether the
  // node is its engine's (to claim it) or left behind (to note it), and a
  // leader that removed it unasked could evict a live host's node.
  if (const HostSim& back = world.hosts()[n.host]; back.in_rancher && back.uuid != uuid &&
                                                   back.agent_ip == n.addr &&
                                                   image_keeps_it_down_or_absent(back)) {
    const std::string& image =
        world.world_event_before(World::kNoHost, world.kernel().now(), {EventKind::PublishImage});
    if (!image.empty()) events.push_back(image);
    return fmt::format(
        "the machine of host {} is registered again as {} at the node's address, and its "
        "swarmkit-mon cannot run the image (no {} build) to claim the node or note it left",
        uuid, back.uuid, to_string(back.profile.arch));
  }
  if (auto claim = host->labels.find(model::kNodeIdLabel);
      claim != host->labels.end() && claim->second == n.id)
    return {};
  // Its departure note was written, and another writer's whole-service PUT
  // dropped it, and the agent that wrote it could not write it again: the
  // note was the only tie, unless the address still ties the node to its
  // host alone (no host in Rancher now has that address, as the same
  // machine registered again does).
  bool address_taken = false;
  for (const auto& h : world.hosts())
    address_taken |= h.in_rancher && h.uuid != uuid && h.agent_ip == n.addr;
  if (n.addr != host->agent_ip || address_taken) {
    for (const auto& lost : world.lost_notes()) {
      if (lost.node_id != n.id || lost.host_uuid != uuid) continue;
      std::vector<std::string> why_events;
      const std::string why =
          NoteChecker::why_not_rewritten(world, uuid, world.kernel().now(), why_events);
      if (why.empty()) break;
      events.push_back(
          fmt::format("the departure note of {} dropped at {} by a stale PUT of the "
                      "service",
                      n.id, format_duration_ms(lost.at)));
      events.insert(events.end(), why_events.begin(), why_events.end());
      return "its departure note was dropped by another writer's PUT, and " + why;
    }
  }
  if (n.addr == host->agent_ip) return {};
  if (world.cattle().service().departed.contains(n.id)) return {};
  const std::string nothing = fmt::format(
      "its address {} is not the host's agent IP {}, no claim on it is in Cattle and no agent "
      "noted its departure: nothing ties the node to host {}",
      n.addr, host->agent_ip, uuid);
  const HostSim& machine = world.hosts()[n.host];
  const Instant now = world.kernel().now();
  // The events are named only when they excuse the orphan.
  std::vector<std::string> named;
  const std::string& removal =
      world.world_event_before(n.host, now, {EventKind::RemoveHost, EventKind::DeleteHost});
  if (!removal.empty()) named.push_back(removal);
  if (!ties.held(n.host, n.id)) {
    const std::string& cut =
        world.world_event_before(n.host, n.created_sim + world.options().join_timeout_ns,
                                 {EventKind::Partition, EventKind::Crash});
    named.push_back(!cut.empty() ? cut
                                 : fmt::format("the {} link of {} lost the reply",
                                               machine.profile.link, machine.name));
    events.insert(events.end(), named.begin(), named.end());
    return "the engine never learnt the node's ID (the reply to its join was lost); " + nothing;
  }
  const auto reverted = world.claim_reverted_at(uuid, n.id);
  const Instant lost_at = std::max(n.created_sim, reverted.value_or(n.created_sim));
  const Instant tried = ties.tie_written(n.host, n.id);
  const Instant full_start = ties.full_loop_began(n.host, n.id);
  // A whole loop came after the claim was lost and did not try.
  if (full_start > lost_at && tried < full_start) return {};
  // Its own logic had the engine leave the swarm, with nothing in Cattle
  // to tie the node to its host: it threw its chance away.
  const Instant left = ties.left_by_logic(n.host, n.id);
  if (left >= 0 && left >= tried) return {};
  if (reverted) {
    const std::string& edit = world.world_event_before(n.host, *reverted, {EventKind::EditLabels});
    if (!edit.empty()) named.push_back(edit);
  }
  const bool attempted = tried > lost_at;
  if (attempted) {
    // The last attempt did not land: what cut it, if a timeline event did.
    const std::string& cut = world.world_event_before(
        n.host, now, {EventKind::Crash, EventKind::Partition, EventKind::MachineDies});
    if (!cut.empty())
      named.push_back(cut);
    else if (world.spec().cattle != CattleSpec{})
      named.push_back("cattle.write_error/write_timeout: the Cattle API's write faults");
  }
  events.insert(events.end(), named.begin(), named.end());
  return fmt::format("{}; {}",
                     attempted ? "the last attempt of the host's swarmkit-mon to tie the node to "
                                 "it did not land, and no loop of it ran to its end after"
                     : reverted
                         ? "its claim was reverted by a whole-host PUT of an older copy and "
                           "no loop of the host's swarmkit-mon ran to its end after"
                         : "no loop of the host's swarmkit-mon ran to its end after its join",
                     nothing);
}

// The node is the swarm's last raft member and no live host has a ready
// node in the swarm: there is nobody to hand the swarm over to, and Docker
// refuses to demote or remove the last manager.
std::string LivenessChecker::last_manager_alone(const World& world, const SwarmNodeRecord& n,
                                                std::vector<std::string>& events) {
  if (n.role != model::NodeRole::Manager) return {};
  const SwarmSim& swarm = world.swarm();
  for (const auto& [id, other] : swarm.nodes()) {
    if (id == n.id) continue;
    if (other.raft_member()) return {};
    const HostSim& h = world.hosts()[other.host];
    if (h.in_rancher && h.machine_on && h.engine->up() && h.engine->node_id() == id &&
        swarm.state_of(other) == model::NodeState::Ready)
      return {};
  }
  const std::string& gone = world.world_event_before(
      n.host, world.kernel().now(), {EventKind::RemoveHost, EventKind::DeleteHost});
  if (!gone.empty()) events.push_back(gone);
  return "it is the swarm's last manager and no live host has a node to hand the swarm over to: "
         "Docker refuses to demote or remove the last manager";
}

namespace {

// The host in Rancher whose swarmkit-mon container has the lowest
// create_index: the one that leads (or would create the swarm).
const HostSim* leading_host(const World& world) {
  const auto& containers = world.cattle().latest()->containers;
  const auto first = std::min_element(
      containers.begin(), containers.end(),
      [](const auto& a, const auto& b) { return a.create_index < b.create_index; });
  if (first == containers.end()) return nullptr;
  for (const auto& h : world.hosts())
    if (h.in_rancher && h.uuid == first->host_uuid) return &h;
  return nullptr;
}

// Its container is listed (it exists, restarting) but exits at once.
bool image_keeps_it_down(const HostSim& h) {
  return h.image_fails && !h.mon->running();
}

// Under the leader rule of fixed, as the world stands: the first container
// by create_index whose host is in Rancher, labelled swarm=manager in
// Cattle, with its engine's node a reachable raft member.
const HostSim* first_reachable_labelled_manager(const World& world) {
  const SwarmSim& swarm = world.swarm();
  std::vector<std::pair<std::uint64_t, const HostSim*>> labelled;
  for (const auto& c : world.cattle().latest()->containers) {
    for (const auto& h : world.hosts()) {
      if (!h.in_rancher || h.uuid != c.host_uuid) continue;
      const model::CattleHost* host = world.cattle().host(h.uuid);
      auto label = host ? host->labels.find("swarm") : decltype(host->labels.end()){};
      if (host == nullptr || label == host->labels.end() || label->second != "manager") continue;
      const SwarmNodeRecord* n = swarm.node(h.engine->node_id());
      if (n == nullptr || !n->raft_member() || n->silent_since) continue;
      labelled.emplace_back(c.create_index, &h);
    }
  }
  if (labelled.empty()) return nullptr;
  return std::min_element(labelled.begin(), labelled.end(),
                          [](const auto& a, const auto& b) { return a.first < b.first; })
      ->second;
}

const std::string& image_event(const World& world) {
  return world.world_event_before(World::kNoHost, world.kernel().now(), {EventKind::PublishImage});
}

// What kept a host's replica from listing it: a stall or empty answers of
// its own, else its profile's lag.
std::string replica_event(const World& world, const HostSim& h) {
  const std::string& e = world.world_event_before(
      h.index, world.kernel().now(), {EventKind::MetadataStall, EventKind::MetadataEmpty});
  if (!e.empty()) return e;
  return fmt::format("metadata_lag of profile '{}' ({})", h.profile.name,
                     h.profile.metadata_lag.describe());
}

}  // namespace

bool LivenessChecker::image_keeps_it_down_or_absent(const HostSim& h) {
  return image_keeps_it_down(h);
}

// When the leading host's container cannot run its image, nothing
// reconciles the swarm.
std::string LivenessChecker::leader_cannot_run(const World& world,
                                               std::vector<std::string>& events) {
  const HostSim* leader = leading_host(world);
  if (leader != nullptr && image_keeps_it_down(*leader)) {
    events.push_back(image_event(world));
    return fmt::format(
        "{}, which leads (the lowest create_index), cannot run the swarmkit-mon "
        "image (no {} build): nothing reconciles the swarm",
        leader->name, to_string(leader->profile.arch));
  }
  // The leader rule of the policies that lead among managers: the first
  // host labelled swarm=manager, by create_index, whose manager node is
  // reachable. Metadata does not tell the others that its container
  // crash-loops on an image without its architecture.
  if (world.options().policy.leads_among_managers()) {
    if (const HostSim* first = first_reachable_labelled_manager(world);
        first != nullptr && image_keeps_it_down(*first)) {
      events.push_back(image_event(world));
      return fmt::format(
          "{}, which leads (the first host labelled swarm=manager whose manager "
          "node is reachable), cannot run the swarmkit-mon image (no {} build), "
          "and nothing in metadata tells the other managers so",
          first->name, to_string(first->profile.arch));
    }
  }
  // Only a manager can reconcile, whichever leader rule a policy has: when
  // no host whose engine is a manager can run the image, none can.
  std::string managers;
  for (const auto& [id, n] : world.swarm().nodes()) {
    if (n.role != model::NodeRole::Manager) continue;
    const HostSim& h = world.hosts()[n.host];
    if (h.engine->node_id() != id || !h.engine->up()) continue;
    if (!image_keeps_it_down(h)) return {};
    managers += (managers.empty() ? "" : ", ") + h.name;
  }
  if (managers.empty()) return {};
  events.push_back(image_event(world));
  return fmt::format(
      "no manager can run the swarmkit-mon image ({}: no build for their "
      "architecture): nothing reconciles the swarm",
      managers);
}

std::string LivenessChecker::environment_cause(const World& world, const HostSim& h,
                                               std::vector<std::string>& events) {
  // No logic runs where the swarmkit-mon image cannot.
  if (image_keeps_it_down(h)) {
    events.push_back(image_event(world));
    return fmt::format(
        "the swarmkit-mon image {} pulled has no {} build: its container exits "
        "with an exec format error",
        h.name, to_string(h.profile.arch));
  }
  // Without one write through the Cattle API, no join token is ever
  // published and no host can join.
  if (world.spec().cattle.write_error_p >= 1.0) {
    events.push_back("cattle.write_error 1: the Cattle API refuses every write");
    return "the Cattle API refused every write: no join token could be published";
  }
  // The logic can do nothing before its host's metadata replica has answered
  // for it: that is where it learns its agent IP and who leads.
  if (!h.metadata->snapshot() || !h.metadata->snapshot()->find_host(h.uuid)) {
    events.push_back(replica_event(world, h));
    return fmt::format("the metadata replica of {} never listed the host within the run", h.name);
  }
  if (world.swarm().exists()) return {};
  // No swarm at all: nobody could have created it if the host that would
  // lead never heard of itself from its replica, or cannot run the logic.
  const HostSim* leader = leading_host(world);
  if (leader == nullptr) return {};
  if (!leader->metadata->snapshot() || !leader->metadata->snapshot()->find_host(leader->uuid)) {
    events.push_back(replica_event(world, *leader));
    return fmt::format(
        "no swarm exists: the metadata replica of {}, which would lead it, never "
        "listed its own host within the run",
        leader->name);
  }
  if (image_keeps_it_down(*leader)) {
    events.push_back(image_event(world));
    return fmt::format(
        "no swarm exists: {}, which would lead it (the lowest create_index), "
        "cannot run the swarmkit-mon image (no {} build)",
        leader->name, to_string(leader->profile.arch));
  }
  // Its machine is gone before it made the swarm. Another host may make it
  // only once it knows the first is dead, not cut off or slow: nothing in
  // Docker or Rancher 1.x tells, and a second `swarm init` beside a live
  // first one splits the swarm.
  if (!leader->machine_on) {
    const std::string& gone =
        world.world_event_before(leader->index, world.kernel().now(), {EventKind::MachineDies});
    if (!gone.empty()) events.push_back(gone);
    return fmt::format(
        "no swarm exists: the machine of {}, which would create it (the lowest "
        "create_index), died first, and no other host can tell it from one cut off",
        leader->name);
  }
  return {};
}

}  // namespace swarmsim::sim
