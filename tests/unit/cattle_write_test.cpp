// The agent's Cattle procedures (model/cattle_write.hpp) and model::Agent,
// which carries them out inside the logic: the label write and the service
// updates, each written once, as GETs and whole-object PUTs with a
// read-back.
#include "model/cattle_write.hpp"

#include <gtest/gtest.h>

#include "model/agent.hpp"

namespace swarmsim::model {
namespace {

CattleHostList one_host(std::map<std::string, std::string> labels) {
  return CattleHostList(std::vector<CattleHost>{
      {"u1", "pi1", "10.0.0.3", CattleHostState::Active, std::move(labels)}});
}
Response service(ServiceMetadata m) {
  return MetaAnswer<ServiceMetadata>{MetaAnswerKind::Json, std::move(m)};
}

TEST(CattleWrite, ALabelIsReadChangedInACopyPutWholeAndReadBack) {
  CattleWrite w(CattleSetHostLabel{"u1", "swarm", "manager"});
  ASSERT_TRUE(std::holds_alternative<CattleGetHost>(w.next()));
  auto put = w.step(one_host({{"location", "shelf-1"}}));
  const auto& p = std::get<CattlePutHostLabels>(std::get<Request>(put));
  EXPECT_EQ(p.labels,
            (std::map<std::string, std::string>{{"location", "shelf-1"}, {"swarm", "manager"}}))
      << "the whole label map, the others as read";
  auto again = w.step(Ok{});
  ASSERT_TRUE(std::holds_alternative<CattleGetHost>(std::get<Request>(again)));
  auto done = w.step(one_host({{"location", "shelf-1"}, {"swarm", "manager"}}));
  EXPECT_TRUE(std::holds_alternative<Ok>(std::get<Response>(done)));
}

TEST(CattleWrite, ALabelNeverSeenIsWrittenFiveTimesThenA409) {
  EXPECT_EQ(kCattleWriteTries, 5);
  CattleWrite w(CattleSetHostLabel{"u1", "swarm", "manager"});
  int puts = 0;
  for (;;) {
    Response answer = Ok{};
    if (std::holds_alternative<CattleGetHost>(w.next()))
      answer = one_host({});  // another writer won
    else
      ++puts;
    auto step = w.step(answer);
    if (auto* r = std::get_if<Response>(&step)) {
      ASSERT_TRUE(std::holds_alternative<ApiError>(*r));
      EXPECT_EQ(std::get<ApiError>(*r).status, 409);
      EXPECT_EQ(std::get<ApiError>(*r).message, "label swarm=manager not seen after 5 writes");
      break;
    }
  }
  EXPECT_EQ(puts, 5);
}

TEST(CattleWrite, AFailedReadOrPutIsTheWritesAnswer) {
  CattleWrite read(CattleSetHostLabel{"u1", "swarm", "manager"});
  const auto gone = read.step(ApiError{404, "host not found"});
  EXPECT_EQ(std::get<ApiError>(std::get<Response>(gone)).status, 404);
  CattleWrite put(CattleNoteDeparture{"n1", "u1"});
  put.step(service({}));
  const auto refused = put.step(ApiError{503, "Service Unavailable"});
  EXPECT_EQ(std::get<ApiError>(std::get<Response>(refused)).status, 503);
}

TEST(CattleWrite, TokensArePublishedWithEveryNoteAsReadAndReadBackByTheManagerToken) {
  CattleWrite w(CattlePublishTokens{{"SWMTKN-w", "SWMTKN-m", {}}});
  ASSERT_TRUE(std::holds_alternative<CattleGetService>(w.next()));
  auto put = w.step(service({"", "", {{"n0", "u0"}}}));
  const auto& p = std::get<CattlePutService>(std::get<Request>(put));
  EXPECT_EQ(p.metadata.manager_token, "SWMTKN-m");
  EXPECT_EQ(p.metadata.departed.at("n0"), "u0") << "a note written before stays";
  w.step(Ok{});
  EXPECT_TRUE(std::holds_alternative<Ok>(
      std::get<Response>(w.step(service({"SWMTKN-w", "SWMTKN-m", {}})))));
}

// The guard that keeps a note: the read-back. A note another writer's PUT
// dropped is written again.
TEST(CattleWrite, ANoteDroppedBeforeTheReadBackIsWrittenAgain) {
  CattleWrite w(CattleNoteDeparture{"n1", "u1"});
  w.step(service({"w", "m", {}}));
  w.step(Ok{});
  auto again = w.step(service({"w", "m", {{"n2", "u2"}}}));  // the other writer's copy won
  ASSERT_TRUE(std::holds_alternative<CattleGetService>(std::get<Request>(again)));
  auto put = w.step(service({"w", "m", {{"n2", "u2"}}}));
  const auto& p = std::get<CattlePutService>(std::get<Request>(put));
  EXPECT_EQ(p.metadata.departed, (std::map<std::string, std::string>{{"n1", "u1"}, {"n2", "u2"}}));
  w.step(Ok{});
  EXPECT_TRUE(std::holds_alternative<Ok>(std::get<Response>(w.step(service(p.metadata)))));
}

TEST(CattleWrite, ANoteAlreadyThereIsNotPutAgain) {
  CattleWrite w(CattleNoteDeparture{"n1", "u1"});
  EXPECT_TRUE(
      std::holds_alternative<Ok>(std::get<Response>(w.step(service({"w", "m", {{"n1", "u1"}}})))));
}

TEST(Agent, ItsCallsAreSingleRequestsAndTheLogicHearsOnlyTheProceduresAnswer) {
  MonOptions o;
  o.policy = *RemovalPolicy::from_name("legacy");
  Agent agent(o);
  agent.handle_start(0);
  // Answer everything the way a fresh host's world would, until the logic
  // asks for a procedure: every call the agent yields is a single request.
  int procedures = 0;
  std::map<std::string, std::string> last_labels;
  for (int i = 0; i < 200 && procedures < 2; ++i) {
    auto action = agent.poll_action();
    ASSERT_TRUE(action.has_value()) << "the logic stopped at " << agent.phase();
    if (auto* sleep = std::get_if<Sleep>(&*action)) {
      agent.handle_wakeup(sleep->duration_ns, sleep->id);
      continue;
    }
    const Call& call = std::get<Call>(*action);
    ASSERT_NE(service_of(call.request), Service::Procedure) << request_name(call.request);
    procedures += agent.procedure_begins();
    Response r = Ok{};
    if (std::holds_alternative<MetaSelfHost>(call.request))
      r = MetaAnswer<MetaHost>{MetaAnswerKind::Json, {"pi1", "u1", "pi1", "10.0.0.3", {}}};
    else if (std::holds_alternative<GetInfo>(call.request))
      r = SwarmInfo{};
    else if (std::holds_alternative<MetaServiceContainers>(call.request))
      r = MetaAnswer<ContainerList>{MetaAnswerKind::Json, ContainerList(std::vector<MetaContainer>{
                                                              {"mon-0", 1, "10.0.0.2", "u0"},
                                                              {"mon-1", 2, "10.0.0.3", "u1"}})};
    else if (std::holds_alternative<CattleGetHost>(call.request))
      r = one_host({});
    else if (auto* put = std::get_if<CattlePutHostLabels>(&call.request))
      last_labels = put->labels;
    if (std::holds_alternative<CattleGetHost>(call.request) && !last_labels.empty())
      r = one_host(last_labels);
    agent.handle_response(1, call.id, r);
    ASSERT_FALSE(agent.fault().has_value()) << *agent.fault();
  }
  EXPECT_GE(procedures, 1) << "a worker labels its host swarm=wait_leader";
}

}  // namespace
}  // namespace swarmsim::model
