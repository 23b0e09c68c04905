// The live agent against the served world, over real sockets: `swarmsim
// serve` runs the 2017 incident at 20x with manager-1 and pi1 external, and
// one build/bin/swarmkit-mon process per external host plays its agent
// through the host's endpoints (engine unix socket, metadata, Cattle with
// the run's keys, the manager's port 2377), at the same time scale.
//
// What it shows:
//  - under legacy the agent on manager-1 evicts pi1 right after it joins,
//    and serve reports the spurious eviction (exit 1); under fixed every
//    host keeps one ready node (exit 0). The logic that decides is the one
//    the simulator tests; only the I/O differs.
//  - neither the agents nor serve print a join token or an API key.
//  - an agent given a wrong Cattle key gets 401, reports it, and keeps
//    looping.
//  - SIGTERM ends an agent cleanly (exit 0).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
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

std::string read_line(FILE* f) {
  std::string line;
  for (int c = std::fgetc(f); c != EOF && c != '\n'; c = std::fgetc(f))
    line += static_cast<char>(c);
  return line;
}

std::string read_all(FILE* f) {
  std::string s;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) s += static_cast<char>(c);
  return s;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch directory for one test's outputs and agents' state.
std::string scratch(const std::string& name) {
  std::string pattern = "/tmp/swarmsim-live-" + name + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) return "/tmp";
  return pattern;
}

struct Serve {
  FILE* out = nullptr;
  pid_t pid = -1;
  std::map<std::string, json> hosts;       // name -> its endpoint line
  json world;                              // cattle_url, cattle_env, run_dir
  std::map<std::string, std::string> env;  // cattle.env
  std::string stderr_path;
};

Serve start_serve(const std::string& dir, const std::string& policy, const std::string& external) {
  Serve s;
  s.stderr_path = dir + "/serve.err";
  std::vector<std::string> args = {
      SWARMSIM_BINARY,
      "serve",
      std::string(SWARMSIM_SOURCE_DIR) + "/scenarios/incident-2017.yaml",
      "--policy",
      policy,
      "--speed",
      "20",
      "--json",
      "--external",
      external};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return s;
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_adddup2(&files, pipe_fds[1], 1);
  posix_spawn_file_actions_addclose(&files, pipe_fds[0]);
  posix_spawn_file_actions_addopen(&files, 2, s.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  const bool spawned = posix_spawn(&s.pid, argv[0], &files, nullptr, argv.data(), environ) == 0;
  posix_spawn_file_actions_destroy(&files);
  ::close(pipe_fds[1]);
  if (!spawned) {
    ::close(pipe_fds[0]);
    return s;
  }
  s.out = ::fdopen(pipe_fds[0], "r");
  if (s.out == nullptr) return s;
  for (;;) {
    const auto j = json::parse(read_line(s.out), nullptr, false);
    if (!j.is_object()) break;
    if (j.contains("host")) s.hosts[j["host"]] = j;
    if (j.contains("cattle_env")) {
      s.world = j;
      break;
    }
  }
  if (s.world.is_object()) {
    std::ifstream env(s.world["cattle_env"].get<std::string>());
    for (std::string line; std::getline(env, line);)
      if (auto eq = line.find('='); eq != std::string::npos)
        s.env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return s;
}

// serve's exit code, and what it printed after the endpoints.
int finish_serve(Serve& s, std::string& rest) {
  rest = read_all(s.out);
  std::fclose(s.out);
  s.out = nullptr;
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Starts swarmkit-mon for `host` of the served world, its stdout and stderr
// in DIR/agent-HOST.out and .err. `cattle_env` overrides the variables.
pid_t start_agent(const Serve& s, const std::string& dir, const std::string& host,
                  const std::string& policy, std::map<std::string, std::string> cattle_env) {
  const json& h = s.hosts.at(host);
  std::vector<std::string> args = {SWARMKIT_MON_BINARY,
                                   "--policy",
                                   policy,
                                   "--manager-scale",
                                   "1",
                                   "--time-scale",
                                   "20",
                                   "--docker-host",
                                   h["docker_socket"],
                                   "--metadata-url",
                                   h["metadata_url"],
                                   "--state-dir",
                                   dir + "/state-" + host};
  ::mkdir((dir + "/state-" + host).c_str(), 0700);
  // Every manager's port 2377 is somewhere on 127.0.0.1.
  for (const auto& [name, other] : s.hosts) {
    args.push_back("--resolve");
    args.push_back(other["addr"].get<std::string>() + "=" + other["swarm_port"].get<std::string>());
  }
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string v = *e;
    if (v.rfind("CATTLE_", 0) != 0) env_text.push_back(v);
  }
  for (const auto& [k, v] : cattle_env) env_text.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  const std::string out = dir + "/agent-" + host + ".out", err = dir + "/agent-" + host + ".err";
  posix_spawn_file_actions_addopen(&files, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&files, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&files);
  return pid;
}

// SIGTERM, then the agent's exit code.
int stop_agent(pid_t pid) {
  if (pid <= 0) return -1;
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
    std::this_thread::sleep_for(50ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -3;  // did not stop within five seconds
}

// The join tokens, read from manager-1's served engine once the swarm exists.
model::JoinTokens read_tokens(const Serve& s) {
  const auto at = *Endpoint::parse(s.hosts.at("manager-1")["docker_host"].get<std::string>());
  model::JoinTokens tokens;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (tokens.Worker.empty() && std::chrono::steady_clock::now() < give_up) {
    boost::asio::io_context io;
    async_http(io, at, api::to_http(model::Request{model::GetSwarm{}}), {}, 2s, [&](HttpResult r) {
      if (!r.response) return;
      const model::Response answer = api::from_http(model::GetSwarm{}, *r.response);
      if (auto* t = std::get_if<model::JoinTokens>(&answer)) tokens = *t;
    });
    io.run();
    if (tokens.Worker.empty()) std::this_thread::sleep_for(100ms);
  }
  return tokens;
}

std::vector<json> report_lines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(j);
  }
  return out;
}

TEST(LiveAgent, UnderLegacyTheAgentOnTheManagerEvictsThePiAndServeExits1) {
  const std::string dir = scratch("legacy");
  Serve s = start_serve(dir, "legacy", "manager-1,pi1");
  ASSERT_NE(s.out, nullptr);
  ASSERT_EQ(s.hosts.size(), 4u);
  ASSERT_TRUE(s.env.count("CATTLE_SECRET_KEY")) << "serve wrote the keys to cattle.env";
  const pid_t manager = start_agent(s, dir, "manager-1", "legacy", s.env);
  const pid_t pi = start_agent(s, dir, "pi1", "legacy", s.env);
  std::string verdict;
  const int code = finish_serve(s, verdict);
  EXPECT_EQ(stop_agent(manager), 0) << slurp(dir + "/agent-manager-1.err");
  EXPECT_EQ(stop_agent(pi), 0) << slurp(dir + "/agent-pi1.err");
  EXPECT_EQ(code, 1) << verdict << slurp(s.stderr_path);
  const auto j = json::parse(verdict.substr(verdict.find('{')), nullptr, false);
  ASSERT_TRUE(j.is_object()) << verdict;
  ASSERT_FALSE(j["violations"].empty());
  EXPECT_EQ(j["violations"][0]["kind"], "spurious-eviction");
  EXPECT_EQ(j["violations"][0]["host"], "pi1");
  // The removal came from the outside agent on manager-1: its own report
  // has the call, with the hook's reason.
  bool removed = false;
  for (const auto& line : report_lines(dir + "/agent-manager-1.out"))
    if (line.value("eviction", false) && line["request"] == "DELETE /nodes/{id}" &&
        line["ok"] == true)
      removed = true;
  EXPECT_TRUE(removed) << "manager-1's agent reports the node rm --force";
}

TEST(LiveAgent, UnderFixedEveryHostKeepsANodeAndNothingPrintsATokenOrAKey) {
  const std::string dir = scratch("fixed");
  Serve s = start_serve(dir, "fixed", "manager-1,pi1");
  ASSERT_NE(s.out, nullptr);
  ASSERT_EQ(s.hosts.size(), 4u);
  const pid_t manager = start_agent(s, dir, "manager-1", "fixed", s.env);
  const pid_t pi = start_agent(s, dir, "pi1", "fixed", s.env);
  const model::JoinTokens tokens = read_tokens(s);
  std::string verdict;
  const int code = finish_serve(s, verdict);
  EXPECT_EQ(stop_agent(manager), 0);
  EXPECT_EQ(stop_agent(pi), 0);
  EXPECT_EQ(code, 0) << verdict << slurp(s.stderr_path);
  ASSERT_FALSE(tokens.Worker.empty()) << "the swarm was created by the outside agent on manager-1";

  // pi1 joined through its own agent, which saved the worker token on disk.
  EXPECT_EQ(slurp(dir + "/state-pi1/worker-token"), tokens.Worker + "\n");
  const std::string printed = verdict + slurp(s.stderr_path) + slurp(dir + "/agent-manager-1.out") +
                              slurp(dir + "/agent-manager-1.err") + slurp(dir + "/agent-pi1.out") +
                              slurp(dir + "/agent-pi1.err");
  EXPECT_GT(printed.size(), 1000u);
  for (const std::string& secret : {tokens.Worker, tokens.Manager, s.env.at("CATTLE_ACCESS_KEY"),
                                    s.env.at("CATTLE_SECRET_KEY")}) {
    EXPECT_EQ(printed.find(secret), std::string::npos)
        << "printed: " << secret.substr(0, 12) << "...";
  }
}

TEST(LiveAgent, AWrongCattleKeyGets401AndTheAgentKeepsLooping) {
  const std::string dir = scratch("wrong-key");
  Serve s = start_serve(dir, "fixed", "manager-1");
  ASSERT_NE(s.out, nullptr);
  auto wrong = s.env;
  wrong["CATTLE_SECRET_KEY"] = "not-the-key";
  const pid_t manager = start_agent(s, dir, "manager-1", "fixed", wrong);
  // Wait for two refused Cattle calls with a loop in between.
  const std::string out = dir + "/agent-manager-1.out";
  std::size_t refused = 0, loops_after_first_refusal = 0;
  const auto give_up = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < give_up) {
    refused = loops_after_first_refusal = 0;
    for (const auto& line : report_lines(out)) {
      if (line["outcome"].get<std::string>().rfind("401", 0) == 0)
        ++refused;
      else if (refused > 0 && line["request"] == "metadata /self/host")
        ++loops_after_first_refusal;
    }
    if (refused >= 2 && loops_after_first_refusal >= 2) break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(stop_agent(manager), 0) << "the agent is still running, and stops cleanly";
  // End serving early, as Ctrl-C would: it still prints a verdict, and
  // exits with its code as `run` does.
  ::kill(s.pid, SIGINT);
  std::string rest;
  const int code = finish_serve(s, rest);
  EXPECT_TRUE(code == 0 || code == 1 || code == 2) << code << rest;
  EXPECT_NE(rest.find("\"result\""), std::string::npos) << rest;
  EXPECT_GE(refused, 2u) << slurp(out);
  EXPECT_GE(loops_after_first_refusal, 2u) << "loops went on after the 401";
}

}  // namespace
}  // namespace swarmsim::live
