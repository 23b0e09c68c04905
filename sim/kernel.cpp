#include "sim/kernel.hpp"

#include <cassert>

namespace swarmsim::sim {

TimerId Kernel::schedule_at(Instant at, Callback fn) {
  if (at < now_) at = now_;
  const std::uint64_t seq = next_seq_++;
  queue_.push(Entry{at, seq});
  callbacks_.push_back(std::move(fn));
  live_.push_back(true);
  return seq;
}

bool Kernel::cancel(TimerId id) {
  if (id >= live_.size() || !live_[id]) return false;
  live_[id] = false;
  callbacks_[id] = nullptr;  // release captured state now, not when the entry surfaces
  return true;
}

bool Kernel::pending(TimerId id) const { return id < live_.size() && live_[id]; }

bool Kernel::step() {
  while (!queue_.empty()) {
    const Entry e = queue_.top();
    queue_.pop();
    if (!live_[e.seq]) continue;
    assert(e.at >= now_);
    now_ = e.at;
    live_[e.seq] = false;
    Callback fn = std::move(callbacks_[e.seq]);
    callbacks_[e.seq] = nullptr;
    ++events_run_;
    fn();
    return true;
  }
  return false;
}

void Kernel::run_until(Instant until) {
  while (!stop_requested_ && !queue_.empty()) {
    const Entry e = queue_.top();
    if (e.at > until) break;
    if (!live_[e.seq]) {
      queue_.pop();
      continue;
    }
    step();
  }
  if (!stop_requested_ && now_ < until) now_ = until;
}

}  // namespace swarmsim::sim
