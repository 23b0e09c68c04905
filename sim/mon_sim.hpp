// MonSim: the swarmkit-mon container on one host. It runs the real logic
// (model::Agent) and carries its requests to the service model::service_of
// names: Docker calls to the host's engine, metadata reads to the host's
// replica, Cattle API calls over the network to the Rancher server
// (CattleSim::serve), probes over the network to their target. It carries
// out no procedure of the logic: the label write and the service updates
// are the logic's own (model/cattle_write.hpp). Sleeps are timers. The
// logic sees the host's skewed clock.
//
// Faults: whatever the services it calls inject; a crash or a removal stops
// the container, and the answers still in flight are dropped because they
// belong to a dead incarnation. Its Cattle writes meet the scenario's write
// faults (CattleSpec): refused with a 503, or applied or not and never
// answered, drawn on the machine's own stream `cattle-write/<machine>`.
// Left out: the container's own start-up cost beyond the agent delay.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "model/agent.hpp"
#include "sim/capacity.hpp"
#include "sim/cattle_sim.hpp"
#include "sim/kernel.hpp"
#include "sim/network_sim.hpp"
#include "sim/rpc_sim.hpp"
#include "sim/swarm_sim.hpp"
#include "sim/trace.hpp"

namespace swarmsim::sim {

struct HostSim;
struct MachineDisk;

class MonSim {
 public:
  // What a swarmkit-mon container needs from the world around it: the
  // machines (its own, with its engine, replica and disk; a probe's
  // target), where to report the reads a reconcile pass rests on, and where
  // to report a fault of the logic. The world implements it.
  class Env {
   public:
    // The machines, to read; the agent writes only its own machine's disk.
    virtual const HostSim& host(HostIndex index) = 0;
    virtual const HostSim* host_at_addr(const std::string& addr) = 0;  // "ip" or "ip:port"
    virtual MachineDisk& disk(HostIndex index) = 0;
    // A read a pass's removals rest on was answered (as of when it was made);
    // `of_hosts`: it reads the hosts (Cattle's, or metadata /hosts).
    virtual void read_decided(HostIndex host, std::uint64_t pass, Instant as_of, bool of_hosts) = 0;
    // Such a read failed or listed nothing.
    virtual void read_failed(HostIndex host, std::uint64_t pass, const std::string& what) = 0;
    // The logic made a call; `leader`: it led when it did (for metrics).
    virtual void call_made(HostIndex host, const model::Request& request, bool leader) = 0;
    // The logic began a write that ties `node_id` to its host (a claim, a
    // departure note); a loop begun at `started` ran to its end while the
    // engine held `node_id`.
    virtual void tie_write_begun(HostIndex host, const std::string& node_id) = 0;
    virtual void loop_ran_to_end(HostIndex host, const std::string& node_id, Instant started) = 0;
    virtual void report_internal_fault(std::string what) = 0;
    // The named random stream (see sim/random.hpp).
    virtual Rng rng_for(const std::string& stream) const = 0;
    // The Rancher server's API workers (sim/capacity.hpp).
    virtual CattleCapacity& cattle_capacity() = 0;

   protected:
    ~Env() = default;
  };
  struct Options {
    Duration metadata_latency_ns = 0;  // a read of the local replica or disk
    Duration cattle_timeout_ns = 0;
    Duration probe_timeout_ns = 0;
    double cattle_write_error_p = 0.0;    // CattleSpec::write_error_p
    double cattle_write_timeout_p = 0.0;  // CattleSpec::write_timeout_p
  };
  // `cattle` is reached at `rancher_server` over the network, through `rpc`.
  MonSim(Env& env, Kernel& kernel, Trace& trace, RpcSim& rpc, CattleSim& cattle,
         EndpointId rancher_server, Options options, HostIndex host,
         model::MonOptions logic_options);
  ~MonSim();

  void start();
  void stop();
  // A recreated container runs with the stack's new settings.
  void set_options(const model::MonOptions& options) { options_ = options; }
  bool running() const { return logic_ != nullptr; }
  // When the running container started (its logic knows nothing older).
  Instant started_at() const { return started_at_; }
  const model::SwarmkitMon* logic() const { return logic_ ? &logic_->logic() : nullptr; }

 private:
  void pump();
  void execute(model::Call call);
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
    bool of_hosts = false;  // Cattle's hosts or metadata /hosts
  };
  // The logic waits for one reply at a time: the call in flight.
  Asked asked_;
  model::RequestId asked_id_ = 0;
  // Hands a reply to the logic; a failed one is traced first, so that
  // `--verbose` shows what the logic was told, not only what it asked.
  // Replies name their call by the low 32 bits of the incarnation and of
  // the request id, so that a reply callback fits in std::function without
  // an allocation.
  void deliver(std::uint32_t incarnation, std::uint32_t id, const model::Response& r);
  std::function<void(model::Response)> reply_to(const model::Call& call);
  Instant local_now() const;
  // What this agent last read of each Cattle object, as served: what its
  // next PUT of the object is based on, so that CattleSim can say what
  // that PUT reverts.
  std::map<std::string, CattleSim::Labels> read_labels_;
  model::ServiceMetadata read_service_;
  void carry_to_cattle(const model::Call& call, std::function<void(model::Response)> reply);
  // A Cattle API request: across the network, queued at the API's workers,
  // then `apply` at the server; a full queue answers 503.
  void to_cattle(const model::Request& req, std::function<model::Response()> apply,
                 std::function<void(model::Response)> reply);
  // A write through the Cattle API (`apply` runs at the Rancher server),
  // with the scenario's write faults.
  void cattle_write(const model::Request& req, std::function<model::Response()> apply,
                    std::function<void(model::Response)> reply);
  std::optional<Rng> write_faults_;  // drawn from only when a write fault can happen

  Env& env_;
  Kernel& kernel_;
  Trace& trace_;
  RpcSim& rpc_;
  CattleSim& cattle_;
  EndpointId rancher_server_;
  Options timing_;
  HostIndex host_;
  model::MonOptions options_;
  std::unique_ptr<model::Agent> logic_;
  std::uint64_t incarnation_ = 0;
  Instant started_at_ = 0;
  std::optional<Instant> loop_started_;  // the current loop's first read of its own host
};

}  // namespace swarmsim::sim
