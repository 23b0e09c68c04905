#include "live/http_transport.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <cstdio>

namespace swarmsim::live {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using unix_socket = asio::local::stream_protocol;

std::string Endpoint::describe() const {
  return is_unix() ? "unix://" + unix_path : fmt::format("tcp://{}:{}", host, port);
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  Endpoint e;
  if (text.substr(0, 7) == "unix://") text.remove_prefix(7);
  if (!text.empty() && text.front() == '/') {
    e.unix_path = std::string(text);
    return e;
  }
  std::uint16_t default_port = 0;
  if (text.substr(0, 6) == "tcp://") {
    text.remove_prefix(6);
  } else if (text.substr(0, 7) == "http://") {
    text.remove_prefix(7);
    default_port = 80;
  } else {
    return std::nullopt;
  }
  text = text.substr(0, text.find('/'));
  const auto colon = text.rfind(':');
  e.host = std::string(text.substr(0, colon));
  if (colon == std::string_view::npos) {
    e.port = default_port;
  } else {
    const auto digits = text.substr(colon + 1);
    unsigned v = 0;
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || v > 65535)
      return std::nullopt;
    e.port = static_cast<std::uint16_t>(v);
  }
  if (e.host.empty() || e.port == 0) return std::nullopt;
  return e;
}

namespace {

// ---- client ----------------------------------------------------------------

template <typename Socket>
struct Call : std::enable_shared_from_this<Call<Socket>> {
  Call(asio::io_context& io, std::function<void(HttpResult)> d)
      : socket(io), timer(io), done(std::move(d)) {}
  Socket socket;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;
  std::function<void(HttpResult)> done;
  bool finished = false;

  void finish(HttpResult r) {
    if (finished) return;
    finished = true;
    timer.cancel();
    beast::error_code ignored;
    socket.close(ignored);
    done(std::move(r));
  }
  void fail(const char* what, const beast::error_code& ec) {
    finish({std::nullopt, fmt::format("{}: {}", what, ec.message())});
  }
  void start(std::chrono::milliseconds timeout) {
    timer.expires_after(timeout);
    timer.async_wait([self = this->shared_from_this(), timeout](const beast::error_code& ec) {
      if (!ec) self->finish({std::nullopt, fmt::format("timeout after {} ms", timeout.count())});
    });
  }
  void send() {
    http::async_write(
        socket, request, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->fail("send", ec);
          http::async_read(self->socket, self->buffer, self->response,
                           [self](beast::error_code ec2, std::size_t) {
                             if (ec2) return self->fail("receive", ec2);
                             api::HttpResponse r{static_cast<int>(self->response.result_int()),
                                                 std::move(self->response.body()),
                                                 {}};
                             for (const auto& f : self->response)
                               r.headers[std::string(f.name_string())] = std::string(f.value());
                             self->finish({std::move(r), ""});
                           });
        });
  }
};

template <typename Socket>
void prepare(Call<Socket>& c, const api::HttpRequest& r, const Headers& headers,
             const std::string& host) {
  c.request.method_string(r.method);
  c.request.target(r.target);
  c.request.version(11);
  c.request.set(http::field::host, host);
  c.request.set(http::field::connection, "close");
  for (const auto& [k, v] : headers) c.request.set(k, v);
  if (!r.body.empty()) c.request.set(http::field::content_type, "application/json");
  c.request.body() = r.body;
  c.request.prepare_payload();
}

// ---- server ----------------------------------------------------------------

template <typename Socket>
struct Session : std::enable_shared_from_this<Session<Socket>> {
  Session(Socket s, std::shared_ptr<const HttpServer::Handler> h)
      : socket(std::move(s)), handler(std::move(h)) {}
  Socket socket;
  std::shared_ptr<const HttpServer::Handler> handler;  // alive while a session is, server or not
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;

  void read() {
    request = {};
    http::async_read(socket, buffer, request,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;  // closed, or not HTTP: nothing to answer
                       self->answer();
                     });
  }
  void answer() {
    Headers headers;
    for (const auto& f : request) headers[std::string(f.name_string())] = std::string(f.value());
    const api::HttpRequest r{std::string(request.method_string()), std::string(request.target()),
                             request.body()};
    answered = false;
    (*handler)(r, headers, [self = this->shared_from_this()](api::HttpResponse a) {
      self->respond(std::move(a));
    });
  }
  bool answered = false;
  void respond(api::HttpResponse a) {
    if (answered) return;  // a handler that answers twice: the first answer stands
    answered = true;
    response = {};
    response.version(request.version());
    response.result(static_cast<unsigned>(a.status));
    response.keep_alive(request.keep_alive());
    response.set(http::field::server, "swarmsim");
    if (!a.body.empty()) {
      const bool json = a.body.front() == '{' || a.body.front() == '[' || a.body.front() == '"';
      response.set(http::field::content_type, json ? "application/json" : "text/plain");
    }
    for (const auto& [k, v] : a.headers) response.set(k, v);
    response.body() = a.body;
    response.prepare_payload();
    http::async_write(socket, response,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (!self->response.keep_alive()) {
                          beast::error_code ignored;
                          self->socket.shutdown(Socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }
};

}  // namespace

void async_http(asio::io_context& io, const Endpoint& to, const api::HttpRequest& request,
                const Headers& headers, std::chrono::milliseconds timeout,
                std::function<void(HttpResult)> done) {
  if (to.is_unix()) {
    auto c = std::make_shared<Call<unix_socket::socket>>(io, std::move(done));
    prepare(*c, request, headers, "localhost");
    c->start(timeout);
    c->socket.async_connect(unix_socket::endpoint(to.unix_path), [c](const beast::error_code& ec) {
      if (ec) return c->fail("connect", ec);
      c->send();
    });
    return;
  }
  auto c = std::make_shared<Call<tcp::socket>>(io, std::move(done));
  prepare(*c, request, headers, fmt::format("{}:{}", to.host, to.port));
  c->start(timeout);
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(
      to.host, std::to_string(to.port),
      [c, resolver](const beast::error_code& ec, const tcp::resolver::results_type& found) {
        if (ec) return c->fail("resolve", ec);
        asio::async_connect(c->socket, found,
                            [c](const beast::error_code& ec2, const tcp::endpoint&) {
                              if (ec2) return c->fail("connect", ec2);
                              c->send();
                            });
      });
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, Endpoint at, Handler h)
      : local(std::move(at)), handler(std::make_shared<const Handler>(std::move(h))) {
    if (local.is_unix()) {
      std::remove(local.unix_path.c_str());
      unix_acceptor.emplace(io, unix_socket::endpoint(local.unix_path));
    } else {
      tcp_acceptor.emplace(io, tcp::endpoint(asio::ip::make_address(local.host), local.port));
      local.port = tcp_acceptor->local_endpoint().port();
    }
  }
  Endpoint local;
  std::shared_ptr<const Handler> handler;
  std::optional<tcp::acceptor> tcp_acceptor;
  std::optional<unix_socket::acceptor> unix_acceptor;

  template <typename Acceptor>
  void accept(Acceptor& acceptor) {
    acceptor.async_accept(
        [self = shared_from_this(), &acceptor](const beast::error_code& ec, auto socket) {
          if (ec) return;  // stopped
          using Socket = decltype(socket);
          std::make_shared<Session<Socket>>(std::move(socket), self->handler)->read();
          self->accept(acceptor);
        });
  }
  void start() {
    if (unix_acceptor)
      accept(*unix_acceptor);
    else
      accept(*tcp_acceptor);
  }
  void stop() {
    beast::error_code ignored;
    if (unix_acceptor && unix_acceptor->is_open()) {
      unix_acceptor->close(ignored);
      std::remove(local.unix_path.c_str());
    }
    if (tcp_acceptor) tcp_acceptor->close(ignored);
  }
};

HttpServer::HttpServer(asio::io_context& io, Endpoint at, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(at), std::move(handler))) {
  impl_->start();
}

HttpServer::~HttpServer() {
  impl_->stop();
}

const Endpoint& HttpServer::local() const {
  return impl_->local;
}

void HttpServer::stop() {
  impl_->stop();
}

}  // namespace swarmsim::live
