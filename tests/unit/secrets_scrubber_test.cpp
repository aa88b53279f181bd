#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eryx/errors.hpp"
#include "secrets/file_scrubber.h"
#include "secrets/scrubber.h"
#include "secrets/stream_scrubber.h"
#include "vfs/node.h"

namespace eryx::secrets {
namespace {

using namespace std::string_literals;

const std::string R(kRedactionMarker);

std::shared_ptr<const Scrubber> make(std::vector<std::string> needles) {
  return Scrubber::make(std::move(needles));
}

// The specification, computed the slow and obvious way: mark every occurrence of every needle,
// join spans that share a byte, put one marker per joined span.
std::string reference_scrub(const std::vector<std::string>& needles, std::string_view text) {
  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < text.size(); ++i) {
    for (const auto& needle : needles) {
      if (text.substr(i).starts_with(needle)) spans.emplace_back(i, i + needle.size());
    }
  }
  std::sort(spans.begin(), spans.end());
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < spans.size();) {
    auto [start, end] = spans[i];
    for (++i; i < spans.size() && spans[i].first < end; ++i) end = std::max(end, spans[i].second);
    out.append(text.substr(pos, start - pos));
    out.append(R);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

// Feeds `text` to a fresh stream cut at `cuts` (increasing offsets) and returns all it emitted.
std::string stream_scrub(const std::shared_ptr<const Scrubber>& scrubber, std::string_view text,
                         const std::vector<size_t>& cuts) {
  StreamScrubber stream(scrubber);
  std::string out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    out += stream.write(text.substr(pos, cut - pos));
    pos = cut;
  }
  out += stream.write(text.substr(pos));
  out += stream.flush();
  return out;
}

// Every way of cutting `text` into chunks (2^(n-1) of them): each subset of the n-1 inner offsets.
template <typename F>
void for_each_chunking(std::string_view text, F&& f) {
  size_t inner = text.empty() ? 0 : text.size() - 1;
  for (uint64_t mask = 0; mask < (uint64_t{1} << inner); ++mask) {
    std::vector<size_t> cuts;
    for (size_t bit = 0; bit < inner; ++bit) {
      if (mask & (uint64_t{1} << bit)) cuts.push_back(bit + 1);
    }
    f(cuts);
  }
}

// ---- Scrubber ----

TEST(Scrubber, ReplacesEveryOccurrenceOfANeedle) {
  EXPECT_EQ(make({"sk-123"})->scrub("a sk-123 b sk-123 c"), "a "s + R + " b " + R + " c");
}

TEST(Scrubber, ReplacesEachOfSeveralNeedles) {
  auto scrubber = make({"real-value", "ERYX_PLACEHOLDER_0123456789abcdef"});
  EXPECT_EQ(scrubber->scrub("v=real-value p=ERYX_PLACEHOLDER_0123456789abcdef"),
            "v="s + R + " p=" + R);
}

TEST(Scrubber, LeavesTextWithoutNeedlesAsItIs) {
  EXPECT_EQ(make({"secret"})->scrub("nothing secre to see, ecret"), "nothing secre to see, ecret");
}

TEST(Scrubber, EmptyTextStaysEmpty) { EXPECT_EQ(make({"secret"})->scrub(""), ""); }

TEST(Scrubber, OverlappingOccurrencesOfOneNeedleBecomeOneMarker) {
  EXPECT_EQ(make({"aba"})->scrub("xababay"), "x"s + R + "y");
}

TEST(Scrubber, OverlappingNeedlesBecomeOneMarker) {
  EXPECT_EQ(make({"abc", "cde"})->scrub("xabcdey"), "x"s + R + "y");
}

TEST(Scrubber, TouchingOccurrencesGiveOneMarkerEach) {
  EXPECT_EQ(make({"key"})->scrub("keykey"), R + R);
}

TEST(Scrubber, NeedleThatIsAPrefixOfAnotherIsFoundAloneAndInsideTheLonger) {
  auto scrubber = make({"abc", "abcdef"});
  EXPECT_EQ(scrubber->scrub("abcxyz"), R + "xyz");
  EXPECT_EQ(scrubber->scrub("abcdefg"), R + "g");
}

TEST(Scrubber, NeedleInsideAnotherIsCoveredByTheLongerMatch) {
  EXPECT_EQ(make({"bcd", "abcde"})->scrub("-abcde-"), "-"s + R + "-");
}

TEST(Scrubber, LaterLongerMatchReachingBackJoinsEarlierMatches) {
  // "ab" and "cd" only touch, but "abcde" covers both.
  EXPECT_EQ(make({"ab", "cd", "abcde"})->scrub("xabcdey"), "x"s + R + "y");
  EXPECT_EQ(make({"ab", "cd", "abcde"})->scrub("xabcdy"), "x"s + R + R + "y");
}

TEST(Scrubber, MatchesBinaryBytesAndNuls) {
  std::string needle = "\x00\xff\x01secret\x00"s;
  std::string text = "\x00\x00"s + needle + "\xfe\x00"s;
  EXPECT_EQ(make({needle})->scrub(text), "\x00\x00"s + R + "\xfe\x00"s);
}

TEST(Scrubber, DuplicateNeedlesActAsOne) {
  EXPECT_EQ(make({"dup", "dup"})->scrub("a dup"), "a "s + R);
}

TEST(Scrubber, RefusesAnEmptyNeedleList) { EXPECT_THROW(make({}), InvalidArgumentError); }

TEST(Scrubber, RefusesAnEmptyNeedle) { EXPECT_THROW(make({"ok", ""}), InvalidArgumentError); }

TEST(Scrubber, RefusesNeedlesPastTheSizeCap) {
  std::string huge(Scrubber::kMaxNeedleBytes / 2 + 1, 'x');
  EXPECT_THROW(make({huge, huge + "y"}), InvalidArgumentError);
}

TEST(Scrubber, LongestIsTheLengthOfTheLongestNeedle) {
  EXPECT_EQ(make({"ab", "abcdefg", "xyz"})->longest(), 7u);
}

TEST(Scrubber, ContainsNeedleTellsWhetherAnyNeedleOccurs) {
  auto scrubber = make({"needle", "pin"});
  EXPECT_TRUE(scrubber->contains_needle("a haystack with a pin"));
  EXPECT_FALSE(scrubber->contains_needle("a haystack with a needl"));
}

TEST(Scrubber, PlaceholdersSharingALongPrefixAreToldApart) {
  auto scrubber =
      make({"ERYX_SECRET_PLACEHOLDER_aaaa1111", "ERYX_SECRET_PLACEHOLDER_aaaa2222", "value"});
  EXPECT_EQ(scrubber->scrub("ERYX_SECRET_PLACEHOLDER_aaaa2222 ERYX_SECRET_PLACEHOLDER_aaaa3333"),
            R + " ERYX_SECRET_PLACEHOLDER_aaaa3333");
}

TEST(Scrubber, AgreesWithTheReferenceOnRandomTextAndNeedles) {
  // A three-letter alphabet makes overlaps, prefixes and near-matches common.
  std::mt19937 rng(12345);
  auto random_text = [&](size_t max_length) {
    std::string s(1 + rng() % max_length, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 3);
    return s;
  };
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string> needles;
    for (size_t i = 0, n = 1 + rng() % 4; i < n; ++i) needles.push_back(random_text(5));
    std::string text = random_text(40);
    ASSERT_EQ(make(needles)->scrub(text), reference_scrub(needles, text))
        << "text " << text << ", first needle " << needles[0];
  }
}

TEST(Scrubber, TenMegabytesOfNearMatchesAreScrubbedInOnePass) {
  // Each run of 'a's almost completes the needle before failing; a scrubber that restarts at every
  // position would do ~100 steps per byte here (minutes). Every 1000th run completes it.
  std::string needle = std::string(99, 'a') + "b";
  std::string text;
  text.reserve(10 * 1024 * 1024 + 200);
  size_t runs = 0;
  while (text.size() < 10 * 1024 * 1024) {
    text.append(150, 'a');
    text.push_back(++runs % 1000 == 0 ? 'b' : 'c');
  }
  std::string out = make({needle, "ab"})->scrub(text);
  size_t markers = 0;
  for (size_t at = out.find(R); at != std::string::npos; at = out.find(R, at + R.size())) ++markers;
  EXPECT_EQ(markers, runs / 1000);
  EXPECT_EQ(out.size(), text.size() - (runs / 1000) * (needle.size() - R.size()));
}

// ---- StreamScrubber ----

TEST(StreamScrubber, NeedleSplitInTwoIsRedactedAtEverySplitPoint) {
  auto scrubber = make({"sk-secret-value"});
  std::string text = "before sk-secret-value after";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(stream_scrub(scrubber, text, {cut}), "before "s + R + " after") << "cut at " << cut;
  }
}

TEST(StreamScrubber, NeedleSplitIntoAnyNumberOfChunksIsRedacted) {
  // Every chunking of a 15-byte text (16384 of them), from one chunk to one byte per chunk.
  std::vector<std::string> needles = {"KEY", "EYE", "K3Y"};
  auto scrubber = make(needles);
  std::string text = "xKEYEK3YKKEYEYz";
  std::string expected = reference_scrub(needles, text);
  for_each_chunking(text, [&](const std::vector<size_t>& cuts) {
    ASSERT_EQ(stream_scrub(scrubber, text, cuts), expected) << cuts.size() + 1 << " chunks";
  });
}

TEST(StreamScrubber, AnyChunkingGivesWhatScrubGivesForTheWhole) {
  std::mt19937 rng(777);
  std::vector<std::string> needles = {"abcab", "bca", "cc", "abcabcabc"};
  auto scrubber = make(needles);
  for (int round = 0; round < 500; ++round) {
    std::string text(rng() % 200, 'a');
    for (char& c : text) c = static_cast<char>('a' + rng() % 3);
    std::vector<size_t> cuts;
    for (size_t at = 0; at < text.size(); at += rng() % 7) cuts.push_back(at);
    ASSERT_EQ(stream_scrub(scrubber, text, cuts), scrubber->scrub(text)) << text;
  }
}

TEST(StreamScrubber, OverlappingMatchesAcrossChunksGiveOneMarker) {
  StreamScrubber stream(make({"abc", "cde"}));
  std::string out = stream.write("xab");
  out += stream.write("c");
  out += stream.write("dey");
  out += stream.flush();
  EXPECT_EQ(out, "x"s + R + "y");
}

TEST(StreamScrubber, TextThatEndsNoNeedlePrefixGoesOutAtOnce) {
  StreamScrubber stream(make({"secret"}));
  EXPECT_EQ(stream.write("hello world\n"), "hello world\n");
  EXPECT_EQ(stream.held(), 0u);
}

TEST(StreamScrubber, HoldsBackOnlyTheTailThatMayStartANeedle) {
  StreamScrubber stream(make({"secret"}));
  EXPECT_EQ(stream.write("the sec"), "the ");
  EXPECT_EQ(stream.held(), 3u);
  EXPECT_EQ(stream.write("ond"), "second");
}

TEST(StreamScrubber, HoldsBackFewerBytesThanTheLongestNeedle) {
  std::vector<std::string> needles = {"aaaa", "abab", "aab"};
  auto scrubber = make(needles);
  StreamScrubber stream(scrubber);
  std::mt19937 rng(99);
  for (int i = 0; i < 20000; ++i) {
    (void)stream.write(std::string(1, static_cast<char>('a' + rng() % 2)));
    ASSERT_LT(stream.held(), scrubber->longest());
  }
}

TEST(StreamScrubber, MarkerGoesOutAsSoonAsTheNeedleCompletes) {
  StreamScrubber stream(make({"key"}));
  EXPECT_EQ(stream.write("a ke"), "a ");
  EXPECT_EQ(stream.write("y b"), R + " b");
}

TEST(StreamScrubber, FlushEmitsAnUnfinishedNeedlePrefixAsItIs) {
  StreamScrubber stream(make({"secret"}));
  EXPECT_EQ(stream.write("x secr"), "x ");
  EXPECT_EQ(stream.flush(), "secr");
}

TEST(StreamScrubber, FlushStartsANewIndependentStream) {
  StreamScrubber stream(make({"secret"}));
  (void)stream.write("secr");
  (void)stream.flush();
  EXPECT_EQ(stream.write("et"), "et");
  EXPECT_EQ(stream.write(" secret"), " "s + R);
}

TEST(StreamScrubber, FlushOfAnEmptyStreamIsEmpty) {
  StreamScrubber stream(make({"secret"}));
  EXPECT_EQ(stream.flush(), "");
}

TEST(StreamScrubber, RefusesANullScrubber) {
  EXPECT_THROW(StreamScrubber(nullptr), InvalidArgumentError);
}

TEST(StreamScrubber, EmptyChunksChangeNothing) {
  StreamScrubber stream(make({"secret"}));
  std::string out = stream.write("");
  out += stream.write("sec");
  out += stream.write("");
  out += stream.write("");
  out += stream.write("ret!");
  out += stream.write("");
  out += stream.flush();
  EXPECT_EQ(out, R + "!");
}

TEST(StreamScrubber, MultibyteUtf8NeedleSplitInsideCharactersIsRedacted) {
  // "clé🔑" has a 2-byte and a 4-byte character: cut inside each of them too.
  auto scrubber = make({"clé🔑"});
  std::string text = "→clé🔑←";
  for (size_t a = 0; a <= text.size(); ++a) {
    for (size_t b = a; b <= text.size(); ++b) {
      ASSERT_EQ(stream_scrub(scrubber, text, {a, b}), "→"s + R + "←") << a << "," << b;
    }
  }
}

TEST(StreamScrubber, NulsAndBinaryBytesSplitAcrossChunksAreRedacted) {
  std::string needle = "\x00\x80\xff\x00"s;
  auto scrubber = make({needle});
  std::string text = "\x00"s + needle + "\x00"s;
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    EXPECT_EQ(stream_scrub(scrubber, text, {cut}), "\x00"s + R + "\x00"s);
  }
}

TEST(StreamScrubber, TenMegabytesInSmallChunksMatchScrubOfTheWhole) {
  std::string needle = std::string(63, 'a') + "b";
  auto scrubber = make({needle, "aab"});
  std::string text;
  for (size_t i = 0; text.size() < 10 * 1024 * 1024; ++i) {
    text.append(64 + i % 17, 'a');
    text.push_back(i % 3 ? 'c' : 'b');
  }
  StreamScrubber stream(scrubber);
  std::string out;
  for (size_t at = 0; at < text.size(); at += 4093) out += stream.write(text.substr(at, 4093));
  out += stream.flush();
  EXPECT_EQ(out, scrubber->scrub(text));
}

// ---- Files ----

vfs::AccountingPtr accounting(uint64_t quota) {
  auto a = std::make_shared<vfs::Accounting>();
  a->quota_bytes = quota;
  a->max_entries = 16;
  return a;
}

vfs::Status write_at(vfs::File& file, uint64_t offset, std::string_view text) {
  vfs::ConstBytes bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  return file.write(offset, std::span<const vfs::ConstBytes>(&bytes, 1));
}

TEST(FileScrubber, BytesWithoutNeedleNeedNoRewrite) {
  EXPECT_EQ(scrub_file_bytes(*make({"secret"}), "plain"), std::nullopt);
}

TEST(FileScrubber, BytesWithANeedleAreScrubbed) {
  EXPECT_EQ(scrub_file_bytes(*make({"secret"}), "a secret"), "a "s + R);
}

TEST(FileScrubber, NeedleWrittenOutOfOrderAtOffsetsIsRedacted) {
  auto file = vfs::File::make_writable(accounting(1024));
  ASSERT_EQ(write_at(*file, 0, "token=" + std::string(15, '.') + "..;"), vfs::Status::kOk);
  ASSERT_EQ(write_at(*file, 14, "EY-1234"), vfs::Status::kOk);  // the end first
  ASSERT_EQ(write_at(*file, 6, "SECRET-K"), vfs::Status::kOk);
  ASSERT_EQ(file->contents(), "token=SECRET-KEY-1234..;");
  EXPECT_EQ(scrub_file(*make({"SECRET-KEY-1234"}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->contents(), "token="s + R + "..;");
}

TEST(FileScrubber, NeedleCompletedByZeroFilledGrowthIsRedacted) {
  auto file = vfs::File::make_writable(accounting(1024));
  ASSERT_EQ(write_at(*file, 0, "id:ab"), vfs::Status::kOk);
  ASSERT_EQ(file->resize(7), vfs::Status::kOk);  // fd_filestat_set_size: two NULs appended
  EXPECT_EQ(scrub_file(*make({"ab\x00\x00"s}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->contents(), "id:"s + R);
}

TEST(FileScrubber, ShrinkingGivesTheBytesBackToTheQuota) {
  auto acct = accounting(1024);
  auto file = vfs::File::make_writable(acct);
  std::string placeholder = "ERYX_SECRET_PLACEHOLDER_00112233445566778899aabbccddeeff";
  ASSERT_EQ(write_at(*file, 0, "k=" + placeholder), vfs::Status::kOk);
  EXPECT_EQ(scrub_file(*make({placeholder}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->contents(), "k="s + R);
  EXPECT_EQ(acct->used_bytes, 2 + R.size());
}

TEST(FileScrubber, GrowingWithinTheQuotaIsCharged) {
  auto acct = accounting(1024);
  auto file = vfs::File::make_writable(acct);
  ASSERT_EQ(write_at(*file, 0, "pin 1234."), vfs::Status::kOk);
  EXPECT_EQ(scrub_file(*make({"1234"}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->contents(), "pin "s + R + ".");
  EXPECT_EQ(acct->used_bytes, 5 + R.size());
}

TEST(FileScrubber, GrowingPastTheQuotaEmptiesTheFile) {
  auto acct = accounting(12);
  auto file = vfs::File::make_writable(acct);
  ASSERT_EQ(write_at(*file, 0, "pin 1234."), vfs::Status::kOk);
  EXPECT_EQ(scrub_file(*make({"1234"}), *file), vfs::Status::kNoSpace);
  EXPECT_EQ(file->contents(), "");
  EXPECT_EQ(acct->used_bytes, 0u);
}

TEST(FileScrubber, FileWithoutNeedleKeepsItsModificationTime) {
  auto file = vfs::File::make_writable(accounting(1024));
  ASSERT_EQ(write_at(*file, 0, "nothing here"), vfs::Status::kOk);
  ASSERT_EQ(file->set_times(std::nullopt, 42), vfs::Status::kOk);
  EXPECT_EQ(scrub_file(*make({"secret"}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->times().mtim, 42u);
}

TEST(FileScrubber, ImageFilesAreLeftAlone) {
  auto bytes = std::make_shared<const std::string>("host data: secret");
  auto file = vfs::File::make_image(accounting(1024), *bytes, bytes);
  EXPECT_EQ(scrub_file(*make({"secret"}), *file), vfs::Status::kOk);
  EXPECT_EQ(file->contents(), "host data: secret");
}

}  // namespace
}  // namespace eryx::secrets
