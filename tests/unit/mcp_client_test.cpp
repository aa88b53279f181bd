// The MCP stdio client against real processes that misbehave (sh scripts): every failure is an
// McpError that says what happened, within bounded time, and the process is reaped. The
// behaviour against real MCP servers (the official SDK) is tested in
// python/tests/test_mcp_callbacks.py.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "eryx/mcp.hpp"
#include "mcp/client/process.h"
#include "mcp/client/tools.h"

namespace {

using namespace std::chrono_literals;
using eryx::Json;
using eryx::McpError;
using eryx::McpManager;
using Clock = std::chrono::steady_clock;

// The message of the McpError that connecting to `script` (run by sh) throws.
std::string connect_error(const std::string& script, std::chrono::milliseconds timeout = 5s) {
  McpManager manager;
  try {
    manager.connect("t", "sh", {"-c", script}, {}, timeout);
  } catch (const McpError& e) {
    return e.what();
  }
  ADD_FAILURE() << "connected to: " << script;
  return "";
}

// A scripted peer: answers initialize (id 1) with `version`, then runs `rest`.
// `cat >/dev/null` as the rest stays until its stdin closes.
std::string scripted(const std::string& rest, const std::string& version = "2025-06-18",
                     const std::string& capabilities = "{\"tools\":{}}") {
  return "read line; echo '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"" +
         version + "\",\"capabilities\":" + capabilities +
         ",\"serverInfo\":{\"name\":\"s\",\"version\":\"1\"}}}'; "
         "read initialized; " +
         rest;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(McpNames, KeepsIdentifiersAsTheyAre) {
  EXPECT_EQ(eryx::mcp::identifier_for("read_file"), "read_file");
  EXPECT_EQ(eryx::mcp::identifier_for("Get2"), "Get2");
}

TEST(McpNames, MapsOtherCharactersToUnderscores) {
  EXPECT_EQ(eryx::mcp::identifier_for("read-file"), "read_file");
  EXPECT_EQ(eryx::mcp::identifier_for("files.read"), "files_read");
  EXPECT_EQ(eryx::mcp::identifier_for("caf\xc3\xa9"), "caf__");
}

TEST(McpNames, PrefixesALeadingDigitAndSuffixesKeywords) {
  EXPECT_EQ(eryx::mcp::identifier_for("2fa"), "_2fa");
  EXPECT_EQ(eryx::mcp::identifier_for("import"), "import_");
  EXPECT_EQ(eryx::mcp::identifier_for(""), "_");
}

TEST(McpNames, StripsTheLeadingUnderscoresOfADunderName) {
  EXPECT_EQ(eryx::mcp::identifier_for("__init__"), "init__");
}

TEST(McpNames, CutsLongNamesSoThatTheCallbackNameFitsTheRegistry) {
  EXPECT_EQ(eryx::mcp::identifier_for(std::string(500, 'a')), std::string(100, 'a'));
}

TEST(McpResults, GivesTheTextOfTextContent) {
  Json result =
      eryx::parse_json(R"({"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]})");
  EXPECT_EQ(eryx::mcp::guest_value(result, nullptr), "a\nb");
}

TEST(McpResults, PrefersStructuredContent) {
  Json result = eryx::parse_json(
      R"({"content":[{"type":"text","text":"{}"}],"structuredContent":{"b":1,"a":2}})");
  EXPECT_EQ(eryx::mcp::guest_value(result, nullptr).dump(), R"({"b":1,"a":2})");
}

TEST(McpResults, UnwrapsTheSdksResultWrapperWhenTheOutputSchemaDeclaresIt) {
  Json result = eryx::parse_json(R"({"content":[],"structuredContent":{"result":5}})");
  Json wrapper =
      eryx::parse_json(R"({"type":"object","properties":{"result":{"type":"integer"}}})");
  EXPECT_EQ(eryx::mcp::guest_value(result, wrapper), 5);
  EXPECT_EQ(eryx::mcp::guest_value(result, nullptr).dump(), R"({"result":5})");
}

TEST(McpResults, GivesOtherContentAsItIs) {
  Json result =
      eryx::parse_json(R"({"content":[{"type":"image","data":"AA==","mimeType":"image/png"}]})");
  EXPECT_EQ(eryx::mcp::guest_value(result, nullptr), result["content"]);
}

TEST(McpResults, RaisesTheTextOfAnErrorResult) {
  Json result = eryx::parse_json(R"({"content":[{"type":"text","text":"no such file"}],
                                     "isError":true})");
  try {
    eryx::mcp::guest_value(result, nullptr);
    FAIL();
  } catch (const eryx::CallbackError& e) {
    EXPECT_STREQ(e.what(), "no such file");
  }
}

TEST(McpResults, RefusesAResultWithoutContent) {
  EXPECT_THROW(eryx::mcp::guest_value(eryx::parse_json(R"({"content":3})"), nullptr),
               eryx::CallbackError);
  EXPECT_THROW(eryx::mcp::guest_value(eryx::parse_json("[]"), nullptr), eryx::CallbackError);
}

TEST(McpClient, ReportsACommandThatDoesNotExist) {
  McpManager manager;
  try {
    manager.connect("fs", "/nonexistent/eryx-mcp-server");
    FAIL();
  } catch (const McpError& e) {
    EXPECT_NE(std::string(e.what()).find("command not found"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'fs'"), std::string::npos);
  }
}

TEST(McpClient, ReportsAServerThatExitsWithItsStatusAndStderr) {
  auto message = connect_error("echo 'bad config' >&2; exit 3");
  EXPECT_NE(message.find("exited with status 3"), std::string::npos) << message;
  EXPECT_NE(message.find("bad config"), std::string::npos) << message;
}

TEST(McpClient, ReportsAServerKilledByASignal) {
  auto message = connect_error("kill -9 $$");
  EXPECT_NE(message.find("killed by signal 9"), std::string::npos) << message;
}

TEST(McpClient, ReportsGarbageOnStdoutAndEndsTheServerAtOnce) {
  auto start = Clock::now();
  auto message = connect_error("echo 'hello, not json'; exec sleep 30");
  EXPECT_NE(message.find("not a JSON-RPC message"), std::string::npos) << message;
  EXPECT_NE(message.find("hello, not json"), std::string::npos) << message;
  EXPECT_LT(seconds_since(start), 10);
}

TEST(McpClient, TimesOutAServerThatNeverAnswers) {
  auto start = Clock::now();
  auto message = connect_error("exec sleep 30", 300ms);
  EXPECT_NE(message.find("did not answer initialize within 300 ms"), std::string::npos) << message;
  EXPECT_LT(seconds_since(start), 10);
}

TEST(McpClient, RefusesAMessageLongerThanTheLimit) {
  eryx::McpServerOptions options;
  options.command = "sh";
  options.args = {"-c", "head -c 2000000 /dev/zero | tr '\\0' x; exec sleep 30"};
  options.max_message_bytes = 100'000;
  McpManager manager;
  try {
    manager.connect("flood", options);
    FAIL();
  } catch (const McpError& e) {
    EXPECT_NE(std::string(e.what()).find("longer than 100000 bytes"), std::string::npos)
        << e.what();
  }
}

TEST(McpClient, RefusesAProtocolVersionItDoesNotSpeak) {
  auto message = connect_error(scripted("exec sleep 30", "1999-01-01"));
  EXPECT_NE(message.find("speaks MCP version '1999-01-01'"), std::string::npos) << message;
}

TEST(McpClient, ListsEveryPageOfTools) {
  std::string script = scripted(
      "read list1; echo '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"a-b\","
      "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"z\":{},\"y\":{}}}}],"
      "\"nextCursor\":\"p2\"}}'; "
      "read list2; echo '{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"tools\":[{\"name\":\"c\","
      "\"description\":\"third\",\"inputSchema\":{\"type\":\"object\"}}]}}'; "
      "exec cat >/dev/null");
  McpManager manager;
  manager.connect("paged", "sh", {"-c", script});
  auto tools = manager.list_tools();
  ASSERT_EQ(tools.size(), 2u);
  EXPECT_EQ(tools[0].name, "a-b");
  EXPECT_EQ(tools[0].callback_name, "mcp.paged.a_b");
  // The schema keeps the server's property order (the guest's positional parameters).
  EXPECT_EQ(tools[0].input_schema["properties"].begin().key(), "z");
  EXPECT_EQ(tools[1].callback_name, "mcp.paged.c");
  EXPECT_EQ(tools[1].description, "third");
  auto start = Clock::now();
  manager.close();
  EXPECT_LT(seconds_since(start), 10);
}

TEST(McpClient, FailsACallOnceTheServerIsClosed) {
  std::string script = scripted(
      "read list; echo '{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"t\","
      "\"inputSchema\":{\"type\":\"object\"}}]}}'; exec cat >/dev/null");
  McpManager manager;
  manager.connect("s", "sh", {"-c", script});
  auto callbacks = manager.callbacks();
  ASSERT_EQ(callbacks.size(), 1u);
  manager.close();
  EXPECT_THROW(manager.call_tool("s", "t", Json::object()), eryx::CallbackError);
}

TEST(McpClient, RefusesTwoServersWithOneName) {
  std::string script = scripted("exec cat >/dev/null", "2025-11-25", "{}");
  McpManager manager;
  manager.connect("s", "sh", {"-c", script});
  EXPECT_THROW(manager.connect("s", "sh", {"-c", script}), eryx::InvalidArgumentError);
}

// A minimal JSON-RPC peer (python3 without the SDK): answers initialize, lists one tool "echo",
// and answers each tools/call from a thread of its own after a short random delay, so replies
// come back out of order.
constexpr const char* kEchoPeer = R"(
import json, random, sys, threading, time
lock = threading.Lock()
def send(message):
    with lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
def answer(request):
    time.sleep(random.random() * 0.01)
    send({"jsonrpc": "2.0", "id": request["id"], "result": {"content": [
        {"type": "text", "text": request["params"]["arguments"]["text"]}]}})
for line in sys.stdin:
    request = json.loads(line)
    method = request.get("method")
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": request["id"], "result": {"protocolVersion": "2025-11-25",
              "capabilities": {"tools": {}}, "serverInfo": {"name": "echo", "version": "1"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": request["id"], "result": {"tools": [{"name": "echo",
              "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}]}})
    elif method == "tools/call":
        threading.Thread(target=answer, args=(request,)).start()
)";

TEST(McpClient, MatchesConcurrentCallsToTheirRepliesById) {
  McpManager manager;
  manager.connect("echo", "python3", {"-c", kEchoPeer});
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string text = std::to_string(t) + "-" + std::to_string(i);
        if (manager.call_tool("echo", "echo", Json{{"text", text}}) != text) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, 0);
}

TEST(McpChildProcess, TerminateKillsAChildThatIgnoresSigtermAndReapsIt) {
  eryx::mcp::ChildProcess child("sh", {"-c", "trap '' TERM; while :; do sleep 1; done"},
                                {"PATH=/usr/bin:/bin"});
  auto start = Clock::now();
  auto status = child.terminate(200ms);
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.code, SIGKILL);
  EXPECT_LT(seconds_since(start), 5);
  EXPECT_EQ(waitpid(child.pid(), nullptr, WNOHANG), -1);  // reaped: no zombie left
}

TEST(McpChildProcess, ClosingStdinLetsAWellBehavedChildExit) {
  eryx::mcp::ChildProcess child("cat", {}, {"PATH=/usr/bin:/bin"});
  auto status = child.terminate(5s);
  EXPECT_FALSE(status.signaled);
  EXPECT_EQ(status.code, 0);
}

}  // namespace
