// Scenario files: the full schema loads to the right values, every mistake a
// user can make is reported at the right line, arbitrary input never crashes
// the loader, and to_yaml() writes files that load back to the same spec.
#include "sim/scenario_yaml.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace swarmsim::sim {
namespace {

const char* const kFullExample = R"(name: incident-2017
description: free text
seed: 7
policy: grace
duration: 12m
liveness_bound: 4m
swarm:
  manager_scale: 1
  loop_interval: 30s
  heartbeat_period: 5s
  down_after: 15s
  registration_delay: 300ms
  removed_node_sees_error: false
  grace_min_node_age: 2m
  fixed_max_removals_per_pass: 2
links:
  cloud-lan:
    latency: {min: 1ms, exponential: 2ms}
    loss: 0.01
    duplicate: 0.001
    reorder: 0.1
    reorder_delay: 5ms
  edge-wan:
    latency: {uniform: [10ms, 40ms]}
profiles:
  x86-vm:
    link: cloud-lan
  pi:
    arch: aarch64
    cpu_factor: 4
    hostname_style: dotted
    domain: lab
    agent_hostname: override
    hostname_override: rpi-worker
    link: edge-wan
    metadata_lag: {min: 200ms, lognormal: 1s, sigma: 1.0}
    metadata_empty_p: 0.25
    agent_startup: {uniform: [20s, 40s]}
    busy_after_join: 1.5s
    clock_skew: -2s
hosts:
  - {name: manager-1, profile: x86-vm, at: 0s}
  - {name: pi1, profile: pi}
  - {name: pi2, profile: pi}
  - {name: pi3, profile: pi}
events:
  - {at: 6m, add_host: pi1, profile: pi}
  - {at: 5m, remove_host: pi1}
  - {at: 4m, crash: pi1, for: 20s}
  - {at: 3m, partition: [pi2, pi3], for: 1m}
  - {at: 3m, metadata_stall: manager-1, for: 30s}
  - {at: 3m, metadata_empty: manager-1, for: 10s}
)";

// A minimal valid scenario with one line left to the test, at line 4.
std::string minimal_with(const std::string& swarm_line) {
  return "name: t\nswarm:\n  heartbeat_period: 5s\n" + swarm_line +
         "\nprofiles:\n  vm: {}\nhosts:\n  - {name: h1, profile: vm}\n";
}

ProfileSpec profile(const std::string& name, const std::string& link = "lan") {
  ProfileSpec p;
  p.name = name;
  p.link = link;
  return p;
}

LinkClassSpec link(const std::string& name) {
  LinkClassSpec l;
  l.name = name;
  return l;
}

EventSpec event(Instant at, EventKind kind, const std::string& host, Duration duration = 0) {
  EventSpec e;
  e.at_ns = at;
  e.kind = kind;
  e.host = host;
  e.duration_ns = duration;
  return e;
}

EventSpec add_host(Instant at, const std::string& host, const std::string& profile_name) {
  EventSpec e = event(at, EventKind::AddHost, host);
  e.profile = profile_name;
  return e;
}

ScenarioError load_error(const std::string& text) {
  try {
    load_scenario_string(text, "bad.yaml");
  } catch (const ScenarioError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ScenarioError for:\n" << text;
  return ScenarioError("bad.yaml", 0, 0, "no error");
}

TEST(ScenarioYaml, FullExampleLoadsWithTheRightValues) {
  const ScenarioSpec s = load_scenario_string(kFullExample, "scenarios/full.yaml");
  EXPECT_EQ(s.file, "scenarios/full.yaml");
  EXPECT_EQ(s.name, "incident-2017");
  EXPECT_EQ(s.description, "free text");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.policy, "grace");
  EXPECT_EQ(s.duration_ns, 12 * kMinute);
  EXPECT_EQ(s.liveness_bound_ns, 4 * kMinute);
  EXPECT_EQ(s.swarm.manager_scale, 1);
  EXPECT_EQ(s.swarm.loop_interval_ns, 30 * kSecond);
  EXPECT_EQ(s.swarm.heartbeat_period_ns, 5 * kSecond);
  EXPECT_EQ(s.swarm.down_after_ns, 15 * kSecond);
  EXPECT_EQ(s.swarm.registration_delay, Distribution::constant(300 * kMillisecond));
  EXPECT_FALSE(s.swarm.removed_node_sees_error);
  EXPECT_EQ(s.swarm.grace_min_node_age_ns, 2 * kMinute);
  EXPECT_EQ(s.swarm.fixed_max_removals_per_pass, 2);

  ASSERT_EQ(s.links.size(), 2u);  // file order, and no implicit "lan": nobody uses it
  EXPECT_EQ(s.links[0].name, "cloud-lan");
  EXPECT_EQ(s.links[0].latency, Distribution::exponential(kMillisecond, 2 * kMillisecond));
  EXPECT_DOUBLE_EQ(s.links[0].loss, 0.01);
  EXPECT_DOUBLE_EQ(s.links[0].duplicate, 0.001);
  EXPECT_DOUBLE_EQ(s.links[0].reorder, 0.1);
  EXPECT_EQ(s.links[0].reorder_delay, Distribution::constant(5 * kMillisecond));
  EXPECT_EQ(s.links[1].name, "edge-wan");
  EXPECT_EQ(s.links[1].latency, Distribution::uniform(10 * kMillisecond, 40 * kMillisecond));
  EXPECT_EQ(s.links[1].loss, 0.0);

  ASSERT_EQ(s.profiles.size(), 2u);
  EXPECT_EQ(s.profiles[0].name, "x86-vm");
  EXPECT_EQ(s.profiles[0], profile("x86-vm", "cloud-lan"));
  const ProfileSpec& pi = s.profiles[1];
  EXPECT_EQ(pi.arch, Arch::Aarch64);
  EXPECT_EQ(pi.cpu_factor, 4.0);
  EXPECT_EQ(pi.hostname_style, HostnameStyle::Dotted);
  EXPECT_EQ(pi.domain, "lab");
  EXPECT_EQ(pi.agent_hostname, AgentHostnameRule::Override);
  EXPECT_EQ(pi.hostname_override, "rpi-worker");
  EXPECT_EQ(pi.link, "edge-wan");
  EXPECT_EQ(pi.metadata_lag, Distribution::lognormal(200 * kMillisecond, kSecond, 1.0));
  EXPECT_EQ(pi.metadata_empty_p, 0.25);
  EXPECT_EQ(pi.agent_startup, Distribution::uniform(20 * kSecond, 40 * kSecond));
  EXPECT_EQ(pi.busy_after_join, Distribution::constant(1500 * kMillisecond));
  EXPECT_EQ(pi.clock_skew_ns, -2 * kSecond);
  EXPECT_EQ(s.find_profile("pi"), &s.profiles[1]);
  EXPECT_EQ(s.find_link("edge-wan"), &s.links[1]);
  EXPECT_EQ(s.find_link("lan"), nullptr);

  // Hosts first, then events, stably sorted by time; lines are 1-based.
  ASSERT_EQ(s.events.size(), 10u);
  EXPECT_EQ(s.events[0].kind, EventKind::AddHost);
  EXPECT_EQ(s.events[0].host, "manager-1");
  EXPECT_EQ(s.events[0].profile, "x86-vm");
  EXPECT_EQ(s.events[0].line, 42);
  EXPECT_EQ(s.events[3].host, "pi3");
  EXPECT_EQ(s.events[4].kind, EventKind::Partition);
  EXPECT_EQ(s.events[4].hosts, (std::vector<std::string>{"pi2", "pi3"}));
  EXPECT_EQ(s.events[4].duration_ns, kMinute);
  EXPECT_EQ(s.events[4].line, 50);
  EXPECT_EQ(s.events[5].kind, EventKind::MetadataStall);
  EXPECT_EQ(s.events[6].kind, EventKind::MetadataEmpty);
  EXPECT_EQ(s.events[6].duration_ns, 10 * kSecond);
  EXPECT_EQ(s.events[7].kind, EventKind::Crash);
  EXPECT_EQ(s.events[7].at_ns, 4 * kMinute);
  EXPECT_EQ(s.events[8].kind, EventKind::RemoveHost);
  EXPECT_EQ(s.events[9].kind, EventKind::AddHost);  // the re-added Pi
  EXPECT_EQ(s.events[9].host, "pi1");
  EXPECT_EQ(s.events[9].at_ns, 6 * kMinute);
  EXPECT_EQ(s.events[9].line, 47);
}

TEST(ScenarioYaml, DefaultsApplyAndAnImplicitLanLinkIsAdded) {
  const ScenarioSpec s = load_scenario_string(
      "name: small\nprofiles:\n  vm:\nhosts:\n  - {name: h1, profile: vm}\n", "small.yaml");
  ScenarioSpec expected;
  expected.name = "small";
  expected.links = {link("lan")};
  expected.profiles = {profile("vm")};
  expected.events = {add_host(0, "h1", "vm")};
  EXPECT_EQ(s, expected);
}

TEST(ScenarioYaml, EachDistributionForm) {
  auto dist = [](const std::string& text) {
    return load_scenario_string(minimal_with("  registration_delay: " + text), "d.yaml")
        .swarm.registration_delay;
  };
  EXPECT_EQ(dist("250ms"), Distribution::constant(250 * kMillisecond));
  EXPECT_EQ(dist("{constant: 2s}"), Distribution::constant(2 * kSecond));
  EXPECT_EQ(dist("{uniform: [1s, 3s]}"), Distribution::uniform(kSecond, 3 * kSecond));
  EXPECT_EQ(dist("{uniform: [1s, 1s]}"), Distribution::uniform(kSecond, kSecond));
  EXPECT_EQ(dist("{exponential: 2ms}"), Distribution::exponential(0, 2 * kMillisecond));
  EXPECT_EQ(dist("{min: 1ms, exponential: 2ms}"),
            Distribution::exponential(kMillisecond, 2 * kMillisecond));
  EXPECT_EQ(dist("{lognormal: 1s, sigma: 0.5}"), Distribution::lognormal(0, kSecond, 0.5));
  EXPECT_EQ(dist("{min: 200ms, lognormal: 1s, sigma: 1}"),
            Distribution::lognormal(200 * kMillisecond, kSecond, 1.0));

  for (const char* bad :
       {"{uniform: [3s, 1s]}", "{uniform: [1s]}", "{uniform: 1s}", "{lognormal: 1s}",
        "{exponential: 1s, sigma: 1}", "{min: 1s, constant: 2s}", "{min: 1s}",
        "{constant: 1s, uniform: [1s, 2s]}", "{lognormal: 1s, sigma: -1}", "[1s, 2s]",
        "{gamma: 1s}", "{exponential: -1s}"}) {
    const ScenarioError e = load_error(minimal_with("  registration_delay: " + std::string(bad)));
    EXPECT_EQ(e.line, 4) << bad << ": " << e.what();
  }
}

TEST(ScenarioYaml, DurationsParse) {
  auto interval = [](const std::string& text) {
    return load_scenario_string(minimal_with("  grace_min_node_age: " + text), "d.yaml")
        .swarm.grace_min_node_age_ns;
  };
  EXPECT_EQ(interval("0"), 0);
  EXPECT_EQ(interval("0s"), 0);
  EXPECT_EQ(interval("7ns"), 7);
  EXPECT_EQ(interval("10us"), 10 * kMicrosecond);
  EXPECT_EQ(interval("250ms"), 250 * kMillisecond);
  EXPECT_EQ(interval("1.5s"), 1500 * kMillisecond);
  EXPECT_EQ(interval("0.1s"), 100 * kMillisecond);
  EXPECT_EQ(interval("2m"), 2 * kMinute);
  EXPECT_EQ(interval("1.25m"), 75 * kSecond);
  EXPECT_EQ(interval("1h"), kHour);
  EXPECT_EQ(interval("0.001h"), 3600 * kMillisecond);
  EXPECT_EQ(interval("1.0000000005s"), kSecond + 1);  // rounded to the nearest nanosecond
  EXPECT_EQ(interval("1.0000000004999s"), kSecond);
  // Compound durations, largest unit first, as Go and the docker CLI write them.
  EXPECT_EQ(interval("1m30s"), 90 * kSecond);
  EXPECT_EQ(interval("1h2m3.5s"), kHour + 2 * kMinute + 3500 * kMillisecond);
  EXPECT_EQ(interval("2h0m"), 2 * kHour);
  EXPECT_EQ(interval("1s500ms"), 1500 * kMillisecond);
  EXPECT_EQ(interval("1.5m30s"), 2 * kMinute);
  // The longest duration a scenario may hold is 720h (30 days).
  EXPECT_EQ(interval("720h"), 720 * kHour);
  EXPECT_EQ(interval("719h59m59.999999999s"), 720 * kHour - 1);

  for (const char* bad : {"abc",
                          "10",
                          "1.5",
                          "-1s",
                          "1x",
                          "s",
                          ".5s",
                          "1.s",
                          "1e3s",
                          "1 s",
                          "''",
                          "[1s]",
                          "1S",
                          "+1s",
                          "99999999999h",
                          "9223372036854775808ns",
                          "9223372036854775807ns",
                          "720h1ns",
                          "2562047h",
                          "30s1m",
                          "1m1m",
                          "1m30",
                          "1m 30s",
                          "m30s",
                          "1..5s",
                          "1.5.5s"}) {
    const ScenarioError e = load_error(minimal_with("  grace_min_node_age: " + std::string(bad)));
    EXPECT_EQ(e.line, 4) << bad << ": " << e.what();
    EXPECT_EQ(e.column, 23) << bad;
  }
  const ScenarioError e = load_error(minimal_with("  grace_min_node_age: abc"));
  EXPECT_STREQ(e.what(),
               "bad.yaml:4:23: expected a duration for 'grace_min_node_age' (a number and a unit "
               "h, m, s, ms, us or ns, such as 30s, 250ms, 1.5m or 1m30s), got 'abc'");
  const ScenarioError too_long = load_error(minimal_with("  grace_min_node_age: 2562047h"));
  EXPECT_STREQ(too_long.what(),
               "bad.yaml:4:23: 'grace_min_node_age' is '2562047h': at most 720h is allowed");
}

TEST(ScenarioYaml, ClockSkewMayBeNegative) {
  const ScenarioSpec s = load_scenario_string(
      "name: t\nprofiles:\n  vm: {clock_skew: -1.5s}\nhosts:\n  - {name: h1, profile: vm}\n",
      "skew.yaml");
  EXPECT_EQ(s.profiles[0].clock_skew_ns, -1500 * kMillisecond);
  const ScenarioError e = load_error(minimal_with("  loop_interval: -30s"));
  EXPECT_NE(std::string(e.what()).find("got '-30s' (only clock_skew may be negative)"),
            std::string::npos)
      << e.what();
}

struct ErrorCase {
  const char* what;
  std::string text;
  int line;
  const char* message_part;
};

TEST(ScenarioYaml, ErrorsPointAtTheRightLine) {
  const std::string head = "name: t\nprofiles:\n  vm: {}\n";  // lines 1-3
  const std::vector<ErrorCase> cases = {
      {"syntax", head + "hosts:\n  - {name: h1, profile: vm\n", 6, ""},
      {"type", head + "swarm:\n  manager_scale: many\nhosts: [{name: h1, profile: vm}]\n", 5,
       "expected a whole number for 'manager_scale', got 'many'"},
      {"unknown key", head + "hosts: [{name: h1, profile: vm}]\nswarm:\n  loop_intervall: 30s\n", 6,
       "unknown key 'loop_intervall' in swarm; valid keys: manager_scale, loop_interval"},
      {"unknown enum", head + "  pi:\n    arch: arm64\nhosts: [{name: h1, profile: vm}]\n", 5,
       "unknown value 'arm64' for 'arch'; valid values: x86_64, aarch64"},
      {"unknown policy", "policy: fast\n" + head, 1,
       "valid values: legacy, legacy-v2, grace, fixed, go-rewrite"},
      {"unknown profile",
       head + "hosts:\n  - {name: h1, profile: vm}\n  - {name: h2, profile: pi}\n", 6,
       "unknown profile 'pi'"},
      {"host never added",
       head + "hosts:\n  - {name: h1, profile: vm}\nevents:\n  - {at: 1m, crash: h2, for: 10s}\n",
       7, "crash 'h2' at 1m: no host of that name has been added"},
      {"host removed",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n  - {at: 1m, remove_host: h1}\n"
              "  - {at: 2m, metadata_stall: h1, for: 10s}\n",
       7, "the host was removed at 1m"},
      {"partition of unknown host",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n"
              "  - {at: 1m, partition: [h1, nope], for: 10s}\n",
       6, "partition 'nope'"},
      {"added twice",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n"
              "  - {at: 1m, add_host: h1, profile: vm}\n",
       6, "already present"},
      {"missing name", "profiles:\n  vm: {}\nhosts: [{name: h1, profile: vm}]\n", 1,
       "missing required key 'name'"},
      {"no hosts", head, 1, "no host is ever added"},
      {"unknown link", head + "  pi: {link: wan}\nhosts: [{name: h1, profile: vm}]\n", 4,
       "profiles.pi.link: unknown link 'wan'"},
      {"cpu factor", head + "  pi:\n    cpu_factor: 0.5\nhosts: [{name: h1, profile: vm}]\n", 5,
       "profiles.pi.cpu_factor: must be between 1 and 100, got 0.5"},
      {"probability", head + "links:\n  lan: {loss: 1.5}\nhosts: [{name: h1, profile: vm}]\n", 5,
       "links.lan.loss: must be a probability"},
      {"down_after", head + "swarm:\n  down_after: 5s\nhosts: [{name: h1, profile: vm}]\n", 5,
       "swarm.down_after: must be longer than heartbeat_period (5s), got 5s"},
      {"zero duration",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n"
              "  - {at: 1m, crash: h1, for: 0s}\n",
       6, "crash needs a duration above zero"},
      {"two kinds",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n"
              "  - {at: 1m, crash: h1, remove_host: h1, for: 1s}\n",
       6, "has both 'crash' and 'remove_host'"},
      {"missing for", head + "hosts: [{name: h1, profile: vm}]\nevents:\n  - {at: 1m, crash: h1}\n",
       6, "needs 'for'"},
      {"machine gone",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n  - {at: 1m, remove_host: h1}\n"
              "  - {at: 2m, crash: h1, for: 10s}\n",
       7, "its machine does not run any more"},
      {"machine died after its deletion",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n  - {at: 1m, delete_host: h1}\n"
              "  - {at: 2m, machine_dies: h1}\n  - {at: 3m, partition: [h1], for: 10s}\n",
       8, "partition 'h1' at 3m"},
      {"deleted host's labels",
       head + "hosts: [{name: h1, profile: vm}]\nevents:\n  - {at: 1m, delete_host: h1}\n"
              "  - {at: 2m, edit_labels: h1, set: {a: b}, for: 10s}\n",
       7, "the host was removed at 1m"},
      {"cattle write faults",
       head + "cattle:\n  write_error: 1.5\nhosts: [{name: h1, profile: vm}]\n", 5,
       "cattle.write_error: must be a probability"},
      {"cattle write faults add up",
       head + "cattle: {write_error: 0.6, write_timeout: 0.6}\n"
              "hosts: [{name: h1, profile: vm}]\n",
       4, "together they can be at most 1"},
      {"duplicate key", head + "  vm: {}\nhosts: [{name: h1, profile: vm}]\n", 4,
       "duplicate key 'vm'"},
      {"second document", head + "hosts: [{name: h1, profile: vm}]\n---\nname: u\n", 6,
       "one YAML document"},
      {"top level list", "- a\n- b\n", 1, "expected a mapping"},
  };
  for (const auto& c : cases) {
    const ScenarioError e = load_error(c.text);
    EXPECT_EQ(e.file, "bad.yaml") << c.what;
    EXPECT_EQ(e.line, c.line) << c.what << ": " << e.what();
    EXPECT_GT(e.column, 0) << c.what << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos)
        << c.what << ": " << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("bad.yaml:" + std::to_string(c.line) + ":", 0), 0u)
        << c.what << ": " << e.what();
  }
}

TEST(ScenarioYaml, ReAddingAHostAfterItsRemovalIsValid) {
  const ScenarioSpec s = load_scenario_string(
      "name: t\nprofiles: {vm: {}}\nhosts: [{name: h1, profile: vm}]\nevents:\n"
      "  - {at: 1m, remove_host: h1}\n  - {at: 1m, add_host: h1, profile: vm}\n"
      "  - {at: 2m, crash: h1, for: 5s}\n",
      "readd.yaml");
  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[2].kind, EventKind::AddHost);
}

// A host deleted in Cattle leaves its machine running: the machine's own
// faults (a crash, a partition, its replica, its death) still apply to it.
TEST(ScenarioYaml, AMachineWhoseHostWasDeletedKeepsItsFaults) {
  const ScenarioSpec s = load_scenario_string(
      "name: t\nprofiles: {vm: {}}\ncattle: {write_error: 0.1, write_timeout: 0.05}\n"
      "hosts: [{name: h1, profile: vm}, {name: h2, profile: vm}]\nevents:\n"
      "  - {at: 1m, delete_host: h1}\n  - {at: 2m, crash: h1, for: 5s}\n"
      "  - {at: 2m, partition: [h1, h2], for: 5s}\n  - {at: 2m, metadata_stall: h1, for: 5s}\n"
      "  - {at: 3m, machine_dies: h1}\n",
      "deleted.yaml");
  EXPECT_EQ(s.events.size(), 7u);
  EXPECT_DOUBLE_EQ(s.cattle.write_error_p, 0.1);
  EXPECT_DOUBLE_EQ(s.cattle.write_timeout_p, 0.05);
  EXPECT_EQ(load_scenario_string(to_yaml(s), "again.yaml"), s);
}

TEST(ScenarioYaml, MissingFileIsAScenarioErrorWithoutALine) {
  try {
    load_scenario_file("/nonexistent/dir/x.yaml");
    FAIL() << "expected a ScenarioError";
  } catch (const ScenarioError& e) {
    EXPECT_EQ(e.file, "/nonexistent/dir/x.yaml");
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/dir/x.yaml: ", 0), 0u) << e.what();
  }
  EXPECT_THROW(load_scenario_file("/tmp"), ScenarioError);
}

TEST(ScenarioYaml, LoadsFromAFile) {
  const std::string path = ::testing::TempDir() + "scenario_yaml_test_full.yaml";
  {
    std::ofstream out(path);
    out << kFullExample;
  }
  const ScenarioSpec s = load_scenario_file(path);
  EXPECT_EQ(s.file, path);
  EXPECT_EQ(s, load_scenario_string(kFullExample, "other"));
}

ScenarioSpec rich_spec() {
  ScenarioSpec s;
  s.name = "rich: a \"quoted\" name";
  s.description = "First line.\n\n  indented # not a comment\nlast: line\n";
  s.seed = std::numeric_limits<std::uint64_t>::max();
  s.policy = "fixed";
  s.duration_ns = 90 * kMinute + 1;
  s.liveness_bound_ns = 2500 * kMillisecond;
  s.swarm.manager_scale = 5;
  s.swarm.registration_delay = Distribution::exponential(3, 7 * kMicrosecond);
  s.swarm.removed_node_sees_error = false;
  s.swarm.grace_min_node_age_ns = 0;
  s.recovery = RecoverySpec{20 * kMinute + 1, 3 * kMinute, 2500 * kMillisecond};
  LinkClassSpec wan = link("edge wan");
  wan.latency = Distribution::lognormal(kMillisecond, 20 * kMillisecond, 0.1);
  wan.loss = 0.1;
  wan.duplicate = 1e-9;
  wan.reorder = 1.0 / 3.0;
  wan.reorder_delay = Distribution::uniform(0, 5 * kMillisecond);
  s.links = {link("lan"), wan};
  // A profile and a host literally called "null", and an agent that
  // registers the override "null": all must survive the trip through YAML.
  ProfileSpec odd = profile("null", "edge wan");
  odd.arch = Arch::Aarch64;
  odd.cpu_factor = 4.25;
  odd.hostname_style = HostnameStyle::SharedDefault;
  odd.domain = "home.arpa";
  odd.agent_hostname = AgentHostnameRule::Override;
  odd.hostname_override = "null";
  odd.metadata_lag = Distribution::lognormal(0, kSecond, 1.5);
  odd.metadata_empty_p = 0.05;
  odd.agent_startup = Distribution::uniform(20 * kSecond, 40 * kSecond);
  odd.busy_after_join = Distribution::exponential(0, 12 * kSecond);
  odd.clock_skew_ns = -1234567;
  ProfileSpec no_name = profile("true");
  no_name.agent_hostname = AgentHostnameRule::Null;
  s.profiles = {profile("x86-vm"), odd, no_name};
  s.events = {add_host(0, "manager-1", "x86-vm"), add_host(0, "null", "null"),
              add_host(0, "PI 2", "true"), add_host(kSecond, "~", "null")};
  EventSpec cut = event(2 * kMinute, EventKind::Partition, "", kMinute);
  cut.hosts = {"PI 2", "~"};
  s.events.push_back(cut);
  s.events.push_back(event(3 * kMinute, EventKind::Crash, "null", 1));
  s.events.push_back(event(3 * kMinute, EventKind::RemoveHost, "null"));
  s.events.push_back(add_host(3 * kMinute, "null", "x86-vm"));  // re-added, another profile
  s.events.push_back(event(4 * kMinute, EventKind::MetadataStall, "null", kHour));
  s.events.push_back(event(4 * kMinute, EventKind::MetadataEmpty, "manager-1", 10 * kSecond));
  return s;
}

TEST(ScenarioYaml, ToYamlRoundTripsARichSpec) {
  const ScenarioSpec s = rich_spec();
  ASSERT_EQ(validate(s), "");
  const std::string text = to_yaml(s);
  const ScenarioSpec back = load_scenario_string(text, "roundtrip.yaml");
  EXPECT_EQ(back, s) << text;
  EXPECT_EQ(to_yaml(back), text);
  // Self-describing: every key is written, even defaults.
  for (const char* key :
       {"removed_node_sees_error:", "fixed_max_removals_per_pass:", "hostname_override:",
        "clock_skew:", "reorder_delay:", "write_error:", "write_timeout:"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
  EXPECT_NE(text.find("agent_hostname: \"null\""), std::string::npos) << text;
  EXPECT_NE(text.find("duration: 5400000000001ns"), std::string::npos) << text;
}

// The recovery property needs some of the run to hold over, and its keys
// are checked like any other block's.
TEST(ScenarioYaml, RecoveryIsValidatedAgainstTheRunsEnd) {
  const std::string head =
      "name: t\nduration: 10m\nprofiles:\n  vm: {}\nhosts: [{name: h1, profile: vm}]\n";
  const ScenarioSpec ok =
      load_scenario_string(head + "recovery: {from: 2m, within: 1m, latency: 1s}\n", "t.yaml");
  ASSERT_TRUE(ok.recovery);
  EXPECT_EQ(ok.recovery->from_ns, 2 * kMinute);
  EXPECT_EQ(ok.recovery->within_ns, kMinute);
  EXPECT_EQ(ok.recovery->latency_ns, kSecond);
  EXPECT_FALSE(load_scenario_string(head, "t.yaml").recovery);
  auto error = [&](const std::string& tail) -> std::string {
    try {
      load_scenario_string(head + tail, "t.yaml");
    } catch (const ScenarioError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error("recovery: {from: 8m, within: 5m}\n").find("nothing would be checked"),
            std::string::npos);
  EXPECT_NE(error("recovery: {from: 1m, latency: 0s}\n").find("recovery.latency"),
            std::string::npos);
  EXPECT_NE(error("recovery: {form: 1m}\n").find("unknown key 'form'"), std::string::npos);
}

TEST(ScenarioYaml, DescriptionsOfAnyShapeRoundTrip) {
  ScenarioSpec s = rich_spec();
  const std::vector<std::string> descriptions = {"",
                                                 "one line",
                                                 "two\nlines",
                                                 "ends with newline\n",
                                                 "two newlines\n\n",
                                                 "\nleading newline",
                                                 " leading space\nx",
                                                 "trailing space \ny",
                                                 "tab\tinside\nand\ttabs",
                                                 "cr\r\nlf",
                                                 "null",
                                                 "- dash",
                                                 "# hash",
                                                 "quote \" and backslash \\",
                                                 "unicode: h\xc3\xa9llo \xe2\x9c\x93",
                                                 "a\n---\nb\n...\n",
                                                 "\n"};
  for (const std::string& d : descriptions) {
    s.description = d;
    const std::string text = to_yaml(s);
    ScenarioSpec back;
    try {
      back = load_scenario_string(text, "d.yaml");
    } catch (const ScenarioError& e) {
      ADD_FAILURE() << e.what() << "\n" << text;
      continue;
    }
    EXPECT_EQ(back.description, d) << text;
  }
}

TEST(ScenarioYaml, GarbageNeverThrowsAnythingButScenarioError) {
  const std::vector<std::string> inputs = {
      "",
      " ",
      "\n\n",
      "[]",
      "{}",
      ": :",
      "---",
      "...",
      "~",
      "null",
      "42",
      "- - -",
      "{",
      "}",
      "[",
      "\"",
      "'",
      "&a [*a]",
      "*nope",
      "!!binary AAAA",
      "%YAML 9.9\n---\na: 1",
      "\t",
      "name:",
      "name: [a]",
      "name: x\nhosts: 5",
      "name: x\nhosts: [5]",
      "name: x\nevents: {}",
      "name: x\nprofiles: [a]",
      "name: x\nlinks: {a: 5}",
      "? [a]\n: b",
      "name: x\n? {a: 1}\n: 2",
      std::string("\0\x01\x02\xff\xfe", 5),
      "\xef\xbb\xbfname: bom",
      std::string("\xff\xfe\x00n\x00", 5),  // UTF-16 with its BOM
      std::string(2000, '['),
      std::string(2000, '{'),
      "a: &x {b: *x}",
      "name: *x",
      "name: t\nprofiles: {vm: {}}\nhosts: [{name: h, profile: vm, at: -1s}]",
      "name: t\nprofiles: {vm: {metadata_lag: {uniform: [{}, []]}}}",
  };
  for (const auto& text : inputs) {
    try {
      load_scenario_string(text, "garbage.yaml");
      ADD_FAILURE() << "garbage loaded: " << text;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.file, "garbage.yaml");
      EXPECT_GE(e.line, 1) << e.what();
    } catch (...) {
      ADD_FAILURE() << "not a ScenarioError for: " << text;
    }
  }
}

TEST(ScenarioYaml, MutatedFilesLoadOrFailCleanly) {
  // Deterministic single-byte mutations of a valid file: each must load or
  // fail with a ScenarioError, and whatever loads must round-trip.
  const std::string original = kFullExample;
  const std::string alphabet = "{}[]:,-#&*!|>'\"%@` \n\t0aZ.~?";
  std::uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  int loaded = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = original;
    for (int k = 0; k < 1 + static_cast<int>(next() % 3); ++k) {
      const std::size_t at = next() % text.size();
      switch (next() % 3) {
        case 0:
          text[at] = alphabet[next() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + next() % 4);
          break;
        default:
          text.insert(at, 1, alphabet[next() % alphabet.size()]);
      }
    }
    try {
      const ScenarioSpec s = load_scenario_string(text, "mutant.yaml");
      ++loaded;
      EXPECT_EQ(load_scenario_string(to_yaml(s), "again.yaml"), s) << text;
    } catch (const ScenarioError& e) {
      EXPECT_GE(e.line, 1) << e.what();
    } catch (...) {
      ADD_FAILURE() << "not a ScenarioError for:\n" << text;
    }
  }
  EXPECT_GT(loaded, 0);
}

TEST(ScenarioYaml, EnumNamesMatchTheSchema) {
  EXPECT_STREQ(to_string(Arch::Aarch64), "aarch64");
  EXPECT_STREQ(to_string(HostnameStyle::SharedDefault), "shared_default");
  EXPECT_STREQ(to_string(AgentHostnameRule::Null), "null");
  EXPECT_STREQ(to_string(EventKind::MetadataEmpty), "metadata_empty");
  // Plain and quoted null both select the Null rule.
  for (const char* value : {"null", "\"null\"", "'null'", "~"}) {
    const ScenarioSpec s =
        load_scenario_string("name: t\nprofiles:\n  vm: {agent_hostname: " + std::string(value) +
                                 "}\nhosts: [{name: h, profile: vm}]\n",
                             "n.yaml");
    EXPECT_EQ(s.profiles[0].agent_hostname, AgentHostnameRule::Null) << value;
  }
}

TEST(ScenarioValidate, GeneratedEventsAreNamedByIndex) {
  ScenarioSpec s = rich_spec();
  s.events.push_back(event(kHour, EventKind::Crash, "ghost", kSecond));
  EXPECT_EQ(validate(s).rfind("events[10]: crash 'ghost'", 0), 0u) << validate(s);
  s.events.back().line = 42;
  EXPECT_EQ(validate(s).rfind("line 42: crash 'ghost'", 0), 0u) << validate(s);
  s.events.pop_back();
  s.events.push_back(add_host(0, "late", "x86-vm"));
  EXPECT_NE(validate(s).find("must be sorted by time"), std::string::npos) << validate(s);
}

}  // namespace
}  // namespace swarmsim::sim

namespace swarmsim::sim {
namespace {

// Host groups: a fleet is a few lines. Names follow the pattern in order,
// arrivals stay inside their window (uniform), or follow one another from
// `at` (Poisson), and the draws come from the file's seed alone.
TEST(HostGroups, ExpandIntoNamedArrivalsDrawnFromTheFileSeed) {
  const std::string text = R"(
name: fleet
seed: 7
profiles: {vm: {arch: x86_64}, pi: {arch: aarch64}}
hosts:
  - {name: manager-1, profile: vm, at: 0s}
  - {count: 200, name: "pi-{i:03}", profile: pi, over: [1m, 31m]}
  - {count: 50, name: "late{i}.edge", profile: pi, at: 40m, per_minute: 10}
  - {count: 3, name: "core-{i}", profile: vm, at: 5s}
)";
  const ScenarioSpec s = load_scenario_string(text, "fleet.yaml");
  std::vector<const EventSpec*> pis, late, core;
  for (const auto& e : s.events) {
    ASSERT_EQ(e.kind, EventKind::AddHost);
    if (e.host.rfind("pi-", 0) == 0) pis.push_back(&e);
    if (e.host.rfind("late", 0) == 0) late.push_back(&e);
    if (e.host.rfind("core-", 0) == 0) core.push_back(&e);
  }
  ASSERT_EQ(pis.size(), 200u);
  ASSERT_EQ(late.size(), 50u);
  ASSERT_EQ(core.size(), 3u);
  EXPECT_EQ(pis.front()->host, "pi-001");
  EXPECT_EQ(pis.back()->host, "pi-200");
  for (const auto* e : pis) {
    EXPECT_GE(e->at_ns, 1 * kMinute);
    EXPECT_LE(e->at_ns, 31 * kMinute);
  }
  EXPECT_NE(pis.front()->at_ns, pis.back()->at_ns) << "uniform draws, not one instant";
  for (const auto* e : core) EXPECT_EQ(e->at_ns, 5 * kSecond);
  EXPECT_EQ(late.front()->host, "late1.edge");
  for (std::size_t i = 1; i < late.size(); ++i) EXPECT_GE(late[i]->at_ns, late[i - 1]->at_ns);
  EXPECT_GT(late.front()->at_ns, 40 * kMinute);
  // 50 arrivals at 10 a minute take about five minutes.
  EXPECT_GT(late.back()->at_ns - 40 * kMinute, 2 * kMinute);
  EXPECT_LT(late.back()->at_ns - 40 * kMinute, 10 * kMinute);
  // Same file, same fleet; another file seed, another draw.
  const ScenarioSpec again = load_scenario_string(text, "fleet.yaml");
  EXPECT_EQ(again.events, s.events);
  std::string other = text;
  other.replace(other.find("seed: 7"), 7, "seed: 8");
  const ScenarioSpec reseeded = load_scenario_string(other, "fleet.yaml");
  EXPECT_NE(reseeded.events, s.events);
}

TEST(HostGroups, AHundredThousandHostsLoad) {
  const ScenarioSpec s = load_scenario_string(R"(
name: big
profiles: {pi: {arch: aarch64}}
hosts:
  - {count: 100000, name: "pi-{i}", profile: pi, over: [0s, 30m]}
)",
                                              "big.yaml");
  EXPECT_EQ(s.events.size(), 100000u);
}

}  // namespace
}  // namespace swarmsim::sim
