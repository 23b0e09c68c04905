// How the trace prints durations: to the millisecond, in the units a
// scenario file uses, so "for 0s" can no longer stand for a 500 ms partition.
#include "sim/trace.hpp"

#include <gtest/gtest.h>

#include <limits>

using namespace swarmsim;
using swarmsim::sim::format_duration_ms;

TEST(Trace, DurationsPrintToTheMillisecond) {
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_duration_ms(400 * kMicrosecond), "0ms");
  EXPECT_EQ(format_duration_ms(500 * kMicrosecond), "1ms");  // half rounds away from zero
  EXPECT_EQ(format_duration_ms(500 * kMillisecond), "500ms");
  EXPECT_EQ(format_duration_ms(999 * kMillisecond + 600 * kMicrosecond), "1s");
  EXPECT_EQ(format_duration_ms(1500 * kMillisecond), "1.5s");
  EXPECT_EQ(format_duration_ms(20 * kSecond), "20s");
  EXPECT_EQ(format_duration_ms(90 * kSecond), "1m30s");
  EXPECT_EQ(format_duration_ms(kHour + 5250 * kMillisecond), "1h0m5.25s");
  EXPECT_EQ(format_duration_ms(-1500 * kMillisecond), "-1.5s");
  EXPECT_EQ(format_duration_ms(-400 * kMicrosecond), "0ms");
  EXPECT_EQ(format_duration_ms(std::numeric_limits<Duration>::min()), "-2562047h47m16.855s");
  EXPECT_EQ(format_duration_ms(std::numeric_limits<Duration>::max()), "2562047h47m16.855s");
}

TEST(Trace, CountsEventsPerKind) {
  sim::Trace t(false);
  t.record(0, sim::TraceKind::MonCallFailed, "h", "", "x");
  t.record(1, sim::TraceKind::MonCall, "h", "", "y");
  t.record(2, sim::TraceKind::MonCallFailed, "h", "", "z");
  EXPECT_EQ(t.count(), 3u);
  EXPECT_EQ(t.count(sim::TraceKind::MonCallFailed), 2u);
  EXPECT_EQ(t.count(sim::TraceKind::NodeReady), 0u);
  EXPECT_TRUE(t.events().empty());
}
