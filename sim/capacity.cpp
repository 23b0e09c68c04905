#include "sim/capacity.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace swarmsim::sim {

namespace {

template <std::size_t N>
std::vector<std::string> names(const char* const (&list)[N]) {
  return {std::begin(list), std::end(list)};
}

}  // namespace

LeaderCapacity::LeaderCapacity(Kernel& kernel, const LeaderSpec& spec, Duration heartbeat_period,
                               const std::string& swarm_name)
    : spec_(spec),
      period_(std::max<Duration>(heartbeat_period, 1)),
      cpu_(kernel, "leader" + swarm_name, spec.cores, static_cast<std::size_t>(spec.queue_limit),
           Discipline::ProcessorSharing, names(kLeaderClassNames)),
      signer_(kernel, "ca-signer" + swarm_name, 1, static_cast<std::size_t>(spec.queue_limit),
              Discipline::Fifo, names(kLeaderClassNames)),
      removals_(spec.remembered_removals) {}

std::optional<LeaderCapacity::Cost> LeaderCapacity::cost_of(const model::Request& r,
                                                            std::size_t nodes) const {
  if (std::holds_alternative<model::ListNodes>(r) || std::holds_alternative<model::InspectNode>(r))
    // The engine answers `GET /nodes/{id}` from the whole list (a hostname
    // or a prefix must be resolved): it costs a listing too.
    return Cost{LeaderClass::List,
                spec_.list_base_ns + spec_.list_per_node_ns * static_cast<Duration>(nodes)};
  if (std::holds_alternative<model::RemoveNode>(r))
    return Cost{LeaderClass::Remove,
                spec_.write_cost_ns + spec_.remove_per_entry_ns * static_cast<Duration>(removals_)};
  if (std::holds_alternative<model::UpdateNodeRole>(r))
    return Cost{LeaderClass::Write, spec_.write_cost_ns};
  if (std::holds_alternative<model::GetSwarm>(r))
    return Cost{LeaderClass::Read, spec_.read_cost_ns};
  return std::nullopt;
}

void LeaderCapacity::set_heartbeating_nodes(std::size_t n) {
  cpu_.set_background(static_cast<double>(n) * static_cast<double>(spec_.heartbeat_cost_ns) /
                      static_cast<double>(period_));
}

bool LeaderCapacity::deaf() const {
  return cpu_.full() ||
         cpu_.expected_latency(spec_.heartbeat_cost_ns) > spec_.heartbeat_deadline_ns;
}

bool LeaderCapacity::removal_too_large() const {
  return (removals_ + 1) * spec_.removal_entry_bytes > spec_.raft_max_bytes;
}

void LeaderCapacity::leader_changed() {
  ++leader_changes_;
  cpu_.restart();
  signer_.restart();
}

Instant LeaderCapacity::next_commit(Instant now) const {
  const Duration b = spec_.batch_interval_ns;
  if (b <= 0) return now;
  return (now / b + 1) * b;
}

CattleCapacity::CattleCapacity(Kernel& kernel, const CattleApiSpec& spec)
    : spec_(spec),
      api_(kernel, "cattle-api", spec.workers,
           static_cast<std::size_t>(spec.workers) + static_cast<std::size_t>(spec.queue_limit),
           Discipline::Fifo, names(kCattleClassNames)) {}

CattleCapacity::Cost CattleCapacity::cost_of(const model::Request& r, std::size_t hosts) const {
  if (model::is_cattle_write(r)) return {CattleClass::Write, spec_.write_cost_ns};
  if (std::holds_alternative<model::CattleListHosts>(r))
    return {CattleClass::List,
            spec_.read_cost_ns + spec_.list_per_host_ns * static_cast<Duration>(hosts)};
  return {CattleClass::Read, spec_.read_cost_ns};
}

Duration CattleCapacity::download_time(std::size_t hosts, std::size_t replicas) const {
  const double bytes =
      payload_bytes(hosts) * static_cast<double>(std::max<std::size_t>(replicas, 1));
  return static_cast<Duration>(std::ceil(bytes / spec_.bandwidth_bytes_per_s * 1e9));
}

}  // namespace swarmsim::sim
