// Every field of every JSON document the CLI prints is documented in
// reports/README.md, and every document carries the schema version: a field
// a script cannot look up is a field nobody can rely on.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli/commands.hpp"
#include "reports/version.hpp"

using namespace swarmsim::cli;

namespace {

std::string source(const std::string& relative) {
  return std::string(SWARMSIM_SOURCE_DIR) + "/" + relative;
}

template <typename Fn>
nlohmann::json json_of(Fn command) {
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  command();
  const std::string out = testing::internal::GetCapturedStdout();
  testing::internal::GetCapturedStderr();
  return nlohmann::json::parse(out);
}

// Field paths as the README writes them (`violations[].kind`),
// recursively. The objects of `run --seeds` under `runs[]` are one-seed runs,
// documented once. The keys of maps that hold data (host names, tags,
// profile names, API requests) are values, not fields.
void collect_fields(const nlohmann::json& j, const std::string& prefix,
                    std::set<std::string>& out) {
  if (j.is_array()) {
    for (const auto& e : j) collect_fields(e, prefix + "[]", out);
  } else if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      const std::string path = prefix == "runs[]" ? key : prefix.empty() ? key : prefix + "." + key;
      out.insert(path);
      static const std::set<std::string> data_keyed{"joins_by_host",
                                                    "distribution",
                                                    "inconclusive_causes",
                                                    "time_to_ready_s",
                                                    "time_to_ready_s_by_profile",
                                                    "leader_calls_per_s",
                                                    "classes"};
      if (!data_keyed.contains(key)) collect_fields(value, path, out);
    }
  }
}

void expect_documented(const nlohmann::json& doc, const std::string& command) {
  EXPECT_EQ(doc.at("schema_version"), swarmsim::reports::kJsonSchemaVersion);
  EXPECT_EQ(doc.at("swarmsim_version"), std::string(swarmsim::reports::kVersion));
  EXPECT_EQ(doc.at("command"), command);
  std::ifstream in(source("reports/README.md"));
  const std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> fields;
  collect_fields(doc, "", fields);
  for (const auto& f : fields)
    EXPECT_NE(readme.find("`" + f + "`"), std::string::npos)
        << command << ": field '" << f << "' is not documented in reports/README.md";
}

}  // namespace

TEST(JsonFields, RunDocumentsEveryField) {
  RunArgs a;
  a.file = source("scenarios/incident-2017.yaml");
  a.json = true;
  expect_documented(json_of([&] { return command_run(a); }), "run");
  a.seeds = "1..3";
  expect_documented(json_of([&] { return command_run(a); }), "run");
}

TEST(JsonFields, CheckDocumentsEveryField) {
  CheckArgs a;
  a.policy = "legacy";
  a.cases = 200;
  a.json = true;
  a.quiet = true;
  a.out = (std::filesystem::temp_directory_path() / "swarmsim-json-fields.yaml").string();
  expect_documented(json_of([&] { return command_check(a); }), "check");
}

TEST(JsonFields, GateDocumentsEveryField) {
  GateArgs a;
  a.paths = {source("tests/regression/legacy-dotted-pi-hostname.yaml")};
  a.cases = 20;
  a.json = true;
  a.quiet = true;
  expect_documented(json_of([&] { return command_gate(a); }), "gate");
}
