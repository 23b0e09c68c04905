#include "sim/server_sim.hpp"

#include <algorithm>
#include <cmath>

namespace swarmsim::sim {

const char* to_string(Discipline d) {
  return d == Discipline::ProcessorSharing ? "processor-sharing" : "fifo";
}

// ---- LatencyHistogram -------------------------------------------------------

int LatencyHistogram::bucket_of(Duration d) {
  if (d <= kMicrosecond) return 0;
  const double doublings = std::log2(static_cast<double>(d) / kMicrosecond);
  const int b = 1 + static_cast<int>(doublings * kPerDoubling);
  return std::min(b, kBuckets - 1);
}

void LatencyHistogram::add(Duration d) {
  ++buckets_[static_cast<std::size_t>(bucket_of(d))];
  ++count_;
  max_ = std::max(max_, d);
}

Duration LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += buckets_[static_cast<std::size_t>(b)];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      if (b == 0) return kMicrosecond;
      // Bucket b holds [2^((b-1)/k), 2^(b/k)) microseconds: its middle.
      const double mid = std::exp2((b - 0.5) / kPerDoubling) * kMicrosecond;
      return std::min(static_cast<Duration>(mid), max_);
    }
  }
  return max_;
}

// ---- ServerSim ---------------------------------------------------------------

ServerSim::ServerSim(Kernel& kernel, std::string name, int cores, std::size_t limit,
                     Discipline discipline, std::vector<std::string> class_names)
    : kernel_(kernel),
      cores_(std::max(cores, 1)),
      limit_(std::max<std::size_t>(limit, 1)),
      discipline_(discipline),
      settled_at_(kernel.now()),
      created_at_(kernel.now()) {
  stats_.name = std::move(name);
  stats_.cores = cores_;
  stats_.discipline = discipline_;
  for (auto& c : class_names) {
    ServerClassStats k;
    k.name = std::move(c);
    stats_.classes.push_back(std::move(k));
  }
}

double ServerSim::share_capacity() const {
  if (discipline_ == Discipline::Fifo) return cores_;
  return std::max(0.0, cores_ - background_);
}

void ServerSim::settle() {
  const Instant now = kernel_.now();
  const auto dt = static_cast<double>(now - settled_at_);
  if (dt > 0) {
    const double bg = std::min(background_, static_cast<double>(cores_));
    double busy = 0;
    if (discipline_ == Discipline::ProcessorSharing) {
      const double cap = share_capacity();
      const auto n = static_cast<double>(in_server_);
      busy = std::min(n, cap);
      if (n > 0 && cap > 0) v_ += std::min(1.0, cap / n) * dt;
    } else {
      busy = static_cast<double>(serving_);
    }
    stats_.busy_core_ns += (busy + bg) * dt;
    stats_.background_ns += bg * dt;
    stats_.in_server_ns += static_cast<double>(in_server_) * dt;
    settled_at_ = now;
  }
  stats_.observed_ns = now - created_at_;
}

std::uint32_t ServerSim::take_slot() {
  if (!free_.empty()) {
    const std::uint32_t j = free_.back();
    free_.pop_back();
    return j;
  }
  jobs_.emplace_back();
  return static_cast<std::uint32_t>(jobs_.size() - 1);
}

bool ServerSim::submit(std::size_t cls, Duration work, Instant deadline, Done done) {
  settle();
  if (in_server_ >= limit_) {
    ++stats_.classes[cls].refused;
    answered(static_cast<std::uint32_t>(cls), 0, ServerOutcome::Refused);
    return false;
  }
  const std::uint32_t j = take_slot();
  Job& job = jobs_[j];
  job = Job{};
  job.cls = static_cast<std::uint32_t>(cls);
  job.work = std::max<Duration>(work, 0);
  job.arrived = kernel_.now();
  job.deadline = deadline;
  job.seq = next_seq_++;
  job.done = std::move(done);
  ++in_server_;
  stats_.peak_in_server = std::max<std::uint64_t>(stats_.peak_in_server, in_server_);
  if (discipline_ == Discipline::ProcessorSharing) {
    job.tag = v_ + static_cast<double>(job.work);
    heap_.push_back({job.tag, job.seq, j});
    std::push_heap(heap_.begin(), heap_.end(), [](const HeapEntry& a, const HeapEntry& b) {
      return a.tag != b.tag ? a.tag > b.tag : a.seq > b.seq;
    });
    reschedule();
  } else if (serving_ < static_cast<std::size_t>(cores_)) {
    fifo_start(j);
  } else {
    waiting_.push_back(j);
  }
  changed();
  return true;
}

void ServerSim::set_background(double cores) {
  cores = std::max(0.0, cores);
  if (cores == background_) return;
  settle();
  background_ = cores;
  if (discipline_ == Discipline::ProcessorSharing) reschedule();
  changed();
}

void ServerSim::reschedule() {
  if (ps_timer_set_) {
    kernel_.cancel(ps_timer_);
    ps_timer_set_ = false;
  }
  const double cap = share_capacity();
  if (heap_.empty() || cap <= 0) return;
  const double rate = std::min(1.0, cap / static_cast<double>(in_server_));
  const double left = std::max(0.0, heap_.front().tag - v_);
  const auto after = static_cast<Duration>(std::ceil(left / rate));
  ps_timer_ = kernel_.schedule_after(after, [this, g = generation_] {
    if (g == generation_) ps_finish();
  });
  ps_timer_set_ = true;
}

void ServerSim::ps_finish() {
  ps_timer_set_ = false;
  settle();
  std::pop_heap(heap_.begin(), heap_.end(), [](const HeapEntry& a, const HeapEntry& b) {
    return a.tag != b.tag ? a.tag > b.tag : a.seq > b.seq;
  });
  const HeapEntry e = heap_.back();
  heap_.pop_back();
  v_ = std::max(v_, e.tag);
  --in_server_;
  reschedule();
  finished(e.slot);
}

void ServerSim::fifo_start(std::uint32_t j) {
  ++serving_;
  kernel_.schedule_after(jobs_[j].work, [this, j, g = generation_] {
    if (g == generation_) fifo_finish(j);
  });
}

void ServerSim::fifo_finish(std::uint32_t j) {
  settle();
  --serving_;
  --in_server_;
  if (!waiting_.empty()) {
    const std::uint32_t next = waiting_.front();
    waiting_.pop_front();
    fifo_start(next);
  }
  finished(j);
}

void ServerSim::finished(std::uint32_t j) {
  Job& job = jobs_[j];
  const Instant now = kernel_.now();
  ServerClassStats& c = stats_.classes[job.cls];
  ++c.served;
  const bool late = job.deadline != 0 && now > job.deadline;
  if (late) ++c.late;
  c.latency.add(now - job.arrived);
  answered(job.cls, now - job.arrived, late ? ServerOutcome::Late : ServerOutcome::InTime);
  Done done = std::move(job.done);
  job = Job{};
  free_.push_back(j);
  changed();
  if (done) done();
}

void ServerSim::restart() {
  settle();
  // Every slot not free holds a request in the server. Their timers stay
  // queued and find a new generation.
  std::vector<bool> is_free(jobs_.size(), false);
  for (auto f : free_) is_free[f] = true;
  std::vector<std::uint32_t> dropped;
  for (std::uint32_t j = 0; j < jobs_.size(); ++j) {
    if (is_free[j]) continue;
    ++stats_.classes[jobs_[j].cls].dropped;
    dropped.push_back(jobs_[j].cls);
    jobs_[j] = Job{};
    free_.push_back(j);
  }
  if (ps_timer_set_) kernel_.cancel(ps_timer_);
  ps_timer_set_ = false;
  heap_.clear();
  waiting_.clear();
  in_server_ = 0;
  serving_ = 0;
  v_ = 0;
  ++generation_;
  changed();
  for (std::uint32_t cls : dropped) answered(cls, 0, ServerOutcome::Dropped);
}

const char* to_string(ServerOutcome o) {
  switch (o) {
    case ServerOutcome::InTime:
      return "in time";
    case ServerOutcome::Late:
      return "late";
    case ServerOutcome::Refused:
      return "refused";
    case ServerOutcome::Dropped:
      return "dropped";
  }
  return "?";
}

Duration ServerSim::expected_latency(Duration work) const {
  if (discipline_ == Discipline::ProcessorSharing) {
    const double cap = share_capacity();
    if (cap <= 0) return kNever;
    const double n = static_cast<double>(in_server_) + 1;
    return static_cast<Duration>(static_cast<double>(work) * std::max(1.0, n / cap));
  }
  // Each worker ahead frees after about a request's work: the queue ahead
  // shares the workers.
  const std::size_t ahead =
      waiting_.size() + (serving_ >= static_cast<std::size_t>(cores_) ? 1 : 0);
  return work + static_cast<Duration>(ahead) * work / cores_;
}

}  // namespace swarmsim::sim
