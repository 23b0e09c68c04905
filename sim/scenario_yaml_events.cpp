// The scenario loader's readers of the lists of hosts and events: a host
// (read_host), a host group and its expansion into hosts once the file's
// seed is known (read_host_group, expand_host_groups), and an event of any
// kind (read_event). Each records the column of its entry, so that
// validate()'s "line N" messages can point at it.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/scenario.hpp"
#include "sim/scenario_yaml_loader.hpp"

namespace swarmsim::sim::detail {

namespace {

constexpr EventKind kEventKinds[] = {
    EventKind::AddHost,      EventKind::RemoveHost,    EventKind::Crash,
    EventKind::Partition,    EventKind::MetadataStall, EventKind::MetadataEmpty,
    EventKind::DeleteHost,   EventKind::MachineDies,   EventKind::EditLabels,
    EventKind::PublishImage, EventKind::UpgradeStack};

}  // namespace

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
    fail(*count,
         fmt::format("expected a count of hosts from 1 to {}, got {}", limits::kHostAdditions, n));
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
    fail(node,
         "a host group arrives one way: 'at' alone (all at once), 'over: [from, to]' "
         "(uniformly in a window), or 'per_minute' (a Poisson process from 'at')");
  if (g.per_minute && !(*g.per_minute > 0 && *g.per_minute <= 1e6))
    fail(node,
         fmt::format("expected 'per_minute' above 0 and at most 1000000, got {}", *g.per_minute));
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

}  // namespace swarmsim::sim::detail
