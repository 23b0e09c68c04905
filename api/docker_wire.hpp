// The Docker Engine API on the wire: HTTP requests and JSON bodies, to and
// from the model's types (model::Request, model::Response).
//
// One codec for both ends of the live mode: the swarmkit-mon agent turns
// the logic's calls into requests and the engine's answers into responses
// (the client side), and `swarmsim serve` turns requests from a real docker
// CLI into calls for the simulated engine and its responses into answers
// (the server side). Neither side has its own idea of the format.
//
// The shapes are the Engine's (API v1.24 and later, swarm mode), as far as
// swarmkit-mon and `docker node ls|inspect|rm|promote|demote`, `docker info`,
// `docker swarm join-token|join|init|leave` read them. Fields the Engine
// leaves out when empty (Go's omitempty) are left out here too: a node that
// has not registered has no Description.Hostname key, which is what makes
// the script's `jq -r` print `null` for it.
//
// Time: the model's Instant is nanoseconds; on the wire CreatedAt is an
// RFC 3339 UTC time, Instant 0 being `epoch` (the Unix epoch unless the
// caller says otherwise).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/docker_api.hpp"
#include "model/io.hpp"

namespace swarmsim::api {

// An HTTP request without the transport: method, target (path and query)
// and body (JSON, or empty).
struct HttpRequest {
  std::string method;
  std::string target;
  std::string body;
  bool operator==(const HttpRequest&) const = default;
};

// An HTTP answer without the transport.
struct HttpResponse {
  int status = 200;
  std::string body;                                 // JSON, or empty
  std::map<std::string, std::string> headers = {};  // beyond Content-Type and Content-Length
};

// Thrown when a body or a target is not what the API sends.
struct WireError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- times -------------------------------------------------------------
std::string rfc3339(Instant t, Instant epoch = 0);
// Throws WireError on anything but YYYY-MM-DDTHH:MM:SS[.fraction]Z.
Instant parse_rfc3339(std::string_view s, Instant epoch = 0);

// ---- bodies --------------------------------------------------------------
nlohmann::json node_to_json(const model::Node& n, Instant epoch = 0);
model::Node node_from_json(const nlohmann::json& j, Instant epoch = 0);
nlohmann::json nodes_to_json(const model::NodeList& nodes, Instant epoch = 0);
model::NodeList nodes_from_json(const nlohmann::json& j, Instant epoch = 0);
// GET /info: only its Swarm part matters here.
nlohmann::json info_to_json(const model::SwarmInfo& s);
model::SwarmInfo info_from_json(const nlohmann::json& j);
// GET /swarm: only JoinTokens matter here.
nlohmann::json swarm_to_json(const model::JoinTokens& t);
model::JoinTokens tokens_from_json(const nlohmann::json& j);

// ---- requests --------------------------------------------------------------
// Whether the request goes to the Docker Engine API.
bool is_engine_request(const model::Request& r);
// Client side: the HTTP request for an Engine call. Throws std::invalid_argument
// for a request that is not an Engine call.
HttpRequest to_http(const model::Request& r);
// Server side: the Engine call an HTTP request makes, or nothing for a
// route this API does not serve (404). Throws WireError for a known route
// with a body or query it cannot read (400).
std::optional<model::Request> from_http(const HttpRequest& h);

// ---- API version negotiation ------------------------------------------------
// The API version the simulated engine speaks, and the oldest it accepts
// (swarm mode came with 1.24).
inline constexpr std::string_view kApiVersion = "1.41";
inline constexpr std::string_view kMinApiVersion = "1.24";
// Server side: the answer to `GET|HEAD /_ping` (API-Version header) and
// `GET /version`, as a client negotiates before anything else; nothing for
// any other request.
std::optional<HttpResponse> version_answer(const HttpRequest& h);
// Client side: the version to put in front of every path after a ping,
// as the docker CLI does: the engine's API-Version if it is at least
// kMinApiVersion and at most kApiVersion, else kApiVersion when the engine
// is newer, or nothing when it is older (it cannot run swarm mode).
std::optional<std::string> negotiate(const HttpResponse& ping);

// ---- responses ---------------------------------------------------------
// Server side: the HTTP answer to `request` that `response` makes. An
// inspection (model::InspectNode) is answered with a NodeList of one node,
// which goes on the wire as that node's object, not as a list.
HttpResponse to_http(const model::Request& request, const model::Response& response,
                     Instant epoch = 0);
// Client side: the model's response to `request` from an HTTP answer.
// Never throws: an answer it cannot read is an ApiError carrying the status
// and what was wrong, as the logic treats any failed call.
model::Response from_http(const model::Request& request, const HttpResponse& h, Instant epoch = 0);

}  // namespace swarmsim::api
