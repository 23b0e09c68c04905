// The seam between swarmkit-mon's logic and the world it runs in.
//
// The logic is sans-IO: it is fed `handle_*` calls (a response to one of its
// own requests, a timer firing) and is drained with `poll_action()`, which
// yields the next thing it wants done: an HTTP call to the local Docker
// Engine, a read of the host's metadata replica, a write through the Cattle
// API, a TCP probe, or a timer. The simulator answers these in virtual time;
// a live adapter answers them over real sockets with the same types.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/docker_api.hpp"
#include "model/rancher_api.hpp"
#include "model/time.hpp"

namespace swarmsim::model {

// ---- Requests -------------------------------------------------------------
// Docker Engine API, always on the local engine (unix socket).
struct GetInfo {};  // GET /info
struct SwarmInit {
  std::string advertise_addr;
};                   // POST /swarm/init
struct GetSwarm {};  // GET /swarm (JoinTokens)
struct SwarmJoin {   // POST /swarm/join
  std::string join_token;
  std::string advertise_addr;
  std::vector<std::string> remote_addrs;
};
struct SwarmLeave {
  bool force = true;
};                    // POST /swarm/leave?force=1
struct ListNodes {};  // GET /nodes
struct RemoveNode {
  std::string id;
  bool force = true;
};                       // DELETE /nodes/{id}?force=1
struct UpdateNodeRole {  // POST /nodes/{id}/update?version=N
  std::string id;
  std::uint64_t version = 0;
  NodeRole role = NodeRole::Worker;
};
// GET /nodes/{id}: one node, by ID, hostname or unique ID prefix, as the
// Engine resolves it. Only clients of `swarmsim serve` (`docker node
// inspect|promote|demote`) send it; the logic reads the whole list.
struct InspectNode {
  std::string id;
};
// Rancher metadata, the host's own replica.
struct MetaSelfHost {};           // /self/host
struct MetaHosts {};              // /hosts
struct MetaServiceContainers {};  // /services/swarmkit-mon/containers
struct MetaServiceMetadata {};    // /services/swarmkit-mon/metadata
// Cattle API (the Rancher server, over the network).
// Three of the logic's requests are procedures, not single calls: each is a
// read-modify-write of a whole Cattle object with a read-back, carried out
// by model::CattleWrite (model/cattle_write.hpp) in requests of the kinds
// below it. Drivers never see them (service_of says Service::Procedure).
struct CattlePublishTokens {
  ServiceMetadata tokens;
};                           // the departure notes are kept
struct CattleSetHostLabel {  // value empty: delete the label
  std::string host_uuid;
  std::string key;
  std::string value;
};
// PUT /v1/hosts/{id}: the whole host object back, with every label as the
// writer has it. Rancher 1.x has no conditional PUT: what another writer
// changed since this writer's read is reverted.
struct CattlePutHostLabels {
  std::string host_uuid;
  std::map<std::string, std::string> labels;
};
// PUT /v1/services/{id}: the whole service object back, with all of its
// metadata (tokens and every departure note) as the writer has it.
struct CattlePutService {
  ServiceMetadata metadata;
};
struct CattleListHosts {};  // GET /v1/hosts, removed ones included
struct CattleGetHost {
  std::string host_uuid;
};  // GET /v1/hosts/{id}: one host
// The swarmkit-mon service's metadata as the Cattle API has it (strongly
// consistent), answered as a MetaAnswer<ServiceMetadata> of kind Json.
struct CattleGetService {};
// A file on the host's own disk (bind-mounted into the container): the
// worker token the host joined with. It outlives the container and the
// engine; a freshly installed machine has none.
struct ReadSavedToken {};  // answered as a SavedToken
struct SaveToken {
  std::string worker_token;
};
// fixed: a second file beside it, the node this machine's engine left
// behind when its host was deleted in Cattle, and that host's uuid. It is
// written before the engine leaves, so that an agent restarted after the
// leave still watches the departure note (a note can be lost to another
// writer's PUT of an older copy of the service).
struct ReadLeftNode {};  // answered as a LeftNode
struct SaveLeftNode {
  std::string node_id;
  std::string host_uuid;
};
// fixed: a departure note in the service metadata (see ServiceMetadata).
struct CattleNoteDeparture {
  std::string node_id;
  std::string host_uuid;
};
// TCP connect to addr:2377 (the script's `nc -z`).
struct ProbeManager {
  std::string addr;
};
// GET /v1/services/swarmkit-mon/instances: the service's containers as the
// Cattle API has them (strongly consistent, unlike a metadata replica),
// answered as a MetaAnswer<ContainerList> of kind Json in create_index order.
struct CattleServiceContainers {};

using Request =
    std::variant<GetInfo, SwarmInit, GetSwarm, SwarmJoin, SwarmLeave, ListNodes, RemoveNode,
                 UpdateNodeRole, MetaSelfHost, MetaHosts, MetaServiceContainers,
                 MetaServiceMetadata, CattlePublishTokens, CattleSetHostLabel, CattleListHosts,
                 CattleGetHost, CattleNoteDeparture, CattleGetService, ReadSavedToken, SaveToken,
                 ProbeManager, InspectNode, CattleServiceContainers, CattlePutHostLabels,
                 CattlePutService, ReadLeftNode, SaveLeftNode>;

// Who carries a request out: the one router of the simulator, the live
// agent and `swarmsim serve`. A new request kind does not compile until it
// is given a service here.
enum class Service {
  Engine,     // the local Docker Engine (unix socket)
  Metadata,   // the host's metadata replica
  Cattle,     // the Cattle API at the Rancher server
  Disk,       // a file on the host's own disk
  Peer,       // a TCP probe of another machine
  Procedure,  // several Cattle calls: model::CattleWrite carries it out
};
Service service_of(const Request& r);
const char* to_string(Service s);
// A Cattle request that changes something (a PUT).
bool is_cattle_write(const Request& r);

const char* request_name(const Request& r);
// The request's arguments as traces and the live agent's reports show them
// ("node rm --force ID", "label KEY=VALUE", "probe ADDR", "host UUID");
// empty for a request whose name says it all. Never a join token.
std::string request_arguments(const Request& r);

using RequestId = std::uint64_t;

// ---- Responses ------------------------------------------------------------
struct ApiError {
  int status = 500;  // HTTP status; 0 means the connection failed or timed out
  std::string message;
};
struct Ok {};
struct SavedToken {
  std::string worker_token;
};                 // empty: no file
struct LeftNode {  // empty: no file
  std::string node_id;
  std::string host_uuid;
};

using Response = std::variant<ApiError, Ok, SwarmInfo, JoinTokens, NodeList, MetaAnswer<MetaHost>,
                              MetaAnswer<HostList>, MetaAnswer<ContainerList>,
                              MetaAnswer<ServiceMetadata>, CattleHostList, SavedToken, LeftNode>;

// ---- Actions the logic asks for -----------------------------------------
struct Call {
  RequestId id = 0;
  Request request;
  // What the script would have echoed before this call: why it is made. The
  // simulator keeps it in the trace; checkers quote it in violation reports.
  std::string why;
  // Set on the demotions and removals made by the eviction steps (the
  // removal hook, the unreachable-manager step, the down-node purge), as
  // opposed to scaling to MANAGER_SCALE. Safety checkers watch these.
  bool eviction = false;
  // The leader's reconcile pass the call belongs to, numbered from 1 for
  // each run of the logic; 0 outside a pass. Checkers count removals per
  // pass and tie a removal to the answers its pass read.
  std::uint64_t pass = 0;
};
struct Sleep {
  RequestId id = 0;
  Duration duration_ns = 0;
};
using Action = std::variant<Call, Sleep>;

}  // namespace swarmsim::model
