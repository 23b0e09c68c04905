// The recovery check: does the control plane come back once its trigger
// has gone, or does it stay overloaded (a metastable failure)?
//
// A scenario that declares `recovery: {from, within, latency}` says that
// its trigger (a leader restart in a join storm, a slow Rancher server) has
// ended by `from` and that the load offered afterwards is below capacity.
// The promise checked: from `from + within` to the end of the run, every
// request a server of the control plane (each swarm's leader and CA
// signer, the Rancher server's API) serves is answered within `latency`,
// and none is refused or lost. Whatever keeps it overloaded after the
// trigger (retries and re-registrations whose time-outs are shorter than
// the queueing, a policy's removals that make nodes join again) is caught
// by its symptoms: answers past the bound, refusals, losses.
//
// The checker only reads the world (ServerAnswered events). Its report
// gives the symptoms per server and class after the deadline and a count
// per minute from `from`, so a reader sees whether the load was draining.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/checkers.hpp"
#include "sim/world_event.hpp"

namespace swarmsim::sim {

class World;

class RecoveryChecker final : public WorldObserver {
 public:
  // Registers with `world` when its scenario declares `recovery`.
  explicit RecoveryChecker(World& world);
  void on(const WorldEvent& event) override;
  // A violation (`no-recovery`) if symptoms outlived the deadline.
  std::optional<Violation> check() const;
  // When the last symptom at or after `from` was seen; nullopt without
  // symptoms (or without `recovery`).
  std::optional<Instant> last_symptom() const { return last_symptom_; }

 private:
  struct Symptoms {
    std::uint64_t slow = 0, late = 0, refused = 0, dropped = 0;
    Duration worst = 0;
    std::uint64_t total() const { return slow + late + refused + dropped; }
  };
  void on_answered(const ServerAnswered& a);

  const World& world_;
  std::optional<RecoverySpec> spec_;
  // After the deadline, per "server class".
  std::map<std::string, Symptoms> after_deadline_;
  std::optional<Instant> first_after_deadline_;
  std::optional<Instant> last_symptom_;
  std::vector<std::uint64_t> per_minute_;  // symptoms from `from`, a minute each
};

}  // namespace swarmsim::sim
