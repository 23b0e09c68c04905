#include "model/docker_api.hpp"

namespace swarmsim::model {

const char* to_string(NodeRole r) {
  return r == NodeRole::Manager ? "manager" : "worker";
}

const char* to_string(NodeState s) {
  switch (s) {
    case NodeState::Unknown:
      return "unknown";
    case NodeState::Down:
      return "down";
    case NodeState::Ready:
      return "ready";
    case NodeState::Disconnected:
      return "disconnected";
  }
  return "?";
}

const char* to_string(Reachability r) {
  switch (r) {
    case Reachability::Unknown:
      return "unknown";
    case Reachability::Unreachable:
      return "unreachable";
    case Reachability::Reachable:
      return "reachable";
  }
  return "?";
}

const char* to_string(LocalNodeState s) {
  switch (s) {
    case LocalNodeState::Inactive:
      return "inactive";
    case LocalNodeState::Pending:
      return "pending";
    case LocalNodeState::Active:
      return "active";
    case LocalNodeState::Error:
      return "error";
    case LocalNodeState::Locked:
      return "locked";
  }
  return "?";
}

}  // namespace swarmsim::model
