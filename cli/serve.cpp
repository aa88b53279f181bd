#include "serve.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "mcp/server/http_transport.h"
#include "mcp/server/server.h"
#include "mcp/server/stdio_transport.h"

namespace eryx::cli {

CLI::App* add_serve_command(CLI::App& app, ServeOptions& options) {
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Serve the sandbox to AI agents over the Model Context Protocol: stdio by default, "
      "Streamable HTTP with --http. Tools: run_python, session_create, session_run, "
      "session_reset, session_close. Every sandbox flag of eryx (eryx --help) applies to each "
      "of them, written before or after `serve`");
  // Sandbox flags written after `serve` belong to the parent command.
  serve->fallthrough();
  serve
      ->add_option("--http", options.http,
                   "Serve MCP over Streamable HTTP at http://ADDR/mcp instead of stdio; ADDR is "
                   "[HOST:]PORT (host 127.0.0.1; port 0 picks a free one)")
      ->type_name("ADDR");
  serve->add_flag("--http-allow-remote", options.http_allow_remote,
                  "Allow --http on an address other than loopback (anyone who reaches it can run "
                  "code: put authentication in front)");
  serve
      ->add_option("--allow-origin", options.allowed_origins,
                   "Accept HTTP requests from this browser Origin besides loopback ones, e.g. "
                   "https://app.example.com (repeatable)")
      ->type_name("ORIGIN");
  serve->add_option("--max-sessions", options.max_sessions, "Live sessions at most")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20))
      ->capture_default_str();
  serve
      ->add_option("--session-idle-timeout-s", options.session_idle_timeout_s,
                   "Close a session unused for this many seconds")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30))
      ->capture_default_str();
  serve
      ->add_option("--max-concurrent-calls", options.max_concurrent_calls,
                   "Tool calls running at once (more wait in a bounded queue)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{256}))
      ->capture_default_str();
  serve
      ->add_option("--max-message-mb", options.max_message_mb,
                   "Largest JSON-RPC message accepted, in MiB")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1024}))
      ->capture_default_str();
  return serve;
}

namespace {

mcp::server::SandboxMaker make_maker(const SandboxSetup& setup) {
  mcp::server::SandboxMaker maker;
  // A fresh one-shot session per run_python call: it is made exactly as every other sandbox of
  // the flags is (factory, imports, packages, ...), and, unlike a Sandbox, takes its timeout
  // after it is made, which the client's timeout_ms needs.
  maker.run_fresh = [&setup](std::string_view code, OutputHandler out, OutputHandler err,
                             std::optional<uint64_t> timeout_ms, const CancellationToken& cancel) {
    Session session = setup.make_session(OutputSinks{std::move(out), std::move(err)});
    session.set_execution_timeout_ms(timeout_ms);
    return session.execute(code, cancel);
  };
  maker.session = [&setup](OutputHandler out, OutputHandler err) {
    return setup.make_session(OutputSinks{std::move(out), std::move(err)});
  };
  maker.timeout_ms = setup.options().limits.execution_timeout_ms;
  maker.max_output_bytes = setup.options().limits.max_output_bytes;
  return maker;
}

}  // namespace

namespace {

sigset_t stop_signal_set() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

void block_stop_signals(const ServeOptions& options) {
  if (!options.http) return;
  sigset_t signals = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int run_serve(const SandboxSetup& setup, const ServeOptions& options) {
  // A client that closes its end must not kill the server mid-reply.
  ::signal(SIGPIPE, SIG_IGN);
  const size_t max_message_bytes = static_cast<size_t>(options.max_message_mb) << 20;
  mcp::server::ServerLimits limits;
  limits.max_sessions = options.max_sessions;
  limits.session_idle_timeout = std::chrono::seconds(options.session_idle_timeout_s);
  limits.worker_threads = options.max_concurrent_calls;
  limits.max_queued_calls = 16 * options.max_concurrent_calls;

  if (!options.http) {
    mcp::server::Server server(make_maker(setup), limits, ERYX_VERSION_STRING);
    mcp::server::StdioOptions stdio;
    stdio.max_message_bytes = max_message_bytes;
    return mcp::server::serve_stdio(server, STDIN_FILENO, STDOUT_FILENO, stdio, std::cerr);
  }

  std::string why;
  auto http = mcp::server::parse_http_address(*options.http, why);
  if (!http) {
    std::cerr << "eryx serve: --http " << *options.http << ": " << why << "\n";
    return 2;
  }
  http->allow_remote = options.http_allow_remote;
  http->allowed_origins = options.allowed_origins;
  http->max_message_bytes = max_message_bytes;
  http->session_idle_timeout = limits.session_idle_timeout;
  http->threads = 2 * options.max_concurrent_calls + 8;

  // SIGINT/SIGTERM stop the server from a thread of their own: blocked everywhere else (threads
  // started from here on inherit the mask; block_stop_signals blocked them before the earlier
  // ones), taken with sigwait.
  sigset_t stop_signals = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  mcp::server::Server server(make_maker(setup), limits, ERYX_VERSION_STRING);
  mcp::server::HttpTransport transport(server, *http, std::cerr);
  std::atomic<bool> finished{false};
  // Set once the socket is bound: orders the bind before the stop for ThreadSanitizer, which does
  // not see cpp-httplib's own flag (the library is not instrumented).
  std::atomic<bool> bound{false};
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    // cpp-httplib ignores a stop before its listening loop has started: wait for the loop (or
    // for run() to have ended without one).
    while (!finished && !(bound && transport.listening()))
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    transport.stop();
  });
  const int status = transport.run([&](int port) {
    std::cerr << "eryx serve: listening on http://"
              << (http->host.find(':') != std::string::npos ? "[" + http->host + "]" : http->host)
              << ":" << port << http->path << std::endl;
    bound = true;
  });
  finished = true;
  pthread_kill(waiter.native_handle(), SIGTERM);  // ends the sigwait when run() ended by itself
  waiter.join();
  return status;
}

}  // namespace eryx::cli
