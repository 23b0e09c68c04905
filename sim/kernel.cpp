#include "sim/kernel.hpp"

#include <cassert>

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
  std::size_t i = heap_.size();
  heap_.push_back(e);
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!(e < heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = e;
}

void Kernel::pop() {
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n == 0) return;
  std::size_t i = 0;
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    for (std::size_t c = first + 1; c < end; ++c)
      if (heap_[c] < heap_[best]) best = c;
    if (!(heap_[best] < last)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = last;
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
    Slot& s = slots_[e.slot];
    if (!s.live || s.generation != e.generation) continue;  // cancelled
    assert(e.at >= now_);
    now_ = e.at;
    Callback fn = std::move(s.fn);
    free_slot(e.slot);
    ++events_run_;
    fn();
    return true;
  }
  return false;
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
    const Entry& e = heap_.front();
    if (e.at > until) break;
    const Slot& s = slots_[e.slot];
    if (!s.live || s.generation != e.generation) {
      pop();
      continue;
    }
    step();
  }
  if (!stop_requested_ && now_ < until) now_ = until;
}

}  // namespace swarmsim::sim
