#include "sim/kernel.hpp"

#include <algorithm>
#include <cassert>
#include <functional>

namespace swarmsim::sim {

TimerId Kernel::schedule_at(Instant at, Callback fn) {
  if (at < now_) at = now_;
  return schedule_reserved(at, next_seq_++, std::move(fn));
}

TimerId Kernel::schedule_reserved(Instant at, std::uint64_t place, Callback fn) {
  assert(at >= now_);
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.live = true;
  push(Entry{at, place, slot, s.generation});
  return make_id(slot, s.generation);
}

void Kernel::push(Entry e) {
  heap_.push_back(e);
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
}

void Kernel::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
  heap_.pop_back();
}

void Kernel::free_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.fn = nullptr;  // release captured state now
  s.live = false;
  ++s.generation;
  free_slots_.push_back(slot);
}

bool Kernel::cancel(TimerId id) {
  if (!pending(id)) return false;
  free_slot(static_cast<std::uint32_t>(id & 0xffffffffu));
  return true;
}

bool Kernel::pending(TimerId id) const {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  return slot < slots_.size() && slots_[slot].live && slots_[slot].generation == generation;
}

bool Kernel::step() {
  while (!heap_.empty()) {
    const Entry e = heap_.front();
    pop();
    if (run(e)) return true;
  }
  return false;
}

// Runs the event `e` (already off the heap) unless it was cancelled.
bool Kernel::run(const Entry& e) {
  Slot& s = slots_[e.slot];
  if (!s.live || s.generation != e.generation) return false;  // cancelled
  assert(e.at >= now_);
  now_ = e.at;
  Callback fn = std::move(s.fn);  // the callback may schedule: slots_ may grow
  s.live = false;
  ++s.generation;
  free_slots_.push_back(e.slot);
  ++events_run_;
  fn();
  return true;
}

void Kernel::run_until(Instant until) {
  while (!stop_requested_ && !heap_.empty()) {
    if (events_run_ % kAbortPollEvents == 0) {
      if (abort_flag_ != nullptr && abort_flag_->load(std::memory_order_relaxed)) {
        aborted_ = true;
        return;
      }
      if (progress_) progress_(now_);
    }
    const Entry e = heap_.front();
    if (e.at > until) break;
    pop();
    run(e);
  }
  if (!stop_requested_ && now_ < until) now_ = until;
}

}  // namespace swarmsim::sim
