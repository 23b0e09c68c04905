// A scenario: the whole environment and its timeline as plain data.
//
// Scenarios come from YAML files users edit (sim/scenario_yaml.cpp, schema in
// scenarios/README.md) and from the property-test generators, which write a
// shrunk counterexample back out as YAML. Everything a run depends on besides
// the seed and the policy is here, so a scenario file plus a seed is a
// complete bug report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/duration.hpp"
#include "model/time.hpp"
#include "sim/random.hpp"

namespace swarmsim::sim {

enum class Arch { X86_64, Aarch64 };

// How the OS image names the machine (the kernel hostname, which is what the
// Docker engine reports as Description.Hostname).
enum class HostnameStyle {
  Short,          // pi1
  Dotted,         // pi1.lab (the domain appended, e.g. by a Pi image's setup)
  Fqdn,           // pi1.lab.example.com
  Upper,          // PI1
  SharedDefault,  // raspberrypi: the image default, shared by every host using it
};

// How the Rancher agent computes the hostname it registers in Cattle (what
// metadata `/hosts` shows as `hostname`).
enum class AgentHostnameRule {
  Kernel,     // the kernel hostname as is
  Short,      // cut at the first dot
  Fqdn,       // `hostname -f`: kernel short name + "." + domain + ".example.com"
  Lowercase,  // lower-cased kernel hostname
  Override,   // CATTLE_HOSTNAME: `hostname_override` of the profile
  Null,       // the agent failed to report one: metadata says "null"
};

// The address the swarm managers see a node connect from: Status.Addr in
// `docker node ls`. Not always the agent IP the node advertises (R8).
enum class SeenAddr {
  AgentIp,         // the agent IP, as advertised
  Nat,             // the site's NAT address, shared by every host on the same link
  OtherInterface,  // a second interface of the host (wlan0 rather than eth0)
};

const char* to_string(Arch a);
std::string to_string(const std::vector<Arch>& arches);  // "x86_64, aarch64"
const char* to_string(SeenAddr a);
const char* to_string(HostnameStyle s);
const char* to_string(AgentHostnameRule r);

// One-way latency of a host's access link, plus its faults. A message between
// two hosts crosses both hosts' access links.
struct LinkClassSpec {
  std::string name;
  Distribution latency = Distribution::constant(kMillisecond);  // one-way, per access link
  double loss = 0.0;       // probability a message is dropped on this link
  double duplicate = 0.0;  // probability a message is delivered twice
  double reorder = 0.0;    // probability a message is held back by reorder_delay
  Distribution reorder_delay = Distribution::constant(0);
  bool operator==(const LinkClassSpec&) const = default;
};

struct ProfileSpec {
  std::string name;
  Arch arch = Arch::X86_64;
  double cpu_factor = 1.0;  // >= 1 stretches every local step (a Pi is ~4x a VM)
  HostnameStyle hostname_style = HostnameStyle::Short;
  std::string domain = "lab";  // used by Dotted and Fqdn styles and the Fqdn rule
  AgentHostnameRule agent_hostname = AgentHostnameRule::Kernel;
  std::string hostname_override;  // for AgentHostnameRule::Override; `{name}` is the host's name
  std::string link = "lan";       // name of a LinkClassSpec
  // Delay from a Cattle change to this host's metadata replica reloading it.
  Distribution metadata_lag = Distribution::constant(500 * kMillisecond);
  // Probability that one metadata `/hosts` answer comes back as an empty body.
  double metadata_empty_p = 0.0;
  // Rancher agent start-up: from host creation to swarmkit-mon starting
  // (before cpu_factor stretching).
  Distribution agent_startup = Distribution::constant(10 * kSecond);
  // After its engine joins the swarm, the host is busy (image pulls, a slow SD
  // card) and sends no heartbeats for this long (before cpu_factor). Zero:
  // never busy.
  Distribution busy_after_join = Distribution::constant(0);
  Duration clock_skew_ns = 0;                      // added to `now` as the host's logic sees it
  SeenAddr manager_sees_addr = SeenAddr::AgentIp;  // Status.Addr of this host's nodes
  bool operator==(const ProfileSpec&) const = default;
};

struct SwarmSpec {
  int manager_scale = 3;                     // MANAGER_SCALE
  Duration loop_interval_ns = 30 * kSecond;  // swarmkit-mon `sleep 30`
  // Heartbeats are not simulated one by one: a node's silence is tracked as
  // an interval (crash, partition, busy host) and it is `down` once silent
  // for down_after. The period only bounds down_after from below.
  Duration heartbeat_period_ns = 5 * kSecond;
  Duration down_after_ns = 15 * kSecond;  // no heartbeat this long: down
  Distribution registration_delay = Distribution::constant(300 * kMillisecond);  // cert to ready
  bool removed_node_sees_error = true;           // /info shows Swarm.Error after removal
  Duration grace_min_node_age_ns = 2 * kMinute;  // policy `grace`
  int fixed_max_removals_per_pass = 1;           // policy `fixed`
  bool operator==(const SwarmSpec&) const = default;
};

// The swarm stack as the Rancher catalog deploys it: the swarmkit-mon
// image, as the registry holds it under its tag, and the service's "always
// pull image" option. An engine runs the image it pulled last; one built
// for other architectures exits at once (exec format error) and that host's
// swarmkit-mon never runs.
struct StackSpec {
  std::vector<Arch> image_arches = {Arch::X86_64, Arch::Aarch64};
  bool always_pull = false;  // pull on every container start, not only when not cached
  bool operator==(const StackSpec&) const = default;
};

// The Rancher server's API as a writer meets it: now and then a write (a
// host's labels, the service's join tokens or departure notes) fails. Each
// write draws, on its host's own stream, whether Cattle answers it with a
// 503 without applying it (write_error), or applies it, or not, with equal
// odds, and never answers: the client waits out its time-out (write_timeout).
// Reads are left alone: the network already cuts them.
struct CattleSpec {
  double write_error_p = 0.0;    // probability a write is refused with 503
  double write_timeout_p = 0.0;  // probability a write's answer never comes
  bool operator==(const CattleSpec&) const = default;
};

// The control plane's finite capacity: the swarm leader, the CA's signer,
// the Rancher server's API workers and payload bandwidth, and the metadata
// replicas' reloads. Every default and its source is in
// scenarios/CALIBRATION.md; the simulator's use of them in sim/capacity.hpp.
struct LeaderSpec {
  int cores = 4;             // processor sharing over these
  int queue_limit = 10'000;  // requests in the leader at once; beyond: refused
  Duration heartbeat_cost_ns = 30 * kMicrosecond;  // one heartbeat, gRPC included
  Duration heartbeat_deadline_ns = 5 * kSecond;    // the engine's RPC deadline
  Duration register_cost_ns = 1 * kMillisecond;    // a session registration
  Duration join_cost_ns = 2 * kMillisecond;        // a certificate request: token check, raft write
  Duration sign_cost_ns = 10 * kMillisecond;       // the CA's serial signer, per certificate
  Duration read_cost_ns = 200 * kMicrosecond;      // GET /swarm, one node, a role check
  Duration list_base_ns = 200 * kMicrosecond;      // ListNodes
  Duration list_per_node_ns = 2 * kMicrosecond;    //   plus this per node
  Duration write_cost_ns = 2 * kMillisecond;       // a role update, a node removal: raft writes
  Duration remove_per_entry_ns = 100;              // a removal rewrites the blacklist: per entry
  Duration batch_interval_ns = 100 * kMillisecond;  // node updates committed in batches this often
  Duration request_timeout_ns = 20 * kSecond;       // the engine's control API calls
  std::int64_t remembered_removals = 0;             // blacklist entries at the start
  int removal_entry_bytes = 37;                     // per blacklist entry in the cluster object
  std::int64_t raft_max_bytes = 1572864;            // one proposal, 1.5 MiB
  bool operator==(const LeaderSpec&) const = default;
};
struct CattleApiSpec {
  int workers = 15;                               // request threads
  int queue_limit = 1000;                         // waiting beyond the workers; beyond: 503
  Duration read_cost_ns = 5 * kMillisecond;       // GET of one object
  Duration list_per_host_ns = 20 * kMicrosecond;  // GET /v1/hosts, per host
  Duration write_cost_ns = 15 * kMillisecond;     // a PUT: database write and events
  std::int64_t host_payload_bytes = 1024;  // a host's share of the metadata payload (compressed)
  double bandwidth_bytes_per_s = 125e6;    // the server's outgoing link (1 Gbit/s)
  bool operator==(const CattleApiSpec&) const = default;
};
struct MetadataReplicaSpec {
  Duration min_reload_interval_ns = 1 * kSecond;   // at most one reload a second
  Duration reload_base_ns = 20 * kMillisecond;     // regenerate the answers (before cpu_factor)
  Duration reload_per_host_ns = 2 * kMillisecond;  //   plus this per host in the environment
  bool operator==(const MetadataReplicaSpec&) const = default;
};
struct ServersSpec {
  LeaderSpec leader;
  CattleApiSpec cattle_api;
  MetadataReplicaSpec metadata;
  bool operator==(const ServersSpec&) const = default;
};

// A liveness property for capacity scenarios (RecoveryChecker): once a
// trigger has ended (`from`, the scenario's author says when) and the load
// offered is back below capacity, the control plane's servers answer every
// request within `latency`, refuse none and lose none, from `within` after
// `from` to the end of the run. A system that stays overloaded after its
// trigger has gone (a metastable failure) violates it.
struct RecoverySpec {
  Instant from_ns = 0;
  Duration within_ns = 5 * kMinute;
  Duration latency_ns = 5 * kSecond;
  bool operator==(const RecoverySpec&) const = default;
};

// A stack upgrade recreates one host's swarmkit-mon container this often.
inline constexpr Duration kStackUpgradeIntervalNs = 2 * kSecond;

enum class EventKind {
  AddHost,        // host joins Rancher (Cattle creates it): `host`, `profile`, `same_machine`
  RemoveHost,     // host deleted from Rancher and the machine shut down: `host`
  Crash,          // engine and agent stop for `duration_ns`, then reboot: `host`
  Partition,      // `hosts` cut off from everybody else for `duration_ns`
  MetadataStall,  // `host`'s replica stops reloading for `duration_ns`
  MetadataEmpty,  // `host`'s replica answers `/hosts` with an empty body for `duration_ns`
  DeleteHost,     // host deleted in Cattle (UI or API); machine, engine, containers run on
  MachineDies,    // the machine stops for good; its host stays in Cattle: `host`
  // The operator edits `host` in the Rancher UI: the dialog loads the whole
  // host, and `duration_ns` later saves it, with `labels` changed, as one
  // PUT of the whole object, reverting whatever was written in between.
  EditLabels,
  // The registry's swarmkit-mon tag is pushed again, now built for `arches`
  // (a CI job that built for x86_64 only): hosts pull it when they start the
  // container and have no copy, or on every start with always_pull.
  PublishImage,
  // The swarm stack is upgraded in Rancher: every host's swarmkit-mon
  // container is recreated, one host every 2 s in the order the hosts were
  // added (new containers, so new create_index values), pulling the image as
  // any container start does; `manager_scale` above zero sets a new
  // MANAGER_SCALE for the new containers.
  UpgradeStack,
};
const char* to_string(EventKind k);

struct EventSpec {
  Instant at_ns = 0;
  EventKind kind = EventKind::AddHost;
  std::string host;                // AddHost, RemoveHost, Crash, MetadataStall, MetadataEmpty
  std::string profile;             // AddHost
  std::vector<std::string> hosts;  // Partition
  Duration duration_ns = 0;        // Crash, Partition, MetadataStall, MetadataEmpty
  // AddHost: the machine last added under this name comes back (same agent
  // IP, its engine's swarm state on disk), instead of a freshly installed one.
  bool same_machine = false;
  // AddHost: the machine's kernel hostname as written, instead of the one the
  // profile's hostname_style makes (any string: `black-pearl` on several
  // hosts, an FQDN from reverse DNS such as `pi-07.edge.example`); empty:
  // the profile's. The agent's rule then applies to it as to any other.
  std::string kernel_hostname;
  // AddHost: the hostname the Rancher agent registers, as written, instead of
  // the one the profile's agent_hostname rule computes; empty: the rule's.
  std::string rancher_hostname;
  // EditLabels: the labels the operator sets (an empty value deletes one).
  std::map<std::string, std::string> labels;
  // PublishImage: the architectures the new image is built for.
  std::vector<Arch> arches;
  int manager_scale = 0;  // UpgradeStack: the new MANAGER_SCALE; 0: unchanged
  int line = 0;           // source line in the scenario file, 0 if generated
  bool operator==(const EventSpec& o) const {
    return at_ns == o.at_ns && kind == o.kind && host == o.host && profile == o.profile &&
           hosts == o.hosts && duration_ns == o.duration_ns && same_machine == o.same_machine &&
           kernel_hostname == o.kernel_hostname && rancher_hostname == o.rancher_hostname &&
           labels == o.labels && arches == o.arches && manager_scale == o.manager_scale;
  }
};

// A host group as scenario files write it: `count` hosts named by a
// pattern (prefix, number, suffix), arriving all at once (at), uniformly in
// a window (over) or as a Poisson process (per_minute, from at). Generators
// of environments use it too.
struct HostGroupSpec {
  std::string prefix, suffix;  // the name around its number
  int width = 0;               // numbers zero-padded to this many digits
  std::string profile;
  std::size_t count = 0;
  Duration at = 0;
  std::optional<std::pair<Duration, Duration>> over;
  std::optional<double> per_minute;
  int line = 0;  // in the scenario file; 0 if generated
};
// Its AddHost events, in order of arrival. The times draw from `seed` on a
// stream named by the pattern, so a group's arrivals do not depend on what
// else the scenario holds.
std::vector<EventSpec> expand_host_group(const HostGroupSpec& g, std::uint64_t seed);

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string file;                          // where it was read from, for messages
  std::uint64_t seed = 1;                    // default seed; the CLI's --seed overrides
  std::string policy = "legacy";             // default policy; the CLI's --policy overrides
  Duration duration_ns = 10 * kMinute;       // run at least this long
  Duration liveness_bound_ns = 3 * kMinute;  // after the last change heals
  SwarmSpec swarm;
  StackSpec stack;
  CattleSpec cattle;
  ServersSpec servers;
  std::optional<RecoverySpec> recovery;
  std::vector<LinkClassSpec> links;
  std::vector<ProfileSpec> profiles;
  std::vector<EventSpec> events;  // sorted by at_ns (stable), host additions included

  const ProfileSpec* find_profile(const std::string& name) const;
  const LinkClassSpec* find_link(const std::string& name) const;
  bool operator==(const ScenarioSpec& o) const {
    return name == o.name && description == o.description && seed == o.seed && policy == o.policy &&
           duration_ns == o.duration_ns && liveness_bound_ns == o.liveness_bound_ns &&
           swarm == o.swarm && stack == o.stack && cattle == o.cattle && servers == o.servers &&
           recovery == o.recovery && links == o.links && profiles == o.profiles &&
           events == o.events;
  }
};

// The bounds every scenario is held to, whoever wrote it. They keep every
// sum of instants the simulator forms far below the int64 limit (no value
// can overflow however it is combined), and keep a typo from becoming a run
// that never ends. scenarios/README.md lists them for users.
namespace limits {
inline constexpr std::size_t kFileBytes = 4 << 20;  // a scenario file, 4 MiB
inline constexpr Duration kDuration = 720 * kHour;  // any one duration or instant, 30 days
inline constexpr std::size_t kNameBytes = 253;      // a host, profile or link name, a domain
inline constexpr std::size_t kDescriptionBytes = 64 << 10;  // the description
inline constexpr double kCpuFactor = 100.0;                 // slowest host, times the reference VM
inline constexpr double kSigma = 10.0;                      // lognormal shape
inline constexpr int kManagerScale = 99;
inline constexpr int kRemovalsPerPass = 100'000;
inline constexpr Duration kLoopIntervalMin = 100 * kMillisecond;
inline constexpr Duration kHeartbeatPeriodMin = 100 * kMillisecond;
inline constexpr Duration kClockSkew = 24 * kHour;  // either way
inline constexpr std::size_t kHostAdditions = 100'000;
inline constexpr std::size_t kLabelsPerEdit = 64;  // labels one edit_labels sets
// Hosts and events together. YAML aliases let a small file list one event
// many times, so this also bounds the memory a file can ask for.
inline constexpr std::size_t kEvents = 300'000;
// Hosts times passes of the swarmkit-mon loop over the whole run: a bound on
// the work a run can ask for (tens of events a pass), so that a short loop
// interval over a month is refused rather than run for hours. 100,000 hosts
// for an hour at the script's 30 s are 12 million passes.
inline constexpr double kLoopPasses = 20e6;
}  // namespace limits

// format_duration (model/duration.hpp) writes durations the way a scenario
// file spells them, so that a user can search the file for a value a
// message quotes.
using swarmsim::format_duration;

// Semantic checks shared by the YAML loader and the generators: names
// resolve, hosts are added before they are used, values are within limits.
// Returns an empty string when valid, else what is wrong (and the event's
// line when it has one).
std::string validate(const ScenarioSpec& s);

// The instant after which nothing scripted happens: the last event, or the
// end of the last fault window.
Instant quiet_time(const ScenarioSpec& spec);
// When a run of the scenario ends: its duration, or the liveness bound after
// the quiet time, whichever is later.
Instant run_end(const ScenarioSpec& spec);

}  // namespace swarmsim::sim
