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
#include <vector>

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

// Each unit is coefficient * 10^exponent nanoseconds. Splitting it this way
// converts decimals such as 1.5m exactly in integer arithmetic, so a file
// means the same instant on every machine.
struct TimeUnit {
  std::string_view name;
  std::uint64_t coefficient;
  int exponent;
};
constexpr TimeUnit kTimeUnits[] = {{"h", 36, 11}, {"m", 6, 10}, {"s", 1, 9},
                                   {"ms", 1, 6},  {"us", 1, 3}, {"ns", 1, 0}};

std::uint64_t pow10(int n) {
  std::uint64_t r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::optional<Duration> parse_duration(std::string_view text, bool allow_negative) {
  if (text == "0") return 0;
  const bool negative = allow_negative && !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    std::size_t j = i + 1;
    while (j < text.size() && is_digit(text[j])) ++j;
    fraction = text.substr(i + 1, j - i - 1);
    if (fraction.empty()) return std::nullopt;
    i = j;
  }
  if (whole.empty()) return std::nullopt;
  const TimeUnit* unit = nullptr;
  for (const auto& u : kTimeUnits) {
    if (u.name == text.substr(i)) unit = &u;
  }
  if (unit == nullptr) return std::nullopt;

  const std::uint64_t unit_ns = unit->coefficient * pow10(unit->exponent);
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  std::uint64_t w = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), w).ec != std::errc{}) {
    return std::nullopt;
  }
  if (w > limit / unit_ns) return std::nullopt;
  std::uint64_t total = w * unit_ns;
  // Digits beyond exponent + 4 are worth far less than a nanosecond; keeping
  // only those before them keeps the product below 2^63.
  const int kept = static_cast<int>(std::min<std::size_t>(fraction.size(), unit->exponent + 4));
  std::uint64_t f = 0;
  for (int k = 0; k < kept; ++k) f = f * 10 + static_cast<std::uint64_t>(fraction[k] - '0');
  std::uint64_t frac_ns = f * unit->coefficient;
  if (kept <= unit->exponent) {
    frac_ns *= pow10(unit->exponent - kept);
  } else {
    const std::uint64_t div = pow10(kept - unit->exponent);
    frac_ns = frac_ns / div + ((frac_ns % div) * 2 >= div ? 1 : 0);  // round half up
  }
  if (frac_ns > limit - total) return std::nullopt;
  total += frac_ns;
  return negative ? static_cast<Duration>(0 - total) : static_cast<Duration>(total);
}

}  // namespace

std::string format_duration(Duration d) {
  if (d == 0) return "0s";
  for (const auto& u : kTimeUnits) {
    const auto unit_ns = static_cast<Duration>(u.coefficient * pow10(u.exponent));
    if (d % unit_ns == 0) return fmt::format("{}{}", d / unit_ns, u.name);
  }
  return fmt::format("{}ns", d);  // unreachable: every value divides by 1ns
}

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
                                     EventKind::MetadataStall, EventKind::MetadataEmpty};
constexpr SeenAddr kSeenAddrs[] = {SeenAddr::AgentIp, SeenAddr::Nat, SeenAddr::OtherInterface};
constexpr std::string_view kPolicies[] = {"legacy", "grace", "fixed", "go-rewrite"};

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

  std::string read_string(const Item& item, bool null_is_empty = false) const;
  Duration read_duration(const Item& item, bool allow_negative = false) const;
  Distribution read_distribution(const Item& item);
  double read_double(const Item& item) const;
  int read_int(const Item& item) const;
  bool read_bool(const Item& item) const;
  template <typename Enum, std::size_t N>
  Enum read_enum(const Item& item, const Enum (&values)[N]) const;

  void read_top(const YAML::Node& root, ScenarioSpec& spec);
  void read_swarm(const Item& item, SwarmSpec& w);
  void read_link(const Item& item, LinkClassSpec& l);
  void read_profile(const Item& item, ProfileSpec& p);
  void read_host(const YAML::Node& node, std::vector<EventSpec>& out);
  void read_event(const YAML::Node& node, std::vector<EventSpec>& out);
  template <typename Fn>
  void for_each_element(const Item& item, const std::string& expected, Fn fn);
  [[noreturn]] void fail_semantics(const std::string& problem) const;

  std::string file_;
  std::map<std::string, YAML::Mark> marks_;  // key path -> where its value is written
  std::map<int, int> event_columns_;         // 1-based line -> column of the event there
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

std::string Loader::read_string(const Item& item, bool null_is_empty) const {
  if (item.value.IsScalar()) return item.value.Scalar();
  if (item.value.IsNull() && null_is_empty) return {};
  fail(item, fmt::format("expected a string for '{}', got {}", item.key, describe(item.value)));
}

Duration Loader::read_duration(const Item& item, bool allow_negative) const {
  if (item.value.IsScalar()) {
    if (auto d = parse_duration(item.value.Scalar(), allow_negative)) return *d;
  }
  const bool negative = !allow_negative && item.value.IsScalar() &&
                        parse_duration(item.value.Scalar(), true).has_value();
  fail(item,
       fmt::format("expected a duration such as 30s or 250ms for '{}', got {}{}", item.key,
                   describe(item.value), negative ? " (only clock_skew may be negative)" : ""));
}

double Loader::read_double(const Item& item) const {
  if (item.value.IsScalar()) {
    if (auto x = parse_number<double>(item.value.Scalar())) return *x;
  }
  fail(item, fmt::format("expected a number such as 0.5 for '{}', got {}", item.key,
                         describe(item.value)));
}

int Loader::read_int(const Item& item) const {
  if (item.value.IsScalar()) {
    if (auto x = parse_number<int>(item.value.Scalar())) return *x;
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
  for (const auto& element : item.value) fn(element);
}

void Loader::read_host(const YAML::Node& node, std::vector<EventSpec>& out) {
  if (!node.IsMap()) {
    fail(node, fmt::format("expected a host such as {{name: pi1, profile: pi, at: 0s}}, got {}",
                           describe(node)));
  }
  EventSpec e;
  e.kind = EventKind::AddHost;
  e.line = node.Mark().line + 1;
  bool has_name = false, has_profile = false;
  read_fields(node, "a hosts entry", "", false,
              {{"name", [&](const Item& i) { e.host = read_string(i), has_name = true; }},
               {"profile", [&](const Item& i) { e.profile = read_string(i), has_profile = true; }},
               {"at", [&](const Item& i) { e.at_ns = read_duration(i); }}});
  if (!has_name) fail(node, "a hosts entry needs 'name' (the host's name in Rancher)");
  if (!has_profile) fail(node, "a hosts entry needs 'profile' (one of the profiles: names)");
  event_columns_.emplace(e.line, node.Mark().column + 1);
  out.push_back(std::move(e));
}

void Loader::read_event(const YAML::Node& node, std::vector<EventSpec>& out) {
  if (!node.IsMap()) {
    fail(node, fmt::format("expected an event such as {{at: 5m, crash: pi1, for: 20s}}, got {}",
                           describe(node)));
  }
  EventSpec e;
  e.line = node.Mark().line + 1;
  std::optional<Item> at, profile, duration;
  std::vector<Item> kinds;
  std::vector<Field> fields = {{"at", [&](const Item& i) { at = i; }},
                               {"profile", [&](const Item& i) { profile = i; }},
                               {"for", [&](const Item& i) { duration = i; }}};
  for (EventKind k : kEventKinds) {
    fields.push_back({to_string(k), [&, k](const Item& i) {
                        e.kind = k;
                        kinds.push_back(i);
                      }});
  }
  read_fields(node, "an event", "", false, fields);
  if (kinds.empty()) {
    fail(node,
         "an event needs one of add_host, remove_host, crash, partition, metadata_stall, "
         "metadata_empty");
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
  const bool has_duration = !is_add && e.kind != EventKind::RemoveHost;
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
      {"description", [&](const Item& i) { spec.description = read_string(i, true); }},
      {"seed",
       [&](const Item& i) {
         auto seed =
             i.value.IsScalar() ? parse_number<std::uint64_t>(i.value.Scalar()) : std::nullopt;
         if (!seed)
           fail(i, fmt::format("expected an unsigned whole number for 'seed', got {}",
                               describe(i.value)));
         spec.seed = *seed;
       }},
      {"policy",
       [&](const Item& i) {
         spec.policy = read_string(i);
         if (std::find(std::begin(kPolicies), std::end(kPolicies), spec.policy) ==
             std::end(kPolicies)) {
           fail(i, fmt::format("unknown value {} for 'policy'; valid values: legacy, grace, fixed, go-rewrite",
                               shown(spec.policy)));
         }
       }},
      {"duration", [&](const Item& i) { spec.duration_ns = read_duration(i); }},
      {"liveness_bound", [&](const Item& i) { spec.liveness_bound_ns = read_duration(i); }},
      {"swarm", [&](const Item& i) { read_swarm(i, spec.swarm); }},
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

ScenarioSpec Loader::load(const std::string& text) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    fail_at(e.mark, e.msg);
  }
  if (documents.size() > 1) {
    fail(documents[1], "a scenario file holds one YAML document, but a second one starts here");
  }
  const YAML::Node root = documents.empty() ? YAML::Node() : documents.front();
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

ScenarioSpec load_scenario_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ScenarioError(path, 0, 0, "is a directory, not a scenario file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ScenarioError(path, 0, 0,
                        fmt::format("cannot open: {}", std::generic_category().message(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ScenarioError(path, 0, 0, "cannot read the file");
  return load_scenario_string(text.str(), path);
}

}  // namespace swarmsim::sim
