#include "sim/rpc_sim.hpp"

namespace swarmsim::sim {

std::uint32_t RpcSim::start(EndpointId from, EndpointId to,
                            std::function<void(model::Response)> on_reply, Duration timeout) {
  std::uint32_t x;
  if (!free_.empty()) {
    x = free_.back();
    free_.pop_back();
  } else {
    x = static_cast<std::uint32_t>(pool_.size());
    pool_.emplace_back();
  }
  Exchange& e = pool_[x];
  e = Exchange{};
  e.from = from;
  e.to = to;
  e.on_reply = std::move(on_reply);
  e.timeout = Owed{kernel_.now() + timeout, kernel_.reserve_place(), true};
  return x;
}

void RpcSim::begin(std::uint32_t x, Duration timeout) {
  Exchange& e = pool_[x];
  // Nothing can keep an exchange from ending before its time-out without a
  // retransmission first, unless the time-out comes before two of them (or
  // the server answers later: see RequestArrives).
  if (timeout <= 2 * kRetransmitTimeoutNs) owe_timeout_no_longer(x);
  send(x, e.request, e.from, e.to, kRetransmitTimeoutNs, Step::RequestArrives, Step::RequestRetry);
}

void RpcSim::call(EndpointId from, EndpointId to, std::function<model::Response()> serve,
                  std::function<void(model::Response)> on_reply, Duration timeout) {
  const std::uint32_t x = start(from, to, std::move(on_reply), timeout);
  pool_[x].serve = std::move(serve);
  begin(x, timeout);
}

void RpcSim::call_async(EndpointId from, EndpointId to, std::function<void(Answer)> serve,
                        std::function<void(model::Response)> on_reply, Duration timeout) {
  const std::uint32_t x = start(from, to, std::move(on_reply), timeout);
  pool_[x].serve_async = std::move(serve);
  begin(x, timeout);
}

// A server that answers later has its answer: the reply leaves now.
void RpcSim::answered(std::uint32_t x, model::Response r) {
  Exchange& e = pool_[x];
  --e.pending;  // the answer held the exchange
  if (!e.done) {
    e.response = std::move(r);
    send(x, e.reply, e.to, e.from, kRetransmitTimeoutNs, Step::ReplyArrives, Step::ReplyRetry);
  }
  release_if_over(x);
}

void RpcSim::release_if_over(std::uint32_t x) {
  Exchange& e = pool_[x];
  if (e.done && e.pending == 0) {
    e = Exchange{};
    free_.push_back(x);
  }
}

void RpcSim::schedule(std::uint32_t x, Instant at, std::uint64_t place, Step step, TimerId* id) {
  ++pool_[x].pending;
  const TimerId t = kernel_.schedule_reserved(at, place, [this, x, step] { fire(x, step); });
  if (id) *id = t;
}

// The time-out turns out to be needed: it takes its place.
void RpcSim::owe_timeout_no_longer(std::uint32_t x) {
  Exchange& e = pool_[x];
  if (!e.timeout.owed) return;
  e.timeout.owed = false;
  if (e.done) return;
  e.timeout_scheduled = true;
  schedule(x, std::max(e.timeout.at, kernel_.now()), e.timeout.place, Step::Timeout,
           &e.timeout_timer);
}

void RpcSim::send(std::uint32_t x, Leg& leg, EndpointId from, EndpointId to, Duration rto,
                  Step arrives, Step retry) {
  const Instant now = kernel_.now();
  const auto t = network_.transmit(from, to);
  // The places the events would take if all were scheduled now: the copies
  // in order, then the retransmission timer.
  std::uint64_t copy_place[2] = {0, 0};
  for (int c = 0; c < t.copies; ++c) copy_place[c] = kernel_.reserve_place();
  leg.next_rto = 2 * rto;
  leg.retry = Owed{now + rto, kernel_.reserve_place(), true};
  leg.early_in_flight = 0;
  for (int c = 0; c < t.copies; ++c) {
    // A copy due at the timer's instant still comes first (its place is
    // earlier), so it counts as early.
    const bool early = t.delay[c] <= rto;
    leg.early_in_flight += early;
    const Step step = !early ? arrives
                             : (arrives == Step::RequestArrives ? Step::RequestArrivesEarly
                                                                : Step::ReplyArrivesEarly);
    schedule(x, now + t.delay[c], copy_place[c], step);
  }
  if (leg.early_in_flight == 0) {
    // Nothing can get through before the timer: it is needed now.
    leg.retry.owed = false;
    schedule(x, leg.retry.at, leg.retry.place, retry);
  }
}

void RpcSim::early_copy_done(std::uint32_t x, Leg& leg, bool got_through, Step retry) {
  --leg.early_in_flight;
  if (!leg.retry.owed) return;
  if (got_through) {
    leg.retry.owed = false;  // the timer would find the message delivered
    return;
  }
  if (leg.early_in_flight == 0) {
    leg.retry.owed = false;
    schedule(x, leg.retry.at, leg.retry.place, retry);
  }
}

void RpcSim::finish(std::uint32_t x, model::Response r) {
  Exchange& e = pool_[x];
  e.done = true;
  auto on_reply = std::move(e.on_reply);
  e.response.reset();      // `serve` stays: a request that arrives late is still served
  on_reply(std::move(r));  // may start exchanges: `e` is not used after this
}

void RpcSim::fire(std::uint32_t x, Step step) {
  --pool_[x].pending;
  switch (step) {
    case Step::Timeout:
      if (!pool_[x].done) finish(x, model::ApiError{0, "timeout"});
      break;
    case Step::RequestRetry: {
      owe_timeout_no_longer(x);
      Exchange& e = pool_[x];
      if (e.request_arrived || e.done) break;
      send(x, e.request, e.from, e.to, e.request.next_rto, Step::RequestArrives,
           Step::RequestRetry);
      break;
    }
    case Step::ReplyRetry: {
      owe_timeout_no_longer(x);
      Exchange& e = pool_[x];
      if (e.done) break;
      send(x, e.reply, e.to, e.from, e.reply.next_rto, Step::ReplyArrives, Step::ReplyRetry);
      break;
    }
    case Step::RequestArrives:
    case Step::RequestArrivesEarly: {
      Exchange& e = pool_[x];
      // Counted by the network whether or not the exchange still wants it.
      const bool through = network_.arrives(e.from, e.to);
      if (step == Step::RequestArrivesEarly)
        early_copy_done(x, e.request, through, Step::RequestRetry);
      if (!through || e.request_arrived) break;
      e.request_arrived = true;
      if (e.serve_async) {
        ++e.pending;  // held until the server answers
        auto serve = std::move(e.serve_async);
        serve([this, x](model::Response r) { answered(x, std::move(r)); });
        // A server that did not answer at once may take any time: the
        // time-out may be needed now.
        if (!pool_[x].response && !pool_[x].done) owe_timeout_no_longer(x);
        break;
      }
      e.response = e.serve();  // a duplicate or a retransmission is served once
      if (!e.done)
        send(x, e.reply, e.to, e.from, kRetransmitTimeoutNs, Step::ReplyArrives, Step::ReplyRetry);
      break;
    }
    case Step::ReplyArrives:
    case Step::ReplyArrivesEarly: {
      Exchange& e = pool_[x];
      const bool through = network_.arrives(e.to, e.from);
      if (step == Step::ReplyArrivesEarly) early_copy_done(x, e.reply, through, Step::ReplyRetry);
      if (!through || e.done) break;
      if (e.timeout_scheduled && kernel_.cancel(e.timeout_timer)) --e.pending;
      e.timeout.owed = false;
      model::Response r = std::move(*e.response);
      finish(x, std::move(r));
      break;
    }
  }
  release_if_over(x);
}

}  // namespace swarmsim::sim
