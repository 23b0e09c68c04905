// A small study's directory, written by the tests of `swarmsim report`: two
// knobs (hosts 100 or 1000, policy legacy or fixed) x 3 seeds, host
// profiles pi and vm, every metric a run can carry, and a torn last line as
// a crash leaves it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace swarmsim::testing_fixture {

// A new empty directory under the system's temporary folder.
inline std::string make_temp_dir(const std::string& stem) {
  std::string pattern = (std::filesystem::temp_directory_path() / (stem + "-XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

inline const char* kFixtureQuestion =
    "How long until a new Pi is ready (p99), and does the legacy hook evict any? (see "
    "https://example.com/issue/10)";

// Writes study.json and runs.jsonl into `dir`: 4 points, 12 runs and a torn
// 13th line. Legacy evicts in seed 1 of both sizes and gets stuck in seed 3
// of 1000 hosts; fixed passes every run.
inline void write_fixture_study(const std::string& dir, bool torn_last_line = true) {
  using nlohmann::json;
  const json hosts = {100, 1000};
  const json policies = {"legacy", "fixed"};
  json study = {{"schema_version", 1},
                {"command", "study"},
                {"study", "fixture-storm"},
                {"question", kFixtureQuestion},
                {"base", "scenarios/capacity/join-storm.yaml"},
                {"knobs",
                 {{{"name", "hosts"}, {"path", "hosts.1.count"}, {"values", hosts}},
                  {{"name", "policy"}, {"path", "policy"}, {"values", policies}}}},
                {"metrics", {"time_to_ready_s", "spurious_evictions_per_join"}},
                {"seeds_per_point", 3},
                {"points", json::array()}};
  int id = 0;
  for (const auto& h : hosts)
    for (const auto& p : policies)
      study["points"].push_back(
          {{"id", "p000" + std::to_string(id++)}, {"knobs", {{"hosts", h}, {"policy", p}}}});
  std::ofstream(dir + "/study.json") << study.dump(2);

  std::ofstream runs(dir + "/runs.jsonl");
  for (const auto& point : study["points"]) {
    const int n_hosts = point["knobs"]["hosts"].get<int>();
    const std::string policy = point["knobs"]["policy"].get<std::string>();
    for (int seed = 1; seed <= 3; ++seed) {
      std::string verdict = "pass";
      if (policy == "legacy" && seed == 1) verdict = "safety";
      if (policy == "legacy" && seed == 3 && n_hosts == 1000) verdict = "liveness";
      json pi = json::array(), vm = json::array();
      const int pis = n_hosts / 10;
      for (int i = 0; i < pis; ++i) pi.push_back(20.0 + 0.05 * n_hosts * i / pis + seed);
      for (int i = 0; i < 3; ++i) vm.push_back(5.0 + i + 0.1 * seed);
      const int evictions = verdict == "safety" ? 2 : 0;
      json metrics = {
          {"time_to_ready_s_by_profile", {{"pi", pi}, {"vm", vm}}},
          {"never_ready_hosts", verdict == "liveness" ? 1 : 0},
          {"converged_at_s",
           verdict == "liveness" ? json(nullptr) : json(60.0 + n_hosts / 20.0 + seed)},
          {"spurious_evictions", evictions},
          {"spurious_evictions_per_join", static_cast<double>(evictions) / n_hosts},
          {"joins", n_hosts + evictions},
          {"join_attempts", n_hosts + evictions + seed},
          {"removed_host_cleanup_s", {{"max", 31.5}, {"mean", 20.25}, {"count", 2}, {"never", 0}}},
          {"leader_calls_per_s",
           {{"GET /nodes", n_hosts / 250.0 + 0.01 * seed},
            {"GET /hosts", n_hosts / 500.0},
            {"node rm", evictions / 600.0}}},
          {"leader_calls_per_s_total",
           n_hosts / 250.0 + n_hosts / 500.0 + 0.01 * seed + evictions / 600.0},
          {"metadata_reads_per_s", 3.5},
          {"peak_nodes_down", seed},
          {"duration_s", 600.0},
          {"a_shape_no_report_knows", {1, 2, 3}}};
      runs << json{{"point", point["id"]}, {"knobs", point["knobs"]}, {"seed", seed},
                   {"policy", policy},     {"verdict", verdict},      {"metrics", metrics},
                   {"wall_s", 0.12}}
                  .dump()
           << "\n";
    }
  }
  if (torn_last_line) runs << R"({"point": "p0000", "knobs": {"hosts": 100, "pol)";
}

}  // namespace swarmsim::testing_fixture
