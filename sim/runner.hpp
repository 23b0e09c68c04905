// Runs one scenario under one seed and one policy, start to verdict.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/checkers.hpp"
#include "sim/metrics.hpp"
#include "sim/scenario.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

class World;

// Inconclusive: a liveness promise was not kept, but only where the
// environment never gave the logic a chance (Violation::environment).
enum class Verdict { Pass, Safety, Liveness, Inconclusive };
const char* to_string(Verdict v);

struct RunOptions {
  std::uint64_t seed = 1;
  std::string policy = "legacy";
  bool keep_trace = true;  // keep events for timelines (the digest is always kept)
  bool keep_calls = true;  // with keep_trace: every call and reload too, for -v and traces
  bool stop_at_first_violation = true;
  // Set from outside (a signal handler) to end the run early; see
  // RunResult::interrupted.
  const std::atomic<bool>* interrupt = nullptr;
  // Called every thousand or so events with the virtual time reached and
  // the time the run ends at; for progress lines on long runs.
  std::function<void(Instant now, Instant end)> on_progress;
  // Instead of running the world as fast as it goes, hand it to this
  // function, which must run its kernel up to `end` (or less, when stopped
  // from outside) and return: `swarmsim serve` runs it in real time while
  // outside clients talk to it.
  std::function<void(World& world, Instant end)> drive;
  // Hosts whose swarmkit-mon is an outside process (with `drive`).
  std::set<std::string> external_agents;
  // Every metadata lag and network delay drawn, with the name of its stream
  // (WorldOptions::on_draw).
  std::function<void(const std::string& stream, Duration value)> on_draw;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  std::string policy;
  Verdict verdict = Verdict::Pass;
  std::vector<Violation> violations;
  std::uint64_t digest = 0;
  std::vector<TraceEvent> events;
  std::uint64_t trace_events = 0;
  std::uint64_t kernel_events = 0;
  Instant sim_time_ns = 0;
  Instant liveness_checked_at_ns = 0;
  // With the scenario's `recovery`: the last request a server of the
  // control plane answered past its bound, refused or lost at or after
  // `recovery.from` (RecoveryChecker); nullopt if none was.
  std::optional<Instant> last_overload_ns;
  // The interrupt flag was set before the run ended: the timeline stops at
  // sim_time_ns, and the verdict covers only safety up to then.
  bool interrupted = false;
  std::uint64_t labels_lost = 0;  // label updates reverted by a whole-host PUT of an older copy
  std::uint64_t notes_recalled =
      0;                         // restarted agents that read their node left behind from the disk
  std::uint64_t notes_lost = 0;  // departure notes dropped by a whole-service PUT of an older copy
  std::uint64_t failed_calls = 0;  // calls of the logic answered with an error, empty or Not found
  std::map<std::string, int> joins_by_host;  // certificates issued per host name
  RunMetrics metrics;                        // what the run measured (sim/metrics.hpp)
};

// Thrown when the simulator or the logic reaches an impossible state (exit 70).
struct InternalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws std::invalid_argument for an unknown policy, InternalError for a
// simulator fault.
RunResult run_scenario(const ScenarioSpec& spec, const RunOptions& options);

}  // namespace swarmsim::sim
