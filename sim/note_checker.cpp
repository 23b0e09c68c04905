#include "sim/note_checker.hpp"

#include <fmt/format.h>

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
    const HostSim* machine = nullptr;
    for (const auto& h : world.hosts())
      if (h.uuid == lost.host_uuid) machine = &h;
    reported.insert(lost.node_id);
    Violation v{false,
                "departure-note-lost",
                now,
                machine ? machine->name : lost.host_uuid,
                lost.node_id,
                fmt::format("the departure note of node {} (host {}) was dropped at {} by another "
                            "writer's PUT of the service, and is not there {} later",
                            lost.node_id, lost.host_uuid, format_duration_ms(lost.at),
                            format_duration_ms(now - lost.at)),
                {},
                {}};
    // An agent restarted since reads the node from the disk on its first
    // loop: it is excused only if it has not run a whole window.
    const bool ran_since = machine != nullptr && machine->machine_on && machine->mon &&
                           machine->mon->running() &&
                           machine->mon->started_at() + window(world) <= now;
    if (!ran_since) {
      v.environment = fmt::format(
          "the agent that wrote it has not run for {} up to the end "
          "(its machine was stopped, or its container restarted too "
          "late to read the node its engine left from the disk)",
          format_duration_ms(window(world)));
      const std::string& event =
          machine ? world.world_event_before(
                        machine->index, now,
                        {EventKind::Crash, EventKind::MachineDies, EventKind::UpgradeStack})
                  : std::string();
      if (!event.empty()) v.world_events.push_back(event);
      v.detail += ". Not the logic's doing: " + v.environment;
    }
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace swarmsim::sim
