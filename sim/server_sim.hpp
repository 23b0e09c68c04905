// ServerSim: one server of the control plane with finite capacity (the
// swarm leader, the CA's signer, the Rancher server's API workers).
//
// Models: requests of named classes, each a quantity of CPU work (the
// service-time law is the caller's: it computes or draws the work, see
// sim/capacity.hpp); `cores` served either by processor sharing (every
// request in the server gets an equal share of the cores, as Go's scheduler
// gives the leader's goroutines) or first come, first served by `cores`
// workers (a thread pool; one worker is a serial loop such as the CA's
// signer); at most `limit` requests in the server, served or waiting, the
// rest refused at once; a background load in cores (periodic per-node work
// modelled as a rate: the heartbeats) that takes its share before any
// request, under processor sharing.
// A caller's deadline does not stop the work: the server finishes what
// nobody waits for any more, as handlers that never look at their context
// do, and counts it as late. That wasted work is what keeps an overloaded
// server overloaded after its trigger has gone.
// Faults: restart() drops every request in the server (the process
// restarts): their callers hear nothing, and time out.
// Metrics (ServerStats): per class served, refused, late, dropped, and the
// latency of what was served (p50, p99 from a log histogram, 9% buckets);
// per server, utilisation (busy cores over cores, background included) and
// the time-average and peak number of requests in it.
// Left out: priorities between classes, memory, the network's capacity.
//
// Processor sharing costs O(log n) per arrival or departure: every request
// in the server advances at the same rate, so one virtual clock V (work
// each has received) stands for all of them, a request finishes when V
// reaches its tag (V at its arrival plus its work), and only the smallest
// tag has a timer.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "model/time.hpp"
#include "sim/kernel.hpp"

namespace swarmsim::sim {

enum class Discipline : std::uint8_t { ProcessorSharing, Fifo };

// What became of one request: answered before its caller's deadline (or
// with none), after it, refused at once (the server was full), or lost in
// a restart.
enum class ServerOutcome : std::uint8_t { InTime, Late, Refused, Dropped };
const char* to_string(ServerOutcome o);

// Latencies from 1 us to about 12 days in buckets 9% wide (8 per doubling).
class LatencyHistogram {
 public:
  void add(Duration d);
  std::uint64_t count() const { return count_; }
  // The q-quantile (0 < q <= 1) as its bucket's geometric middle; 0 when
  // empty.
  Duration quantile(double q) const;
  Duration max() const { return max_; }
  void merge(const LatencyHistogram& o) {
    for (std::size_t b = 0; b < buckets_.size(); ++b) buckets_[b] += o.buckets_[b];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
  }

 private:
  static constexpr int kPerDoubling = 8;
  static constexpr int kBuckets = 40 * kPerDoubling + 1;
  static int bucket_of(Duration d);
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  Duration max_ = 0;
};

struct ServerClassStats {
  std::string name;
  std::uint64_t served = 0;   // finished (late ones included)
  std::uint64_t refused = 0;  // the server was full
  std::uint64_t late = 0;     // finished after the caller's deadline
  std::uint64_t dropped = 0;  // lost in a restart
  LatencyHistogram latency;   // arrival to finish, of those served
};

struct ServerStats {
  std::string name;
  int cores = 1;
  Discipline discipline = Discipline::ProcessorSharing;
  Duration observed_ns = 0;  // from the server's creation to the last settle()
  double busy_core_ns = 0;   // integral of busy cores (background included)
  double background_ns = 0;  // the part of busy_core_ns that was background
  double in_server_ns = 0;   // integral of requests in the server
  std::uint64_t peak_in_server = 0;
  std::vector<ServerClassStats> classes;

  double utilisation() const {
    return observed_ns > 0 ? busy_core_ns / (static_cast<double>(observed_ns) * cores) : 0.0;
  }
  double background_utilisation() const {
    return observed_ns > 0 ? background_ns / (static_cast<double>(observed_ns) * cores) : 0.0;
  }
  double mean_in_server() const {
    return observed_ns > 0 ? in_server_ns / static_cast<double>(observed_ns) : 0.0;
  }
};

class ServerSim {
 public:
  using Done = std::function<void()>;
  ServerSim(Kernel& kernel, std::string name, int cores, std::size_t limit, Discipline discipline,
            std::vector<std::string> class_names);
  ServerSim(const ServerSim&) = delete;
  ServerSim& operator=(const ServerSim&) = delete;

  // A request of class `cls` needing `work` of one core. `done` runs when
  // it is finished, whether or not `deadline` has passed (0: no deadline).
  // Returns false, and never calls `done`, when the server is full.
  bool submit(std::size_t cls, Duration work, Instant deadline, Done done);
  // Periodic work as a rate, in cores (0.25: a quarter of one core).
  void set_background(double cores);
  double background() const { return background_; }
  // Drops every request in the server; their `done` never runs.
  void restart();

  std::size_t in_server() const { return in_server_; }
  std::size_t limit() const { return limit_; }
  int cores() const { return cores_; }
  bool full() const { return in_server_ >= limit_; }
  // How long a request of `work` arriving now would take if nothing else
  // arrived: under processor sharing, its share of what is left after the
  // background; first come, first served, the wait for a worker plus work.
  // A server whose background takes every core answers never (kNever).
  static constexpr Duration kNever = Duration{1} << 62;
  Duration expected_latency(Duration work) const;

  // Called after every change of the requests in the server or of the
  // background (the leader's heartbeats watch it).
  std::function<void()> on_load_changed;
  // Called once per request when its outcome is known, with its class and,
  // when served, its latency (0 otherwise), before its `done` runs.
  std::function<void(std::uint32_t cls, Duration latency, ServerOutcome)> on_answered;

  const std::string& name() const { return stats_.name; }
  const std::string& class_name(std::uint32_t cls) const { return stats_.classes[cls].name; }

  // The statistics up to now.
  const ServerStats& stats() {
    settle();
    return stats_;
  }

 private:
  struct Job {
    std::uint32_t cls = 0;
    double tag = 0;     // processor sharing: V at which it is finished
    Duration work = 0;  // first come, first served
    Instant arrived = 0;
    Instant deadline = 0;
    std::uint64_t seq = 0;  // arrival order, to break equal tags
    Done done;
  };
  void settle();                  // brings V and the integrals up to now
  double share_capacity() const;  // cores left for requests after the background
  void reschedule();              // processor sharing: the timer of the smallest tag
  void ps_finish();
  void fifo_start(std::uint32_t j);
  void fifo_finish(std::uint32_t j);
  void finished(std::uint32_t j);  // stats, release, then `done`
  std::uint32_t take_slot();
  void changed() {
    if (on_load_changed) on_load_changed();
  }
  void answered(std::uint32_t cls, Duration latency, ServerOutcome o) {
    if (on_answered) on_answered(cls, latency, o);
  }

  Kernel& kernel_;
  int cores_;
  std::size_t limit_;
  Discipline discipline_;
  double background_ = 0;
  std::size_t in_server_ = 0;
  std::size_t serving_ = 0;  // first come, first served: workers busy
  std::vector<Job> jobs_;
  std::vector<std::uint32_t> free_;
  // Processor sharing: (tag, seq, slot) as a min-heap.
  struct HeapEntry {
    double tag;
    std::uint64_t seq;
    std::uint32_t slot;
  };
  std::vector<HeapEntry> heap_;
  double v_ = 0;  // work every request in the server has received
  TimerId ps_timer_ = 0;
  bool ps_timer_set_ = false;
  std::deque<std::uint32_t> waiting_;  // first come, first served
  std::uint64_t next_seq_ = 0;
  std::uint64_t generation_ = 0;  // bumped by restart(): stale timers do nothing
  Instant settled_at_ = 0;
  Instant created_at_ = 0;
  ServerStats stats_;
};

const char* to_string(Discipline d);

}  // namespace swarmsim::sim
