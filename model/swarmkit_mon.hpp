// swarmkit-mon: the per-host agent that joins Rancher hosts to a Docker
// Swarm, and on the leader host, the reconcile pass with the node-removal
// hook (`remove_old_hosts`) that evicted the arm64 workers in 2017.
//
// One instance runs per host, for the lifetime of its container. It is
// sans-IO: feed it handle_start / handle_response / handle_wakeup, drain it
// with poll_action. It never reads a clock, a socket or a random device; the
// `now` it is given is the host's local clock. The script was sequential, so
// at most one request is outstanding at any time.
//
// The phases are Boost.MSM machines (tables in swarmkit_mon.cpp, steps in
// swarmkit_mon_{loop,join,bootstrap,pass}.cpp): the loop
// (WaitAgentIp, CheckEngine, ReadSavedToken, CheckToken, Leaving,
// FindLeader, FindManagers, ReadManagers, CheckSwarm, ...; and for a host
// deleted in Cattle InfoToLeave, ConfirmDeleted, NoteDeparture), the agent's
// join (WaitLeader, CattleManagers, WaitToken, ConfirmHost, Joining,
// SaveToken, Joined), the leader's bootstrap (CheckSelf, CheckFirst,
// CheckPublished, Init, ReadTokens, PublishTokens, LabelManager) and its
// reconcile pass (ReadNodes, ReadHosts, Removing, Scaling, Purging), which
// a manager whose host is gone also runs to hand the lead over.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/io.hpp"
#include "model/removal_policy.hpp"
#include "model/time.hpp"

namespace swarmsim::model {

struct MonOptions {
  RemovalPolicy policy;
  int manager_scale = 3;                     // MANAGER_SCALE
  Duration loop_interval_ns = 30 * kSecond;  // `sleep 30` between loops
  Duration poll_interval_ns = 1 * kSecond;   // polling agent_ip and the join token
  int probe_attempts_max = 4;                // probes of leader:2377 before giving up
  Duration probe_backoff_ns = 1 * kSecond;   // first back-off, doubled per failure
};

class SwarmkitMon {
 public:
  explicit SwarmkitMon(MonOptions options);
  ~SwarmkitMon();
  SwarmkitMon(const SwarmkitMon&) = delete;
  SwarmkitMon& operator=(const SwarmkitMon&) = delete;

  // The container started: the first loop begins at once.
  void handle_start(Instant now);
  // The answer to Call `id`. Answers to anything but the outstanding call
  // (late, duplicated) are ignored, as the script would never read them.
  void handle_response(Instant now, RequestId id, const Response& response);
  // Sleep `id` is over.
  void handle_wakeup(Instant now, RequestId id);
  // The next thing the logic wants done, if any.
  std::optional<Action> poll_action();

  // Observation, for traces and tests.
  std::string phase() const;  // e.g. "Leading/ReadHosts"
  bool is_leader() const;
  // Set if the logic received an event its machines have no transition for:
  // a bug in this file's tables, reported rather than swallowed.
  const std::optional<std::string>& fault() const;

  struct Impl;  // the machines and their data: swarmkit_mon_impl.hpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace swarmsim::model
