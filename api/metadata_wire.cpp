#include "api/metadata_wire.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <type_traits>
#include <vector>

#include "api/json_fields.hpp"

namespace swarmsim::api {

using nlohmann::json;

namespace {

void expect_object(const json& j, const char* what) {
  if (!j.is_object())
    throw WireError(fmt::format("{}: expected an object, got {}", what, j.dump()));
}

}  // namespace

json host_to_json(const model::MetaHost& h) {
  return {{"name", h.name},
          {"uuid", h.uuid},
          {"hostname", h.hostname},
          {"agent_ip", h.agent_ip},
          {"labels", h.labels}};
}

model::MetaHost host_from_json(const json& j) {
  expect_object(j, "a metadata host");
  // A hostname the agent could not compute is JSON null; the script's jq
  // prints it as the string "null", and so does the model.
  std::string hostname = fields::text(j, "hostname");
  if (auto it = j.find("hostname"); it != j.end() && it->is_null()) hostname = "null";
  return {fields::text(j, "name"), fields::text(j, "uuid"), hostname, fields::text(j, "agent_ip"),
          fields::text_map(j, "labels", false)};
}

json container_to_json(const model::MetaContainer& c) {
  return {{"name", c.name},
          {"create_index", c.create_index},
          {"primary_ip", c.primary_ip},
          {"host_uuid", c.host_uuid}};
}

model::MetaContainer container_from_json(const json& j) {
  expect_object(j, "a metadata container");
  model::MetaContainer c{fields::text(j, "name"), 0, fields::text(j, "primary_ip"),
                         fields::text(j, "host_uuid")};
  if (auto it = j.find("create_index"); it != j.end()) {
    if (!it->is_number_unsigned())
      throw WireError("create_index: expected a number, got " + it->dump());
    c.create_index = it->get<std::uint64_t>();
  }
  return c;
}

json service_metadata_to_json(const model::ServiceMetadata& m) {
  json j = json::object();
  if (!m.worker_token.empty()) j["worker_token"] = m.worker_token;
  if (!m.manager_token.empty()) j["manager_token"] = m.manager_token;
  if (!m.departed.empty()) j["departed"] = m.departed;
  return j;
}

model::ServiceMetadata service_metadata_from_json(const json& j) {
  expect_object(j, "the service metadata");
  return {fields::text(j, "worker_token"), fields::text(j, "manager_token"),
          fields::text_map(j, "departed", false)};
}

bool is_metadata_request(const model::Request& r) {
  return std::holds_alternative<model::MetaSelfHost>(r) ||
         std::holds_alternative<model::MetaHosts>(r) ||
         std::holds_alternative<model::MetaServiceContainers>(r) ||
         std::holds_alternative<model::MetaServiceMetadata>(r);
}

HttpRequest metadata_to_http(const model::Request& r, std::string_view prefix) {
  const std::string p(prefix);
  if (std::holds_alternative<model::MetaSelfHost>(r)) return {"GET", p + "/self/host", ""};
  if (std::holds_alternative<model::MetaHosts>(r)) return {"GET", p + "/hosts", ""};
  if (std::holds_alternative<model::MetaServiceContainers>(r))
    return {"GET", fmt::format("{}/services/{}/containers", p, kMonService), ""};
  if (std::holds_alternative<model::MetaServiceMetadata>(r))
    return {"GET", fmt::format("{}/services/{}/metadata", p, kMonService), ""};
  throw std::invalid_argument(std::string("not a metadata read: ") + model::request_name(r));
}

std::optional<model::Request> metadata_from_http(const HttpRequest& h, std::string_view prefix) {
  if (h.method != "GET") return std::nullopt;
  std::string_view path = h.target;
  path = path.substr(0, path.find('?'));
  if (path.substr(0, prefix.size()) != prefix) return std::nullopt;
  path.remove_prefix(prefix.size());
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path == "/self/host") return model::MetaSelfHost{};
  if (path == "/hosts") return model::MetaHosts{};
  if (path == fmt::format("/services/{}/containers", kMonService))
    return model::MetaServiceContainers{};
  if (path == fmt::format("/services/{}/metadata", kMonService))
    return model::MetaServiceMetadata{};
  return std::nullopt;
}

HttpResponse metadata_answer_to_http(const model::Response& response) {
  return std::visit(
      [](const auto& a) -> HttpResponse {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, model::ApiError>) {
          return {a.status == 0 ? 503 : a.status, a.message};
        } else if constexpr (requires {
                               a.kind;
                               a.value;
                             }) {
          if (a.kind == model::MetaAnswerKind::NotFound) return {404, "Not found"};
          if (a.kind == model::MetaAnswerKind::Empty) return {200, ""};
          using V = std::decay_t<decltype(a.value)>;
          if constexpr (std::is_same_v<V, model::MetaHost>) {
            return {200, host_to_json(a.value).dump()};
          } else if constexpr (std::is_same_v<V, model::HostList>) {
            json out = json::array();
            for (const auto& h : a.value) out.push_back(host_to_json(h));
            return {200, out.dump()};
          } else if constexpr (std::is_same_v<V, model::ContainerList>) {
            json out = json::array();
            for (const auto& c : a.value) out.push_back(container_to_json(c));
            return {200, out.dump()};
          } else {
            return {200, service_metadata_to_json(a.value).dump()};
          }
        } else {
          return {500, "not a metadata answer"};
        }
      },
      response);
}

model::Response metadata_answer_from_http(const model::Request& request, const HttpResponse& h) {
  auto answer = [&](model::MetaAnswerKind kind) -> model::Response {
    if (std::holds_alternative<model::MetaSelfHost>(request))
      return model::MetaAnswer<model::MetaHost>{kind, {}};
    if (std::holds_alternative<model::MetaHosts>(request))
      return model::MetaAnswer<model::HostList>{kind, {}};
    if (std::holds_alternative<model::MetaServiceContainers>(request))
      return model::MetaAnswer<model::ContainerList>{kind, {}};
    return model::MetaAnswer<model::ServiceMetadata>{kind, {}};
  };
  if (h.status == 404) return answer(model::MetaAnswerKind::NotFound);
  if (h.status < 200 || h.status >= 300) return model::ApiError{h.status, h.body};
  if (h.body.find_first_not_of(" \t\r\n") == std::string::npos)
    return answer(model::MetaAnswerKind::Empty);
  try {
    const json j = json::parse(h.body);
    if (std::holds_alternative<model::MetaSelfHost>(request))
      return model::MetaAnswer<model::MetaHost>{model::MetaAnswerKind::Json, host_from_json(j)};
    if (std::holds_alternative<model::MetaServiceMetadata>(request))
      return model::MetaAnswer<model::ServiceMetadata>{model::MetaAnswerKind::Json,
                                                       service_metadata_from_json(j)};
    if (!j.is_array()) throw WireError("expected a list, got " + j.dump().substr(0, 200));
    if (std::holds_alternative<model::MetaHosts>(request)) {
      std::vector<model::MetaHost> hosts;
      for (const auto& e : j) hosts.push_back(host_from_json(e));
      return model::MetaAnswer<model::HostList>{model::MetaAnswerKind::Json, std::move(hosts)};
    }
    std::vector<model::MetaContainer> containers;
    for (const auto& e : j) containers.push_back(container_from_json(e));
    return model::MetaAnswer<model::ContainerList>{model::MetaAnswerKind::Json,
                                                   std::move(containers)};
  } catch (const std::exception&) {
    return answer(model::MetaAnswerKind::Empty);
  }
}

}  // namespace swarmsim::api
