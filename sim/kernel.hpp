// The discrete-event kernel: virtual time in integer nanoseconds and one
// queue of callbacks ordered by (time, insertion sequence). Two events at the
// same instant run in the order they were scheduled, so a run is a pure
// function of its seed. Timers are cancellable by id; a cancelled timer is
// skipped when it reaches the head of the queue (lazy deletion keeps
// cancellation O(1)).
//
// Left out on purpose: wall-clock pacing and threads. One kernel runs one
// simulation on one thread; parallelism is across independent runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "model/time.hpp"

namespace swarmsim::sim {

using TimerId = std::uint64_t;

class Kernel {
 public:
  using Callback = std::function<void()>;

  Instant now() const { return now_; }

  // Schedules `fn` at absolute time `at` (clamped to now: the past is gone).
  TimerId schedule_at(Instant at, Callback fn);
  TimerId schedule_after(Duration delay, Callback fn) {
    return schedule_at(now_ + delay, std::move(fn));
  }
  // A place in the order of events, taken now for an event that may never
  // be needed: scheduled later with schedule_reserved(), it runs exactly
  // where it would have run had it been scheduled when the place was taken.
  // Callers use it to leave out timers that would find nothing to do.
  std::uint64_t reserve_place() { return next_seq_++; }
  // `at` must not be in the past.
  TimerId schedule_reserved(Instant at, std::uint64_t place, Callback fn);
  // Returns true when the timer was pending and is now cancelled.
  bool cancel(TimerId id);
  bool pending(TimerId id) const;

  // Runs the next event; false when the queue is empty.
  bool step();
  // Runs every event with time <= until, then advances the clock to `until`.
  void run_until(Instant until);
  // Stops run_until after the current event (a checker found a violation).
  void request_stop() { stop_requested_ = true; }
  bool stop_requested() const { return stop_requested_; }
  // A flag set from outside the simulation (Ctrl-C, SIGTERM). run_until
  // polls it every kAbortPollEvents events and, once it is set, returns
  // early with aborted() true: the run is incomplete and has no verdict.
  // Polling a flag nobody sets changes nothing, so replays are unaffected.
  void set_abort_flag(const std::atomic<bool>* flag) { abort_flag_ = flag; }
  // Called at the same points with the current time, so that a long run can
  // show progress; whoever sets it decides how often to print.
  void set_progress(std::function<void(Instant)> fn) { progress_ = std::move(fn); }
  bool aborted() const { return aborted_; }

  std::uint64_t events_run() const { return events_run_; }
  // When the next queued event is due (it may turn out to be cancelled).
  std::optional<Instant> next_event_at() const {
    if (heap_.empty()) return std::nullopt;
    return heap_.front().at;
  }
  std::size_t queued() const { return heap_.size(); }

 private:
  struct Entry {
    Instant at;
    std::uint64_t seq;   // insertion order: breaks ties between equal times
    std::uint32_t slot;  // where the callback waits
    std::uint32_t generation;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  // Callbacks wait in a slot table so that the heap moves only small
  // entries. A slot is reused once its event ran or was cancelled, so memory
  // follows the number of pending events, not of events ever scheduled; the
  // generation tells a stale TimerId (or heap entry) from the slot's new
  // tenant.
  struct Slot {
    Callback fn;
    std::uint32_t generation = 0;
    bool live = false;
  };
  static TimerId make_id(std::uint32_t slot, std::uint32_t generation) {
    return (static_cast<TimerId>(generation) << 32) | slot;
  }
  void free_slot(std::uint32_t slot);

  // A binary min-heap on (at, seq), a total order: events run in the same
  // order as with any other correct heap.
  std::vector<Entry> heap_;
  void push(Entry e);
  void pop();
  bool run(const Entry& e);
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  Instant now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t events_run_ = 0;
  bool stop_requested_ = false;
  static constexpr std::uint64_t kAbortPollEvents = 1024;
  const std::atomic<bool>* abort_flag_ = nullptr;
  std::function<void(Instant)> progress_;
  bool aborted_ = false;
};

}  // namespace swarmsim::sim
