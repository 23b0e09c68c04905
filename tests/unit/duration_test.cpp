// The one duration parser (model/duration.hpp): scenario files, study grids
// and swarmkit-mon's --loop-interval read durations the same way.
#include "model/duration.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace swarmsim {
namespace {

Duration ok(std::string_view text) {
  const auto d = parse_duration(text, false, 720 * kHour);
  EXPECT_TRUE(std::holds_alternative<Duration>(d)) << text;
  return std::holds_alternative<Duration>(d) ? std::get<Duration>(d) : -1;
}

TEST(Duration, CompoundAndDecimalTextsMeanTheSameInstantEverywhere) {
  EXPECT_EQ(ok("30s"), 30 * kSecond);
  EXPECT_EQ(ok("1m30s"), 90 * kSecond);
  EXPECT_EQ(ok("1h"), kHour);
  EXPECT_EQ(ok("1.5m"), 90 * kSecond);
  EXPECT_EQ(ok("2h0m5.5s"), 2 * kHour + 5500 * kMillisecond);
  EXPECT_EQ(ok("250ms"), 250 * kMillisecond);
  EXPECT_EQ(ok("0"), 0);
  EXPECT_EQ(format_duration(90 * kSecond), "90s");
  EXPECT_EQ(format_duration(kHour), "1h");
}

TEST(Duration, BadTextsSayWhetherTheyAreMalformedOrTooLong) {
  for (const char* bad : {"", "30", "s", "1s1m", "1m1m", "1.s", "-5s", "1 s", "5d"}) {
    const auto d = parse_duration(bad, false, 720 * kHour);
    ASSERT_TRUE(std::holds_alternative<DurationProblem>(d)) << "'" << bad << "'";
    EXPECT_EQ(std::get<DurationProblem>(d), DurationProblem::Malformed) << bad;
  }
  EXPECT_EQ(std::get<DurationProblem>(parse_duration("721h", false, 720 * kHour)),
            DurationProblem::TooLong);
  EXPECT_EQ(std::get<Duration>(parse_duration("-5s", true, kHour)), -5 * kSecond);
}

int swarmkit_mon(const std::string& args, std::string* err) {
  const std::string cmd = std::string(SWARMKIT_MON_BINARY) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[512];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) *err += buf;
  const int status = p == nullptr ? -1 : ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Duration, SwarmkitMonsLoopIntervalIsReadByTheSameParser) {
  for (const char* bad : {"30", "1m1m", "0s", "25h"}) {
    std::string err;
    EXPECT_EQ(swarmkit_mon(std::string("--loop-interval ") + bad, &err), 64) << bad;
    EXPECT_NE(err.find("--loop-interval"), std::string::npos) << err;
  }
}

}  // namespace
}  // namespace swarmsim
