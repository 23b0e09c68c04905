// Simulation throughput, reported as ratios against a baseline measured in
// the same run (the machine is shared and noisy; absolute numbers are not).
//
//  - KernelOnly: schedule and run no-op events: the floor any simulation
//    pays per event.
//  - Incident / StaleMetadata: whole scenario runs; their cost per kernel
//    event divided by the floor says how heavy the simulated world is.
//  - GeneratedCase: one 20-host generated environment under fixed, the unit
//    of work of `swarmsim check`.
//
// At the end a table prints each benchmark's nanoseconds per kernel event
// and its ratio to KernelOnly.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>

#include "sim/kernel.hpp"
#include "sim/runner.hpp"
#include "sim/scenario_yaml.hpp"

using namespace swarmsim;

namespace {

void KernelOnly(benchmark::State& state) {
  std::uint64_t events = 0;
  for (auto _ : state) {
    sim::Kernel k;
    for (int i = 0; i < 10000; ++i) k.schedule_at((i * 7919) % 10007, [] {});
    k.run_until(1'000'000);
    events += k.events_run();
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

void run_file(benchmark::State& state, const char* relative, const char* policy) {
  const auto spec = sim::load_scenario_file(std::string(SWARMSIM_SOURCE_DIR) + "/" + relative);
  std::uint64_t events = 0, seed = 1;
  for (auto _ : state) {
    sim::RunOptions o;
    o.seed = seed++;
    o.policy = policy;
    o.keep_trace = false;
    events += sim::run_scenario(spec, o).kernel_events;
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

void Incident(benchmark::State& s) { run_file(s, "scenarios/incident-2017.yaml", "fixed"); }
void StaleMetadata(benchmark::State& s) { run_file(s, "scenarios/stale-metadata.yaml", "legacy"); }

void GeneratedCase(benchmark::State& state) {
  // A busy environment: 20 hosts, the manager's replica lagging, a partition.
  std::string yaml =
      "name: bench-20-hosts\n"
      "swarm: {manager_scale: 3}\n"
      "links:\n"
      "  lan: {latency: {min: 500us, exponential: 1ms}}\n"
      "  wan: {latency: {min: 15ms, lognormal: 25ms, sigma: 0.6}, loss: 0.01}\n"
      "profiles:\n"
      "  vm: {link: lan, agent_startup: 5s, metadata_lag: {uniform: [100ms, 5s]}}\n"
      "  pi: {arch: aarch64, cpu_factor: 4, link: wan, agent_startup: {uniform: [2s, 8s]}}\n"
      "hosts:\n"
      "  - {name: vm0, profile: vm, at: 0s}\n";
  for (int i = 1; i < 20; ++i) yaml += fmt::format("  - {{name: pi{}, profile: pi, at: {}s}}\n", i, 30 + 10 * i);
  yaml += "events:\n  - {at: 5m, partition: [pi3, pi4], for: 1m}\n";
  const auto spec = sim::load_scenario_string(yaml, "bench");
  std::uint64_t events = 0, seed = 1;
  for (auto _ : state) {
    sim::RunOptions o;
    o.seed = seed++;
    o.policy = "fixed";
    o.keep_trace = false;
    events += sim::run_scenario(spec, o).kernel_events;
  }
  state.counters["events"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

// Prints the usual table, then each benchmark's cost per kernel event as a
// multiple of KernelOnly's.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      auto it = r.counters.find("kernel_events");
      if (it == r.counters.end() || it->second.value <= 0) continue;
      ns_per_event_[r.benchmark_name()] = r.real_accumulated_time * 1e9 / it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto base = ns_per_event_.find("KernelOnly");
    if (base == ns_per_event_.end()) return;
    std::printf("\n%-24s %14s %10s\n", "benchmark", "ns/event", "x kernel");
    for (const auto& [name, ns] : ns_per_event_)
      std::printf("%-24s %14.1f %10.1f\n", name.c_str(), ns, ns / base->second);
  }

 private:
  std::map<std::string, double> ns_per_event_;
};

}  // namespace

BENCHMARK(KernelOnly);
BENCHMARK(Incident);
BENCHMARK(StaleMetadata);
BENCHMARK(GeneratedCase);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
