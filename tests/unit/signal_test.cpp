// SIGINT and SIGTERM, as a user's Ctrl-C and a CI runner's time-out send
// them, against the real binary: a check of a million cases and a run of a
// simulated month stop within two seconds, exit 130 or 143, and leave the
// report of what ran (the JUnit file written whole, the timeline printed).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "check/properties.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Stopped {
  int code = -1;
  double seconds_to_stop = 0;
  std::string out;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Starts the binary with stdout and stderr in files, sends `sig` after
// `after`, and waits (at most 20 s) for it to end.
Stopped stop_with(int sig, std::chrono::milliseconds after, const std::vector<std::string>& args) {
  const fs::path out =
      fs::temp_directory_path() / ("swarmsim-signal-" + std::to_string(getpid()) + ".out");
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> words = {SWARMSIM_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  Stopped s;
  if (posix_spawn(&pid, SWARMSIM_BINARY, &files, nullptr, argv.data(), environ) != 0) return s;
  posix_spawn_file_actions_destroy(&files);
  std::this_thread::sleep_for(after);
  const auto sent = Clock::now();
  kill(pid, sig);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() - sent > std::chrono::seconds(20)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  s.seconds_to_stop = std::chrono::duration<double>(Clock::now() - sent).count();
  s.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  s.out = slurp(out);
  return s;
}

}  // namespace

TEST(Signals, AMillionCaseCheckStopsWithinTwoSecondsAndWritesItsReport) {
  for (const auto& [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
    const fs::path junit =
        fs::temp_directory_path() / ("swarmsim-signal-" + std::to_string(sig) + ".xml");
    fs::remove(junit);
    const Stopped s = stop_with(
        sig, std::chrono::milliseconds(1500),
        {"check", "--policy", "fixed", "--cases", "1000000", "--quiet", "--junit", junit.string()});
    EXPECT_EQ(s.code, code) << s.out;
    EXPECT_LT(s.seconds_to_stop, 2.0);
    EXPECT_NE(s.out.find("INTERRUPTED: no failure in the"), std::string::npos) << s.out;
    const std::string xml = slurp(junit);
    EXPECT_NE(xml.find("</testsuites>"), std::string::npos) << "the JUnit report is written whole";
    EXPECT_NE(xml.find("interrupted"), std::string::npos) << xml;
    const auto every = swarmsim::check::properties_for("fixed").size();
    EXPECT_NE(xml.find("skipped=\"" + std::to_string(every) + "\""), std::string::npos)
        << "no property was checked to the end: none may be reported as passed\n"
        << xml;
  }
}

TEST(Signals, ALongRunStopsWithinTwoSecondsAndPrintsItsTimeline) {
  // Four hosts looping every second for a simulated month: about a minute
  // of work on any machine.
  const std::string text =
      "name: a-long-month\nduration: 720h\nswarm: {manager_scale: 1, loop_interval: 1s}\n"
      "profiles:\n  vm: {}\nhosts:\n  - {name: m1, profile: vm}\n  - {name: w1, profile: vm}\n"
      "  - {name: w2, profile: vm}\n  - {name: w3, profile: vm}\n";
  const fs::path file =
      fs::temp_directory_path() / ("swarmsim-signal-" + std::to_string(getpid()) + ".yaml");
  std::ofstream(file) << text;
  const Stopped s = stop_with(SIGTERM, std::chrono::milliseconds(700),
                              {"run", file.string(), "--policy", "fixed"});
  EXPECT_EQ(s.code, 143) << s.out;
  EXPECT_LT(s.seconds_to_stop, 2.0);
  EXPECT_NE(s.out.find("INTERRUPTED at"), std::string::npos) << s.out.substr(0, 2000);
  EXPECT_NE(s.out.find("node-ready"), std::string::npos);
}
