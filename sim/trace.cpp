#include "sim/trace.hpp"

namespace swarmsim::sim {

const char* to_string(TraceKind k) {
  switch (k) {
    case TraceKind::HostAdded: return "host-added";
    case TraceKind::HostRemoved: return "host-removed";
    case TraceKind::AgentStarted: return "agent-started";
    case TraceKind::MonCall: return "call";
    case TraceKind::MetadataReload: return "metadata-reload";
    case TraceKind::SwarmInit: return "swarm-init";
    case TraceKind::NodeCreated: return "node-created";
    case TraceKind::NodeReady: return "node-ready";
    case TraceKind::NodeDown: return "node-down";
    case TraceKind::NodeUp: return "node-up";
    case TraceKind::NodeDemoted: return "node-demoted";
    case TraceKind::NodePromoted: return "node-promoted";
    case TraceKind::NodeRemoved: return "node-removed";
    case TraceKind::NodeRemoveFailed: return "node-rm-failed";
    case TraceKind::EngineLeft: return "engine-left";
    case TraceKind::EngineError: return "engine-error";
    case TraceKind::Fault: return "fault";
    case TraceKind::Violation: return "VIOLATION";
  }
  return "?";
}

bool is_membership(TraceKind k) {
  return k != TraceKind::MonCall && k != TraceKind::MetadataReload;
}

void Trace::mix(const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < n; ++i) {
    digest_ ^= p[i];
    digest_ *= 0x100000001b3ULL;
  }
}

void Trace::record(Instant at, TraceKind kind, std::string host, std::string node,
                   std::string detail) {
  // Fields are length-prefixed so that ("ab","c") and ("a","bc") differ.
  const auto k = static_cast<std::uint32_t>(kind);
  mix(&at, sizeof at);
  mix(&k, sizeof k);
  for (const std::string* s : {&host, &node, &detail}) {
    const auto len = static_cast<std::uint64_t>(s->size());
    mix(&len, sizeof len);
    mix(s->data(), s->size());
  }
  ++count_;
  if (keep_) events_.push_back(TraceEvent{at, kind, std::move(host), std::move(node), std::move(detail)});
}

}  // namespace swarmsim::sim
