#include "api/cattle_wire.hpp"

#include <fmt/format.h>

#include <vector>

#include "api/json_fields.hpp"
#include "api/metadata_wire.hpp"

namespace swarmsim::api {

using nlohmann::json;

namespace {

json parse_body(const HttpRequest& h) {
  try {
    return h.body.empty() ? json::object() : json::parse(h.body);
  } catch (const json::exception& e) {
    throw WireError(fmt::format("{} {}: the body is not JSON ({})", h.method, h.target, e.what()));
  }
}

constexpr std::string_view kHosts = "/v1/hosts";
constexpr std::string_view kService = "/v1/services/swarmkit-mon";

}  // namespace

json cattle_host_to_json(const model::CattleHost& h) {
  return {{"type", "host"},
          {"uuid", h.uuid},
          {"hostname", h.hostname},
          {"agentIpAddress", h.agent_ip},
          {"state", h.state == model::CattleHostState::Active ? "active" : "removed"},
          {"labels", h.labels}};
}

model::CattleHost cattle_host_from_json(const json& j) {
  if (!j.is_object()) throw WireError("a Cattle host: expected an object, got " + j.dump());
  model::CattleHost h;
  h.uuid = fields::text(j, "uuid");
  h.hostname = fields::text(j, "hostname");
  h.agent_ip = fields::text(j, "agentIpAddress");
  const std::string state = fields::text(j, "state");
  // Cattle's states on the way out (removing, purging, purged) count as
  // removed: the host is going, which is what the logic asks.
  h.state = state == "removed" || state == "removing" || state == "purging" || state == "purged"
                ? model::CattleHostState::Removed
                : model::CattleHostState::Active;
  h.labels = fields::text_map(j, "labels", true);
  return h;
}

json cattle_hosts_to_json(const model::CattleHostList& hosts) {
  json data = json::array();
  for (const auto& h : hosts) data.push_back(cattle_host_to_json(h));
  return {{"type", "collection"}, {"data", data}};
}

model::CattleHostList cattle_hosts_from_json(const json& j) {
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
    throw WireError("GET /v1/hosts: expected a collection, got " + j.dump().substr(0, 200));
  std::vector<model::CattleHost> hosts;
  for (const auto& e : j["data"]) hosts.push_back(cattle_host_from_json(e));
  return hosts;
}

json cattle_service_to_json(const model::ServiceMetadata& metadata) {
  return {
      {"type", "service"}, {"name", kMonService}, {"metadata", service_metadata_to_json(metadata)}};
}

HttpRequest cattle_list_hosts() {
  return {"GET", std::string(kHosts), ""};
}
HttpRequest cattle_get_host(std::string_view uuid) {
  return {"GET", fmt::format("{}/{}", kHosts, uuid), ""};
}
HttpRequest cattle_put_labels(std::string_view uuid,
                              const std::map<std::string, std::string>& labels) {
  return {"PUT", fmt::format("{}/{}", kHosts, uuid), json{{"labels", labels}}.dump()};
}
HttpRequest cattle_get_service() {
  return {"GET", std::string(kService), ""};
}
HttpRequest cattle_list_service_containers() {
  return {"GET", std::string(kService) + "/instances", ""};
}

json cattle_containers_to_json(const model::ContainerList& containers) {
  json data = json::array();
  for (const auto& c : containers) {
    json e = container_to_json(c);
    e["type"] = "container";
    data.push_back(std::move(e));
  }
  return {{"type", "collection"}, {"data", data}};
}
HttpRequest cattle_put_service_metadata(const model::ServiceMetadata& metadata) {
  return {"PUT", std::string(kService),
          json{{"metadata", service_metadata_to_json(metadata)}}.dump()};
}

std::optional<model::Request> cattle_from_http(const HttpRequest& h) {
  std::string_view path = h.target;
  path = path.substr(0, path.find('?'));
  if (path == kHosts && h.method == "GET") return model::CattleListHosts{};
  if (path == std::string(kService) + "/instances") {
    if (h.method != "GET") return std::nullopt;
    return model::CattleServiceContainers{};
  }
  if (path == kService) {
    if (h.method == "GET") {
      return model::CattleGetService{};
    }
    if (h.method == "PUT") {
      const json b = parse_body(h);
      auto md = b.find("metadata");
      if (md == b.end()) throw WireError("PUT " + h.target + ": no metadata in the body");
      return model::CattlePutService{service_metadata_from_json(*md)};
    }
    return std::nullopt;
  }
  if (path.substr(0, kHosts.size() + 1) != std::string(kHosts) + "/" ||
      path.size() <= kHosts.size() + 1)
    return std::nullopt;
  const std::string_view uuid = path.substr(kHosts.size() + 1);
  if (uuid.find('/') != std::string_view::npos) return std::nullopt;
  if (h.method == "GET") return model::CattleGetHost{std::string(uuid)};
  if (h.method == "PUT") {
    const json b = parse_body(h);
    if (!b.is_object() || !b.contains("labels"))
      throw WireError("PUT " + h.target + ": no labels in the body");
    return model::CattlePutHostLabels{std::string(uuid), fields::text_map(b, "labels", true)};
  }
  return std::nullopt;
}

HttpRequest cattle_to_http(const model::Request& r) {
  if (std::holds_alternative<model::CattleListHosts>(r)) return cattle_list_hosts();
  if (auto* g = std::get_if<model::CattleGetHost>(&r)) return cattle_get_host(g->host_uuid);
  if (auto* p = std::get_if<model::CattlePutHostLabels>(&r))
    return cattle_put_labels(p->host_uuid, p->labels);
  if (std::holds_alternative<model::CattleGetService>(r)) return cattle_get_service();
  if (auto* p = std::get_if<model::CattlePutService>(&r))
    return cattle_put_service_metadata(p->metadata);
  if (std::holds_alternative<model::CattleServiceContainers>(r))
    return cattle_list_service_containers();
  throw WireError(std::string("not a Cattle API request: ") + model::request_name(r));
}

namespace {

// The answer to a PUT: 2xx is done, anything else an error with the
// message the server gave.
model::Response put_outcome(const HttpResponse& r) {
  if (r.status >= 200 && r.status < 300) return model::Ok{};
  const auto j = json::parse(r.body, nullptr, false);
  std::string message = r.body.substr(0, 200);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) message = j["message"];
  return model::ApiError{r.status, message};
}

}  // namespace

model::Response cattle_answer_from_http(const model::Request& r, const HttpResponse& h) {
  if (std::holds_alternative<model::CattleListHosts>(r)) return cattle_hosts_from_http(h);
  if (std::holds_alternative<model::CattleGetHost>(r)) return cattle_host_from_http(h);
  if (std::holds_alternative<model::CattleGetService>(r)) return cattle_service_from_http(h);
  if (std::holds_alternative<model::CattleServiceContainers>(r))
    return cattle_containers_from_http(h);
  return put_outcome(h);
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string basic_auth(std::string_view access_key, std::string_view secret_key) {
  const std::string in = std::string(access_key) + ":" + std::string(secret_key);
  std::string out = "Basic ";
  for (std::size_t i = 0; i < in.size(); i += 3) {
    const std::uint32_t n = (static_cast<unsigned char>(in[i]) << 16) |
                            (i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) << 8 : 0) |
                            (i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0);
    out += kB64[(n >> 18) & 63];
    out += kB64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kB64[n & 63] : '=';
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kBasic = "Basic ";
  if (header.substr(0, kBasic.size()) != kBasic) return std::nullopt;
  header.remove_prefix(kBasic.size());
  if (header.empty() || header.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < header.size(); i += 4) {
    std::uint32_t n = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char ch = header[i + k];
      std::uint32_t v = 0;
      if (ch == '=' && i + 4 == header.size() && k >= 2) {
        ++pad;
      } else {
        const char* p = std::char_traits<char>::find(kB64, 64, ch);
        if (p == nullptr || pad > 0) return std::nullopt;
        v = static_cast<std::uint32_t>(p - kB64);
      }
      n = (n << 6) | v;
    }
    out += static_cast<char>((n >> 16) & 255);
    if (pad < 2) out += static_cast<char>((n >> 8) & 255);
    if (pad < 1) out += static_cast<char>(n & 255);
  }
  const auto colon = out.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(out.substr(0, colon), out.substr(colon + 1));
}

namespace {

model::Response error_of(const HttpResponse& h) {
  std::string message = h.body;
  try {
    const json j = json::parse(h.body);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) message = j["message"];
  } catch (const json::exception&) {
  }
  return model::ApiError{h.status, message};
}

template <typename F>
model::Response read_ok(const HttpResponse& h, F&& read) {
  if (h.status < 200 || h.status >= 300) return error_of(h);
  try {
    return read(json::parse(h.body));
  } catch (const std::exception& e) {
    return model::ApiError{h.status,
                           std::string("the Cattle API's answer cannot be read: ") + e.what()};
  }
}

}  // namespace

model::Response cattle_hosts_from_http(const HttpResponse& h) {
  return read_ok(h, [](const json& j) -> model::Response { return cattle_hosts_from_json(j); });
}

model::Response cattle_host_from_http(const HttpResponse& h) {
  return read_ok(h, [](const json& j) -> model::Response {
    return model::CattleHostList(std::vector<model::CattleHost>{cattle_host_from_json(j)});
  });
}

model::Response cattle_containers_from_http(const HttpResponse& h) {
  return read_ok(h, [](const json& j) -> model::Response {
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array())
      throw WireError("GET /v1/services/swarmkit-mon/instances: expected a collection");
    std::vector<model::MetaContainer> containers;
    for (const auto& e : j["data"]) containers.push_back(container_from_json(e));
    return model::MetaAnswer<model::ContainerList>{model::MetaAnswerKind::Json,
                                                   model::ContainerList(std::move(containers))};
  });
}

model::Response cattle_service_from_http(const HttpResponse& h) {
  return read_ok(h, [](const json& j) -> model::Response {
    if (!j.is_object()) throw WireError("a service: expected an object");
    const auto md = j.find("metadata");
    return model::MetaAnswer<model::ServiceMetadata>{model::MetaAnswerKind::Json,
                                                     md == j.end() || md->is_null()
                                                         ? model::ServiceMetadata{}
                                                         : service_metadata_from_json(*md)};
  });
}

}  // namespace swarmsim::api
