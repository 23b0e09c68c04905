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
//
// Timers that would find nothing to do are left out: a retransmission timer
// is due only if no copy of its message gets through before it, and the
// time-out only once a retransmission was needed. Each keeps its place in
// the order of events (Kernel::reserve_place) and is scheduled the moment
// it turns out to be needed, so every event that does something runs at
// the same instant and in the same order as if all timers were scheduled,
// and an exchange that goes well costs two events, its two arrivals.
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
  // The same, served by a server that answers later (a queue, a leader
  // behind a follower): `serve` runs when the first copy arrives and is
  // handed `answer`, which sends the reply whenever it is called (once).
  // An answer after the caller's time-out is dropped.
  using Answer = std::function<void(model::Response)>;
  void call_async(EndpointId from, EndpointId to, std::function<void(Answer)> serve,
                  std::function<void(model::Response)> on_reply, Duration timeout);

  // Exchanges under way (for tests: none are leaked).
  std::size_t in_flight() const { return pool_.size() - free_.size(); }

 private:
  // An arrival "early" is due before its leg's retransmission timer.
  enum class Step : std::uint8_t {
    Timeout,
    RequestArrives,
    RequestArrivesEarly,
    RequestRetry,
    ReplyArrives,
    ReplyArrivesEarly,
    ReplyRetry
  };
  // A timer that keeps its place until it is known to be needed.
  struct Owed {
    Instant at = 0;
    std::uint64_t place = 0;
    bool owed = false;  // not scheduled yet, and may still be needed
  };
  // One direction's latest send: its retransmission timer is owed while
  // copies that arrive before it are in flight; it is scheduled if they
  // all fail.
  struct Leg {
    Duration next_rto = 0;  // the time-out of the send the timer makes
    Owed retry;
    int early_in_flight = 0;  // copies due before retry.at, not arrived yet
  };
  struct Exchange {
    EndpointId from = 0, to = 0;
    std::function<model::Response()> serve;
    std::function<void(Answer)> serve_async;  // instead of `serve`
    std::function<void(model::Response)> on_reply;
    std::optional<model::Response> response;
    bool request_arrived = false, done = false;
    Owed timeout;
    TimerId timeout_timer = 0;
    bool timeout_scheduled = false;
    Leg request, reply;
    int pending = 0;  // events of this exchange still queued
  };
  void schedule(std::uint32_t x, Instant at, std::uint64_t place, Step step, TimerId* id = nullptr);
  void fire(std::uint32_t x, Step step);
  void send(std::uint32_t x, Leg& leg, EndpointId from, EndpointId to, Duration rto, Step arrives,
            Step retry);
  // A copy due before its leg's retransmission arrived (or was cut).
  void early_copy_done(std::uint32_t x, Leg& leg, bool got_through, Step retry);
  void owe_timeout_no_longer(std::uint32_t x);
  void finish(std::uint32_t x, model::Response r);
  std::uint32_t start(EndpointId from, EndpointId to, std::function<void(model::Response)> on_reply,
                      Duration timeout);
  void begin(std::uint32_t x, Duration timeout);
  void answered(std::uint32_t x, model::Response r);
  void release_if_over(std::uint32_t x);

  Kernel& kernel_;
  NetworkSim& network_;
  std::deque<Exchange> pool_;  // a deque: references stay valid while it grows
  std::vector<std::uint32_t> free_;
};

}  // namespace swarmsim::sim
