#include "mcp/server/server.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "mcp/server/tools.h"
#include "util/random_id.h"

namespace eryx::mcp::server {

namespace {

using Clock = std::chrono::steady_clock;

std::string id_key(const RequestId& id) {
  if (auto* n = std::get_if<int64_t>(&id)) return "n" + std::to_string(*n);
  if (auto* s = std::get_if<std::string>(&id)) return "s" + *s;
  return "null";
}

// One call's stdout and stderr, capped as the sandbox caps its own.
struct Capture {
  explicit Capture(uint64_t cap) : cap(cap) {}
  void add(bool is_stdout, std::string_view data) {
    std::lock_guard lock(mutex);
    std::string& text = is_stdout ? out : err;
    bool& truncated = is_stdout ? out_truncated : err_truncated;
    const size_t room = text.size() < cap ? cap - text.size() : 0;
    if (data.size() > room) truncated = true;
    text.append(data.substr(0, room));
  }
  std::mutex mutex;
  uint64_t cap;
  std::string out, err;
  bool out_truncated = false, err_truncated = false;
};

Json text_content(std::string text) {
  return Json::array({Json{{"type", "text"}, {"text", std::move(text)}}});
}

// A tool result; the structured part is also given as JSON text, as the specification
// recommends for clients that read only `content`.
Json tool_result(Json structured, bool is_error) {
  Json result{
      {"content", text_content(structured.dump(-1, ' ', false, Json::error_handler_t::replace))},
      {"structuredContent", std::move(structured)}};
  if (is_error) result["isError"] = true;
  return result;
}

Json tool_error(std::string_view kind, std::string message) {
  return tool_result({{"error", {{"kind", kind}, {"message", std::move(message)}}}}, true);
}

// Runs `run` (an execute call) and turns its outcome into the tool result.
template <typename Run>
Json execution_result(Capture& capture, Run&& run) {
  const auto start = Clock::now();
  std::optional<ExecuteResult> result;
  Json error;
  auto set_error = [&](std::string_view kind, std::string message) {
    error = {{"kind", kind}, {"message", std::move(message)}};
  };
  try {
    result = run();
  } catch (const ExecutionError& e) {
    error = {{"kind", "exception"},
             {"type", e.type_name()},
             {"message", e.message()},
             {"traceback", e.traceback()}};
  } catch (const TimeoutError& e) {
    set_error("timeout", e.what());
  } catch (const ResourceLimitError& e) {
    set_error("resource_limit", e.what());
  } catch (const CancelledError& e) {
    set_error("cancelled", e.what());
  } catch (const InvalidArgumentError& e) {
    set_error("invalid_argument", e.what());
  } catch (const std::exception& e) {
    set_error("error", e.what());
  }
  Json structured;
  {
    std::lock_guard lock(capture.mutex);
    structured["stdout"] = capture.out;
    structured["stderr"] = capture.err;
    if (capture.out_truncated) structured["stdout_truncated"] = true;
    if (capture.err_truncated) structured["stderr_truncated"] = true;
  }
  structured["result"] = nullptr;
  if (result && result->result_json) {
    Json value = Json::parse(*result->result_json, nullptr, /*allow_exceptions=*/false);
    if (!value.is_discarded()) structured["result"] = std::move(value);
  }
  if (result && result->result_error) structured["result_error"] = *result->result_error;
  const bool failed = !error.is_null();
  if (failed) structured["error"] = std::move(error);
  structured["duration_ms"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return tool_result(std::move(structured), failed);
}

std::optional<uint64_t> effective_timeout(std::optional<uint64_t> server,
                                          std::optional<uint64_t> client) {
  if (!client) return server;
  if (!server) return client;
  return std::min(*server, *client);
}

}  // namespace

struct Call {
  RequestId id;
  CancellationToken token;
  std::atomic<bool> cancelled{false};
  Server::Reply reply;
};

class Server::Connection {
 public:
  explicit Connection(uint64_t serial) : serial(serial) {}
  const uint64_t serial;  // owns sessions by number: an address could be reused
  std::mutex mutex;
  bool initialized = false;
  bool closed = false;
  std::string protocol_version;
  std::map<std::string, std::shared_ptr<Call>> calls;
};

struct LiveSession {
  explicit LiveSession(uint64_t owner) : owner(owner) {}
  const uint64_t owner;  // Connection::serial
  std::optional<Session> session;
  std::atomic<bool> busy{false};
  std::mutex capture_mutex;
  Capture* capture = nullptr;                // the running call's
  std::optional<CancellationToken> running;  // the running call's, to stop it on session_close
  std::atomic<Clock::rep> last_used{Clock::now().time_since_epoch().count()};
  void touch() { last_used = Clock::now().time_since_epoch().count(); }
};

struct Server::Impl {
  Impl(SandboxMaker maker, ServerLimits limits, std::string version)
      : maker(std::move(maker)), limits(limits), version(std::move(version)) {}

  SandboxMaker maker;
  ServerLimits limits;
  std::string version;

  mutable std::mutex queue_mutex;
  std::condition_variable queue_cv;
  mutable std::condition_variable idle_cv;
  std::deque<std::function<void()>> queue;
  size_t in_flight = 0;               // queued + running
  std::atomic<bool> stopping{false};  // set under queue_mutex; read by the reaper too
  std::vector<std::thread> workers;

  mutable std::mutex sessions_mutex;
  std::map<std::string, std::shared_ptr<LiveSession>> sessions;
  size_t sessions_starting = 0;
  std::condition_variable reaper_cv;
  std::thread reaper;

  std::mutex connections_mutex;
  std::vector<std::weak_ptr<Connection>> connections;
  uint64_t next_serial = 1;

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(queue_mutex);
        queue_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      job();
    }
  }

  void reap() {
    const auto timeout = limits.session_idle_timeout;
    const auto period =
        std::clamp(timeout / 4, std::chrono::milliseconds(20), std::chrono::milliseconds(1000));
    std::unique_lock lock(sessions_mutex);
    while (!stopping) {
      reaper_cv.wait_for(lock, period);
      std::vector<std::shared_ptr<LiveSession>> expired;
      const auto now = Clock::now().time_since_epoch().count();
      for (auto it = sessions.begin(); it != sessions.end();) {
        auto& s = it->second;
        if (!s->busy && now - s->last_used.load() >= Clock::duration(timeout).count()) {
          expired.push_back(std::move(s));
          it = sessions.erase(it);
        } else {
          ++it;
        }
      }
      lock.unlock();
      expired.clear();  // interpreters freed outside the lock
      lock.lock();
    }
  }

  void finish(const std::shared_ptr<Connection>& connection, const std::shared_ptr<Call>& call,
              std::optional<Json> result) {
    {
      std::lock_guard lock(connection->mutex);
      auto it = connection->calls.find(id_key(call->id));
      if (it != connection->calls.end() && it->second == call) connection->calls.erase(it);
    }
    if (call->cancelled || !result)
      call->reply(std::nullopt);
    else
      call->reply(Response{call->id, std::move(*result)});
    std::lock_guard lock(queue_mutex);
    --in_flight;
    idle_cv.notify_all();
  }

  std::shared_ptr<LiveSession> find_session(const Connection& connection, const std::string& id) {
    std::lock_guard lock(sessions_mutex);
    auto it = sessions.find(id);
    if (it == sessions.end() || it->second->owner != connection.serial) return nullptr;
    return it->second;
  }

  static Json unknown_session(const std::string& id) {
    return tool_error("unknown_session", "no session '" + id +
                                             "': it was closed, closed for being idle, or never "
                                             "created (session_create makes one)");
  }

  Json run(Connection& connection, const Call& call, const ToolCall& tool) {
    if (auto* c = std::get_if<RunPython>(&tool)) {
      Capture capture(maker.max_output_bytes);
      return execution_result(capture, [&] {
        return maker.run_fresh(
            c->code, [&](std::string_view s) { capture.add(true, s); },
            [&](std::string_view s) { capture.add(false, s); },
            effective_timeout(maker.timeout_ms, c->timeout_ms), call.token);
      });
    }
    if (std::holds_alternative<SessionCreate>(tool)) return create_session(connection);
    if (auto* c = std::get_if<SessionRun>(&tool)) {
      auto s = find_session(connection, c->session_id);
      if (!s) return unknown_session(c->session_id);
      if (s->busy.exchange(true))
        return tool_error("session_busy", "session '" + c->session_id +
                                              "' is running another call; one call runs at a "
                                              "time in a session");
      Capture capture(maker.max_output_bytes);
      {
        std::lock_guard lock(s->capture_mutex);
        s->capture = &capture;
        s->running = call.token;
      }
      Json result = execution_result(capture, [&] {
        s->session->set_execution_timeout_ms(effective_timeout(maker.timeout_ms, c->timeout_ms));
        return s->session->execute(c->code, call.token);
      });
      {
        std::lock_guard lock(s->capture_mutex);
        s->capture = nullptr;
        s->running.reset();
      }
      s->touch();
      s->busy = false;
      return result;
    }
    if (auto* c = std::get_if<SessionReset>(&tool)) {
      auto s = find_session(connection, c->session_id);
      if (!s) return unknown_session(c->session_id);
      if (s->busy.exchange(true))
        return tool_error("session_busy", "session '" + c->session_id + "' is running a call");
      Json result;
      try {
        s->session->reset();
        result = tool_result({{"session_id", c->session_id}, {"reset", true}}, false);
      } catch (const std::exception& e) {
        result = tool_error("error", e.what());
      }
      s->touch();
      s->busy = false;
      return result;
    }
    if (auto* c = std::get_if<SessionClose>(&tool)) {
      std::shared_ptr<LiveSession> closed;
      {
        std::lock_guard lock(sessions_mutex);
        auto it = sessions.find(c->session_id);
        if (it != sessions.end() && it->second->owner == connection.serial) {
          closed = std::move(it->second);
          sessions.erase(it);
        }
      }
      if (!closed) return unknown_session(c->session_id);
      // A call still running in it is interrupted; it keeps the session alive until it ends.
      {
        std::lock_guard lock(closed->capture_mutex);
        if (closed->running) closed->running->interrupt(limits.interrupt_grace);
      }
      return tool_result({{"session_id", c->session_id}, {"closed", true}}, false);
    }
    return tool_error("error", "unhandled tool");
  }

  Json create_session(Connection& connection) {
    {
      std::lock_guard lock(sessions_mutex);
      if (sessions.size() + sessions_starting >= limits.max_sessions)
        return tool_error("too_many_sessions",
                          "the server holds its maximum of " + std::to_string(limits.max_sessions) +
                              " sessions (eryx serve --max-sessions): close one with "
                              "session_close");
      ++sessions_starting;
    }
    auto s = std::make_shared<LiveSession>(connection.serial);
    Json error;
    try {
      // The handlers outlive no call: they write to the running call's capture, if any.
      std::weak_ptr<LiveSession> weak = s;
      auto sink = [weak](bool is_stdout) {
        return [weak, is_stdout](std::string_view data) {
          if (auto live = weak.lock()) {
            std::lock_guard lock(live->capture_mutex);
            if (live->capture) live->capture->add(is_stdout, data);
          }
        };
      };
      s->session.emplace(maker.session(sink(true), sink(false)));
    } catch (const std::exception& e) {
      error = tool_error("error", std::string("cannot create a session: ") + e.what());
    }
    std::lock_guard lock(sessions_mutex);
    --sessions_starting;
    if (!error.is_null()) return error;
    bool gone;
    {  // under sessions_mutex, which close() takes after marking the connection closed
      std::lock_guard connection_lock(connection.mutex);
      gone = connection.closed;
    }
    if (gone) return tool_error("cancelled", "the client left");  // nobody could use the session
    std::string id = util::random_id();  // a session id another client cannot guess
    s->touch();
    sessions.emplace(id, std::move(s));
    return tool_result({{"session_id", id}}, false);
  }

  void submit(const std::shared_ptr<Connection>& connection, RequestId id, ToolCall tool,
              Reply reply) {
    auto call = std::make_shared<Call>();
    call->id = id;
    call->reply = std::move(reply);
    {
      std::lock_guard lock(connection->mutex);
      if (connection->closed) {
        call->reply(std::nullopt);
        return;
      }
      if (!connection->calls.emplace(id_key(id), call).second) {
        call->reply(ErrorResponse{id, error_code::kInvalidRequest,
                                  "a request with this id is still in progress", nullptr});
        return;
      }
    }
    bool queued = false;
    {
      std::lock_guard lock(queue_mutex);
      if (!stopping && queue.size() < limits.max_queued_calls) {
        ++in_flight;
        queue.push_back([this, connection, call, tool = std::move(tool)] {
          std::optional<Json> result;
          if (!call->cancelled) {
            try {
              result = run(*connection, *call, tool);
            } catch (const std::exception& e) {
              result = tool_error("error", e.what());
            }
          }
          finish(connection, call, std::move(result));
        });
        queued = true;
      }
    }
    if (queued) {
      queue_cv.notify_one();
      return;
    }
    {
      std::lock_guard lock(connection->mutex);
      connection->calls.erase(id_key(id));
    }
    call->reply(Response{id, tool_error("server_busy",
                                        "the server is running and queueing as many calls as it "
                                        "allows; try again later")});
  }

  void cancel(Connection& connection, const RequestId& id) {
    std::shared_ptr<Call> call;
    {
      std::lock_guard lock(connection.mutex);
      auto it = connection.calls.find(id_key(id));
      if (it == connection.calls.end()) return;  // finished already, or never ours
      call = it->second;
    }
    call->cancelled = true;
    call->token.interrupt(limits.interrupt_grace);
  }
};

Server::Server(SandboxMaker maker, ServerLimits limits, std::string server_version)
    : impl_(std::make_unique<Impl>(std::move(maker), limits, std::move(server_version))) {
  const size_t threads = std::max<size_t>(1, limits.worker_threads);
  for (size_t i = 0; i < threads; ++i) impl_->workers.emplace_back([this] { impl_->work(); });
  impl_->reaper = std::thread([this] { impl_->reap(); });
}

Server::~Server() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(impl_->connections_mutex);
    for (auto& weak : impl_->connections)
      if (auto c = weak.lock()) open.push_back(std::move(c));
  }
  for (auto& c : open) close(c);
  {
    std::lock_guard lock(impl_->queue_mutex);
    impl_->stopping = true;
  }
  {
    std::lock_guard lock(impl_->sessions_mutex);
    impl_->reaper_cv.notify_all();
  }
  impl_->queue_cv.notify_all();
  for (auto& t : impl_->workers) t.join();
  impl_->reaper.join();
}

std::shared_ptr<Server::Connection> Server::open() {
  std::lock_guard lock(impl_->connections_mutex);
  auto connection = std::make_shared<Connection>(impl_->next_serial++);
  std::erase_if(impl_->connections, [](const auto& weak) { return weak.expired(); });
  impl_->connections.push_back(connection);
  return connection;
}

void Server::handle(const std::shared_ptr<Connection>& connection, Message message, Reply reply) {
  auto* request = std::get_if<Request>(&message);
  if (!request) {
    if (auto* n = std::get_if<Notification>(&message)) {
      if (n->method == "notifications/cancelled" && n->params.is_object()) {
        auto it = n->params.find("requestId");
        if (it != n->params.end()) {
          if (it->is_number_integer())
            impl_->cancel(*connection, it->get<int64_t>());
          else if (it->is_string())
            impl_->cancel(*connection, it->get<std::string>());
        }
      }
      // notifications/initialized and the rest need nothing from us.
    }
    return;  // responses: we send no requests, so there is nothing to match them with
  }
  auto error = [&](int code, std::string text) {
    reply(ErrorResponse{request->id, code, std::move(text), nullptr});
  };
  const std::string& method = request->method;
  if (method == "ping") return reply(Response{request->id, Json::object()});
  if (method == "initialize") {
    const Json& params = request->params;
    if (!params.is_object() || !params.contains("protocolVersion") ||
        !params["protocolVersion"].is_string())
      return error(error_code::kInvalidParams, "initialize needs a string 'protocolVersion'");
    const std::string asked = params["protocolVersion"].get<std::string>();
    std::string version = kSupportedProtocolVersions[0];
    for (const char* supported : kSupportedProtocolVersions)
      if (asked == supported) version = asked;
    {
      std::lock_guard lock(connection->mutex);
      if (connection->initialized)
        return error(error_code::kInvalidRequest, "the connection is initialized already");
      connection->initialized = true;
      connection->protocol_version = version;
    }
    Json result{
        {"protocolVersion", version},
        {"capabilities", {{"tools", {{"listChanged", false}}}}},
        {"serverInfo",
         {{"name", "eryx"}, {"title", "eryx Python sandbox"}, {"version", impl_->version}}},
        {"instructions",
         "Runs Python 3.13 in an isolated WebAssembly sandbox. run_python starts fresh each "
         "time; session_create/session_run keep state between calls. Assign a JSON-"
         "serialisable value to `result` to return data."}};
    return reply(Response{request->id, std::move(result)});
  }
  bool initialized;
  {
    std::lock_guard lock(connection->mutex);
    initialized = connection->initialized;
  }
  if (!initialized)
    return error(error_code::kInvalidRequest,
                 "the connection is not initialized: send 'initialize' first");
  if (method == "tools/list") return reply(Response{request->id, tool_list()});
  if (method == "tools/call") {
    auto parsed = parse_tool_call(request->params);
    if (auto* e = std::get_if<ToolCallError>(&parsed)) {
      if (e->kind == ToolCallError::Kind::kProtocol)
        return error(error_code::kInvalidParams, e->message);
      return reply(Response{request->id, tool_error("invalid_arguments", e->message)});
    }
    return impl_->submit(connection, request->id, std::move(std::get<ToolCall>(parsed)),
                         std::move(reply));
  }
  return error(error_code::kMethodNotFound, "method not found: " + method);
}

void Server::close(const std::shared_ptr<Connection>& connection) {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(connection->mutex);
    connection->closed = true;
    for (auto& [key, call] : connection->calls) calls.push_back(call);
  }
  for (auto& call : calls) {
    call->cancelled = true;
    call->token.interrupt(impl_->limits.interrupt_grace);
  }
  std::vector<std::shared_ptr<LiveSession>> closed;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    for (auto it = impl_->sessions.begin(); it != impl_->sessions.end();) {
      if (it->second->owner == connection->serial) {
        closed.push_back(std::move(it->second));
        it = impl_->sessions.erase(it);
      } else {
        ++it;
      }
    }
  }
}

size_t Server::calls_in_flight() const {
  std::lock_guard lock(impl_->queue_mutex);
  return impl_->in_flight;
}

size_t Server::live_sessions() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

bool Server::wait_idle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->queue_mutex);
  return impl_->idle_cv.wait_for(lock, timeout, [&] { return impl_->in_flight == 0; });
}

}  // namespace eryx::mcp::server
