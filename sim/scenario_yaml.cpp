// Scenario files: parsing with yaml-cpp into ScenarioSpec, and writing a spec
// back out. The schema is documented for users in scenarios/README.md.
//
// Every yaml-cpp node access that could throw is avoided (only Type(),
// Scalar(), Mark() and iteration are used), and a catch-all around the loader
// turns anything unexpected into a ScenarioError: arbitrary input must never
// crash the CLI. Semantic checks are left to validate() (sim/scenario.cpp);
// its messages start with a key path or "line N", which the loader maps back
// to a position in the file through the marks it recorded while reading.
#include "sim/scenario_yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "model/duration.hpp"
#include "model/removal_policy.hpp"
#include "sim/random.hpp"
#include "sim/utf8.hpp"

namespace swarmsim::sim {

namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& msg) {
  if (line <= 0) return fmt::format("{}: {}", file, msg);
  if (column <= 0) return fmt::format("{}:{}: {}", file, line, msg);
  return fmt::format("{}:{}:{}: {}", file, line, column, msg);
}

}  // namespace

ScenarioError::ScenarioError(std::string file_in, int line_in, int column_in, std::string message)
    : std::runtime_error(format_error(file_in, line_in, column_in, message)),
      file(std::move(file_in)),
      line(line_in),
      column(column_in) {}

namespace {

// ---- Scalars -------------------------------------------------------------

}  // namespace

namespace {

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  for (std::string_view t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}) {
    if (text == t) return true;
  }
  for (std::string_view f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}) {
    if (text == f) return false;
  }
  return std::nullopt;
}

// Quotes what a message shows of the input, escaping control bytes so that a
// binary file cannot garble the terminal.
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

constexpr Arch kArchs[] = {Arch::X86_64, Arch::Aarch64};
constexpr HostnameStyle kStyles[] = {HostnameStyle::Short, HostnameStyle::Dotted,
                                     HostnameStyle::Fqdn, HostnameStyle::Upper,
                                     HostnameStyle::SharedDefault};
constexpr AgentHostnameRule kRules[] = {AgentHostnameRule::Kernel,   AgentHostnameRule::Short,
                                        AgentHostnameRule::Fqdn,     AgentHostnameRule::Lowercase,
                                        AgentHostnameRule::Override, AgentHostnameRule::Null};
constexpr EventKind kEventKinds[] = {EventKind::AddHost,       EventKind::RemoveHost,
                                     EventKind::Crash,         EventKind::Partition,
                                     EventKind::MetadataStall, EventKind::MetadataEmpty,
                                     EventKind::DeleteHost,    EventKind::MachineDies,
                                     EventKind::EditLabels,    EventKind::PublishImage,
                                     EventKind::UpgradeStack};
constexpr SeenAddr kSeenAddrs[] = {SeenAddr::AgentIp, SeenAddr::Nat, SeenAddr::OtherInterface};

// ---- Loading -------------------------------------------------------------

// One key of a mapping and its value, as the readers see it.
struct Item {
  std::string key;   // as written, for messages
  std::string path;  // dotted key path for validate() messages; empty: not recorded
  YAML::Node key_node;
  YAML::Node value;
};

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}
  ScenarioSpec load(const std::string& text);

 private:
  using Reader = std::function<void(const Item&)>;
  struct Field {
    std::string key;
    Reader read;
  };

  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& message) const {
    throw ScenarioError(file_, mark.line >= 0 ? mark.line + 1 : 1,
                        mark.column >= 0 ? mark.column + 1 : 0, message);
  }
  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const {
    fail_at(at.Mark(), message);
  }
  // An empty value (`key:`) has its mark on the following line, so errors
  // about it point at the key instead.
  [[noreturn]] void fail(const Item& item, const std::string& message) const {
    fail_at(item.value.IsNull() ? item.key_node.Mark() : item.value.Mark(), message);
  }

  void for_each_entry(const YAML::Node& map, const std::string& what, const std::string& prefix,
                      bool record, const Reader& read);
  void read_fields(const YAML::Node& map, const std::string& what, const std::string& prefix,
                   bool record, const std::vector<Field>& fields);

  // A string of at most `max_bytes`. The bound is applied here, before the
  // text is copied, because YAML aliases can make one long scalar stand for
  // thousands of values.
  std::string read_string(const Item& item, bool null_is_empty = false,
                          std::size_t max_bytes = limits::kNameBytes) const;
  Duration read_duration(const Item& item, bool allow_negative = false) const;
  Distribution read_distribution(const Item& item);
  double read_double(const Item& item) const;
  int read_int(const Item& item) const;
  bool read_bool(const Item& item) const;
  template <typename Enum, std::size_t N>
  Enum read_enum(const Item& item, const Enum (&values)[N]) const;

  void read_top(const YAML::Node& root, ScenarioSpec& spec);
  void read_swarm(const Item& item, SwarmSpec& w);
  void read_stack(const Item& item, StackSpec& st);
  void read_cattle(const Item& item, CattleSpec& c);
  std::vector<Arch> read_arches(const Item& item);
  void read_link(const Item& item, LinkClassSpec& l);
  void read_profile(const Item& item, ProfileSpec& p);
  void read_host(const YAML::Node& node, std::vector<EventSpec>& out);
  // A host group: `count` hosts named by a pattern, arriving all at once
  // (`at`), uniformly over a window (`over`) or as a Poisson process
  // (`per_minute`, from `at`). Expanded once the file's seed is known.
  struct HostGroup : HostGroupSpec {
    YAML::Mark mark;
  };
  void read_host_group(const YAML::Node& node);
  void expand_host_groups(std::uint64_t seed, std::vector<EventSpec>& out);
  std::vector<HostGroup> groups_;
  void read_event(const YAML::Node& node, std::vector<EventSpec>& out);
  template <typename Fn>
  void for_each_element(const Item& item, const std::string& expected, Fn fn);
  [[noreturn]] void fail_semantics(const std::string& problem) const;

  std::string file_;
  std::map<std::string, YAML::Mark> marks_;  // key path -> where its value is written
  std::map<int, int> event_columns_;         // 1-based line -> column of the event there
  std::size_t elements_read_ = 0;            // hosts and events so far
};

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

std::string Loader::read_string(const Item& item, bool null_is_empty,
                                std::size_t max_bytes) const {
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
  if (item.value.IsScalar()) parsed = parse_duration(item.value.Scalar(), allow_negative, limits::kDuration);
  if (const auto* d = std::get_if<Duration>(&parsed)) return *d;
  if (std::get<DurationProblem>(parsed) == DurationProblem::TooLong) {
    fail(item, fmt::format("'{}' is {}: at most {} is allowed", item.key, describe(item.value),
                           format_duration(limits::kDuration)));
  }
  const bool negative = !allow_negative && item.value.IsScalar() &&
                        std::holds_alternative<Duration>(parse_duration(item.value.Scalar(), true, limits::kDuration));
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
       {"manager_sees_addr", [&](const Item& i) { p.manager_sees_addr = read_enum(i, kSeenAddrs); }}});
}

template <typename Fn>
void Loader::for_each_element(const Item& item, const std::string& expected, Fn fn) {
  if (item.value.IsNull()) return;
  if (!item.value.IsSequence()) {
    fail(item,
         fmt::format("expected {} for '{}', got {}", expected, item.key, describe(item.value)));
  }
  // Counted while reading, so that a list of aliases cannot make the loader
  // build millions of entries before validate() would refuse them.
  for (const auto& element : item.value) {
    if (++elements_read_ > limits::kEvents) {
      fail(item, fmt::format("more than {} hosts and events; that is the most a scenario may hold",
                             limits::kEvents));
    }
    fn(element);
  }
}

void Loader::read_host(const YAML::Node& node, std::vector<EventSpec>& out) {
  if (!node.IsMap()) {
    fail(node, fmt::format("expected a host such as {{name: pi1, profile: pi, at: 0s}}, got {}",
                           describe(node)));
  }
  if (node["count"]) return read_host_group(node);
  EventSpec e;
  e.kind = EventKind::AddHost;
  e.line = node.Mark().line + 1;
  bool has_name = false, has_profile = false;
  read_fields(node, "a hosts entry", "", false,
              {{"name", [&](const Item& i) { e.host = read_string(i), has_name = true; }},
               {"profile", [&](const Item& i) { e.profile = read_string(i), has_profile = true; }},
               {"at", [&](const Item& i) { e.at_ns = read_duration(i); }},
               {"kernel_hostname", [&](const Item& i) { e.kernel_hostname = read_string(i); }},
               {"rancher_hostname", [&](const Item& i) { e.rancher_hostname = read_string(i); }}});
  if (!has_name) fail(node, "a hosts entry needs 'name' (the host's name in Rancher)");
  if (!has_profile) fail(node, "a hosts entry needs 'profile' (one of the profiles: names)");
  event_columns_.emplace(e.line, node.Mark().column + 1);
  out.push_back(std::move(e));
}

void Loader::read_host_group(const YAML::Node& node) {
  HostGroup g;
  g.mark = node.Mark();
  g.line = node.Mark().line + 1;
  std::optional<Item> name, over, count;
  bool has_profile = false, has_at = false;
  read_fields(node, "a host group", "", false,
              {{"count", [&](const Item& i) { count = i; }},
               {"name", [&](const Item& i) { name = i; }},
               {"profile", [&](const Item& i) { g.profile = read_string(i), has_profile = true; }},
               {"at", [&](const Item& i) { g.at = read_duration(i), has_at = true; }},
               {"over", [&](const Item& i) { over = i; }},
               {"per_minute", [&](const Item& i) { g.per_minute = read_double(i); }}});
  const int n = read_int(*count);
  if (n < 1 || static_cast<std::size_t>(n) > limits::kHostAdditions)
    fail(*count, fmt::format("expected a count of hosts from 1 to {}, got {}",
                             limits::kHostAdditions, n));
  g.count = static_cast<std::size_t>(n);
  if (!name) fail(node, "a host group needs 'name', a pattern with {i} such as \"pi-{i}\"");
  if (!has_profile) fail(node, "a host group needs 'profile' (one of the profiles: names)");
  const std::string pattern = read_string(*name);
  const auto open = pattern.find("{i");
  const auto close = open == std::string::npos ? open : pattern.find('}', open);
  const std::string field =
      close == std::string::npos ? "" : pattern.substr(open, close - open + 1);
  if (field.empty() || pattern.find("{i", close) != std::string::npos)
    fail(*name, fmt::format("a host group's name needs one {{i}} (or {{i:03}} for zero-padded "
                            "numbers), where each host's number 1..count goes; got {}",
                            shown(pattern)));
  if (field != "{i}") {
    const auto digits = parse_number<int>(std::string_view(field).substr(3, field.size() - 4));
    if (field.size() < 6 || field.compare(0, 4, "{i:0") != 0 || !digits || *digits < 1 ||
        *digits > 9)
      fail(*name, fmt::format("expected {{i}} or {{i:0N}} with N from 1 to 9 in the name, got {}",
                              shown(field)));
    g.width = *digits;
  }
  g.prefix = pattern.substr(0, open);
  g.suffix = pattern.substr(close + 1);
  if (over) {
    if (!over->value.IsSequence() || over->value.size() != 2)
      fail(*over, fmt::format("expected 'over: [from, to]', two durations such as [0s, 30m], "
                              "got {}",
                              describe(over->value)));
    const Duration from = read_duration(Item{"over", "", over->key_node, over->value[0]});
    const Duration to = read_duration(Item{"over", "", over->key_node, over->value[1]});
    if (to < from) fail(*over, "expected 'over: [from, to]' with from no later than to");
    g.over.emplace(from, to);
  }
  if (g.over && (has_at || g.per_minute))
    fail(node, "a host group arrives one way: 'at' alone (all at once), 'over: [from, to]' "
               "(uniformly in a window), or 'per_minute' (a Poisson process from 'at')");
  if (g.per_minute && !(*g.per_minute > 0 && *g.per_minute <= 1e6))
    fail(node, fmt::format("expected 'per_minute' above 0 and at most 1000000, got {}",
                           *g.per_minute));
  elements_read_ += g.count;
  if (elements_read_ > limits::kEvents)
    fail(node, fmt::format("more than {} hosts and events; that is the most a scenario may hold",
                           limits::kEvents));
  event_columns_.emplace(g.line, node.Mark().column + 1);
  groups_.push_back(std::move(g));
}

// Arrival times come from the file's own seed, not the run's: `--seed`
// varies what happens to a fleet, not the fleet. Each group draws from a
// stream named by its pattern, so adding a group changes no other's.
void Loader::expand_host_groups(std::uint64_t seed, std::vector<EventSpec>& out) {
  for (const auto& g : groups_)
    for (auto& e : expand_host_group(g, seed)) out.push_back(std::move(e));
}

void Loader::read_event(const YAML::Node& node, std::vector<EventSpec>& out) {
  if (!node.IsMap()) {
    fail(node, fmt::format("expected an event such as {{at: 5m, crash: pi1, for: 20s}}, got {}",
                           describe(node)));
  }
  EventSpec e;
  e.line = node.Mark().line + 1;
  std::optional<Item> at, profile, duration, same_machine, kernel_name, rancher_name, set;
  std::vector<Item> kinds;
  std::vector<Field> fields = {{"at", [&](const Item& i) { at = i; }},
                               {"profile", [&](const Item& i) { profile = i; }},
                               {"for", [&](const Item& i) { duration = i; }},
                               {"same_machine", [&](const Item& i) { same_machine = i; }},
                               {"kernel_hostname", [&](const Item& i) { kernel_name = i; }},
                               {"rancher_hostname", [&](const Item& i) { rancher_name = i; }},
                               {"set", [&](const Item& i) { set = i; }}};
  for (EventKind k : kEventKinds) {
    fields.push_back({to_string(k), [&, k](const Item& i) {
                        e.kind = k;
                        kinds.push_back(i);
                      }});
  }
  read_fields(node, "an event", "", false, fields);
  if (kinds.empty()) {
    fail(node,
         "an event needs one of add_host, remove_host, delete_host, machine_dies, crash, "
         "partition, metadata_stall, metadata_empty, edit_labels, publish_image, upgrade_stack");
  }
  if (kinds.size() > 1) {
    fail(kinds[1].key_node, fmt::format("an event has one kind, but this one has both '{}' and "
                                        "'{}'; split it into two events",
                                        kinds[0].key, kinds[1].key));
  }
  if (!at)
    fail(node, fmt::format("the {} event needs 'at' (when it happens, e.g. at: 5m)", kinds[0].key));
  e.at_ns = read_duration(*at);
  const bool is_add = e.kind == EventKind::AddHost;
  const bool has_duration = e.kind == EventKind::Crash || e.kind == EventKind::Partition ||
                            e.kind == EventKind::MetadataStall ||
                            e.kind == EventKind::MetadataEmpty || e.kind == EventKind::EditLabels;
  if (set && e.kind != EventKind::EditLabels)
    fail(set->key_node, "'set' only applies to edit_labels events");
  if (set) {
    for_each_entry(set->value, "'set' (label names and values)", "", false, [&](const Item& i) {
      if (e.labels.size() >= limits::kLabelsPerEdit)
        fail(i.key_node, fmt::format("'set' has more than {} labels", limits::kLabelsPerEdit));
      e.labels[i.key] = read_string(i, true);
    });
  }
  if (same_machine && !is_add) {
    fail(same_machine->key_node, "'same_machine' only applies to add_host events");
  }
  if (same_machine) e.same_machine = read_bool(*same_machine);
  for (const auto* named : {&kernel_name, &rancher_name}) {
    if (*named && !is_add) {
      fail((*named)->key_node, fmt::format("'{}' only applies to add_host events", (*named)->key));
    }
  }
  if (kernel_name) e.kernel_hostname = read_string(*kernel_name);
  if (rancher_name) e.rancher_hostname = read_string(*rancher_name);
  if (profile && !is_add) fail(profile->key_node, "'profile' only applies to add_host events");
  if (is_add && !profile) fail(node, "an add_host event needs 'profile'");
  if (duration && !has_duration) {
    fail(duration->key_node, fmt::format("'for' does not apply to {} events", kinds[0].key));
  }
  if (has_duration && !duration) {
    fail(node,
         fmt::format("the {} event needs 'for' (how long it lasts, e.g. for: 30s)", kinds[0].key));
  }
  if (profile) e.profile = read_string(*profile);
  if (duration) e.duration_ns = read_duration(*duration);
  if (e.kind == EventKind::Partition) {
    if (!kinds[0].value.IsSequence()) {
      fail(kinds[0], fmt::format("expected a list of host names such as [pi2, pi3] for "
                                 "'partition', got {}",
                                 describe(kinds[0].value)));
    }
    for (const auto& h : kinds[0].value)
      e.hosts.push_back(read_string(Item{"partition", "", h, h}));
  } else if (e.kind == EventKind::PublishImage) {
    e.arches = read_arches(kinds[0]);
  } else if (e.kind == EventKind::UpgradeStack) {
    read_fields(kinds[0].value, "upgrade_stack", "", false,
                {{"manager_scale", [&](const Item& i) {
                    e.manager_scale = read_int(i);
                    if (e.manager_scale < 1)
                      fail(i, fmt::format("manager_scale must be between 1 and {}, got {}",
                                          limits::kManagerScale, e.manager_scale));
                  }}});
  } else {
    e.host = read_string(kinds[0]);
  }
  event_columns_.emplace(e.line, node.Mark().column + 1);
  out.push_back(std::move(e));
}

void Loader::read_top(const YAML::Node& root, ScenarioSpec& spec) {
  std::vector<EventSpec> host_events, other_events;
  bool has_name = false;
  const std::vector<Field> fields = {
      {"name", [&](const Item& i) { spec.name = read_string(i), has_name = true; }},
      {"description",
       [&](const Item& i) {
         spec.description = read_string(i, true, limits::kDescriptionBytes);
       }},
      {"seed",
       [&](const Item& i) {
         auto seed =
             i.value.IsScalar() ? parse_number<std::uint64_t>(i.value.Scalar()) : std::nullopt;
         if (!seed)
           fail(i, fmt::format("expected a whole number from 0 to {} for 'seed', got {}",
                               std::numeric_limits<std::uint64_t>::max(), describe(i.value)));
         spec.seed = *seed;
       }},
      {"policy",
       [&](const Item& i) {
         spec.policy = read_string(i);
         if (!model::RemovalPolicy::from_name(spec.policy)) {
           fail(i, fmt::format("unknown value {} for 'policy'; valid values: {}",
                               shown(spec.policy), model::RemovalPolicy::names()));
         }
       }},
      {"duration", [&](const Item& i) { spec.duration_ns = read_duration(i); }},
      {"liveness_bound", [&](const Item& i) { spec.liveness_bound_ns = read_duration(i); }},
      {"swarm", [&](const Item& i) { read_swarm(i, spec.swarm); }},
      {"stack", [&](const Item& i) { read_stack(i, spec.stack); }},
      {"cattle", [&](const Item& i) { read_cattle(i, spec.cattle); }},
      {"links",
       [&](const Item& i) {
         for_each_entry(i.value, "links (link name -> link class)", "links.", true,
                        [&](const Item& entry) {
                          LinkClassSpec l;
                          l.name = entry.key;
                          read_link(entry, l);
                          spec.links.push_back(std::move(l));
                        });
       }},
      {"profiles",
       [&](const Item& i) {
         for_each_entry(i.value, "profiles (profile name -> profile)", "profiles.", true,
                        [&](const Item& entry) {
                          ProfileSpec p;
                          p.name = entry.key;
                          read_profile(entry, p);
                          spec.profiles.push_back(std::move(p));
                        });
       }},
      {"hosts",
       [&](const Item& i) {
         for_each_element(i, "a list of hosts such as - {name: pi1, profile: pi}",
                          [&](const YAML::Node& n) { read_host(n, host_events); });
       }},
      {"events",
       [&](const Item& i) {
         for_each_element(i, "a list of events such as - {at: 5m, crash: pi1, for: 20s}",
                          [&](const YAML::Node& n) { read_event(n, other_events); });
       }},
  };
  read_fields(root, "the scenario", "", true, fields);
  if (!has_name) fail(root, "missing required key 'name' (what the scenario is called)");
  expand_host_groups(spec.seed, host_events);
  // Hosts listed under `hosts:` are the starting fleet: at equal times they
  // come before the events, so an event at 0s can already use them.
  spec.events = std::move(host_events);
  spec.events.insert(spec.events.end(), other_events.begin(), other_events.end());
  std::stable_sort(spec.events.begin(), spec.events.end(),
                   [](const EventSpec& a, const EventSpec& b) { return a.at_ns < b.at_ns; });
}

void Loader::fail_semantics(const std::string& problem) const {
  const auto colon = problem.find(": ");
  std::string where = colon == std::string::npos ? "" : problem.substr(0, colon);
  if (where.rfind("line ", 0) == 0) {
    const int line = parse_number<int>(std::string_view(where).substr(5)).value_or(1);
    const auto column = event_columns_.find(line);
    throw ScenarioError(file_, line, column == event_columns_.end() ? 0 : column->second,
                        problem.substr(colon + 2));
  }
  // Key paths point at the nearest key the file actually wrote.
  for (;;) {
    if (auto it = marks_.find(where); it != marks_.end()) fail_at(it->second, problem);
    const auto dot = where.rfind('.');
    if (dot == std::string::npos) break;
    where.resize(dot);
  }
  throw ScenarioError(file_, 1, 1, problem);
}

// yaml-cpp's message, except where it misleads: it reports lists or
// mappings nested past its depth limit (about 500 levels) as "bad file".
std::string parser_message(const YAML::Exception& e) {
  if (e.msg == YAML::ErrorMsg::BAD_FILE) {
    return "lists or mappings nested too deeply for the YAML parser; a scenario nests a few "
           "levels at most";
  }
  return e.msg;
}

// Counts the documents in a YAML stream without building them, stopping at
// the second. yaml-cpp 0.7 reports a flow entry (`,`) outside any flow
// collection as an endless series of empty documents that consume nothing,
// so `LoadAll` on such a file never returns; here a second document that
// starts where the first did is that case.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { first(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { first(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    first(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    first(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    first(mark);
  }
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;       // where each document starts
  std::vector<YAML::Mark> first_nodes;  // where each document's first node is

 private:
  void first(const YAML::Mark& mark) {
    if (first_nodes.size() < starts.size()) first_nodes.push_back(mark);
  }
};

// The file as text: UTF-8 (a UTF-16 or UTF-32 file is refused with a hint)
// holding no control characters but tab and line breaks. yaml-cpp would
// take some of these bytes, and names built from them would reach terminals
// and reports as escape codes or as invalid text.
void check_file_text(const std::string& file, const std::string& text) {
  if (text.size() > limits::kFileBytes) {
    throw ScenarioError(file, 0, 0,
                        fmt::format("is {} bytes; a scenario file may hold at most {} bytes (4 MiB)",
                                    text.size(), limits::kFileBytes));
  }
  const bool utf16or32 = text.size() >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') ||
                                               (text[0] == '\xfe' && text[1] == '\xff') ||
                                               text[0] == '\0' || text[1] == '\0');
  if (utf16or32) {
    throw ScenarioError(file, 1, 1, "the file is not UTF-8 (UTF-16 or UTF-32?); save it as UTF-8");
  }
  if (auto problem = find_unprintable(text, true)) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < problem->offset; ++i) {
      if (text[i] == '\n') {
        ++line, column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xc0) != 0x80) {
        ++column;
      }
    }
    throw ScenarioError(file, line, column,
                        fmt::format("{}; a scenario file is UTF-8 text without control "
                                    "characters other than tab and line breaks",
                                    problem->what));
  }
}

ScenarioSpec Loader::load(const std::string& text) {
  check_file_text(file_, text);
  DocumentCounter counter;
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (counter.starts.size() < 2 && parser.HandleNextDocument(counter)) {
    }
  } catch (const YAML::Exception& e) {
    fail_at(e.mark, parser_message(e));
  }
  if (counter.starts.size() > 1) {
    const YAML::Mark& second =
        counter.first_nodes.size() > 1 ? counter.first_nodes[1] : counter.starts[1];
    const auto at = static_cast<std::size_t>(std::max(second.pos, 0));
    const bool stuck = (at < text.size() && text[at] == ',') ||
                       counter.starts[1].pos == counter.starts[0].pos ||
                       (counter.first_nodes.size() > 1 &&
                        counter.first_nodes[0].pos == counter.first_nodes[1].pos);
    fail_at(second, stuck ? "unexpected ',' outside a [list] or {mapping}: a scenario file "
                            "is one YAML mapping"
                          : "a scenario file holds one YAML document, but a second one "
                            "starts here");
  }
  std::vector<YAML::Node> documents;
  try {
    documents.push_back(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    fail_at(e.mark, parser_message(e));
  }
  const YAML::Node root = documents.front();
  if (root.IsNull()) {
    throw ScenarioError(file_, 1, 1, "the scenario is empty; it needs at least 'name' and a host");
  }
  if (!root.IsMap()) {
    fail(root, fmt::format("expected a mapping with keys such as name, swarm, profiles, hosts at "
                           "the top level, got {}",
                           describe(root)));
  }
  ScenarioSpec spec;
  spec.file = file_;
  read_top(root, spec);
  // Profiles default to the link class "lan"; a scenario that never mentions
  // links gets a plain one instead of an error about a name it never wrote.
  const bool uses_lan = std::any_of(spec.profiles.begin(), spec.profiles.end(),
                                    [](const ProfileSpec& p) { return p.link == "lan"; });
  if (uses_lan && spec.find_link("lan") == nullptr) {
    LinkClassSpec lan;
    lan.name = "lan";
    spec.links.push_back(lan);
  }
  if (auto problem = validate(spec); !problem.empty()) fail_semantics(problem);
  return spec;
}

}  // namespace

ScenarioSpec load_scenario_string(const std::string& text, const std::string& file_label) {
  try {
    return Loader(file_label).load(text);
  } catch (const ScenarioError&) {
    throw;
  } catch (const YAML::Exception& e) {
    throw ScenarioError(file_label, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                        e.mark.column >= 0 ? e.mark.column + 1 : 0, e.msg);
  } catch (const std::exception& e) {
    throw ScenarioError(file_label, 0, 0, fmt::format("cannot read the scenario: {}", e.what()));
  }
}

std::string read_scenario_text(const std::string& path) {
  // Only a regular file is read, and never more than the size limit: a
  // device such as /dev/zero, a FIFO or a directory given by mistake must end
  // with a message at once, not read forever.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw ScenarioError(path, 0, 0, "no such file");
  }
  if (std::filesystem::is_directory(status)) {
    throw ScenarioError(path, 0, 0, "is a directory, not a scenario file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw ScenarioError(path, 0, 0,
                        "is not a regular file (a device, FIFO or socket); give a YAML file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ScenarioError(path, 0, 0,
                        fmt::format("cannot open: {}", std::generic_category().message(errno)));
  }
  std::string text(limits::kFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw ScenarioError(path, 0, 0, "cannot read the file");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > limits::kFileBytes) {
    throw ScenarioError(path, 0, 0,
                        fmt::format("is larger than {} bytes (4 MiB), the most a scenario file "
                                    "may hold",
                                    limits::kFileBytes));
  }
  return text;
}

ScenarioSpec load_scenario_file(const std::string& path) {
  return load_scenario_string(read_scenario_text(path), path);
}

std::vector<Expectation> read_expectations(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.rfind("# expect:", 0) != 0) continue;
    std::vector<Expectation> out;
    std::istringstream words(line.substr(9));
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      Expectation e{w.substr(0, eq), eq == std::string::npos ? "" : w.substr(eq + 1)};
      const bool known_policy = model::RemovalPolicy::from_name(e.policy).has_value();
      if (!known_policy || (e.verdict != "pass" && e.verdict != "safety" && e.verdict != "liveness" &&
                            e.verdict != "inconclusive")) {
        throw ScenarioError(file, number, 0,
                            fmt::format("the expect line has {}; expected words such as "
                                        "legacy=safety fixed=pass (policies: {}; verdicts: pass, "
                                        "safety, liveness, inconclusive)",
                                        shown(w), model::RemovalPolicy::names()));
      }
      out.push_back(std::move(e));
    }
    return out;
  }
  return {};
}

}  // namespace swarmsim::sim
