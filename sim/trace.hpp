// The run's trace: every membership event, every call the swarmkit-mon
// logic makes, every fault, in virtual-time order. A digest (a hash over
// each event's fields, updated as events are appended) fingerprints the run: the
// same scenario, seed and policy must give the same digest on any machine.
//
// Metadata reloads are the exception: replicas work them out when they are
// read (see MetadataReplicaSim), so they are recorded late and out of order.
// Each is hashed from its fields alone and the hashes are summed, which
// does not depend on order; the digest is the hash of the ordered events
// with that sum mixed in at the end. The kept events are put in time order
// by take_events().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
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
  NodeRemoved,  // `docker node rm` succeeded
  NodeRemoveFailed,
  EngineLeft,   // the engine left its swarm
  EngineError,  // the engine learnt its node was removed
  Fault,        // a fault started or healed (crash, partition, stall, ...)
  Violation,    // a checker found one
  // Appended after Violation so that the kinds above keep the numbers the
  // digest mixes in.
  MonCallFailed,  // a call the logic made came back as an error, empty or `Not found`
  LabelLost,      // a whole-host PUT of an older copy reverted a label another writer set
  NoteLost,       // a whole-service PUT of an older copy dropped a departure note
  NoteRecalled,   // a restarted agent read the node its engine left behind from the disk
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
  // keep_events: keep the events for timelines; keep_calls: the calls,
  // failed calls and reloads too (the verbose timeline), not only the
  // membership events. The digest and the counts cover every event anyway.
  explicit Trace(bool keep_events = true, bool keep_calls = true)
      : keep_(keep_events), keep_calls_(keep_calls) {}
  // The fields are copied only when the event is kept.
  void record(Instant at, TraceKind kind, std::string_view host, std::string_view node,
              std::string_view detail);
  // A call of the logic: detail is "what -- why" (or "what"), put together
  // only when the event is kept.
  void record_call(Instant at, std::string_view host, std::string_view what, std::string_view why);
  // A replica loaded Cattle version `version` listing `hosts` hosts.
  // `host_hash` is hash(host), computed once by the replica.
  void record_reload(Instant at, const std::string& host, std::uint64_t host_hash,
                     std::uint64_t version, std::size_t hosts);
  static std::uint64_t hash(const std::string& s);
  std::uint64_t digest() const;
  std::uint64_t count() const { return count_; }
  std::uint64_t count(TraceKind kind) const {
    return count_by_kind_[static_cast<std::size_t>(kind)];
  }
  const std::vector<TraceEvent>& events() const { return events_; }
  // Moves the kept events out, in time order (stable: the order of
  // recording within an instant).
  std::vector<TraceEvent> take_events();

 private:
  bool keep_;
  bool keep_calls_;
  std::vector<TraceEvent> events_;
  std::uint64_t digest_ = 0xcbf29ce484222325ULL;  // the hash seed
  std::uint64_t reloads_sum_ = 0;
  bool in_order_ = true;
  std::uint64_t count_ = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(TraceKind::NoteRecalled) + 1> count_by_kind_{};
};

}  // namespace swarmsim::sim
