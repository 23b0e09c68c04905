// The Rancher metadata service (version 2015-12-19) on the wire, to and
// from the model's types: the four reads swarmkit-mon makes of its host's
// replica, asked for as JSON (`Accept: application/json`).
//
// What the service answers, and what the model makes of it:
//   200 with a JSON body      -> MetaAnswerKind::Json
//   200 with an empty body    -> MetaAnswerKind::Empty (a replica mid-reload)
//   404 `Not found`           -> MetaAnswerKind::NotFound (before the first
//                                load, or a host the replica does not know)
//   200 with a body that is not the JSON expected (a proxy's error page)
//                             -> MetaAnswerKind::Empty: the script could not
//                                tell it from an empty answer either
//   anything else             -> ApiError with the status
// Paths are relative to a prefix, by default `/2015-12-19`.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/docker_wire.hpp"
#include "model/io.hpp"
#include "model/rancher_api.hpp"

namespace swarmsim::api {

inline constexpr std::string_view kMetadataPrefix = "/2015-12-19";
// The service whose containers and metadata swarmkit-mon reads.
inline constexpr std::string_view kMonService = "swarmkit-mon";

nlohmann::json host_to_json(const model::MetaHost& h);
model::MetaHost host_from_json(const nlohmann::json& j);
nlohmann::json container_to_json(const model::MetaContainer& c);
model::MetaContainer container_from_json(const nlohmann::json& j);
nlohmann::json service_metadata_to_json(const model::ServiceMetadata& m);
model::ServiceMetadata service_metadata_from_json(const nlohmann::json& j);

bool is_metadata_request(const model::Request& r);
// Client side. Throws std::invalid_argument for a request that is not a
// metadata read.
HttpRequest metadata_to_http(const model::Request& r, std::string_view prefix = kMetadataPrefix);
// Server side: the read a GET makes, or nothing (404) for a path not served.
std::optional<model::Request> metadata_from_http(const HttpRequest& h,
                                                 std::string_view prefix = kMetadataPrefix);
// Server side: the answer a replica's MetaAnswer makes (see the table above).
HttpResponse metadata_answer_to_http(const model::Response& response);
// Client side; never throws (see the table above).
model::Response metadata_answer_from_http(const model::Request& request, const HttpResponse& h);

}  // namespace swarmsim::api
