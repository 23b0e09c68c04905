// Unit tests for NetworkSim: per-link latency, loss, duplication, reordering,
// partitions (both at send time and for messages in flight), topology
// listeners, stats and determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/network_sim.hpp"

namespace swarmsim::sim {
namespace {

LinkClassSpec uniform_link(const std::string& name, Duration lo, Duration hi) {
  LinkClassSpec s;
  s.name = name;
  s.latency = Distribution::uniform(lo, hi);
  return s;
}

LinkClassSpec constant_link(const std::string& name, Duration latency) {
  LinkClassSpec s;
  s.name = name;
  s.latency = Distribution::constant(latency);
  return s;
}

TEST(NetworkSim, DeliveryDelayIsWithinSumOfBothLinkLatencies) {
  Kernel k;
  const Duration a = 1 * kMillisecond, b = 3 * kMillisecond;
  const Duration c = 20 * kMillisecond, d = 50 * kMillisecond;
  NetworkSim net(k, 1, {uniform_link("lan", a, b), uniform_link("wan", c, d)});
  const EndpointId server = net.add_endpoint("server", "lan");
  const EndpointId pi = net.add_endpoint("pi1", "wan");
  constexpr int kSends = 2000;
  std::vector<Duration> delays;
  for (int i = 0; i < kSends; ++i) {
    const Instant sent = k.now();
    const EndpointId from = i % 2 ? server : pi;
    const EndpointId to = i % 2 ? pi : server;
    net.send(from, to, [&delays, &k, sent] { delays.push_back(k.now() - sent); });
    k.run_until(k.now() + kSecond);
  }
  ASSERT_EQ(delays.size(), static_cast<std::size_t>(kSends));
  Duration lo = delays.front(), hi = delays.front();
  for (Duration x : delays) {
    ASSERT_GE(x, a + c);
    ASSERT_LE(x, b + d);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  // The draws really are random: they cover most of the allowed band.
  EXPECT_LT(lo, a + c + 5 * kMillisecond);
  EXPECT_GT(hi, b + d - 5 * kMillisecond);
}

TEST(NetworkSim, DrawDelayIsWithinBothLinksAndZeroToSelf) {
  Kernel k;
  NetworkSim net(k, 2, {uniform_link("lan", 10, 20), uniform_link("wan", 100, 200)});
  const EndpointId x = net.add_endpoint("x", "lan");
  const EndpointId y = net.add_endpoint("y", "wan");
  for (int i = 0; i < 500; ++i) {
    const Duration dl = net.draw_delay(x, y);
    ASSERT_GE(dl, 110);
    ASSERT_LE(dl, 220);
  }
  EXPECT_EQ(net.draw_delay(x, x), 0);
}

TEST(NetworkSim, AddEndpointOnUnknownLinkClassThrows) {
  Kernel k;
  NetworkSim net(k, 3, {constant_link("lan", kMillisecond)});
  EXPECT_THROW(net.add_endpoint("x", "nope"), std::invalid_argument);
  EXPECT_EQ(net.endpoint_name(net.add_endpoint("x", "lan")), "x");
}

TEST(NetworkSim, LossOneDropsEverything) {
  Kernel k;
  LinkClassSpec lossy = constant_link("lossy", kMillisecond);
  lossy.loss = 1.0;
  NetworkSim net(k, 4, {lossy, constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lossy");
  const EndpointId b = net.add_endpoint("b", "lan");
  int delivered = 0;
  for (int i = 0; i < 500; ++i) {
    net.send(a, b, [&] { ++delivered; });
    net.send(b, a, [&] { ++delivered; });
  }
  k.run_until(kMinute);
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(net.stats().sent, 1000u);
  EXPECT_EQ(net.stats().lost, 1000u);
  EXPECT_EQ(net.stats().delivered, 0u);
}

TEST(NetworkSim, LossZeroDropsNothing) {
  Kernel k;
  NetworkSim net(k, 5, {uniform_link("lan", kMillisecond, 9 * kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lan");
  const EndpointId b = net.add_endpoint("b", "lan");
  int delivered = 0;
  for (int i = 0; i < 1000; ++i) net.send(a, b, [&] { ++delivered; });
  k.run_until(kMinute);
  EXPECT_EQ(delivered, 1000);
  EXPECT_EQ(net.stats().lost, 0u);
  EXPECT_EQ(net.stats().delivered, 1000u);
}

TEST(NetworkSim, PartialLossDropsRoughlyThatFraction) {
  Kernel k;
  LinkClassSpec lossy = constant_link("lossy", kMillisecond);
  lossy.loss = 0.2;
  NetworkSim net(k, 6, {lossy, constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lossy");
  const EndpointId b = net.add_endpoint("b", "lan");
  int delivered = 0;
  constexpr int kSends = 20000;
  for (int i = 0; i < kSends; ++i) net.send(a, b, [&] { ++delivered; });
  k.run_until(kMinute);
  EXPECT_NEAR(static_cast<double>(delivered) / kSends, 0.8, 0.02);
  EXPECT_EQ(net.stats().lost + net.stats().delivered, static_cast<std::uint64_t>(kSends));
}

TEST(NetworkSim, DuplicateOneDeliversExactlyTwice) {
  Kernel k;
  LinkClassSpec dup = uniform_link("dup", kMillisecond, 5 * kMillisecond);
  dup.duplicate = 1.0;
  NetworkSim net(k, 7, {dup, constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "dup");
  const EndpointId b = net.add_endpoint("b", "lan");
  constexpr int kSends = 200;
  std::vector<int> copies(kSends, 0);
  for (int i = 0; i < kSends; ++i) net.send(a, b, [&copies, i] { ++copies[i]; });
  k.run_until(kMinute);
  for (int i = 0; i < kSends; ++i) EXPECT_EQ(copies[i], 2) << "message " << i;
  EXPECT_EQ(net.stats().duplicated, static_cast<std::uint64_t>(kSends));
  EXPECT_EQ(net.stats().delivered, static_cast<std::uint64_t>(2 * kSends));
}

TEST(NetworkSim, ReorderLetsALaterMessageOvertakeAnEarlierOne) {
  Kernel k;
  LinkClassSpec flaky = constant_link("flaky", kMillisecond);
  flaky.reorder = 0.3;
  flaky.reorder_delay = Distribution::constant(kSecond);
  NetworkSim net(k, 8, {flaky});
  const EndpointId a = net.add_endpoint("a", "flaky");
  const EndpointId b = net.add_endpoint("b", "flaky");
  std::vector<int> arrival;
  constexpr int kSends = 500;
  for (int i = 0; i < kSends; ++i) {
    net.send(a, b, [&arrival, i] { arrival.push_back(i); });
    k.run_until(k.now() + 10 * kMillisecond);  // sends are 10ms apart, in order
  }
  k.run_until(k.now() + kMinute);
  ASSERT_EQ(arrival.size(), static_cast<std::size_t>(kSends));
  int overtakes = 0;
  for (std::size_t i = 1; i < arrival.size(); ++i) overtakes += arrival[i] < arrival[i - 1];
  EXPECT_GT(overtakes, 0);
  EXPECT_GT(net.stats().reordered, 0u);
}

// The header promises that each access link can hold a message back, like
// loss and duplication, which are drawn on both links: a reordering edge link
// must reorder traffic towards its endpoint too, not only traffic from it.
TEST(NetworkSim, ReorderOnTheReceiversLinkAlsoHoldsMessagesBack) {
  Kernel k;
  LinkClassSpec flaky = constant_link("flaky", kMillisecond);
  flaky.reorder = 1.0;
  flaky.reorder_delay = Distribution::constant(kSecond);
  NetworkSim net(k, 16, {constant_link("lan", kMillisecond), flaky});
  const EndpointId server = net.add_endpoint("server", "lan");
  const EndpointId pi = net.add_endpoint("pi", "flaky");
  Instant sent = 0, arrived = -1;
  k.run_until(kSecond);
  sent = k.now();
  net.send(server, pi, [&] { arrived = k.now(); });
  k.run_until(kMinute);
  EXPECT_EQ(net.stats().reordered, 1u);
  EXPECT_GE(arrived - sent, kSecond + 2 * kMillisecond);
}

TEST(NetworkSim, WithoutReorderEqualConstantLatencyKeepsOrder) {
  Kernel k;
  NetworkSim net(k, 9, {constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lan");
  const EndpointId b = net.add_endpoint("b", "lan");
  std::vector<int> arrival;
  for (int i = 0; i < 100; ++i) net.send(a, b, [&arrival, i] { arrival.push_back(i); });
  k.run_until(kSecond);
  ASSERT_EQ(arrival.size(), 100u);
  EXPECT_TRUE(std::is_sorted(arrival.begin(), arrival.end()));
  EXPECT_EQ(net.stats().reordered, 0u);
}

TEST(NetworkSim, PartitionIsolatesTheSideBothWaysAndHealRestores) {
  Kernel k;
  NetworkSim net(k, 10, {constant_link("lan", kMillisecond)});
  const EndpointId server = net.add_endpoint("server", "lan");
  const EndpointId pi1 = net.add_endpoint("pi1", "lan");
  const EndpointId pi2 = net.add_endpoint("pi2", "lan");
  const EndpointId vm = net.add_endpoint("vm", "lan");
  ASSERT_TRUE(net.connected(server, pi1));

  const auto p = net.start_partition({pi1, pi2});
  EXPECT_FALSE(net.connected(server, pi1));
  EXPECT_FALSE(net.connected(pi1, server));
  EXPECT_FALSE(net.connected(vm, pi2));
  EXPECT_TRUE(net.connected(pi1, pi2));
  EXPECT_TRUE(net.connected(server, vm));
  EXPECT_TRUE(net.connected(pi1, pi1));

  int cross = 0, same_inside = 0, same_outside = 0;
  net.send(server, pi1, [&] { ++cross; });
  net.send(pi1, server, [&] { ++cross; });
  net.send(pi2, vm, [&] { ++cross; });
  net.send(pi1, pi2, [&] { ++same_inside; });
  net.send(server, vm, [&] { ++same_outside; });
  k.run_until(k.now() + kSecond);
  EXPECT_EQ(cross, 0);
  EXPECT_EQ(same_inside, 1);
  EXPECT_EQ(same_outside, 1);
  EXPECT_EQ(net.stats().cut, 3u);

  net.heal_partition(p);
  EXPECT_TRUE(net.connected(server, pi1));
  EXPECT_TRUE(net.connected(pi2, vm));
  net.send(server, pi1, [&] { ++cross; });
  net.send(pi1, server, [&] { ++cross; });
  k.run_until(k.now() + kSecond);
  EXPECT_EQ(cross, 2);
}

TEST(NetworkSim, OverlappingPartitionsHealIndependently) {
  Kernel k;
  NetworkSim net(k, 11, {constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lan");
  const EndpointId b = net.add_endpoint("b", "lan");
  const EndpointId c = net.add_endpoint("c", "lan");
  const auto p1 = net.start_partition({a});
  const auto p2 = net.start_partition({b});
  EXPECT_NE(p1, p2);
  EXPECT_FALSE(net.connected(a, c));
  EXPECT_FALSE(net.connected(b, c));
  net.heal_partition(p1);
  EXPECT_TRUE(net.connected(a, c));
  EXPECT_FALSE(net.connected(b, c));
  EXPECT_FALSE(net.connected(a, b));
  net.heal_partition(p2);
  EXPECT_TRUE(net.connected(a, b));
}

TEST(NetworkSim, MessageInFlightWhenPartitionStartsIsDropped) {
  Kernel k;
  NetworkSim net(k, 12, {constant_link("lan", 10 * kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lan");
  const EndpointId b = net.add_endpoint("b", "lan");
  int delivered = 0;
  net.send(a, b, [&] { ++delivered; });  // arrives at 20ms
  k.run_until(5 * kMillisecond);
  net.start_partition({b});
  k.run_until(kSecond);
  EXPECT_EQ(delivered, 0);
  EXPECT_EQ(net.stats().cut, 1u);
  EXPECT_EQ(net.stats().delivered, 0u);
}

TEST(NetworkSim, TopologyListenersFireOnStartAndHeal) {
  Kernel k;
  NetworkSim net(k, 13, {constant_link("lan", kMillisecond)});
  const EndpointId a = net.add_endpoint("a", "lan");
  net.add_endpoint("b", "lan");
  int first = 0, second = 0;
  std::vector<bool> a_isolated_seen;
  net.on_topology_change([&] { ++first; });
  net.on_topology_change([&] {
    ++second;
    a_isolated_seen.push_back(!net.connected(a, 1));
  });
  const auto p = net.start_partition({a});
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  net.heal_partition(p);
  EXPECT_EQ(first, 2);
  EXPECT_EQ(second, 2);
  // Listeners see the topology after the change.
  EXPECT_EQ(a_isolated_seen, (std::vector<bool>{true, false}));
}

TEST(NetworkSim, StatsCountEveryOutcome) {
  Kernel k;
  LinkClassSpec dup = constant_link("dup", kMillisecond);
  dup.duplicate = 1.0;
  LinkClassSpec lossy = constant_link("lossy", kMillisecond);
  lossy.loss = 1.0;
  NetworkSim net(k, 14, {constant_link("lan", kMillisecond), dup, lossy});
  const EndpointId a = net.add_endpoint("a", "lan");
  const EndpointId b = net.add_endpoint("b", "lan");
  const EndpointId d = net.add_endpoint("d", "dup");
  const EndpointId l = net.add_endpoint("l", "lossy");
  const EndpointId cut = net.add_endpoint("cut", "lan");
  net.start_partition({cut});
  auto noop = [] {};
  net.send(a, b, noop);    // delivered once
  net.send(a, d, noop);    // duplicated: delivered twice
  net.send(a, l, noop);    // lost
  net.send(a, cut, noop);  // cut at send time
  k.run_until(kSecond);
  const NetworkStats& s = net.stats();
  EXPECT_EQ(s.sent, 4u);
  EXPECT_EQ(s.delivered, 3u);
  EXPECT_EQ(s.duplicated, 1u);
  EXPECT_EQ(s.lost, 1u);
  EXPECT_EQ(s.cut, 1u);
  EXPECT_EQ(s.reordered, 0u);
}

TEST(NetworkSim, SendToSelfIsImmediateAndImmuneToLinkFaults) {
  Kernel k;
  LinkClassSpec bad = uniform_link("bad", kMillisecond, 2 * kMillisecond);
  bad.loss = 1.0;
  bad.duplicate = 1.0;
  NetworkSim net(k, 15, {bad});
  const EndpointId a = net.add_endpoint("a", "bad");
  k.run_until(100);
  Instant at = -1;
  int n = 0;
  net.send(a, a, [&] {
    at = k.now();
    ++n;
  });
  k.run_until(kSecond);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(at, 100);
}

std::vector<std::pair<int, Instant>> run_traffic(std::uint64_t seed) {
  Kernel k;
  LinkClassSpec lan = uniform_link("lan", kMillisecond, 4 * kMillisecond);
  LinkClassSpec wan = uniform_link("wan", 20 * kMillisecond, 80 * kMillisecond);
  wan.loss = 0.1;
  wan.duplicate = 0.05;
  wan.reorder = 0.1;
  wan.reorder_delay = Distribution::exponential(0, 100 * kMillisecond);
  NetworkSim net(k, seed, {lan, wan});
  const EndpointId s = net.add_endpoint("server", "lan");
  const EndpointId p1 = net.add_endpoint("pi1", "wan");
  const EndpointId p2 = net.add_endpoint("pi2", "wan");
  std::vector<std::pair<int, Instant>> log;
  for (int i = 0; i < 300; ++i) {
    const EndpointId from = i % 3 == 0 ? s : (i % 3 == 1 ? p1 : p2);
    const EndpointId to = i % 3 == 0 ? p1 : s;
    net.send(from, to, [&log, &k, i] { log.emplace_back(i, k.now()); });
    k.run_until(k.now() + 7 * kMillisecond);
  }
  k.run_until(k.now() + kMinute);
  return log;
}

TEST(NetworkSim, SameSeedSameSendsGiveIdenticalDeliveries) {
  const auto first = run_traffic(42);
  const auto second = run_traffic(42);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first, second);
}

TEST(NetworkSim, DifferentSeedsGiveDifferentDeliveries) {
  EXPECT_NE(run_traffic(42), run_traffic(43));
}

}  // namespace
}  // namespace swarmsim::sim
