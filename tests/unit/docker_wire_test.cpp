// The Docker Engine API on the wire (api/docker_wire.hpp): a node as the
// Engine writes it (omitempty fields left out, which is what the legacy
// script's `jq` sees), answers read back into the model's types, every
// Engine call as an HTTP request and back, and the ways an answer can be
// unreadable, each of which must become an ApiError and never a throw.
#include "api/docker_wire.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace swarmsim::api {
namespace {

using nlohmann::json;

model::Node registered_manager() {
  model::Node n;
  n.ID = "abcdefghijklmnopqrstuvwxy";
  n.VersionIndex = 42;
  n.CreatedAt = 1'496'275'200'123'456'789;  // 2017-06-01T00:00:00.123456789Z
  n.Spec.Role = model::NodeRole::Manager;
  n.Spec.Labels = {{"site", "lab"}};
  n.Description.Hostname = "pi1";
  n.Description.Architecture = "aarch64";
  n.Status.State = model::NodeState::Ready;
  n.Status.Addr = "10.0.0.2";
  n.ManagerStatus_ = model::ManagerStatus{true, model::Reachability::Reachable, "10.0.0.2:2377"};
  return n;
}

TEST(DockerWire, TimesAreRfc3339InUtcToTheNanosecond) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(1'496'275'200'123'456'789), "2017-06-01T00:00:00.123456789Z");
  EXPECT_EQ(parse_rfc3339("2017-06-01T00:00:00.123456789Z"), 1'496'275'200'123'456'789);
  EXPECT_EQ(parse_rfc3339("2017-06-01T00:00:01.5Z"), 1'496'275'201'500'000'000);
  const Instant epoch = parse_rfc3339("2017-06-01T00:00:00Z");
  EXPECT_EQ(rfc3339(90 * kSecond, epoch), "2017-06-01T00:01:30Z") << "Instant 0 is the epoch";
  for (const char* bad : {"2017-06-01", "2017-13-01T00:00:00Z", "2017-06-01T00:00:00", "junk",
                          "2017-06-01T00:00:00.Z", "2017-06-01T00:00:00Zx"})
    EXPECT_THROW(parse_rfc3339(bad), WireError) << bad;
}

TEST(DockerWire, ANodeIsWrittenAsTheEngineWritesIt) {
  const json j = node_to_json(registered_manager());
  EXPECT_EQ(j["ID"], "abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(j["Version"]["Index"], 42);
  EXPECT_EQ(j["Spec"]["Role"], "manager");
  EXPECT_EQ(j["Description"]["Hostname"], "pi1");
  EXPECT_EQ(j["Description"]["Platform"]["Architecture"], "aarch64");
  EXPECT_EQ(j["Status"]["State"], "ready");
  EXPECT_EQ(j["ManagerStatus"]["Leader"], true);
  EXPECT_EQ(j["ManagerStatus"]["Reachability"], "reachable");
  EXPECT_EQ(j["CreatedAt"], "2017-06-01T00:00:00.123456789Z");
}

TEST(DockerWire, AnUnregisteredWorkerHasNoHostnameKeyAndNoManagerStatus) {
  model::Node n;
  n.ID = "n1";
  const json j = node_to_json(n);
  EXPECT_FALSE(j["Description"].contains("Hostname"))
      << "omitempty: the script's jq prints null for it, and its lookups by name find nothing";
  EXPECT_FALSE(j.contains("ManagerStatus"));
  EXPECT_FALSE(j["Status"].contains("Addr"));
}

TEST(DockerWire, NodesReadBackAsTheyWereWritten) {
  model::Node worker;
  worker.ID = "w1";
  worker.Status.State = model::NodeState::Down;
  const model::NodeList nodes = std::vector<model::Node>{registered_manager(), worker};
  const model::NodeList back = nodes_from_json(nodes_to_json(nodes));
  ASSERT_EQ(back.size(), 2u);
  const model::Node& m = *back.find("abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(m.VersionIndex, 42u);
  EXPECT_EQ(m.CreatedAt, registered_manager().CreatedAt);
  EXPECT_EQ(m.Spec.Role, model::NodeRole::Manager);
  EXPECT_EQ(m.Spec.Labels.at("site"), "lab");
  EXPECT_EQ(m.Description.Hostname, "pi1");
  ASSERT_TRUE(m.ManagerStatus_.has_value());
  EXPECT_TRUE(m.ManagerStatus_->Leader);
  EXPECT_EQ(back.find("w1")->Status.State, model::NodeState::Down);
  EXPECT_FALSE(back.find("w1")->ManagerStatus_.has_value());
}

TEST(DockerWire, InfoAndJoinTokensReadBackAsTheyWereWritten) {
  const model::SwarmInfo info{"n1", "10.0.0.2", model::LocalNodeState::Error, true, "node removed"};
  const model::SwarmInfo back = info_from_json(info_to_json(info));
  EXPECT_EQ(back.NodeID, "n1");
  EXPECT_EQ(back.LocalNodeState_, model::LocalNodeState::Error);
  EXPECT_TRUE(back.ControlAvailable);
  EXPECT_EQ(back.Error, "node removed");
  EXPECT_EQ(info_from_json(json::parse(R"({"Swarm":{"LocalNodeState":""}})")).LocalNodeState_,
            model::LocalNodeState::Inactive)
      << "a daemon that never joined a swarm reports an empty state";
  EXPECT_EQ(tokens_from_json(swarm_to_json({"SWMTKN-w", "SWMTKN-m"})),
            (model::JoinTokens{"SWMTKN-w", "SWMTKN-m"}));
}

TEST(DockerWire, EveryEngineCallMakesARequestThatReadsBackAsTheSameCall) {
  const std::vector<model::Request> calls = {
      model::GetInfo{},
      model::SwarmInit{"10.0.0.1:2377"},
      model::GetSwarm{},
      model::SwarmJoin{"SWMTKN-w", "10.0.0.2:2377", {"10.0.0.1:2377"}},
      model::SwarmLeave{true},
      model::SwarmLeave{false},
      model::ListNodes{},
      model::RemoveNode{"n1", true},
      model::UpdateNodeRole{"n1", 7, model::NodeRole::Manager},
      model::InspectNode{"n1"},
      model::InspectNode{"black pearl"}};
  for (const auto& call : calls) {
    ASSERT_TRUE(is_engine_request(call)) << model::request_name(call);
    const HttpRequest h = to_http(call);
    const auto back = from_http(h);
    ASSERT_TRUE(back.has_value()) << h.method << " " << h.target;
    EXPECT_EQ(back->index(), call.index()) << h.method << " " << h.target;
    EXPECT_EQ(to_http(*back), h) << "the same request again: " << h.method << " " << h.target;
  }
  EXPECT_FALSE(is_engine_request(model::MetaHosts{}));
  EXPECT_THROW(to_http(model::Request{model::MetaHosts{}}), std::invalid_argument);
}

TEST(DockerWire, TheDockerCliRequestsAreUnderstoodVersionedOrNot) {
  auto rm = from_http({"DELETE", "/v1.41/nodes/n1?force=1", ""});
  ASSERT_TRUE(rm && std::holds_alternative<model::RemoveNode>(*rm));
  EXPECT_EQ(std::get<model::RemoveNode>(*rm).id, "n1");
  EXPECT_TRUE(std::get<model::RemoveNode>(*rm).force);
  auto promote = from_http({"POST", "/v1.41/nodes/n1/update?version=12",
                            R"({"Name":"","Labels":{},"Role":"manager","Availability":"active"})"});
  ASSERT_TRUE(promote && std::holds_alternative<model::UpdateNodeRole>(*promote));
  EXPECT_EQ(std::get<model::UpdateNodeRole>(*promote).version, 12u);
  EXPECT_EQ(std::get<model::UpdateNodeRole>(*promote).role, model::NodeRole::Manager);
  EXPECT_TRUE(from_http({"GET", "/v1.24/info", ""}).has_value());
  EXPECT_FALSE(from_http({"GET", "/containers/json", ""}).has_value()) << "not served: 404";
  EXPECT_THROW(from_http({"POST", "/nodes/n1/update", R"({"Role":"manager"})"}), WireError)
      << "no version";
  EXPECT_THROW(from_http({"POST", "/nodes/n1/update?version=3", "{"}), WireError) << "not JSON";
  EXPECT_THROW(from_http({"POST", "/nodes/n1/update?version=3", R"({"Role":"boss"})"}), WireError);
}

TEST(DockerWire, GetNodesByIdIsAnInspectionOfThatNode) {
  // `docker node inspect|promote|demote ID` all start with this request.
  auto inspect = from_http({"GET", "/v1.41/nodes/abcdefghijklmnopqrstuvwxy", ""});
  ASSERT_TRUE(inspect && std::holds_alternative<model::InspectNode>(*inspect));
  EXPECT_EQ(std::get<model::InspectNode>(*inspect).id, "abcdefghijklmnopqrstuvwxy");
  // A hostname is sent escaped as Go's net/url escapes a path.
  auto by_name = from_http({"GET", "/v1.41/nodes/black%20pearl", ""});
  ASSERT_TRUE(by_name && std::holds_alternative<model::InspectNode>(*by_name));
  EXPECT_EQ(std::get<model::InspectNode>(*by_name).id, "black pearl");
  EXPECT_EQ(to_http(model::Request{model::InspectNode{"black pearl"}}).target,
            "/nodes/black%20pearl");
  EXPECT_THROW(from_http({"GET", "/nodes/pi%2", ""}), WireError) << "a cut-off escape";
  EXPECT_THROW(from_http({"GET", "/nodes/pi%zz", ""}), WireError);
  EXPECT_FALSE(from_http({"GET", "/nodes/n1/tasks", ""}).has_value()) << "not served: 404";
  EXPECT_TRUE(std::holds_alternative<model::ListNodes>(*from_http({"GET", "/v1.41/nodes", ""})))
      << "the list is still the list";

  // Found: the node itself, as one object (the CLI reads Version.Index and
  // Spec from it and sends the Spec back with the role changed).
  const model::Request request = model::InspectNode{"pi1"};
  const HttpResponse found =
      to_http(request, model::NodeList(std::vector<model::Node>{registered_manager()}));
  EXPECT_EQ(found.status, 200);
  const json body = json::parse(found.body);
  ASSERT_TRUE(body.is_object()) << found.body;
  EXPECT_EQ(body["ID"], "abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(body["Version"]["Index"], 42);
  EXPECT_EQ(body["Spec"]["Role"], "manager");
  EXPECT_EQ(body["Spec"]["Availability"], "active");
  const auto back = from_http(request, found);
  ASSERT_TRUE(std::holds_alternative<model::NodeList>(back));
  ASSERT_EQ(std::get<model::NodeList>(back).size(), 1u);
  EXPECT_EQ(std::get<model::NodeList>(back).front().VersionIndex, 42u);
  EXPECT_EQ(std::get<model::NodeList>(back).front().Description.Hostname, "pi1");

  // Not found: a 404 whose message the CLI prints, read back as an ApiError.
  const HttpResponse missing = to_http(request, model::ApiError{404, "node pi1 not found"});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body), (json{{"message", "node pi1 not found"}}));
  const auto error = from_http(request, missing);
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(error));
  EXPECT_EQ(std::get<model::ApiError>(error).status, 404);
  EXPECT_EQ(std::get<model::ApiError>(error).message, "node pi1 not found");
  EXPECT_TRUE(std::holds_alternative<model::ApiError>(from_http(request, {200, "[]"})))
      << "a list where one node belongs is unreadable";
}

TEST(DockerWire, AnUpdateReadsTheSpecTheCliSendsBack) {
  // `docker node promote` reads the node, changes Spec.Role and posts the
  // whole spec it read, with the version it read in the query.
  json spec = node_to_json(registered_manager())["Spec"];
  spec["Role"] = "worker";
  auto update =
      from_http({"POST", "/v1.41/nodes/abcdefghijklmnopqrstuvwxy/update?version=42", spec.dump()});
  ASSERT_TRUE(update && std::holds_alternative<model::UpdateNodeRole>(*update));
  const auto& u = std::get<model::UpdateNodeRole>(*update);
  EXPECT_EQ(u.id, "abcdefghijklmnopqrstuvwxy");
  EXPECT_EQ(u.version, 42u);
  EXPECT_EQ(u.role, model::NodeRole::Worker);
  // As Go marshals a swarm.NodeSpec: Name omitted when empty, Labels null
  // when the map is nil.
  auto promote = from_http({"POST", "/v1.41/nodes/w1/update?version=3",
                            R"({"Labels":null,"Role":"manager","Availability":"active"})"});
  ASSERT_TRUE(promote && std::holds_alternative<model::UpdateNodeRole>(*promote));
  EXPECT_EQ(std::get<model::UpdateNodeRole>(*promote).role, model::NodeRole::Manager);
  EXPECT_EQ(std::get<model::UpdateNodeRole>(*promote).version, 3u);
}

TEST(DockerWire, AnswersTheModelCannotReadBecomeErrorsNeverThrows) {
  const model::Request info = model::GetInfo{};
  auto is_error = [](const model::Response& r) {
    return std::holds_alternative<model::ApiError>(r);
  };
  const model::Response refused =
      from_http(info, {503, R"({"message":"This node is not a swarm manager."})"});
  ASSERT_TRUE(is_error(refused));
  EXPECT_EQ(std::get<model::ApiError>(refused).status, 503);
  EXPECT_EQ(std::get<model::ApiError>(refused).message, "This node is not a swarm manager.");
  EXPECT_TRUE(is_error(from_http(info, {200, "<html>proxy error</html>"})));
  EXPECT_TRUE(is_error(from_http(info, {200, R"({"Swarm":{"LocalNodeState":"sideways"}})"})));
  EXPECT_TRUE(is_error(from_http(model::ListNodes{}, {200, R"({"not":"a list"})"})));
  EXPECT_TRUE(
      is_error(from_http(model::ListNodes{}, {200, R"([{"ID":"n","CreatedAt":"yesterday"}])"})));
  EXPECT_TRUE(std::holds_alternative<model::Ok>(from_http(model::SwarmLeave{true}, {200, ""})));
  const auto listed =
      from_http(model::ListNodes{},
                {200, nodes_to_json(std::vector<model::Node>{registered_manager()}).dump()});
  ASSERT_TRUE(std::holds_alternative<model::NodeList>(listed));
}

TEST(DockerWire, TheVersionIsNegotiatedAsTheDockerCliDoes) {
  const auto ping = version_answer({"HEAD", "/_ping", ""});
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ(ping->headers.at("API-Version"), kApiVersion);
  EXPECT_EQ(negotiate(*ping), std::string(kApiVersion));
  const auto version = version_answer({"GET", "/v1.41/version", ""});
  ASSERT_TRUE(version.has_value());
  EXPECT_EQ(json::parse(version->body)["ApiVersion"], kApiVersion);
  EXPECT_FALSE(version_answer({"GET", "/info", ""}).has_value());
  EXPECT_EQ(negotiate({200, "OK", {{"Api-Version", "1.30"}}}), "1.30")
      << "an older engine: its version";
  EXPECT_EQ(negotiate({200, "OK", {{"Api-Version", "1.45"}}}), std::string(kApiVersion))
      << "a newer engine: ours";
  EXPECT_FALSE(negotiate({200, "OK", {{"Api-Version", "1.12"}}}).has_value())
      << "before swarm mode";
  EXPECT_FALSE(negotiate({200, "OK", {}}).has_value());
  EXPECT_FALSE(negotiate({200, "OK", {{"Api-Version", "one"}}}).has_value());
}

TEST(DockerWire, TheServerSideWritesWhatTheClientSideReads) {
  const model::Request list = model::ListNodes{};
  const model::Response nodes = model::NodeList(std::vector<model::Node>{registered_manager()});
  const HttpResponse h = to_http(list, nodes);
  EXPECT_EQ(h.status, 200);
  const auto back = from_http(list, h);
  ASSERT_TRUE(std::holds_alternative<model::NodeList>(back));
  EXPECT_EQ(std::get<model::NodeList>(back).front().Description.Hostname, "pi1");
  const HttpResponse refused =
      to_http(model::RemoveNode{"n1", true}, model::ApiError{400, "demote first"});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["message"], "demote first");
  EXPECT_EQ(
      to_http(model::GetInfo{}, model::ApiError{0, "Cannot connect to the Docker daemon"}).status,
      503)
      << "a connection failure inside the world is a 503 on the wire";
}

}  // namespace
}  // namespace swarmsim::api
