#include "model/io.hpp"

namespace swarmsim::model {

namespace {
struct Namer {
  const char* operator()(const GetInfo&) const { return "GET /info"; }
  const char* operator()(const SwarmInit&) const { return "POST /swarm/init"; }
  const char* operator()(const GetSwarm&) const { return "GET /swarm"; }
  const char* operator()(const SwarmJoin&) const { return "POST /swarm/join"; }
  const char* operator()(const SwarmLeave&) const { return "POST /swarm/leave"; }
  const char* operator()(const ListNodes&) const { return "GET /nodes"; }
  const char* operator()(const RemoveNode&) const { return "DELETE /nodes/{id}"; }
  const char* operator()(const UpdateNodeRole&) const { return "POST /nodes/{id}/update"; }
  const char* operator()(const MetaSelfHost&) const { return "metadata /self/host"; }
  const char* operator()(const MetaHosts&) const { return "metadata /hosts"; }
  const char* operator()(const MetaServiceContainers&) const {
    return "metadata /services/swarmkit-mon/containers";
  }
  const char* operator()(const MetaServiceMetadata&) const {
    return "metadata /services/swarmkit-mon/metadata";
  }
  const char* operator()(const CattlePublishTokens&) const { return "cattle PUT service metadata"; }
  const char* operator()(const CattleSetHostLabel&) const { return "cattle PUT host labels"; }
  const char* operator()(const CattleListHosts&) const { return "cattle GET /v1/hosts"; }
  const char* operator()(const CattleGetHost&) const { return "cattle GET /v1/hosts/{id}"; }
  const char* operator()(const CattleNoteDeparture&) const {
    return "cattle PUT service metadata (departure)";
  }
  const char* operator()(const CattleGetService&) const { return "cattle GET service metadata"; }
  const char* operator()(const ReadSavedToken&) const { return "read the saved worker token"; }
  const char* operator()(const SaveToken&) const { return "save the worker token"; }
  const char* operator()(const ReadLeftNode&) const { return "read the node left behind"; }
  const char* operator()(const SaveLeftNode&) const { return "save the node left behind"; }
  const char* operator()(const ProbeManager&) const { return "tcp probe :2377"; }
  const char* operator()(const InspectNode&) const { return "GET /nodes/{id}"; }
  const char* operator()(const CattleServiceContainers&) const {
    return "cattle GET service instances";
  }
  const char* operator()(const CattlePutHostLabels&) const { return "cattle PUT /v1/hosts/{id}"; }
  const char* operator()(const CattlePutService&) const { return "cattle PUT /v1/services/{id}"; }
};

// No catch-all: a request kind missing here does not compile.
struct Router {
  Service operator()(const GetInfo&) const { return Service::Engine; }
  Service operator()(const SwarmInit&) const { return Service::Engine; }
  Service operator()(const GetSwarm&) const { return Service::Engine; }
  Service operator()(const SwarmJoin&) const { return Service::Engine; }
  Service operator()(const SwarmLeave&) const { return Service::Engine; }
  Service operator()(const ListNodes&) const { return Service::Engine; }
  Service operator()(const RemoveNode&) const { return Service::Engine; }
  Service operator()(const UpdateNodeRole&) const { return Service::Engine; }
  Service operator()(const InspectNode&) const { return Service::Engine; }
  Service operator()(const MetaSelfHost&) const { return Service::Metadata; }
  Service operator()(const MetaHosts&) const { return Service::Metadata; }
  Service operator()(const MetaServiceContainers&) const { return Service::Metadata; }
  Service operator()(const MetaServiceMetadata&) const { return Service::Metadata; }
  Service operator()(const CattleListHosts&) const { return Service::Cattle; }
  Service operator()(const CattleGetHost&) const { return Service::Cattle; }
  Service operator()(const CattleGetService&) const { return Service::Cattle; }
  Service operator()(const CattleServiceContainers&) const { return Service::Cattle; }
  Service operator()(const CattlePutHostLabels&) const { return Service::Cattle; }
  Service operator()(const CattlePutService&) const { return Service::Cattle; }
  Service operator()(const CattlePublishTokens&) const { return Service::Procedure; }
  Service operator()(const CattleSetHostLabel&) const { return Service::Procedure; }
  Service operator()(const CattleNoteDeparture&) const { return Service::Procedure; }
  Service operator()(const ReadSavedToken&) const { return Service::Disk; }
  Service operator()(const SaveToken&) const { return Service::Disk; }
  Service operator()(const ReadLeftNode&) const { return Service::Disk; }
  Service operator()(const SaveLeftNode&) const { return Service::Disk; }
  Service operator()(const ProbeManager&) const { return Service::Peer; }
};
}  // namespace

Service service_of(const Request& r) {
  return std::visit(Router{}, r);
}

const char* to_string(Service s) {
  switch (s) {
    case Service::Engine:
      return "engine";
    case Service::Metadata:
      return "metadata";
    case Service::Cattle:
      return "cattle";
    case Service::Disk:
      return "disk";
    case Service::Peer:
      return "peer";
    case Service::Procedure:
      return "procedure";
  }
  return "?";
}

bool is_cattle_write(const Request& r) {
  return std::holds_alternative<CattlePutHostLabels>(r) ||
         std::holds_alternative<CattlePutService>(r);
}

const char* request_name(const Request& r) {
  return std::visit(Namer{}, r);
}

std::string request_arguments(const Request& r) {
  return std::visit(
      [](const auto& q) -> std::string {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, RemoveNode>)
          return "node rm --force " + q.id;
        else if constexpr (std::is_same_v<T, UpdateNodeRole>)
          return std::string("node update --role ") + to_string(q.role) + " " + q.id;
        else if constexpr (std::is_same_v<T, CattleSetHostLabel>)
          return "label " + q.key + "=" + (q.value.empty() ? std::string("(deleted)") : q.value);
        else if constexpr (std::is_same_v<T, SwarmJoin>)
          return "swarm join " + (q.remote_addrs.empty() ? std::string() : q.remote_addrs[0]);
        else if constexpr (std::is_same_v<T, ProbeManager>)
          return "probe " + q.addr;
        else if constexpr (std::is_same_v<T, CattleNoteDeparture>)
          return "note node " + q.node_id + " left by host " + q.host_uuid;
        else if constexpr (std::is_same_v<T, SaveLeftNode>)
          return "node " + q.node_id + " left by host " + q.host_uuid;
        else if constexpr (std::is_same_v<T, CattlePublishTokens>)
          return "publish the join tokens";
        else if constexpr (std::is_same_v<T, CattleGetHost> ||
                           std::is_same_v<T, CattlePutHostLabels>)
          return "host " + q.host_uuid;
        else
          return {};
      },
      r);
}

}  // namespace swarmsim::model
