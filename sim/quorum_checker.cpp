#include "sim/quorum_checker.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sim/engine_sim.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {

QuorumChecker::QuorumChecker(World& world) : world_(world) {
  world.observe(*this);
}

void QuorumChecker::on(const WorldEvent& event) {
  struct Visit {
    QuorumChecker& c;
    void operator()(const NodeStateChanged& e) {
      if (e.node.role == model::NodeRole::Manager) c.observe(e.swarm);
    }
    // A change of membership may take or give back a majority.
    void operator()(const NodeRemoved&) { c.observe_all(); }
    void operator()(const NodeDemoted&) { c.observe_all(); }
    void operator()(const NodePromoted&) { c.observe_all(); }
    void operator()(const SwarmSplit&) {}
    void operator()(const DecisiveReadAnswered&) {}
    void operator()(const DecisiveReadFailed&) {}
    void operator()(const HostChanged&) {}
    void operator()(const CallMade&) {}
    void operator()(const NodeIdLearnt&) {}
    void operator()(const LeftSwarmByLogic&) {}
    void operator()(const TieWriteBegun&) {}
    void operator()(const LoopRanToEnd&) {}
    void operator()(const ServerAnswered&) {}
  };
  std::visit(Visit{*this}, event);
}

Duration QuorumChecker::reaction_window(const SwarmSpec& swarm) {
  return swarm.down_after_ns + 2 * swarm.loop_interval_ns + 5 * kSecond;
}

void QuorumChecker::observe_all() {
  for (std::size_t s = 0; s < world_.swarm_count(); ++s) observe(world_.swarm(s));
}

void QuorumChecker::observe(const SwarmSim& swarm) {
  const bool now = swarm.has_quorum();
  auto [it, first] = held_.emplace(swarm.number(), now);
  const bool before = first ? true : it->second;
  it->second = now;
  if (before && !now && swarm.exists()) last_loss_[swarm.number()] = snapshot(swarm);
}

QuorumChecker::Loss QuorumChecker::snapshot(const SwarmSim& swarm) const {
  Loss loss;
  loss.at = world_.kernel().now();
  for (const auto& [id, n] : swarm.nodes()) {
    const HostSim& h = world_.hosts()[n.host];
    // Every manager by role: a node promoted while silent joins raft only
    // when heard from again, so a raft group can be even because the world
    // took a promoted node before it joined; the policy asked for them all.
    if (n.role == model::NodeRole::Manager) {
      ++loss.members;
      if (!n.silent_since) continue;
      Lost l{id, h.name, *n.silent_since, {}, {}};
      const EngineSim& e = *h.engine;
      const Instant t = *n.silent_since;
      if (!h.machine_on) {
        l.event =
            world_.world_event_before(n.host, t, {EventKind::MachineDies, EventKind::RemoveHost});
      } else if (!e.up()) {
        l.event = world_.world_event_before(n.host, t, {EventKind::Crash});
      } else if (e.node_id() != id || e.swarm_number() != swarm.number()) {
        l.logic_cause = fmt::format(
            "the engine of {} left the swarm (its own swarmkit-mon asked "
            "it to) while its node was a manager",
            h.name);
      } else if (!e.heartbeating()) {
        l.event = fmt::format("{} busy after joining (busy_after_join of profile '{}')", h.name,
                              h.profile.name);
      } else {
        l.event = world_.world_event_before(n.host, t, {EventKind::Partition});
      }
      loss.lost.push_back(std::move(l));
    } else if (n.role == model::NodeRole::Worker && !n.silent_since && n.registered &&
               h.in_rancher && h.machine_on && h.engine->up() && h.engine->node_id() == id) {
      loss.ready_workers.emplace_back(n.ready_since, h.name);
    }
  }
  std::sort(loss.ready_workers.begin(), loss.ready_workers.end());
  return loss;
}

QuorumChecker::Judgement QuorumChecker::judge() const {
  Judgement j;
  const SwarmSim& swarm = world_.swarm();
  if (!swarm.exists() || swarm.has_quorum()) return j;
  j.lost = true;
  auto it = last_loss_.find(swarm.number());
  if (it == last_loss_.end()) {
    j.why = "the swarm has no raft quorum, and never lost one the checker saw";
    return j;
  }
  const Loss& loss = it->second;
  const Duration w = reaction_window(world_.spec().swarm);
  std::string names;
  for (const auto& l : loss.lost) {
    names += (names.empty() ? "" : ", ") + l.host;
    if (!l.event.empty()) j.world_events.push_back(l.event);
  }
  const std::string lost_at = format_duration_ms(loss.at);
  if (loss.members % 2 == 0) {
    j.why = fmt::format(
        "the swarm lost raft quorum at {} with an even number of managers ({}; "
        "lost: {}): two managers survive no loss that one does not",
        lost_at, loss.members, names);
    return j;
  }
  for (const auto& l : loss.lost) {
    if (!l.logic_cause.empty()) {
      j.why = fmt::format("the swarm lost raft quorum at {}: {}", lost_at, l.logic_cause);
      return j;
    }
    if (loss.at - l.since < w) continue;  // within the window: nobody could have replaced it
    // Lost long enough before to have been replaced: was there a worker to
    // replace it with, ready since W after the loss and still at the end?
    const Instant by = l.since + w;
    if (!loss.ready_workers.empty() && loss.ready_workers.front().first <= by) {
      j.why = fmt::format(
          "the swarm lost raft quorum at {}: the manager on {} had been gone since {} ({}), and "
          "the worker on {} had been ready since {}: a policy that replaces a lost manager within "
          "{} keeps the quorum",
          lost_at, l.host, format_duration_ms(l.since),
          l.event.empty() ? "no timeline event" : l.event, loss.ready_workers.front().second,
          format_duration_ms(loss.ready_workers.front().first), format_duration_ms(w));
      return j;
    }
  }
  j.excused = true;
  std::string events, unreplaceable;
  for (const auto& e : j.world_events) events += (events.empty() ? "" : "; ") + e;
  for (const auto& l : loss.lost)
    if (loss.at - l.since >= w) unreplaceable += (unreplaceable.empty() ? "" : ", ") + l.host;
  j.why = fmt::format(
      "the swarm lost raft quorum at {}: {} of its {} managers were taken ({}){}; {}", lost_at,
      loss.lost.size(), loss.members, names, events.empty() ? "" : " by " + events,
      unreplaceable.empty()
          ? fmt::format("all within {}, too soon for any policy to replace them",
                        format_duration_ms(w))
          : fmt::format("no worker was ready on a live host to replace {}", unreplaceable));
  return j;
}

}  // namespace swarmsim::sim
