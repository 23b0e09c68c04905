// The command line as CI and engineers use it: exit codes, and what a bad
// scenario file says.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/suggest.hpp"
#include "sim/scenario_yaml.hpp"

using namespace swarmsim;
using namespace swarmsim::cli;

namespace {

std::string source(const std::string& relative) {
  return std::string(SWARMSIM_SOURCE_DIR) + "/" + relative;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << content;
  return path.string();
}

RunArgs run_args(const std::string& file) {
  RunArgs a;
  a.file = file;
  a.json = true;
  return a;
}

}  // namespace

TEST(Cli, TheIncidentExitsOneForASafetyViolation) {
  testing::internal::CaptureStdout();
  const int code = command_run(run_args(source("scenarios/incident-2017.yaml")));
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, kExitSafety);
  EXPECT_NE(out.find("\"result\": \"safety\""), std::string::npos);
  EXPECT_NE(out.find("\"digest\""), std::string::npos);
}

TEST(Cli, TheIncidentUnderTheFixedPolicyExitsZero) {
  RunArgs a = run_args(source("scenarios/incident-2017.yaml"));
  a.policy = "fixed";
  testing::internal::CaptureStdout();
  EXPECT_EQ(command_run(a), kExitPass);
  testing::internal::GetCapturedStdout();
}

TEST(Cli, AScenarioWithATypeErrorExits65NamingFileAndLine) {
  const std::string file = temp_file("swarmsim-type-error.yaml",
                                     "name: bad\n"
                                     "swarm:\n"
                                     "  manager_scale: many\n"
                                     "profiles:\n"
                                     "  vm: {}\n"
                                     "hosts:\n"
                                     "  - {name: a, profile: vm}\n");
  testing::internal::CaptureStderr();
  const int code = command_run(run_args(file));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, kExitBadInput);
  EXPECT_NE(err.find(file + ":3:"), std::string::npos) << err;
  EXPECT_NE(err.find("manager_scale"), std::string::npos) << err;
}

TEST(Cli, AMissingFileExits65) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_run(run_args("/nonexistent/scenario.yaml")), kExitBadInput);
  testing::internal::GetCapturedStderr();
}

TEST(Cli, AnUnknownPolicyIsAUsageError) {
  RunArgs a = run_args(source("scenarios/incident-2017.yaml"));
  a.policy = "optimistic";
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_run(a), kExitUsage);
  testing::internal::GetCapturedStderr();
}

TEST(Cli, ASeedRangeMustBeWellFormedAndBounded) {
  auto range = [](const std::string& s) {
    const auto parsed = parse_seed_range(s);
    const auto* r = std::get_if<SeedRange>(&parsed);
    return r ? std::make_pair(r->first, r->last) : std::make_pair(std::uint64_t{0}, std::uint64_t{0});
  };
  auto refused = [](const std::string& s) {
    return std::holds_alternative<std::string>(parse_seed_range(s));
  };
  EXPECT_EQ(range("1..200"), std::make_pair(std::uint64_t{1}, std::uint64_t{200}));
  EXPECT_EQ(range("7"), std::make_pair(std::uint64_t{7}, std::uint64_t{7}));
  EXPECT_EQ(range("18446744073709551615"),
            std::make_pair(std::uint64_t{18446744073709551615u}, std::uint64_t{18446744073709551615u}));
  EXPECT_EQ(range("18446744073709551610..18446744073709551615"),
            std::make_pair(std::uint64_t{18446744073709551610u}, std::uint64_t{18446744073709551615u}));
  for (const char* bad : {"200..1", "1..x", "..3", "-1..3", "1..", "", "1...3", " 1..3",
                          "18446744073709551616", "1..18446744073709551616", "0..18446744073709551615",
                          "1..100000000", "1..1000001"}) {
    EXPECT_TRUE(refused(bad)) << bad;
  }
  EXPECT_FALSE(refused("1..1000000"));
  EXPECT_NE(std::get<std::string>(parse_seed_range("1..100000000")).find("at most 1000000"),
            std::string::npos);
}

TEST(Cli, CheckUnderLegacyWritesAReplayableCounterexampleAndExitsOne) {
  CheckArgs a;
  a.policy = "legacy";
  a.cases = 2000;
  a.seed = 1;
  a.json = true;
  a.quiet = true;
  a.out = (std::filesystem::temp_directory_path() / "swarmsim-cli-counterexample.yaml").string();
  std::filesystem::remove(a.out);
  testing::internal::CaptureStdout();
  const int code = command_check(a);
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, kExitSafety);
  EXPECT_NE(out.find("\"found\": true"), std::string::npos) << out;
  ASSERT_TRUE(std::filesystem::exists(a.out));
  // `swarmsim run` on the written file: 1 under legacy, 0 under fixed.
  testing::internal::CaptureStdout();
  EXPECT_EQ(command_run(run_args(a.out)), kExitSafety);
  RunArgs fixed = run_args(a.out);
  fixed.policy = "fixed";
  EXPECT_EQ(command_run(fixed), kExitPass);
  testing::internal::GetCapturedStdout();
}

TEST(Cli, JunitReportIsWrittenWhole) {
  RunArgs a = run_args(source("scenarios/incident-2017.yaml"));
  a.json = false;
  a.seeds = "1..3";
  a.junit = (std::filesystem::temp_directory_path() / "swarmsim-junit.xml").string();
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_run(a), kExitSafety);
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  std::ifstream in(a.junit);
  const std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("tests=\"3\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("failures=\"3\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"incident-2017 policy=legacy seed=2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("replay: swarmsim run"), std::string::npos) << xml;
  EXPECT_NE(xml.find("</testsuites>"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(a.junit + ".tmp"));
}

TEST(Cli, TraceOutWritesChromeTraceJsonWithNodeLifetimes) {
  RunArgs a = run_args(source("scenarios/incident-2017.yaml"));
  a.json = false;
  a.keep_going = true;
  a.trace_out = (std::filesystem::temp_directory_path() / "swarmsim-trace.json").string();
  testing::internal::CaptureStdout();
  EXPECT_EQ(command_run(a), kExitSafety);
  testing::internal::GetCapturedStdout();
  std::ifstream in(a.trace_out);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(json.rfind("{\"traceEvents\":[", 0), 0u);
  // Each evicted Pi node is a slice that ends with its removal.
  EXPECT_NE(json.find("\"ph\":\"X\""), std::string::npos);
  EXPECT_NE(json.find("\"end\":\"removed\""), std::string::npos);
  EXPECT_NE(json.find("\"name\":\"pi1\""), std::string::npos) << "a track named after the host";
}

TEST(Cli, SweepWritesAChartAndCsvAndRefusesAnUnknownPath) {
  SweepArgs a;
  a.file = source("scenarios/stale-metadata.yaml");
  a.vary = "profiles.manager-vm.metadata_lag.lognormal";
  a.values = {"1s", "60s"};
  a.seeds = "1..20";
  a.policies = "legacy,fixed";
  a.html = (std::filesystem::temp_directory_path() / "swarmsim-sweep.html").string();
  a.csv = (std::filesystem::temp_directory_path() / "swarmsim-sweep.csv").string();
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_sweep(a), kExitPass);
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  std::ifstream html_in(a.html), csv_in(a.csv);
  const std::string html((std::istreambuf_iterator<char>(html_in)), std::istreambuf_iterator<char>());
  const std::string csv((std::istreambuf_iterator<char>(csv_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("legacy"), std::string::npos);
  EXPECT_NE(csv.find("1s,legacy,20,0,0,0,0.00"), std::string::npos) << csv;  // no lag: no eviction
  EXPECT_NE(csv.find("60s,fixed,20,0,"), std::string::npos) << csv;        // fixed never evicts

  a.vary = "profiles.no-such-profile.metadata_lag";
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_sweep(a), kExitUsage);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("no-such-profile"), std::string::npos);
  a.vary = "swarm.loop_interval";
  a.values = {"soon"};
  testing::internal::CaptureStderr();
  EXPECT_EQ(command_sweep(a), kExitBadInput);
  testing::internal::GetCapturedStderr();
}

TEST(Cli, ParallelSeedRunsPrintExactlyWhatOneThreadPrints) {
  auto output = [](int jobs) {
    RunArgs a = run_args(source("scenarios/stale-metadata.yaml"));
    a.seeds = "1..40";
    a.jobs = jobs;
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    const int code = command_run(a);
    std::string out = testing::internal::GetCapturedStdout();
    testing::internal::GetCapturedStderr();
    return std::make_pair(code, out);
  };
  const auto one = output(1);
  const auto two = output(2);
  EXPECT_EQ(one.first, two.first);
  EXPECT_EQ(one.second, two.second);
  EXPECT_NE(one.second.find("\"seed\": 40"), std::string::npos);
}

TEST(Cli, MistypedWordsGetTheClosestKnownOne) {
  const std::vector<std::string> subcommands = {"run", "compare", "sweep", "check", "gate"};
  EXPECT_EQ(closest("rn", subcommands), "run");
  EXPECT_EQ(closest("chekc", subcommands), "check");
  EXPECT_EQ(closest("comapre", subcommands), "compare");
  EXPECT_EQ(closest("gaet", subcommands), "gate");
  EXPECT_EQ(closest("frobnicate", subcommands), std::nullopt);
  EXPECT_EQ(closest("", subcommands), std::nullopt);
  EXPECT_EQ(closest(std::string(1000, 'r'), subcommands), std::nullopt);
  const std::vector<std::string> options = {"--seed", "--seeds", "--policy", "--junit"};
  EXPECT_EQ(closest("--sed", options), "--seed");
  EXPECT_EQ(closest("--polciy", options), "--policy");
  EXPECT_EQ(closest("--junti", options), "--junit");
}

TEST(Cli, VerboseTimelinesShowFailedRepliesAndJsonCountsThem) {
  RunArgs a = run_args(source("scenarios/mechanisms/empty-metadata.yaml"));
  a.json = false;
  a.verbose = true;
  testing::internal::CaptureStdout();
  command_run(a);
  const std::string text = testing::internal::GetCapturedStdout();
  EXPECT_NE(text.find("call-failed"), std::string::npos) << text;
  EXPECT_NE(text.find("metadata /hosts -> empty body"), std::string::npos) << text;
  a.json = true;
  testing::internal::CaptureStdout();
  command_run(a);
  const auto j = nlohmann::json::parse(testing::internal::GetCapturedStdout());
  EXPECT_GT(j.at("failed_calls").get<int>(), 0);
}

TEST(Cli, CompareExitsWithTheWorstVerdictOfAllRuns) {
  CompareArgs a;
  a.files = {source("scenarios/incident-2017.yaml")};
  a.seeds = "1..3";
  a.policies = "legacy,fixed";  // legacy evicts; the last policy listed does not
  testing::internal::CaptureStdout();
  EXPECT_EQ(command_compare(a), kExitSafety);
  a.policies = "fixed";
  EXPECT_EQ(command_compare(a), kExitPass);
  testing::internal::GetCapturedStdout();
}
