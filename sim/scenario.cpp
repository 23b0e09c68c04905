// Scenario data: the names scenario files use for the enums, and the semantic
// checks every scenario passes before a run, whether a user wrote it or a
// property-test generator built it.
//
// validate() reports the first problem as "<where>: <what>". <where> is
// "line N" for an event read from a file, "events[i]" for a generated event,
// and otherwise the key path as a file spells it (`profiles.pi.cpu_factor`),
// so that the YAML loader can point at the offending line and a generator's
// author can still tell which field is wrong.
#include "sim/scenario.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <set>
#include <string_view>

#include "sim/random.hpp"
#include "sim/streams.hpp"
#include "sim/utf8.hpp"

namespace swarmsim::sim {

std::vector<EventSpec> expand_host_group(const HostGroupSpec& g, std::uint64_t seed) {
  Rng rng = Rng::substream(seed, streams::host_group(g.prefix + "{i}" + g.suffix));
  std::vector<Duration> times(g.count, g.at);
  if (g.over) {
    const auto span = static_cast<std::uint64_t>(g.over->second - g.over->first);
    for (auto& t : times) t = g.over->first + static_cast<Duration>(rng.uniform_u64(span + 1));
    std::sort(times.begin(), times.end());
  } else if (g.per_minute) {
    const double mean_ns = 60e9 / *g.per_minute;
    double t = static_cast<double>(g.at);
    for (auto& at : times) {
      t += -std::log(1.0 - rng.uniform01()) * mean_ns;
      at = static_cast<Duration>(std::min(t, static_cast<double>(limits::kDuration)));
    }
  }
  std::vector<EventSpec> out;
  out.reserve(g.count);
  for (std::size_t i = 0; i < g.count; ++i) {
    EventSpec e;
    e.kind = EventKind::AddHost;
    e.line = g.line;
    e.at_ns = times[i];
    e.profile = g.profile;
    std::string number = std::to_string(i + 1);
    if (number.size() < static_cast<std::size_t>(g.width))
      number.insert(0, static_cast<std::size_t>(g.width) - number.size(), '0');
    e.host = g.prefix + number + g.suffix;
    out.push_back(std::move(e));
  }
  return out;
}

Instant quiet_time(const ScenarioSpec& spec) {
  Instant quiet = 0;
  Duration hosts_added = 0;
  for (const auto& e : spec.events) {
    if (e.kind == EventKind::AddHost) ++hosts_added;
    // An upgrade goes on, one host at a time, for at most this long.
    if (e.kind == EventKind::UpgradeStack)
      quiet = std::max(quiet, e.at_ns + hosts_added * kStackUpgradeIntervalNs);
    const bool windowed = e.kind == EventKind::Crash || e.kind == EventKind::Partition ||
                          e.kind == EventKind::MetadataStall ||
                          e.kind == EventKind::MetadataEmpty || e.kind == EventKind::EditLabels;
    quiet = std::max(quiet, e.at_ns + (windowed ? e.duration_ns : 0));
  }
  return quiet;
}

Instant run_end(const ScenarioSpec& spec) {
  return std::max(spec.duration_ns, quiet_time(spec) + spec.liveness_bound_ns);
}

std::string to_string(const std::vector<Arch>& arches) {
  std::string out;
  for (Arch a : arches) out += (out.empty() ? "" : ", ") + std::string(to_string(a));
  return out;
}

const char* to_string(Arch a) {
  switch (a) {
    case Arch::X86_64:
      return "x86_64";
    case Arch::Aarch64:
      return "aarch64";
  }
  return "?";
}

const char* to_string(HostnameStyle s) {
  switch (s) {
    case HostnameStyle::Short:
      return "short";
    case HostnameStyle::Dotted:
      return "dotted";
    case HostnameStyle::Fqdn:
      return "fqdn";
    case HostnameStyle::Upper:
      return "upper";
    case HostnameStyle::SharedDefault:
      return "shared_default";
  }
  return "?";
}

const char* to_string(SeenAddr a) {
  switch (a) {
    case SeenAddr::AgentIp:
      return "agent_ip";
    case SeenAddr::Nat:
      return "nat";
    case SeenAddr::OtherInterface:
      return "other_interface";
  }
  return "?";
}

const char* to_string(AgentHostnameRule r) {
  switch (r) {
    case AgentHostnameRule::Kernel:
      return "kernel";
    case AgentHostnameRule::Short:
      return "short";
    case AgentHostnameRule::Fqdn:
      return "fqdn";
    case AgentHostnameRule::Lowercase:
      return "lowercase";
    case AgentHostnameRule::Override:
      return "override";
    case AgentHostnameRule::Null:
      return "null";
  }
  return "?";
}

const char* to_string(EventKind k) {
  switch (k) {
    case EventKind::AddHost:
      return "add_host";
    case EventKind::RemoveHost:
      return "remove_host";
    case EventKind::Crash:
      return "crash";
    case EventKind::Partition:
      return "partition";
    case EventKind::MetadataStall:
      return "metadata_stall";
    case EventKind::MetadataEmpty:
      return "metadata_empty";
    case EventKind::DeleteHost:
      return "delete_host";
    case EventKind::MachineDies:
      return "machine_dies";
    case EventKind::EditLabels:
      return "edit_labels";
    case EventKind::PublishImage:
      return "publish_image";
    case EventKind::UpgradeStack:
      return "upgrade_stack";
  }
  return "?";
}

const ProfileSpec* ScenarioSpec::find_profile(const std::string& wanted) const {
  for (const auto& p : profiles) {
    if (p.name == wanted) return &p;
  }
  return nullptr;
}

const LinkClassSpec* ScenarioSpec::find_link(const std::string& wanted) const {
  for (const auto& l : links) {
    if (l.name == wanted) return &l;
  }
  return nullptr;
}

namespace {

template <typename Items, typename NameOf>
std::string name_list(const Items& items, NameOf name_of) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += name_of(item);
  }
  return out.empty() ? "(none)" : out;
}

// A name or other text from the scenario: printable UTF-8 of bounded size.
// The message never repeats the text itself, which may be what is wrong.
std::string check_text(const std::string& where, std::string_view what, const std::string& text,
                       std::size_t max_bytes, bool allow_line_breaks = false) {
  if (text.size() > max_bytes) {
    return fmt::format("{}: {} is {} bytes long; at most {} are allowed", where, what, text.size(),
                       max_bytes);
  }
  if (auto problem = find_unprintable(text, allow_line_breaks)) {
    return fmt::format("{}: {} holds {} at byte {}; it must be printable UTF-8 text", where, what,
                       problem->what, problem->offset + 1);
  }
  return {};
}

std::string check_at_most(const std::string& where, Duration d, Duration max) {
  if (d <= max) return {};
  return fmt::format("{}: at most {} is allowed, got {}", where, format_duration(max),
                     format_duration(d));
}

bool is_probability(double p) {
  return p >= 0.0 && p <= 1.0;
}  // false for NaN

std::string check_probability(const std::string& where, double p) {
  if (is_probability(p)) return {};
  return fmt::format("{}: must be a probability between 0 and 1, got {}", where, p);
}

std::string check_distribution(const std::string& where, const Distribution& d) {
  using Kind = Distribution::Kind;
  if (d.min_ns < 0) {
    return fmt::format("{}: must not be negative, got {}", where, format_duration(d.min_ns));
  }
  for (Duration v : {d.min_ns, d.param_ns}) {
    if (auto e = check_at_most(where, v, limits::kDuration); !e.empty()) return e;
  }
  switch (d.kind) {
    case Kind::Constant:
      return {};
    case Kind::Uniform:
      if (d.param_ns < d.min_ns) {
        return fmt::format("{}: uniform low {} is above high {}", where, format_duration(d.min_ns),
                           format_duration(d.param_ns));
      }
      return {};
    case Kind::Exponential:
      if (d.param_ns < 0) return fmt::format("{}: exponential mean must not be negative", where);
      return {};
    case Kind::Lognormal:
      if (d.param_ns < 0) return fmt::format("{}: lognormal median must not be negative", where);
      if (!(d.sigma >= 0.0 && d.sigma <= limits::kSigma)) {
        return fmt::format("{}: sigma must be between 0 and {}, got {}", where, limits::kSigma,
                           d.sigma);
      }
      return {};
  }
  return fmt::format("{}: unknown distribution kind", where);
}

std::string check_top_level(const ScenarioSpec& s) {
  if (s.name.empty()) return "name: must not be empty";
  for (auto e : {check_text("name", "the name", s.name, limits::kNameBytes),
                 check_text("description", "the description", s.description,
                            limits::kDescriptionBytes, true)}) {
    if (!e.empty()) return e;
  }
  if (s.duration_ns <= 0) {
    return fmt::format("duration: must be above zero, got {}", format_duration(s.duration_ns));
  }
  if (s.liveness_bound_ns <= 0) {
    return fmt::format("liveness_bound: must be above zero, got {}",
                       format_duration(s.liveness_bound_ns));
  }
  for (auto e : {check_at_most("duration", s.duration_ns, limits::kDuration),
                 check_at_most("liveness_bound", s.liveness_bound_ns, limits::kDuration)}) {
    if (!e.empty()) return e;
  }
  return {};
}

std::string check_between(const std::string& where, Duration d, Duration lo, Duration hi) {
  if (d >= lo && d <= hi) return {};
  return fmt::format("{}: must be between {} and {}, got {}", where, format_duration(lo),
                     format_duration(hi), format_duration(d));
}

std::string check_swarm(const SwarmSpec& w) {
  if (w.manager_scale < 1 || w.manager_scale > limits::kManagerScale) {
    return fmt::format("swarm.manager_scale: must be between 1 and {}, got {}",
                       limits::kManagerScale, w.manager_scale);
  }
  for (auto e :
       {check_between("swarm.loop_interval", w.loop_interval_ns, limits::kLoopIntervalMin,
                      limits::kDuration),
        check_between("swarm.heartbeat_period", w.heartbeat_period_ns, limits::kHeartbeatPeriodMin,
                      limits::kDuration),
        check_at_most("swarm.down_after", w.down_after_ns, limits::kDuration),
        check_at_most("swarm.grace_min_node_age", w.grace_min_node_age_ns, limits::kDuration)}) {
    if (!e.empty()) return e;
  }
  // A node is declared down only after missing heartbeats; with down_after at
  // or below the period, every healthy node would flap between ready and down.
  if (w.down_after_ns <= w.heartbeat_period_ns) {
    return fmt::format("swarm.down_after: must be longer than heartbeat_period ({}), got {}",
                       format_duration(w.heartbeat_period_ns), format_duration(w.down_after_ns));
  }
  if (auto e = check_distribution("swarm.registration_delay", w.registration_delay); !e.empty()) {
    return e;
  }
  if (w.grace_min_node_age_ns < 0) {
    return fmt::format("swarm.grace_min_node_age: must not be negative, got {}",
                       format_duration(w.grace_min_node_age_ns));
  }
  if (w.fixed_max_removals_per_pass < 1 ||
      w.fixed_max_removals_per_pass > limits::kRemovalsPerPass) {
    return fmt::format("swarm.fixed_max_removals_per_pass: must be between 1 and {}, got {}",
                       limits::kRemovalsPerPass, w.fixed_max_removals_per_pass);
  }
  return {};
}

std::string check_links(const ScenarioSpec& s) {
  std::set<std::string> seen;
  for (const auto& l : s.links) {
    const std::string at = "links." + l.name;
    if (l.name.empty()) return "links: a link class has an empty name";
    if (auto e = check_text("links", "a link name", l.name, limits::kNameBytes); !e.empty())
      return e;
    if (!seen.insert(l.name).second) return fmt::format("{}: duplicate link name '{}'", at, l.name);
    for (auto e :
         {check_distribution(at + ".latency", l.latency), check_probability(at + ".loss", l.loss),
          check_probability(at + ".duplicate", l.duplicate),
          check_probability(at + ".reorder", l.reorder),
          check_distribution(at + ".reorder_delay", l.reorder_delay)}) {
      if (!e.empty()) return e;
    }
  }
  return {};
}

std::string check_profile(const ScenarioSpec& s, const ProfileSpec& p) {
  const std::string at = "profiles." + p.name;
  // A profile can slow a host down but never make it faster than the
  // reference VM, whose timings the scenario's durations are written in.
  if (!(p.cpu_factor >= 1.0 && p.cpu_factor <= limits::kCpuFactor)) {
    return fmt::format("{}.cpu_factor: must be between 1 and {}, got {}", at, limits::kCpuFactor,
                       p.cpu_factor);
  }
  for (auto e : {check_text(at + ".domain", "the domain", p.domain, limits::kNameBytes),
                 check_text(at + ".hostname_override", "the override", p.hostname_override,
                            limits::kNameBytes),
                 check_between(at + ".clock_skew", p.clock_skew_ns, -limits::kClockSkew,
                               limits::kClockSkew)}) {
    if (!e.empty()) return e;
  }
  if (s.find_link(p.link) == nullptr) {
    return fmt::format("{}.link: unknown link '{}'; defined links: {}", at, p.link,
                       name_list(s.links, [](const LinkClassSpec& l) { return l.name; }));
  }
  for (auto e : {check_distribution(at + ".metadata_lag", p.metadata_lag),
                 check_probability(at + ".metadata_empty_p", p.metadata_empty_p),
                 check_distribution(at + ".agent_startup", p.agent_startup),
                 check_distribution(at + ".busy_after_join", p.busy_after_join)}) {
    if (!e.empty()) return e;
  }
  return {};
}

std::string check_profiles(const ScenarioSpec& s) {
  std::set<std::string> seen;
  for (const auto& p : s.profiles) {
    if (p.name.empty()) return "profiles: a profile has an empty name";
    if (auto e = check_text("profiles", "a profile name", p.name, limits::kNameBytes); !e.empty())
      return e;
    if (!seen.insert(p.name).second) {
      return fmt::format("profiles.{}: duplicate profile name '{}'", p.name, p.name);
    }
    if (auto e = check_profile(s, p); !e.empty()) return e;
  }
  return {};
}

// Walks the timeline in order, tracking which hosts exist, so that every event
// refers to a host that is present when it fires. A host name may come back
// after its removal: that is exactly how the 2017 incident began (a Pi
// re-added under the same name while the old swarm node still lingered).
class TimelineChecker {
 public:
  explicit TimelineChecker(const ScenarioSpec& s) : spec_(s) {}

  std::string check() {
    if (spec_.events.size() > limits::kEvents) {
      return fmt::format("events: {} hosts and events; at most {} are allowed", spec_.events.size(),
                         limits::kEvents);
    }
    for (std::size_t i = 0; i < spec_.events.size(); ++i) {
      const EventSpec& e = spec_.events[i];
      where_ = e.line > 0 ? fmt::format("line {}", e.line) : fmt::format("events[{}]", i);
      if (auto err = check_event(e, i); !err.empty()) return err;
    }
    if (added_ == 0) {
      return "hosts: no host is ever added; list one under 'hosts:' or add an add_host event";
    }
    if (added_ > limits::kHostAdditions) {
      return fmt::format("hosts: {} host additions; at most {} are allowed", added_,
                         limits::kHostAdditions);
    }
    const double passes = static_cast<double>(added_) * static_cast<double>(run_end(spec_)) /
                          static_cast<double>(spec_.swarm.loop_interval_ns);
    if (passes > limits::kLoopPasses) {
      return fmt::format(
          "swarm.loop_interval: {} hosts looping every {} for {} make {:.3g} swarmkit-mon passes; "
          "at most {:.3g} are allowed (shorten the run or lengthen the loop interval)",
          added_, format_duration(spec_.swarm.loop_interval_ns), format_duration(run_end(spec_)),
          passes, limits::kLoopPasses);
    }
    return {};
  }

 private:
  std::string check_event(const EventSpec& e, std::size_t i) {
    const char* kind = to_string(e.kind);
    if (e.at_ns < 0) return fmt::format("{}: {} at a negative time", where_, kind);
    if (auto err = check_at_most(where_ + ": 'at'", e.at_ns, limits::kDuration); !err.empty())
      return err;
    if (auto err = check_at_most(where_ + ": 'for'", e.duration_ns, limits::kDuration);
        !err.empty())
      return err;
    if (i > 0 && e.at_ns < spec_.events[i - 1].at_ns) {
      return fmt::format("{}: {} at {} comes after an event at {}; events must be sorted by time",
                         where_, kind, format_duration(e.at_ns),
                         format_duration(spec_.events[i - 1].at_ns));
    }
    switch (e.kind) {
      case EventKind::AddHost:
        return add_host(e);
      case EventKind::RemoveHost:
      case EventKind::DeleteHost:
        if (auto err = require_present(e, e.host); !err.empty()) return err;
        present_.erase(e.host);
        removed_at_[e.host] = e.at_ns;
        // Deleted in Cattle only, the machine runs on: its own faults still
        // make sense (a crash, a partition, its replica, its death).
        if (e.kind == EventKind::DeleteHost)
          running_.insert(e.host);
        else
          running_.erase(e.host);
        return {};
      case EventKind::MachineDies:
        if (auto err = require_machine(e, e.host); !err.empty()) return err;
        running_.erase(e.host);
        return {};
      case EventKind::Partition:
        if (e.hosts.empty()) return fmt::format("{}: partition names no hosts", where_);
        for (std::size_t j = 0; j < e.hosts.size(); ++j) {
          if (auto err = require_machine(e, e.hosts[j]); !err.empty()) return err;
          for (std::size_t k = 0; k < j; ++k) {
            if (e.hosts[k] == e.hosts[j]) {
              return fmt::format("{}: partition names '{}' twice", where_, e.hosts[j]);
            }
          }
        }
        return require_duration(e);
      case EventKind::Crash:
      case EventKind::MetadataStall:
      case EventKind::MetadataEmpty:
        if (auto err = require_machine(e, e.host); !err.empty()) return err;
        return require_duration(e);
      case EventKind::UpgradeStack:
        if (e.manager_scale < 0 || e.manager_scale > limits::kManagerScale)
          return fmt::format("{}: upgrade_stack manager_scale must be between 1 and {}, got {}",
                             where_, limits::kManagerScale, e.manager_scale);
        return {};
      case EventKind::PublishImage:
        if (e.arches.empty()) return fmt::format("{}: publish_image names no architecture", where_);
        return {};
      case EventKind::EditLabels:
        if (auto err = require_present(e, e.host); !err.empty()) return err;
        if (e.labels.size() > limits::kLabelsPerEdit)
          return fmt::format("{}: edit_labels sets {} labels; at most {} are allowed", where_,
                             e.labels.size(), limits::kLabelsPerEdit);
        for (const auto& [key, value] : e.labels) {
          if (key.empty()) return fmt::format("{}: edit_labels has an empty label name", where_);
          if (auto err = check_text(where_, "a label name", key, limits::kNameBytes); !err.empty())
            return err;
          if (auto err = check_text(where_, "a label value", value, limits::kNameBytes);
              !err.empty())
            return err;
        }
        return require_duration(e);
    }
    return fmt::format("{}: unknown event kind", where_);
  }

  std::string add_host(const EventSpec& e) {
    if (e.host.empty()) return fmt::format("{}: add_host needs a host name", where_);
    if (auto err = check_text(where_, "the host name", e.host, limits::kNameBytes); !err.empty())
      return err;
    if (spec_.find_profile(e.profile) == nullptr) {
      return fmt::format("{}: add_host '{}' names unknown profile '{}'; defined profiles: {}",
                         where_, e.host, e.profile,
                         name_list(spec_.profiles, [](const ProfileSpec& p) { return p.name; }));
    }
    if (e.same_machine && removed_at_.count(e.host) == 0) {
      return fmt::format(
          "{}: add_host '{}' with same_machine: no machine of that name was added "
          "and removed before",
          where_, e.host);
    }
    for (const auto* text : {&e.kernel_hostname, &e.rancher_hostname}) {
      if (auto err = check_text(where_, "a hostname", *text, limits::kNameBytes); !err.empty())
        return err;
    }
    if (e.same_machine && (!e.kernel_hostname.empty() || !e.rancher_hostname.empty())) {
      return fmt::format(
          "{}: add_host '{}' with same_machine keeps the machine's hostnames; drop "
          "kernel_hostname and rancher_hostname",
          where_, e.host);
    }
    if (e.same_machine && profile_of_[e.host] != e.profile) {
      return fmt::format(
          "{}: add_host '{}' with same_machine: the machine was added with profile "
          "'{}', not '{}'",
          where_, e.host, profile_of_[e.host], e.profile);
    }
    if (auto it = present_.find(e.host); it != present_.end()) {
      return fmt::format(
          "{}: add_host '{}': the host is already present (added at {}); remove it "
          "first to re-add it",
          where_, e.host, format_duration(it->second));
    }
    present_[e.host] = e.at_ns;
    running_.erase(e.host);  // the name is the new host's now
    profile_of_[e.host] = e.profile;
    ++added_;
    return {};
  }

  // Events on a machine: its host is in Rancher, or was deleted in Cattle
  // while the machine ran on (and it has not died since).
  std::string require_machine(const EventSpec& e, const std::string& host) const {
    if (running_.count(host) != 0) return {};
    if (auto err = require_present(e, host); err.empty() || removed_at_.count(host) == 0)
      return err;
    return fmt::format(
        "{}: {} '{}' at {}: the host was removed at {} and its machine does not "
        "run any more",
        where_, to_string(e.kind), host, format_duration(e.at_ns),
        format_duration(removed_at_.at(host)));
  }

  std::string require_present(const EventSpec& e, const std::string& host) const {
    const char* kind = to_string(e.kind);
    if (host.empty()) return fmt::format("{}: {} needs a host name", where_, kind);
    if (auto err = check_text(where_, "the host name", host, limits::kNameBytes); !err.empty())
      return err;
    if (present_.count(host) != 0) return {};
    if (auto it = removed_at_.find(host); it != removed_at_.end()) {
      return fmt::format("{}: {} '{}' at {}: the host was removed at {} and not added again",
                         where_, kind, host, format_duration(e.at_ns), format_duration(it->second));
    }
    return fmt::format("{}: {} '{}' at {}: no host of that name has been added by then", where_,
                       kind, host, format_duration(e.at_ns));
  }

  std::string require_duration(const EventSpec& e) const {
    if (e.duration_ns > 0) return {};
    return fmt::format("{}: {} needs a duration above zero ('for'), got {}", where_,
                       to_string(e.kind), format_duration(e.duration_ns));
  }

  const ScenarioSpec& spec_;
  std::string where_;
  std::map<std::string, Instant> present_;         // host -> when it was (last) added
  std::map<std::string, Instant> removed_at_;      // host -> when it was last removed
  std::set<std::string> running_;                  // deleted in Cattle, the machine still running
  std::map<std::string, std::string> profile_of_;  // host -> the profile it was last added with
  std::size_t added_ = 0;
};

}  // namespace

std::string check_stack(const StackSpec& st) {
  if (st.image_arches.empty())
    return "stack.image_arches: name at least one architecture (x86_64, aarch64)";
  return {};
}

std::string check_cattle(const CattleSpec& c) {
  if (auto err = check_probability("cattle.write_error", c.write_error_p); !err.empty()) return err;
  if (auto err = check_probability("cattle.write_timeout", c.write_timeout_p); !err.empty())
    return err;
  if (c.write_error_p + c.write_timeout_p > 1.0)
    return fmt::format(
        "cattle: write_error and write_timeout add up to {}; together they can be "
        "at most 1",
        c.write_error_p + c.write_timeout_p);
  return {};
}

// The servers' capacities: every cost a duration from 0 to a minute, every
// count from 1 to a bound that keeps a typo from asking for the machine's
// memory.
std::string check_servers(const ServersSpec& v) {
  auto count = [](const char* where, std::int64_t n, std::int64_t lo,
                  std::int64_t hi) -> std::string {
    if (n >= lo && n <= hi) return {};
    return fmt::format("{}: must be between {} and {}, got {}", where, lo, hi, n);
  };
  const LeaderSpec& l = v.leader;
  const CattleApiSpec& c = v.cattle_api;
  const MetadataReplicaSpec& m = v.metadata;
  for (auto e :
       {count("servers.leader.cores", l.cores, 1, 1024),
        count("servers.leader.queue_limit", l.queue_limit, 1, 10'000'000),
        count("servers.leader.remembered_removals", l.remembered_removals, 0, 100'000'000),
        count("servers.leader.removal_entry_bytes", l.removal_entry_bytes, 1, 1 << 20),
        count("servers.leader.raft_max_bytes", l.raft_max_bytes, 1024, 1LL << 32),
        count("servers.cattle_api.workers", c.workers, 1, 1024),
        count("servers.cattle_api.queue_limit", c.queue_limit, 0, 10'000'000),
        count("servers.cattle_api.host_payload_bytes", c.host_payload_bytes, 0, 1 << 30)}) {
    if (!e.empty()) return e;
  }
  const std::pair<const char*, Duration> costs[] = {
      {"servers.leader.heartbeat_cost", l.heartbeat_cost_ns},
      {"servers.leader.register_cost", l.register_cost_ns},
      {"servers.leader.join_cost", l.join_cost_ns},
      {"servers.leader.sign_cost", l.sign_cost_ns},
      {"servers.leader.read_cost", l.read_cost_ns},
      {"servers.leader.list_base", l.list_base_ns},
      {"servers.leader.list_per_node", l.list_per_node_ns},
      {"servers.leader.write_cost", l.write_cost_ns},
      {"servers.leader.remove_per_entry", l.remove_per_entry_ns},
      {"servers.cattle_api.read_cost", c.read_cost_ns},
      {"servers.cattle_api.list_per_host", c.list_per_host_ns},
      {"servers.cattle_api.write_cost", c.write_cost_ns},
      {"servers.metadata.reload_base", m.reload_base_ns},
      {"servers.metadata.reload_per_host", m.reload_per_host_ns}};
  for (const auto& [where, d] : costs)
    if (auto e = check_between(where, d, 0, kMinute); !e.empty()) return e;
  for (auto e :
       {check_between("servers.leader.heartbeat_deadline", l.heartbeat_deadline_ns, kMillisecond,
                      kHour),
        check_between("servers.leader.batch_interval", l.batch_interval_ns, 0, kMinute),
        check_between("servers.leader.request_timeout", l.request_timeout_ns, kMillisecond, kHour),
        check_between("servers.metadata.min_reload_interval", m.min_reload_interval_ns, 0,
                      kHour)}) {
    if (!e.empty()) return e;
  }
  if (!(c.bandwidth_bytes_per_s >= 1e3 && c.bandwidth_bytes_per_s <= 1e12))
    return fmt::format(
        "servers.cattle_api.bandwidth: must be between 1000 and 1e12 bytes a second, "
        "got {}",
        c.bandwidth_bytes_per_s);
  return {};
}

// The recovery property must have some of the run left to hold over.
std::string check_recovery(const ScenarioSpec& s) {
  if (!s.recovery) return {};
  const RecoverySpec& r = *s.recovery;
  for (auto e : {check_between("recovery.from", r.from_ns, 0, limits::kDuration),
                 check_between("recovery.within", r.within_ns, 0, limits::kDuration),
                 check_between("recovery.latency", r.latency_ns, kMillisecond, kHour)}) {
    if (!e.empty()) return e;
  }
  if (r.from_ns + r.within_ns >= run_end(s))
    return fmt::format(
        "recovery: from {} plus within {} is {}, which is not before the run ends at {}: "
        "nothing would be checked; raise duration",
        format_duration(r.from_ns), format_duration(r.within_ns),
        format_duration(r.from_ns + r.within_ns), format_duration(run_end(s)));
  return {};
}

std::string validate(const ScenarioSpec& s) {
  for (auto check :
       {check_top_level(s), check_swarm(s.swarm), check_stack(s.stack), check_cattle(s.cattle),
        check_servers(s.servers), check_links(s), check_profiles(s)}) {
    if (!check.empty()) return check;
  }
  if (auto e = TimelineChecker(s).check(); !e.empty()) return e;
  return check_recovery(s);
}

}  // namespace swarmsim::sim
