// Simulation throughput, reported as ratios against a baseline measured in
// the same run (the machine is shared and noisy; absolute numbers are not).
//
//  - KernelOnly: schedule and run no-op events: the floor any simulation
//    pays per event.
//  - BareHeapLoop: the same events through a bare std::priority_queue of
//    std::function, the loop the kernel must be no slower than.
//  - Incident / StaleMetadata: whole scenario runs; their cost per kernel
//    event divided by the floor says how heavy the simulated world is.
//  - GeneratedCase: one 20-host generated environment under fixed, the unit
//    of work of `swarmsim check`.
//  - Fleet/N: N hosts (three in four aarch64, joining over the first 30
//    minutes) for one simulated hour under fixed, written as host groups
//    (scenarios/capacity/fleet-1k.yaml at N = 1,000): wall time, events per
//    second, and the process's peak resident memory per host (the peak is
//    the process's, so run one size per process for exact memory:
//    --benchmark_filter=Fleet/10000). N = 1,000 and 10,000 run by default;
//    100,000 (about five minutes) when SWARMSIM_BENCH_100K=1 is set. The
//    table at the end gives the fitted growth exponent between sizes.
//  - FreeServers/N: Fleet/N with every server of the control plane free
//    (zero costs, no reload interval, no payload): the same world without
//    its load model's costs, measured in the same run. The table at the end
//    gives Fleet/N over FreeServers/N, what the load model costs (the target
//    is at most 1.5). The free servers still pass every request through
//    their queues, so this ratio leaves out the queues' own bookkeeping;
//    BENCHMARKS.md also gives the before-and-after figure.
//  - LoadFleet: reading a 100,000-host scenario file.
//
// At the end a table prints each benchmark's nanoseconds per kernel event
// and its ratio to KernelOnly.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <queue>
#include <vector>

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
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

void BareHeapLoop(benchmark::State& state) {
  struct Entry {
    std::int64_t at;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::uint64_t events = 0;
  for (auto _ : state) {
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q;
    for (int i = 0; i < 10000; ++i)
      q.push(Entry{(i * 7919) % 10007, static_cast<std::uint64_t>(i), [] {}});
    while (!q.empty()) {
      auto fn = std::move(const_cast<Entry&>(q.top()).fn);
      q.pop();
      fn();
      ++events;
    }
  }
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

// Every server answering at once: the control plane without its costs.
constexpr const char* kFreeServers =
    "servers:\n"
    "  leader: {join_cost: 0s, sign_cost: 0s, register_cost: 0s, read_cost: 0s, list_base: 0s,\n"
    "           list_per_node: 0s, write_cost: 0s, remove_per_entry: 0s, batch_interval: 0s,\n"
    "           heartbeat_cost: 0s}\n"
    "  cattle_api: {read_cost: 0s, list_per_host: 0s, write_cost: 0s, host_payload_bytes: 0}\n"
    "  metadata: {min_reload_interval: 0s, reload_base: 0s, reload_per_host: 0s}\n";

std::string fleet_yaml(int hosts, bool free_servers = false) {
  return fmt::format(
      "name: fleet-{0}\n"
      "{3}"
      "duration: 60m\n"
      "liveness_bound: 10m\n"
      "swarm: {{manager_scale: 3}}\n"
      "profiles:\n"
      "  vm: {{arch: x86_64}}\n"
      "  pi: {{arch: aarch64, cpu_factor: 2}}\n"
      "hosts:\n"
      "  - {{count: 3, name: \"manager-{{i}}\", profile: vm, at: 0s}}\n"
      "  - {{count: {1}, name: \"vm-{{i}}\", profile: vm, over: [0s, 30m]}}\n"
      "  - {{count: {2}, name: \"pi-{{i}}\", profile: pi, over: [0s, 30m]}}\n",
      hosts, (hosts - 3) / 4, hosts - 3 - (hosts - 3) / 4, free_servers ? kFreeServers : "");
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void run_fleet(benchmark::State& state, bool free_servers) {
  const int hosts = static_cast<int>(state.range(0));
  const auto spec = sim::load_scenario_string(fleet_yaml(hosts, free_servers), "fleet");
  std::uint64_t events = 0;
  for (auto _ : state) {
    sim::RunOptions o;
    o.seed = 1;
    o.policy = "fixed";
    o.keep_trace = false;
    events += sim::run_scenario(spec, o).kernel_events;
  }
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
  state.counters["peak_MiB"] = peak_rss_mib();
  state.counters["KiB_per_host"] = peak_rss_mib() * 1024.0 / hosts;
  state.counters[free_servers ? "free_hosts" : "hosts"] = hosts;
}

void Fleet(benchmark::State& state) {
  run_fleet(state, false);
}

void FreeServers(benchmark::State& state) {
  run_fleet(state, true);
}

void LoadFleet(benchmark::State& state) {
  const std::string yaml =
      "name: big\nprofiles: {pi: {arch: aarch64}}\nhosts:\n"
      "  - {count: 100000, name: \"pi-{i}\", profile: pi, over: [0s, 30m]}\n";
  for (auto _ : state)
    benchmark::DoNotOptimize(sim::load_scenario_string(yaml, "big").events.size());
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
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["kernel_events"] = static_cast<double>(events);
}

void Incident(benchmark::State& s) {
  run_file(s, "scenarios/incident-2017.yaml", "fixed");
}
void StaleMetadata(benchmark::State& s) {
  run_file(s, "scenarios/stale-metadata.yaml", "legacy");
}

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
  for (int i = 1; i < 20; ++i)
    yaml += fmt::format("  - {{name: pi{}, profile: pi, at: {}s}}\n", i, 30 + 10 * i);
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
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
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
      if (auto hosts = r.counters.find("hosts"); hosts != r.counters.end())
        fleets_.emplace_back(hosts->second.value, r.real_accumulated_time);
      if (auto hosts = r.counters.find("free_hosts"); hosts != r.counters.end())
        free_[hosts->second.value] = r.real_accumulated_time;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto base = ns_per_event_.find("KernelOnly");
    if (base == ns_per_event_.end()) return;
    if (auto bare = ns_per_event_.find("BareHeapLoop"); bare != ns_per_event_.end())
      std::printf("\nkernel / bare priority_queue loop: %.2f (at most 1 is the target)\n",
                  base->second / bare->second);
    std::printf("\n%-24s %14s %10s\n", "benchmark", "ns/event", "x kernel");
    for (const auto& [name, ns] : ns_per_event_)
      std::printf("%-24s %14.1f %10.1f\n", name.c_str(), ns, ns / base->second);
    // Time ~ N^k between consecutive fleet sizes.
    const std::pair<double, double>* last = nullptr;
    for (const auto& f : fleets_) {
      if (last)
        std::printf(
            "Fleet %.0f -> %.0f hosts: time grows like N^%.2f (the target is at most 1.2)\n",
            last->first, f.first,
            std::log(f.second / last->second) / std::log(f.first / last->first));
      last = &f;
    }
    for (const auto& [hosts, seconds] : fleets_)
      if (auto it = free_.find(hosts); it != free_.end() && it->second > 0)
        std::printf(
            "Fleet/%.0f over FreeServers/%.0f: the load model costs %.2fx (the target is at most "
            "1.5)\n",
            hosts, hosts, seconds / it->second);
  }

 private:
  std::map<std::string, double> ns_per_event_;
  std::vector<std::pair<double, double>> fleets_;  // hosts, seconds
  std::map<double, double> free_;                  // hosts, seconds with free servers
};

}  // namespace

BENCHMARK(KernelOnly);
BENCHMARK(BareHeapLoop);
BENCHMARK(Incident);
BENCHMARK(StaleMetadata);
BENCHMARK(GeneratedCase);
BENCHMARK(Fleet)->Arg(1000)->Arg(10000)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(FreeServers)->Arg(1000)->Arg(10000)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(LoadFleet)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  if (const char* big = std::getenv("SWARMSIM_BENCH_100K"); big && std::string(big) == "1")
    benchmark::RegisterBenchmark("Fleet", Fleet)
        ->Arg(100000)
        ->Iterations(1)
        ->Unit(benchmark::kSecond);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
}
