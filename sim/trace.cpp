#include "sim/trace.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace swarmsim::sim {

namespace {

// The digest's hash: eight bytes at a time, read little-endian whatever the
// machine, each folded in with a multiply and a shift. Not cryptographic;
// it only has to tell runs apart and be the same everywhere.
constexpr std::uint64_t kSeed = 0xcbf29ce484222325ULL, kMul = 0x9e3779b97f4a7c15ULL;

std::uint64_t load_le(const unsigned char* p, std::size_t n) {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < n; ++i) w |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return w;
}

std::uint64_t fold(std::uint64_t h, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (; n >= 8; p += 8, n -= 8) {
    h = (h ^ load_le(p, 8)) * kMul;
    h ^= h >> 29;
  }
  if (n > 0) {
    h = (h ^ load_le(p, n) ^ (static_cast<std::uint64_t>(n) << 56)) * kMul;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace

std::string format_duration_ms(Duration d) {
  const bool negative = d < 0;
  // Round half away from zero to whole milliseconds, on the magnitude, so
  // that the most negative duration cannot overflow.
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  const std::uint64_t ms_total = (magnitude + kMillisecond / 2) / kMillisecond;
  const std::string sign = negative && ms_total > 0 ? "-" : "";
  if (ms_total < 1000) return fmt::format("{}{}ms", sign, ms_total);
  const std::uint64_t h = ms_total / 3'600'000, m = ms_total / 60'000 % 60,
                      s = ms_total / 1000 % 60, ms = ms_total % 1000;
  std::string out = sign;
  if (h > 0) out += fmt::format("{}h", h);
  if (h > 0 || m > 0) out += fmt::format("{}m", m);
  if (ms == 0) return out + fmt::format("{}s", s);
  std::string frac = fmt::format("{:03}", ms);
  while (frac.back() == '0') frac.pop_back();
  return out + fmt::format("{}.{}s", s, frac);
}

const char* to_string(TraceKind k) {
  switch (k) {
    case TraceKind::HostAdded:
      return "host-added";
    case TraceKind::HostRemoved:
      return "host-removed";
    case TraceKind::AgentStarted:
      return "agent-started";
    case TraceKind::MonCall:
      return "call";
    case TraceKind::MetadataReload:
      return "metadata-reload";
    case TraceKind::SwarmInit:
      return "swarm-init";
    case TraceKind::NodeCreated:
      return "node-created";
    case TraceKind::NodeReady:
      return "node-ready";
    case TraceKind::NodeDown:
      return "node-down";
    case TraceKind::NodeUp:
      return "node-up";
    case TraceKind::NodeDemoted:
      return "node-demoted";
    case TraceKind::NodePromoted:
      return "node-promoted";
    case TraceKind::NodeRemoved:
      return "node-removed";
    case TraceKind::NodeRemoveFailed:
      return "node-rm-failed";
    case TraceKind::EngineLeft:
      return "engine-left";
    case TraceKind::EngineError:
      return "engine-error";
    case TraceKind::Fault:
      return "fault";
    case TraceKind::Violation:
      return "VIOLATION";
    case TraceKind::MonCallFailed:
      return "call-failed";
    case TraceKind::LabelLost:
      return "label-lost";
    case TraceKind::NoteLost:
      return "note-lost";
    case TraceKind::NoteRecalled:
      return "note-recalled";
  }
  return "?";
}

bool is_membership(TraceKind k) {
  return k != TraceKind::MonCall && k != TraceKind::MetadataReload && k != TraceKind::MonCallFailed;
}

void Trace::record(Instant at, TraceKind kind, std::string_view host, std::string_view node,
                   std::string_view detail) {
  // Fields are length-prefixed so that ("ab","c") and ("a","bc") differ.
  const auto k = static_cast<std::uint32_t>(kind);
  const std::uint64_t head[2] = {static_cast<std::uint64_t>(at), k};
  digest_ = fold(digest_, head, sizeof head);
  for (const std::string_view s : {host, node, detail}) {
    const auto len = static_cast<std::uint64_t>(s.size());
    digest_ = fold(digest_, &len, sizeof len);
    digest_ = fold(digest_, s.data(), s.size());
  }
  ++count_;
  ++count_by_kind_[k];
  if (!keep_ || (!keep_calls_ && !is_membership(kind))) return;
  if (!events_.empty() && events_.back().at > at) in_order_ = false;
  events_.push_back(
      TraceEvent{at, kind, std::string(host), std::string(node), std::string(detail)});
}

void Trace::record_call(Instant at, std::string_view host, std::string_view what,
                        std::string_view why) {
  const auto k = static_cast<std::uint32_t>(TraceKind::MonCall);
  const std::uint64_t head[5] = {static_cast<std::uint64_t>(at), k, host.size(), what.size(),
                                 why.size()};
  digest_ = fold(digest_, head, sizeof head);
  for (const std::string_view s : {host, what, why}) digest_ = fold(digest_, s.data(), s.size());
  ++count_;
  ++count_by_kind_[k];
  if (!keep_ || !keep_calls_) return;
  if (!events_.empty() && events_.back().at > at) in_order_ = false;
  std::string detail(what);
  if (!why.empty()) detail.append(" -- ").append(why);
  events_.push_back(TraceEvent{at, TraceKind::MonCall, std::string(host), "", std::move(detail)});
}

}  // namespace swarmsim::sim

namespace swarmsim::sim {

std::uint64_t Trace::hash(const std::string& s) {
  return fold(kSeed, s.data(), s.size());
}

void Trace::record_reload(Instant at, const std::string& host, std::uint64_t host_hash,
                          std::uint64_t version, std::size_t hosts) {
  const std::uint64_t fields[4] = {static_cast<std::uint64_t>(at), host_hash, version,
                                   static_cast<std::uint64_t>(hosts)};
  reloads_sum_ += fold(kSeed, fields, sizeof fields);
  ++count_;
  ++count_by_kind_[static_cast<std::size_t>(TraceKind::MetadataReload)];
  if (!keep_ || !keep_calls_) return;
  if (!events_.empty() && events_.back().at > at) in_order_ = false;
  events_.push_back(TraceEvent{at, TraceKind::MetadataReload, host, "",
                               fmt::format("loaded v{} ({} hosts)", version, hosts)});
}

std::uint64_t Trace::digest() const {
  if (count(TraceKind::MetadataReload) == 0) return digest_;
  return fold(digest_, &reloads_sum_, sizeof reloads_sum_);
}

std::vector<TraceEvent> Trace::take_events() {
  if (!in_order_)
    std::stable_sort(events_.begin(), events_.end(),
                     [](const TraceEvent& a, const TraceEvent& b) { return a.at < b.at; });
  in_order_ = true;
  return std::move(events_);
}

}  // namespace swarmsim::sim
