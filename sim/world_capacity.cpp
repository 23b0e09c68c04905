// The World's part in the control plane's capacity: what follows from a
// leader too loaded to answer heartbeats (sim/capacity.hpp).
#include <fmt/format.h>

#include "sim/world.hpp"

namespace swarmsim::sim {

namespace {
// A leader's deafness is looked at again at most this often, so that a
// server whose load hovers at its limit does not end and start every
// worker's session per request.
constexpr Duration kDeafnessSettle = kSecond;
}  // namespace

void World::leader_load_changed(std::size_t s) {
  Deafness& d = deafness_[s];
  if (d.check_pending || swarms_[s]->capacity().deaf() == d.deaf) return;
  d.check_pending = true;
  kernel_.schedule_at(std::max(kernel_.now(), d.changed_at + kDeafnessSettle), [this, s] {
    deafness_[s].check_pending = false;
    apply_deafness(s);
  });
}

// Heartbeats are a rate, not events (LeaderCapacity): while the leader is
// deaf none is answered in time, so every worker's engine sees its
// session end and registers again, with its backoff, until one
// registration is answered in time. Its node is silent meanwhile and turns
// down after down_after. Managers keep their raft membership: their
// reachability is raft's, not the dispatcher's.
void World::apply_deafness(std::size_t s) {
  Deafness& d = deafness_[s];
  SwarmSim& swarm = *swarms_[s];
  LeaderCapacity& cap = swarm.capacity();
  const bool deaf = cap.deaf();
  if (deaf == d.deaf) return;
  d.deaf = deaf;
  d.changed_at = kernel_.now();
  const ServerSim& cpu = cap.cpu();
  const std::string leader_host = swarm.leader_id() && swarm.node(*swarm.leader_id())
                                      ? swarm.node(*swarm.leader_id())->host_name
                                      : std::string();
  if (!deaf) {
    trace_.record(kernel_.now(), TraceKind::Fault, leader_host, swarm.leader_id().value_or(""),
                  fmt::format("the leader answers heartbeats in time again ({} requests in it)",
                              cpu.in_server()));
    return;
  }
  ++d.episodes;
  trace_.record(kernel_.now(), TraceKind::Fault, leader_host, swarm.leader_id().value_or(""),
                fmt::format("the leader cannot answer heartbeats in time: {} requests in it "
                            "(at most {}), heartbeats take {:.2f} of {} cores",
                            cpu.in_server(), cpu.limit(), cpu.background(), cpu.cores()));
  end_worker_sessions(s, "heartbeats unanswered");
}

void World::end_worker_sessions(std::size_t s, std::string_view why) {
  std::vector<HostIndex> workers;
  for (const auto& [id, n] : swarms_[s]->nodes())
    if (n.role == model::NodeRole::Worker && n.registered) workers.push_back(n.host);
  for (HostIndex h : workers) hosts_[h].engine->session_lost(why);
}

// Every worker's session was a stream to the old leader's dispatcher: it
// breaks, and the worker registers with the new leader, all of them at
// once. The new leader's grace (SwarmSim::down_at) keeps them from showing
// down while they do, unless the registrations take longer than it.
void World::leader_changed(std::size_t s) {
  kernel_.schedule_after(0, [this, s] { end_worker_sessions(s, "a new leader"); });
}

}  // namespace swarmsim::sim
