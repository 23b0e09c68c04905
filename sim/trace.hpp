// The run's trace: every membership event, every call the swarmkit-mon
// logic makes, every fault, in virtual-time order. A digest (FNV-1a over each
// event's fields, updated as events are appended) fingerprints the run: the
// same scenario, seed and policy must give the same digest on any machine.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/time.hpp"

namespace swarmsim::sim {

enum class TraceKind {
  HostAdded,       // Cattle created the host
  HostRemoved,     // Cattle removed the host; the machine is shut down
  AgentStarted,    // the scheduler started swarmkit-mon on the host
  MonCall,         // a call the logic made (detail: request and why)
  MetadataReload,  // a replica loaded a newer Cattle snapshot
  SwarmInit,       // a swarm was created
  NodeCreated,     // certificate issued: node record in state unknown
  NodeReady,       // node registered and ready
  NodeDown,        // missed heartbeats
  NodeUp,          // heartbeats again
  NodeDemoted,
  NodePromoted,
  NodeRemoved,     // `docker node rm` succeeded
  NodeRemoveFailed,
  EngineLeft,      // the engine left its swarm
  EngineError,     // the engine learnt its node was removed
  Fault,           // a fault started or healed (crash, partition, stall, ...)
  Violation,       // a checker found one
  // Appended after Violation so that the kinds above keep the numbers the
  // digest mixes in.
  MonCallFailed,   // a call the logic made came back as an error, empty or `Not found`
  LabelLost,       // a whole-host PUT of an older copy reverted a label another writer set
};
const char* to_string(TraceKind k);
// A duration as trace details and reports print it, rounded to the
// millisecond and written the way a scenario file may spell it: "500ms",
// "1.5s", "20s", "1m30s", "2h0m5.25s".
std::string format_duration_ms(Duration d);
// Whether the kind belongs in the membership timeline users read.
bool is_membership(TraceKind k);

struct TraceEvent {
  Instant at = 0;
  TraceKind kind = TraceKind::Fault;
  std::string host;
  std::string node;
  std::string detail;
};

class Trace {
 public:
  explicit Trace(bool keep_events = true) : keep_(keep_events) {}
  void record(Instant at, TraceKind kind, std::string host, std::string node,
              std::string detail);
  std::uint64_t digest() const { return digest_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t count(TraceKind kind) const { return count_by_kind_[static_cast<std::size_t>(kind)]; }
  const std::vector<TraceEvent>& events() const { return events_; }

 private:
  void mix(const void* data, std::size_t n);
  bool keep_;
  std::vector<TraceEvent> events_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;
  std::uint64_t count_ = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(TraceKind::LabelLost) + 1> count_by_kind_{};
};

}  // namespace swarmsim::sim
