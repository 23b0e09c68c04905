// HTTP/1.1 over real sockets for the live mode (Boost.Asio and Beast): a
// client that makes one request with its own time-out, and a server that
// answers each request with a handler. Both speak TCP and unix sockets,
// since the Docker Engine listens on /var/run/docker.sock and the simulated
// world serves each host's engine on both.
//
// Bodies and targets are those of api::HttpRequest / api::HttpResponse, so
// the codecs in api/ are the only place the APIs' formats live; this file
// only moves bytes. Everything runs on the caller's io_context, on its
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/docker_wire.hpp"

namespace swarmsim::live {

// Where a server listens or a client connects: a unix socket path, or a TCP
// host and port.
struct Endpoint {
  std::string unix_path;  // set for a unix socket
  std::string host;       // else TCP
  std::uint16_t port = 0;
  bool is_unix() const { return !unix_path.empty(); }
  std::string describe() const;
  // "unix:///var/run/docker.sock", "/var/run/docker.sock",
  // "tcp://127.0.0.1:2375", "http://host:80"; nothing for anything else.
  static std::optional<Endpoint> parse(std::string_view text);
};

using Headers = std::map<std::string, std::string>;

// What came back: a response, or why there is none (connection refused,
// time-out, a broken answer).
struct HttpResult {
  std::optional<api::HttpResponse> response;
  std::string error;
};

// One request on a new connection, closed afterwards. `done` runs exactly
// once, on the io_context, at the latest when `timeout` has passed.
void async_http(boost::asio::io_context& io, const Endpoint& to, const api::HttpRequest& request,
                const Headers& headers, std::chrono::milliseconds timeout,
                std::function<void(HttpResult)> done);

// Answers requests on `at` until stopped or destroyed. The handler gets the
// request, its headers and a function to call with the answer, now or later
// (a simulated engine answers after its own latency, in virtual time); a
// connection waits for its answer before reading the next request.
class HttpServer {
 public:
  using Respond = std::function<void(api::HttpResponse)>;
  using Handler = std::function<void(const api::HttpRequest&, const Headers&, Respond)>;
  // For a handler that answers at once.
  static Handler immediate(
      std::function<api::HttpResponse(const api::HttpRequest&, const Headers&)> fn) {
    return [fn = std::move(fn)](const api::HttpRequest& r, const Headers& h,
                                const Respond& respond) { respond(fn(r, h)); };
  }
  // Binds at once; throws boost::system::system_error when it cannot (a
  // unix socket path already in use is removed first). A TCP port of 0
  // takes any free port: local() says which.
  HttpServer(boost::asio::io_context& io, Endpoint at, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  const Endpoint& local() const;
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swarmsim::live
