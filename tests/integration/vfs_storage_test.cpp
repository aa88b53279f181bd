// Shared VfsStorage with real Sessions: mounted at /data, shared, outliving resets and snapshots.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

using eryx::Session;
using eryx::VfsStorage;

eryx::SandboxOptions with(const std::shared_ptr<VfsStorage>& storage,
                          std::string mount_path = "/data") {
  eryx::SandboxOptions options;
  options.vfs = storage;
  options.vfs_mount_path = std::move(mount_path);
  return options;
}

TEST(VfsStorageSession, TwoSessionsShareTheMount) {
  auto storage = VfsStorage::create();
  Session writer(with(storage));
  Session reader(with(storage));
  writer.execute("open('/data/n.txt', 'w').write('shared')");
  EXPECT_EQ(reader.execute("print(open('/data/n.txt').read())").stdout_text, "shared\n");
}

TEST(VfsStorageSession, HostSeesGuestFilesAndGuestSeesHostFiles) {
  auto storage = VfsStorage::create();
  storage->write_file("/in.txt", "seed");
  Session session(with(storage));
  session.execute("open('/data/out.txt', 'w').write(open('/data/in.txt').read().upper())");
  EXPECT_EQ(storage->read_file("/out.txt"), "SEED");
}

TEST(VfsStorageSession, FilesSurviveResetClearStateAndTheSession) {
  auto storage = VfsStorage::create();
  {
    Session session(with(storage));
    session.execute("open('/data/f', 'w').write('kept')");
    session.reset();
    EXPECT_EQ(session.execute("print(open('/data/f').read())").stdout_text, "kept\n");
    session.clear_state();
    EXPECT_EQ(session.execute("print(open('/data/f').read())").stdout_text, "kept\n");
  }
  EXPECT_EQ(storage->read_file("/f"), "kept");
}

TEST(VfsStorageSession, FromSnapshotMountsTheStorageAgain) {
  auto storage = VfsStorage::create();
  Session session(with(storage));
  session.execute("x = 1\nopen('/data/f', 'w').write('v1')");
  std::string bytes = session.snapshot();
  storage->write_file("/f", "v2");
  Session restored = Session::from_snapshot(bytes, with(storage));
  EXPECT_EQ(restored.execute("print(x, open('/data/f').read())").stdout_text, "1 v2\n");
}

TEST(VfsStorageSession, SnapshotRefusesAFileOpenOnTheStorage) {
  auto storage = VfsStorage::create();
  Session session(with(storage));
  session.execute("held = open('/data/f', 'w')");
  EXPECT_THROW(session.snapshot(), eryx::Error);
}

TEST(VfsStorageSession, ForkSharesTheStorage) {
  auto storage = VfsStorage::create();
  Session parent(with(storage));
  parent.execute("log = open('/data/log', 'a')");
  Session child = parent.fork();
  child.execute("log.write('child;'); log.flush()");
  parent.execute("log.write('parent'); log.flush()");
  EXPECT_EQ(storage->read_file("/log"), "child;parent");
}

TEST(VfsStorageSession, CustomMountPathIsListedInItsParent) {
  auto storage = VfsStorage::create();
  Session session(with(storage, "/mnt/work"));
  EXPECT_EQ(session.execute("import os\nprint(os.listdir('/mnt'))").stdout_text, "['work']\n");
  session.execute("open('/mnt/work/a', 'w').write('a')");
  EXPECT_EQ(storage->list(), std::vector<std::string>{"a"});
}

TEST(VfsStorageSession, QuotaIsEnospcInTheGuest) {
  auto storage = VfsStorage::create(4096);
  Session session(with(storage));
  auto out = session.execute(
      "import errno\ntry:\n    open('/data/big', 'wb').write(b'x' * 10000)\n"
      "except OSError as e:\n    print(e.errno == errno.ENOSPC)\n");
  EXPECT_EQ(out.stdout_text, "True\n");
  EXPECT_LE(storage->size_bytes(), 4096u);
}

TEST(VfsStorageSession, BadMountPathIsAnInvalidArgument) {
  auto storage = VfsStorage::create();
  EXPECT_THROW(Session(with(storage, "relative")), eryx::InvalidArgumentError);
  EXPECT_THROW(Session(with(storage, "/tmp/data")), eryx::InvalidArgumentError);
  EXPECT_THROW(eryx::Sandbox(with(storage, "/")), eryx::InvalidArgumentError);
}

TEST(VfsStorageSandbox, OneShotSandboxesShareTheStorageToo) {
  auto storage = VfsStorage::create();
  eryx::Sandbox sandbox(with(storage));
  sandbox.execute("open('/data/count', 'w').write('1')");
  EXPECT_EQ(sandbox.execute("print(open('/data/count').read())").stdout_text, "1\n");
}

TEST(VfsStorageSession, SqliteOnTheStorageIsSeenByASecondSession) {
  auto storage = VfsStorage::create();
  Session writer(with(storage));
  writer.execute(
      "import sqlite3\ndb = sqlite3.connect('/data/db.sqlite')\n"
      "db.execute('create table t (id integer primary key, v text)')\n"
      "with db:\n"
      "    db.executemany('insert into t (v) values (?)', (('v%d' % i,) for i in range(10000)))\n"
      "db.close()\n");
  Session reader(with(storage));
  auto out = reader.execute(
      "import sqlite3\ndb = sqlite3.connect('/data/db.sqlite')\n"
      "print(db.execute('select count(*), min(v) from t').fetchone())\n");
  EXPECT_EQ(out.stdout_text, "(10000, 'v0')\n");
}

TEST(VfsStorageSession, ConcurrentSessionsOnOneStorage) {
  auto storage = VfsStorage::create();
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      Session session(with(storage));
      session.execute("import os\nos.makedirs('/data/t" + std::to_string(t) +
                      "', exist_ok=True)\n"
                      "for i in range(50):\n"
                      "    open('/data/t" +
                      std::to_string(t) + "/%d' % i, 'w').write(str(i))\n");
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 3; ++t) EXPECT_EQ(storage->list("/t" + std::to_string(t)).size(), 50u);
}

}  // namespace
