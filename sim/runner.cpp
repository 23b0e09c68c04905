#include "sim/runner.hpp"

#include <algorithm>
#include <stdexcept>

#include "sim/note_checker.hpp"
#include "sim/recovery_checker.hpp"
#include "sim/world.hpp"

namespace swarmsim::sim {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Safety:
      return "safety";
    case Verdict::Liveness:
      return "liveness";
    case Verdict::Inconclusive:
      return "inconclusive";
  }
  return "?";
}

RunResult run_scenario(const ScenarioSpec& spec, const RunOptions& options) {
  auto policy = model::RemovalPolicy::from_name(options.policy);
  if (!policy) throw std::invalid_argument("unknown policy '" + options.policy + "'");
  policy->grace_min_node_age_ns = spec.swarm.grace_min_node_age_ns;
  policy->max_removals_per_pass = spec.swarm.fixed_max_removals_per_pass;

  WorldOptions wo;
  wo.seed = options.seed;
  wo.policy = *policy;
  wo.keep_trace = options.keep_trace;
  wo.keep_calls = options.keep_calls;
  wo.on_draw = options.on_draw;
  wo.external_agents = options.external_agents;
  World world(spec, wo);
  world.kernel().set_abort_flag(options.interrupt);
  const Instant end = run_end(spec);
  if (options.on_progress)
    world.kernel().set_progress([&options, end](Instant now) { options.on_progress(now, end); });
  SafetyChecker safety(world, options.stop_at_first_violation);
  QuorumChecker quorum(world);
  NodeTies ties(world);
  MetricsCollector metrics(world);
  RecoveryChecker recovery(world);

  RunResult r;
  r.scenario = spec.name;
  r.seed = options.seed;
  r.policy = policy->name();
  r.liveness_checked_at_ns = run_end(spec);
  if (options.drive)
    options.drive(world, r.liveness_checked_at_ns);
  else
    world.kernel().run_until(r.liveness_checked_at_ns);
  world.catch_up_replicas();
  if (world.internal_fault()) throw InternalError(*world.internal_fault());

  r.interrupted = world.kernel().aborted();
  r.violations = safety.violations();
  if (!r.violations.empty()) {
    r.verdict = Verdict::Safety;
    // Run on (--keep-going), the control plane may still be found not to
    // recover: both are reported.
    if (!r.interrupted)
      if (auto v = recovery.check()) r.violations.push_back(std::move(*v));
  } else if (!r.interrupted) {
    r.violations = LivenessChecker::check(world, ties, quorum.judge());
    for (auto& v : NoteChecker::check(world)) r.violations.push_back(std::move(v));
    if (auto v = recovery.check()) r.violations.push_back(std::move(*v));
    for (const auto& v : r.violations)
      world.trace().record(world.kernel().now(), TraceKind::Violation, v.host, v.node_id,
                           v.kind + ": " + v.detail);
    const bool logic_failed = std::any_of(r.violations.begin(), r.violations.end(),
                                          [](const Violation& v) { return v.environment.empty(); });
    if (logic_failed)
      r.verdict = Verdict::Liveness;
    else if (!r.violations.empty())
      r.verdict = Verdict::Inconclusive;
  }
  r.last_overload_ns = recovery.last_symptom();
  r.sim_time_ns = world.kernel().now();
  r.digest = world.trace().digest();
  r.trace_events = world.trace().count();
  r.kernel_events = world.kernel().events_run();
  r.events = world.trace().take_events();
  for (std::size_t i = 0; i < world.swarm_count(); ++i)
    for (const auto& [host, n] : world.swarm(i).certificates_by_host()) r.joins_by_host[host] += n;
  r.failed_calls = world.trace().count(TraceKind::MonCallFailed);
  r.labels_lost = world.trace().count(TraceKind::LabelLost);
  r.notes_lost = world.trace().count(TraceKind::NoteLost);
  r.notes_recalled = world.trace().count(TraceKind::NoteRecalled);
  r.metrics = metrics.finish(safety.violations(), r.joins_by_host);
  return r;
}

}  // namespace swarmsim::sim
