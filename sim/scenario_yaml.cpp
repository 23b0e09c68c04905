// Scenario files in: the entry points (load_scenario_string,
// load_scenario_file, read_scenario_text, read_expectations), the checks on
// the file as text and as a YAML stream, and the Loader's reading of the
// document's top level. The readers of the sections are in
// scenario_yaml_fields.cpp and scenario_yaml_events.cpp, the Loader class in
// scenario_yaml_loader.hpp; the schema is documented for users in
// scenarios/README.md.
//
// Semantic checks are left to validate() (sim/scenario.cpp); its messages
// start with a key path or "line N", which the loader maps back to a position
// in the file through the marks it recorded while reading.
#include "sim/scenario_yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <ios>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "model/removal_policy.hpp"
#include "sim/scenario.hpp"
#include "sim/scenario_yaml_loader.hpp"
#include "sim/utf8.hpp"

namespace swarmsim::sim {

namespace {

std::string format_error(const std::string& file, int line, int column, const std::string& msg) {
  if (line <= 0) return fmt::format("{}: {}", file, msg);
  if (column <= 0) return fmt::format("{}:{}: {}", file, line, msg);
  return fmt::format("{}:{}:{}: {}", file, line, column, msg);
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
    throw ScenarioError(
        file, 0, 0,
        fmt::format("is {} bytes; a scenario file may hold at most {} bytes (4 MiB)", text.size(),
                    limits::kFileBytes));
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

}  // namespace

ScenarioError::ScenarioError(std::string file_in, int line_in, int column_in,
                             const std::string& message)
    : std::runtime_error(format_error(file_in, line_in, column_in, message)),
      file(std::move(file_in)),
      line(line_in),
      column(column_in) {}

namespace detail {

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

void Loader::read_top(const YAML::Node& root, ScenarioSpec& spec) {
  std::vector<EventSpec> host_events, other_events;
  bool has_name = false;
  const std::vector<Field> fields = {
      {"name", [&](const Item& i) { spec.name = read_string(i), has_name = true; }},
      {"description",
       [&](const Item& i) { spec.description = read_string(i, true, limits::kDescriptionBytes); }},
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
      {"servers", [&](const Item& i) { read_servers(i, spec.servers); }},
      {"recovery", [&](const Item& i) { read_recovery(i, spec.recovery.emplace()); }},
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

}  // namespace detail

ScenarioSpec load_scenario_string(const std::string& text, const std::string& file_label) {
  try {
    return detail::Loader(file_label).load(text);
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
      if (!known_policy || (e.verdict != "pass" && e.verdict != "safety" &&
                            e.verdict != "liveness" && e.verdict != "inconclusive")) {
        throw ScenarioError(file, number, 0,
                            fmt::format("the expect line has {}; expected words such as "
                                        "legacy=safety fixed=pass (policies: {}; verdicts: pass, "
                                        "safety, liveness, inconclusive)",
                                        detail::shown(w), model::RemovalPolicy::names()));
      }
      out.push_back(std::move(e));
    }
    return out;
  }
  return {};
}

}  // namespace swarmsim::sim
