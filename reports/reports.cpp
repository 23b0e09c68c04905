#include "reports/reports.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "reports/version.hpp"

namespace swarmsim::reports {

std::string format_time(Instant t) {
  const Instant ms = t / kMillisecond;
  return fmt::format("{:02}:{:02}.{:03}", ms / 60000, (ms / 1000) % 60, ms % 1000);
}

std::string format_digest(std::uint64_t digest) {
  return fmt::format("{:016x}", digest);
}

namespace {

std::string short_id(const std::string& id) {
  return id.substr(0, 12);
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += indent + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) out += indent + line + "\n";
  return out;
}

const char* headline(sim::Verdict v) {
  switch (v) {
    case sim::Verdict::Pass:
      return "PASS";
    case sim::Verdict::Safety:
      return "SAFETY VIOLATED";
    case sim::Verdict::Liveness:
      return "LIVENESS VIOLATED";
    case sim::Verdict::Inconclusive:
      return "INCONCLUSIVE (the environment, not the logic)";
  }
  return "?";
}

}  // namespace

std::string render_text(const sim::RunResult& r, const std::string& file, const TextOptions& o) {
  const char* red = o.color ? "\033[1;31m" : "";
  const char* green = o.color ? "\033[1;32m" : "";
  const char* dim = o.color ? "\033[2m" : "";
  const char* reset = o.color ? "\033[0m" : "";
  std::string out =
      fmt::format("scenario {} ({})  seed {}  policy {}\n\n", r.scenario, file, r.seed, r.policy);
  for (const auto& e : r.events) {
    if (!o.verbose && !sim::is_membership(e.kind)) continue;
    const bool bad = e.kind == sim::TraceKind::Violation;
    out +=
        fmt::format("{}{}  {:<12} {:<15} {:<12} {}{}\n",
                    bad ? red : (sim::is_membership(e.kind) ? "" : dim), format_time(e.at), e.host,
                    to_string(e.kind), short_id(e.node), bad ? "see below" : e.detail, reset);
  }
  out += "\n";
  if (r.interrupted && r.verdict == sim::Verdict::Pass) {
    out += fmt::format("INTERRUPTED at {}: no spurious eviction up to then; liveness not judged\n",
                       format_time(r.sim_time_ns));
  } else if (r.verdict == sim::Verdict::Pass) {
    out += fmt::format("{}PASS{}: no spurious eviction; every live host has one ready node at {}\n",
                       green, reset, format_time(r.liveness_checked_at_ns));
  } else {
    out += fmt::format("{}{}{}\n", red, headline(r.verdict), reset);
    for (const auto& v : r.violations) {
      out += fmt::format("  {} at {} on host {} node {}\n", v.kind, format_time(v.time_ns), v.host,
                         v.node_id.empty() ? "-" : v.node_id);
      out += wrap(v.detail, 96, "    ");
      if (!v.world_events.empty()) {
        std::string events;
        for (const auto& e : v.world_events) events += (events.empty() ? "" : "; ") + e;
        out += wrap("World: " + events, 96, "    ");
      }
    }
  }
  out += fmt::format(
      "\ndigest {}  ({} trace events, {} kernel events, {} failed calls, virtual time {})\n",
      format_digest(r.digest), r.trace_events, r.kernel_events, r.failed_calls,
      format_time(r.sim_time_ns));
  return out;
}

nlohmann::ordered_json run_to_json(const sim::RunResult& r, const std::string& file) {
  nlohmann::ordered_json j;
  j["scenario"] = r.scenario;
  j["file"] = file;
  j["seed"] = r.seed;
  j["policy"] = r.policy;
  j["result"] =
      r.interrupted && r.verdict == sim::Verdict::Pass ? "interrupted" : to_string(r.verdict);
  auto& vs = j["violations"] = nlohmann::ordered_json::array();
  for (const auto& v : r.violations) {
    vs.push_back({{"kind", v.kind},
                  {"safety", v.safety},
                  {"time_ns", v.time_ns},
                  {"host", v.host},
                  {"node_id", v.node_id},
                  {"detail", v.detail},
                  {"environment", v.environment},
                  {"world_events", v.world_events}});
  }
  j["digest"] = format_digest(r.digest);
  auto& es = j["events"] = nlohmann::ordered_json::array();
  for (const auto& e : r.events) {
    if (!sim::is_membership(e.kind)) continue;
    es.push_back({{"time_ns", e.at},
                  {"kind", to_string(e.kind)},
                  {"host", e.host},
                  {"node_id", e.node},
                  {"detail", e.detail}});
  }
  j["joins_by_host"] = r.joins_by_host;
  j["failed_calls"] = r.failed_calls;
  j["labels_lost"] = r.labels_lost;
  j["notes_lost"] = r.notes_lost;
  j["notes_recalled"] = r.notes_recalled;
  j["trace_events"] = r.trace_events;
  j["kernel_events"] = r.kernel_events;
  j["sim_time_ns"] = r.sim_time_ns;
  j["interrupted"] = r.interrupted;
  j["metrics"] = metrics_to_json(r.metrics);
  return j;
}

nlohmann::ordered_json metrics_to_json(const sim::RunMetrics& m) {
  auto optional = [](const std::optional<double>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json j;
  j["duration_s"] = m.duration_s;
  j["time_to_ready_s"] = nlohmann::ordered_json::object();
  for (const auto& [host, s] : m.time_to_ready_s) j["time_to_ready_s"][host] = s;
  j["time_to_ready_s_by_profile"] = nlohmann::ordered_json::object();
  for (const auto& [profile, values] : m.time_to_ready_s_by_profile)
    j["time_to_ready_s_by_profile"][profile] = values;
  j["never_ready_hosts"] = m.never_ready_hosts;
  j["converged_at_s"] = optional(m.converged_at_s);
  j["joins"] = m.joins;
  j["join_attempts"] = m.join_attempts;
  j["spurious_evictions"] = m.spurious_evictions;
  j["spurious_evictions_per_join"] = m.spurious_evictions_per_join;
  const auto& c = m.removed_host_cleanup_s;
  j["removed_host_cleanup_s"] = {{"max", optional(c.max_s)},
                                 {"mean", optional(c.mean_s)},
                                 {"count", c.count},
                                 {"never", c.never}};
  j["leader_calls_per_s"] = nlohmann::ordered_json::object();
  for (const auto& [name, rate] : m.leader_calls_per_s) j["leader_calls_per_s"][name] = rate;
  j["leader_calls_per_s_total"] = m.leader_calls_per_s_total;
  j["metadata_reads_per_s"] = m.metadata_reads_per_s;
  j["peak_nodes_down"] = m.peak_nodes_down;
  j["leader_utilisation"] = m.leader_utilisation;
  j["leader_heartbeat_utilisation"] = m.leader_heartbeat_utilisation;
  j["leader_p99_s"] = m.leader_p99_s;
  j["signer_utilisation"] = m.signer_utilisation;
  j["certificate_p99_s"] = m.certificate_p99_s;
  j["leader_refused"] = m.leader_refused;
  j["leader_late"] = m.leader_late;
  j["cattle_utilisation"] = m.cattle_utilisation;
  j["cattle_p99_s"] = m.cattle_p99_s;
  j["cattle_refused"] = m.cattle_refused;
  j["cattle_bytes_out"] = m.cattle_bytes_out;
  j["cattle_changes"] = m.cattle_changes;
  j["cattle_bandwidth_utilisation"] = m.cattle_bandwidth_utilisation;
  j["metadata_reloads"] = m.metadata_reloads;
  j["metadata_reload_min_gap_s"] = optional(m.metadata_reload_min_gap_s);
  j["deaf_episodes"] = m.deaf_episodes;
  j["sessions_lost"] = m.sessions_lost;
  j["registrations_refused"] = m.registrations_refused;
  j["removals_refused"] = m.removals_refused;
  j["remembered_removals"] = m.remembered_removals;
  j["servers"] = nlohmann::ordered_json::array();
  for (const auto& sv : m.servers) {
    nlohmann::ordered_json classes = nlohmann::ordered_json::object();
    for (const auto& c : sv.classes)
      classes[c.name] = {{"served", c.served},   {"refused", c.refused}, {"late", c.late},
                         {"dropped", c.dropped}, {"p50_s", c.p50_s},     {"p99_s", c.p99_s},
                         {"max_s", c.max_s}};
    j["servers"].push_back({{"name", sv.name},
                            {"discipline", sv.discipline},
                            {"cores", sv.cores},
                            {"utilisation", sv.utilisation},
                            {"background_utilisation", sv.background_utilisation},
                            {"mean_in_server", sv.mean_in_server},
                            {"peak_in_server", sv.peak_in_server},
                            {"classes", classes}});
  }
  return j;
}

std::string render_chrome_trace(const sim::RunResult& r) {
  nlohmann::ordered_json events = nlohmann::ordered_json::array();
  std::map<std::string, int> track;  // host name -> tid, in order of appearance
  auto tid = [&](const std::string& host) {
    auto [it, added] = track.emplace(host, static_cast<int>(track.size()) + 1);
    if (added)
      events.push_back({{"name", "thread_name"},
                        {"ph", "M"},
                        {"pid", 1},
                        {"tid", it->second},
                        {"args", {{"name", host.empty() ? "(swarm)" : host}}}});
    return it->second;
  };
  auto us = [](Instant t) { return static_cast<double>(t) / 1000.0; };
  struct Life {
    std::string host;
    Instant from;
  };
  std::map<std::string, Life> alive;  // node id -> where and since when
  auto close_life = [&](const std::string& node, Instant at, const char* how) {
    auto it = alive.find(node);
    if (it == alive.end()) return;
    events.push_back({{"name", "node " + short_id(node)},
                      {"cat", "node"},
                      {"ph", "X"},
                      {"pid", 1},
                      {"tid", tid(it->second.host)},
                      {"ts", us(it->second.from)},
                      {"dur", us(at - it->second.from)},
                      {"args", {{"id", node}, {"end", how}}}});
    alive.erase(it);
  };
  for (const auto& e : r.events) {
    if (e.kind == sim::TraceKind::NodeCreated || e.kind == sim::TraceKind::SwarmInit)
      alive[e.node] = Life{e.host, e.at};
    if (e.kind == sim::TraceKind::NodeRemoved) close_life(e.node, e.at, "removed");
    events.push_back({{"name", to_string(e.kind)},
                      {"cat", sim::is_membership(e.kind) ? "membership" : "call"},
                      {"ph", "i"},
                      {"s", "t"},
                      {"pid", 1},
                      {"tid", tid(e.host)},
                      {"ts", us(e.at)},
                      {"args", {{"node", e.node}, {"detail", e.detail}}}});
  }
  while (!alive.empty()) close_life(alive.begin()->first, r.sim_time_ns, "end of run");
  nlohmann::ordered_json doc;
  doc["traceEvents"] = std::move(events);
  doc["displayTimeUnit"] = "ms";
  doc["otherData"] = {{"schema_version", kJsonSchemaVersion},
                      {"swarmsim_version", std::string(kVersion)},
                      {"scenario", r.scenario},
                      {"seed", r.seed},
                      {"policy", r.policy},
                      {"result", to_string(r.verdict)},
                      {"digest", format_digest(r.digest)}};
  return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void write_file_atomically(const std::string& path, const std::string& content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw std::runtime_error(
        fmt::format("cannot write {}: it is a folder; give a file name", path));
  }
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmp = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = mkstemp(tmp.data());
  if (fd < 0) {
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    close(fd);
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot {} {}: {}", what, path, why));
  };
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<std::size_t>(n);
  }
  // mkstemp creates the file 0600; a report is as readable as any file the
  // user creates.
  const mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) fail("set permissions of");
  if (close(fd) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp, path, why));
  }
}

}  // namespace swarmsim::reports
