// Fuzz target for the scenario loader (sim/scenario_yaml*.cpp).
//
// Scenario files come from users and from shrunk counterexamples, and the CLI
// promises a message with a file position, never a crash, for anything it is
// given. So for any input bytes this checks that:
//   - load_scenario_string returns or throws ScenarioError, and nothing else
//     (no other exception, crash, hang, sanitizer report or runaway memory);
//   - a ScenarioError names the file it was given and a sane position;
//   - a loaded spec passes validate(), since the loader promises to validate;
//   - to_yaml of a loaded spec loads back to an equal spec, since shrunk
//     counterexamples are written with to_yaml and must reproduce exactly.
// A broken promise aborts, so that libFuzzer records the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "sim/scenario.hpp"
#include "sim/scenario_yaml.hpp"

namespace {

using swarmsim::sim::ScenarioError;
using swarmsim::sim::ScenarioSpec;

[[noreturn]] void broken(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\n==== scenario_loader_fuzzer: %s\n%s\n====\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

void check_error(const ScenarioError& e, const std::string& label) {
  if (e.file != label) broken("ScenarioError names another file", e.what());
  if (e.line < 0 || e.column < 0 || (e.column > 0 && e.line == 0)) {
    broken("ScenarioError has an impossible position", e.what());
  }
  if (std::string(e.what()).rfind(label, 0) != 0) {
    broken("ScenarioError message does not start with the file", e.what());
  }
}

// Loads `text`; returns false when it was rejected with a ScenarioError.
bool load(const std::string& text, const std::string& label, ScenarioSpec& out,
          ScenarioError* error = nullptr) {
  try {
    out = swarmsim::sim::load_scenario_string(text, label);
    return true;
  } catch (const ScenarioError& e) {
    check_error(e, label);
    if (error != nullptr) *error = e;
    return false;
  } catch (const std::exception& e) {
    broken("load_scenario_string threw something other than ScenarioError",
           std::string(typeid(e).name()) + ": " + e.what());
  } catch (...) {
    broken("load_scenario_string threw something other than ScenarioError",
           "(not a std::exception)");
  }
}

// Names the first field where two specs that should be equal differ.
std::string first_difference(const ScenarioSpec& a, const ScenarioSpec& b) {
  if (a.name != b.name) return "name";
  if (a.description != b.description) return "description";
  if (a.seed != b.seed) return "seed";
  if (a.policy != b.policy) return "policy";
  if (a.duration_ns != b.duration_ns) return "duration";
  if (a.liveness_bound_ns != b.liveness_bound_ns) return "liveness_bound";
  if (!(a.swarm == b.swarm)) return "swarm";
  if (a.links.size() != b.links.size()) return "links (count)";
  for (std::size_t i = 0; i < a.links.size(); ++i) {
    if (!(a.links[i] == b.links[i])) return "links." + a.links[i].name;
  }
  if (a.profiles.size() != b.profiles.size()) return "profiles (count)";
  for (std::size_t i = 0; i < a.profiles.size(); ++i) {
    if (!(a.profiles[i] == b.profiles[i])) return "profiles." + a.profiles[i].name;
  }
  if (a.events.size() != b.events.size()) return "events (count)";
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    if (!(a.events[i] == b.events[i])) return "events[" + std::to_string(i) + "]";
  }
  return "(nothing field by field)";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ScenarioSpec spec;
  if (!load(text, "fuzz.yaml", spec)) return 0;

  if (const std::string problem = swarmsim::sim::validate(spec); !problem.empty()) {
    broken("a loaded scenario does not validate", problem);
  }

  const std::string yaml = swarmsim::sim::to_yaml(spec);
  ScenarioSpec again;
  ScenarioError error("", 0, 0, "");
  if (!load(yaml, "roundtrip", again, &error)) {
    broken("to_yaml wrote a scenario that does not load back",
           std::string(error.what()) + "\n---- to_yaml wrote:\n" + yaml);
  }
  if (!(again == spec)) {
    broken("to_yaml wrote a scenario that loads back different",
           "first difference: " + first_difference(spec, again) + "\n---- to_yaml wrote:\n" + yaml +
               "---- which writes back as:\n" + swarmsim::sim::to_yaml(again));
  }
  return 0;
}
