// The substitution of secret placeholders in a connection's HTTP/1.x requests
// (src/secrets/request_rewriter.h): where a placeholder becomes its value, and every place and
// stream where it must go out unchanged.
#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "secrets/request_rewriter.h"
#include "secrets/secret_set.h"

namespace {

using eryx::secrets::RequestRewriter;
using eryx::secrets::Secret;
using eryx::secrets::SecretSet;

const std::string kPlaceholderA = "ERYX_SECRET_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kPlaceholderB = "ERYX_SECRET_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const std::string kValueA = "sk-live-AAAA";
const std::string kValueB = "sk-live-BBBB";

// A for api.example.com, B for any name under example.org, C for no host at all.
std::shared_ptr<const SecretSet> secrets() {
  static const auto set = SecretSet::make({
      Secret{"A_KEY", kValueA, kPlaceholderA, {"api.example.com"}},
      Secret{"B_KEY", kValueB, kPlaceholderB, {"*.example.org"}},
      Secret{"C_KEY", "sk-live-CCCC", "ERYX_SECRET_cccccccccccccccccccccccccccccccc", {}},
  });
  return set;
}

// What goes to the server when the guest writes `chunks` in this order on a connection to `target`.
std::string sent(std::string_view target, std::initializer_list<std::string> chunks) {
  RequestRewriter rewriter(secrets(), target);
  std::string out;
  for (const auto& chunk : chunks) out += rewriter.rewrite(chunk);
  return out;
}
std::string sent(std::string_view target, const std::string& stream) {
  return sent(target, {stream});
}

// A request carrying placeholder A in a header, and the same with the value.
const std::string kRequest =
    "GET /v1/models HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer " + kPlaceholderA +
    "\r\nAccept: */*\r\n\r\n";
const std::string kRequestWithValue =
    "GET /v1/models HTTP/1.1\r\nHost: api.example.com\r\n"
    "Authorization: Bearer " +
    kValueA + "\r\nAccept: */*\r\n\r\n";

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// --- Where a placeholder becomes its value -------------------------------------------------

TEST(SecretsRewrite, SubstitutesAHeaderValueOnAnAllowedConnection) {
  EXPECT_EQ(sent("api.example.com", kRequest), kRequestWithValue);
}

TEST(SecretsRewrite, SubstitutesAValueWithoutSpaceAfterTheColon) {
  EXPECT_EQ(sent("api.example.com",
                 "GET / HTTP/1.1\r\nHost: api.example.com\r\nX-Key:" + kPlaceholderA + "\r\n\r\n"),
            "GET / HTTP/1.1\r\nHost: api.example.com\r\nX-Key:" + kValueA + "\r\n\r\n");
}

TEST(SecretsRewrite, SubstitutesEveryPlaceholderOfAValueAndOfEveryHeader) {
  std::string request = "POST /x HTTP/1.1\r\nHost: api.example.com\r\nX-One: " + kPlaceholderA +
                        "," + kPlaceholderA + "\r\nCookie: k=" + kPlaceholderA +
                        "\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), replace_all(request, kPlaceholderA, kValueA));
}

TEST(SecretsRewrite, SubstitutesInHttp10Requests) {
  std::string request =
      "GET / HTTP/1.0\r\nHost: api.example.com\r\nX-Key: " + kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), replace_all(request, kPlaceholderA, kValueA));
}

TEST(SecretsRewrite, MatchesTheTargetNameInAnyCaseAndWithATrailingDot) {
  EXPECT_EQ(sent("API.Example.COM.", kRequest), kRequestWithValue);
}

TEST(SecretsRewrite, CountsItsSubstitutions) {
  RequestRewriter rewriter(secrets(), "api.example.com");
  rewriter.rewrite(kRequest + kRequest);
  EXPECT_EQ(rewriter.substitutions(), 2u);
}

// --- Which connections ----------------------------------------------------------------------

TEST(SecretsRewrite, NeverOnAConnectionToAHostTheSecretDoesNotAllow) {
  EXPECT_EQ(sent("evil.example.net", kRequest), kRequest);
  EXPECT_EQ(sent("example.com", kRequest), kRequest);
  EXPECT_EQ(sent("api.example.com.evil.net", kRequest), kRequest);
}

TEST(SecretsRewrite, NeverOnAConnectionToALiteralAddress) {
  EXPECT_EQ(sent("", kRequest), kRequest);
}

TEST(SecretsRewrite, NeverForATargetThatIsNotAValidName) {
  EXPECT_EQ(sent(std::string("api.example.com\0x", 17), kRequest), kRequest);
  EXPECT_EQ(sent("api example.com", kRequest), kRequest);
}

TEST(SecretsRewrite, TheHostHeaderCannotDirectASecretToAnotherHost) {
  // The Host header says the allowed host; the connection goes elsewhere.
  EXPECT_EQ(sent("evil.example.net", kRequest), kRequest);
  EXPECT_TRUE(RequestRewriter(secrets(), "evil.example.net").passing_through());
}

TEST(SecretsRewrite, AHostHeaderNamingAnotherSiteGetsNoValueOnAnAllowedConnection) {
  // A front end shared by many sites would route this request to evil.example.net.
  std::string request =
      "GET / HTTP/1.1\r\nHost: evil.example.net\r\nX-Key: " + kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, AHostHeaderAfterThePlaceholderStillDecides) {
  std::string request =
      "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\r\nHost: evil.example.net\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
  std::string good =
      "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\r\nHost: api.example.com:8443\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", good), replace_all(good, kPlaceholderA, kValueA));
}

TEST(SecretsRewrite, ARequestWithoutOneClearHostGetsNoValue) {
  for (std::string host_lines :
       {std::string(""), std::string("Host: api.example.com\r\nHost: api.example.com\r\n"),
        std::string("Host: user@api.example.com\r\n"), std::string("Host: api.example.com:x\r\n"),
        std::string("Host: 127.0.0.1\r\n"), std::string("Host: [::1]\r\n"),
        std::string("Host:\r\n")}) {
    std::string request =
        "GET / HTTP/1.1\r\n" + host_lines + "X-Key: " + kPlaceholderA + "\r\n\r\n";
    EXPECT_EQ(sent("api.example.com", request), request) << host_lines;
  }
}

TEST(SecretsRewrite, AnAbsoluteFormTargetMustNameAnAllowedHostToo) {
  std::string other =
      "GET http://evil.example.net/ HTTP/1.1\r\nHost: api.example.com\r\nX-Key: " + kPlaceholderA +
      "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", other), other);
  std::string same = "GET http://api.example.com/x?y HTTP/1.1\r\nHost: api.example.com\r\nX-Key: " +
                     kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", same), replace_all(same, kPlaceholderA, kValueA));
}

TEST(SecretsRewrite, AHeadIsHeldUntilItEndsAndFinishReturnsAnUnfinishedOne) {
  RequestRewriter rewriter(secrets(), "api.example.com");
  EXPECT_EQ(rewriter.rewrite("GET / HTTP/1.1\r\nHost: api.example.com\r\n"), "");
  EXPECT_FALSE(rewriter.passing_through());
  EXPECT_EQ(rewriter.rewrite("X-Key: " + kPlaceholderA + "\r\n"), "");
  EXPECT_EQ(rewriter.rewrite("\r\nbody"),
            "GET / HTTP/1.1\r\nHost: api.example.com\r\nX-Key: " + kValueA + "\r\n\r\n");
  EXPECT_EQ(rewriter.finish(), "body");
}

TEST(SecretsRewrite, TwoSecretsEachGoOnlyToTheirOwnHosts) {
  std::string request =
      "GET / HTTP/1.1\r\nX-A: " + kPlaceholderA + "\r\nX-B: " + kPlaceholderB + "\r\n";
  std::string to_api = request + "Host: api.example.com\r\n\r\n";
  std::string to_data = request + "Host: data.example.org\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", to_api), replace_all(to_api, kPlaceholderA, kValueA));
  EXPECT_EQ(sent("data.example.org", to_data), replace_all(to_data, kPlaceholderB, kValueB));
}

TEST(SecretsRewrite, ASecretWithoutAllowedHostsIsNeverSubstituted) {
  std::string request =
      "GET / HTTP/1.1\r\nX-C: ERYX_SECRET_cccccccccccccccccccccccccccccccc\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
  EXPECT_EQ(sent("data.example.org", request), request);
}

TEST(SecretsRewrite, PassesEverythingThroughWhenNoSecretIsAllowed) {
  RequestRewriter rewriter(secrets(), "evil.example.net");
  EXPECT_TRUE(rewriter.passing_through());
  EXPECT_EQ(rewriter.rewrite(kRequest), kRequest);
}

// --- Where in a request ---------------------------------------------------------------------

TEST(SecretsRewrite, NeverInTheRequestTargetOrQuery) {
  std::string request = "GET /" + kPlaceholderA + "?key=" + kPlaceholderA +
                        " HTTP/1.1\r\nHost: api.example.com\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, NeverInTheMethod) {
  std::string request = kPlaceholderA + " / HTTP/1.1\r\nHost: api.example.com\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, NeverInAHeaderName) {
  std::string request =
      "GET / HTTP/1.1\r\n" + kPlaceholderA + ": x\r\nX-" + kPlaceholderA + ": y\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, NeverInAContentLengthBody) {
  std::string body = "X-Key: " + kPlaceholderA + "\r\n";
  std::string request =
      "POST / HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, FindsAPipelinedRequestAfterAContentLengthBody) {
  std::string body = "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\r\n\r\n";
  std::string first =
      "POST / HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(sent("api.example.com", first + kRequest), first + kRequestWithValue);
}

TEST(SecretsRewrite, FollowsABodyWrittenOverSeveralChunks) {
  std::string head = "POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n";
  std::string part = "X-Key: " + kPlaceholderA + "\r\n";
  std::string rest = std::string(100 - part.size(), 'x');
  EXPECT_EQ(sent("api.example.com", {head, part, rest, kRequest}),
            head + part + rest + kRequestWithValue);
}

TEST(SecretsRewrite, NeverInAChunkedBodyThatLooksLikeHeaders) {
  std::string data =
      "\r\nX-Key: " + kPlaceholderA + "\r\n\r\nGET / HTTP/1.1\r\nX: " + kPlaceholderA + "\r\n\r\n";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", data.size());
  std::string request = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        std::string(size) + "\r\n" + data + "\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), request);
}

TEST(SecretsRewrite, FindsAPipelinedRequestAfterAChunkedBody) {
  std::string first =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=\"x y\"\r\n!\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", first + kRequest), first + kRequestWithValue);
}

TEST(SecretsRewrite, FollowsAChunkedBodyWrittenInPieces) {
  std::string first =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1a\r\nX-Key: ERYX_SECRET_x\r\n\r\n..\r\n0\r\n\r\n";
  size_t size_line = first.find("1a"), data = first.find("X-Key"), end = first.find("0\r\n\r\n");
  EXPECT_EQ(
      sent("api.example.com",
           {first.substr(0, size_line + 1), first.substr(size_line + 1, data + 3 - size_line - 1),
            first.substr(data + 3, end + 1 - data - 3), first.substr(end + 1), kRequest}),
      first + kRequestWithValue);
}

TEST(SecretsRewrite, NeverInATrailerOfAChunkedBody) {
  std::string request =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Key: " + kPlaceholderA +
      "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequestWithValue);
}

TEST(SecretsRewrite, ReadsFramingHeaderNamesInAnyCase) {
  std::string body = "X-Key: " + kPlaceholderA + "\r\n";
  std::string lengthed =
      "POST / HTTP/1.1\r\ncOnTeNt-LeNgTh: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(sent("api.example.com", lengthed + kRequest), lengthed + kRequestWithValue);
  std::string chunk_data = "X-Key: " + kPlaceholderA;  // 51 bytes = 0x33
  std::string coded = "POST / HTTP/1.1\r\nTRANSFER-ENCODING: Gzip, CHUNKED\r\n\r\n33\r\n" +
                      chunk_data + "\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", coded + kRequest), coded + kRequestWithValue);
}

TEST(SecretsRewrite, SubstitutesInHeaderNamesOfAnyCase) {
  std::string request =
      "GET / HTTP/1.1\r\nhost: api.example.com\r\nauthorization: " + kPlaceholderA +
      "\r\nAUTHORIZATION: " + kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), replace_all(request, kPlaceholderA, kValueA));
}

// --- Split writes -----------------------------------------------------------------------------

TEST(SecretsRewrite, NeverForAPlaceholderSplitAcrossChunks) {
  size_t cut = kRequest.find(kPlaceholderA) + 10;
  EXPECT_EQ(sent("api.example.com", {kRequest.substr(0, cut), kRequest.substr(cut)}), kRequest);
}

TEST(SecretsRewrite, NeverForAHeaderLineSplitAcrossChunks) {
  // The placeholder is whole in the second chunk, but its line began in the first.
  size_t cut = kRequest.find("Authorization") + 5;
  EXPECT_EQ(sent("api.example.com", {kRequest.substr(0, cut), kRequest.substr(cut)}), kRequest);
}

TEST(SecretsRewrite, SubstitutesALineWholeInItsChunkAfterASplitOne) {
  size_t cut = kRequest.find("Host") + 2;
  size_t next = kRequest.find("Authorization");
  EXPECT_EQ(sent("api.example.com", {kRequest.substr(0, cut), kRequest.substr(cut, next - cut),
                                     kRequest.substr(next)}),
            kRequestWithValue);
}

TEST(SecretsRewrite, OneByteWritesSubstituteNothingButKeepTrackOfTheStream) {
  std::string body = "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\r\n\r\n";
  std::string first = "POST / HTTP/1.1\r\nX-Key: " + kPlaceholderA +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  RequestRewriter rewriter(secrets(), "api.example.com");
  std::string out;
  for (char c : first) out += rewriter.rewrite(std::string(1, c));
  EXPECT_EQ(out, first);
  // The body was followed byte by byte: the next request, written whole, is found.
  EXPECT_EQ(rewriter.rewrite(kRequest), kRequestWithValue);
}

// --- Streams that are not (or stop being) HTTP/1.x ----------------------------------------

TEST(SecretsRewrite, NeverInAnHttp2Stream) {
  std::string stream = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + kRequest;
  EXPECT_EQ(sent("api.example.com", stream), stream);
}

TEST(SecretsRewrite, NeverAfterARequestLineOfAnotherVersion) {
  for (std::string line : {"GET / HTTP/2\r\n", "GET / HTTP/1.1 \r\n", "GET /\r\n",
                           "GET  / HTTP/1.1\r\n", "GET / http/1.1\r\n", "GET / HTTP/1.10\r\n"}) {
    std::string stream = line + "X-Key: " + kPlaceholderA + "\r\n\r\n" + kRequest;
    EXPECT_EQ(sent("api.example.com", stream), stream) << line;
  }
}

TEST(SecretsRewrite, NeverAfterGarbage) {
  std::string stream =
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + "\r\n" + kRequest;
  EXPECT_EQ(sent("api.example.com", stream), stream);
  EXPECT_EQ(sent("api.example.com", "\r\n" + kRequest), "\r\n" + kRequest);
}

TEST(SecretsRewrite, NeverInAnObsFoldContinuationLineNorAfterIt) {
  std::string request = "GET / HTTP/1.1\r\nX-Long: a\r\n " + kPlaceholderA + "\r\n\t" +
                        kPlaceholderA + "\r\nX-Key: " + kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverInALineWithANulByte) {
  std::string request =
      "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + std::string("\0x", 2) + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverInALineWithABareCr) {
  std::string request = "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\rContent-Length: 5\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverInALineEndingInABareLf) {
  std::string request = "GET / HTTP/1.1\r\nX-Key: " + kPlaceholderA + "\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterAHeaderNameThatIsNotAToken) {
  std::string request = "GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterContentLengthAndTransferEncodingTogether) {
  std::string request =
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
      "\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterTwoContentLengths) {
  std::string request = "POST / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterAMalformedContentLength) {
  for (std::string length : {"", "-1", "+1", "1x", "0x10", "1,1", "1 1", "9999999999999999999"}) {
    std::string request = "POST / HTTP/1.1\r\nContent-Length: " + length + "\r\n\r\n";
    EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest) << length;
  }
}

TEST(SecretsRewrite, NeverAfterAContentLengthSpelledWithAnUnderscore) {
  std::string request = "POST / HTTP/1.1\r\nContent_Length: 0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterATransferCodingNotEndingInChunked) {
  for (std::string coding : {"gzip", "chunked, gzip", "chunked, chunked", "chunked;x", ""}) {
    std::string request = "POST / HTTP/1.1\r\nTransfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n";
    EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest) << coding;
  }
}

TEST(SecretsRewrite, NeverAfterTwoTransferEncodingHeaders) {
  std::string request =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterTransferEncodingInHttp10) {
  std::string request = "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterAMalformedChunk) {
  for (std::string chunks : {"x\r\n", "5 \r\nhello\r\n", " 5\r\nhello\r\n", "5\r\nhelloXX\r\n",
                             "1000000000000000\r\n", "5\nhello\r\n"}) {
    std::string request =
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + "0\r\n\r\n";
    EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest) << chunks;
  }
}

TEST(SecretsRewrite, NeverAfterAConnectRequest) {
  std::string request = "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterAnUpgradeRequest) {
  std::string request = "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request + kRequest), request + kRequest);
}

TEST(SecretsRewrite, NeverAfterAHeaderLineOver64KiB) {
  std::string request =
      "GET / HTTP/1.1\r\nX-Big: " + std::string(RequestRewriter::kMaxLine, 'a') + "\r\n\r\n";
  RequestRewriter rewriter(secrets(), "api.example.com");
  EXPECT_EQ(rewriter.rewrite(request), request);
  EXPECT_TRUE(rewriter.passing_through());
  EXPECT_EQ(rewriter.rewrite(kRequest), kRequest);
}

TEST(SecretsRewrite, NeverAfterALineOver64KiBWrittenInPieces) {
  RequestRewriter rewriter(secrets(), "api.example.com");
  std::string head = "GET / HTTP/1.1\r\nX-Big: ";
  std::string out = rewriter.rewrite(head);
  std::string piece(4096, 'a');
  std::string written_all = head;
  for (size_t written = 0; written <= RequestRewriter::kMaxLine; written += piece.size()) {
    out += rewriter.rewrite(piece);
    written_all += piece;
  }
  // The held head went out as written once the line proved too long.
  EXPECT_TRUE(rewriter.passing_through());
  EXPECT_EQ(out, written_all);
  EXPECT_EQ(rewriter.rewrite("\r\n\r\n" + kRequest), "\r\n\r\n" + kRequest);
}

TEST(SecretsRewrite, AcceptsALineOfExactly64KiB) {
  std::string line = "X-Big: " + std::string(RequestRewriter::kMaxLine - 9, 'a') + "\r\n";
  ASSERT_EQ(line.size(), RequestRewriter::kMaxLine);
  std::string request =
      "GET / HTTP/1.1\r\nHost: api.example.com\r\n" + line + "X-Key: " + kPlaceholderA + "\r\n\r\n";
  EXPECT_EQ(sent("api.example.com", request), replace_all(request, kPlaceholderA, kValueA));
}

}  // namespace

namespace {

// A connection made to an address that several allowed names resolved to.
std::string sent_to_names(std::vector<std::string> names, const std::string& chunk) {
  RequestRewriter rewriter(secrets(), std::span<const std::string>(names));
  return rewriter.rewrite(chunk);
}

const std::string kRequestWithA =
    "GET / HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: " + kPlaceholderA + "\r\n\r\n";

TEST(RequestRewriterNames, ASingleNameActsAsTheTarget) {
  EXPECT_NE(sent_to_names({"api.example.com"}, kRequestWithA).find(kValueA), std::string::npos);
}

TEST(RequestRewriterNames, EveryNameMustAllowTheSecret) {
  EXPECT_EQ(sent_to_names({"api.example.com", "evil.example.net"}, kRequestWithA), kRequestWithA);
  EXPECT_EQ(sent_to_names({"evil.example.net", "api.example.com"}, kRequestWithA), kRequestWithA);
}

TEST(RequestRewriterNames, NamesThatAllAllowTheSecretGetIt) {
  EXPECT_NE(sent_to_names({"api.example.com", "API.example.com."}, kRequestWithA).find(kValueA),
            std::string::npos);
}

TEST(RequestRewriterNames, NoNamesMeansNoSecret) {
  EXPECT_EQ(sent_to_names({}, kRequestWithA), kRequestWithA);
  EXPECT_EQ(sent_to_names({""}, kRequestWithA), kRequestWithA);
}

}  // namespace
