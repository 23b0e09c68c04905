// The live mode's HTTP transport over real loopback sockets: a server
// answering the Docker Engine API through api/docker_wire on a TCP port and
// on a unix socket, the client reading the answers back into the model's
// types, and the failures a live agent meets (nobody listening, a server
// that never answers) arriving as results, within the time-out.
#include "live/http_transport.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>

#include "api/docker_wire.hpp"

namespace swarmsim::live {
namespace {

using namespace std::chrono_literals;

// An engine with one node, answering through the codec as `serve` will.
api::HttpResponse engine(const api::HttpRequest& r, const Headers&) {
  const auto call = api::from_http(r);
  if (!call) return {404, R"({"message":"page not found"})"};
  if (std::holds_alternative<model::GetInfo>(*call))
    return api::to_http(
        *call, model::SwarmInfo{"n1", "10.0.0.1", model::LocalNodeState::Active, true, ""});
  if (std::holds_alternative<model::ListNodes>(*call)) {
    model::Node n;
    n.ID = "n1";
    n.Description.Hostname = "vm0";
    return api::to_http(*call, model::NodeList(std::vector<model::Node>{n}));
  }
  return api::to_http(*call, model::ApiError{503, "This node is not a swarm manager."});
}

HttpResult call(boost::asio::io_context& io, const Endpoint& at, const api::HttpRequest& r,
                std::chrono::milliseconds timeout = 2s) {
  HttpResult got;
  bool done = false;
  async_http(io, at, r, {}, timeout, [&](HttpResult res) {
    got = std::move(res);
    done = true;
  });
  io.restart();
  while (!done && io.run_one_for(5s) > 0) {
  }
  EXPECT_TRUE(done) << "the callback ran";
  return got;
}

TEST(HttpTransport, EndpointsAreReadAsTheDockerCliWritesThem) {
  EXPECT_EQ(Endpoint::parse("unix:///var/run/docker.sock")->unix_path, "/var/run/docker.sock");
  EXPECT_EQ(Endpoint::parse("/var/run/docker.sock")->unix_path, "/var/run/docker.sock");
  const auto tcp = Endpoint::parse("tcp://127.0.0.1:2375");
  ASSERT_TRUE(tcp.has_value());
  EXPECT_EQ(tcp->host, "127.0.0.1");
  EXPECT_EQ(tcp->port, 2375);
  EXPECT_EQ(Endpoint::parse("http://rancher-metadata.rancher.internal/2015-12-19")->port, 80);
  for (const char* bad :
       {"", "docker.sock", "tcp://host", "tcp://:80", "tcp://h:99999", "ftp://h:1"})
    EXPECT_FALSE(Endpoint::parse(bad).has_value()) << bad;
}

TEST(HttpTransport, TheEngineApiOverTcpReadsBackIntoTheModel) {
  boost::asio::io_context io;
  HttpServer server(io, Endpoint{"", "127.0.0.1", 0}, HttpServer::immediate(engine));
  ASSERT_NE(server.local().port, 0);
  const HttpResult info = call(io, server.local(), api::to_http(model::Request{model::GetInfo{}}));
  ASSERT_TRUE(info.response.has_value()) << info.error;
  const auto swarm = api::from_http(model::GetInfo{}, *info.response);
  ASSERT_TRUE(std::holds_alternative<model::SwarmInfo>(swarm));
  EXPECT_EQ(std::get<model::SwarmInfo>(swarm).NodeID, "n1");
  EXPECT_TRUE(std::get<model::SwarmInfo>(swarm).ControlAvailable);

  const HttpResult refused =
      call(io, server.local(), api::to_http(model::Request{model::GetSwarm{}}));
  ASSERT_TRUE(refused.response.has_value());
  const auto error = api::from_http(model::GetSwarm{}, *refused.response);
  ASSERT_TRUE(std::holds_alternative<model::ApiError>(error));
  EXPECT_EQ(std::get<model::ApiError>(error).status, 503);
}

TEST(HttpTransport, TheEngineApiOverAUnixSocketReadsBackIntoTheModel) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("swarmsim-http-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  boost::asio::io_context io;
  {
    HttpServer server(io, Endpoint{(dir / "docker.sock").string(), "", 0},
                      HttpServer::immediate(engine));
    const HttpResult nodes = call(io, server.local(), {"GET", "/v1.41/nodes", ""});
    ASSERT_TRUE(nodes.response.has_value()) << nodes.error;
    const auto list = api::from_http(model::ListNodes{}, *nodes.response);
    ASSERT_TRUE(std::holds_alternative<model::NodeList>(list));
    EXPECT_EQ(std::get<model::NodeList>(list).front().Description.Hostname, "vm0");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "docker.sock")) << "the socket goes with its server";
  std::filesystem::remove_all(dir);
}

TEST(HttpTransport, AnAnswerCanComeLaterAndHeadersTravel) {
  boost::asio::io_context io;
  boost::asio::steady_timer later(io);
  // Answers the ping 50 ms after the request, as a simulated engine answers
  // after its latency in virtual time.
  HttpServer server(io, Endpoint{"", "127.0.0.1", 0},
                    [&](const api::HttpRequest& r, const Headers&, HttpServer::Respond respond) {
                      later.expires_after(50ms);
                      later.async_wait([r, respond](const boost::system::error_code&) {
                        respond(*api::version_answer(r));
                      });
                    });
  const auto start = std::chrono::steady_clock::now();
  const HttpResult ping = call(io, server.local(), {"GET", "/_ping", ""});
  ASSERT_TRUE(ping.response.has_value()) << ping.error;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_EQ(ping.response->body, "OK");
  EXPECT_EQ(api::negotiate(*ping.response), std::string(api::kApiVersion))
      << "the API-Version header came over the socket";
}

TEST(HttpTransport, NobodyListeningAndASilentServerAreResultsWithinTheTimeOut) {
  boost::asio::io_context io;
  // A port nobody listens on: bind one, note it, close it.
  std::uint16_t free_port = 0;
  {
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    free_port = probe.local_endpoint().port();
  }
  const HttpResult refused = call(io, Endpoint{"", "127.0.0.1", free_port}, {"GET", "/info", ""});
  EXPECT_FALSE(refused.response.has_value());
  EXPECT_NE(refused.error.find("connect"), std::string::npos) << refused.error;

  // A server that accepts and never answers.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  boost::asio::ip::tcp::socket held(io);
  silent.async_accept(held, [](const boost::system::error_code&) {});
  const auto start = std::chrono::steady_clock::now();
  const HttpResult late = call(io, Endpoint{"", "127.0.0.1", silent.local_endpoint().port()},
                               {"GET", "/info", ""}, 200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(late.response.has_value());
  EXPECT_NE(late.error.find("timeout"), std::string::npos) << late.error;
  EXPECT_LT(took, 2s);
}

}  // namespace
}  // namespace swarmsim::live
