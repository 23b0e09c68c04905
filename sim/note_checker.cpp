#include "sim/note_checker.hpp"

#include <fmt/format.h>

#include "sim/checkers.hpp"
#include "sim/mon_sim.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {

Duration NoteChecker::window(const World& world) {
  return 2 * world.spec().swarm.loop_interval_ns + 4 * world.options().cattle_timeout_ns;
}

std::vector<Violation> NoteChecker::check(const World& world) {
  std::vector<Violation> out;
  const Instant now = world.kernel().now();
  const auto& departed = world.cattle().service().departed;
  std::set<std::string> reported;
  for (const auto& lost : world.lost_notes()) {
    if (now - lost.at < window(world) || reported.contains(lost.node_id)) continue;
    const auto kept = departed.find(lost.node_id);
    if (kept != departed.end() && kept->second == lost.host_uuid) continue;
    reported.insert(lost.node_id);
    Violation v{false,
                "departure-note-lost",
                now,
                lost.host_uuid,
                lost.node_id,
                fmt::format("the departure note of node {} (host {}) was dropped at {} by another "
                            "writer's PUT of the service, and is not there {} later",
                            lost.node_id, lost.host_uuid, format_duration_ms(lost.at),
                            format_duration_ms(now - lost.at)),
                {},
                {}};
    for (const auto& h : world.hosts())
      if (h.uuid == lost.host_uuid) v.host = h.name;
    v.environment = why_not_rewritten(world, lost.host_uuid, now, v.world_events);
    if (!v.environment.empty()) v.detail += ". Not the logic's doing: " + v.environment;
    out.push_back(std::move(v));
  }
  return out;
}

std::string NoteChecker::why_not_rewritten(const World& world, const std::string& uuid, Instant now,
                                           std::vector<std::string>& events) {
  // The machine whose host the note is for, while that host is its
  // registration; and the machine it ran on, even if registered again
  // since, for the events that name what happened to it.
  const HostSim* current = nullptr;
  const HostSim* machine = nullptr;
  for (const auto& h : world.hosts()) {
    if (h.uuid == uuid) current = &h;
    for (const auto& r : h.registrations)
      if (r.second == uuid) machine = &h;
  }
  // An agent restarted since reads the node from the disk on its first
  // loop: it is excused only if it has not run a whole window.
  const bool ran_since = current != nullptr && current->machine_on && current->mon &&
                         current->mon->running() &&
                         current->mon->started_at() + window(world) <= now;
  if (ran_since) return {};
  std::string why = fmt::format(
      "the agent that wrote it has not run for {} up to the end "
      "(its machine was stopped, or its container restarted too "
      "late to read the node its engine left from the disk)",
      format_duration_ms(window(world)));
  const std::string& event =
      machine ? world.world_event_before(
                    machine->index, now,
                    {EventKind::Crash, EventKind::MachineDies, EventKind::UpgradeStack,
                     EventKind::DeleteHost, EventKind::RemoveHost})
              : std::string();
  if (!event.empty()) events.push_back(event);
  // Or its container cannot run at all: the image has no build for it.
  if (machine != nullptr && LivenessChecker::image_keeps_it_down_or_absent(*machine)) {
    const std::string& image =
        world.world_event_before(World::kNoHost, now, {EventKind::PublishImage});
    if (!image.empty()) events.push_back(image);
    why += fmt::format("; the swarmkit-mon image it pulled has no {} build",
                       to_string(machine->profile.arch));
  }
  return why;
}

}  // namespace swarmsim::sim
