// What `eryx serve` makes of a client's bytes before any sandbox runs: the stdio framing (one
// message per line, bounded) and the tools/call argument checks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mcp/server/framing.h"
#include "mcp/server/tools.h"

namespace {

using namespace eryx::mcp;
using server::LineFramer;

std::vector<LineFramer::Line> feed_all(LineFramer& framer, std::vector<std::string> chunks) {
  std::vector<LineFramer::Line> lines;
  for (const auto& chunk : chunks) framer.feed(chunk, lines);
  if (auto last = framer.finish()) lines.push_back(std::move(*last));
  return lines;
}

TEST(McpFraming, LinesSplitAcrossReadsAreJoined) {
  LineFramer framer(100);
  auto lines = feed_all(framer, {"{\"a\":", "1}\n{\"b\"", ":2}\n"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "{\"a\":1}");
  EXPECT_EQ(lines[1].text, "{\"b\":2}");
}

TEST(McpFraming, CarriageReturnsAndBlankLinesAreDropped) {
  LineFramer framer(100);
  auto lines = feed_all(framer, {"\n\r\n{}\r\n\n"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text, "{}");
}

TEST(McpFraming, AFinalLineWithoutNewlineIsKept) {
  LineFramer framer(100);
  auto lines = feed_all(framer, {"{}\n[]"});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].text, "[]");
}

TEST(McpFraming, ALineOverTheCapIsReportedAndNotHeld) {
  LineFramer framer(8);
  std::vector<LineFramer::Line> lines;
  framer.feed("0123456789", lines);
  for (int i = 0; i < 1000; ++i) framer.feed(std::string(1000, 'x'), lines);
  EXPECT_EQ(framer.buffered(), 0u);
  framer.feed("\n{}\n", lines);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].too_long);
  EXPECT_TRUE(lines[0].text.empty());
  EXPECT_FALSE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, "{}");
}

server::ToolCall call_of(const char* json) {
  auto out = server::parse_tool_call(Json::parse(json));
  if (auto* error = std::get_if<server::ToolCallError>(&out)) {
    ADD_FAILURE() << error->message;
    return server::SessionCreate{};
  }
  return std::get<server::ToolCall>(out);
}

server::ToolCallError error_of(const char* json) {
  auto out = server::parse_tool_call(Json::parse(json));
  if (!std::holds_alternative<server::ToolCallError>(out)) {
    ADD_FAILURE() << "accepted: " << json;
    return {};
  }
  return std::get<server::ToolCallError>(out);
}

TEST(McpTools, RunPythonTakesCodeAndAnOptionalTimeout) {
  auto call = std::get<server::RunPython>(
      call_of(R"j({"name":"run_python","arguments":{"code":"print(1)","timeout_ms":250}
})j"));
  EXPECT_EQ(call.code, "print(1)");
  EXPECT_EQ(call.timeout_ms, 250u);
  EXPECT_FALSE(
      std::get<server::RunPython>(call_of(R"j({"name":"run_python","arguments":{"code":""}})j"))
          .timeout_ms.has_value());
}

TEST(McpTools, AnIntegralFloatTimeoutIsAnInteger) {
  auto call = std::get<server::RunPython>(
      call_of(R"j({"name":"run_python","arguments":{"code":"","timeout_ms":5000.0}})j"));
  EXPECT_EQ(call.timeout_ms, 5000u);
}

TEST(McpTools, AHugeTimeoutIsClampedNotOverflowed) {
  auto call = std::get<server::RunPython>(call_of(
      R"j({"name":"run_python","arguments":{"code":"","timeout_ms":18446744073709551615}})j"));
  EXPECT_EQ(call.timeout_ms, server::kMaxClientTimeoutMs);
}

TEST(McpTools, SessionToolsTakeTheirId) {
  auto run = std::get<server::SessionRun>(
      call_of(R"j({"name":"session_run","arguments":{"session_id":"s1","code":"x"}})j"));
  EXPECT_EQ(run.session_id, "s1");
  EXPECT_EQ(std::get<server::SessionReset>(
                call_of(R"j({"name":"session_reset","arguments":{"session_id":"s2"}})j"))
                .session_id,
            "s2");
  EXPECT_EQ(std::get<server::SessionClose>(
                call_of(R"j({"name":"session_close","arguments":{"session_id":"s3"}})j"))
                .session_id,
            "s3");
  EXPECT_TRUE(
      std::holds_alternative<server::SessionCreate>(call_of(R"j({"name":"session_create"})j")));
}

TEST(McpTools, BadArgumentsAreToolErrorsNamingTheArgument) {
  for (const char* json : {R"j({"name":"run_python","arguments":{}})j",
                           R"j({"name":"run_python","arguments":{"code":1}})j",
                           R"j({"name":"run_python","arguments":{"code":"","timeout_ms":0}})j",
                           R"j({"name":"run_python","arguments":{"code":"","timeout_ms":-5}})j",
                           R"j({"name":"run_python","arguments":{"code":"","timeout_ms":1.5}})j",
                           R"j({"name":"run_python","arguments":{"code":"","timeout_ms":"9"}})j",
                           R"j({"name":"run_python","arguments":{"code":"","other":1}})j",
                           R"j({"name":"session_run","arguments":{"code":""}})j"}) {
    auto error = error_of(json);
    EXPECT_EQ(error.kind, server::ToolCallError::Kind::kArguments) << json;
    EXPECT_NE(error.message.find("argument"), std::string::npos) << json;
  }
}

TEST(McpTools, AnUnknownToolOrMalformedParamsAreProtocolErrors) {
  for (const char* json :
       {R"j({"name":"rm_rf","arguments":{}})j", R"j({"arguments":{}})j", R"j({"name":7})j",
        R"j(["run_python"])j", R"j({"name":"run_python","arguments":"code"})j"}) {
    EXPECT_EQ(error_of(json).kind, server::ToolCallError::Kind::kProtocol) << json;
  }
}

TEST(McpTools, EveryListedToolHasAnObjectSchema) {
  const Json tools = server::tool_list()["tools"];
  ASSERT_EQ(tools.size(), 5u);
  for (const auto& tool : tools) {
    EXPECT_EQ(tool["inputSchema"]["type"], "object") << tool["name"];
    EXPECT_FALSE(tool["description"].get<std::string>().empty());
  }
}

}  // namespace
