// Session::snapshot / Session::from_snapshot: a live interpreter as bytes, and back.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "engine/runtime_core.h"
#include "eryx/eryx.hpp"
#include "snapshot/image_envelope.h"
#include "snapshot/memory_state_codec.h"
#include "vfs/byte_codec.h"
#include "vfs/tree_codec.h"
#include "wasi/context.h"
#include "wasi/state_codec.h"

namespace {

using eryx::Session;

constexpr eryx::snapshot::ImageKind kSessionKind{
    .magic = "ERYXSESS", .version = 1, .name = "Session snapshot"};

// A snapshot's envelope fields, so tests can change one and seal it again with a valid checksum (a
// checksum proves nothing about origin: the payload parser must hold on its own).
struct Envelope {
  uint32_t version;
  std::string fingerprint;
  std::string payload;

  static Envelope open(std::string_view blob) {
    eryx::codec::Reader in(blob.substr(0, blob.size() - 32));
    in.take(8);
    Envelope envelope;
    envelope.version = in.u32();
    envelope.fingerprint = std::string(in.bytes());
    envelope.payload = std::string(in.bytes());
    return envelope;
  }
  std::string seal() const {
    auto kind = kSessionKind;
    kind.version = version;
    return eryx::snapshot::seal_image(kind, fingerprint, payload);
  }
};

// Where the payload's last field (the WASI state: files and fds) starts.
size_t wasi_state_offset(std::string_view payload) {
  eryx::codec::Reader in(payload);
  in.u64();  // execution count
  eryx::snapshot::read_memory_state(in, "Session snapshot");
  return payload.size() - in.remaining() + sizeof(uint64_t);
}

eryx::SandboxOptions short_timeout() {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 2000;
  return options;
}

// Restoring hostile bytes may fail, and an interpreter restored from them may fail, but only ever
// with a typed eryx error.
void restore_and_run_tolerating_errors(const std::string& blob) {
  try {
    auto session = Session::from_snapshot(blob, short_timeout());
    session.execute("print('alive')");
  } catch (const eryx::Error&) {
  }
}

TEST(SessionSnapshot, RoundTripKeepsTheLiveInterpreter) {
  Session source;
  source.execute(
      "import json, re\n"
      "class Point:\n"
      "    def __init__(self, x): self.x = x\n"
      "def double(v): return v * 2\n"
      "p = Point(21)\n"
      "squares = (i * i for i in range(10))\n"
      "next(squares); next(squares)\n"
      "pattern = re.compile(r'\\d+')\n"
      "import os\n"
      "os.makedirs('/tmp/data/deep', exist_ok=True)\n"
      "open('/tmp/data/deep/notes.txt', 'w').write('kept')\n");
  auto blob = source.snapshot();
  auto restored = Session::from_snapshot(blob);
  auto out = restored.execute(
      "print(double(p.x), next(squares), json.dumps(pattern.findall('a1b22')), "
      "open('/tmp/data/deep/notes.txt').read(), type(p).__name__)");
  EXPECT_EQ(out.stdout_text, "42 4 [\"1\", \"22\"] kept Point\n");
  EXPECT_EQ(restored.execute("import sys\nprint('re' in sys.modules)").stdout_text, "True\n");
}

TEST(SessionSnapshot, KeepsTheExecutionCountAndVariables) {
  Session source;
  source.execute("x = 1");
  source.execute("x += 1");
  auto restored = Session::from_snapshot(source.snapshot());
  EXPECT_EQ(restored.execution_count(), 2u);
  EXPECT_EQ(restored.execute("x += 1\nresult = x").result_json, "3");
  EXPECT_EQ(restored.execution_count(), 3u);
}

TEST(SessionSnapshot, TheOriginalIsUnchangedAndIndependent) {
  Session source;
  source.execute("x = 1\nopen('/tmp/f', 'w').write('source')");
  auto blob = source.snapshot();
  auto restored = Session::from_snapshot(blob);
  restored.execute("x = 2\nopen('/tmp/f', 'w').write('restored')");
  source.execute("x += 10");
  EXPECT_EQ(source.execute("print(x, open('/tmp/f').read())").stdout_text, "11 source\n");
  EXPECT_EQ(restored.execute("print(x, open('/tmp/f').read())").stdout_text, "2 restored\n");
}

TEST(SessionSnapshot, RestoringTwiceGivesTwoIndependentSessions) {
  Session source;
  source.execute("items = []\ngen = iter(range(100))");
  auto blob = source.snapshot();
  auto a = Session::from_snapshot(blob);
  auto b = Session::from_snapshot(blob);
  a.execute("items.append('a')\nnext(gen)");
  EXPECT_EQ(b.execute("print(items, next(gen))").stdout_text, "[] 0\n");
  EXPECT_EQ(a.execute("print(items, next(gen))").stdout_text, "['a'] 1\n");
}

TEST(SessionSnapshot, RestoresDoNotRepeatEachOthersRandomNumbers) {
  Session source;
  source.execute("import random");
  auto blob = source.snapshot();
  auto a = Session::from_snapshot(blob).execute("print(random.random())").stdout_text;
  auto b = Session::from_snapshot(blob).execute("print(random.random())").stdout_text;
  EXPECT_NE(a, b);
}

TEST(SessionSnapshot, OpenFilesSurviveWithTheirOffsets) {
  Session source;
  source.execute(
      "log = open('/tmp/log.txt', 'w+')\nlog.write('abc')\nlog.flush()\nlog.seek(1)\n"
      "reader = open('/tmp/log.txt')\nreader.read(2)\n"
      "import os\n"
      "gone = open('/tmp/unlinked', 'w+')\ngone.write('still here')\ngone.flush()\n"
      "os.unlink('/tmp/unlinked')\n"
      "os.link('/tmp/log.txt', '/tmp/hard')\nos.symlink('/tmp/log.txt', '/tmp/soft')\n"
      "stdlib = open([p for p in __import__('sys').path if p.endswith('.zip')][0], 'rb')\n"
      "stdlib.read(2)\n");
  auto restored = Session::from_snapshot(source.snapshot());
  auto out = restored.execute(
      "print(log.read(), reader.read())\n"
      "gone.seek(0)\nprint(gone.read(), os.path.exists('/tmp/unlinked'))\n"
      "log.write('-more')\nlog.flush()\n"
      "print(open('/tmp/hard').read(), os.readlink('/tmp/soft'), "
      "os.stat('/tmp/hard').st_ino == os.stat('/tmp/log.txt').st_ino)\n"
      "print(stdlib.read(2))\n");
  EXPECT_EQ(out.stdout_text, "bc c\nstill here False\nabc-more /tmp/log.txt True\nb'\\x03\\x04'\n");
  // New files get inode numbers of their own.
  EXPECT_EQ(
      restored
          .execute("open('/tmp/new', 'w').close()\n"
                   "print(len({os.stat(p).st_ino for p in ('/tmp/new', '/tmp/log.txt', '/tmp', "
                   "'/')}))")
          .stdout_text,
      "4\n");
}

TEST(SessionSnapshot, KeepsDirectoryListingsAndTimes) {
  Session source;
  source.execute(
      "import os\nfor name in ['b', 'a', 'c']: open('/tmp/' + name, 'w').close()\n"
      "os.remove('/tmp/a')\nos.mkdir('/tmp/dir')\nos.utime('/tmp/b', (1000, 2000))\n"
      "listing = os.listdir('/tmp')\n");
  auto restored = Session::from_snapshot(source.snapshot());
  EXPECT_EQ(restored
                .execute("print(os.listdir('/tmp') == listing, listing, "
                         "os.stat('/tmp/b').st_mtime)")
                .stdout_text,
            "True ['b', 'c', 'dir'] 2000.0\n");
}

TEST(SessionSnapshot, ATornSessionSnapshotsAFreshInterpreter) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 200;
  Session source(options);
  source.execute("x = 1");
  EXPECT_THROW(source.execute("while True: pass"), eryx::TimeoutError);
  auto restored = Session::from_snapshot(source.snapshot());
  EXPECT_EQ(restored.execute("print('x' in globals())").stdout_text, "False\n");
}

TEST(SessionSnapshot, MovesBetweenRuntimesAndEngineVariants) {
  Session source;
  source.execute("x = 7");
  auto blob = source.snapshot();
  auto other = eryx::Runtime::create({.guest_dir = ERYX_TEST_GUEST_DIR});
  if (!other->core().variant_for({}).from_snapshot()) {
    GTEST_SKIP() << "without a snapshot module, images are valid in their own runtime only";
  }
  EXPECT_EQ(Session::from_snapshot(blob, {}, other).execute("print(x)").stdout_text, "7\n");
  eryx::SandboxOptions metered;
  metered.limits.max_fuel = 1'000'000'000;
  auto fueled = Session::from_snapshot(blob, metered);
  EXPECT_EQ(fueled.execute("print(x * 2)").stdout_text, "14\n");
  EXPECT_EQ(Session::from_snapshot(fueled.snapshot()).execute("print(x)").stdout_text, "7\n");
}

TEST(SessionSnapshot, ASmallerMemoryLimitRaisesResourceLimitError) {
  Session source;
  source.execute("big = bytearray(48 * 1024 * 1024)");
  auto blob = source.snapshot();
  eryx::SandboxOptions small;
  small.limits.max_memory_bytes = 40ull * 1024 * 1024;
  EXPECT_THROW(Session::from_snapshot(blob, small), eryx::ResourceLimitError);
  EXPECT_EQ(Session::from_snapshot(blob).execute("print(len(big))").stdout_text, "50331648\n");
}

TEST(SessionSnapshot, FilesOverTheVfsQuotaRaiseResourceLimitError) {
  Session source;
  source.execute("open('/tmp/blob', 'wb').write(b'x' * 300_000)");
  auto blob = source.snapshot();
  eryx::SandboxOptions small;
  small.limits.max_vfs_bytes = 100'000;
  EXPECT_THROW(Session::from_snapshot(blob, small), eryx::ResourceLimitError);
}

TEST(SessionSnapshot, EmptyWrongMagicAndGarbageRaiseError) {
  EXPECT_THROW(Session::from_snapshot(""), eryx::Error);
  EXPECT_THROW(Session::from_snapshot("ERYXSESS"), eryx::Error);
  EXPECT_THROW(Session::from_snapshot(std::string(100, '\0')), eryx::Error);
  auto blob = Session().snapshot();
  auto wrong_magic = blob;
  wrong_magic[0] = 'X';
  EXPECT_THROW(Session::from_snapshot(wrong_magic), eryx::Error);
  auto factory = eryx::SandboxFactory(eryx::FactoryOptions{}).to_bytes();
  EXPECT_THROW(Session::from_snapshot(factory), eryx::Error);
}

TEST(SessionSnapshot, WrongVersionOrForeignFingerprintRaiseError) {
  auto envelope = Envelope::open(Session().snapshot());
  auto newer = envelope;
  newer.version = 2;
  try {
    Session::from_snapshot(newer.seal());
    FAIL() << "expected eryx::Error";
  } catch (const eryx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
  }
  auto foreign = envelope;
  foreign.fingerprint = "eryx-0.1/another-guest";
  try {
    Session::from_snapshot(foreign.seal());
    FAIL() << "expected eryx::Error";
  } catch (const eryx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("another eryx runtime"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(Session::from_snapshot(envelope.seal()));
}

TEST(SessionSnapshot, FlippedBytesAnywhereRaiseError) {
  Session source;
  source.execute("x = list(range(1000))\nopen('/tmp/a', 'w').write('a')");
  auto blob = source.snapshot();
  for (size_t offset = 0; offset < blob.size(); offset += 1 + blob.size() / 300) {
    auto corrupt = blob;
    corrupt[offset] ^= 0x41;
    EXPECT_THROW(Session::from_snapshot(corrupt), eryx::Error) << "offset " << offset;
  }
  for (size_t offset = blob.size() - 64; offset < blob.size(); ++offset) {
    auto corrupt = blob;
    corrupt[offset] ^= 0x01;
    EXPECT_THROW(Session::from_snapshot(corrupt), eryx::Error) << "offset " << offset;
  }
}

TEST(SessionSnapshot, TruncationAtAnyLengthRaisesError) {
  auto blob = Session().snapshot();
  for (size_t length = 0; length < blob.size(); length += 1 + blob.size() / 300) {
    EXPECT_THROW(Session::from_snapshot(blob.substr(0, length)), eryx::Error) << length;
  }
  for (size_t length = blob.size() - 80; length < blob.size(); ++length) {
    EXPECT_THROW(Session::from_snapshot(blob.substr(0, length)), eryx::Error) << length;
  }
  EXPECT_THROW(Session::from_snapshot(blob + "x"), eryx::Error);
}

// The checksum is no proof of origin: payloads damaged and sealed again must still be refused
// cleanly (or load into an interpreter that can only fail cleanly).
TEST(SessionSnapshot, ResealedTruncatedPayloadsRaiseError) {
  Session source;
  source.execute("import os\nos.mkdir('/tmp/d')\nf = open('/tmp/d/x', 'w+')\nf.write('x')");
  auto envelope = Envelope::open(source.snapshot());
  auto full = envelope.payload;
  size_t wasi = wasi_state_offset(full);
  for (size_t length = 0; length < full.size(); length += length < wasi ? 997 : 1) {
    envelope.payload = full.substr(0, length);
    EXPECT_THROW(Session::from_snapshot(envelope.seal()), eryx::Error) << length;
  }
}

TEST(SessionSnapshot, ResealedFlipsInTheFileAndFdStateFailCleanly) {
  Session source;
  source.execute(
      "import os\nos.makedirs('/tmp/d/e')\nf = open('/tmp/d/x', 'w+')\nf.write('xyz')\nf.flush()\n"
      "os.symlink('x', '/tmp/d/link')\nos.link('/tmp/d/x', '/tmp/d/e/y')\n"
      "g = open('/tmp/gone', 'w')\nos.unlink('/tmp/gone')\nd = os.open('/tmp/d', os.O_RDONLY)");
  auto envelope = Envelope::open(source.snapshot());
  auto full = envelope.payload;
  size_t wasi = wasi_state_offset(full);
  for (size_t offset = wasi; offset < full.size(); ++offset) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      envelope.payload = full;
      envelope.payload[offset] ^= mask;
      restore_and_run_tolerating_errors(envelope.seal());
    }
  }
  // The header fields before the pages (count, memory size, globals).
  for (size_t offset = 0; offset < 64; ++offset) {
    envelope.payload = full;
    envelope.payload[offset] ^= 0x10;
    restore_and_run_tolerating_errors(envelope.seal());
  }
}

// ---- The WASI/VFS state codec without an engine: hostile structures a flip would rarely make ----

std::unique_ptr<eryx::wasi::WasiContext> fresh_context() {
  eryx::wasi::WasiOptions options;
  options.vfs =
      eryx::vfs::make_default_layout("python313.zip", std::make_shared<const std::string>("zip"));
  return std::make_unique<eryx::wasi::WasiContext>(std::move(options));
}

struct TreeBuilder {
  eryx::codec::Writer out;
  void dir(uint32_t parent, std::string_view name, uint64_t cookie, uint64_t inode = 100) {
    out.u32(parent);
    out.bytes(name);
    out.u64(cookie);
    out.u8(0);
    out.u64(inode);
    out.u64(0);
    out.u64(0);
    out.u64(0);
    out.u64(16);  // next cookie
  }
};

constexpr uint32_t kMount = 0xFFFFFFFF;

void decode(std::string_view bytes) {
  auto context = fresh_context();
  eryx::codec::Reader in(bytes);
  eryx::wasi::decode_state(in, *context);
}

TEST(SessionStateCodec, RoundTripsThroughAFreshContext) {
  auto source = fresh_context();
  source->vfs().write_file("/tmp/a/b.txt", "bytes");
  eryx::codec::Writer out;
  eryx::wasi::encode_state(*source, out);
  auto target = fresh_context();
  eryx::codec::Reader in(out.str());
  eryx::wasi::decode_state(in, *target);
  EXPECT_TRUE(in.done());
  EXPECT_EQ(target->vfs().read_file("/tmp/a/b.txt"), "bytes");
  EXPECT_EQ(target->open_fd_count(), 4u);
}

TEST(SessionStateCodec, RefusesMalformedTrees) {
  auto expect_refused = [](TreeBuilder tree, const char* what) {
    tree.out.u32(0);  // leaves
    tree.out.u32(0);  // links
    tree.out.u32(0);  // fds
    EXPECT_THROW(decode(tree.out.str()), eryx::codec::DecodeError) << what;
  };
  {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(2);
    tree.dir(kMount, "/tmp", 0);
    tree.dir(1, "self", 3);  // its own parent
    expect_refused(std::move(tree), "cycle");
  }
  {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(3);
    tree.dir(kMount, "/tmp", 0);
    tree.dir(0, "same", 3);
    tree.dir(0, "same", 4);
    expect_refused(std::move(tree), "duplicate name");
  }
  {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(3);
    tree.dir(kMount, "/tmp", 0);
    tree.dir(0, "a", 3);
    tree.dir(0, "b", 3);
    expect_refused(std::move(tree), "duplicate cookie");
  }
  for (std::string_view name : {std::string_view(""), std::string_view("."), std::string_view(".."),
                                std::string_view("a/b"), std::string_view("a\0b", 3)}) {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(2);
    tree.dir(kMount, "/tmp", 0);
    tree.dir(0, name, 3);
    expect_refused(std::move(tree), "bad name");
  }
  for (std::string_view mount : {"/", "/usr/local/lib", "/nowhere", "tmp"}) {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(1);
    tree.dir(kMount, mount, 0);
    expect_refused(std::move(tree), "bad mount");
  }
  {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(2);
    tree.dir(kMount, "/tmp", 0);
    tree.dir(kMount, "/tmp", 0);
    expect_refused(std::move(tree), "mount twice");
  }
  {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(1);
    tree.dir(kMount, "/tmp", 0, /*inode=*/UINT64_MAX);
    expect_refused(std::move(tree), "last inode");
  }
}

TEST(SessionStateCodec, RefusesFdsThatDoNotMatchTheirNodes) {
  auto encode_with_fd = [](uint32_t fd, uint8_t kind, uint8_t ref_kind, std::string_view path) {
    TreeBuilder tree;
    tree.out.u64(200);
    tree.out.u32(1);
    tree.dir(kMount, "/tmp", 0);
    tree.out.u32(0);
    tree.out.u32(0);
    tree.out.u32(1);
    tree.out.u32(fd);
    tree.out.u8(kind);
    tree.out.u64(0);
    tree.out.u16(0);
    tree.out.u64(~uint64_t{0});
    tree.out.u64(~uint64_t{0});
    tree.out.bytes("");
    tree.out.u8(ref_kind);
    if (ref_kind == 3) tree.out.bytes(path);
    if (ref_kind == 1 || ref_kind == 2) tree.out.u32(7);
    return std::move(tree.out.str());
  };
  constexpr uint8_t kFile = 3, kDirectory = 4, kStdout = 1;
  EXPECT_THROW(decode(encode_with_fd(5, kFile, 3, "/tmp")), eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5, kDirectory, 3, "/usr/local/lib/python313.zip")),
               eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5, kStdout, 3, "/tmp")), eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5, kFile, 2, "")), eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5, 9, 0, "")), eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5000, kStdout, 0, "")), eryx::codec::DecodeError);
  EXPECT_THROW(decode(encode_with_fd(5, kFile, 3, "/nowhere")), eryx::codec::DecodeError);
  // A writable fd on a read-only image decodes, but the VFS still refuses writes through it.
  EXPECT_NO_THROW(decode(encode_with_fd(5, kFile, 3, "/usr/local/lib/python313.zip")));
}

TEST(SessionStateCodec, HugeLengthsAreRefusedBeforeAnyAllocation) {
  TreeBuilder tree;
  tree.out.u64(200);
  tree.out.u32(1);
  tree.dir(kMount, "/tmp", 0);
  tree.out.u32(1);    // one leaf
  tree.out.u8(1);     // a file
  tree.out.u8(0);     // writable
  tree.out.u64(150);  // inode
  for (int i = 0; i < 3; ++i) tree.out.u64(0);
  tree.out.u64(uint64_t{1} << 62);  // its size: far past the input
  EXPECT_THROW(decode(tree.out.str()), eryx::codec::DecodeError);
  eryx::codec::Writer counts;
  counts.u64(200);
  counts.u32(0xFFFFFFFF);  // directories
  EXPECT_THROW(decode(counts.str()), eryx::codec::DecodeError);
}

}  // namespace
