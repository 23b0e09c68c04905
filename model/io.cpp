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
  const char* operator()(const MetaServiceContainers&) const { return "metadata /services/swarmkit-mon/containers"; }
  const char* operator()(const MetaServiceMetadata&) const { return "metadata /services/swarmkit-mon/metadata"; }
  const char* operator()(const CattlePublishTokens&) const { return "cattle PUT service metadata"; }
  const char* operator()(const CattleSetHostLabel&) const { return "cattle PUT host labels"; }
  const char* operator()(const CattleListHosts&) const { return "cattle GET /v1/hosts"; }
  const char* operator()(const CattleGetHost&) const { return "cattle GET /v1/hosts/{id}"; }
  const char* operator()(const CattleNoteDeparture&) const { return "cattle PUT service metadata (departure)"; }
  const char* operator()(const CattleGetService&) const { return "cattle GET service metadata"; }
  const char* operator()(const ReadSavedToken&) const { return "read the saved worker token"; }
  const char* operator()(const SaveToken&) const { return "save the worker token"; }
  const char* operator()(const ProbeManager&) const { return "tcp probe :2377"; }
  const char* operator()(const InspectNode&) const { return "GET /nodes/{id}"; }
  const char* operator()(const CattleServiceContainers&) const { return "cattle GET service instances"; }
};
}  // namespace

const char* request_name(const Request& r) { return std::visit(Namer{}, r); }

std::string request_arguments(const Request& r) {
  return std::visit(
      [](const auto& q) -> std::string {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, RemoveNode>) return "node rm --force " + q.id;
        else if constexpr (std::is_same_v<T, UpdateNodeRole>)
          return std::string("node update --role ") + to_string(q.role) + " " + q.id;
        else if constexpr (std::is_same_v<T, CattleSetHostLabel>)
          return "label " + q.key + "=" + (q.value.empty() ? std::string("(deleted)") : q.value);
        else if constexpr (std::is_same_v<T, SwarmJoin>)
          return "swarm join " + (q.remote_addrs.empty() ? std::string() : q.remote_addrs[0]);
        else if constexpr (std::is_same_v<T, ProbeManager>) return "probe " + q.addr;
        else return {};
      },
      r);
}

}  // namespace swarmsim::model
