// Every random stream of the simulator, by name, in one list.
//
// A stream's name is its kind, a '/', and what makes it one of its kind
// (a machine's stream key, a registration, a pair of endpoints). The kinds
// differ, and none holds a '/', so no two streams of a run can share a
// name, and a new component that draws gets a kind of its own here
// (tests/unit/stream_names_test.cpp fails on a kind used twice, and on a draw
// whose stream is not named by this file). Names are part of every
// seed's meaning: changing one changes what a seed replays.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace swarmsim::sim::streams {

inline constexpr std::string_view kKinds[] = {
    "net",             // a pair of endpoints' link: delays, loss, duplication, reordering
    "metadata-lag",    // a registration's metadata replica: reload lag
    "metadata-empty",  // ... and its empty answers
    "agent-startup",   // a container's start on a machine
    "registration",    // a node's registration after its join
    "busy",            // a node busy after its join
    "session",         // a node's session registrations after a deaf leader: backoff
    "cattle-write",    // a machine's Cattle write faults
    "host-group",      // a scenario's host group: arrival times
    "swarm",           // a swarm's own draws (tokens)
    "node-id",         // a swarm's node IDs
};

inline std::string network(std::string_view from, std::string_view to) {
  return fmt::format("net/{}->{}", from, to);
}
inline std::string metadata_lag(std::string_view registration) {
  return fmt::format("metadata-lag/{}", registration);
}
inline std::string metadata_empty(std::string_view registration) {
  return fmt::format("metadata-empty/{}", registration);
}
inline std::string agent_startup(std::string_view machine, std::size_t registration) {
  return fmt::format("agent-startup/{}/{}", machine, registration);
}
inline std::string registration(std::string_view machine, std::string_view node_id) {
  return fmt::format("registration/{}/{}", machine, node_id);
}
inline std::string busy(std::string_view machine, std::string_view node_id) {
  return fmt::format("busy/{}/{}", machine, node_id);
}
inline std::string session(std::string_view machine, std::string_view node_id, std::uint64_t n) {
  return fmt::format("session/{}/{}/{}", machine, node_id, n);
}
inline std::string cattle_write(std::string_view machine) {
  return fmt::format("cattle-write/{}", machine);
}
inline std::string host_group(std::string_view pattern) {
  return fmt::format("host-group/{}", pattern);
}
// The first swarm's is "swarm", later ones' "swarm/N".
inline std::string swarm(std::size_t number) {
  return number == 0 ? std::string("swarm") : fmt::format("swarm/{}", number);
}
inline std::string node_id(std::size_t swarm, std::string_view machine, std::uint64_t n) {
  return swarm == 0 ? fmt::format("node-id/{}/{}", machine, n)
                    : fmt::format("node-id/{}/{}/{}", swarm, machine, n);
}

}  // namespace swarmsim::sim::streams
