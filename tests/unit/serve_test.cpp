// `swarmsim serve` as a real client meets it: the binary runs the incident
// scenario in real time (50x), prints each host's Docker endpoint, and a
// client reads `GET /nodes` from manager-1's port over a real socket while
// the world runs. What it lists must be the swarm the run reports at the end
// (the same node IDs, created in the run's own timeline), and the run must
// end with the verdict and exit code `run` gives. When the docker CLI is
// installed, `docker node ls` must list the same nodes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "api/docker_wire.hpp"
#include "live/http_transport.hpp"

namespace swarmsim::live {
namespace {

using namespace std::chrono_literals;

std::string read_line(FILE* f) {
  std::string line;
  for (int c = std::fgetc(f); c != EOF && c != '\n'; c = std::fgetc(f))
    line += static_cast<char>(c);
  return line;
}

std::set<std::string> listed_ids(const Endpoint& at) {
  boost::asio::io_context io;
  std::set<std::string> ids;
  async_http(io, at, api::to_http(model::Request{model::ListNodes{}}), {}, 2s, [&](HttpResult r) {
    if (!r.response) return;
    const auto nodes = api::from_http(model::ListNodes{}, *r.response);
    if (const auto* list = std::get_if<model::NodeList>(&nodes))
      for (const auto& n : *list) ids.insert(n.ID);
  });
  io.run();
  return ids;
}

// Starts `swarmsim serve` on the incident at 50x under fixed and reads the
// endpoint line of each of its four hosts, and the line of the world's own
// endpoints (the Cattle API) after them.
FILE* start_serve(std::map<std::string, Endpoint>& endpoints) {
  const std::string command = std::string(SWARMSIM_BINARY) + " serve " + SWARMSIM_SOURCE_DIR +
                              "/scenarios/incident-2017.yaml --policy fixed --speed 50 --json";
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return nullptr;
  for (;;) {
    const auto j = nlohmann::json::parse(read_line(out), nullptr, false);
    if (!j.is_object() || !j.contains("host")) break;
    endpoints[j["host"]] = *Endpoint::parse(j["docker_host"].get<std::string>());
  }
  return out;
}

TEST(Serve, AClientListsTheSimulatedSwarmOverARealSocketWhileTheWorldRuns) {
  std::map<std::string, Endpoint> endpoints;
  FILE* out = start_serve(endpoints);
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(endpoints.size(), 4u) << "an endpoint line per host";

  // The pis join within the first three and a half simulated minutes (about
  // four seconds at 50x); the run ends at eight (about ten).
  std::set<std::string> ids;
  const auto give_up = std::chrono::steady_clock::now() + 8s;
  while (ids.size() < 4 && std::chrono::steady_clock::now() < give_up) {
    ids = listed_ids(endpoints.at("manager-1"));
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ids.size(), 4u) << "manager-1 and the three pis";

  std::string docker_listed;
  if (std::system("command -v docker >/dev/null 2>&1") == 0) {
    const std::string cli =
        "docker -H " + endpoints.at("manager-1").describe() + " node ls --format '{{.ID}}' 2>&1";
    if (FILE* d = popen(cli.c_str(), "r")) {
      for (std::string line = read_line(d); !line.empty(); line = read_line(d))
        docker_listed += line + " ";
      pclose(d);
    }
    for (const auto& id : ids)
      EXPECT_NE(docker_listed.find(id), std::string::npos) << docker_listed;
  }

  std::string report;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) report += static_cast<char>(c);
  const int status = pclose(out);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << report;
  const auto verdict = nlohmann::json::parse(report, nullptr, false);
  ASSERT_TRUE(verdict.is_object()) << report;
  EXPECT_EQ(verdict["result"], "pass");
  std::set<std::string> created;
  for (const auto& e : verdict["events"])
    if (e["kind"] == "node-created" || e["kind"] == "swarm-init") created.insert(e["node_id"]);
  for (const auto& id : ids) EXPECT_TRUE(created.contains(id)) << id << " is a node of the run";
}

TEST(Serve, ANodeRemovedByAClientIsRemovedInTheWorldAndTheCheckersSeeIt) {
  std::map<std::string, Endpoint> endpoints;
  FILE* out = start_serve(endpoints);
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(endpoints.size(), 4u) << "an endpoint line per host";
  // Wait for pi1's node, then remove it as `docker node rm --force` does.
  std::string pi1;
  const auto give_up = std::chrono::steady_clock::now() + 8s;
  while (pi1.empty() && std::chrono::steady_clock::now() < give_up) {
    boost::asio::io_context io;
    async_http(io, endpoints.at("manager-1"), api::to_http(model::Request{model::ListNodes{}}), {},
               2s, [&](HttpResult r) {
                 if (!r.response) return;
                 const auto nodes = api::from_http(model::ListNodes{}, *r.response);
                 if (const auto* list = std::get_if<model::NodeList>(&nodes))
                   for (const auto& n : *list)
                     if (n.Description.Hostname.rfind("pi1", 0) == 0) pi1 = n.ID;
               });
    io.run();
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(pi1.empty()) << "pi1 joined";
  boost::asio::io_context io;
  std::optional<int> status;
  async_http(io, endpoints.at("manager-1"), {"DELETE", "/v1.41/nodes/" + pi1 + "?force=1", ""}, {},
             2s, [&](HttpResult r) {
               if (r.response) status = r.response->status;
             });
  io.run();
  EXPECT_EQ(status, 200) << "the simulated manager removed it";

  std::string report;
  for (int c = std::fgetc(out); c != EOF; c = std::fgetc(out)) report += static_cast<char>(c);
  const int exit_status = pclose(out);
  ASSERT_TRUE(WIFEXITED(exit_status));
  EXPECT_EQ(WEXITSTATUS(exit_status), 1) << "a live host's node was removed: a safety violation";
  const auto verdict = nlohmann::json::parse(report, nullptr, false);
  ASSERT_TRUE(verdict.is_object()) << report;
  EXPECT_EQ(verdict["result"], "safety");
  ASSERT_FALSE(verdict["violations"].empty());
  EXPECT_EQ(verdict["violations"][0]["node_id"], pi1);
}

TEST(Serve, ABadSpeedIsAUsageError) {
  const std::string command = std::string(SWARMSIM_BINARY) + " serve " + SWARMSIM_SOURCE_DIR +
                              "/scenarios/incident-2017.yaml --speed 0 2>/dev/null";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 64);
}

}  // namespace
}  // namespace swarmsim::live
