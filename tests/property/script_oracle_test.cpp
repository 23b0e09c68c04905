// The legacy removal logic against the script it models. An oracle written
// in bash and jq (tests/script/remove_old_hosts.sh) decides, the way
// swarmkit-mon v5 did, which nodes the hook `remove_old_hosts` and the purge
// of down nodes remove for one reading of the Engine's GET /nodes and of the
// leader's metadata /hosts. model/removal_policy.cpp decides the same under
// policy `legacy`. Generated readings go through both, decision by decision:
// the IDs removed, in order, which of them were demoted first, and the IDs
// purged, in order.
//
// The readings are drawn by RapidCheck with a fixed seed, so every run sees
// the same ones. Starting bash and jq per reading would take minutes, so all
// readings are written to a scratch folder, one subfolder each, and a single
// run of the oracle answers them. On a disagreement RapidCheck shrinks the
// reading, asking the oracle about each smaller one, and the smallest
// disagreement is printed with both answers.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/Property.h>
#include <rapidcheck/detail/TestListener.h>
#include <stdlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/removal_policy.hpp"

using namespace swarmsim;
using namespace swarmsim::model;
namespace fs = std::filesystem;
namespace gen = rc::gen;

namespace {

constexpr std::uint64_t kSeed = 440264;
constexpr int kCases = 3000;
// Readings also answered by the literal, one-jq-per-pipeline transcription,
// to hold the fast path of the oracle to it.
constexpr int kDirectSamplesPerClass = 2;

const std::string kOracle = SWARMSIM_SOURCE_DIR "/tests/script/remove_old_hosts.sh";

using Ids = std::vector<std::string>;

// One reading of the leader: GET /nodes and its own replica's /hosts.
struct Reading {
  std::vector<Node> nodes;
  MetaAnswer<HostList> hosts;
};

// What one side decided for a reading.
struct Decisions {
  Ids removed;  // remove_old_hosts, in order
  Ids demoted;  // of those, demoted before `node rm`
  Ids purged;   // the down-node purge, in order
  bool operator==(const Decisions&) const = default;
};

// --- the Engine's and the metadata service's JSON ---------------------------

std::string engine_time(Instant t) {
  // Readings span less than an hour of the manager's clock.
  const auto s = t / kSecond;
  return fmt::format("2017-05-02T09:{:02}:{:02}.{:09}Z", (s / 60) % 60, s % 60, t % kSecond);
}

// GET /nodes as the Engine (API 1.24+) writes it: Go's `omitempty` leaves out
// empty strings, so an unregistered node has no Description.Hostname key;
// ManagerStatus exists on managers only.
std::string nodes_json(const std::vector<Node>& nodes) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& n : nodes) {
    nlohmann::ordered_json spec;
    if (!n.Spec.Name.empty()) spec["Name"] = n.Spec.Name;
    spec["Labels"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : n.Spec.Labels) spec["Labels"][k] = v;
    spec["Role"] = to_string(n.Spec.Role);
    spec["Availability"] = n.Spec.Availability;
    nlohmann::ordered_json description;
    if (!n.Description.Hostname.empty()) description["Hostname"] = n.Description.Hostname;
    description["Platform"] = nlohmann::ordered_json::object();
    if (!n.Description.Architecture.empty())
      description["Platform"]["Architecture"] = n.Description.Architecture;
    if (!n.Description.OS.empty()) description["Platform"]["OS"] = n.Description.OS;
    description["Engine"] = nlohmann::ordered_json::object();
    if (!n.Description.Hostname.empty()) description["Engine"]["EngineVersion"] = "17.03.1-ce";
    nlohmann::ordered_json status;
    status["State"] = to_string(n.Status.State);
    if (!n.Status.Addr.empty()) status["Addr"] = n.Status.Addr;
    nlohmann::ordered_json node;
    node["ID"] = n.ID;
    node["Version"] = {{"Index", n.VersionIndex}};
    node["CreatedAt"] = engine_time(n.CreatedAt);
    node["UpdatedAt"] = engine_time(n.CreatedAt + 5 * kSecond);
    node["Spec"] = spec;
    node["Description"] = description;
    node["Status"] = status;
    if (n.ManagerStatus_) {
      nlohmann::ordered_json ms;
      if (n.ManagerStatus_->Leader) ms["Leader"] = true;
      ms["Reachability"] = to_string(n.ManagerStatus_->Reachability_);
      if (!n.ManagerStatus_->Addr.empty()) ms["Addr"] = n.ManagerStatus_->Addr;
      node["ManagerStatus"] = ms;
    }
    out.push_back(node);
  }
  return out.dump();
}

// The body of metadata /hosts asked for as JSON.
std::string hosts_body(const MetaAnswer<HostList>& answer) {
  switch (answer.kind) {
    case MetaAnswerKind::Empty:
      return "";
    case MetaAnswerKind::NotFound:
      return "Not found";
    case MetaAnswerKind::Json:
      break;
  }
  auto out = nlohmann::ordered_json::array();
  for (const auto& h : answer.value) {
    nlohmann::ordered_json host;
    host["agent_ip"] = h.agent_ip;
    host["hostname"] = h.hostname;
    host["labels"] = nlohmann::ordered_json::object();
    for (const auto& [k, v] : h.labels) host["labels"][k] = v;
    host["name"] = h.name;
    host["uuid"] = h.uuid;
    out.push_back(host);
  }
  return out.dump();
}

std::string answer_kind(MetaAnswerKind k) {
  switch (k) {
    case MetaAnswerKind::Json:
      return "json";
    case MetaAnswerKind::Empty:
      return "empty body";
    case MetaAnswerKind::NotFound:
      return "Not found";
  }
  return "?";
}

std::string ids(const Ids& v) {
  std::string s = "[";
  for (const auto& id : v) s += (s.size() > 1 ? " " : "") + id;
  return s + "]";
}

std::string show(const Decisions& d) {
  return fmt::format("removed {} demoted {} purged {}", ids(d.removed), ids(d.demoted),
                     ids(d.purged));
}

std::string show(const Reading& r) {
  std::string s;
  for (const auto& n : r.nodes)
    s += fmt::format(
        "  node {} {:<22} {:<7} {}\n", n.ID,
        n.Description.Hostname.empty() ? "(unregistered)" : "'" + n.Description.Hostname + "'",
        to_string(n.Spec.Role), to_string(n.Status.State));
  s += fmt::format("  metadata /hosts: {}", answer_kind(r.hosts.kind));
  if (r.hosts.kind == MetaAnswerKind::Json) {
    s += " [";
    bool first = true;
    for (const auto& h : r.hosts.value) {
      s += (first ? "'" : " '") + h.hostname + "'";
      first = false;
    }
    s += "]";
  }
  s += fmt::format("\n  nodes.json: {}\n  hosts.body: {}\n", nodes_json(r.nodes),
                   hosts_body(r.hosts));
  return s;
}

// How RapidCheck prints a reading in its own messages.
void showValue(const Reading& r, std::ostream& os) {
  os << "\n" << show(r);
}

// --- both sides ----------------------------------------------------------

Decisions model_decisions(const Reading& r) {
  const auto legacy = *RemovalPolicy::from_name("legacy");
  const NodeList nodes = r.nodes;
  const ReconcileView view{0, "", &nodes, &r.hosts, nullptr};
  Decisions d;
  for (const auto& e : select_stale_nodes(legacy, view)) {
    d.removed.push_back(e.node_id);
    if (e.demote_first) d.demoted.push_back(e.node_id);
  }
  for (const auto& e : select_down_nodes(legacy, view)) d.purged.push_back(e.node_id);
  return d;
}

Ids parse_ids(const std::string& line, const std::string& key) {
  if (line.rfind(key + ":", 0) != 0)
    throw std::runtime_error("oracle answer line '" + line + "' is not '" + key + ": ...'");
  std::istringstream in(line.substr(key.size() + 1));
  Ids out;
  for (std::string id; in >> id;) out.push_back(id);
  return out;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "swarmsim-oracle-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

// The two bodies the oracle reads for one reading.
struct Bodies {
  std::string nodes;  // GET /nodes
  std::string hosts;  // metadata /hosts
};

Bodies bodies(const Reading& r) {
  return Bodies{nodes_json(r.nodes), hosts_body(r.hosts)};
}

// One run of the oracle over all readings; answers in the same order.
std::vector<Decisions> ask_oracle(const std::vector<Bodies>& readings, bool direct = false) {
  ScratchDir dir;
  std::vector<fs::path> cases;
  for (std::size_t i = 0; i < readings.size(); ++i) {
    cases.push_back(dir.path() / fmt::format("case-{:05}", i));
    fs::create_directory(cases.back());
    write_file(cases.back() / "nodes.json", readings[i].nodes);
    write_file(cases.back() / "hosts.body", readings[i].hosts);
  }
  const std::string command = fmt::format("bash '{}' {} --jobs 2 '{}'", kOracle,
                                          direct ? "--direct" : "", dir.path().string());
  const int status = std::system(command.c_str());
  if (status != 0) throw std::runtime_error(fmt::format("`{}` exited with {}", command, status));
  std::vector<Decisions> answers;
  for (const auto& c : cases) {
    std::ifstream in(c / "oracle.out");
    std::string removed, demoted, purged;
    if (!std::getline(in, removed) || !std::getline(in, demoted) || !std::getline(in, purged))
      throw std::runtime_error("no complete answer in " + (c / "oracle.out").string());
    answers.push_back(Decisions{parse_ids(removed, "removed"), parse_ids(demoted, "demoted"),
                                parse_ids(purged, "purged")});
  }
  return answers;
}

std::vector<Decisions> ask_oracle(const std::vector<Reading>& readings, bool direct = false) {
  std::vector<Bodies> b;
  for (const auto& r : readings) b.push_back(bodies(r));
  return ask_oracle(b, direct);
}

// --- generators ------------------------------------------------------------

// Few names, so that nodes share them and metadata hosts collide with them:
// short names, dotted and fully qualified ones, a case variant, the default
// hostnames of images that many hosts keep, and the string "null".
rc::Gen<std::string> gen_engine_hostname() {
  return gen::weightedElement<std::string>({{4, "pi1"},
                                            {3, "pi2"},
                                            {3, "manager-1"},
                                            {2, "pi1.lab"},
                                            {2, "pi-07.edge.example"},
                                            {2, "PI1"},
                                            {3, "raspberrypi"},
                                            {3, "black-pearl"},
                                            {1, "null"},
                                            {4, ""}});  // not registered yet
}

rc::Gen<std::string> gen_metadata_hostname() {
  return gen::weightedElement<std::string>({{4, "pi1"},
                                            {3, "pi2"},
                                            {4, "manager-1"},
                                            {2, "pi1.lab"},
                                            {1, "pi1.lab.example.com"},
                                            {2, "pi-07.edge.example"},
                                            {2, "PI1"},
                                            {1, "Black-Pearl"},
                                            {3, "raspberrypi"},
                                            {3, "black-pearl"},
                                            {2, "null"}});
}

rc::Gen<Node> gen_node() {
  return gen::apply(
      [](const std::string& hostname, NodeRole role, NodeState state, int octet, int age_s) {
        Node n;
        n.Description.Hostname = hostname;
        n.Spec.Role = role;
        n.Status.State = state;
        n.CreatedAt = age_s * kSecond;
        if (!hostname.empty()) {
          n.Description.Architecture =
              hostname.find("pi") != std::string::npos || hostname.find("PI") != std::string::npos
                  ? "aarch64"
                  : "x86_64";
          n.Status.Addr = fmt::format("10.42.0.{}", octet);
        }
        if (role == NodeRole::Manager)
          n.ManagerStatus_ = ManagerStatus{
              false, state == NodeState::Down ? Reachability::Unreachable : Reachability::Reachable,
              fmt::format("10.42.0.{}:2377", octet)};
        return n;
      },
      gen_engine_hostname(),
      gen::weightedElement<NodeRole>({{3, NodeRole::Worker}, {1, NodeRole::Manager}}),
      gen::weightedElement<NodeState>(
          {{5, NodeState::Ready}, {3, NodeState::Down}, {2, NodeState::Unknown}}),
      gen::inRange(2, 250), gen::inRange(0, 3000));
}

rc::Gen<MetaHost> gen_meta_host() {
  return gen::apply(
      [](const std::string& hostname, int octet) {
        MetaHost h;
        h.hostname = hostname;
        h.name = hostname == "null" ? fmt::format("host-{}", octet) : hostname;
        h.uuid = fmt::format("1f2e3d4c-0000-4000-8000-{:012}", octet);
        h.agent_ip = fmt::format("10.42.0.{}", octet);
        h.labels = {{"io.rancher.host.os", "linux"}};
        return h;
      },
      gen_metadata_hostname(), gen::inRange(2, 250));
}

// Lists of `min` to `max` elements, whatever the size RapidCheck is at.
// Shrinking drops any element, not only the last ones.
template <typename T>
rc::Gen<std::vector<T>> gen_list(int min, int max, rc::Gen<T> element) {
  const auto at_least = static_cast<std::size_t>(min), at_most = static_cast<std::size_t>(max);
  return gen::map(
      gen::suchThat(gen::resize(max, gen::container<std::vector<T>>(element)),
                    [at_least](const std::vector<T>& v) { return v.size() >= at_least; }),
      // suchThat retries at a larger size, which may give one more.
      [at_most](std::vector<T> v) {
        if (v.size() > at_most) v.resize(at_most);
        return v;
      });
}

// What a replica that has caught up lists for these nodes: each registered
// node's hostname, as is or with a domain the cut takes off again, plus a
// host or two that has no node (yet), at most eight in all.
rc::Gen<std::vector<MetaHost>> gen_mirrored_hosts(const std::vector<Node>& nodes) {
  std::vector<std::string> names;
  for (const auto& n : nodes)
    if (!n.Description.Hostname.empty()) names.push_back(n.Description.Hostname);
  return gen::apply(
      [names](std::vector<int> domains, std::vector<MetaHost> hosts) {
        for (std::size_t i = 0; i < names.size(); ++i) {
          MetaHost h;
          h.hostname = names[i] + std::array{"", ".lab", ".edge.example"}.at(domains[i]);
          h.name = names[i];
          h.uuid = fmt::format("5a6b7c8d-0000-4000-8000-{:012}", i);
          h.agent_ip = fmt::format("10.42.1.{}", i + 2);
          hosts.push_back(h);
        }
        if (hosts.size() > 8) hosts.resize(8);
        return hosts;
      },
      gen::container<std::vector<int>>(names.size(), gen::inRange(0, 3)),
      gen_list(0, 2, gen_meta_host()));
}

rc::Gen<MetaAnswer<HostList>> gen_hosts_answer(const std::vector<Node>& nodes) {
  using Answer = MetaAnswer<HostList>;
  enum Kind { Drawn, Mirrored, Empty, NotFound };
  return gen::mapcat(
      gen::weightedElement<Kind>({{5, Drawn}, {3, Mirrored}, {1, Empty}, {1, NotFound}}),
      [nodes](Kind kind) -> rc::Gen<Answer> {
        auto json = [](std::vector<MetaHost> hosts) {
          return Answer{MetaAnswerKind::Json, std::move(hosts)};
        };
        switch (kind) {
          case Drawn:
            return gen::map(gen_list(0, 8, gen_meta_host()), json);
          case Mirrored:
            return gen::map(gen_mirrored_hosts(nodes), json);
          case Empty:
            return gen::just(Answer{MetaAnswerKind::Empty, {}});
          case NotFound:
            break;
        }
        return gen::just(Answer{MetaAnswerKind::NotFound, {}});
      });
}

// Swarm node IDs are 25 characters of [0-9a-z]; these stand for eight nodes.
constexpr std::array<const char*, 8> kNodeIds = {
    "0mk3c9y1d5a8b2ne7q4r6t1u3", "1pz8w2x4c6v0b9n3m5l7k2j4h", "2q7e1r3t5y9u0i8o6p4a2s1d3",
    "3g5h7j9k1l2z4x6c8v0b3n5m7", "4w1e3r5t7y9u2i4o6p8a0s2d4", "5f6g8h0j2k4l6z8x1c3v5b7n9",
    "6m1n3b5v7c9x2z4l6k8j0h2g4", "7y2t4r6e8w0q3a5s7d9f1g3h5"};

rc::Gen<Reading> gen_reading() {
  return gen::mapcat(gen_list(1, 8, gen_node()), [](std::vector<Node> nodes) {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].ID = kNodeIds.at(i);
      nodes[i].VersionIndex = 10 + 7 * i;
    }
    return gen::map(gen_hosts_answer(nodes), [nodes](MetaAnswer<HostList> hosts) {
      return Reading{nodes, std::move(hosts)};
    });
  });
}

// --- input classes ----------------------------------------------------------

bool named_null(const Node& n) {
  return n.Description.Hostname == "null";
}
bool unregistered(const Node& n) {
  return n.Description.Hostname.empty();
}
bool down(const Node& n) {
  return n.Status.State == NodeState::Down;
}

bool null_lookup_finds_a_node(const Reading& r) {
  const auto& ns = r.nodes;
  const auto any = [&](auto pred) { return std::any_of(ns.begin(), ns.end(), pred); };
  bool null_is_a_key = false;  // the hook filters out nodes named "null" first
  if (r.hosts.kind == MetaAnswerKind::Json)
    for (const auto& h : r.hosts.value)
      null_is_a_key = null_is_a_key || h.hostname.substr(0, h.hostname.find('.')) == "null";
  const bool hook = !null_is_a_key && any(unregistered) && any(named_null);
  const bool purge = any([](const Node& n) { return down(n) && unregistered(n); }) &&
                     any([](const Node& n) { return down(n) && named_null(n); });
  return hook || purge;
}

enum class Agreement { Same, Different };

void PrintTo(Agreement a, std::ostream* os) {
  *os << (a == Agreement::Same ? "the same" : "different");
}

Agreement compare(const Reading&, const Decisions& script, const Decisions& model) {
  return script == model ? Agreement::Same : Agreement::Different;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The input classes the comparison must reach, and what the model made of
// the reading (so that "removes everything" is not all that is tested).
std::vector<std::string> classes(const Reading& r) {
  std::set<std::string> tags;
  std::set<std::string> engine_names, keys;
  bool some_unregistered = false;
  for (const auto& n : r.nodes) {
    const auto& h = n.Description.Hostname;
    if (h.empty())
      some_unregistered = true;
    else if (!engine_names.insert(h).second)
      tags.insert("shared-hostname");
    if (h.find('.') != std::string::npos) tags.insert("dotted");
    if (h == "null") tags.insert("node-named-null");
    if (down(n)) tags.insert("down-nodes");
  }
  if (some_unregistered) tags.insert("unregistered");
  if (null_lookup_finds_a_node(r)) tags.insert("null-lookup-hits");
  if (r.hosts.kind == MetaAnswerKind::Empty) tags.insert("empty-answer");
  if (r.hosts.kind == MetaAnswerKind::NotFound) tags.insert("not-found");
  if (r.hosts.kind == MetaAnswerKind::Json) {
    for (const auto& mh : r.hosts.value) {
      if (mh.hostname.find('.') != std::string::npos) tags.insert("dotted");
      if (mh.hostname == "null") tags.insert("null-hostname");
      keys.insert(mh.hostname.substr(0, mh.hostname.find('.')));
    }
  }
  for (const auto& h : engine_names)
    for (const auto& k : keys)
      if (h != k && lower(h) == lower(k)) tags.insert("case-mismatch");
  const Decisions m = model_decisions(r);
  const auto registered = r.nodes.size() - static_cast<std::size_t>(std::count_if(
                                               r.nodes.begin(), r.nodes.end(), unregistered));
  if (m.removed.empty())
    tags.insert("hook-removes-none");
  else if (m.removed.size() < registered)
    tags.insert("hook-removes-some");
  if (!m.demoted.empty()) tags.insert("hook-demotes");
  if (!m.purged.empty()) tags.insert("purge-removes");
  return {tags.begin(), tags.end()};
}

// --- the run: generate, ask the oracle once, compare -------------------------

// Counts each tag RapidCheck recorded, and nothing else.
class TagCounter : public rc::detail::TestListener {
 public:
  explicit TagCounter(std::map<std::string, int>& counts) : counts_(counts) {}
  void onTestCaseFinished(const rc::detail::CaseDescription& d) override {
    for (const auto& t : d.tags) {
      // RC_TAG shows a string quoted.
      const bool quoted = t.size() >= 2 && t.front() == '"' && t.back() == '"';
      ++counts_[quoted ? t.substr(1, t.size() - 2) : t];
    }
  }
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}

 private:
  std::map<std::string, int>& counts_;
};

rc::detail::TestParams params() {
  rc::detail::TestParams p;
  p.seed = kSeed;
  p.maxSuccess = kCases;
  p.maxSize = 100;
  return p;
}

// The readings, the same every run: RapidCheck with a fixed seed, each
// reading tagged with its classes. ctest runs every test in a process of its
// own, so each test computes only what it needs.
struct Generated {
  std::vector<Reading> readings;
  std::map<std::string, int> tag_counts;
  std::string error;  // why there are no readings
};

const Generated& generated() {
  static const Generated run = [] {
    Generated r;
    TagCounter counter(r.tag_counts);
    const auto result = rc::detail::checkProperty(
        rc::detail::toProperty([&] {
          Reading reading = *gen_reading();
          for (const auto& c : classes(reading)) RC_TAG(c);
          r.readings.push_back(std::move(reading));
        }),
        rc::detail::TestMetadata{"script-oracle-readings", ""}, params(), counter);
    if (rc::detail::SuccessResult ok; !result.match(ok)) {
      std::ostringstream why;
      rc::detail::printResultMessage(result, why);
      r.error = "generating the readings failed: " + why.str();
    }
    return r;
  }();
  return run;
}

std::string disagreement(const Reading& r, const Decisions& oracle, const Decisions& model) {
  return fmt::format("{}  script (oracle): {}\n  model (legacy):  {}\n", show(r), show(oracle),
                     show(model));
}

// --- hand-written readings ---------------------------------------------------

Node node(const std::string& id, const std::string& hostname, NodeRole role = NodeRole::Worker,
          NodeState state = NodeState::Ready) {
  Node n;
  n.ID = id;
  n.Description.Hostname = hostname;
  n.Spec.Role = role;
  n.Status.State = state;
  if (role == NodeRole::Manager)
    n.ManagerStatus_ = ManagerStatus{true, Reachability::Reachable, ""};
  return n;
}

MetaHost meta(const std::string& hostname) {
  return MetaHost{hostname, "u-" + hostname, hostname, "10.0.0.9", {}};
}

MetaAnswer<HostList> json(std::vector<MetaHost> hosts) {
  return {MetaAnswerKind::Json, std::move(hosts)};
}

}  // namespace

TEST(ScriptOracle, GeneratorsReachEveryInputClassOften) {
  const Generated& run = generated();
  ASSERT_TRUE(run.error.empty()) << run.error;
  ASSERT_EQ(run.readings.size(), static_cast<std::size_t>(kCases));
  std::printf("What the generators reached over %d readings, seed %llu (share per class):\n",
              kCases, static_cast<unsigned long long>(kSeed));
  for (const auto& [tag, n] : run.tag_counts)
    std::printf("  %-20s %5.1f%%\n", tag.c_str(), 100.0 * n / kCases);
  auto share = [&](const std::string& tag) {
    auto it = run.tag_counts.find(tag);
    return it == run.tag_counts.end() ? 0.0 : static_cast<double>(it->second) / kCases;
  };
  for (const char* tag :
       {"unregistered", "shared-hostname", "dotted", "case-mismatch", "null-hostname", "down-nodes",
        "hook-removes-none", "hook-removes-some", "hook-demotes", "purge-removes"})
    EXPECT_GE(share(tag), 0.10) << tag;
  EXPECT_GE(share("null-lookup-hits"), 0.03);
  for (const char* tag : {"empty-answer", "not-found", "node-named-null"})
    EXPECT_GE(share(tag), 0.05) << tag;
}

TEST(ScriptOracle, LegacyDecidesAsTheScriptOnEveryGeneratedReading) {
  const Generated& run = generated();
  ASSERT_TRUE(run.error.empty()) << run.error;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Decisions> oracle = ask_oracle(run.readings);
  ASSERT_EQ(oracle.size(), run.readings.size());
  std::printf("oracle: %zu readings in %.1f s\n", run.readings.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  std::size_t different = 0;
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < run.readings.size(); ++i) {
    switch (compare(run.readings[i], oracle[i], model_decisions(run.readings[i]))) {
      case Agreement::Same:
        break;
      case Agreement::Different:
        if (!first) first = i;
        ++different;
        break;
    }
  }
  if (different == 0) return;

  // Shrink: the same property over the same readings, now comparing, so
  // that RapidCheck finds the first disagreement again and makes it small.
  // Readings answered above are looked up; smaller ones go to the oracle.
  std::unordered_map<std::string, Decisions> answered;
  for (std::size_t i = 0; i < run.readings.size(); ++i) answered[show(run.readings[i])] = oracle[i];
  std::string smallest;  // RapidCheck tries smaller readings only after a failing one
  std::map<std::string, int> tags;
  TagCounter counter(tags);
  rc::detail::checkProperty(rc::detail::toProperty([&] {
                              const Reading reading = *gen_reading();
                              const std::string key = show(reading);
                              auto it = answered.find(key);
                              if (it == answered.end())
                                it = answered.emplace(key, ask_oracle({reading}).at(0)).first;
                              const Decisions model = model_decisions(reading);
                              if (compare(reading, it->second, model) != Agreement::Different)
                                return;
                              smallest = disagreement(reading, it->second, model);
                              RC_FAIL("the legacy model and the script disagree");
                            }),
                            rc::detail::TestMetadata{"script-oracle-compare", ""}, params(),
                            counter);
  ADD_FAILURE() << fmt::format(
      "the legacy model and the script disagree on {} of {} readings; the first:\n{}\n"
      "shrunk to:\n{}",
      different, run.readings.size(),
      disagreement(run.readings[*first], oracle[*first], model_decisions(run.readings[*first])),
      smallest);
}

// The fast path of the oracle (one jq for everything, bash doing the word
// splitting and the cut) against its literal transcription (the script's own
// pipelines, one jq process each) on a few readings of every class.
TEST(ScriptOracle, FastOracleAnswersAsTheScriptsOwnPipelines) {
  const Generated& run = generated();
  ASSERT_TRUE(run.error.empty()) << run.error;
  std::vector<std::size_t> sample;
  std::map<std::string, int> taken;
  for (std::size_t i = 0; i < run.readings.size(); ++i) {
    bool wanted = i < 4;
    for (const auto& c : classes(run.readings[i]))
      if (taken[c] < kDirectSamplesPerClass) wanted = true;
    if (!wanted) continue;
    for (const auto& c : classes(run.readings[i])) ++taken[c];
    sample.push_back(i);
  }
  std::vector<Reading> readings;
  for (auto i : sample) readings.push_back(run.readings[i]);
  const auto fast = ask_oracle(readings);
  const auto direct = ask_oracle(readings, /*direct=*/true);
  for (std::size_t k = 0; k < sample.size(); ++k)
    EXPECT_EQ(show(direct[k]), show(fast[k])) << show(readings[k]);
  std::printf("%zu readings answered both ways\n", sample.size());
}

// The oracle alone, against what the script does as worked out by hand from
// its jq programs: the rows of LegacyPolicy.FollowsTheScriptsObservableSemantics
// (tests/unit/removal_policy_test.cpp) and metadata answers the model cannot
// express.
TEST(ScriptOracle, AnswersHandWrittenReadingsAsTheScriptDoes) {
  using K = MetaAnswerKind;
  using M = NodeRole;
  using S = NodeState;
  const Node m1 = node("m1", "manager-1", M::Manager);
  struct Row {
    const char* what;
    Bodies input;
    Decisions script;
  };
  auto row = [](const char* what, std::vector<Node> nodes, MetaAnswer<HostList> hosts,
                Decisions script) {
    return Row{what, bodies(Reading{std::move(nodes), std::move(hosts)}), std::move(script)};
  };
  const std::vector<Row> rows = {
      row("names agree", {m1, node("a", "pi1")}, json({meta("manager-1"), meta("pi1")}), {}),
      row("dotted engine hostname", {m1, node("a", "pi1.lab")},
          json({meta("manager-1"), meta("pi1.lab")}), {{"a"}, {}, {}}),
      row("FQDN on the metadata side only", {m1, node("a", "pi1")},
          json({meta("manager-1"), meta("pi1.edge.example")}), {}),
      row("case mismatch", {m1, node("a", "PI1")}, json({meta("manager-1"), meta("pi1")}),
          {{"a"}, {}, {}}),
      row("metadata hostname \"null\"", {m1, node("a", "pi1")},
          json({meta("manager-1"), meta("null")}), {{"a"}, {}, {}}),
      row("empty answer", {m1, node("a", "pi1")}, {K::Empty, {}}, {{"m1", "a"}, {"m1"}, {}}),
      row("Not found answer", {m1, node("a", "pi1")}, {K::NotFound, {}}, {{"m1", "a"}, {"m1"}, {}}),
      row("unregistered node, no metadata entry", {m1, node("u", "")}, json({meta("manager-1")}),
          {}),
      row("unregistered node, empty answer", {m1, node("u", "")}, {K::Empty, {}},
          {{"m1"}, {"m1"}, {}}),
      row("two stale nodes share a hostname",
          {m1, node("a", "raspberrypi"), node("b", "raspberrypi")}, json({meta("manager-1")}),
          {{"a"}, {}, {}}),
      row("a live host hides a stale node of the same name",
          {m1, node("a", "raspberrypi", M::Worker, S::Down), node("b", "raspberrypi")},
          json({meta("manager-1"), meta("raspberrypi")}), {{}, {}, {"a"}}),
      row("down nodes sharing a hostname",
          {m1, node("a", "black-pearl", M::Worker, S::Down),
           node("b", "black-pearl", M::Worker, S::Down)},
          json({meta("manager-1"), meta("black-pearl")}), {{}, {}, {"a"}}),
      row("an unregistered down node is never purged", {m1, node("ud", "", M::Worker, S::Down)},
          json({meta("manager-1")}), {}),
      row("a down manager is purged, and removed first by the hook",
          {node("m2", "manager-2", M::Manager, S::Down), m1}, json({meta("manager-1")}),
          {{"m2"}, {"m2"}, {"m2"}}),
      row("an unregistered node's lookup finds the node named \"null\"",
          {node("u", ""), node("a", "pi1"), node("n", "null")}, json({}), {{"n", "a"}, {}, {}}),
  };
  std::vector<Bodies> inputs;
  for (const auto& r : rows) inputs.push_back(r.input);
  const std::string nodes_named_null = nodes_json({m1, node("n", "null"), node("a", "pi1")});
  // Metadata hosts without a hostname, or with a JSON null one: jq -r prints
  // `null` for both, so the node named "null" is kept.
  inputs.push_back({nodes_named_null, R"([{"hostname":"manager-1"},{"name":"rancher-2"}])"});
  inputs.push_back({nodes_named_null, R"([{"hostname":"manager-1"},{"hostname":null}])"});
  // An empty hostname is no word at all; a list that is not one of hosts
  // stops jq at the first entry it cannot index.
  inputs.push_back({nodes_named_null, R"([{"hostname":""},{"hostname":"manager-1"}])"});
  inputs.push_back({nodes_named_null, R"([{"hostname":"pi1"},"manager-1",{"hostname":"null"}])"});
  const std::vector<Decisions> raw_expected = {
      {{"a"}, {}, {}}, {{"a"}, {}, {}}, {{"n", "a"}, {}, {}}, {{"m1", "n"}, {"m1"}, {}}};
  const auto answers = ask_oracle(inputs);
  ASSERT_EQ(answers.size(), rows.size() + raw_expected.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    EXPECT_EQ(show(answers[i]), show(rows[i].script))
        << rows[i].what << "\n  nodes.json: " << rows[i].input.nodes
        << "\n  hosts.body: " << rows[i].input.hosts;
  for (std::size_t i = 0; i < raw_expected.size(); ++i)
    EXPECT_EQ(show(answers[rows.size() + i]), show(raw_expected[i]))
        << "hosts.body: " << inputs[rows.size() + i].hosts;
}

// Once a disagreement, now a row: an unregistered node's lookup of `null`
// finds the node whose hostname is the string "null" and removes it at the
// unregistered node's turn, before `pi1`, in the hook and in the purge. The
// model first removed them in list order.
TEST(ScriptOracle, AnUnregisteredNodesLookupRemovesTheNodeNamedNullAtItsTurn) {
  const Reading r{{node("u", "", NodeRole::Worker, NodeState::Down),
                   node("a", "pi1", NodeRole::Worker, NodeState::Down),
                   node("n", "null", NodeRole::Worker, NodeState::Down)},
                  json({})};
  const Decisions script = ask_oracle(std::vector<Reading>{r}).at(0);
  EXPECT_EQ(script.removed, (Ids{"n", "a"}));
  EXPECT_EQ(script.purged, (Ids{"n", "a"}));
  const Decisions model = model_decisions(r);
  EXPECT_EQ(compare(r, script, model), Agreement::Same) << disagreement(r, script, model);
}
