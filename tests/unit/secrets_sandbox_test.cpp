// What a sandbox's secrets compile to (src/secrets/sandbox_secrets.h) and the scrubbing of a
// whole tree of files (src/secrets/file_scrubber.h scrub_tree).
#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "eryx/errors.hpp"
#include "secrets/file_scrubber.h"
#include "secrets/sandbox_secrets.h"
#include "vfs/vfs.h"

namespace {

using eryx::secrets::json_ascii_escaped;
using eryx::secrets::SandboxSecrets;

eryx::SecretMap one_secret(std::string value = "sk-1",
                           std::vector<std::string> hosts = {"a.test"}) {
  return {{"KEY", eryx::Secret{std::move(value), std::move(hosts)}}};
}

TEST(SandboxSecrets, NoSecretsCompileToNothing) {
  EXPECT_EQ(SandboxSecrets::make({}, {}, std::nullopt), nullptr);
}

TEST(SandboxSecrets, EveryCompilationHasFreshPlaceholders) {
  auto a = SandboxSecrets::make(one_secret(), {}, std::nullopt);
  auto b = SandboxSecrets::make(one_secret(), {}, std::nullopt);
  EXPECT_NE(a->set().secrets()[0].placeholder, b->set().secrets()[0].placeholder);
}

TEST(SandboxSecrets, TheEnvironmentStatementSetsEachPlaceholder) {
  auto s = SandboxSecrets::make(one_secret(), {}, std::nullopt);
  EXPECT_EQ(s->environment_code(), "__import__('os').environ.update({'KEY': '" +
                                       s->set().secrets()[0].placeholder + "', })");
}

TEST(SandboxSecrets, ScrubbingDefaultsAreOnExceptForTheResult) {
  auto s = SandboxSecrets::make(one_secret(), {}, std::nullopt);
  EXPECT_TRUE(s->scrub_stdout && s->scrub_stderr && s->scrub_files && s->scrub_callback_args);
  EXPECT_FALSE(s->scrub_result);
  eryx::ScrubOptions options;
  options.stdout_text = false;
  options.result = true;
  auto t = SandboxSecrets::make(one_secret(), options, std::nullopt);
  EXPECT_FALSE(t->scrub_stdout);
  EXPECT_TRUE(t->scrub_result);
}

TEST(SandboxSecrets, TheValueThePlaceholderAndTheJsonEscapedValueAreRedacted) {
  auto s = SandboxSecrets::make(one_secret("p\"w\\é"), {}, std::nullopt);
  const auto& placeholder = s->set().secrets()[0].placeholder;
  EXPECT_EQ(s->scrub("a p\"w\\é b " + placeholder), "a [REDACTED] b [REDACTED]");
  EXPECT_EQ(s->scrub(R"({"k": "p\"w\\\u00e9"})"), R"({"k": "[REDACTED]"})");
}

TEST(SandboxSecrets, WithoutAllowedHostsTheNetConfigsNamesAreUsedButNotItsAddresses) {
  eryx::NetConfig config;
  config.allow_host("api.test").allow_host("10.0.0.1").allow_host("10.1.0.0/16");
  auto s = SandboxSecrets::make(one_secret("v", {}), {}, config);
  EXPECT_EQ(s->set().secrets()[0].allowed_hosts, std::vector<std::string>{"api.test"});
}

TEST(SandboxSecrets, WithoutAnyNameTheSecretGoesNowhere) {
  auto s = SandboxSecrets::make(one_secret("v", {}), {}, std::nullopt);
  std::vector<std::string> names{"a.test"};
  EXPECT_EQ(s->outbound()->for_connection(names), nullptr);
}

TEST(SandboxSecrets, TheOutboundFilterRewritesOnlyForAllowedNames) {
  auto s = SandboxSecrets::make(one_secret("v", {"a.test"}), {}, std::nullopt);
  std::vector<std::string> allowed{"a.test"}, other{"b.test"};
  EXPECT_EQ(s->outbound()->for_connection(other), nullptr);
  auto rewriter = s->outbound()->for_connection(allowed);
  ASSERT_NE(rewriter, nullptr);
  std::string request =
      "GET / HTTP/1.1\r\nHost: a.test\r\nX-Key: " + s->set().secrets()[0].placeholder + "\r\n\r\n";
  auto out = rewriter->rewrite(
      std::span(reinterpret_cast<const uint8_t*>(request.data()), request.size()));
  EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: a.test\r\nX-Key: v\r\n\r\n");
}

TEST(SandboxSecrets, AnInvalidSecretIsRefusedNamingIt) {
  try {
    (void)SandboxSecrets::make(one_secret("line\nbreak"), {}, std::nullopt);
    FAIL();
  } catch (const eryx::InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("KEY"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("line"), std::string::npos) << e.what();
  }
}

TEST(JsonAsciiEscaped, EscapesAsPythonsJsonDumpsDoes) {
  EXPECT_EQ(json_ascii_escaped("plain"), "plain");
  EXPECT_EQ(json_ascii_escaped("a\"b\\c\td"), "a\\\"b\\\\c\\td");
  EXPECT_EQ(json_ascii_escaped("\x01"), "\\u0001");
  EXPECT_EQ(json_ascii_escaped("\xC3\xA9"), "\\u00e9");                 // é
  EXPECT_EQ(json_ascii_escaped("\xF0\x9F\x98\x80"), "\\ud83d\\ude00");  // U+1F600
  EXPECT_EQ(json_ascii_escaped("\x7F"), "\x7F");
}

TEST(JsonAsciiEscaped, BytesThatAreNotUtf8HaveNoJsonForm) {
  EXPECT_EQ(json_ascii_escaped("\xFF"), std::nullopt);
  EXPECT_EQ(json_ascii_escaped("\xC0\x80"), std::nullopt);      // overlong NUL
  EXPECT_EQ(json_ascii_escaped("\xED\xA0\x80"), std::nullopt);  // a surrogate
  EXPECT_EQ(json_ascii_escaped("\xE2\x82"), std::nullopt);      // cut short
}

class ScrubTree : public ::testing::Test {
 protected:
  std::shared_ptr<const eryx::secrets::Scrubber> scrubber =
      eryx::secrets::Scrubber::make({"SECRET"});
  eryx::vfs::Vfs vfs;
  void SetUp() override {
    ASSERT_EQ(vfs.make_dir("/tmp/a/b", eryx::vfs::Access::kWritable), eryx::vfs::Status::kOk);
  }
};

TEST_F(ScrubTree, RewritesFilesAtAnyDepthAndLeavesCleanOnesAlone) {
  ASSERT_EQ(vfs.write_file("/tmp/a/b/deep.txt", "x SECRET y"), eryx::vfs::Status::kOk);
  ASSERT_EQ(vfs.write_file("/tmp/clean.txt", "nothing"), eryx::vfs::Status::kOk);
  EXPECT_EQ(eryx::secrets::scrub_tree(*scrubber, vfs.root()), 1u);
  EXPECT_EQ(vfs.read_file("/tmp/a/b/deep.txt"), "x [REDACTED] y");
  EXPECT_EQ(vfs.read_file("/tmp/clean.txt"), "nothing");
}

TEST_F(ScrubTree, AnUnchangedFileIsNotScannedAgainButAChangedOneIs) {
  ASSERT_EQ(vfs.write_file("/tmp/f", "SECRET"), eryx::vfs::Status::kOk);
  EXPECT_EQ(eryx::secrets::scrub_tree(*scrubber, vfs.root()), 1u);
  EXPECT_EQ(eryx::secrets::scrub_tree(*scrubber, vfs.root()), 0u);
  ASSERT_EQ(vfs.write_file("/tmp/f", "again SECRET"), eryx::vfs::Status::kOk);
  EXPECT_EQ(eryx::secrets::scrub_tree(*scrubber, vfs.root()), 1u);
  EXPECT_EQ(vfs.read_file("/tmp/f"), "again [REDACTED]");
}

TEST_F(ScrubTree, ImageFilesAreTheHostsAndStayAsTheyAre) {
  ASSERT_EQ(vfs.add_image_file("/usr/img", std::make_shared<const std::string>("SECRET")),
            eryx::vfs::Status::kOk);
  EXPECT_EQ(eryx::secrets::scrub_tree(*scrubber, vfs.root()), 0u);
  EXPECT_EQ(vfs.read_file("/usr/img"), "SECRET");
}

}  // namespace
