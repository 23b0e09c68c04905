// The Cattle API on the wire (api/cattle_wire.hpp): hosts and their
// collection read back as written, the whole-label-map PUT, the service
// metadata, basic auth with the environment's keys, and answers that
// become ApiErrors rather than throws.
#include "api/cattle_wire.hpp"

#include <gtest/gtest.h>

namespace swarmsim::api {
namespace {

TEST(CattleWire, HostsReadBackAsWrittenRemovedOnesIncluded) {
  const model::CattleHost pi{
      "uuid-pi1", "pi1", "10.0.0.2", model::CattleHostState::Active, {{"swarmkit.node_id", "n1"}}};
  const model::CattleHost gone{"uuid-pi2", "pi2", "10.0.0.3", model::CattleHostState::Removed, {}};
  const auto r = cattle_hosts_from_http(
      {200, cattle_hosts_to_json(std::vector<model::CattleHost>{pi, gone}).dump()});
  const auto& hosts = std::get<model::CattleHostList>(r);
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts.front().labels.at("swarmkit.node_id"), "n1");
  EXPECT_EQ(hosts.find("uuid-pi2")->state, model::CattleHostState::Removed);
  const auto one = cattle_host_from_http({200, cattle_host_to_json(pi).dump()});
  EXPECT_EQ(std::get<model::CattleHostList>(one).size(), 1u) << "one host, as a list of one";
  EXPECT_EQ(cattle_host_from_json(nlohmann::json{{"uuid", "u"}, {"state", "purging"}}).state,
            model::CattleHostState::Removed);
}

TEST(CattleWire, WritesAreRequestsTheServerSideReadsBack) {
  const std::map<std::string, std::string> labels = {{"swarm", "manager"}, {"location", "shelf-1"}};
  const auto put = cattle_from_http(cattle_put_labels("uuid-pi1", labels));
  ASSERT_TRUE(put.has_value());
  const auto* p = std::get_if<model::CattlePutHostLabels>(&*put);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->host_uuid, "uuid-pi1");
  EXPECT_EQ(p->labels, labels) << "the whole label map, as the UI and the script PUT it";
  EXPECT_TRUE(
      std::holds_alternative<model::CattleGetHost>(*cattle_from_http(cattle_get_host("uuid-pi1"))));
  EXPECT_TRUE(
      std::holds_alternative<model::CattleListHosts>(*cattle_from_http(cattle_list_hosts())));
  const auto md =
      cattle_from_http(cattle_put_service_metadata({"SWMTKN-w", "SWMTKN-m", {{"n1", "u1"}}}));
  ASSERT_TRUE(md.has_value());
  const auto* m = std::get_if<model::CattlePutService>(&*md);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->metadata.manager_token, "SWMTKN-m");
  EXPECT_EQ(m->metadata.departed.at("n1"), "u1") << "the whole metadata, notes and all";
  EXPECT_TRUE(
      std::holds_alternative<model::CattleGetService>(*cattle_from_http(cattle_get_service())));
  // Every Cattle request of the model's goes out and reads back as itself.
  for (const model::Request& r :
       {model::Request{model::CattleListHosts{}}, model::Request{model::CattleGetHost{"u1"}},
        model::Request{model::CattleGetService{}}, model::Request{model::CattleServiceContainers{}},
        model::Request{model::CattlePutHostLabels{"u1", labels}},
        model::Request{model::CattlePutService{{"w", "m", {}}}}}) {
    ASSERT_EQ(model::service_of(r), model::Service::Cattle);
    const auto back = cattle_from_http(cattle_to_http(r));
    ASSERT_TRUE(back.has_value()) << model::request_name(r);
    EXPECT_EQ(back->index(), r.index()) << model::request_name(r);
  }
  EXPECT_TRUE(std::holds_alternative<model::Ok>(
      cattle_answer_from_http(model::CattlePutService{}, {200, "{}"})));
  const auto refused =
      cattle_answer_from_http(model::CattlePutHostLabels{}, {409, R"({"message":"conflict"})"});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(refused));
  EXPECT_EQ(std::get<model::ApiError>(refused).message, "conflict");
  EXPECT_FALSE(cattle_from_http({"GET", "/v1/projects", ""}).has_value());
  EXPECT_FALSE(cattle_from_http({"DELETE", "/v1/hosts/u", ""}).has_value());
  EXPECT_THROW(cattle_from_http({"PUT", "/v1/hosts/u", "{}"}), WireError);
  EXPECT_THROW(cattle_from_http({"PUT", "/v1/hosts/u", R"({"labels":{"a":1}})"}), WireError);
}

// The service's containers as Cattle lists them (the fixed policy's
// bootstrap asks whose container comes first): read back in create_index
// order whatever order the server sends.
TEST(CattleWire, TheServicesContainersReadBackInCreateIndexOrder) {
  EXPECT_TRUE(std::holds_alternative<model::CattleServiceContainers>(
      *cattle_from_http(cattle_list_service_containers())));
  const std::vector<model::MetaContainer> sent = {{"mon-2", 9, "10.0.0.3", "uuid-pi2"},
                                                  {"mon-1", 4, "10.0.0.2", "uuid-pi1"}};
  const auto r = cattle_containers_from_http({200, cattle_containers_to_json(sent).dump()});
  const auto& a = std::get<model::MetaAnswer<model::ContainerList>>(r);
  ASSERT_EQ(a.value.size(), 2u);
  EXPECT_EQ(a.value.front().host_uuid, "uuid-pi1");
  EXPECT_EQ(a.value.front().create_index, 4u);
  EXPECT_TRUE(std::holds_alternative<model::ApiError>(cattle_containers_from_http({200, "[]"})));
  EXPECT_TRUE(std::holds_alternative<model::ApiError>(cattle_containers_from_http({503, "{}"})));
}

TEST(CattleWire, BasicAuthCarriesTheKeysAndNothingElseParses) {
  const std::string header = basic_auth("ACCESSKEY", "s3cr3t:with-colon");
  EXPECT_EQ(header.rfind("Basic ", 0), 0u);
  const auto keys = parse_basic_auth(header);
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->first, "ACCESSKEY");
  EXPECT_EQ(keys->second, "s3cr3t:with-colon");
  EXPECT_EQ(basic_auth("a", "b"), "Basic YTpi");
  for (const char* bad : {"Bearer YTpi", "Basic", "Basic YTp", "Basic Y=pi", "Basic ****"})
    EXPECT_FALSE(parse_basic_auth(bad).has_value()) << bad;
  EXPECT_FALSE(parse_basic_auth("Basic " + std::string("bm9jb2xvbg==")).has_value()) << "no colon";
}

TEST(CattleWire, ErrorsAndUnreadableAnswersBecomeApiErrors) {
  const auto denied = cattle_hosts_from_http({401, R"({"message":"Unauthorized"})"});
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(denied));
  EXPECT_EQ(std::get<model::ApiError>(denied).status, 401);
  EXPECT_EQ(std::get<model::ApiError>(denied).message, "Unauthorized");
  EXPECT_TRUE(std::holds_alternative<model::ApiError>(cattle_hosts_from_http({200, "[]"})));
  EXPECT_TRUE(std::holds_alternative<model::ApiError>(cattle_host_from_http({200, "not json"})));
  const auto service =
      cattle_service_from_http({200, R"({"metadata":{"worker_token":"SWMTKN-w"}})"});
  EXPECT_EQ(std::get<model::MetaAnswer<model::ServiceMetadata>>(service).value.worker_token,
            "SWMTKN-w");
}

}  // namespace
}  // namespace swarmsim::api
