#include "mcp/server/http_transport.h"

#include <httplib.h>

#include <arpa/inet.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>

#include "util/random_id.h"

namespace eryx::mcp::server {
namespace {

using Clock = std::chrono::steady_clock;

// The scheme://host[:port] of an Origin header -> its host (brackets of an IPv6 literal kept off).
std::optional<std::string> origin_host(const std::string& origin) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string::npos) return std::nullopt;
  std::string rest = origin.substr(scheme + 3);
  if (rest.find_first_of("/?#@") != std::string::npos) return std::nullopt;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    return rest.substr(1, close - 1);
  }
  return rest.substr(0, rest.find(':'));
}

std::string error_body(int code, const std::string& message) {
  return encode(ErrorResponse{RequestId{}, code, message, nullptr});
}

// Where a request's reply waits for the HTTP handler.
struct ReplySlot {
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::optional<Message> message;
  void put(std::optional<Message> reply) {
    std::lock_guard lock(mutex);
    message = std::move(reply);
    done = true;
    cv.notify_all();
  }
};

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<HttpOptions> parse_http_address(const std::string& text, std::string& why) {
  HttpOptions options;
  std::string host = "127.0.0.1";
  std::string port = text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find("]:");
    if (close == std::string::npos) {
      why = "expected [IPV6]:PORT";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const size_t colon = text.rfind(':'); colon != std::string::npos) {
    if (colon > 0) host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    why = "expected HOST:PORT with a port from 0 to 65535";
    return std::nullopt;
  }
  if (host.empty() || host.find_first_of(" /[]") != std::string::npos) {
    why = "bad host '" + host + "'";
    return std::nullopt;
  }
  options.host = host;
  options.port = std::stoi(port);
  return options;
}

struct HttpTransport::Impl {
  Impl(Server& server, HttpOptions options, std::ostream& log)
      : server(server), options(std::move(options)), log(log) {}

  struct McpSession {
    std::shared_ptr<Server::Connection> connection;
    Clock::time_point last_seen;
    size_t open_requests = 0;
  };

  Server& server;
  HttpOptions options;
  std::ostream& log;
  httplib::Server http;
  std::mutex mutex;
  std::map<std::string, McpSession> sessions;
  std::atomic<bool> stopping{false};

  bool origin_allowed(const httplib::Request& req) const {
    if (!req.has_header("Origin")) return true;  // not a browser: nothing to rebind
    const std::string origin = req.get_header_value("Origin");
    for (const auto& allowed : options.allowed_origins)
      if (origin == allowed) return true;
    auto host = origin_host(origin);
    return host && is_loopback_host(*host);
  }

  // Ends sessions idle past the timeout with no request open (their calls are cancelled).
  void expire_idle_locked() {
    const auto now = Clock::now();
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->second.open_requests == 0 &&
          now - it->second.last_seen >= options.session_idle_timeout) {
        server.close(it->second.connection);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }

  void end_request(const std::string& id) {
    std::lock_guard lock(mutex);
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    it->second.last_seen = Clock::now();
    if (it->second.open_requests > 0) --it->second.open_requests;
  }

  void post(const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("MCP-Protocol-Version")) {
      const std::string version = req.get_header_value("MCP-Protocol-Version");
      bool known = false;
      for (const char* supported : kSupportedProtocolVersions)
        known = known || version == supported;
      if (!known) {
        res.status = 400;
        res.set_content(error_body(error_code::kInvalidRequest,
                                   "unsupported MCP-Protocol-Version '" + version + "'"),
                        "application/json");
        return;
      }
    }
    DecodeLimits limits;
    limits.max_bytes = options.max_message_bytes;
    auto decoded = decode(req.body, limits);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
      res.status = 400;
      res.set_content(encode(ErrorResponse{error->id, error->code, error->message, nullptr}),
                      "application/json");
      return;
    }
    Message message = std::move(std::get<Message>(decoded));
    const auto* request = std::get_if<Request>(&message);
    const bool is_initialize = request && request->method == "initialize";

    std::string session_id;
    std::shared_ptr<Server::Connection> connection;
    {
      std::lock_guard lock(mutex);
      if (is_initialize) {
        expire_idle_locked();
        if (stopping || sessions.size() >= options.max_mcp_sessions) {
          res.status = 503;
          res.set_content(error_body(error_code::kInternalError,
                                     stopping ? "the server is stopping"
                                              : "too many MCP sessions; end one with DELETE"),
                          "application/json");
          return;
        }
        session_id = util::random_id();
        connection = server.open();
        sessions.emplace(session_id, McpSession{connection, Clock::now(), 1});
      } else {
        if (!req.has_header("Mcp-Session-Id")) {
          res.status = 400;
          res.set_content(error_body(error_code::kInvalidRequest,
                                     "missing Mcp-Session-Id header (send initialize first)"),
                          "application/json");
          return;
        }
        session_id = req.get_header_value("Mcp-Session-Id");
        auto it = sessions.find(session_id);
        if (it == sessions.end()) {
          res.status = 404;
          res.set_content(error_body(error_code::kInvalidRequest, "unknown or ended MCP session"),
                          "application/json");
          return;
        }
        connection = it->second.connection;
        it->second.last_seen = Clock::now();
        ++it->second.open_requests;
      }
    }

    if (!request) {
      server.handle(connection, std::move(message), [](std::optional<Message>) {});
      end_request(session_id);
      res.status = 202;
      return;
    }

    const RequestId id = request->id;
    const bool stream =
        request->method == "tools/call" &&
        req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
    auto slot = std::make_shared<ReplySlot>();
    server.handle(connection, std::move(message),
                  [slot](std::optional<Message> reply) { slot->put(std::move(reply)); });
    if (is_initialize) {
      std::unique_lock lock(slot->mutex);
      slot->cv.wait(lock, [&] { return slot->done; });
      if (slot->message && std::holds_alternative<ErrorResponse>(*slot->message)) {
        std::lock_guard sessions_lock(mutex);  // a refused initialize starts no session
        server.close(connection);
        sessions.erase(session_id);
      } else {
        res.set_header("Mcp-Session-Id", session_id);
      }
    }

    if (!stream) {
      std::unique_lock lock(slot->mutex);
      slot->cv.wait(lock, [&] { return slot->done; });
      end_request(session_id);
      if (!slot->message) {
        res.status = 202;  // cancelled: the client asked for no reply
        return;
      }
      res.set_content(encode(*slot->message), "application/json");
      return;
    }

    const auto interval = options.keepalive_interval;
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, slot, connection, id, interval](size_t, httplib::DataSink& sink) {
          std::unique_lock lock(slot->mutex);
          if (slot->cv.wait_for(lock, interval, [&] { return slot->done; })) {
            if (slot->message) {
              const std::string event = "event: message\ndata: " + encode(*slot->message) + "\n\n";
              sink.write(event.data(), event.size());
            }
            sink.done();
            return true;
          }
          lock.unlock();
          static constexpr std::string_view kKeepAlive = ": keep-alive\n\n";
          if (sink.write(kKeepAlive.data(), kKeepAlive.size())) return true;
          // The client closed the connection: nothing can carry the result any more.
          Json params{{"requestId", nullptr}, {"reason", "the HTTP connection closed"}};
          if (auto* n = std::get_if<int64_t>(&id)) params["requestId"] = *n;
          if (auto* s = std::get_if<std::string>(&id)) params["requestId"] = *s;
          server.handle(connection, Notification{"notifications/cancelled", std::move(params)},
                        [](std::optional<Message>) {});
          return false;
        },
        [this, session_id](bool) { end_request(session_id); });
  }

  void remove(const httplib::Request& req, httplib::Response& res) {
    std::shared_ptr<Server::Connection> connection;
    {
      std::lock_guard lock(mutex);
      auto it = sessions.find(req.get_header_value("Mcp-Session-Id"));
      if (it == sessions.end()) {
        res.status = 404;
        return;
      }
      connection = it->second.connection;
      sessions.erase(it);
    }
    server.close(connection);
    res.status = 204;
  }
};

HttpTransport::HttpTransport(Server& server, HttpOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(server, std::move(options), log)) {}

HttpTransport::~HttpTransport() {
  std::lock_guard lock(impl_->mutex);
  for (auto& [id, session] : impl_->sessions) impl_->server.close(session.connection);
  impl_->sessions.clear();
}

bool HttpTransport::listening() const { return impl_->http.is_running(); }

void HttpTransport::stop() {
  // Cancel the calls first: cpp-httplib's stop() waits for every handler, and one waiting for a
  // call's JSON reply would otherwise wait for the whole call.
  if (!impl_->stopping.exchange(true)) {
    std::map<std::string, Impl::McpSession> sessions;
    {
      std::lock_guard lock(impl_->mutex);
      sessions.swap(impl_->sessions);
    }
    for (auto& [id, session] : sessions) impl_->server.close(session.connection);
  }
  impl_->http.stop();
}

int HttpTransport::run(const std::function<void(int port)>& on_listening) {
  auto& o = impl_->options;
  if (!o.allow_remote && !is_loopback_host(o.host)) {
    impl_->log << "eryx serve: refusing to listen on " << o.host
               << ", which is not a loopback address: anyone who can reach it could run code. "
                  "Pass --http-allow-remote to do so anyway\n";
    return 2;
  }
  auto& http = impl_->http;
  const size_t threads = o.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(o.max_message_bytes);
  http.set_keep_alive_timeout(2);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path != impl_->options.path) {
      res.status = 404;
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!impl_->origin_allowed(req)) {
      res.status = 403;
      res.set_content(error_body(error_code::kInvalidRequest, "Origin not allowed"),
                      "application/json");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.Post(o.path,
            [this](const httplib::Request& req, httplib::Response& res) { impl_->post(req, res); });
  http.Delete(o.path, [this](const httplib::Request& req, httplib::Response& res) {
    impl_->remove(req, res);
  });
  http.Get(o.path, [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "POST, DELETE");
  });

  int port = o.port;
  if (port == 0) {
    port = http.bind_to_any_port(o.host);
  } else if (!http.bind_to_port(o.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    impl_->log << "eryx serve: cannot listen on " << o.host << ":" << o.port << "\n";
    return 2;
  }
  on_listening(port);
  http.listen_after_bind();
  return 0;
}

}  // namespace eryx::mcp::server
