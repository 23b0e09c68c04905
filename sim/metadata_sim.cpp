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
      empty_rng_(empty_rng) {}

Duration MetadataReplicaSim::draw_lag() {
  const Duration d = opt_.lag.sample(lag_rng_);
  if (on_lag_) on_lag_(d);
  return d;
}

void MetadataReplicaSim::start() {
  running_ = true;
  schedule_reload(draw_lag());
}

void MetadataReplicaSim::handle_cattle_change() {
  if (!running_ || reload_pending_) return;
  schedule_reload(draw_lag());
}

void MetadataReplicaSim::schedule_reload(Duration delay) {
  reload_pending_ = true;
  kernel_.schedule_after(delay, [this] { reload(); });
}

void MetadataReplicaSim::reload() {
  reload_pending_ = false;
  if (!running_) return;
  if (kernel_.now() < stall_until_) {
    // The event stream is reconnecting: nothing loads until it is back, and
    // then the reload still takes its usual time.
    reload_pending_ = true;
    const Duration after_stall = stall_until_ - kernel_.now() + draw_lag();
    kernel_.schedule_after(after_stall, [this] { reload(); });
    return;
  }
  auto latest = cattle_.latest();
  if (snapshot_ == latest) return;
  snapshot_ = std::move(latest);
  loaded_at_ = kernel_.now();
  trace_.record(kernel_.now(), TraceKind::MetadataReload, opt_.host_name, "",
                fmt::format("loaded v{} ({} hosts)", snapshot_->version, snapshot_->hosts.size()));
}

void MetadataReplicaSim::stall_for(Duration d) {
  stall_until_ = std::max(stall_until_, kernel_.now() + d);
}

void MetadataReplicaSim::answer_empty_for(Duration d) {
  empty_until_ = std::max(empty_until_, kernel_.now() + d);
}

model::MetaAnswer<model::MetaHost> MetadataReplicaSim::self_host() {
  const model::MetaHost* h = snapshot_ ? snapshot_->find_host(opt_.host_uuid) : nullptr;
  if (!h) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, *h};
}

model::MetaAnswer<std::vector<model::MetaHost>> MetadataReplicaSim::hosts() {
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  // Draw on every answer, window or not, so that a window does not shift
  // later draws.
  const bool unlucky = empty_rng_.bernoulli(opt_.empty_p);
  if (unlucky || kernel_.now() < empty_until_) return {model::MetaAnswerKind::Empty, {}};
  return {model::MetaAnswerKind::Json, snapshot_->hosts};
}

model::MetaAnswer<std::vector<model::MetaContainer>> MetadataReplicaSim::containers() {
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, snapshot_->containers};
}

model::MetaAnswer<model::ServiceMetadata> MetadataReplicaSim::service_metadata() {
  if (!snapshot_) return {model::MetaAnswerKind::NotFound, {}};
  return {model::MetaAnswerKind::Json, snapshot_->service};
}

}  // namespace swarmsim::sim
