// mcp::decode / mcp::encode: JSON-RPC 2.0 messages as MCP exchanges them, from untrusted peers.
#include "mcp/protocol/jsonrpc.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace eryx::mcp;

Message decoded(std::string_view text, const DecodeLimits& limits = {}) {
  auto out = decode(text, limits);
  if (auto* error = std::get_if<DecodeError>(&out)) {
    ADD_FAILURE() << "decode failed: " << error->message;
    return Notification{};
  }
  return std::get<Message>(out);
}

DecodeError refused(std::string_view text, const DecodeLimits& limits = {}) {
  auto out = decode(text, limits);
  if (!std::holds_alternative<DecodeError>(out)) {
    ADD_FAILURE() << "decoded: " << text;
    return {};
  }
  return std::get<DecodeError>(out);
}

TEST(McpJsonRpc, DecodesARequestWithAnIntegerId) {
  auto message = decoded(R"({"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"a":1}})");
  auto& request = std::get<Request>(message);
  EXPECT_EQ(std::get<int64_t>(request.id), 7);
  EXPECT_EQ(request.method, "tools/list");
  EXPECT_EQ(request.params, Json({{"a", 1}}));
}

TEST(McpJsonRpc, DecodesARequestWithAStringIdAndNoParams) {
  auto message = decoded(R"({"jsonrpc":"2.0","id":"x1","method":"ping"})");
  auto& request = std::get<Request>(message);
  EXPECT_EQ(std::get<std::string>(request.id), "x1");
  EXPECT_TRUE(request.params.is_null());
}

TEST(McpJsonRpc, DecodesANotificationAsAMessageWithoutId) {
  auto message = decoded(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(std::get<Notification>(message).method, "notifications/initialized");
}

TEST(McpJsonRpc, DecodesAResponse) {
  auto message = decoded(R"({"jsonrpc":"2.0","id":3,"result":{"ok":true}})");
  auto& response = std::get<Response>(message);
  EXPECT_EQ(std::get<int64_t>(response.id), 3);
  EXPECT_EQ(response.result, Json({{"ok", true}}));
}

TEST(McpJsonRpc, DecodesAnErrorResponseWithData) {
  auto message = decoded(
      R"({"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"no such method","data":[1]}})");
  auto& error = std::get<ErrorResponse>(message);
  EXPECT_EQ(std::get<std::string>(error.id), "a");
  EXPECT_EQ(error.code, error_code::kMethodNotFound);
  EXPECT_EQ(error.message, "no such method");
  EXPECT_EQ(error.data, Json::array({1}));
}

TEST(McpJsonRpc, DecodesAnErrorResponseWithANullId) {
  auto message = decoded(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}})");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(std::get<ErrorResponse>(message).id));
}

TEST(McpJsonRpc, AcceptsSurroundingWhitespaceAndANewline) {
  EXPECT_TRUE(std::holds_alternative<Request>(
      decoded(" {\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n")));
}

TEST(McpJsonRpc, RefusesTextThatIsNotJsonAsAParseError) {
  EXPECT_EQ(refused("{not json").code, error_code::kParseError);
  EXPECT_EQ(refused("").code, error_code::kParseError);
  EXPECT_EQ(refused("{\"jsonrpc\":\"2.0\"} trailing").code, error_code::kParseError);
}

TEST(McpJsonRpc, RefusesInvalidUtf8AsAParseError) {
  EXPECT_EQ(refused("{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}").code, error_code::kParseError);
}

TEST(McpJsonRpc, RefusesABatch) {
  auto error = refused(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])");
  EXPECT_EQ(error.code, error_code::kInvalidRequest);
  EXPECT_NE(error.message.find("batch"), std::string::npos);
}

TEST(McpJsonRpc, RefusesJsonThatIsNotAnObject) {
  EXPECT_EQ(refused("42").code, error_code::kInvalidRequest);
  EXPECT_EQ(refused("\"text\"").code, error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesAnotherJsonRpcVersionAndNamesTheId) {
  auto error = refused(R"({"jsonrpc":"1.0","id":5,"method":"ping"})");
  EXPECT_EQ(error.code, error_code::kInvalidRequest);
  EXPECT_EQ(std::get<int64_t>(error.id), 5);
  EXPECT_EQ(refused(R"({"id":5,"method":"ping"})").code, error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesIdsThatAreNeitherStringsNorIntegers) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})").code,
            error_code::kInvalidRequest);
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":{},"method":"ping"})").code,
            error_code::kInvalidRequest);
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})").code,
            error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesARequestWithANullId) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":null,"method":"ping"})").code,
            error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesAMethodThatIsNotAString) {
  auto error = refused(R"({"jsonrpc":"2.0","id":"q","method":3})");
  EXPECT_EQ(error.code, error_code::kInvalidRequest);
  EXPECT_EQ(std::get<std::string>(error.id), "q");
}

TEST(McpJsonRpc, RefusesParamsThatAreNotStructured) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1,"method":"m","params":"x"})").code,
            error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesAResponseWithBothOrNeitherResultAndError) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1})").code, error_code::kInvalidRequest);
  EXPECT_EQ(
      refused(R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})").code,
      error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesAResponseWithoutId) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","result":{}})").code, error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesMalformedErrorObjects) {
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1,"error":"boom"})").code,
            error_code::kInvalidRequest);
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}})").code,
            error_code::kInvalidRequest);
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1,"error":{"code":1}})").code,
            error_code::kInvalidRequest);
  EXPECT_EQ(refused(R"({"jsonrpc":"2.0","id":1,"error":{"code":4294967296,"message":"m"}})").code,
            error_code::kInvalidRequest);
}

TEST(McpJsonRpc, RefusesAMessageLargerThanTheLimit) {
  DecodeLimits limits;
  limits.max_bytes = 64;
  std::string text =
      R"({"jsonrpc":"2.0","method":"m","params":{"p":")" + std::string(100, 'x') + "\"}}";
  auto error = refused(text, limits);
  EXPECT_EQ(error.code, error_code::kInvalidRequest);
  EXPECT_NE(error.message.find("exceeds"), std::string::npos);
}

TEST(McpJsonRpc, AcceptsNestingUpToTheLimit) {
  DecodeLimits limits;
  limits.max_depth = 10;
  // The message object itself is one level.
  std::string params = std::string(9, '[') + std::string(9, ']');
  std::string text = R"({"jsonrpc":"2.0","method":"m","params":)" + params + "}";
  EXPECT_FALSE(std::holds_alternative<DecodeError>(decode(text, limits)));
}

TEST(McpJsonRpc, RefusesNestingPastTheLimitBeforeParsing) {
  // A million levels would exhaust the stack of a recursive parser or destructor.
  std::string text = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  auto error = refused(text);
  EXPECT_EQ(error.code, error_code::kParseError);
  EXPECT_NE(error.message.find("nested"), std::string::npos);
}

TEST(McpJsonRpc, DoesNotCountBracketsInsideStringsAsNesting) {
  DecodeLimits limits;
  limits.max_depth = 3;
  std::string text = R"({"jsonrpc":"2.0","method":"m","params":{"s":"[[[[{{{{\"]]"}})";
  EXPECT_TRUE(std::holds_alternative<Notification>(decoded(text, limits)));
}

TEST(McpJsonRpc, EncodesARequestCompactlyWithoutANewline) {
  auto text = encode(Request{int64_t{1}, "tools/call", Json{{"name", "x"}}});
  EXPECT_EQ(text, R"({"id":1,"jsonrpc":"2.0","method":"tools/call","params":{"name":"x"}})");
}

TEST(McpJsonRpc, EncodesANotificationWithoutParamsWhenTheyAreNull) {
  EXPECT_EQ(encode(Notification{"notifications/initialized", nullptr}),
            R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
}

TEST(McpJsonRpc, EncodesAnErrorResponseWithANullIdAndWithoutNullData) {
  EXPECT_EQ(encode(ErrorResponse{std::monostate{}, error_code::kParseError, "bad", nullptr}),
            R"({"error":{"code":-32700,"message":"bad"},"id":null,"jsonrpc":"2.0"})");
}

TEST(McpJsonRpc, EncodesEveryKindSoThatDecodingGivesItBack) {
  std::vector<Message> messages = {
      Request{std::string("r1"), "tools/list", Json{{"cursor", "c"}}},
      Notification{"notifications/cancelled", Json{{"requestId", 4}}},
      Response{int64_t{-2}, Json{{"tools", Json::array()}}},
      ErrorResponse{int64_t{9}, -32000, "failed", Json{{"why", "x"}}},
  };
  for (const auto& message : messages) {
    auto again = decoded(encode(message));
    EXPECT_EQ(encode(again), encode(message));
    EXPECT_EQ(again.index(), message.index());
  }
}

TEST(McpJsonRpc, EncodingReplacesInvalidUtf8InsteadOfFailing) {
  auto text = encode(Response{int64_t{1}, Json{{"text", std::string("a\xff")}}});
  EXPECT_NE(text.find("a\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_TRUE(std::holds_alternative<Response>(decoded(text)));
}

}  // namespace
