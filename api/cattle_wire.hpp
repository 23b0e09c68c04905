// The Cattle API (Rancher 1.x, `/v1`) on the wire, to and from the model's
// types: the host resources swarmkit-mon reads and writes, and the
// swarmkit-mon service's metadata where the join tokens are published.
//
// Cattle returns collections as `{"type": "collection", "data": [...]}` and
// resources as objects with `id`, `uuid`, `hostname`, `agentIpAddress`,
// `state` and `labels`. A write is a PUT of the object's fields; labels go
// whole, which is why a writer that read an older copy reverts another
// writer's change (the lost update the simulator models). Requests carry
// HTTP basic auth with the environment's API keys (CATTLE_ACCESS_KEY,
// CATTLE_SECRET_KEY); a wrong key is a 401.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/docker_wire.hpp"
#include "model/io.hpp"
#include "model/rancher_api.hpp"

namespace swarmsim::api {

nlohmann::json cattle_host_to_json(const model::CattleHost& h);
model::CattleHost cattle_host_from_json(const nlohmann::json& j);
nlohmann::json cattle_hosts_to_json(const model::CattleHostList& hosts);
model::CattleHostList cattle_hosts_from_json(const nlohmann::json& j);

// GET /v1/services/swarmkit-mon as the server answers it: the service,
// its metadata included.
nlohmann::json cattle_service_to_json(const model::ServiceMetadata& metadata);

// The reads and writes, client side.
HttpRequest cattle_list_hosts();
HttpRequest cattle_get_host(std::string_view uuid);
// PUT of the whole label map, as the Rancher UI and the script write it.
HttpRequest cattle_put_labels(std::string_view uuid,
                              const std::map<std::string, std::string>& labels);
HttpRequest cattle_get_service();
// GET /v1/services/swarmkit-mon/instances: the service's containers.
HttpRequest cattle_list_service_containers();
nlohmann::json cattle_containers_to_json(const model::ContainerList& containers);
HttpRequest cattle_put_service_metadata(const model::ServiceMetadata& metadata);

// Any Cattle request of the model's (service_of() says Service::Cattle),
// and its answer read back: a 2xx to a PUT is Ok, an error status an
// ApiError with the server's message.
HttpRequest cattle_to_http(const model::Request& r);
model::Response cattle_answer_from_http(const model::Request& r, const HttpResponse& h);

// Server side: the request asked for. Nothing for a route not served
// (404); throws WireError for a body it cannot read (400).
std::optional<model::Request> cattle_from_http(const HttpRequest& h);

// HTTP basic auth: the header value for the keys, and the keys in a header
// value (nothing when it is not basic auth or not base64).
std::string basic_auth(std::string_view access_key, std::string_view secret_key);
std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header);

// Client side: a collection or one host; an error status or a body that is
// not a host becomes an ApiError. A single host comes as a list of one, as
// the logic reads it (CattleGetHost).
model::Response cattle_hosts_from_http(const HttpResponse& h);
model::Response cattle_host_from_http(const HttpResponse& h);
model::Response cattle_service_from_http(const HttpResponse& h);
// A collection of the service's containers, as a MetaAnswer<ContainerList>.
model::Response cattle_containers_from_http(const HttpResponse& h);

}  // namespace swarmsim::api
