// Hostile input, table-driven, through the real `swarmsim` binary: every
// scenario file and command line below must end with the exit code and the
// message its row names, within 10 seconds, and never with an abort (134),
// a hang or a raw control character on the terminal. A row is the bug
// report of an input that once hung, crashed or fooled the tool, or of one
// that could.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kBinary = SWARMSIM_BINARY;
const std::string kIncident = std::string(SWARMSIM_SOURCE_DIR) + "/scenarios/incident-2017.yaml";
constexpr int kUsage = 64, kBadInput = 65, kCannotWrite = 73;

struct Outcome {
  int code = -1;
  std::string stderr_text;
};

// Single-quotes a word for /bin/sh.
std::string quoted(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs the binary with `args` under a 10-second time-out (exit 124 when it
// fires) and returns its exit code and what it printed on stderr.
Outcome run_binary(const std::vector<std::string>& args) {
  // ctest runs the tests of this file in parallel processes: one file each.
  const fs::path err =
      fs::temp_directory_path() / ("swarmsim-bad-input-" + std::to_string(getpid()) + ".err");
  std::string command = "timeout -s KILL 10 " + quoted(kBinary);
  for (const auto& a : args) command += " " + quoted(a);
  command += " >/dev/null 2>" + quoted(err.string()) + " </dev/null";
  const int status = std::system(command.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream in(err, std::ios::binary);
  o.stderr_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return o;
}

std::string write_temp(const std::string& name, const std::string& content) {
  const fs::path path = fs::temp_directory_path() /
                        ("swarmsim-bad-" + std::to_string(getpid()) + "-" + name + ".yaml");
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

// A valid scenario with `line` put in at the top level, after the profiles.
std::string scenario_with(const std::string& extra, const std::string& profile = "{}") {
  return "name: t\nprofiles:\n  vm: " + profile + "\nhosts:\n  - {name: h1, profile: vm}\n" + extra;
}

struct FileCase {
  std::string name;
  std::string content;
  int code;
  std::string message;  // part of what stderr must say
};

std::vector<FileCase> file_cases() {
  const std::string deep(20000, '[');
  return {
      {"comma", ",\n", kBadInput, "unexpected ','"},
      {"two-commas", ",\n,\n", kBadInput, "unexpected ','"},
      {"comma-after-comment", "# a comment\n,\n", kBadInput, "unexpected ','"},
      {"empty", "", kBadInput, "the scenario is empty"},
      {"only-comment", "# nothing\n", kBadInput, "the scenario is empty"},
      {"top-level-list", "- a\n- b\n", kBadInput, "expected a mapping"},
      {"second-document", scenario_with("---\nname: u\n"), kBadInput, "one YAML document"},
      {"binary",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0\0",
                   10),
       kBadInput, "control character"},
      {"invalid-utf8", "name: caf\xe9\n", kBadInput, "invalid UTF-8 (byte 0xe9)"},
      {"utf16-bom", std::string("\xff\xfen\0a\0", 6), kBadInput, "not UTF-8"},
      {"nul-byte", std::string("name: a\0b\n", 10), kBadInput, "control character U+0000"},
      {"raw-escape-in-name",
       scenario_with("events:\n  - {at: 1s, add_host: \"x\x1b[31m\", profile: vm}\n"), kBadInput,
       "control character U+001B"},
      {"escaped-escape-in-name",
       scenario_with("events:\n  - {at: 1s, add_host: \"x\\e[2J\", profile: vm}\n"), kBadInput,
       "must be printable UTF-8"},
      {"c1-control-in-profile",
       "name: t\nprofiles:\n  \"v\\x9b\": {}\nhosts:\n  - {name: h1, profile: vm}\n", kBadInput,
       "must be printable UTF-8"},
      {"name-too-long",
       scenario_with("events:\n  - {at: 1s, add_host: " + std::string(300, 'a') +
                     ", profile: vm}\n"),
       kBadInput, "at most 253 are allowed"},
      {"duration-2562047h", scenario_with("duration: 2562047h\n"), kBadInput, "at most 720h"},
      {"duration-int64-max", scenario_with("duration: 9223372036854775807ns\n"), kBadInput,
       "at most 720h"},
      {"duration-past-int64", scenario_with("duration: 9223372036854775808ns\n"), kBadInput,
       "at most 720h"},
      {"duration-no-unit", scenario_with("duration: 1m30\n"), kBadInput, "a number and a unit"},
      {"duration-units-out-of-order", scenario_with("duration: 30s1m\n"), kBadInput,
       "such as 30s, 250ms, 1.5m or 1m30s"},
      {"event-at-beyond-limit", scenario_with("events:\n  - {at: 721h, crash: h1, for: 1s}\n"),
       kBadInput, "at most 720h"},
      {"event-for-beyond-limit", scenario_with("events:\n  - {at: 1s, crash: h1, for: 800h}\n"),
       kBadInput, "at most 720h"},
      {"cpu-factor-1e300", scenario_with("", "{cpu_factor: 1e300}"), kBadInput,
       "cpu_factor: must be between 1 and 100"},
      {"cpu-factor-nan", scenario_with("", "{cpu_factor: .nan}"), kBadInput,
       "expected a finite number"},
      {"cpu-factor-inf", scenario_with("", "{cpu_factor: .inf}"), kBadInput,
       "expected a finite number"},
      {"cpu-factor-1e999", scenario_with("", "{cpu_factor: 1e999}"), kBadInput,
       "expected a finite number"},
      {"clock-skew-25h", scenario_with("", "{clock_skew: 25h}"), kBadInput,
       "clock_skew: must be between"},
      {"sigma-huge", scenario_with("", "{metadata_lag: {lognormal: 1s, sigma: 1e9}}"), kBadInput,
       "sigma must be between 0 and 10"},
      {"lognormal-median-huge", scenario_with("", "{metadata_lag: {lognormal: 9999h, sigma: 1}}"),
       kBadInput, "at most 720h"},
      {"loss-above-one", scenario_with("links:\n  lan: {loss: 2}\n"), kBadInput,
       "must be a probability"},
      {"manager-scale-overflow", scenario_with("swarm:\n  manager_scale: 99999999999\n"), kBadInput,
       "whole number between"},
      {"manager-scale-zero", scenario_with("swarm:\n  manager_scale: 0\n"), kBadInput,
       "must be between 1 and 99"},
      {"loop-interval-1ns", scenario_with("swarm:\n  loop_interval: 1ns\n"), kBadInput,
       "must be between 100ms and 720h"},
      {"loop-passes-budget", scenario_with("duration: 720h\nswarm:\n  loop_interval: 100ms\n"),
       kBadInput, "swarmkit-mon passes"},
      {"seed-past-uint64", scenario_with("seed: 18446744073709551616\n"), kBadInput,
       "whole number from 0 to 18446744073709551615"},
      {"seed-negative", scenario_with("seed: -1\n"), kBadInput, "whole number from 0 to"},
      {"unknown-key", scenario_with("swarm:\n  manager_scael: 3\n"), kBadInput, "unknown key"},
      {"stack-no-arches", scenario_with("stack:\n  image_arches: []\n"), kBadInput,
       "stack.image_arches: name at least one architecture"},
      {"stack-unknown-arch", scenario_with("stack:\n  image_arches: [riscv64]\n"), kBadInput,
       "unknown value"},
      {"publish-image-not-a-list", scenario_with("events:\n  - {at: 1s, publish_image: x86_64}\n"),
       kBadInput, "expected a list of architectures"},
      {"host-group-without-i", scenario_with("  - {count: 3, name: pi, profile: vm}\n"), kBadInput,
       "a host group's name needs one {i}"},
      {"host-group-zero", scenario_with("  - {count: 0, name: \"pi{i}\", profile: vm}\n"),
       kBadInput, "expected a count of hosts from 1 to"},
      {"host-group-two-arrivals",
       scenario_with("  - {count: 2, name: \"pi{i}\", profile: vm, at: 1s, over: [0s, 1m]}\n"),
       kBadInput, "a host group arrives one way"},
      {"host-group-window-backwards",
       scenario_with("  - {count: 2, name: \"pi{i}\", profile: vm, over: [5m, 1m]}\n"), kBadInput,
       "with from no later than to"},
      {"host-group-too-many", scenario_with("  - {count: 300001, name: \"pi{i}\", profile: vm}\n"),
       kBadInput, "expected a count of hosts from 1 to"},
      {"upgrade-stack-not-a-map", scenario_with("events:\n  - {at: 1s, upgrade_stack: 3}\n"),
       kBadInput, "expected a mapping for upgrade_stack"},
      {"upgrade-stack-scale-zero",
       scenario_with("events:\n  - {at: 1s, upgrade_stack: {manager_scale: 0}}\n"), kBadInput,
       "manager_scale must be between 1 and 99"},
      {"edit-labels-without-for",
       scenario_with("events:\n  - {at: 1s, edit_labels: h1, set: {a: b}}\n"), kBadInput,
       "the edit_labels event needs 'for'"},
      {"edit-labels-set-not-a-map",
       scenario_with("events:\n  - {at: 1s, edit_labels: h1, set: [a, b], for: 1s}\n"), kBadInput,
       "expected a mapping for 'set'"},
      {"set-on-a-crash", scenario_with("events:\n  - {at: 1s, crash: h1, set: {a: b}, for: 1s}\n"),
       kBadInput, "'set' only applies to edit_labels events"},
      {"edit-labels-too-many",
       scenario_with("events:\n  - {at: 1s, edit_labels: h1, set: {l0: v, l1: v, l2: v, l3: v, l4: "
                     "v, l5: v, l6: v, l7: v, l8: v, l9: v, l10: v, l11: v, l12: v, l13: v, l14: "
                     "v, l15: v, l16: v, l17: v, l18: v, l19: v, l20: v, l21: v, l22: v, l23: v, "
                     "l24: v, l25: v, l26: v, l27: v, l28: v, l29: v, l30: v, l31: v, l32: v, l33: "
                     "v, l34: v, l35: v, l36: v, l37: v, l38: v, l39: v, l40: v, l41: v, l42: v, "
                     "l43: v, l44: v, l45: v, l46: v, l47: v, l48: v, l49: v, l50: v, l51: v, l52: "
                     "v, l53: v, l54: v, l55: v, l56: v, l57: v, l58: v, l59: v, l60: v, l61: v, "
                     "l62: v, l63: v, l64: v, l65: v, l66: v, l67: v, l68: v, l69: v}, for: 1s}\n"),
       kBadInput, "more than 64 labels"},
      {"edit-labels-unknown-host",
       scenario_with("events:\n  - {at: 1s, edit_labels: h9, set: {a: b}, for: 1s}\n"), kBadInput,
       "h9"},
      {"duplicate-key", scenario_with("duration: 1m\nduration: 2m\n"), kBadInput, "duplicate key"},
      {"unknown-policy", scenario_with("policy: optimistic\n"), kBadInput, "unknown value"},
      {"unknown-profile", "name: t\nprofiles:\n  vm: {}\nhosts:\n  - {name: h1, profile: pi}\n",
       kBadInput, "unknown profile 'pi'"},
      {"hosts-not-a-list", "name: t\nprofiles:\n  vm: {}\nhosts: {name: h1, profile: vm}\n",
       kBadInput, "expected a list of hosts"},
      {"tab-indentation", "name: t\nswarm:\n\tmanager_scale: 1\n", kBadInput, ":3:"},
      {"deep-nesting", "name: " + deep + "\n", kBadInput, "nested too deeply"},
      {"comma-after-tag", "!!map\n,\n", kBadInput, "unexpected ','"},
      {"comma-after-flow-node", "[a]\n,\n", kBadInput, "unexpected ','"},
      {"comma-after-document-start", "--- ,\n", kBadInput, "unexpected ','"},
      {"alias-amplification",
       "name: t\nprofiles:\n  vm: {}\nhosts:\n  - {name: &n " + std::string(40000, 'h') +
           ", profile: vm}\nevents:\n" +
           [] {
             std::string events = "  - &e {at: 1s, crash: *n, for: 1s}\n";
             for (int i = 0; i < 2000; ++i) events += "  - *e\n";
             return events;
           }(),
       kBadInput, "at most 253 are allowed"},
      {"too-many-events",
       scenario_with("events:\n  - &e {at: 1s, crash: h1, for: 1s}\n" +
                     [] {
                       std::string events;
                       for (int i = 0; i < 300'001; ++i) events += "  - *e\n";
                       return events;
                     }()),
       kBadInput, "more than 300000 hosts and events"},
      {"unclosed-flow", "name: [t\n", kBadInput, ""},
      {"unclosed-quote", "name: \"t\n", kBadInput, ""},
      {"anchor-to-nothing", "name: *nowhere\n", kBadInput, ""},
      {"five-mebibytes", "name: t\n#" + std::string(5 << 20, 'x') + "\n", kBadInput, "4 MiB"},
  };
}

TEST(BadInput, EveryHostileScenarioFileExits65WithAMessage) {
  const auto cases = file_cases();
  ASSERT_GE(cases.size(), 40u);
  for (const auto& c : cases) {
    const std::string file = write_temp(c.name, c.content);
    const Outcome o = run_binary({"run", file});
    EXPECT_EQ(o.code, c.code) << c.name << ": " << o.stderr_text;
    EXPECT_NE(o.stderr_text.find(c.message), std::string::npos) << c.name << ": " << o.stderr_text;
    EXPECT_NE(o.stderr_text.find(file), std::string::npos) << c.name << ": names the file";
    EXPECT_EQ(o.stderr_text.find('\x1b'), std::string::npos) << c.name << ": raw ESC on stderr";
    fs::remove(file);
  }
}

TEST(BadInput, DevicesFoldersAndMissingFilesExit65AtOnce) {
  for (const auto& [path, message] : std::vector<std::pair<std::string, std::string>>{
           {"/dev/zero", "not a regular file"},
           {"/dev/urandom", "not a regular file"},
           {fs::temp_directory_path().string(), "is a directory"},
           {"/nonexistent/scenario.yaml", "no such file"},
           {"bad\x1b[31mname.yaml", "no such file"}}) {
    const Outcome o = run_binary({"run", path});
    EXPECT_EQ(o.code, kBadInput) << path << ": " << o.stderr_text;
    EXPECT_NE(o.stderr_text.find(message), std::string::npos) << path << ": " << o.stderr_text;
    EXPECT_EQ(o.stderr_text.find('\x1b'), std::string::npos) << path << ": raw ESC on stderr";
  }
}

struct CommandCase {
  std::vector<std::string> args;
  int code;
  std::string message;
};

TEST(BadInput, EveryHostileCommandLineEndsWithItsCodeAndMessage) {
  const std::string folder = fs::temp_directory_path().string();
  const std::vector<CommandCase> cases = {
      {{}, kUsage, "A subcommand is required"},
      {{"rn", kIncident}, kUsage, "did you mean 'run'"},
      {{"chekc"}, kUsage, "did you mean 'check'"},
      {{"frobnicate"}, kUsage, "unknown subcommand 'frobnicate'"},
      {{"run"}, kUsage, "file is required"},
      {{"run", kIncident, "--sed", "3"}, kUsage, "did you mean '--seed'"},
      {{"run", kIncident, "--polcy", "fixed"}, kUsage, "did you mean '--policy'"},
      {{"run", kIncident, "--seed", "18446744073709551616"}, kUsage, "whole number from 0 to"},
      {{"run", kIncident, "--seed", "-1"}, kUsage, "whole number from 0 to"},
      {{"run", kIncident, "--seed", "1e3"}, kUsage, "whole number from 0 to"},
      {{"run", kIncident, "--seeds", "5..18446744073709551615"}, kUsage, "at most 1000000"},
      {{"run", kIncident, "--seeds", "1..100000000"}, kUsage, "at most 1000000"},
      {{"run", kIncident, "--seeds", "10..1"}, kUsage, "A <= B"},
      {{"run", kIncident, "--seeds", "1..18446744073709551616"}, kUsage, "expected a seed range"},
      {{"run", kIncident, "-j", "0"}, kUsage, "not in range"},
      {{"run", kIncident, "-j", "100000"}, kUsage, "not in range"},
      {{"run", kIncident, "--policy", "optimistic"}, kUsage, "unknown policy 'optimistic'"},
      {{"run", kIncident, "--junit", folder}, kCannotWrite, "it is a folder"},
      {{"run", kIncident, "--junit", "/nonexistent/dir/out.xml"}, kCannotWrite, "cannot write"},
      {{"check", "--cases", "0"}, kUsage, "not in range"},
      {{"check", "--cases", "1e9999"}, kUsage, "--cases"},
      {{"check", "--max-hosts", "21"}, kUsage, "not in range"},
      {{"check", "--reproduce", "AAAA"}, kUsage, "not a reproduce string"},
      {{"check", "--reproduce", "BUxc3FmctNXat1yYoV2Yr1Cb"}, kUsage, "not a reproduce string"},
      {{"check", "--property", "nope"}, kUsage, "unknown property 'nope'"},
      {{"check", "--policy", "optimistic"}, kUsage, "unknown policy"},
      {{"sweep", kIncident, "--vary", "swarm.loop_interval", "--value", "[unclosed", "--seeds",
        "1..2"},
       kUsage,
       "is not valid YAML"},
      {{"sweep", kIncident, "--vary", "swarm.loop_interval", "--value", "1ns", "--seeds", "1..2"},
       kBadInput,
       "must be between 100ms and 720h"},
      {{"sweep", kIncident, "--vary", "nope.knob", "--value", "1", "--seeds", "1..2"},
       kUsage,
       "the scenario has no 'nope'"},
      {{"sweep", kIncident, "--vary", "hosts.9.at", "--value", "1s", "--seeds", "1..2"},
       kUsage,
       "the list has 4 entries"},
      {{"compare", kIncident, "--policies", ","}, kUsage, "at least one policy"},
      {{"compare", kIncident, "--seeds", "1..x"}, kUsage, "expected a seed range"},
      {{"gate", "/nonexistent/corpus"}, kUsage, "no such file or folder"},
      {{"gate", kIncident, "--cases", "0"}, kUsage, "not in range"},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    const Outcome o = run_binary(c.args);
    EXPECT_EQ(o.code, c.code) << shown << ": " << o.stderr_text;
    EXPECT_NE(o.stderr_text.find(c.message), std::string::npos) << shown << ": " << o.stderr_text;
  }
}

}  // namespace
