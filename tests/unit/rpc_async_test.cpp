// RpcSim::call_async: an exchange whose server answers later (a queue, a
// leader behind a follower) replies when the answer is given, times out
// when it is not given in time, drops a late answer, and gives its slot back.
#include <gtest/gtest.h>

#include <optional>

#include "sim/rpc_sim.hpp"

namespace swarmsim::sim {
namespace {

struct TwoEnds {
  TwoEnds() : network(kernel, 1, {link()}), rpc(kernel, network) {
    a = network.add_endpoint("a", "lan");
    b = network.add_endpoint("b", "lan");
  }
  static LinkClassSpec link() {
    LinkClassSpec l;
    l.name = "lan";
    l.latency = Distribution::constant(kMillisecond);
    return l;
  }
  void run() {
    while (kernel.step()) {
    }
  }
  Kernel kernel;
  NetworkSim network;
  RpcSim rpc;
  EndpointId a = 0, b = 0;
};

TEST(RpcAsync, TheReplyLeavesWhenTheServerAnswers) {
  TwoEnds t;
  std::optional<model::Response> got;
  Instant got_at = 0;
  t.rpc.call_async(
      t.a, t.b,
      [&](const RpcSim::Answer& answer) {
        t.kernel.schedule_after(3 * kSecond, [answer] { answer(model::Ok{}); });
      },
      [&](model::Response r) {
        got = std::move(r);
        got_at = t.kernel.now();
      },
      10 * kSecond);
  t.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(std::holds_alternative<model::Ok>(*got));
  // 2 ms each way across both access links, plus the server's 3 s.
  EXPECT_EQ(got_at, 3 * kSecond + 4 * kMillisecond);
  EXPECT_EQ(t.rpc.in_flight(), 0u);
}

TEST(RpcAsync, AServerSlowerThanTheTimeOutTimesOutAndItsAnswerIsDropped) {
  TwoEnds t;
  int replies = 0;
  std::optional<model::Response> got;
  t.rpc.call_async(
      t.a, t.b,
      [&](const RpcSim::Answer& answer) {
        t.kernel.schedule_after(30 * kSecond, [answer] { answer(model::Ok{}); });
      },
      [&](model::Response r) {
        ++replies;
        got = std::move(r);
      },
      10 * kSecond);
  t.run();
  EXPECT_EQ(replies, 1) << "the caller hears once: the time-out, not the late answer";
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(*got));
  EXPECT_EQ(std::get<model::ApiError>(*got).status, 0);
  EXPECT_EQ(t.rpc.in_flight(), 0u) << "the slot is given back once the late answer came";
}

TEST(RpcAsync, AnAnswerGivenAtOnceNeedsNoTimer) {
  TwoEnds t;
  int replies = 0;
  t.rpc.call_async(
      t.a, t.b, [](const RpcSim::Answer& answer) { answer(model::Ok{}); },
      [&](const model::Response&) { ++replies; }, 10 * kSecond);
  t.run();
  EXPECT_EQ(replies, 1);
  EXPECT_EQ(t.kernel.events_run(), 2u) << "the request's and the reply's arrivals, nothing else";
}

}  // namespace
}  // namespace swarmsim::sim
