// The live agent's adapter (live/agent.cpp), request by request, against
// small servers on loopback sockets that answer as the real services do:
// what each of the logic's requests becomes on the wire, and what each
// answer becomes for the logic. The whole agent against the served world is
// live_agent_test.cpp; this is where each rule is pinned:
//  - the engine's API version is negotiated first, used in every path, and
//    negotiated again after the engine was unreachable;
//  - metadata's `Not found` and empty bodies reach the logic as such;
//  - publishing the tokens keeps the departure notes already in the service;
//  - a label write reads back what it wrote, starts over when another
//    writer reverted it, and gives up after five tries with 409;
//  - every Cattle call carries the keys (basic auth), and a 401 is an error;
//  - the worker token file is written whole, readable by its owner only;
//  - a probe goes where --resolve says, and a closed port is a failure;
//  - a server that never answers is a failure within the scaled time-out.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/cattle_wire.hpp"
#include "api/docker_wire.hpp"
#include "api/metadata_wire.hpp"
#include "live/agent.hpp"
#include "live/http_transport.hpp"
#include "model/cattle_write.hpp"

namespace swarmsim::live {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Endpoint any_port() {
  return Endpoint{"", "127.0.0.1", 0};
}

// Carries out one request and runs the io_context until the answer is in.
model::Response carry_out(boost::asio::io_context& io, LiveAgent& agent, const model::Request& r) {
  std::optional<model::Response> answer;
  agent.carry_out(r, [&](model::Response a) { answer = std::move(a); });
  io.restart();
  while (!answer && io.run_one_for(5s) > 0) {
  }
  return answer.value_or(model::ApiError{-1, "no answer"});
}

TEST(AgentAdapter, TheEngineApiVersionIsNegotiatedFirstAndAgainAfterTheEngineWasGone) {
  boost::asio::io_context io;
  std::vector<std::string> targets;
  std::string version = "1.40";
  auto handler =
      HttpServer::immediate([&](const api::HttpRequest& r, const Headers&) -> api::HttpResponse {
        targets.push_back(r.target);
        if (r.target == "/_ping") return {200, "OK", {{"API-Version", version}}};
        return api::to_http(model::Request{model::ListNodes{}}, model::NodeList{});
      });
  auto engine = std::make_unique<HttpServer>(io, any_port(), handler);
  const Endpoint at = engine->local();
  AgentConfig c;
  c.docker = at;
  LiveAgent agent(io, c);
  EXPECT_TRUE(std::holds_alternative<model::NodeList>(carry_out(io, agent, model::ListNodes{})));
  EXPECT_TRUE(std::holds_alternative<model::NodeList>(carry_out(io, agent, model::ListNodes{})));
  EXPECT_EQ(targets, (std::vector<std::string>{"/_ping", "/v1.40/nodes", "/v1.40/nodes"}));

  // The engine goes away: a connection failure, status 0, as the logic
  // knows it. It comes back upgraded, on the same port.
  engine.reset();
  const auto down = carry_out(io, agent, model::ListNodes{});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(down));
  EXPECT_EQ(std::get<model::ApiError>(down).status, 0);
  version = "1.41";
  engine = std::make_unique<HttpServer>(io, at, handler);
  targets.clear();
  EXPECT_TRUE(std::holds_alternative<model::NodeList>(carry_out(io, agent, model::ListNodes{})));
  EXPECT_EQ(targets, (std::vector<std::string>{"/_ping", "/v1.41/nodes"}));
}

TEST(AgentAdapter, MetadataNotFoundAndEmptyBodiesReachTheLogicAsSuch) {
  boost::asio::io_context io;
  std::string body = "Not found";
  int status = 404;
  std::string accept;
  HttpServer md(
      io, any_port(),
      HttpServer::immediate([&](const api::HttpRequest& r, const Headers& h) -> api::HttpResponse {
        EXPECT_EQ(r.target, "/2015-12-19/self/host");
        if (auto it = h.find("Accept"); it != h.end()) accept = it->second;
        return {status, body};
      }));
  AgentConfig c;
  c.metadata = md.local();
  LiveAgent agent(io, c);
  using Answer = model::MetaAnswer<model::MetaHost>;
  auto a = carry_out(io, agent, model::MetaSelfHost{});
  ASSERT_TRUE(std::holds_alternative<Answer>(a));
  EXPECT_EQ(std::get<Answer>(a).kind, model::MetaAnswerKind::NotFound);
  EXPECT_EQ(accept, "application/json");
  status = 200;
  body = "";
  a = carry_out(io, agent, model::MetaSelfHost{});
  ASSERT_TRUE(std::holds_alternative<Answer>(a));
  EXPECT_EQ(std::get<Answer>(a).kind, model::MetaAnswerKind::Empty);
  model::MetaHost self{"pi1", "u-pi1", "pi1.lab", "10.1.0.3", {}};
  body = api::host_to_json(self).dump();
  a = carry_out(io, agent, model::MetaSelfHost{});
  ASSERT_TRUE(std::holds_alternative<Answer>(a));
  EXPECT_EQ(std::get<Answer>(a).kind, model::MetaAnswerKind::Json);
  EXPECT_EQ(std::get<Answer>(a).value, self);
}

// A Cattle API with one host and the service, checking the keys; `revert`
// makes the next reads show the labels as they were before each PUT (another
// writer's stale copy won).
struct FakeCattle {
  FakeCattle(boost::asio::io_context& io)
      : server(io, any_port(),
               HttpServer::immediate(
                   [this](const api::HttpRequest& r, const Headers& h) { return answer(r, h); })) {
    host.uuid = "u-pi1";
    host.hostname = "pi1.lab";
    host.labels = {{"io.rancher.host.os", "linux"}};
  }
  api::HttpResponse answer(const api::HttpRequest& r, const Headers& h) {
    calls.push_back(r.method + " " + r.target);
    auto auth = h.find("Authorization");
    const auto keys = auth == h.end() ? std::nullopt : api::parse_basic_auth(auth->second);
    if (!keys || *keys != std::pair<std::string, std::string>{"access", "secret"})
      return {401, R"({"type":"error","status":401,"message":"Unauthorized"})"};
    const auto call = api::cattle_from_http(r);
    if (!call) return {404, "{}"};
    if (std::holds_alternative<model::CattleGetHost>(*call))
      return {200, api::cattle_host_to_json(host).dump()};
    if (auto* put = std::get_if<model::CattlePutHostLabels>(&*call)) {
      if (!revert) host.labels = put->labels;
      return {200, api::cattle_host_to_json(host).dump()};
    }
    if (std::holds_alternative<model::CattleGetService>(*call))
      return {200, api::cattle_service_to_json(service).dump()};
    if (auto* put = std::get_if<model::CattlePutService>(&*call)) {
      service = put->metadata;
      return {200, api::cattle_service_to_json(service).dump()};
    }
    if (std::holds_alternative<model::CattleListHosts>(*call))
      return {200,
              api::cattle_hosts_to_json(model::CattleHostList(std::vector<model::CattleHost>{host}))
                  .dump()};
    if (std::holds_alternative<model::CattleServiceContainers>(*call))
      return {200,
              api::cattle_containers_to_json(model::ContainerList(std::vector<model::MetaContainer>{
                                                 {"swarmkit-mon-1", 7, "10.0.0.2", host.uuid}}))
                  .dump()};
    return {500, "{}"};
  }
  model::CattleHost host;
  model::ServiceMetadata service;
  bool revert = false;
  std::vector<std::string> calls;
  HttpServer server;
};

AgentConfig with_cattle(const FakeCattle& cattle, std::string secret = "secret") {
  AgentConfig c;
  c.cattle = cattle.server.local();
  c.access_key = "access";
  c.secret_key = std::move(secret);
  return c;
}

// One of the logic's Cattle procedures (model::CattleWrite), its requests
// carried one by one over the live transport, as model::Agent has them
// carried when the logic runs.
model::Response run_procedure(boost::asio::io_context& io, LiveAgent& agent,
                              const model::Request& procedure) {
  model::CattleWrite write(procedure);
  model::Request next = write.next();
  for (;;) {
    auto step = write.step(carry_out(io, agent, next));
    if (auto* done = std::get_if<model::Response>(&step)) return *done;
    next = std::get<model::Request>(step);
  }
}

TEST(AgentAdapter, PublishingTheTokensKeepsTheDepartureNotes) {
  boost::asio::io_context io;
  FakeCattle cattle(io);
  cattle.service.departed = {{"node-a", "u-gone"}};
  LiveAgent agent(io, with_cattle(cattle));
  model::ServiceMetadata tokens;
  tokens.worker_token = "SWMTKN-w";
  tokens.manager_token = "SWMTKN-m";
  EXPECT_TRUE(std::holds_alternative<model::Ok>(
      run_procedure(io, agent, model::CattlePublishTokens{tokens})));
  EXPECT_EQ(cattle.service.worker_token, "SWMTKN-w");
  EXPECT_EQ(cattle.service.manager_token, "SWMTKN-m");
  EXPECT_EQ(cattle.service.departed, (std::map<std::string, std::string>{{"node-a", "u-gone"}}));
  EXPECT_TRUE(std::holds_alternative<model::Ok>(
      run_procedure(io, agent, model::CattleNoteDeparture{"node-b", "u-pi1"})));
  EXPECT_EQ(cattle.service.departed.size(), 2u);
  EXPECT_EQ(cattle.service.worker_token, "SWMTKN-w") << "a note keeps the tokens";
}

TEST(AgentAdapter, ALabelWriteReadsBackAndStartsOverWhenReverted) {
  boost::asio::io_context io;
  FakeCattle cattle(io);
  LiveAgent agent(io, with_cattle(cattle));
  const model::CattleSetHostLabel bind{"u-pi1", "io.rancher.swarm.node_id", "node-1"};
  EXPECT_TRUE(std::holds_alternative<model::Ok>(run_procedure(io, agent, bind)));
  EXPECT_EQ(cattle.host.labels.at("io.rancher.swarm.node_id"), "node-1");
  EXPECT_EQ(cattle.host.labels.at("io.rancher.host.os"), "linux")
      << "the other labels go back as they were";
  EXPECT_EQ(cattle.calls, (std::vector<std::string>{"GET /v1/hosts/u-pi1", "PUT /v1/hosts/u-pi1",
                                                    "GET /v1/hosts/u-pi1"}));

  // Every PUT is undone by another writer: five tries, then 409.
  cattle.revert = true;
  cattle.calls.clear();
  const auto r = run_procedure(io, agent, model::CattleSetHostLabel{"u-pi1", "swarm", "manager"});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(r));
  EXPECT_EQ(std::get<model::ApiError>(r).status, 409);
  EXPECT_EQ(cattle.calls.size(), 15u);

  // Deleting a label: the value empty.
  cattle.revert = false;
  EXPECT_TRUE(std::holds_alternative<model::Ok>(run_procedure(
      io, agent, model::CattleSetHostLabel{"u-pi1", "io.rancher.swarm.node_id", ""})));
  EXPECT_EQ(cattle.host.labels.count("io.rancher.swarm.node_id"), 0u);
}

TEST(AgentAdapter, EveryCattleCallCarriesTheKeysAndAWrongKeyIsA401) {
  boost::asio::io_context io;
  FakeCattle cattle(io);
  LiveAgent right(io, with_cattle(cattle));
  EXPECT_TRUE(std::holds_alternative<model::CattleHostList>(
      carry_out(io, right, model::CattleListHosts{})));
  LiveAgent wrong(io, with_cattle(cattle, "guess"));
  for (const model::Request& r :
       {model::Request{model::CattleListHosts{}}, model::Request{model::CattleGetHost{"u-pi1"}},
        model::Request{model::CattleGetService{}}, model::Request{model::CattleServiceContainers{}},
        model::Request{model::CattlePutHostLabels{"u-pi1", {{"swarm", "manager"}}}},
        model::Request{model::CattlePutService{}}}) {
    const auto a = carry_out(io, wrong, r);
    ASSERT_TRUE(std::holds_alternative<model::ApiError>(a)) << model::request_name(r);
    EXPECT_EQ(std::get<model::ApiError>(a).status, 401) << model::request_name(r);
    EXPECT_EQ(LiveAgent::describe(a).substr(0, 3), "401");
  }
}

// The adapter carries single requests: a procedure of the logic handed to
// it is refused, not carried out a second way.
TEST(AgentAdapter, AProcedureIsNotTheAdaptersToCarryOut) {
  boost::asio::io_context io;
  FakeCattle cattle(io);
  LiveAgent agent(io, with_cattle(cattle));
  const auto a = carry_out(io, agent, model::CattleSetHostLabel{"u-pi1", "swarm", "manager"});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(a));
  EXPECT_EQ(std::get<model::ApiError>(a).status, 500);
  EXPECT_TRUE(cattle.calls.empty());
}

TEST(AgentAdapter, TheWorkerTokenFileIsWrittenWholeForItsOwnerOnly) {
  boost::asio::io_context io;
  char dir[] = "/tmp/swarmsim-agent-state-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  AgentConfig c;
  c.state_dir = dir;
  LiveAgent agent(io, c);
  auto read = carry_out(io, agent, model::ReadSavedToken{});
  ASSERT_TRUE(std::holds_alternative<model::SavedToken>(read));
  EXPECT_EQ(std::get<model::SavedToken>(read).worker_token, "") << "a machine that never joined";
  EXPECT_TRUE(
      std::holds_alternative<model::Ok>(carry_out(io, agent, model::SaveToken{"SWMTKN-1-abc"})));
  read = carry_out(io, agent, model::ReadSavedToken{});
  EXPECT_EQ(std::get<model::SavedToken>(read).worker_token, "SWMTKN-1-abc");
  struct stat st {};
  ASSERT_EQ(::stat((std::string(dir) + "/worker-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(std::string(dir) + "/worker-token.tmp"));
  EXPECT_EQ(LiveAgent::describe(read), "a saved token (not shown)");
  std::filesystem::remove_all(dir);
}

TEST(AgentAdapter, AProbeGoesWhereResolveSaysAndAClosedPortFails) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor listening(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::uint16_t open_port = listening.local_endpoint().port();
  std::uint16_t closed_port = 0;
  {
    boost::asio::ip::tcp::acceptor gone(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = gone.local_endpoint().port();
  }
  AgentConfig c;
  c.resolve["10.1.0.2"] = Endpoint{"", "127.0.0.1", open_port};
  c.resolve["10.1.0.3"] = Endpoint{"", "127.0.0.1", closed_port};
  LiveAgent agent(io, c);
  EXPECT_TRUE(std::holds_alternative<model::Ok>(
      carry_out(io, agent, model::ProbeManager{"10.1.0.2:2377"})));
  const auto refused = carry_out(io, agent, model::ProbeManager{"10.1.0.3:2377"});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(refused));
  EXPECT_EQ(std::get<model::ApiError>(refused).status, 0);
}

TEST(AgentAdapter, ASilentServerIsAFailureWithinTheScaledTimeOut) {
  boost::asio::io_context io;
  // Accepts, reads the request, and never answers (the connection stays
  // open while the answer is owed).
  std::vector<HttpServer::Respond> owed;
  HttpServer silent(io, any_port(),
                    [&owed](const api::HttpRequest&, const Headers&, HttpServer::Respond r) {
                      owed.push_back(std::move(r));
                    });
  AgentConfig c;
  c.metadata = silent.local();
  c.metadata_timeout = 5000ms;
  c.time_scale = 50;  // 5 s become 100 ms
  LiveAgent agent(io, c);
  const auto t0 = std::chrono::steady_clock::now();
  const auto a = carry_out(io, agent, model::MetaHosts{});
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(a));
  EXPECT_EQ(std::get<model::ApiError>(a).status, 0);
  EXPECT_GE(took, 90ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(owed.size(), 1u) << "the request got there";
}

}  // namespace
}  // namespace swarmsim::live
