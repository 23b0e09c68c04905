#include "api/docker_wire.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <type_traits>

#include "api/json_fields.hpp"

namespace swarmsim::api {

using nlohmann::json;

// ---- times -------------------------------------------------------------

std::string rfc3339(Instant t, Instant epoch) {
  using namespace std::chrono;
  const Instant ns = epoch + t;
  const auto secs = ns >= 0 ? ns / 1'000'000'000 : (ns - 999'999'999) / 1'000'000'000;
  const auto frac = ns - secs * 1'000'000'000;
  const sys_days day{floor<days>(sys_seconds{seconds{secs}})};
  const year_month_day ymd{day};
  const auto in_day = secs - duration_cast<seconds>(day.time_since_epoch()).count();
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  in_day / 3600, in_day / 60 % 60, in_day % 60);
  if (frac != 0) out += fmt::format(".{:09}", frac);
  return out + "Z";
}

namespace {

int digits(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  if (at + n > s.size()) throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
  const auto r = std::from_chars(s.data() + at, s.data() + at + n, v);
  if (r.ec != std::errc() || r.ptr != s.data() + at + n)
    throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
  return v;
}

}  // namespace

Instant parse_rfc3339(std::string_view s, Instant epoch) {
  using namespace std::chrono;
  auto expect = [&](std::size_t at, char c) {
    if (at >= s.size() || s[at] != c)
      throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
  };
  const int y = digits(s, 0, 4);
  expect(4, '-');
  const int mo = digits(s, 5, 2);
  expect(7, '-');
  const int d = digits(s, 8, 2);
  expect(10, 'T');
  const int h = digits(s, 11, 2);
  expect(13, ':');
  const int mi = digits(s, 14, 2);
  expect(16, ':');
  const int sec = digits(s, 17, 2);
  std::size_t at = 19;
  Instant frac = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    int n = 0;
    for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n)
      if (n < 9) frac = frac * 10 + (s[at] - '0');
    if (n == 0) throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
    for (; n < 9; ++n) frac *= 10;
  }
  expect(at, 'Z');
  if (at + 1 != s.size()) throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60)
    throw WireError(fmt::format("expected an RFC 3339 time, got '{}'", s));
  const auto secs = duration_cast<seconds>(sys_days{ymd}.time_since_epoch()).count() +
                    std::int64_t{h} * 3600 + std::int64_t{mi} * 60 + sec;
  return static_cast<Instant>(secs) * 1'000'000'000 + frac - epoch;
}

// ---- bodies --------------------------------------------------------------

namespace {

template <typename E>
E enum_from(const json& j, const char* what,
            std::initializer_list<std::pair<const char*, E>> names) {
  if (!j.is_string()) throw WireError(fmt::format("{}: expected a string, got {}", what, j.dump()));
  const auto& s = j.get_ref<const std::string&>();
  for (const auto& [name, value] : names)
    if (s == name) return value;
  throw WireError(fmt::format("{}: unknown value '{}'", what, s));
}

model::NodeRole role_from(const json& j) {
  return enum_from<model::NodeRole>(
      j, "Spec.Role", {{"worker", model::NodeRole::Worker}, {"manager", model::NodeRole::Manager}});
}

const json& object_at(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object())
    throw WireError(fmt::format("{}: expected an object, got {}", key, it->dump()));
  return *it;
}

}  // namespace

json node_to_json(const model::Node& n, Instant epoch) {
  json spec = {{"Role", model::to_string(n.Spec.Role)}, {"Availability", n.Spec.Availability}};
  if (!n.Spec.Name.empty()) spec["Name"] = n.Spec.Name;
  spec["Labels"] = n.Spec.Labels;
  json platform = {{"OS", n.Description.OS}};
  if (!n.Description.Architecture.empty()) platform["Architecture"] = n.Description.Architecture;
  json description = {{"Platform", platform}};
  if (!n.Description.Hostname.empty()) description["Hostname"] = n.Description.Hostname;
  json status = {{"State", model::to_string(n.Status.State)}};
  if (!n.Status.Addr.empty()) status["Addr"] = n.Status.Addr;
  json j = {{"ID", n.ID},
            {"Version", {{"Index", n.VersionIndex}}},
            {"CreatedAt", rfc3339(n.CreatedAt, epoch)},
            {"UpdatedAt", rfc3339(n.CreatedAt, epoch)},
            {"Spec", spec},
            {"Description", description},
            {"Status", status}};
  if (n.ManagerStatus_) {
    json ms = {{"Reachability", model::to_string(n.ManagerStatus_->Reachability_)}};
    if (n.ManagerStatus_->Leader) ms["Leader"] = true;
    if (!n.ManagerStatus_->Addr.empty()) ms["Addr"] = n.ManagerStatus_->Addr;
    j["ManagerStatus"] = ms;
  }
  return j;
}

model::Node node_from_json(const json& j, Instant epoch) {
  if (!j.is_object()) throw WireError("a node: expected an object, got " + j.dump());
  model::Node n;
  n.ID = fields::text(j, "ID");
  const json& version = object_at(j, "Version");
  if (auto it = version.find("Index"); it != version.end() && it->is_number_unsigned())
    n.VersionIndex = it->get<std::uint64_t>();
  if (const std::string created = fields::text(j, "CreatedAt"); !created.empty())
    n.CreatedAt = parse_rfc3339(created, epoch);
  const json& spec = object_at(j, "Spec");
  n.Spec.Name = fields::text(spec, "Name");
  if (auto it = spec.find("Role"); it != spec.end()) n.Spec.Role = role_from(*it);
  if (const std::string a = fields::text(spec, "Availability"); !a.empty()) n.Spec.Availability = a;
  for (const auto& [k, v] : object_at(spec, "Labels").items())
    if (v.is_string()) n.Spec.Labels[k] = v.get<std::string>();
  const json& description = object_at(j, "Description");
  n.Description.Hostname = fields::text(description, "Hostname");
  const json& platform = object_at(description, "Platform");
  n.Description.Architecture = fields::text(platform, "Architecture");
  if (const std::string os = fields::text(platform, "OS"); !os.empty()) n.Description.OS = os;
  const json& status = object_at(j, "Status");
  if (auto it = status.find("State"); it != status.end())
    n.Status.State =
        enum_from<model::NodeState>(*it, "Status.State",
                                    {{"unknown", model::NodeState::Unknown},
                                     {"down", model::NodeState::Down},
                                     {"ready", model::NodeState::Ready},
                                     {"disconnected", model::NodeState::Disconnected}});
  n.Status.Addr = fields::text(status, "Addr");
  if (auto it = j.find("ManagerStatus"); it != j.end() && it->is_object()) {
    model::ManagerStatus ms;
    if (auto l = it->find("Leader"); l != it->end() && l->is_boolean()) ms.Leader = l->get<bool>();
    if (auto r = it->find("Reachability"); r != it->end())
      ms.Reachability_ =
          enum_from<model::Reachability>(*r, "ManagerStatus.Reachability",
                                         {{"unknown", model::Reachability::Unknown},
                                          {"unreachable", model::Reachability::Unreachable},
                                          {"reachable", model::Reachability::Reachable}});
    ms.Addr = fields::text(*it, "Addr");
    n.ManagerStatus_ = ms;
  }
  return n;
}

json nodes_to_json(const model::NodeList& nodes, Instant epoch) {
  json out = json::array();
  for (const auto& n : nodes) out.push_back(node_to_json(n, epoch));
  return out;
}

model::NodeList nodes_from_json(const json& j, Instant epoch) {
  if (!j.is_array()) throw WireError("GET /nodes: expected an array, got " + j.dump());
  std::vector<model::Node> nodes;
  for (const auto& e : j) nodes.push_back(node_from_json(e, epoch));
  return nodes;
}

json info_to_json(const model::SwarmInfo& s) {
  return {{"Swarm",
           {{"NodeID", s.NodeID},
            {"NodeAddr", s.NodeAddr},
            {"LocalNodeState", model::to_string(s.LocalNodeState_)},
            {"ControlAvailable", s.ControlAvailable},
            {"Error", s.Error}}}};
}

model::SwarmInfo info_from_json(const json& j) {
  if (!j.is_object()) throw WireError("GET /info: expected an object, got " + j.dump());
  const json& swarm = object_at(j, "Swarm");
  model::SwarmInfo s;
  s.NodeID = fields::text(swarm, "NodeID");
  s.NodeAddr = fields::text(swarm, "NodeAddr");
  const std::string state = fields::text(swarm, "LocalNodeState");
  // The Engine reports "" for a daemon that never joined a swarm.
  s.LocalNodeState_ = state.empty() ? model::LocalNodeState::Inactive
                                    : enum_from<model::LocalNodeState>(
                                          json(state), "Swarm.LocalNodeState",
                                          {{"inactive", model::LocalNodeState::Inactive},
                                           {"pending", model::LocalNodeState::Pending},
                                           {"active", model::LocalNodeState::Active},
                                           {"error", model::LocalNodeState::Error},
                                           {"locked", model::LocalNodeState::Locked}});
  if (auto it = swarm.find("ControlAvailable"); it != swarm.end() && it->is_boolean())
    s.ControlAvailable = it->get<bool>();
  s.Error = fields::text(swarm, "Error");
  return s;
}

json swarm_to_json(const model::JoinTokens& t) {
  return {{"JoinTokens", {{"Worker", t.Worker}, {"Manager", t.Manager}}}};
}

model::JoinTokens tokens_from_json(const json& j) {
  if (!j.is_object()) throw WireError("GET /swarm: expected an object, got " + j.dump());
  const json& tokens = object_at(j, "JoinTokens");
  return {fields::text(tokens, "Worker"), fields::text(tokens, "Manager")};
}

// ---- requests --------------------------------------------------------------

bool is_engine_request(const model::Request& r) {
  return std::visit(
      [](const auto& q) {
        using T = std::decay_t<decltype(q)>;
        return std::is_same_v<T, model::GetInfo> || std::is_same_v<T, model::SwarmInit> ||
               std::is_same_v<T, model::GetSwarm> || std::is_same_v<T, model::SwarmJoin> ||
               std::is_same_v<T, model::SwarmLeave> || std::is_same_v<T, model::ListNodes> ||
               std::is_same_v<T, model::RemoveNode> || std::is_same_v<T, model::UpdateNodeRole> ||
               std::is_same_v<T, model::InspectNode>;
      },
      r);
}

namespace {

// A node reference (an ID, or a hostname, which may hold any printable
// character) as one segment of a path, escaped as Go's net/url escapes it;
// and back. IDs are letters and digits, unchanged either way.
bool unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

std::string path_segment(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (unreserved(c))
      out += c;
    else
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
  }
  return out;
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    unsigned byte = 0;
    if (i + 2 >= s.size()) return std::nullopt;
    const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, byte, 16);
    if (r.ec != std::errc() || r.ptr != s.data() + i + 3) return std::nullopt;
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

}  // namespace

HttpRequest to_http(const model::Request& r) {
  return std::visit(
      [](const auto& q) -> HttpRequest {
        using T = std::decay_t<decltype(q)>;
        if constexpr (std::is_same_v<T, model::GetInfo>) {
          return {"GET", "/info", ""};
        } else if constexpr (std::is_same_v<T, model::SwarmInit>) {
          return {"POST", "/swarm/init",
                  json{{"ListenAddr", "0.0.0.0:2377"}, {"AdvertiseAddr", q.advertise_addr}}.dump()};
        } else if constexpr (std::is_same_v<T, model::GetSwarm>) {
          return {"GET", "/swarm", ""};
        } else if constexpr (std::is_same_v<T, model::SwarmJoin>) {
          return {"POST", "/swarm/join",
                  json{{"ListenAddr", "0.0.0.0:2377"},
                       {"AdvertiseAddr", q.advertise_addr},
                       {"RemoteAddrs", q.remote_addrs},
                       {"JoinToken", q.join_token}}
                      .dump()};
        } else if constexpr (std::is_same_v<T, model::SwarmLeave>) {
          return {"POST", q.force ? "/swarm/leave?force=1" : "/swarm/leave", ""};
        } else if constexpr (std::is_same_v<T, model::ListNodes>) {
          return {"GET", "/nodes", ""};
        } else if constexpr (std::is_same_v<T, model::InspectNode>) {
          return {"GET", "/nodes/" + path_segment(q.id), ""};
        } else if constexpr (std::is_same_v<T, model::RemoveNode>) {
          return {"DELETE", "/nodes/" + q.id + (q.force ? "?force=1" : ""), ""};
        } else if constexpr (std::is_same_v<T, model::UpdateNodeRole>) {
          // The Engine replaces the whole spec; the agent sends the role, as
          // `docker node update --role` sends the spec it read with it changed.
          return {"POST", fmt::format("/nodes/{}/update?version={}", q.id, q.version),
                  json{{"Role", model::to_string(q.role)}, {"Availability", "active"}}.dump()};
        } else {
          throw std::invalid_argument(std::string("not a Docker Engine API call: ") +
                                      model::request_name(model::Request{q}));
        }
      },
      r);
}

namespace {

// "/v1.41/nodes/x?force=1" -> path "/nodes/x", query "force=1".
void split_target(std::string_view target, std::string_view& path, std::string_view& query) {
  const auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  if (path.size() > 2 && path[0] == '/' && path[1] == 'v') {
    const auto slash = path.find('/', 1);
    const auto version = path.substr(2, slash == std::string_view::npos ? slash : slash - 2);
    if (!version.empty() && version.find_first_not_of("0123456789.") == std::string_view::npos)
      path = slash == std::string_view::npos ? std::string_view("/") : path.substr(slash);
  }
}

std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return std::string(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool truthy(const std::optional<std::string>& v) {
  return v && (*v == "1" || *v == "true");
}

json body_of(const HttpRequest& h) {
  if (h.body.empty()) return json::object();
  try {
    return json::parse(h.body);
  } catch (const json::exception& e) {
    throw WireError(fmt::format("{} {}: the body is not JSON ({})", h.method, h.target, e.what()));
  }
}

}  // namespace

std::optional<model::Request> from_http(const HttpRequest& h) {
  std::string_view path, query;
  split_target(h.target, path, query);
  if (h.method == "GET" && path == "/info") return model::GetInfo{};
  if (h.method == "GET" && path == "/swarm") return model::GetSwarm{};
  if (h.method == "GET" && path == "/nodes") return model::ListNodes{};
  if (h.method == "POST" && path == "/swarm/init") {
    const json b = body_of(h);
    return model::SwarmInit{fields::text(b, "AdvertiseAddr")};
  }
  if (h.method == "POST" && path == "/swarm/join") {
    const json b = body_of(h);
    model::SwarmJoin j;
    j.join_token = fields::text(b, "JoinToken");
    j.advertise_addr = fields::text(b, "AdvertiseAddr");
    if (auto it = b.find("RemoteAddrs"); it != b.end() && it->is_array())
      for (const auto& a : *it)
        if (a.is_string()) j.remote_addrs.push_back(a.get<std::string>());
    return j;
  }
  if (h.method == "POST" && path == "/swarm/leave")
    return model::SwarmLeave{truthy(query_value(query, "force"))};
  constexpr std::string_view kNodes = "/nodes/";
  if (path.substr(0, kNodes.size()) == kNodes && path.size() > kNodes.size()) {
    std::string_view rest = path.substr(kNodes.size());
    if (h.method == "GET" && rest.find('/') == std::string_view::npos) {
      auto ref = unescape(rest);
      if (!ref)
        throw WireError(
            fmt::format("{} {}: a bad escape in the node reference", h.method, h.target));
      return model::InspectNode{*ref};
    }
    if (h.method == "DELETE" && rest.find('/') == std::string_view::npos)
      return model::RemoveNode{std::string(rest), truthy(query_value(query, "force"))};
    constexpr std::string_view kUpdate = "/update";
    if (h.method == "POST" && rest.size() > kUpdate.size() &&
        rest.substr(rest.size() - kUpdate.size()) == kUpdate) {
      model::UpdateNodeRole u;
      u.id = std::string(rest.substr(0, rest.size() - kUpdate.size()));
      const auto version = query_value(query, "version");
      std::uint64_t v = 0;
      if (!version ||
          std::from_chars(version->data(), version->data() + version->size(), v).ec != std::errc())
        throw WireError(fmt::format("{} {}: expected ?version=N", h.method, h.target));
      u.version = v;
      const json b = body_of(h);
      auto role = b.find("Role");
      if (role == b.end())
        throw WireError(fmt::format("{} {}: the spec has no Role", h.method, h.target));
      u.role = role_from(*role);
      return u;
    }
  }
  return std::nullopt;
}

// ---- API version negotiation ------------------------------------------------

std::optional<HttpResponse> version_answer(const HttpRequest& h) {
  std::string_view path, query;
  split_target(h.target, path, query);
  if (path == "/_ping" && (h.method == "GET" || h.method == "HEAD"))
    return HttpResponse{200,
                        h.method == "HEAD" ? "" : "OK",
                        {{"API-Version", std::string(kApiVersion)}, {"OSType", "linux"}}};
  if (path == "/version" && h.method == "GET")
    return HttpResponse{200, json{{"Version", "swarmsim"},
                                  {"ApiVersion", kApiVersion},
                                  {"MinAPIVersion", kMinApiVersion},
                                  {"Os", "linux"},
                                  {"Arch", "amd64"},
                                  {"Components", json::array()}}
                                 .dump()};
  return std::nullopt;
}

namespace {
// "1.41" -> {1, 41}; nothing when it is not two numbers.
std::optional<std::pair<int, int>> version_of(std::string_view v) {
  const auto dot = v.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int major = 0, minor = 0;
  const auto a = std::from_chars(v.data(), v.data() + dot, major);
  const auto b = std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
  if (a.ec != std::errc() || a.ptr != v.data() + dot || b.ec != std::errc() ||
      b.ptr != v.data() + v.size())
    return std::nullopt;
  return std::make_pair(major, minor);
}
}  // namespace

std::optional<std::string> negotiate(const HttpResponse& ping) {
  // Header names are case-insensitive: the Engine writes Api-Version.
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto it = std::find_if(ping.headers.begin(), ping.headers.end(),
                         [&](const auto& h) { return lower(h.first) == "api-version"; });
  if (ping.status != 200 || it == ping.headers.end()) return std::nullopt;
  const auto theirs = version_of(it->second), ours = version_of(kApiVersion),
             oldest = version_of(kMinApiVersion);
  if (!theirs) return std::nullopt;
  if (*theirs < *oldest) return std::nullopt;
  if (*theirs > *ours) return std::string(kApiVersion);
  return it->second;
}

// ---- responses ---------------------------------------------------------

HttpResponse to_http(const model::Request& request, const model::Response& response,
                     Instant epoch) {
  if (const auto* e = std::get_if<model::ApiError>(&response))
    return {e->status == 0 ? 503 : e->status, json{{"message", e->message}}.dump()};
  if (std::holds_alternative<model::GetInfo>(request))
    if (const auto* s = std::get_if<model::SwarmInfo>(&response))
      return {200, info_to_json(*s).dump()};
  if (std::holds_alternative<model::GetSwarm>(request))
    if (const auto* t = std::get_if<model::JoinTokens>(&response))
      return {200, swarm_to_json(*t).dump()};
  if (std::holds_alternative<model::ListNodes>(request))
    if (const auto* n = std::get_if<model::NodeList>(&response))
      return {200, nodes_to_json(*n, epoch).dump()};
  // One node, as an object: the engine answers an inspection with the
  // listing's entry for it.
  if (std::holds_alternative<model::InspectNode>(request))
    if (const auto* n = std::get_if<model::NodeList>(&response); n && n->size() == 1)
      return {200, node_to_json(n->front(), epoch).dump()};
  if (std::holds_alternative<model::Ok>(response)) return {200, ""};
  return {500,
          json{{"message", "the simulated engine gave an answer this API cannot carry"}}.dump()};
}

model::Response from_http(const model::Request& request, const HttpResponse& h, Instant epoch) {
  json body;
  if (!h.body.empty()) {
    try {
      body = json::parse(h.body);
    } catch (const json::exception&) {
      if (h.status < 200 || h.status >= 300) return model::ApiError{h.status, h.body};
      return model::ApiError{h.status, "the answer is not JSON: " + h.body.substr(0, 200)};
    }
  }
  if (h.status < 200 || h.status >= 300) {
    std::string message = body.is_object() ? fields::text(body, "message") : std::string();
    return model::ApiError{h.status, message.empty() ? h.body : message};
  }
  try {
    if (std::holds_alternative<model::GetInfo>(request)) return info_from_json(body);
    if (std::holds_alternative<model::GetSwarm>(request)) return tokens_from_json(body);
    if (std::holds_alternative<model::ListNodes>(request)) return nodes_from_json(body, epoch);
    if (std::holds_alternative<model::InspectNode>(request))
      return model::NodeList({node_from_json(body, epoch)});
    return model::Ok{};
  } catch (const WireError& e) {
    return model::ApiError{h.status, e.what()};
  }
}

}  // namespace swarmsim::api
