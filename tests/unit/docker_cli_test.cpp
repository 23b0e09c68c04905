// The real docker CLI against `swarmsim serve`, unchanged: `docker node
// inspect` (by ID and by hostname), `node promote` and `node demote`,
// `swarm join-token` and `swarm join` work against the simulated engines of
// tests/live/docker-cli.yaml, and what they print and do is the simulated
// swarm's: inspect shows each node as `GET /nodes` lists it, a promotion and
// a demotion change the node's role in the world, the token printed is the
// one `GET /swarm` holds, and an engine that was in no swarm joins the
// simulated swarm, whose manager then lists its node and whose run reports
// it. Without the docker CLI installed the tests are skipped (CI installs
// it).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "api/docker_wire.hpp"
#include "live/http_transport.hpp"

extern char** environ;

namespace swarmsim::live {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// Virtual seconds per wall second: the swarm is up 14 virtual seconds in
// (under a second), and the run's 10 virtual minutes (30 s) outlast any of
// the tests, which stop it themselves.
constexpr const char* kSpeed = "20";

std::string read_line(FILE* f) {
  std::string line;
  for (int c = std::fgetc(f); c != EOF && c != '\n'; c = std::fgetc(f))
    line += static_cast<char>(c);
  return line;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// `swarmsim serve tests/live/docker-cli.yaml --json`, stopped with SIGINT
// (as Ctrl-C stops it) when the test is done with it, or killed if the test
// ends early.
class Serve {
 public:
  Serve() {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    const std::string scenario = std::string(SWARMSIM_SOURCE_DIR) + "/tests/live/docker-cli.yaml";
    std::vector<std::string> args = {SWARMSIM_BINARY, "serve", scenario,
                                     "--speed",       kSpeed,  "--json"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SWARMSIM_BINARY, &actions, nullptr, argv.data(), environ) != 0)
      pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    if (pid_ <= 0 || out_ == nullptr) return;
    // A line per host, and maybe other lines; only `host` and `docker_host`
    // matter here.
    while (endpoints_.size() < 3) {
      const std::string line = read_line(out_);
      if (line.empty()) break;
      const auto j = json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("host") || !j.contains("docker_host")) continue;
      if (auto e = Endpoint::parse(j["docker_host"].get<std::string>())) endpoints_[j["host"]] = *e;
    }
  }
  ~Serve() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
  }
  Serve(const Serve&) = delete;
  Serve& operator=(const Serve&) = delete;

  const std::map<std::string, Endpoint>& endpoints() const { return endpoints_; }
  const Endpoint& at(const std::string& host) const { return endpoints_.at(host); }

  // Ends serving as Ctrl-C does and returns the run's report (`--json`):
  // the JSON document that fills the rest of the output, after whatever
  // lines came before it.
  json stop() {
    if (pid_ <= 0) return {};
    kill(pid_, SIGINT);
    std::string rest;
    for (int c = std::fgetc(out_); c != EOF; c = std::fgetc(out_)) rest += static_cast<char>(c);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    for (std::size_t at = 0; at < rest.size(); at = rest.find('\n', at) + 1) {
      json report = json::parse(rest.substr(at), nullptr, false);
      if (report.is_object()) return report;
      if (rest.find('\n', at) == std::string::npos) break;
    }
    return {};
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::map<std::string, Endpoint> endpoints_;
};

// One call through the project's own client and codec: what the simulated
// engine answers, to compare the CLI's output with.
model::Response engine_call(const Endpoint& at, const model::Request& request) {
  boost::asio::io_context io;
  model::Response answer = model::ApiError{0, "no answer"};
  async_http(io, at, api::to_http(request), {}, 2s, [&](HttpResult r) {
    if (r.response) answer = api::from_http(request, *r.response);
  });
  io.run();
  return answer;
}

model::NodeList listed(const Endpoint& manager) {
  const auto r = engine_call(manager, model::ListNodes{});
  if (const auto* nodes = std::get_if<model::NodeList>(&r)) return *nodes;
  return {};
}

// Polls the manager's list until `ok` holds for it, for at most 10 s.
std::optional<model::NodeList> wait_for(const Endpoint& manager,
                                        const std::function<bool(const model::NodeList&)>& ok) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < give_up) {
    if (auto nodes = listed(manager); ok(nodes)) return nodes;
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

const model::Node* by_hostname(const model::NodeList& nodes, const std::string& hostname) {
  for (const auto& n : nodes)
    if (n.Description.Hostname == hostname) return &n;
  return nullptr;
}

struct CliResult {
  int status = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

class DockerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v docker >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "the docker CLI is not installed";
    // A configuration of its own, so that neither the user's contexts nor
    // TLS settings redirect the CLI, and nothing is written to the user's.
    char dir[] = "/tmp/swarmsim-docker-cli-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    setenv("DOCKER_CONFIG", dir_.c_str(), 1);
    unsetenv("DOCKER_CONTEXT");
    unsetenv("DOCKER_TLS_VERIFY");
    unsetenv("DOCKER_CERT_PATH");
    serve_ = std::make_unique<Serve>();
    ASSERT_EQ(serve_->endpoints().size(), 3u) << "an endpoint line per host";
  }
  void TearDown() override {
    serve_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // `docker -H <host's endpoint> ARGS`, with a time-out so that a request
  // the server never answers fails the test instead of hanging it.
  CliResult docker(const std::string& host, const std::string& args) {
    const std::string err_file = dir_ + "/stderr";
    const std::string command =
        "timeout 20 docker -H " + serve_->at(host).describe() + " " + args + " 2>" + err_file;
    CliResult r;
    FILE* p = popen(command.c_str(), "r");
    if (p == nullptr) return r;
    for (int c = std::fgetc(p); c != EOF; c = std::fgetc(p)) r.out += static_cast<char>(c);
    const int status = pclose(p);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_file);
    std::stringstream text;
    text << err.rdbuf();
    r.err = text.str();
    return r;
  }

  // `docker node inspect REF` on manager-1: the one node it prints.
  json inspect(const std::string& ref) {
    const CliResult r = docker("manager-1", "node inspect " + ref);
    EXPECT_EQ(r.status, 0) << r.err;
    const json j = json::parse(r.out, nullptr, false);
    if (!j.is_array() || j.size() != 1) {
      ADD_FAILURE() << "expected a list of one node: " << r.out;
      return json::object();
    }
    return j[0];
  }

  std::string dir_;
  std::unique_ptr<Serve> serve_;
};

bool worker_ready(const model::NodeList& nodes) {
  const model::Node* w = by_hostname(nodes, "worker-1");
  return w != nullptr && w->Status.State == model::NodeState::Ready;
}

TEST_F(DockerCli, NodeInspectShowsEachNodeAsTheSwarmListsIt) {
  const auto nodes = wait_for(serve_->at("manager-1"), worker_ready);
  ASSERT_TRUE(nodes.has_value()) << "worker-1 joined";
  ASSERT_EQ(nodes->size(), 2u) << "manager-1 and worker-1; pi1 is in no swarm";
  for (const auto& n : *nodes) {
    json j = inspect(n.ID);  // not const: a missing key reads as null
    EXPECT_EQ(j["ID"], n.ID);
    EXPECT_EQ(j["Description"]["Hostname"], n.Description.Hostname);
    EXPECT_EQ(j["Spec"]["Role"], std::string(model::to_string(n.Spec.Role)));
    EXPECT_EQ(j["Status"]["State"], std::string(model::to_string(n.Status.State)));
    EXPECT_EQ(j["Version"]["Index"], n.VersionIndex);
    EXPECT_EQ(j.contains("ManagerStatus"), n.ManagerStatus_.has_value()) << n.Description.Hostname;
  }
  const model::Node& worker = *by_hostname(*nodes, "worker-1");
  EXPECT_EQ(inspect("worker-1")["ID"], worker.ID) << "a hostname resolves to its node";
  EXPECT_EQ(inspect(worker.ID.substr(0, 6))["ID"], worker.ID) << "so does a prefix of the ID";
  const model::Node& manager = *by_hostname(*nodes, "manager-1");
  EXPECT_EQ(inspect(manager.ID)["ManagerStatus"]["Leader"], true);

  const CliResult missing = docker("manager-1", "node inspect no-such-node");
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.err.find("no-such-node"), std::string::npos) << missing.err;
  // Only a manager answers, as a real engine does: a worker and an engine
  // in no swarm refuse.
  for (const char* host : {"worker-1", "pi1"}) {
    const CliResult refused = docker(host, "node inspect " + worker.ID);
    EXPECT_NE(refused.status, 0) << host;
    EXPECT_NE(refused.err.find("This node is not a swarm manager"), std::string::npos)
        << host << ": " << refused.err;
  }
}

TEST_F(DockerCli, PromoteAndDemoteChangeTheRoleInTheSimulatedSwarm) {
  const auto nodes = wait_for(serve_->at("manager-1"), worker_ready);
  ASSERT_TRUE(nodes.has_value()) << "worker-1 joined";
  const model::Node worker = *by_hostname(*nodes, "worker-1");
  ASSERT_EQ(worker.Spec.Role, model::NodeRole::Worker);

  const CliResult promote = docker("manager-1", "node promote " + worker.ID);
  ASSERT_EQ(promote.status, 0) << promote.err;
  EXPECT_EQ(trim(promote.out), "Node " + worker.ID + " promoted to a manager in the swarm.");
  const model::NodeList after_promote = listed(serve_->at("manager-1"));
  const model::Node* promoted = after_promote.find(worker.ID);
  ASSERT_NE(promoted, nullptr);
  EXPECT_EQ(promoted->Spec.Role, model::NodeRole::Manager) << "the world's swarm changed";
  EXPECT_EQ(promoted->VersionIndex, worker.VersionIndex + 1);
  EXPECT_EQ(inspect(worker.ID)["Spec"]["Role"], "manager");
  const CliResult ls = docker("manager-1", "node ls --format '{{.Hostname}} {{.ManagerStatus}}'");
  EXPECT_NE(ls.out.find("worker-1 Reachable"), std::string::npos) << ls.out << ls.err;
  // The CLI reads the role it would change from the inspection: a second
  // promotion finds a manager and changes nothing.
  const CliResult again = docker("manager-1", "node promote " + worker.ID);
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(trim(again.out), "Node " + worker.ID + " is already a manager.");
  EXPECT_EQ(inspect(worker.ID)["Version"]["Index"], worker.VersionIndex + 1);

  const CliResult demote = docker("manager-1", "node demote worker-1");
  ASSERT_EQ(demote.status, 0) << demote.err;
  EXPECT_EQ(trim(demote.out), "Manager worker-1 demoted in the swarm.");
  const model::NodeList after_demote = listed(serve_->at("manager-1"));
  const model::Node* demoted = after_demote.find(worker.ID);
  ASSERT_NE(demoted, nullptr);
  EXPECT_EQ(demoted->Spec.Role, model::NodeRole::Worker);
  EXPECT_FALSE(demoted->ManagerStatus_.has_value());
  EXPECT_EQ(inspect(worker.ID)["Spec"]["Role"], "worker");
  EXPECT_EQ(inspect(worker.ID)["Version"]["Index"], worker.VersionIndex + 2);

  // The last manager cannot be demoted; the CLI reports the swarm's refusal.
  const CliResult last = docker("manager-1", "node demote manager-1");
  EXPECT_NE(last.status, 0);
  EXPECT_NE(last.err.find("last manager"), std::string::npos) << last.err;
}

TEST_F(DockerCli, AnEngineInNoSwarmJoinsTheSimulatedSwarmWithTheTokenTheManagerPrints) {
  const auto nodes = wait_for(serve_->at("manager-1"), worker_ready);
  ASSERT_TRUE(nodes.has_value()) << "the swarm is up";
  const auto tokens = engine_call(serve_->at("manager-1"), model::GetSwarm{});
  ASSERT_TRUE(std::holds_alternative<model::JoinTokens>(tokens));
  const std::string token = std::get<model::JoinTokens>(tokens).Worker;
  ASSERT_FALSE(token.empty());

  const CliResult quiet = docker("manager-1", "swarm join-token -q worker");
  ASSERT_EQ(quiet.status, 0) << quiet.err;
  EXPECT_EQ(trim(quiet.out), token);
  // Without -q the CLI inspects the manager's own node for its address.
  const CliResult full = docker("manager-1", "swarm join-token worker");
  ASSERT_EQ(full.status, 0) << full.err;
  const model::Node* manager = by_hostname(*nodes, "manager-1");
  ASSERT_TRUE(manager != nullptr && manager->ManagerStatus_.has_value());
  const std::string addr = manager->ManagerStatus_->Addr;
  const std::string join = "docker swarm join --token " + token + " " + addr;
  EXPECT_NE(full.out.find(join), std::string::npos) << full.out;

  EXPECT_EQ(trim(docker("pi1", "info --format '{{.Swarm.LocalNodeState}}'").out), "inactive")
      << "pi1's swarmkit-mon never ran";
  const CliResult wrong = docker("pi1", "swarm join --token SWMTKN-1-wrong " + addr);
  EXPECT_NE(wrong.status, 0);
  EXPECT_NE(wrong.err.find("join token"), std::string::npos) << wrong.err;

  const CliResult joined = docker("pi1", "swarm join --token " + token + " " + addr);
  ASSERT_EQ(joined.status, 0) << joined.err;
  EXPECT_EQ(trim(joined.out), "This node joined a swarm as a worker.");
  const std::string id = trim(docker("pi1", "info --format '{{.Swarm.NodeID}}'").out);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(trim(docker("pi1", "info --format '{{.Swarm.LocalNodeState}}'").out), "active");
  const CliResult twice = docker("pi1", "swarm join --token " + token + " " + addr);
  EXPECT_NE(twice.status, 0);
  EXPECT_NE(twice.err.find("already part of a swarm"), std::string::npos) << twice.err;

  // The node registers (four times slower on a Pi) and the manager lists it.
  const auto after = wait_for(serve_->at("manager-1"), [&](const model::NodeList& l) {
    const model::Node* n = l.find(id);
    return n != nullptr && n->Status.State == model::NodeState::Ready;
  });
  ASSERT_TRUE(after.has_value()) << "pi1's node " << id << " became ready on the manager";
  EXPECT_EQ(after->find(id)->Description.Hostname, "pi1");
  EXPECT_EQ(after->find(id)->Description.Architecture, "aarch64");
  const CliResult ls = docker("manager-1", "node ls --format '{{.ID}} {{.Hostname}} {{.Status}}'");
  EXPECT_NE(ls.out.find(id + " pi1 Ready"), std::string::npos) << ls.out << ls.err;

  // The join happened in the world: the run's report has the node.
  json report = serve_->stop();
  ASSERT_TRUE(report.is_object()) << "the run's report";
  bool created = false;
  for (const auto& e : report["events"])
    created = created || (e.value("kind", "") == "node-created" && e.value("node_id", "") == id);
  EXPECT_TRUE(created) << report["events"].dump();
}

}  // namespace
}  // namespace swarmsim::live
