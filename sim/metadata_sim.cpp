#include "sim/metadata_sim.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace swarmsim::sim {

MetadataReplicaSim::MetadataReplicaSim(Kernel& kernel, CattleSim& cattle, Trace& trace,
                                       MetadataReplicaOptions o, Rng lag_rng, Rng empty_rng)
    : kernel_(kernel),
      cattle_(cattle),
      trace_(trace),
      opt_(std::move(o)),
      lag_rng_(lag_rng),
      empty_rng_(empty_rng),
      name_hash_(Trace::hash(opt_.host_name)) {}

Duration MetadataReplicaSim::draw_lag() {
  const Duration d = opt_.lag.sample(lag_rng_);
  if (on_lag_) on_lag_(d);
  return d;
}

void MetadataReplicaSim::start() {
  running_ = true;
  reload_pending_ = true;
  reload_at_ = kernel_.now() + draw_lag();
}

void MetadataReplicaSim::stop() {
  catch_up();
  running_ = false;
}

void MetadataReplicaSim::catch_up() {
  const Instant now = kernel_.now();
  const auto& times = cattle_.change_times();
  while (running_) {
    // A reload under way switches the answers when it is done, before a
    // pending one can start.
    if (switching_) {
      if (switch_at_ >= now) return;
      switch_to_next();
      continue;
    }
    if (reload_pending_) {
      // A reload due this very instant waits for the next read: changes
      // may still arrive at this instant, and a reload loads every version
      // made up to its time, whenever it is worked out.
      if (reload_at_ >= now) return;
      reload(reload_at_);
      continue;
    }
    // No reload pending: the next Cattle change starts one.
    const std::size_t next = delivered_ + 1;
    if (next >= times.size() || times[next] > now) return;
    delivered_ = next;
    reload_pending_ = true;
    reload_at_ = times[next] + draw_lag();
  }
}

Duration MetadataReplicaSim::reload_time(std::size_t hosts) const {
  const double cpu = static_cast<double>(opt_.reload_base) +
                     static_cast<double>(opt_.reload_per_host) * static_cast<double>(hosts);
  Duration d = static_cast<Duration>(cpu * std::max(opt_.cpu_factor, 1.0));
  // Every replica of the environment (one per host) downloads it at once.
  if (opt_.cattle_capacity) d += opt_.cattle_capacity->download_time(hosts, hosts);
  return d;
}

void MetadataReplicaSim::reload(Instant at) {
  reload_pending_ = false;
  if (at < stall_until_) {
    // The event stream is reconnecting: nothing loads until it is back, and
    // then the reload still takes its usual time.
    reload_pending_ = true;
    reload_at_ = stall_until_ + draw_lag();
    return;
  }
  // One reload at a time, and at most one a second: a change that comes
  // sooner waits (one pending, the rest coalesced into it).
  if (last_start_) {
    const Instant free_at = std::max(*last_start_ + opt_.min_reload_interval, loaded_at_);
    if (at < free_at) {
      reload_pending_ = true;
      reload_at_ = free_at;
      return;
    }
  }
  // The newest version Cattle had made by `at`: search forward from the
  // last delivered one, doubling the step, then halving it.
  const auto& times = cattle_.change_times();
  std::size_t lo = delivered_, step = 1;
  while (lo + step < times.size() && times[lo + step] <= at) {
    lo += step;
    step *= 2;
  }
  std::size_t hi = std::min(lo + step, times.size());
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    (times[mid] <= at ? lo : hi) = mid;
  }
  delivered_ = lo;
  const auto& latest = cattle_.history()[lo];
  if (snapshot_ == latest) return;
  if (last_start_) {
    const Duration gap = at - *last_start_;
    shortest_gap_ = shortest_gap_ ? std::min(*shortest_gap_, gap) : gap;
  }
  last_start_ = at;
  ++reloads_;
  const std::size_t hosts = latest->hosts.size();
  next_ = latest;
  switch_at_ = at + reload_time(hosts);
  switching_ = true;
  if (switch_at_ == at) switch_to_next();
}

void MetadataReplicaSim::switch_to_next() {
  switching_ = false;
  // Counted when done: a download still under way when the run ends has
  // not been sent whole.
  if (opt_.cattle_capacity)
    opt_.cattle_capacity->downloaded(opt_.cattle_capacity->payload_bytes(next_->hosts.size()));
  snapshot_ = std::move(next_);
  next_.reset();
  loaded_at_ = switch_at_;
  trace_.record_reload(switch_at_, opt_.host_name, name_hash_, snapshot_->version,
                       snapshot_->hosts.size());
}

void MetadataReplicaSim::stall_for(Duration d) {
  catch_up();
  stall_until_ = std::max(stall_until_, kernel_.now() + d);
}

void MetadataReplicaSim::answer_empty_for(Duration d) {
  empty_until_ = std::max(empty_until_, kernel_.now() + d);
}

model::MetaAnswer<model::MetaHost> MetadataReplicaSim::self_host() {
  catch_up();
  // Found once per version loaded: a loop reads its own host first thing.
  if (snapshot_ && self_found_in_ != snapshot_->version) {
    self_found_in_ = snapshot_->version;
    self_ = snapshot_->find_host(opt_.host_uuid);
  }
  const model::MetaHost* h = snapshot_ ? self_ : nullptr;
  if (!h) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, *h};
}

model::MetaAnswer<model::HostList> MetadataReplicaSim::hosts() {
  catch_up();
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  // Draw on every answer, window or not, so that a window does not shift
  // later draws.
  const bool unlucky = empty_rng_.bernoulli(opt_.empty_p);
  if (unlucky || kernel_.now() < empty_until_) return {model::MetaAnswerKind::Empty, {}};
  return {model::MetaAnswerKind::Json, snapshot_->hosts};
}

model::MetaAnswer<model::ContainerList> MetadataReplicaSim::containers() {
  catch_up();
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, snapshot_->containers};
}

model::MetaAnswer<model::ServiceMetadata> MetadataReplicaSim::service_metadata() {
  catch_up();
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, *snapshot_->service};
}

}  // namespace swarmsim::sim
