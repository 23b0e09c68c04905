// Rancher 1.x: the per-host metadata service (version 2015-12-19) and the
// Cattle API, in their own vocabulary.
//
// Metadata answers are eventually consistent: every host has its own replica,
// reloaded some time after Cattle changes. An answer can be a JSON list, an
// empty body, or the plain-text `Not found`; the difference matters because
// the legacy script treats all three alike. The Cattle API is the strongly
// consistent source and also lists hosts that have been removed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/shared_list.hpp"

namespace swarmsim::model {

// An entry of metadata `/hosts` or the answer to `/self/host`.
struct MetaHost {
  std::string name;
  std::string uuid;
  std::string hostname;  // as the Rancher agent computed it; may be the string "null"
  std::string agent_ip;
  std::map<std::string, std::string> labels;
  friend bool operator==(const MetaHost&, const MetaHost&) = default;
};

// An entry of `/services/swarmkit-mon/containers`.
struct MetaContainer {
  std::string name;
  std::uint64_t create_index = 0;
  std::string primary_ip;
  std::string host_uuid;
  friend bool operator==(const MetaContainer&, const MetaContainer&) = default;
};

// The label the fixed policy keeps on a manager's host: swarm=manager.
inline bool labelled_manager(const std::map<std::string, std::string>& labels) {
  auto it = labels.find("swarm");
  return it != labels.end() && it->second == "manager";
}

// `/hosts` as the logic reads it: in the order metadata lists the hosts
// (Cattle's creation order), with an index by uuid, and the hosts labelled
// swarm=manager kept apart (the leader rule looks for them on every loop of
// every host, and there are a handful among thousands).
inline std::pair<std::uint64_t, std::uint64_t> list_order(const MetaHost&, std::size_t position) {
  return {position, 0};
}
inline std::string_view list_uuid(const MetaHost& h) {
  return h.uuid;
}
inline bool list_flagged(const MetaHost& h) {
  return labelled_manager(h.labels);
}
using HostList = SharedList<MetaHost>;

// `/services/swarmkit-mon/containers` as the logic reads it: sorted by
// create_index (the leader rule ranks by it), with an index by
// the uuid of the container's host.
inline std::pair<std::uint64_t, std::uint64_t> list_order(const MetaContainer& c,
                                                          std::size_t position) {
  return {c.create_index, position};
}
inline std::string_view list_uuid(const MetaContainer& c) {
  return c.host_uuid;
}
using ContainerList = SharedList<MetaContainer>;

enum class MetaAnswerKind {
  Json,      // a well-formed answer (the list may still be empty)
  Empty,     // HTTP 200 with an empty body: what a replica mid-reload can return
  NotFound,  // plain-text `Not found` (404)
};

template <typename T>
struct MetaAnswer {
  MetaAnswerKind kind = MetaAnswerKind::Json;
  T value{};
};

// `/services/swarmkit-mon/metadata`: where the leader publishes join tokens.
struct ServiceMetadata {
  std::string worker_token;
  std::string manager_token;
  // fixed: departure notes. The agent of a host deleted in Cattle while its
  // machine runs writes its node ID here before its engine leaves the
  // swarm: node ID -> uuid of the deleted host.
  std::map<std::string, std::string> departed;
};

enum class CattleHostState { Active, Removed };

// A host as the Cattle API (`/v1/hosts`, strongly consistent) returns it.
struct CattleHost {
  std::string uuid;
  std::string hostname;
  std::string agent_ip;
  CattleHostState state = CattleHostState::Active;
  std::map<std::string, std::string> labels;
};

// `GET /v1/hosts` as the logic reads it: in creation order, removed hosts
// included, with an index by uuid.
inline std::pair<std::uint64_t, std::uint64_t> list_order(const CattleHost&, std::size_t position) {
  return {position, 0};
}
inline std::string_view list_uuid(const CattleHost& h) {
  return h.uuid;
}
using CattleHostList = SharedList<CattleHost>;

}  // namespace swarmsim::model
