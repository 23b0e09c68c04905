// Every JUnit file the CLI writes (run, check, gate; passing, failing,
// skipped) must validate against the Jenkins xunit schema (junit-10.xsd)
// and the Ant one kept in tests/schemas/, as the CI systems that read them
// would check them. A report a CI rejects is as bad as no report.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "check/properties.hpp"
#include "cli/commands.hpp"

using namespace swarmsim::cli;
namespace fs = std::filesystem;

namespace {

std::string source(const std::string& relative) {
  return std::string(SWARMSIM_SOURCE_DIR) + "/" + relative;
}

std::string temp(const std::string& name) {
  return (fs::temp_directory_path() / ("swarmsim-junit-cli-" + name)).string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Runs `command` with stdout and stderr captured (and dropped).
template <typename Fn>
int quietly(Fn command) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = command();
  testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  return code;
}

void expect_valid(const std::string& file) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  ASSERT_TRUE(fs::exists(file)) << file;
  for (const char* schema : {"tests/schemas/junit-10.xsd", "tests/schemas/ant-junit.xsd"}) {
    const std::string command =
        "xmllint --noout --schema '" + source(schema) + "' '" + file + "' >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << file << " fails " << schema << ":\n"
                                               << slurp(file);
  }
}

}  // namespace

TEST(JunitFromTheCli, RunReportsValidateWhetherRunsPassOrFail) {
  for (const char* policy : {"legacy", "fixed"}) {
    RunArgs a;
    a.file = source("scenarios/incident-2017.yaml");
    a.policy = policy;
    a.seeds = "1..3";
    a.junit = temp(std::string("run-") + policy + ".xml");
    quietly([&] { return command_run(a); });
    expect_valid(a.junit);
  }
}

TEST(JunitFromTheCli, CheckReportsValidateAndSkipWhatWasNotChecked) {
  CheckArgs a;
  a.policy = "legacy";
  a.cases = 500;
  a.quiet = true;
  a.out = temp("check-counterexample.yaml");
  a.junit = temp("check-legacy.xml");
  EXPECT_EQ(quietly([&] { return command_check(a); }), kExitSafety);
  expect_valid(a.junit);
  const std::string xml = slurp(a.junit);
  // The check stopped at the first failure: the other properties were not
  // checked on every case and must not be reported as passed.
  EXPECT_NE(xml.find("<failure"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"cleanup under legacy\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("500 cases\""), std::string::npos) << "no counts in test names";

  CheckArgs one;
  one.policy = "fixed";
  one.cases = 20;
  one.quiet = true;
  one.property = "determinism";
  one.junit = temp("check-fixed-one.xml");
  EXPECT_EQ(quietly([&] { return command_check(one); }), kExitPass);
  expect_valid(one.junit);
  const std::string only = slurp(one.junit);
  // Every property fixed is held to but the one asked for.
  const auto skipped = swarmsim::check::properties_for("fixed").size() - 1;
  EXPECT_NE(only.find("skipped=\"" + std::to_string(skipped) + "\""), std::string::npos) << only;
}

TEST(JunitFromTheCli, GateReportsValidateAndNameEveryScenarioAndPolicy) {
  GateArgs a;
  a.paths = {source("tests/regression/legacy-dotted-pi-hostname.yaml"),
             source("scenarios/mechanisms")};
  a.cases = 30;
  a.quiet = true;
  a.junit = temp("gate.xml");
  EXPECT_EQ(quietly([&] { return command_gate(a); }), kExitPass);
  expect_valid(a.junit);
  const std::string xml = slurp(a.junit);
  EXPECT_NE(xml.find("legacy-dotted-pi-hostname.yaml [legacy]"), std::string::npos) << xml;
  EXPECT_NE(xml.find("nat-address-go-rewrite.yaml [go-rewrite]"), std::string::npos) << xml;
  EXPECT_NE(xml.find("the check finds the legacy race"), std::string::npos) << xml;
}

TEST(JunitFromTheCli, GateFailsAndNamesAScenarioWhoseExpectLineIsWrong) {
  const std::string text = slurp(source("tests/regression/legacy-dotted-pi-hostname.yaml"));
  const std::string broken_file = temp("broken-expect.yaml");
  std::string broken = text;
  const auto at = broken.find("# expect: legacy=safety");
  ASSERT_NE(at, std::string::npos);
  broken.replace(at, 23, "# expect: legacy=pass  ");
  std::ofstream(broken_file) << broken;

  GateArgs a;
  a.paths = {broken_file};
  a.cases = 30;
  a.quiet = true;
  a.junit = temp("gate-broken.xml");
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  const int code = command_gate(a);
  const std::string out = testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("FAIL  " + broken_file + " [legacy]  -- expected pass, got safety"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("replay: swarmsim run " + broken_file + " --policy legacy --seed 1"),
            std::string::npos)
      << out;
  expect_valid(a.junit);

  // A corpus file without an expect line is an error of the corpus (65).
  const std::string bare = temp("no-expect.yaml");
  std::ofstream(bare) << "name: t\nprofiles:\n  vm: {}\nhosts:\n  - {name: h1, profile: vm}\n";
  a.paths = {bare};
  EXPECT_EQ(quietly([&] { return command_gate(a); }), kExitBadInput);
  expect_valid(a.junit);
}
