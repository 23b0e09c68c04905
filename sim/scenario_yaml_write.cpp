// Writing scenarios back out as YAML (counterexamples, round trips). The
// reader is scenario_yaml*.cpp (the schema: scenarios/README.md).
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "sim/scenario_yaml.hpp"

namespace swarmsim::sim {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// ---- Writing -------------------------------------------------------------

// Plain scalars are kept to a conservative set that reads back as the same
// string in any YAML context (block or flow); YAML's null and boolean words
// are quoted so that a host really called "null" survives.
bool plain_is_safe(std::string_view s) {
  if (s.empty()) return false;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
  };
  if (!word_char(s.front())) return false;
  for (char c : s) {
    if (!word_char(c) && c != '.' && c != '-' && c != '/') return false;
  }
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (std::string_view w : {"null", "true", "false", "yes", "no", "on", "off", "y", "n"}) {
    if (lower == w) return false;
  }
  return true;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string scalar(std::string_view s) {
  return plain_is_safe(s) ? std::string(s) : quoted(s);
}

// A multi-line description reads best as a literal block. Only text that a
// literal block reproduces exactly goes there; anything else is quoted.
std::string description_text(const std::string& d) {
  const bool multi_line = d.find('\n') != std::string::npos;
  if (!multi_line || d.front() == '\n' || d.ends_with("\n\n")) return (quoted)(d);
  const std::string body = d.ends_with('\n') ? d.substr(0, d.size() - 1) : d;
  std::string out = d.ends_with('\n') ? "|" : "|-";
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('\n', start), body.size());
    const std::string_view line(body.data() + start, end - start);
    for (char ch : line) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c < 0x20 && ch != '\t') || c == 0x7f) return (quoted)(d);
    }
    const bool edge_space = !line.empty() && (line.front() == ' ' || line.front() == '\t' ||
                                              line.back() == ' ' || line.back() == '\t');
    if (edge_space) return (quoted)(d);
    out += line.empty() ? "\n" : fmt::format("\n  {}", line);
    start = end + 1;
  }
  return out;
}

std::string number_text(double x) {
  return fmt::format("{}", x);
}

std::string distribution_text(const Distribution& d) {
  switch (d.kind) {
    case Distribution::Kind::Constant:
      return format_duration(d.min_ns);
    case Distribution::Kind::Uniform:
      return fmt::format("{{uniform: [{}, {}]}}", format_duration(d.min_ns),
                         format_duration(d.param_ns));
    case Distribution::Kind::Exponential:
      return fmt::format("{{min: {}, exponential: {}}}", format_duration(d.min_ns),
                         format_duration(d.param_ns));
    case Distribution::Kind::Lognormal:
      return fmt::format("{{min: {}, lognormal: {}, sigma: {}}}", format_duration(d.min_ns),
                         format_duration(d.param_ns), number_text(d.sigma));
  }
  return format_duration(d.min_ns);
}

std::string event_text(const EventSpec& e) {
  const std::string at = fmt::format("at: {}, {}: ", format_duration(e.at_ns), to_string(e.kind));
  switch (e.kind) {
    case EventKind::AddHost:
      return fmt::format(
          "{{{}{}, profile: {}{}{}{}}}", at, scalar(e.host), scalar(e.profile),
          e.same_machine ? ", same_machine: true" : "",
          e.kernel_hostname.empty() ? "" : ", kernel_hostname: " + scalar(e.kernel_hostname),
          e.rancher_hostname.empty() ? "" : ", rancher_hostname: " + scalar(e.rancher_hostname));
    case EventKind::RemoveHost:
    case EventKind::DeleteHost:
    case EventKind::MachineDies:
      return fmt::format("{{{}{}}}", at, scalar(e.host));
    case EventKind::Partition: {
      std::string names;
      for (const auto& h : e.hosts) names += (names.empty() ? "" : ", ") + scalar(h);
      return fmt::format("{{{}[{}], for: {}}}", at, names, format_duration(e.duration_ns));
    }
    case EventKind::UpgradeStack:
      return e.manager_scale > 0 ? fmt::format("{{{}{{manager_scale: {}}}}}", at, e.manager_scale)
                                 : fmt::format("{{{}{{}}}}", at);
    case EventKind::PublishImage: {
      return fmt::format("{{{}[{}]}}", at, to_string(e.arches));
    }
    case EventKind::EditLabels: {
      std::string set;
      for (const auto& [k, v] : e.labels)
        set += (set.empty() ? "" : ", ") + scalar(k) + ": " + (v.empty() ? "null" : scalar(v));
      return fmt::format("{{{}{}, set: {{{}}}, for: {}}}", at, scalar(e.host), set,
                         format_duration(e.duration_ns));
    }
    case EventKind::Crash:
    case EventKind::MetadataStall:
    case EventKind::MetadataEmpty:
      break;
  }
  return fmt::format("{{{}{}, for: {}}}", at, scalar(e.host), format_duration(e.duration_ns));
}

}  // namespace

std::string to_yaml(const ScenarioSpec& s) {
  std::string out;
  auto emit = [&out](std::string_view text) { out.append(text).push_back('\n'); };
  emit(fmt::format("name: {}", scalar(s.name)));
  emit(fmt::format("description: {}", description_text(s.description)));
  emit(fmt::format("seed: {}", s.seed));
  emit(fmt::format("policy: {}", scalar(s.policy)));
  emit(fmt::format("duration: {}", format_duration(s.duration_ns)));
  emit(fmt::format("liveness_bound: {}", format_duration(s.liveness_bound_ns)));
  const SwarmSpec& w = s.swarm;
  emit("swarm:");
  emit(fmt::format("  manager_scale: {}", w.manager_scale));
  emit(fmt::format("  loop_interval: {}", format_duration(w.loop_interval_ns)));
  emit(fmt::format("  heartbeat_period: {}", format_duration(w.heartbeat_period_ns)));
  emit(fmt::format("  down_after: {}", format_duration(w.down_after_ns)));
  emit(fmt::format("  registration_delay: {}", distribution_text(w.registration_delay)));
  emit(fmt::format("  removed_node_sees_error: {}", w.removed_node_sees_error));
  emit(fmt::format("  grace_min_node_age: {}", format_duration(w.grace_min_node_age_ns)));
  emit(fmt::format("  fixed_max_removals_per_pass: {}", w.fixed_max_removals_per_pass));
  emit("stack:");
  emit(fmt::format("  image_arches: [{}]", to_string(s.stack.image_arches)));
  emit(fmt::format("  always_pull: {}", s.stack.always_pull));
  emit("cattle:");
  emit(fmt::format("  write_error: {}", number_text(s.cattle.write_error_p)));
  emit(fmt::format("  write_timeout: {}", number_text(s.cattle.write_timeout_p)));
  {
    const LeaderSpec& l = s.servers.leader;
    const CattleApiSpec& c = s.servers.cattle_api;
    const MetadataReplicaSpec& m = s.servers.metadata;
    const auto d = [](Duration x) { return format_duration(x); };
    emit("servers:");
    emit("  leader:");
    emit(fmt::format("    cores: {}", l.cores));
    emit(fmt::format("    queue_limit: {}", l.queue_limit));
    emit(fmt::format("    heartbeat_cost: {}", d(l.heartbeat_cost_ns)));
    emit(fmt::format("    heartbeat_deadline: {}", d(l.heartbeat_deadline_ns)));
    emit(fmt::format("    register_cost: {}", d(l.register_cost_ns)));
    emit(fmt::format("    join_cost: {}", d(l.join_cost_ns)));
    emit(fmt::format("    sign_cost: {}", d(l.sign_cost_ns)));
    emit(fmt::format("    read_cost: {}", d(l.read_cost_ns)));
    emit(fmt::format("    list_base: {}", d(l.list_base_ns)));
    emit(fmt::format("    list_per_node: {}", d(l.list_per_node_ns)));
    emit(fmt::format("    write_cost: {}", d(l.write_cost_ns)));
    emit(fmt::format("    remove_per_entry: {}", d(l.remove_per_entry_ns)));
    emit(fmt::format("    batch_interval: {}", d(l.batch_interval_ns)));
    emit(fmt::format("    request_timeout: {}", d(l.request_timeout_ns)));
    emit(fmt::format("    remembered_removals: {}", l.remembered_removals));
    emit(fmt::format("    removal_entry_bytes: {}", l.removal_entry_bytes));
    emit(fmt::format("    raft_max_bytes: {}", l.raft_max_bytes));
    emit("  cattle_api:");
    emit(fmt::format("    workers: {}", c.workers));
    emit(fmt::format("    queue_limit: {}", c.queue_limit));
    emit(fmt::format("    read_cost: {}", d(c.read_cost_ns)));
    emit(fmt::format("    list_per_host: {}", d(c.list_per_host_ns)));
    emit(fmt::format("    write_cost: {}", d(c.write_cost_ns)));
    emit(fmt::format("    host_payload_bytes: {}", c.host_payload_bytes));
    emit(fmt::format("    bandwidth: {}", number_text(c.bandwidth_bytes_per_s)));
    emit("  metadata:");
    emit(fmt::format("    min_reload_interval: {}", d(m.min_reload_interval_ns)));
    emit(fmt::format("    reload_base: {}", d(m.reload_base_ns)));
    emit(fmt::format("    reload_per_host: {}", d(m.reload_per_host_ns)));
  }
  if (const auto& r = s.recovery)
    emit(fmt::format("recovery: {{from: {}, within: {}, latency: {}}}", format_duration(r->from_ns),
                     format_duration(r->within_ns), format_duration(r->latency_ns)));
  emit(s.links.empty() ? "links: {}" : "links:");
  for (const auto& l : s.links) {
    emit(fmt::format("  {}:", scalar(l.name)));
    emit(fmt::format("    latency: {}", distribution_text(l.latency)));
    emit(fmt::format("    loss: {}", number_text(l.loss)));
    emit(fmt::format("    duplicate: {}", number_text(l.duplicate)));
    emit(fmt::format("    reorder: {}", number_text(l.reorder)));
    emit(fmt::format("    reorder_delay: {}", distribution_text(l.reorder_delay)));
  }
  emit(s.profiles.empty() ? "profiles: {}" : "profiles:");
  for (const auto& p : s.profiles) {
    emit(fmt::format("  {}:", scalar(p.name)));
    emit(fmt::format("    arch: {}", to_string(p.arch)));
    emit(fmt::format("    cpu_factor: {}", number_text(p.cpu_factor)));
    emit(fmt::format("    hostname_style: {}", to_string(p.hostname_style)));
    emit(fmt::format("    domain: {}", scalar(p.domain)));
    emit(fmt::format("    agent_hostname: {}", scalar(to_string(p.agent_hostname))));
    emit(fmt::format("    hostname_override: {}", scalar(p.hostname_override)));
    emit(fmt::format("    link: {}", scalar(p.link)));
    emit(fmt::format("    metadata_lag: {}", distribution_text(p.metadata_lag)));
    emit(fmt::format("    metadata_empty_p: {}", number_text(p.metadata_empty_p)));
    emit(fmt::format("    agent_startup: {}", distribution_text(p.agent_startup)));
    emit(fmt::format("    busy_after_join: {}", distribution_text(p.busy_after_join)));
    emit(fmt::format("    clock_skew: {}", format_duration(p.clock_skew_ns)));
    emit(fmt::format("    manager_sees_addr: {}", to_string(p.manager_sees_addr)));
  }
  emit(s.events.empty() ? "events: []" : "events:");
  for (const auto& e : s.events) emit(fmt::format("  - {}", event_text(e)));
  return out;
}

}  // namespace swarmsim::sim
