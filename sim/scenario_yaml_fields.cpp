// The scenario loader's readers of single values and of the plain sections:
// strings, numbers, booleans, names from a fixed list, durations and delay
// distributions, and the swarm, stack, cattle, links and profiles mappings.
// Also the helpers that walk a mapping's keys (for_each_entry, read_fields),
// and shown() and describe(), which quote the input in messages.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/duration.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_yaml_loader.hpp"

namespace swarmsim::sim::detail {

namespace {

std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == t) return true;
  }
  for (std::string_view f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == f) return false;
  }
  return std::nullopt;
}

constexpr Arch kArchs[] = {Arch::X86_64, Arch::Aarch64};
constexpr HostnameStyle kStyles[] = {HostnameStyle::Short, HostnameStyle::Dotted,
                                     HostnameStyle::Fqdn, HostnameStyle::Upper,
                                     HostnameStyle::SharedDefault};
constexpr AgentHostnameRule kRules[] = {AgentHostnameRule::Kernel,   AgentHostnameRule::Short,
                                        AgentHostnameRule::Fqdn,     AgentHostnameRule::Lowercase,
                                        AgentHostnameRule::Override, AgentHostnameRule::Null};
constexpr SeenAddr kSeenAddrs[] = {SeenAddr::AgentIp, SeenAddr::Nat, SeenAddr::OtherInterface};

}  // namespace

std::string shown(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < 60; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, text[i]);
  }
  return out + (text.size() > 60 ? "...'" : "'");
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      return shown(n.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

void Loader::for_each_entry(const YAML::Node& map, const std::string& what,
                            const std::string& prefix, bool record, const Reader& read) {
  if (map.IsNull()) return;  // `swarm:` with nothing under it: all defaults
  if (!map.IsMap())
    fail(map, fmt::format("expected a mapping for {}, got {}", what, describe(map)));
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) fail(kv.first, fmt::format("expected a name as key in {}", what));
    Item item{kv.first.Scalar(), record ? prefix + kv.first.Scalar() : "", kv.first, kv.second};
    if (!seen.insert(item.key).second) {
      fail(kv.first, fmt::format("duplicate key {} in {}", shown(item.key), what));
    }
    if (record) marks_[item.path] = item.value.IsNull() ? kv.first.Mark() : kv.second.Mark();
    read(item);
  }
}

void Loader::read_fields(const YAML::Node& map, const std::string& what, const std::string& prefix,
                         bool record, const std::vector<Field>& fields) {
  for_each_entry(map, what, prefix, record, [&](const Item& item) {
    for (const auto& f : fields) {
      if (f.key == item.key) return f.read(item);
    }
    std::string valid;
    for (const auto& f : fields) valid += (valid.empty() ? "" : ", ") + f.key;
    fail(item.key_node,
         fmt::format("unknown key {} in {}; valid keys: {}", shown(item.key), what, valid));
  });
}

std::string Loader::read_string(const Item& item, bool null_is_empty, std::size_t max_bytes) const {
  if (item.value.IsScalar()) {
    if (item.value.Scalar().size() > max_bytes) {
      fail(item, fmt::format("'{}' is {} bytes long; at most {} are allowed", item.key,
                             item.value.Scalar().size(), max_bytes));
    }
    return item.value.Scalar();
  }
  if (item.value.IsNull() && null_is_empty) return {};
  fail(item, fmt::format("expected a string for '{}', got {}", item.key, describe(item.value)));
}

Duration Loader::read_duration(const Item& item, bool allow_negative) const {
  std::variant<Duration, DurationProblem> parsed = DurationProblem::Malformed;
  if (item.value.IsScalar())
    parsed = parse_duration(item.value.Scalar(), allow_negative, limits::kDuration);
  if (const auto* d = std::get_if<Duration>(&parsed)) return *d;
  if (std::get<DurationProblem>(parsed) == DurationProblem::TooLong) {
    fail(item, fmt::format("'{}' is {}: at most {} is allowed", item.key, describe(item.value),
                           format_duration(limits::kDuration)));
  }
  const bool negative = !allow_negative && item.value.IsScalar() &&
                        std::holds_alternative<Duration>(
                            parse_duration(item.value.Scalar(), true, limits::kDuration));
  fail(item, fmt::format("expected a duration for '{}' (a number and a unit h, m, s, ms, us or ns, "
                         "such as 30s, 250ms, 1.5m or 1m30s), got {}{}",
                         item.key, describe(item.value),
                         negative ? " (only clock_skew may be negative)" : ""));
}

double Loader::read_double(const Item& item) const {
  if (item.value.IsScalar()) {
    if (auto x = parse_number<double>(item.value.Scalar())) return *x;
  }
  fail(item, fmt::format("expected a finite number such as 0.5 for '{}', got {}", item.key,
                         describe(item.value)));
}

int Loader::read_int(const Item& item) const {
  if (item.value.IsScalar()) {
    if (auto x = parse_number<int>(item.value.Scalar())) return *x;
    if (parse_number<double>(item.value.Scalar())) {
      fail(item, fmt::format("expected a whole number between {} and {} for '{}', got {}",
                             std::numeric_limits<int>::min(), std::numeric_limits<int>::max(),
                             item.key, describe(item.value)));
    }
  }
  fail(item,
       fmt::format("expected a whole number for '{}', got {}", item.key, describe(item.value)));
}

bool Loader::read_bool(const Item& item) const {
  if (item.value.IsScalar()) {
    if (auto b = parse_bool(item.value.Scalar())) return *b;
  }
  fail(item,
       fmt::format("expected true or false for '{}', got {}", item.key, describe(item.value)));
}

template <typename Enum, std::size_t N>
Enum Loader::read_enum(const Item& item, const Enum (&values)[N]) const {
  // A plain `null` is YAML's null, not the word; where "null" is one of the
  // valid values (agent_hostname) both spellings mean it.
  const std::string text = item.value.IsNull() ? "null" : item.value.Scalar();
  if (item.value.IsScalar() || item.value.IsNull()) {
    for (Enum v : values) {
      if (text == to_string(v)) return v;
    }
  }
  std::string valid;
  for (Enum v : values) valid += (valid.empty() ? "" : ", ") + std::string(to_string(v));
  fail(item, fmt::format("unknown value {} for '{}'; valid values: {}", describe(item.value),
                         item.key, valid));
}

Distribution Loader::read_distribution(const Item& item) {
  const std::string expected = fmt::format(
      "expected a duration (300ms) or a distribution such as {{uniform: [1s, 2s]}}, "
      "{{min: 1ms, exponential: 2ms}} or {{lognormal: 1s, sigma: 0.5}} for '{}'",
      item.key);
  if (item.value.IsScalar()) return Distribution::constant(read_duration(item));
  if (!item.value.IsMap()) fail(item, fmt::format("{}, got {}", expected, describe(item.value)));

  std::map<std::string, Item> given;
  read_fields(item.value, fmt::format("'{}'", item.key), item.path + ".", false,
              {{"constant", [&](const Item& i) { given.emplace(i.key, i); }},
               {"uniform", [&](const Item& i) { given.emplace(i.key, i); }},
               {"exponential", [&](const Item& i) { given.emplace(i.key, i); }},
               {"lognormal", [&](const Item& i) { given.emplace(i.key, i); }},
               {"min", [&](const Item& i) { given.emplace(i.key, i); }},
               {"sigma", [&](const Item& i) { given.emplace(i.key, i); }}});
  std::vector<std::string> kinds;
  for (const char* k : {"constant", "uniform", "exponential", "lognormal"}) {
    if (given.count(k) != 0) kinds.emplace_back(k);
  }
  if (kinds.size() != 1) {
    fail(item.value, fmt::format("'{}' needs exactly one of constant, uniform, exponential, "
                                 "lognormal; {}",
                                 item.key, kinds.empty() ? "got none" : "got several"));
  }
  const Item& chosen = given.at(kinds.front());
  const bool takes_min = kinds.front() == "exponential" || kinds.front() == "lognormal";
  if (given.count("min") != 0 && !takes_min) {
    fail(given.at("min").key_node, fmt::format("'min' does not apply to {}", kinds.front()));
  }
  if ((given.count("sigma") != 0) != (kinds.front() == "lognormal")) {
    fail(item.value, "'sigma' goes with lognormal, and lognormal needs it");
  }
  const Duration min_ns = given.count("min") != 0 ? read_duration(given.at("min")) : 0;
  if (kinds.front() == "constant") return Distribution::constant(read_duration(chosen));
  if (kinds.front() == "exponential") {
    return Distribution::exponential(min_ns, read_duration(chosen));
  }
  if (kinds.front() == "lognormal") {
    return Distribution::lognormal(min_ns, read_duration(chosen), read_double(given.at("sigma")));
  }
  if (!chosen.value.IsSequence() || chosen.value.size() != 2) {
    fail(chosen, fmt::format("expected a list of two durations such as [20s, 40s] for 'uniform', "
                             "got {}",
                             describe(chosen.value)));
  }
  const Duration lo = read_duration(Item{"uniform", "", chosen.value[0], chosen.value[0]});
  const Duration hi = read_duration(Item{"uniform", "", chosen.value[1], chosen.value[1]});
  return Distribution::uniform(lo, hi);
}

void Loader::read_swarm(const Item& item, SwarmSpec& w) {
  read_fields(
      item.value, "swarm", "swarm.", true,
      {{"manager_scale", [&](const Item& i) { w.manager_scale = read_int(i); }},
       {"loop_interval", [&](const Item& i) { w.loop_interval_ns = read_duration(i); }},
       {"heartbeat_period", [&](const Item& i) { w.heartbeat_period_ns = read_duration(i); }},
       {"down_after", [&](const Item& i) { w.down_after_ns = read_duration(i); }},
       {"registration_delay", [&](const Item& i) { w.registration_delay = read_distribution(i); }},
       {"removed_node_sees_error",
        [&](const Item& i) { w.removed_node_sees_error = read_bool(i); }},
       {"grace_min_node_age", [&](const Item& i) { w.grace_min_node_age_ns = read_duration(i); }},
       {"fixed_max_removals_per_pass",
        [&](const Item& i) { w.fixed_max_removals_per_pass = read_int(i); }}});
}

std::vector<Arch> Loader::read_arches(const Item& item) {
  std::vector<Arch> out;
  if (!item.value.IsSequence())
    fail(item, fmt::format("expected a list of architectures such as [x86_64, aarch64] for '{}', "
                           "got {}",
                           item.key, describe(item.value)));
  for (const auto& a : item.value) {
    const Arch arch = read_enum(Item{item.key, "", a, a}, kArchs);
    if (std::find(out.begin(), out.end(), arch) == out.end()) out.push_back(arch);
  }
  return out;
}

void Loader::read_stack(const Item& item, StackSpec& st) {
  read_fields(item.value, "stack", "stack.", true,
              {{"image_arches", [&](const Item& i) { st.image_arches = read_arches(i); }},
               {"always_pull", [&](const Item& i) { st.always_pull = read_bool(i); }}});
}

void Loader::read_cattle(const Item& item, CattleSpec& c) {
  read_fields(item.value, "cattle", "cattle.", true,
              {{"write_error", [&](const Item& i) { c.write_error_p = read_double(i); }},
               {"write_timeout", [&](const Item& i) { c.write_timeout_p = read_double(i); }}});
}

void Loader::read_servers(const Item& item, ServersSpec& v) {
  LeaderSpec& l = v.leader;
  CattleApiSpec& c = v.cattle_api;
  MetadataReplicaSpec& m = v.metadata;
  auto dur = [this](Duration& d) {
    return [this, p = &d](const Item& i) { *p = read_duration(i); };
  };
  auto num = [this](auto& n) { return [this, p = &n](const Item& i) { *p = read_int(i); }; };
  read_fields(item.value, "servers", "servers.", true,
              {{"leader",
                [&](const Item& i) {
                  read_fields(i.value, "servers.leader", "servers.leader.", true,
                              {{"cores", num(l.cores)},
                               {"queue_limit", num(l.queue_limit)},
                               {"heartbeat_cost", dur(l.heartbeat_cost_ns)},
                               {"heartbeat_deadline", dur(l.heartbeat_deadline_ns)},
                               {"register_cost", dur(l.register_cost_ns)},
                               {"join_cost", dur(l.join_cost_ns)},
                               {"sign_cost", dur(l.sign_cost_ns)},
                               {"read_cost", dur(l.read_cost_ns)},
                               {"list_base", dur(l.list_base_ns)},
                               {"list_per_node", dur(l.list_per_node_ns)},
                               {"write_cost", dur(l.write_cost_ns)},
                               {"remove_per_entry", dur(l.remove_per_entry_ns)},
                               {"batch_interval", dur(l.batch_interval_ns)},
                               {"request_timeout", dur(l.request_timeout_ns)},
                               {"remembered_removals", num(l.remembered_removals)},
                               {"removal_entry_bytes", num(l.removal_entry_bytes)},
                               {"raft_max_bytes", num(l.raft_max_bytes)}});
                }},
               {"cattle_api",
                [&](const Item& i) {
                  read_fields(i.value, "servers.cattle_api", "servers.cattle_api.", true,
                              {{"workers", num(c.workers)},
                               {"queue_limit", num(c.queue_limit)},
                               {"read_cost", dur(c.read_cost_ns)},
                               {"list_per_host", dur(c.list_per_host_ns)},
                               {"write_cost", dur(c.write_cost_ns)},
                               {"host_payload_bytes", num(c.host_payload_bytes)},
                               {"bandwidth",
                                [&](const Item& b) { c.bandwidth_bytes_per_s = read_double(b); }}});
                }},
               {"metadata", [&](const Item& i) {
                  read_fields(i.value, "servers.metadata", "servers.metadata.", true,
                              {{"min_reload_interval", dur(m.min_reload_interval_ns)},
                               {"reload_base", dur(m.reload_base_ns)},
                               {"reload_per_host", dur(m.reload_per_host_ns)}});
                }}});
}

void Loader::read_recovery(const Item& item, RecoverySpec& r) {
  read_fields(item.value, "recovery", "recovery.", true,
              {{"from", [&](const Item& i) { r.from_ns = read_duration(i); }},
               {"within", [&](const Item& i) { r.within_ns = read_duration(i); }},
               {"latency", [&](const Item& i) { r.latency_ns = read_duration(i); }}});
}

void Loader::read_link(const Item& item, LinkClassSpec& l) {
  read_fields(item.value, fmt::format("link '{}'", l.name), item.path + ".", true,
              {{"latency", [&](const Item& i) { l.latency = read_distribution(i); }},
               {"loss", [&](const Item& i) { l.loss = read_double(i); }},
               {"duplicate", [&](const Item& i) { l.duplicate = read_double(i); }},
               {"reorder", [&](const Item& i) { l.reorder = read_double(i); }},
               {"reorder_delay", [&](const Item& i) { l.reorder_delay = read_distribution(i); }}});
}

void Loader::read_profile(const Item& item, ProfileSpec& p) {
  read_fields(
      item.value, fmt::format("profile '{}'", p.name), item.path + ".", true,
      {{"arch", [&](const Item& i) { p.arch = read_enum(i, kArchs); }},
       {"cpu_factor", [&](const Item& i) { p.cpu_factor = read_double(i); }},
       {"hostname_style", [&](const Item& i) { p.hostname_style = read_enum(i, kStyles); }},
       {"domain", [&](const Item& i) { p.domain = read_string(i); }},
       {"agent_hostname", [&](const Item& i) { p.agent_hostname = read_enum(i, kRules); }},
       {"hostname_override", [&](const Item& i) { p.hostname_override = read_string(i); }},
       {"link", [&](const Item& i) { p.link = read_string(i); }},
       {"metadata_lag", [&](const Item& i) { p.metadata_lag = read_distribution(i); }},
       {"metadata_empty_p", [&](const Item& i) { p.metadata_empty_p = read_double(i); }},
       {"agent_startup", [&](const Item& i) { p.agent_startup = read_distribution(i); }},
       {"busy_after_join", [&](const Item& i) { p.busy_after_join = read_distribution(i); }},
       {"clock_skew", [&](const Item& i) { p.clock_skew_ns = read_duration(i, true); }},
       {"manager_sees_addr",
        [&](const Item& i) { p.manager_sees_addr = read_enum(i, kSeenAddrs); }}});
}

}  // namespace swarmsim::sim::detail
