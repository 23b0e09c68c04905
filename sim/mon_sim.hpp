// MonSim: the swarmkit-mon container on one host. It runs the real logic
// (model::SwarmkitMon) and carries out what it asks for: Docker calls go to
// the host's engine, metadata reads to the host's replica, Cattle API calls
// over the network to the Rancher server, probes over the network to the
// leader. Sleeps are timers. The logic sees the host's skewed clock.
//
// Faults: whatever the services it calls inject; a crash or a removal stops
// the container, and the answers still in flight are dropped because they
// belong to a dead incarnation.
// Left out: the container's own start-up cost beyond the agent delay.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/swarmkit_mon.hpp"
#include "sim/swarm_sim.hpp"

namespace swarmsim::sim {

class World;

class MonSim {
 public:
  MonSim(World& world, HostIndex host, model::MonOptions options);
  ~MonSim();

  void start();
  void stop();
  // A recreated container runs with the stack's new settings.
  void set_options(model::MonOptions options) { options_ = std::move(options); }
  bool running() const { return logic_ != nullptr; }
  const model::SwarmkitMon* logic() const { return logic_.get(); }

 private:
  void pump();
  void execute(const model::Call& call);
  // What execute() remembers of a call until its reply comes back.
  struct Asked {
    // The request as the trace shows it: a fixed name, or for requests with
    // arguments a string made for it.
    const char* name = "";
    std::string with_args;
    std::string_view what() const { return with_args.empty() ? std::string_view(name) : with_args; }
    bool decisive = false;  // a read the pass's removals rest on
    std::uint64_t pass = 0;
    // When the answer was made, for reads served away from the host (the
    // Cattle API); unset: when it arrives.
    std::optional<Instant> served_at;
  };
  // The logic waits for one reply at a time: the call in flight.
  Asked asked_;
  model::RequestId asked_id_ = 0;
  // Hands a reply to the logic; a failed one is traced first, so that
  // `--verbose` shows what the logic was told, not only what it asked.
  // Replies name their call by the low 32 bits of the incarnation and of
  // the request id, so that a reply callback fits in std::function without
  // an allocation.
  void deliver(std::uint32_t incarnation, std::uint32_t id, model::Response r);
  std::function<void(model::Response)> reply_to(const model::Call& call);
  Instant local_now() const;
  // The script's label write: GET the whole host from the Cattle API, change
  // one label in the copy, PUT the copy back, GET again; until that read
  // shows the value, start over, at most kLabelWriteTries times.
  static constexpr int kLabelWriteTries = 5;
  model::Response get_host(const std::string& uuid) const;
  void write_label(const model::CattleSetHostLabel& label,
                   std::function<void(model::Response)> reply, int attempt);

  World& world_;
  HostIndex host_;
  model::MonOptions options_;
  std::unique_ptr<model::SwarmkitMon> logic_;
  std::uint64_t incarnation_ = 0;
};

}  // namespace swarmsim::sim
