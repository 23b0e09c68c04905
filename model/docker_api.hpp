// The subset of the Docker Engine API (v1.24+, swarm mode) that swarmkit-mon
// uses, in the Engine's own vocabulary. Field names follow the JSON the
// Engine returns (`Description.Hostname`, `Status.State`, ...), so that a live
// adapter can fill these structs from real HTTP answers unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/shared_list.hpp"
#include "model/time.hpp"

namespace swarmsim::model {

enum class NodeRole { Worker, Manager };
enum class NodeState { Unknown, Down, Ready, Disconnected };
enum class Reachability { Unknown, Unreachable, Reachable };
enum class LocalNodeState { Inactive, Pending, Active, Error, Locked };

const char* to_string(NodeRole r);
const char* to_string(NodeState s);
const char* to_string(Reachability r);
const char* to_string(LocalNodeState s);

struct NodeSpec {
  std::string Name;
  std::map<std::string, std::string> Labels;
  NodeRole Role = NodeRole::Worker;
  std::string Availability = "active";
};

struct NodeDescription {
  // Empty until the node registers: a node record exists from certificate
  // issuance, before the engine has described itself.
  std::string Hostname;
  std::string Architecture;  // Platform.Architecture: x86_64 | aarch64
  std::string OS = "linux";
};

struct NodeStatus {
  NodeState State = NodeState::Unknown;
  std::string Addr;
};

struct ManagerStatus {
  bool Leader = false;
  Reachability Reachability_ = Reachability::Unknown;
  std::string Addr;
};

// One entry of `GET /nodes`.
struct Node {
  std::string ID;
  std::uint64_t VersionIndex = 0;  // Version.Index, needed by POST /nodes/{id}/update
  Instant CreatedAt = 0;           // manager clock
  NodeSpec Spec;
  NodeDescription Description;
  NodeStatus Status;
  std::optional<ManagerStatus> ManagerStatus_;  // absent on workers
};

// `GET /nodes` as the logic reads it: in the order the engine listed the
// nodes, with an index by node ID.
inline std::pair<std::uint64_t, std::uint64_t> list_order(const Node&, std::size_t position) {
  return {position, 0};
}
inline std::string_view list_uuid(const Node& n) {
  return n.ID;
}
using NodeList = SharedList<Node>;

struct JoinTokens {
  std::string Worker;
  std::string Manager;
  bool operator==(const JoinTokens&) const = default;
};

// The `Swarm` part of `GET /info`.
struct SwarmInfo {
  std::string NodeID;
  std::string NodeAddr;
  LocalNodeState LocalNodeState_ = LocalNodeState::Inactive;
  bool ControlAvailable = false;
  std::string Error;
};

}  // namespace swarmsim::model
