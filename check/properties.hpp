// The properties every generated environment must satisfy, and the runner
// behind `swarmsim check` and the property tests.
//
//  - no-spurious-eviction: the hook never removes or demotes the node of a
//    host that exists in Cattle (nor the leader itself, nor the last manager);
//  - cleanup: the node of a removed host is gone within the liveness bound;
//  - convergence: after the last change and after faults heal, every live
//    host has exactly one ready node within the bound;
//  - no-flapping: a live host joins a bounded number of times;
//  - one-swarm: no `swarm init` while the environment's swarm has managers
//    (a second swarm beside it is a split brain);
//  - determinism: the same case run twice gives the same digest.
// And the promises some policies make (RemovalPolicy::promises_*), checked
// only under the policies that make them:
//  - bounded-removals: at most the policy's bound of removals per pass;
//  - spares-itself: the leader never demotes or removes its own node;
//  - no-removal-on-failed-read: nothing is removed in a pass whose decisive
//    read (Cattle's hosts, or metadata /hosts, and `GET /nodes`) failed or
//    came back empty;
//  - manager-count: once the world is quiet (by the liveness bound), the
//    managers are MANAGER_SCALE, or the largest odd count the live nodes
//    allow, each a live host's ready node (a raft quorum the world took, as
//    sim/quorum_checker.hpp excuses it, excuses this too);
//  - sound-promotions: no node is made a manager whose host had left
//    Rancher before the reads its pass decided on.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check/environment.hpp"
#include "sim/runner.hpp"

namespace swarmsim::check {

enum class Property {
  NoSpuriousEviction,
  Cleanup,
  Convergence,
  NoFlapping,
  Determinism,
  BoundedRemovals,
  SparesItself,
  NoRemovalOnFailedRead,
  OneSwarm,
  ManagerCount,
  SoundPromotions,
  NotesKept,       // fixed: a departure note lost to another writer's PUT is written again
  SimulatorFault,  // the simulator or the logic reached an impossible state
};
const char* to_string(Property p);
std::optional<Property> property_from_name(const std::string& name);
// Every property, in the order a case's failures are attributed.
const std::vector<Property>& all_properties();
// The properties `policy` is held to: the six, and the promises it makes.
std::vector<Property> properties_for(const std::string& policy);
// Whether `policy` makes the promise `p` stands for (true for the six).
bool promised_by(Property p, const std::string& policy);

// Joins a live host may make per time it was added to Rancher.
inline constexpr int kJoinsPerAdditionMax = 3;

struct CaseVerdict {
  std::optional<Property> failed;  // the first property violated, in all_properties() order
  std::string message;
  sim::RunResult result;
};

// Runs one scenario under `policy` and checks `properties` on it.
// With `interrupt` set during the run, result.interrupted is true and
// nothing is judged.
CaseVerdict evaluate(const sim::ScenarioSpec& spec, const std::string& policy,
                     const std::vector<Property>& properties,
                     const std::atomic<bool>* interrupt = nullptr);

struct CheckOptions {
  std::string policy = "fixed";
  int cases = 100;
  std::uint64_t seed = 1;  // RapidCheck's seed
  int max_hosts = 20;
  bool join_bursts = false;  // GenOptions::join_bursts
  bool shrink = true;        // false: keep the first failing case as generated
  // Checked only where the policy promises them (properties_for).
  std::vector<Property> properties = all_properties();
  std::string reproduce;  // a reproduce string from an earlier failure
  // Cases evaluated at once, one per thread. The result does not depend on
  // it: the same cases are generated in the same order, the first failing
  // one is the one a single thread would find, and shrinking is sequential.
  int jobs = 1;
  std::function<void(int cases_done)> on_case;  // progress
  // Set from outside (a signal handler) to stop: the simulation in flight
  // ends within a few thousand events, and the check returns after the
  // current case or shrink step with what it found (CheckReport::interrupted).
  const std::atomic<bool>* interrupt = nullptr;
};

struct CheckReport {
  int cases_run = 0;
  bool found = false;
  std::optional<Property> property;
  std::string message;  // why the counterexample fails
  std::optional<sim::ScenarioSpec> counterexample;
  int hosts_in_counterexample = 0;
  int shrinks = 0;
  std::string reproduce;  // pass back with --reproduce
  bool gave_up = false;
  // Cases whose only liveness failures were the environment's (a metadata
  // replica that never answered): not failures of the logic, counted apart.
  int inconclusive = 0;
  // What made them so: the kind of the first world event the first excused
  // violation names (machine_dies, delete_host, metadata_lag, ...).
  std::map<std::string, int> inconclusive_causes;
  // Stopped by CheckOptions::interrupt. With `found`, the counterexample is
  // the smallest failing case seen so far: shrinking did not finish, and
  // there is no reproduce string.
  bool interrupted = false;
  bool shrink_complete = false;  // found, and shrinking ran to the end
  // How often each tag (mechanism, fault, arch mix) appeared in the cases run.
  std::map<std::string, int> tag_counts;
};

CheckReport run_check(const CheckOptions& options);

// The name a reproduce string files a policy's check under.
std::string check_id(const std::string& policy);

// The kind of world event that made a run inconclusive, for the tally:
// the first word of the first event its first excused violation names.
std::string inconclusive_cause(const sim::RunResult& r);

// Distinct host names a scenario adds.
int count_hosts(const sim::ScenarioSpec& spec);

}  // namespace swarmsim::check
