// The scenario loader's insides, shared by the files that read a scenario:
// the Loader class, the Item its readers are given, and the scalar helpers
// they all use. Not part of the interface; that is sim/scenario_yaml.hpp.
//
// The Loader is spread over three files: scenario_yaml.cpp (the document,
// the top level and the semantic checks), scenario_yaml_fields.cpp (single
// values, distributions and the swarm, stack, cattle, links and profiles
// sections) and scenario_yaml_events.cpp (hosts, host groups and events).
//
// Every yaml-cpp node access that could throw is avoided (only Type(),
// Scalar(), Mark() and iteration are used), and a catch-all around the loader
// turns anything unexpected into a ScenarioError: arbitrary input must never
// crash the CLI.
#pragma once

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/scenario_yaml.hpp"

namespace swarmsim::sim::detail {

// ---- Scalars -------------------------------------------------------------

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

// Quotes what a message shows of the input, escaping control bytes so that a
// binary file cannot garble the terminal.
std::string shown(std::string_view text);

// What a message says a node is: its scalar, shown(), or "a list", "a
// mapping" or "nothing".
std::string describe(const YAML::Node& n);

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
  void read_servers(const Item& item, ServersSpec& v);
  void read_recovery(const Item& item, RecoverySpec& r);
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

}  // namespace swarmsim::sim::detail
