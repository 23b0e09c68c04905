// RpcSim: a request and its reply across the simulated network, as TCP
// would carry them.
//
// Models: the request and the reply are messages on the network; a copy
// lost, or cut by a partition, is sent again after a retransmission time-out
// that doubles (200 ms, 400 ms, ...), so loss costs time; a duplicate is
// served once; the exchange fails with a time-out only when the network
// stays cut for longer than the caller's time-out. The simulator stands in
// for the ACK: it knows whether a copy arrived.
// Faults it injects: none of its own; the network's loss, duplication,
// reordering and partitions shape every exchange.
// Left out: connection set-up, congestion, a server that is slow to answer
// (serving takes no time).
//
// Exchanges live in a pool and the events of an exchange name it by index,
// so that an exchange costs no allocation beyond the caller's two
// callbacks: a busy fleet makes millions of them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "model/io.hpp"
#include "sim/kernel.hpp"
#include "sim/network_sim.hpp"

namespace swarmsim::sim {

class RpcSim {
 public:
  static constexpr Duration kRetransmitTimeoutNs = 200 * kMillisecond;

  RpcSim(Kernel& kernel, NetworkSim& network) : kernel_(kernel), network_(network) {}

  // `serve` runs at `to`, once, when the first copy of the request arrives;
  // `on_reply` runs at `from` with its answer, or with ApiError{0,
  // "timeout"} once `timeout` has passed without one.
  void call(EndpointId from, EndpointId to, std::function<model::Response()> serve,
            std::function<void(model::Response)> on_reply, Duration timeout);

  // Exchanges under way (for tests: none are leaked).
  std::size_t in_flight() const { return pool_.size() - free_.size(); }

 private:
  enum class Step : std::uint8_t { Timeout, RequestArrives, RequestRetry, ReplyArrives, ReplyRetry };
  struct Exchange {
    EndpointId from = 0, to = 0;
    std::function<model::Response()> serve;
    std::function<void(model::Response)> on_reply;
    std::optional<model::Response> response;
    bool request_arrived = false, done = false;
    TimerId timeout = 0;
    Duration request_rto = 0, reply_rto = 0;  // the next retransmission's time-out
    int pending = 0;                           // events of this exchange still queued
  };
  TimerId schedule(std::uint32_t x, Duration after, Step step);
  void fire(std::uint32_t x, Step step);
  void send_request(std::uint32_t x, Duration rto);
  void send_reply(std::uint32_t x, Duration rto);
  void finish(std::uint32_t x, model::Response r);

  Kernel& kernel_;
  NetworkSim& network_;
  std::deque<Exchange> pool_;  // a deque: references stay valid while it grows
  std::vector<std::uint32_t> free_;
};

}  // namespace swarmsim::sim
