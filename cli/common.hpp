// What the swarmsim subcommands share: exit codes, error printing, seed
// ranges, policy names, report files, the JSON header, and the JUnit test
// cases of scenario runs and property checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "check/properties.hpp"
#include "reports/junit.hpp"
#include "sim/runner.hpp"

namespace swarmsim::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitSafety = 1;
inline constexpr int kExitLiveness = 2;
inline constexpr int kExitInconclusive = 3;  // only the environment kept liveness from holding
inline constexpr int kExitUsage = 64;
inline constexpr int kExitBadInput = 65;
inline constexpr int kExitInternal = 70;
inline constexpr int kExitCannotWrite =
    73;  // a report file could not be written (sysexits' EX_CANTCREAT)

// Prints "swarmsim: MESSAGE" to stderr, made safe for a terminal: invalid
// UTF-8 and control characters from untrusted input (a binary file's bytes
// in a parser message) cannot reach it raw.
void print_error(const std::string& message);

int exit_code(sim::Verdict v);
// The worse of two run verdicts' exit codes: safety outranks liveness
// outranks inconclusive outranks pass.
int worse_verdict(int a, int b);

// A decimal unsigned 64-bit number, or nullopt (sign, blank, out of range).
std::optional<std::uint64_t> parse_u64(const std::string& s);

// An inclusive seed range; `first..last` on the command line, or one seed.
struct SeedRange {
  std::uint64_t first = 1;
  std::uint64_t last = 1;
  std::uint64_t count() const { return last - first + 1; }
};
// Most seeds one range may hold: a typo such as 1..100000000 would
// otherwise run for days (and once allocated gigabytes before starting).
inline constexpr std::uint64_t kMaxSeeds = 1'000'000;
// Parses "A..B" (A <= B, at most kMaxSeeds seeds) or "N"; on failure the
// message says what was expected.
std::variant<SeedRange, std::string> parse_seed_range(const std::string& s);

// Most runs one command may spread over threads at once.
inline constexpr int kMaxJobs = 256;

// True for a policy name the model knows; otherwise prints why and the valid names.
bool known_policy(const std::string& name);
// A command's scenario file and policy (the file's unless `policy` is set):
// 0 when both are good, else the exit code, the error printed.
int load_scenario_and_policy(const std::string& file, const std::string& policy,
                             sim::ScenarioSpec& spec, std::string& chosen);
std::vector<std::string> split(const std::string& s, char separator);

// The scenario under `policy` for every seed of the range, `jobs` runs at a
// time, without traces; in seed order. Runs cut short by a signal are left
// out, so the result may be shorter than the range.
std::vector<sim::RunResult> run_seeds(const sim::ScenarioSpec& spec, const std::string& policy,
                                      SeedRange seeds, int jobs);

// Writes render() to `path` (nothing when empty) through a temporary file;
// false, after printing why, when it cannot.
bool write_report(const std::string& path, const std::function<std::string()>& render);

// The fields every JSON document swarmsim prints starts with:
// schema_version, swarmsim_version, command.
nlohmann::ordered_json json_header(const std::string& command);
// Pretty-printed, with any invalid UTF-8 replaced rather than thrown on.
std::string dump_json(const nlohmann::ordered_json& j);

// Wall-clock seconds since `start`, for JUnit's time attributes.
double seconds_since(std::chrono::steady_clock::time_point start);

// The JUnit case of one scenario run. The name holds only what identifies
// the test (scenario, policy, seed), so a CI's history follows it from run
// to run; the failure carries the explanation and the replay command.
reports::junit::Case junit_case_for_run(const sim::RunResult& r, const std::string& file,
                                        double wall_s);

// The JUnit cases of one property check: one per property, named
// "<property> under <policy>". A property the check did not finish checking
// (not selected, or the check stopped at another property's failure or at a
// signal) is skipped, never passed.
std::vector<reports::junit::Case> junit_cases_for_check(const check::CheckOptions& options,
                                                        const check::CheckReport& report,
                                                        const std::string& counterexample_path,
                                                        double wall_s);
// "swarmsim check --policy P --seed S --cases N" (and --property when one was chosen).
std::string check_command_line(const check::CheckOptions& options);

// A JUnit document stamped with the time and host it was made on.
reports::junit::Document junit_document(std::vector<reports::junit::Suite> suites);

}  // namespace swarmsim::cli
