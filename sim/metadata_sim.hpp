// MetadataReplicaSim: the Rancher metadata service replica on one host,
// which swarmkit-mon reads for its own host, the host list, the service's
// containers and the join tokens.
//
// Models: the metadata lag. Cattle pushes a change event; the replica
// reloads the newest snapshot after a delay drawn from the profile's
// `metadata_lag` distribution. Changes that arrive while a reload is pending
// ride along with it, so a burst of changes costs one reload.
//
// Computed when read: nothing happens in a replica between two reads that a
// read could not work out afterwards, so the replica schedules no events.
// Whenever it is read, or its faults change, it first replays the reloads
// due up to now (`catch_up`) from Cattle's list of versions: the first change
// after the last reload, plus a lag, is the next reload, and so on. The lags
// are drawn in the same order from the same stream as if each reload were an
// event, so the outcome is the same; a fleet of N replicas costs nothing per
// Cattle change instead of N events.
// Faults it injects: stalls (the event stream reconnecting: no reload until
// the stall ends), empty-body answers to `/hosts` (in a window, or with a
// per-answer probability), `Not found` before the first load and for a host
// the replica does not know yet.
// Capacity: a reload is not instant. It starts at most once per
// min_reload_interval and never while one runs (one running, one pending,
// the rest coalesced, as rancher-metadata's kicker does); it loads the
// version that is newest when it starts, downloads the whole environment
// (every replica of the environment downloads it at once: Cattle's link is
// shared between them) and regenerates every answer; reads are answered
// from the version before until it is done.
// Left out: the replica's random version ids (we keep Cattle's ordered
// version only for reports; the logic never sees it).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "model/rancher_api.hpp"
#include "sim/capacity.hpp"
#include "sim/cattle_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/random.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

struct MetadataReplicaOptions {
  std::string host_name;
  std::string host_uuid;
  Distribution lag;      // change event to reload, per reload
  double empty_p = 0.0;  // per `/hosts` answer: empty body
  // Capacity (sim/capacity.hpp): reloads start at most this often; each
  // downloads the whole environment from Cattle (null: instantly) and
  // regenerates its answers (reload_base + reload_per_host x hosts, times
  // the host's cpu_factor); answers come from the old version meanwhile.
  Duration min_reload_interval = 0;
  Duration reload_base = 0;
  Duration reload_per_host = 0;
  double cpu_factor = 1.0;
  CattleCapacity* cattle_capacity = nullptr;
};

class MetadataReplicaSim {
 public:
  // Lags and empty answers draw from separate streams: how often the logic
  // reads (each read may draw an empty answer) cannot shift the lags.
  MetadataReplicaSim(Kernel& kernel, CattleSim& cattle, Trace& trace, MetadataReplicaOptions o,
                     Rng lag_rng, Rng empty_rng);
  // Called with every lag drawn, for the tests that hold the streams apart.
  void on_lag_drawn(std::function<void(Duration)> fn) { on_lag_ = std::move(fn); }

  // The replica process starts (first load after one lag) or stops for good.
  void start();
  void stop();
  void stall_for(Duration d);
  void answer_empty_for(Duration d);
  // Replays the reloads due by now. Reads do it themselves; the world calls
  // it at the end of a run so that the trace holds every reload.
  void catch_up();

  model::MetaAnswer<model::MetaHost> self_host();
  model::MetaAnswer<model::HostList> hosts();
  model::MetaAnswer<model::ContainerList> containers();
  model::MetaAnswer<model::ServiceMetadata> service_metadata();

  // For violation reports: what this replica had loaded, and since when.
  const std::shared_ptr<const CattleSnapshot>& snapshot() {
    catch_up();
    return snapshot_;
  }
  Instant loaded_at() {
    catch_up();
    return loaded_at_;
  }
  Instant stalled_until() const { return stall_until_; }
  // The oldest Cattle version this replica may still load (after catch_up).
  std::size_t oldest_needed() const { return delivered_; }
  // Reloads started, and the shortest time between two starts (for the
  // calibration: at most one a second).
  std::uint64_t reloads() const { return reloads_; }
  std::optional<Duration> shortest_reload_gap() const { return shortest_gap_; }
  bool running() const { return running_; }

 private:
  void reload(Instant at);
  void switch_to_next();
  Duration reload_time(std::size_t hosts) const;
  Duration draw_lag();

  Kernel& kernel_;
  CattleSim& cattle_;
  Trace& trace_;
  MetadataReplicaOptions opt_;
  Rng lag_rng_;
  Rng empty_rng_;
  std::function<void(Duration)> on_lag_;
  std::shared_ptr<const CattleSnapshot> snapshot_;  // null until the first load
  Instant loaded_at_ = 0;
  bool running_ = false;
  bool reload_pending_ = false;
  Instant reload_at_ = 0;      // when reload_pending_
  std::size_t delivered_ = 0;  // Cattle versions up to this one have reached the replica
  std::uint64_t name_hash_ = 0;
  // This host's entry in the loaded version, and which version that is.
  const model::MetaHost* self_ = nullptr;
  std::uint64_t self_found_in_ = ~std::uint64_t{0};
  Instant stall_until_ = 0;
  Instant empty_until_ = 0;
  // A reload under way: the version it loads, and when its answers switch.
  std::shared_ptr<const CattleSnapshot> next_;
  Instant switch_at_ = 0;
  bool switching_ = false;
  std::optional<Instant> last_start_;
  std::uint64_t reloads_ = 0;
  std::optional<Duration> shortest_gap_;
};

}  // namespace swarmsim::sim
