// Secrets end to end: real Python in real sandboxes sees placeholders; the host puts the value
// into requests only on connections to allowed hosts (servers on 127.0.0.1 record what they get),
// and scrubs what leaves the sandbox.
#include <gtest/gtest.h>

#include <string>

#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"
#include "loopback_server.h"

namespace {

using eryx_test::LoopbackServer;

constexpr const char* kValue = "sk-live-4f9a1c7e2b";

eryx::SandboxOptions with_secret(std::vector<std::string> allowed_hosts, bool network = true) {
  eryx::SandboxOptions options;
  if (network) options.network = eryx::NetConfig().allow_localhost();
  options.secrets["API_KEY"] = {kValue, std::move(allowed_hosts)};
  return options;
}

// Python that sends one request to localhost:port with the placeholder in a header and prints
// the echoed bytes.
std::string request_code(uint16_t port, const std::string& host = "localhost",
                         const std::string& host_header = "localhost") {
  return "import os, socket\n"
         "s = socket.create_connection(('" +
         host + "', " + std::to_string(port) +
         "), timeout=5)\n"
         "req = ('GET /x HTTP/1.1\\r\\nHost: " +
         host_header +
         "\\r\\nAuthorization: Bearer ' + "
         "os.environ['API_KEY'] + '\\r\\n\\r\\n').encode()\n"
         "s.sendall(req)\n"
         "got = b''\n"
         "while len(got) < len(req) and b'\\r\\n\\r\\n' not in got:\n"
         "    got += s.recv(4096)\n"
         "print(got.decode())\n";
}

TEST(Secrets, TheGuestSeesARandomPlaceholderNeverTheValue) {
  eryx::SandboxOptions options = with_secret({"localhost"});
  options.scrub.stdout_text = false;  // to look at the placeholder itself
  auto result = eryx::Sandbox(options).execute(
      "import os\nprint(os.environ['API_KEY'])\nprint(os.getenv('API_KEY') == "
      "os.environ['API_KEY'])");
  EXPECT_EQ(result.stdout_text.find(kValue), std::string::npos);
  EXPECT_EQ(result.stdout_text.rfind("ERYX_SECRET_", 0), 0u) << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("True"), std::string::npos);
}

TEST(Secrets, EachSandboxHasItsOwnPlaceholder) {
  eryx::SandboxOptions options = with_secret({"localhost"});
  options.scrub.stdout_text = false;
  std::string code = "import os\nprint(os.environ['API_KEY'])";
  auto first = eryx::Sandbox(options).execute(code).stdout_text;
  auto second = eryx::Sandbox(options).execute(code).stdout_text;
  EXPECT_NE(first, second);
}

TEST(Secrets, TheValueReachesAnAllowedHostInARequestHeader) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  auto result = eryx::Sandbox(with_secret({"localhost"})).execute(request_code(server.port()));
  EXPECT_NE(server.received().find(std::string("Authorization: Bearer ") + kValue),
            std::string::npos)
      << server.received();
  // The echo brought the value back into the guest; what it printed is scrubbed.
  EXPECT_EQ(result.stdout_text.find(kValue), std::string::npos);
  EXPECT_NE(result.stdout_text.find("Authorization: Bearer [REDACTED]"), std::string::npos)
      << result.stdout_text;
}

TEST(Secrets, AHostNotAllowedGetsThePlaceholder) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Sandbox(with_secret({"api.example.com"})).execute(request_code(server.port()));
  EXPECT_EQ(server.received().find(kValue), std::string::npos);
  EXPECT_NE(server.received().find("Authorization: Bearer ERYX_SECRET_"), std::string::npos)
      << server.received();
}

TEST(Secrets, AHostHeaderNamingAnotherSiteGetsThePlaceholderEvenOnAnAllowedConnection) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Sandbox(with_secret({"localhost"}))
      .execute(request_code(server.port(), "localhost", "evil.example"));
  EXPECT_EQ(server.received().find(kValue), std::string::npos);
  EXPECT_NE(server.received().find("ERYX_SECRET_"), std::string::npos) << server.received();
}

TEST(Secrets, AConnectionToALiteralAddressNeverGetsTheValue) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Sandbox(with_secret({"localhost"})).execute(request_code(server.port(), "127.0.0.1"));
  EXPECT_EQ(server.received().find(kValue), std::string::npos);
  EXPECT_NE(server.received().find("ERYX_SECRET_"), std::string::npos) << server.received();
}

TEST(Secrets, WithoutAllowedHostsTheNetConfigsNamesApply) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::SandboxOptions options = with_secret({});
  options.network = eryx::NetConfig().allow_host("localhost").allow_localhost();
  eryx::Sandbox(options).execute(request_code(server.port()));
  EXPECT_NE(server.received().find(kValue), std::string::npos) << server.received();
}

TEST(Secrets, WithoutAnyAllowedHostTheValueIsNeverSent) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Sandbox(with_secret({})).execute(request_code(server.port()));
  EXPECT_EQ(server.received().find(kValue), std::string::npos);
  EXPECT_NE(server.received().find("ERYX_SECRET_"), std::string::npos);
}

TEST(Secrets, APlaceholderInTheRequestLineIsNotSubstituted) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Sandbox(with_secret({"localhost"}))
      .execute(
          "import os, socket\n"
          "s = socket.create_connection(('localhost', " +
          std::to_string(server.port()) +
          "), timeout=5)\n"
          "s.sendall(('GET /?k=' + os.environ['API_KEY'] + "
          "' HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n').encode())\n"
          "s.recv(4096)\n");
  EXPECT_EQ(server.received().find(kValue), std::string::npos);
}

TEST(Secrets, PrintedPlaceholdersAreRedactedAlsoInStreamedChunks) {
  std::string streamed;
  eryx::SandboxOptions options = with_secret({"localhost"}, false);
  options.on_stdout = [&](std::string_view chunk) { streamed.append(chunk); };
  auto result = eryx::Sandbox(options).execute(
      "import os, sys\nk = os.environ['API_KEY']\n"
      "for c in k:\n    sys.stdout.write(c); sys.stdout.flush()\n"
      "print()\nprint('key', k)");
  EXPECT_EQ(result.stdout_text.find("ERYX_SECRET_"), std::string::npos) << result.stdout_text;
  EXPECT_EQ(result.stdout_text, "[REDACTED]\nkey [REDACTED]\n");
  EXPECT_EQ(streamed, result.stdout_text);
}

TEST(Secrets, StderrAndExceptionTextsAreRedacted) {
  eryx::Sandbox sandbox(with_secret({"localhost"}, false));
  auto result = sandbox.execute("import os, sys\nprint(os.environ['API_KEY'], file=sys.stderr)");
  EXPECT_EQ(result.stderr_text, "[REDACTED]\n");
  try {
    sandbox.execute("import os\nraise ValueError(os.environ['API_KEY'])");
    FAIL() << "no exception";
  } catch (const eryx::ExecutionError& e) {
    EXPECT_EQ(std::string(e.what()).find("ERYX_SECRET_"), std::string::npos) << e.what();
    EXPECT_EQ(e.traceback().find("ERYX_SECRET_"), std::string::npos) << e.traceback();
    EXPECT_NE(e.traceback().find("[REDACTED]"), std::string::npos) << e.traceback();
  }
}

TEST(Secrets, TheResultIsRedactedOnlyWhenAsked) {
  eryx::SandboxOptions options = with_secret({"localhost"}, false);
  std::string code = "import os\nresult = {'k': os.environ['API_KEY']}";
  auto plain = eryx::Sandbox(options).execute(code);
  ASSERT_TRUE(plain.result_json);
  EXPECT_NE(plain.result_json->find("ERYX_SECRET_"), std::string::npos);
  options.scrub.result = true;
  auto scrubbed = eryx::Sandbox(options).execute(code);
  ASSERT_TRUE(scrubbed.result_json);
  EXPECT_EQ(*scrubbed.result_json, R"({"k": "[REDACTED]"})");
}

TEST(Secrets, FilesWrittenInPiecesAreRedactedWhenTheExecutionEnds) {
  eryx::Session session(with_secret({"localhost"}, false));
  session.execute(
      "import os\nk = os.environ['API_KEY']\n"
      "with open('/tmp/out.txt', 'w') as f:\n"
      "    for c in k:\n        f.write(c); f.flush()\n"
      "fd = os.open('/tmp/p.txt', os.O_CREAT | os.O_WRONLY)\n"
      "os.pwrite(fd, k[1:].encode(), 1)\nos.pwrite(fd, k[:1].encode(), 0)\n");
  auto result = session.execute(
      "print(open('/tmp/out.txt').read())\nos.close(fd)\nprint(open('/tmp/p.txt').read())");
  EXPECT_EQ(result.stdout_text, "[REDACTED]\n[REDACTED]\n");
  eryx::SandboxOptions raw_options = with_secret({"localhost"}, false);
  raw_options.scrub.stdout_text = false;
  raw_options.scrub.files = true;
  eryx::Session raw(raw_options);
  auto seen = raw.execute("import os\nopen('/tmp/f', 'w').write('x' + os.environ['API_KEY'])\n");
  auto again = raw.execute("print(open('/tmp/f').read())");
  EXPECT_EQ(again.stdout_text, "x[REDACTED]\n");
}

TEST(Secrets, CallbackArgumentsAreRedactedBeforeTheHandlerSeesThem) {
  std::string seen;
  eryx::SandboxOptions options = with_secret({"localhost"}, false);
  options.callbacks.add(
      eryx::make_callback("report", "Records its argument", {"text"}, [&](const eryx::Json& args) {
        seen = args.dump();
        return eryx::Json(nullptr);
      }));
  eryx::Sandbox(options).execute("import os\nawait report(text='k=' + os.environ['API_KEY'])");
  EXPECT_NE(seen.find("k=[REDACTED]"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("ERYX_SECRET_"), std::string::npos) << seen;
}

TEST(Secrets, AForkKeepsTheParentsPlaceholdersWorking) {
  LoopbackServer server(LoopbackServer::Behaviour::kEcho);
  eryx::Session parent(with_secret({"localhost"}));
  parent.execute("import os\nk = os.environ['API_KEY']");
  eryx::Session child = parent.fork();
  child.execute(request_code(server.port()));
  EXPECT_NE(server.received().find(kValue), std::string::npos);
}

TEST(Secrets, AnInvalidSecretIsRefusedWhenTheSandboxIsMade) {
  eryx::SandboxOptions options;
  options.secrets["BAD NAME"] = {"v", {}};
  EXPECT_THROW(eryx::Sandbox{options}, eryx::InvalidArgumentError);
  eryx::SandboxOptions newline;
  newline.secrets["K"] = {"a\r\nX-Injected: 1", {"localhost"}};
  EXPECT_THROW(eryx::Sandbox{newline}, eryx::InvalidArgumentError);
  eryx::SandboxOptions address;
  address.secrets["K"] = {"v", {"127.0.0.1"}};
  EXPECT_THROW(eryx::Sandbox{address}, eryx::InvalidArgumentError);
}

}  // namespace
