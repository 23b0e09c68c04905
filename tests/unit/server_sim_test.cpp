// ServerSim: processor sharing and first come, first served against the
// answers queueing theory gives by hand, the bounded queue, the background
// load, deadlines, restarts and the statistics.
#include "sim/server_sim.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "sim/capacity.hpp"

namespace swarmsim::sim {
namespace {

struct Bench {
  Kernel kernel;
  std::vector<Instant> done_at;
  std::function<void()> record() {
    return [this] { done_at.push_back(kernel.now()); };
  }
  void run() {
    while (kernel.step()) {
    }
  }
};

ServerSim ps(Kernel& k, int cores, std::size_t limit = 100) {
  return ServerSim(k, "ps", cores, limit, Discipline::ProcessorSharing, {"a", "b"});
}

TEST(ServerSim, ProcessorSharingSplitsOneCoreEvenly) {
  Bench b;
  ServerSim s = ps(b.kernel, 1);
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  b.run();
  // Each gets half the core: both finish at 2 s, not at 1 s and 2 s.
  EXPECT_EQ(b.done_at, (std::vector<Instant>{2 * kSecond, 2 * kSecond}));
}

TEST(ServerSim, ProcessorSharingLetsShortRequestsThrough) {
  Bench b;
  ServerSim s = ps(b.kernel, 1);
  std::vector<int> order;
  ASSERT_TRUE(s.submit(0, 2 * kSecond, 0, [&] { order.push_back(2); }));
  ASSERT_TRUE(s.submit(1, kSecond, 0, [&] { order.push_back(1); }));
  b.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_EQ(b.kernel.now(), 3 * kSecond) << "one core did 3 s of work";
}

TEST(ServerSim, ProcessorSharingUsesEveryCoreButNoMoreThanOnePerRequest) {
  Bench b;
  ServerSim s = ps(b.kernel, 2);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  b.run();
  // Three requests on two cores: each advances at 2/3, all done at 1.5 s.
  ASSERT_EQ(b.done_at.size(), 3u);
  for (Instant t : b.done_at) EXPECT_NEAR(static_cast<double>(t), 1.5e9, 2.0);
  Bench c;
  ServerSim one = ps(c.kernel, 4);
  ASSERT_TRUE(one.submit(0, kSecond, 0, c.record()));
  c.run();
  EXPECT_EQ(c.done_at, (std::vector<Instant>{kSecond})) << "one request cannot use four cores";
}

TEST(ServerSim, BackgroundLoadTakesItsShareFirst) {
  Bench b;
  ServerSim s = ps(b.kernel, 1);
  s.set_background(0.5);
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  b.run();
  EXPECT_EQ(b.done_at, (std::vector<Instant>{2 * kSecond}));
  EXPECT_NEAR(s.stats().utilisation(), 1.0, 1e-9) << "half requests, half background";
  EXPECT_NEAR(s.stats().background_utilisation(), 0.5, 1e-9);
  s.set_background(1.0);
  EXPECT_EQ(s.expected_latency(kMillisecond), ServerSim::kNever)
      << "a server whose background takes every core answers nothing";
}

TEST(ServerSim, FifoWorkersServeInOrder) {
  Bench b;
  ServerSim s(b.kernel, "fifo", 1, 10, Discipline::Fifo, {"a"});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  EXPECT_EQ(s.expected_latency(kSecond), 4 * kSecond) << "one served, two waiting, then itself";
  b.run();
  EXPECT_EQ(b.done_at, (std::vector<Instant>{kSecond, 2 * kSecond, 3 * kSecond}));
  const auto& st = s.stats();
  EXPECT_EQ(st.classes[0].served, 3u);
  // Latencies 1, 2 and 3 s: the median is 2 s within the histogram's 9%.
  EXPECT_NEAR(static_cast<double>(st.classes[0].latency.quantile(0.5)), 2e9, 0.1 * 2e9);
  EXPECT_NEAR(st.mean_in_server(), 2.0, 1e-9) << "3, 2, then 1 request for a second each";
}

TEST(ServerSim, AFullServerRefusesAtOnce) {
  Bench b;
  ServerSim s = ps(b.kernel, 1, 2);
  EXPECT_TRUE(s.submit(0, kSecond, 0, b.record()));
  EXPECT_TRUE(s.submit(0, kSecond, 0, b.record()));
  EXPECT_TRUE(s.full());
  EXPECT_FALSE(s.submit(1, kSecond, 0, b.record()));
  b.run();
  EXPECT_EQ(b.done_at.size(), 2u) << "a refused request is never served";
  EXPECT_EQ(s.stats().classes[1].refused, 1u);
  EXPECT_EQ(s.stats().peak_in_server, 2u);
}

TEST(ServerSim, WorkPastItsDeadlineIsStillDoneAndCountedLate) {
  Bench b;
  ServerSim s = ps(b.kernel, 1);
  ASSERT_TRUE(s.submit(0, 2 * kSecond, kSecond, b.record()));
  b.run();
  EXPECT_EQ(b.done_at, (std::vector<Instant>{2 * kSecond}));
  EXPECT_EQ(s.stats().classes[0].late, 1u);
}

TEST(ServerSim, ARestartDropsEverythingInTheServer) {
  Bench b;
  ServerSim s = ps(b.kernel, 1);
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  ASSERT_TRUE(s.submit(1, kSecond, 0, b.record()));
  b.kernel.run_until(kSecond / 2);
  s.restart();
  EXPECT_EQ(s.in_server(), 0u);
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  b.run();
  EXPECT_EQ(b.done_at, (std::vector<Instant>{kSecond / 2 + kSecond}))
      << "only the request made after the restart is answered, at full speed";
  EXPECT_EQ(s.stats().classes[0].dropped + s.stats().classes[1].dropped, 2u);
}

TEST(ServerSim, UtilisationIsBusyCoresOverCores) {
  Bench b;
  ServerSim s = ps(b.kernel, 2);
  ASSERT_TRUE(s.submit(0, kSecond, 0, b.record()));
  b.kernel.run_until(4 * kSecond);
  EXPECT_NEAR(s.stats().utilisation(), 1.0 / 8.0, 1e-9) << "one core of two for 1 s of 4";
}

TEST(LatencyHistogram, QuantilesWithinABucket) {
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.add(i * kMillisecond);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 500e6, 0.1 * 500e6);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 990e6, 0.1 * 990e6);
  EXPECT_EQ(h.max(), kSecond);
  EXPECT_EQ(LatencyHistogram().quantile(0.99), 0);
}

TEST(LeaderCapacity, HeartbeatsAreARateAndADeafLeaderIsSeen) {
  Kernel k;
  LeaderSpec spec;
  spec.cores = 1;
  spec.queue_limit = 3;
  LeaderCapacity cap(k, spec, 5 * kSecond, "");
  cap.set_heartbeating_nodes(1000);  // 200 a second at 30 us: 0.6% of a core
  EXPECT_NEAR(cap.cpu().background(), 0.006, 1e-9);
  EXPECT_FALSE(cap.deaf());
  for (int i = 0; i < 3; ++i) cap.cpu().submit(0, kSecond, 0, nullptr);
  EXPECT_TRUE(cap.deaf()) << "a full leader refuses heartbeats";
  cap.leader_changed();
  EXPECT_FALSE(cap.deaf()) << "a new leader starts empty";
  cap.set_heartbeating_nodes(200'000);  // 40,000 a second at 30 us: more than a core
  EXPECT_TRUE(cap.deaf()) << "heartbeats alone can take every core";
}

TEST(LeaderCapacity, ARemovalCostsMoreAsTheBlacklistGrows) {
  Kernel k;
  LeaderSpec spec;
  spec.remembered_removals = 10'000;
  LeaderCapacity cap(k, spec, 5 * kSecond, "");
  const auto small = cap.cost_of(model::RemoveNode{"x", true}, 10);
  ASSERT_TRUE(small.has_value());
  spec.remembered_removals = 40'000;
  LeaderCapacity big(k, spec, 5 * kSecond, "");
  EXPECT_GT(big.cost_of(model::RemoveNode{"x", true}, 10)->work, small->work);
  EXPECT_FALSE(big.removal_too_large());
  spec.remembered_removals = spec.raft_max_bytes / spec.removal_entry_bytes;
  EXPECT_TRUE(LeaderCapacity(k, spec, 5 * kSecond, "").removal_too_large());
  EXPECT_FALSE(cap.cost_of(model::GetInfo{}, 10).has_value()) << "/info is the local engine's";
}

}  // namespace
}  // namespace swarmsim::sim
