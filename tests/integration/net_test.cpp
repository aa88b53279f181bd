// Networking through the host: real sockets to servers the tests start on 127.0.0.1, the policy
// refusing before any packet (the servers count every connection they accept), limits, timeouts,
// interrupts and cancellation of blocked socket calls.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "eryx/eryx.hpp"
#include "loopback_server.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using eryx_test::LoopbackServer;

std::string run(const eryx::SandboxOptions& options, const std::string& code) {
  return eryx::Sandbox(options).execute(code).stdout_text;
}

eryx::SandboxOptions with_network(eryx::NetConfig config) {
  eryx::SandboxOptions options;
  options.network = std::move(config);
  return options;
}

// Python that connects to `host` and prints the exception's type and message (or "connected").
std::string try_connect(const std::string& host, uint16_t port) {
  return "import socket\n"
         "try:\n"
         "    socket.create_connection(('" +
         host + "', " + std::to_string(port) +
         "), timeout=5)\n"
         "    print('connected')\n"
         "except OSError as e:\n"
         "    print(type(e).__name__, e)\n";
}

TEST(Net, SandboxWithoutNetworkConfigCannotConnect) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  std::string out = run({}, try_connect("127.0.0.1", server.port()));
  EXPECT_NE(out.find("networking is disabled"), std::string::npos) << out;
  EXPECT_EQ(server.accepted(), 0);
}

TEST(Net, AllowLocalhostReachesALoopbackServer) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  std::string out = run(with_network(eryx::NetConfig().allow_localhost()),
                        "import socket\n"
                        "s = socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "s.sendall(b'ping')\n"
                            "print(s.recv(10))\n"
                            "s.close()\n");
  EXPECT_EQ(out, "b'ping'\n");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Net, TheNameLocalhostResolvesAndConnectsWhenAllowed) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  std::string out = run(with_network(eryx::NetConfig().allow_localhost()),
                        try_connect("localhost", server.port()));
  EXPECT_EQ(out, "connected\n");
}

TEST(Net, AnIpv4MappedAddressIsConnectedAsTheIpv4AddressItCarries) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  // The echo proves the IPv4 server answered (it listens on 127.0.0.1 only).
  std::string out = run(with_network(eryx::NetConfig().allow_localhost()),
                        "import socket\n"
                        "s = socket.create_connection(('::ffff:127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "s.sendall(b'mapped')\n"
                            "print(s.recv(10))\n"
                            "s.close()\n");
  EXPECT_EQ(out, "b'mapped'\n");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(Net, DefaultPolicyRefusesEverySpellingOfLoopbackBeforeConnecting) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  for (std::string host :
       {"127.0.0.1", "localhost", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "::1",
        "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1", "127.0.0.2", "LOCALHOST", "localhost."}) {
    std::string out = run(with_network(eryx::NetConfig()), try_connect(host, server.port()));
    EXPECT_EQ(out.rfind("PermissionError", 0), 0u) << host << ": " << out;
  }
  EXPECT_EQ(server.accepted(), 0);
}

TEST(Net, APublicNameResolvingToLoopbackIsRefusedAfterResolution) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  auto resolver = std::make_shared<eryx::StaticResolver>();
  resolver->add("public.example", {"127.0.0.1"});
  eryx::NetConfig config;
  config.resolver = resolver;
  std::string out = run(with_network(config), try_connect("public.example", server.port()));
  EXPECT_EQ(out.rfind("PermissionError", 0), 0u) << out;
  EXPECT_NE(out.find("127.0.0.1"), std::string::npos) << out;
  EXPECT_EQ(server.accepted(), 0);
}

TEST(Net, ANameWithOnePrivateAddressAmongPublicOnesIsRefusedWhole) {
  auto resolver = std::make_shared<eryx::StaticResolver>();
  // Rebinding-style answer: public first, private second. Refused at resolution, so no packet
  // goes to either address.
  resolver->add("rebind.example", {"93.184.216.34", "10.0.0.1"});
  eryx::NetConfig config;
  config.resolver = resolver;
  std::string out = run(with_network(config), try_connect("rebind.example", 80));
  EXPECT_EQ(out.rfind("PermissionError", 0), 0u) << out;
  EXPECT_NE(out.find("10.0.0.1"), std::string::npos) << out;
}

TEST(Net, AllowHostRestrictsToTheGivenNames) {
  auto resolver = std::make_shared<eryx::StaticResolver>();
  resolver->add("other.example", {"127.0.0.1"});
  eryx::NetConfig config;
  config.resolver = resolver;
  config.allow_host("api.example");
  std::string out = run(with_network(config), try_connect("other.example", 80));
  EXPECT_EQ(out.rfind("PermissionError", 0), 0u) << out;
}

TEST(Net, MaxConnectionsBoundsLiveConnections) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::NetConfig config = eryx::NetConfig().allow_localhost();
  config.max_connections = 2;
  std::string out = run(with_network(config),
                        "import socket\n"
                        "keep = [socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            ")) for _ in range(2)]\n"
                            "try:\n"
                            "    socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "except OSError as e:\n"
                            "    print('refused:', e)\n"
                            "keep[0].close()\n"
                            "socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            ")).close()\n"
                            "print('after close: ok')\n");
  EXPECT_NE(out.find("refused:"), std::string::npos) << out;
  EXPECT_NE(out.find("max_connections"), std::string::npos) << out;
  EXPECT_NE(out.find("after close: ok"), std::string::npos) << out;
}

TEST(Net, AGuestSocketTimeoutRaisesTimeoutError) {
  LoopbackServer server(LoopbackServer::Behaviour::kStall);
  std::string out = run(with_network(eryx::NetConfig().allow_localhost()),
                        "import socket\n"
                        "s = socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "s.settimeout(0.2)\n"
                            "try:\n"
                            "    s.recv(10)\n"
                            "except TimeoutError as e:\n"
                            "    print(type(e).__name__, isinstance(e, socket.timeout))\n");
  EXPECT_EQ(out, "TimeoutError True\n");
}

TEST(Net, TheHostIoTimeoutCapsABlockingRecv) {
  LoopbackServer server(LoopbackServer::Behaviour::kStall);
  eryx::NetConfig config = eryx::NetConfig().allow_localhost();
  config.io_timeout_ms = 200;
  std::string out = run(with_network(config),
                        "import socket\n"
                        "s = socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "try:\n"
                            "    s.recv(10)\n"
                            "except TimeoutError:\n"
                            "    print('timed out')\n");
  EXPECT_EQ(out, "timed out\n");
}

TEST(Net, TheExecutionTimeoutEndsABlockedRecv) {
  LoopbackServer server(LoopbackServer::Behaviour::kStall);
  auto options = with_network(eryx::NetConfig().allow_localhost());
  options.limits.execution_timeout_ms = 300;
  auto start = Clock::now();
  EXPECT_THROW(run(options,
                   "import socket\n"
                   "s = socket.create_connection(('127.0.0.1', " +
                       std::to_string(server.port()) +
                       "))\n"
                       "s.recv(10)\n"),
               eryx::TimeoutError);
  EXPECT_LT(Clock::now() - start, 10s);
}

TEST(Net, CancellingEndsABlockedRecv) {
  LoopbackServer server(LoopbackServer::Behaviour::kStall);
  eryx::CancellationToken token;
  auto options = with_network(eryx::NetConfig().allow_localhost());
  options.on_stdout = [token](std::string_view text) {
    if (text.find("connected") != std::string_view::npos) {
      std::thread([token] {
        std::this_thread::sleep_for(50ms);
        token.cancel();
      }).detach();
    }
  };
  eryx::Sandbox sandbox(options);
  EXPECT_THROW(sandbox.execute("import socket\n"
                               "s = socket.create_connection(('127.0.0.1', " +
                                   std::to_string(server.port()) +
                                   "))\n"
                                   "print('connected', flush=True)\n"
                                   "s.recv(10)\n",
                               token),
               eryx::CancelledError);
}

TEST(Net, AnInterruptDuringRecvRaisesKeyboardInterruptAndTheSessionKeepsItsState) {
  LoopbackServer server(LoopbackServer::Behaviour::kStall);
  eryx::CancellationToken token;
  auto options = with_network(eryx::NetConfig().allow_localhost());
  options.on_stdout = [token](std::string_view text) {
    if (text.find("connected") != std::string_view::npos) {
      std::thread([token] {
        std::this_thread::sleep_for(50ms);
        token.interrupt();
      }).detach();
    }
  };
  eryx::Session session(options);
  session.execute("kept = 42");
  std::string out = session
                        .execute(
                            "import socket\n"
                            "s = socket.create_connection(('127.0.0.1', " +
                                std::to_string(server.port()) +
                                "))\n"
                                "print('connected', flush=True)\n"
                                "try:\n"
                                "    s.recv(10)\n"
                                "except KeyboardInterrupt:\n"
                                "    print('interrupted')\n",
                            token)
                        .stdout_text;
  EXPECT_NE(out.find("interrupted"), std::string::npos) << out;
  EXPECT_EQ(session.execute("print(kept)").stdout_text, "42\n");
}

TEST(Net, ASocketCopiedByForkCannotReachAConnectionTheForkOpensLater) {
  // The fork's copy of `old` keeps its handle while the connection stays with the parent; the
  // fork's own first connection must not answer to that handle.
  LoopbackServer first(LoopbackServer::Behaviour::kEcho);
  LoopbackServer second(LoopbackServer::Behaviour::kEcho);
  eryx::Session parent(with_network(eryx::NetConfig().allow_localhost()));
  parent.execute("import socket\nold = socket.create_connection(('127.0.0.1', " +
                 std::to_string(first.port()) + "), timeout=5)");
  eryx::Session fork = parent.fork();
  std::string out =
      fork.execute("new = socket.create_connection(('127.0.0.1', " + std::to_string(second.port()) +
                   "), timeout=5)\n"
                   "try:\n"
                   "    old.sendall(b'leak')\n"
                   "    print(old.recv(4))\n"
                   "except OSError as e:\n"
                   "    print(type(e).__name__, e)\n")
          .stdout_text;
  EXPECT_EQ(out.rfind("OSError", 0), 0u) << out;
  EXPECT_NE(out.find("no open connection"), std::string::npos) << out;
  EXPECT_EQ(parent.execute("old.sendall(b'mine')\nprint(old.recv(4))").stdout_text, "b'mine'\n");
}

TEST(Net, ALargeStreamArrivesWhole) {
  constexpr uint64_t kBytes = 20 * 1024 * 1024;
  LoopbackServer server(LoopbackServer::Behaviour::kSendBytes, kBytes);
  std::string out = run(with_network(eryx::NetConfig().allow_localhost()),
                        "import socket\n"
                        "s = socket.create_connection(('127.0.0.1', " +
                            std::to_string(server.port()) +
                            "))\n"
                            "total = 0\n"
                            "while chunk := s.recv(1 << 20):\n"
                            "    total += len(chunk)\n"
                            "print(total)\n");
  EXPECT_EQ(out, std::to_string(kBytes) + "\n");
}

TEST(Net, ConnectingToAClosedPortIsConnectionRefused) {
  uint16_t port;
  {
    LoopbackServer server(LoopbackServer::Behaviour::kEcho);
    port = server.port();
  }
  std::string out =
      run(with_network(eryx::NetConfig().allow_localhost()), try_connect("127.0.0.1", port));
  EXPECT_EQ(out.rfind("ConnectionRefusedError", 0), 0u) << out;
}

TEST(Net, InvalidConfigIsRefusedWhenTheSandboxIsMade) {
  eryx::NetConfig config;
  config.blocked_networks.push_back("10.0.0.0/33");
  EXPECT_THROW(eryx::Sandbox(with_network(config)), eryx::InvalidArgumentError);
  eryx::NetConfig bad_cert;
  bad_cert.with_root_cert("not a certificate");
  EXPECT_THROW(eryx::Sandbox(with_network(bad_cert)), eryx::InvalidArgumentError);
}

}  // namespace
