// Scenario files: YAML in, YAML out. The schema is documented for users in
// scenarios/README.md.
//
// Loading is strict: an unknown key, a wrong type or an unknown name is an
// error, never a silent default, because a scenario is a bug report and a
// typo that turned into a default would report a different bug. Every error
// names the file, line and column. Writing emits every field, so that a
// counterexample shrunk by the property tests is a self-describing file that
// loads back to an equal ScenarioSpec.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace swarmsim::sim {

// A scenario that cannot be read or does not make sense. what() is the full
// message, "file:line:column: message" (line and column omitted when unknown).
struct ScenarioError : std::runtime_error {
  ScenarioError(std::string file, int line, int column, const std::string& message);
  std::string file;
  int line;    // 1-based; 0 when unknown (the file could not be read)
  int column;  // 1-based; 0 when unknown
};

// Reads and validates a scenario; spec.file is set to `path`. Throws
// ScenarioError, and nothing else, for any content or I/O problem.
ScenarioSpec load_scenario_file(const std::string& path);

// The text of a scenario file: only a regular file, and at most
// limits::kFileBytes of it. Throws ScenarioError.
std::string read_scenario_text(const std::string& path);

// How a corpus scenario must end under a policy, from its
// `# expect: legacy=safety fixed=pass` comment line.
struct Expectation {
  std::string policy;
  std::string verdict;  // pass, safety or liveness
  bool operator==(const Expectation&) const = default;
};
// The expectations of the first `# expect:` line, in the order written;
// empty when the file has none. Throws ScenarioError, naming the line, for
// an unknown policy or verdict or a word that is not policy=verdict.
std::vector<Expectation> read_expectations(const std::string& text, const std::string& file);

// As load_scenario_file, for text already in memory; `file_label` is used in
// messages and as spec.file.
ScenarioSpec load_scenario_string(const std::string& text, const std::string& file_label);

// The scenario as a complete YAML document that loads back to an equal spec
// (scenario_yaml_write.cpp).
std::string to_yaml(const ScenarioSpec& spec);

}  // namespace swarmsim::sim
