// Unit tests for the discrete-event kernel: ordering by (time, insertion
// sequence), clamping of past times, cancellable timers, run_until and stop.
#include "sim/kernel.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace swarmsim::sim {
namespace {

TEST(Kernel, EventsRunInTimeOrder) {
  Kernel k;
  std::vector<int> order;
  k.schedule_at(30, [&] { order.push_back(30); });
  k.schedule_at(10, [&] { order.push_back(10); });
  k.schedule_at(20, [&] { order.push_back(20); });
  std::vector<Instant> seen;
  while (k.step()) seen.push_back(k.now());
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(seen, (std::vector<Instant>{10, 20, 30}));
}

TEST(Kernel, TiesRunInSchedulingOrder) {
  Kernel k;
  std::vector<int> order;
  for (int i = 0; i < 10; ++i) k.schedule_at(5, [&order, i] { order.push_back(i); });
  k.run_until(5);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Kernel, EventScheduledInsideCallbackForNowRunsAfterAlreadyQueuedTies) {
  Kernel k;
  std::vector<std::string> order;
  k.schedule_at(7, [&] {
    order.push_back("a");
    // Same instant, scheduled later: must run after "b", which was queued first.
    k.schedule_at(7, [&] { order.push_back("c"); });
    k.schedule_after(0, [&] { order.push_back("d"); });
  });
  k.schedule_at(7, [&] { order.push_back("b"); });
  k.schedule_at(8, [&] { order.push_back("e"); });
  k.run_until(100);
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

TEST(Kernel, SchedulingInThePastIsClampedToNow) {
  Kernel k;
  k.run_until(100);
  ASSERT_EQ(k.now(), 100);
  Instant ran_at = -1;
  k.schedule_at(40, [&] { ran_at = k.now(); });
  k.schedule_after(-50, [] {});
  ASSERT_TRUE(k.step());
  EXPECT_EQ(ran_at, 100);
  ASSERT_TRUE(k.step());
  EXPECT_EQ(k.now(), 100);
}

TEST(Kernel, PastEventRunsAfterEarlierScheduledEventAtNow) {
  Kernel k;
  k.run_until(50);
  std::vector<int> order;
  k.schedule_at(50, [&] { order.push_back(1); });
  k.schedule_at(0, [&] { order.push_back(2); });  // clamped to 50, later sequence
  k.run_until(50);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(Kernel, CancelPendingTimerPreventsItAndReturnsTrue) {
  Kernel k;
  bool ran = false;
  bool other_ran = false;
  const TimerId id = k.schedule_at(10, [&] { ran = true; });
  k.schedule_at(20, [&] { other_ran = true; });
  EXPECT_TRUE(k.pending(id));
  EXPECT_TRUE(k.cancel(id));
  EXPECT_FALSE(k.pending(id));
  k.run_until(100);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(other_ran);
  EXPECT_EQ(k.events_run(), 1u);
}

TEST(Kernel, CancelTwiceReturnsFalseTheSecondTime) {
  Kernel k;
  const TimerId id = k.schedule_after(10, [] {});
  EXPECT_TRUE(k.cancel(id));
  EXPECT_FALSE(k.cancel(id));
}

TEST(Kernel, CancelOfAlreadyRunTimerReturnsFalse) {
  Kernel k;
  int runs = 0;
  const TimerId id = k.schedule_after(10, [&] { ++runs; });
  k.run_until(10);
  ASSERT_EQ(runs, 1);
  EXPECT_FALSE(k.pending(id));
  EXPECT_FALSE(k.cancel(id));
}

TEST(Kernel, CancelOfUnknownIdReturnsFalse) {
  Kernel k;
  EXPECT_FALSE(k.cancel(12345));
  EXPECT_FALSE(k.pending(12345));
}

TEST(Kernel, CancelFromInsideAnEarlierCallbackPreventsLaterTimer) {
  Kernel k;
  bool later_ran = false;
  const TimerId later = k.schedule_at(20, [&] { later_ran = true; });
  bool cancelled = false;
  k.schedule_at(10, [&] { cancelled = k.cancel(later); });
  k.run_until(30);
  EXPECT_TRUE(cancelled);
  EXPECT_FALSE(later_ran);
}

TEST(Kernel, PendingIsTrueUntilTheTimerRuns) {
  Kernel k;
  const TimerId a = k.schedule_at(10, [] {});
  const TimerId b = k.schedule_at(20, [] {});
  EXPECT_TRUE(k.pending(a));
  EXPECT_TRUE(k.pending(b));
  k.run_until(15);
  EXPECT_FALSE(k.pending(a));
  EXPECT_TRUE(k.pending(b));
}

TEST(Kernel, RunUntilRunsEventsAtOrBeforeLimitAndAdvancesClock) {
  Kernel k;
  std::vector<Instant> ran;
  for (Instant t : {5, 10, 11, 50}) k.schedule_at(t, [&ran, &k] { ran.push_back(k.now()); });
  k.run_until(10);
  EXPECT_EQ(ran, (std::vector<Instant>{5, 10}));
  EXPECT_EQ(k.now(), 10);
  k.run_until(20);
  EXPECT_EQ(ran, (std::vector<Instant>{5, 10, 11}));
  EXPECT_EQ(k.now(), 20);
  EXPECT_EQ(k.queued(), 1u);
  k.run_until(50);
  EXPECT_EQ(ran, (std::vector<Instant>{5, 10, 11, 50}));
  EXPECT_EQ(k.queued(), 0u);
}

TEST(Kernel, RunUntilOnEmptyQueueAdvancesClock) {
  Kernel k;
  k.run_until(1234);
  EXPECT_EQ(k.now(), 1234);
  EXPECT_EQ(k.events_run(), 0u);
}

TEST(Kernel, RunUntilRunsEventsScheduledDuringTheRunWithinTheLimit) {
  Kernel k;
  std::vector<Instant> ran;
  k.schedule_at(10, [&] {
    ran.push_back(k.now());
    k.schedule_after(5, [&] { ran.push_back(k.now()); });   // 15: inside the window
    k.schedule_after(50, [&] { ran.push_back(k.now()); });  // 60: outside
  });
  k.run_until(20);
  EXPECT_EQ(ran, (std::vector<Instant>{10, 15}));
  EXPECT_EQ(k.now(), 20);
  EXPECT_EQ(k.queued(), 1u);
}

TEST(Kernel, RequestStopEndsRunUntilAfterTheCurrentEvent) {
  Kernel k;
  std::vector<int> ran;
  k.schedule_at(10, [&] { ran.push_back(1); });
  k.schedule_at(20, [&] {
    ran.push_back(2);
    k.request_stop();
  });
  k.schedule_at(20, [&] { ran.push_back(3); });
  k.schedule_at(30, [&] { ran.push_back(4); });
  k.run_until(100);
  EXPECT_TRUE(k.stop_requested());
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  // The clock stays at the stopping event, not at the requested limit.
  EXPECT_EQ(k.now(), 20);
  EXPECT_EQ(k.events_run(), 2u);
}

TEST(Kernel, EventsRunCountsOnlyExecutedEvents) {
  Kernel k;
  EXPECT_EQ(k.events_run(), 0u);
  for (int i = 0; i < 5; ++i) k.schedule_at(i, [] {});
  const TimerId c = k.schedule_at(3, [] {});
  k.cancel(c);
  k.run_until(2);
  EXPECT_EQ(k.events_run(), 3u);
  k.run_until(10);
  EXPECT_EQ(k.events_run(), 5u);
}

TEST(Kernel, StepReturnsFalseOnEmptyOrAllCancelledQueue) {
  Kernel k;
  EXPECT_FALSE(k.step());
  const TimerId id = k.schedule_at(5, [] {});
  k.cancel(id);
  EXPECT_FALSE(k.step());
  EXPECT_EQ(k.now(), 0);
  EXPECT_EQ(k.events_run(), 0u);
}

TEST(Kernel, TimerIdsAreDistinct) {
  Kernel k;
  const TimerId a = k.schedule_at(1, [] {});
  const TimerId b = k.schedule_at(1, [] {});
  EXPECT_NE(a, b);
  EXPECT_TRUE(k.cancel(a));
  EXPECT_TRUE(k.pending(b));
}

}  // namespace
}  // namespace swarmsim::sim
