#include "sim/recovery_checker.hpp"

#include <fmt/format.h>

#include "sim/world.hpp"

namespace swarmsim::sim {

RecoveryChecker::RecoveryChecker(World& world) : world_(world), spec_(world.spec().recovery) {
  if (spec_) world.observe(*this);
}

void RecoveryChecker::on(const WorldEvent& event) {
  struct Visit {
    RecoveryChecker& c;
    void operator()(const NodeRemoved&) {}
    void operator()(const NodeDemoted&) {}
    void operator()(const NodePromoted&) {}
    void operator()(const NodeStateChanged&) {}
    void operator()(const SwarmSplit&) {}
    void operator()(const DecisiveReadAnswered&) {}
    void operator()(const DecisiveReadFailed&) {}
    void operator()(const HostChanged&) {}
    void operator()(const CallMade&) {}
    void operator()(const NodeIdLearnt&) {}
    void operator()(const LeftSwarmByLogic&) {}
    void operator()(const TieWriteBegun&) {}
    void operator()(const LoopRanToEnd&) {}
    void operator()(const ServerAnswered& e) { c.on_answered(e); }
  };
  std::visit(Visit{*this}, event);
}

void RecoveryChecker::on_answered(const ServerAnswered& a) {
  const Instant now = world_.kernel().now();
  const RecoverySpec& r = *spec_;
  if (now < r.from_ns) return;
  const bool slow = a.outcome == ServerOutcome::InTime && a.latency > r.latency_ns;
  if (a.outcome == ServerOutcome::InTime && !slow) return;
  last_symptom_ = now;
  const auto minute = static_cast<std::size_t>((now - r.from_ns) / kMinute);
  if (per_minute_.size() <= minute) per_minute_.resize(minute + 1, 0);
  ++per_minute_[minute];
  if (now < r.from_ns + r.within_ns) return;
  if (!first_after_deadline_) first_after_deadline_ = now;
  Symptoms& s = after_deadline_[a.server.name() + " " + a.server.class_name(a.cls)];
  switch (a.outcome) {
    case ServerOutcome::InTime:
      ++s.slow;
      break;
    case ServerOutcome::Late:
      ++s.late;
      break;
    case ServerOutcome::Refused:
      ++s.refused;
      break;
    case ServerOutcome::Dropped:
      ++s.dropped;
      break;
  }
  s.worst = std::max(s.worst, a.latency);
}

std::optional<Violation> RecoveryChecker::check() const {
  if (!spec_ || !first_after_deadline_) return std::nullopt;
  const RecoverySpec& r = *spec_;
  std::uint64_t total = 0;
  Duration worst = 0;
  std::string by_class;
  for (const auto& [name, s] : after_deadline_) {
    total += s.total();
    worst = std::max(worst, s.worst);
    std::string parts;
    auto part = [&parts](std::uint64_t n, const char* what) {
      if (n == 0) return;
      if (!parts.empty()) parts += ", ";
      parts += fmt::format("{} {}", n, what);
    };
    part(s.slow, "slow");
    part(s.late, "past their caller's deadline");
    part(s.refused, "refused");
    part(s.dropped, "lost");
    if (!by_class.empty()) by_class += "; ";
    by_class += fmt::format("{}: {}", name, parts);
  }
  std::string minutes;
  for (std::size_t m = 0; m < per_minute_.size(); ++m)
    minutes += fmt::format("{}{}", m ? " " : "", per_minute_[m]);
  Violation v;
  v.safety = false;
  v.kind = "no-recovery";
  v.time_ns = *first_after_deadline_;
  v.detail = fmt::format(
      "the control plane is still overloaded {} after its trigger ended at {}: from {} to {}, {} "
      "requests were answered after more than {}, refused or lost ({}); the worst took {}, the "
      "last at {}. Symptoms a minute from {}: {}",
      format_duration_ms(r.within_ns), format_duration_ms(r.from_ns),
      format_duration_ms(r.from_ns + r.within_ns), format_duration_ms(world_.kernel().now()), total,
      format_duration_ms(r.latency_ns), by_class, format_duration_ms(worst),
      format_duration_ms(*last_symptom_), format_duration_ms(r.from_ns), minutes);
  return v;
}

}  // namespace swarmsim::sim
