#include "sim/rpc_sim.hpp"

namespace swarmsim::sim {

void RpcSim::call(EndpointId from, EndpointId to, std::function<model::Response()> serve,
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
  e.serve = std::move(serve);
  e.on_reply = std::move(on_reply);
  e.timeout = schedule(x, timeout, Step::Timeout);
  send_request(x, kRetransmitTimeoutNs);
}

TimerId RpcSim::schedule(std::uint32_t x, Duration after, Step step) {
  ++pool_[x].pending;
  return kernel_.schedule_after(after, [this, x, step] { fire(x, step); });
}

void RpcSim::send_request(std::uint32_t x, Duration rto) {
  Exchange& e = pool_[x];
  if (e.request_arrived || e.done) return;
  const auto t = network_.transmit(e.from, e.to);
  for (int c = 0; c < t.copies; ++c) schedule(x, t.delay[c], Step::RequestArrives);
  e.request_rto = 2 * rto;
  schedule(x, rto, Step::RequestRetry);
}

void RpcSim::send_reply(std::uint32_t x, Duration rto) {
  Exchange& e = pool_[x];
  if (e.done) return;
  const auto t = network_.transmit(e.to, e.from);
  for (int c = 0; c < t.copies; ++c) schedule(x, t.delay[c], Step::ReplyArrives);
  e.reply_rto = 2 * rto;
  schedule(x, rto, Step::ReplyRetry);
}

void RpcSim::finish(std::uint32_t x, model::Response r) {
  Exchange& e = pool_[x];
  e.done = true;
  auto on_reply = std::move(e.on_reply);
  e.response.reset();  // `serve` stays: a request that arrives late is still served
  on_reply(std::move(r));  // may start exchanges: `e` is not used after this
}

void RpcSim::fire(std::uint32_t x, Step step) {
  --pool_[x].pending;
  switch (step) {
    case Step::Timeout:
      if (!pool_[x].done) finish(x, model::ApiError{0, "timeout"});
      break;
    case Step::RequestRetry:
      send_request(x, pool_[x].request_rto);
      break;
    case Step::ReplyRetry:
      send_reply(x, pool_[x].reply_rto);
      break;
    case Step::RequestArrives: {
      Exchange& e = pool_[x];
      // Counted by the network whether or not the exchange still wants it.
      if (!network_.arrives(e.from, e.to) || e.request_arrived) break;
      e.request_arrived = true;
      e.response = e.serve();  // a duplicate or a retransmission is served once
      send_reply(x, kRetransmitTimeoutNs);
      break;
    }
    case Step::ReplyArrives: {
      Exchange& e = pool_[x];
      if (!network_.arrives(e.to, e.from) || e.done) break;
      if (kernel_.cancel(e.timeout)) --e.pending;
      model::Response r = std::move(*e.response);
      finish(x, std::move(r));
      break;
    }
  }
  Exchange& e = pool_[x];
  if (e.done && e.pending == 0) {
    e = Exchange{};
    free_.push_back(x);
  }
}

}  // namespace swarmsim::sim
