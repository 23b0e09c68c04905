// The Rancher metadata service on the wire (api/metadata_wire.hpp): every
// read swarmkit-mon makes as a request and back, answers read back into the
// model's types, and the three ways a replica says nothing useful (an
// empty body, `Not found`, a body that is not the JSON expected), which the
// model must see as the script did.
#include "api/metadata_wire.hpp"

#include <gtest/gtest.h>

namespace swarmsim::api {
namespace {

using model::MetaAnswerKind;

TEST(MetadataWire, EveryReadMakesARequestThatReadsBackAsTheSameRead) {
  for (const model::Request& read :
       {model::Request{model::MetaSelfHost{}}, model::Request{model::MetaHosts{}},
        model::Request{model::MetaServiceContainers{}},
        model::Request{model::MetaServiceMetadata{}}}) {
    ASSERT_TRUE(is_metadata_request(read));
    const HttpRequest h = metadata_to_http(read);
    EXPECT_EQ(h.method, "GET");
    EXPECT_EQ(h.target.rfind("/2015-12-19/", 0), 0u) << h.target;
    const auto back = metadata_from_http(h);
    ASSERT_TRUE(back.has_value()) << h.target;
    EXPECT_EQ(back->index(), read.index()) << h.target;
  }
  EXPECT_EQ(metadata_to_http(model::MetaServiceContainers{}).target,
            "/2015-12-19/services/swarmkit-mon/containers");
  EXPECT_FALSE(metadata_from_http({"GET", "/2015-12-19/self/service", ""}).has_value());
  EXPECT_FALSE(metadata_from_http({"GET", "/latest/hosts", ""}).has_value()) << "another version";
  EXPECT_FALSE(metadata_from_http({"PUT", "/2015-12-19/hosts", ""}).has_value());
  EXPECT_FALSE(is_metadata_request(model::GetInfo{}));
}

TEST(MetadataWire, AnswersReadBackAsTheReplicaGaveThem) {
  const model::MetaHost pi{"pi1", "uuid-pi1", "pi1.lab", "10.0.0.2", {{"swarm", "manager"}}};
  const model::Response hosts = model::MetaAnswer<model::HostList>{
      MetaAnswerKind::Json,
      std::vector<model::MetaHost>{pi, {"vm0", "uuid-vm0", "vm0", "10.0.0.1", {}}}};
  const auto back = metadata_answer_from_http(model::MetaHosts{}, metadata_answer_to_http(hosts));
  const auto& list = std::get<model::MetaAnswer<model::HostList>>(back);
  EXPECT_EQ(list.kind, MetaAnswerKind::Json);
  ASSERT_EQ(list.value.size(), 2u);
  EXPECT_EQ(list.value.front(), pi) << "in the order metadata listed them";
  EXPECT_EQ(list.value.find("uuid-vm0")->agent_ip, "10.0.0.1");

  const model::Response containers = model::MetaAnswer<model::ContainerList>{
      MetaAnswerKind::Json,
      {{"mon-pi1", 7, "10.0.0.2", "uuid-pi1"}, {"mon-vm0", 3, "10.0.0.1", "uuid-vm0"}}};
  const auto c = metadata_answer_from_http(model::MetaServiceContainers{},
                                           metadata_answer_to_http(containers));
  EXPECT_EQ(std::get<model::MetaAnswer<model::ContainerList>>(c).value.front().name, "mon-vm0")
      << "the lowest create_index first, whatever the order on the wire";

  const model::ServiceMetadata tokens{"SWMTKN-w", "SWMTKN-m", {{"n9", "uuid-gone"}}};
  const auto t =
      metadata_answer_from_http(model::MetaServiceMetadata{},
                                metadata_answer_to_http(model::MetaAnswer<model::ServiceMetadata>{
                                    MetaAnswerKind::Json, tokens}));
  const auto& md = std::get<model::MetaAnswer<model::ServiceMetadata>>(t).value;
  EXPECT_EQ(md.worker_token, "SWMTKN-w");
  EXPECT_EQ(md.departed.at("n9"), "uuid-gone");
}

TEST(MetadataWire, EmptyNotFoundAndGarbageAreWhatTheScriptSaw) {
  const model::Request read = model::MetaHosts{};
  auto kind = [&](int status, const std::string& body) {
    const auto r = metadata_answer_from_http(read, {status, body});
    return std::get<model::MetaAnswer<model::HostList>>(r).kind;
  };
  EXPECT_EQ(kind(200, ""), MetaAnswerKind::Empty);
  EXPECT_EQ(kind(200, "\n"), MetaAnswerKind::Empty);
  EXPECT_EQ(kind(404, "Not found"), MetaAnswerKind::NotFound);
  EXPECT_EQ(kind(200, "<html>502 Bad Gateway</html>"), MetaAnswerKind::Empty);
  EXPECT_EQ(kind(200, R"({"not":"a list"})"), MetaAnswerKind::Empty);
  EXPECT_EQ(kind(200, R"([{"name":"pi1","labels":"oops"}])"), MetaAnswerKind::Empty);
  EXPECT_TRUE(
      std::holds_alternative<model::ApiError>(metadata_answer_from_http(read, {500, "boom"})));
  // And the server side writes them so.
  EXPECT_EQ(
      metadata_answer_to_http(model::MetaAnswer<model::HostList>{MetaAnswerKind::NotFound, {}})
          .status,
      404);
  const auto empty =
      metadata_answer_to_http(model::MetaAnswer<model::HostList>{MetaAnswerKind::Empty, {}});
  EXPECT_EQ(empty.status, 200);
  EXPECT_TRUE(empty.body.empty());
}

TEST(MetadataWire, AHostnameTheAgentCouldNotComputeIsTheStringNull) {
  const auto r = metadata_answer_from_http(
      model::MetaSelfHost{},
      {200, R"({"name":"pi1","uuid":"u","hostname":null,"agent_ip":"10.0.0.2"})"});
  EXPECT_EQ(std::get<model::MetaAnswer<model::MetaHost>>(r).value.hostname, "null");
}

}  // namespace
}  // namespace swarmsim::api
