// The snapshot's heap is frozen (guest/glue/eryx_heap.c): its objects are immortal and outside the
// GC's generations, so a fresh sandbox writes only the pages its own work changes. User code sees
// ordinary Python: its own objects are counted and collected, and the snapshot's can be replaced.
#include <gtest/gtest.h>

#include <string>

#include "eryx/eryx.hpp"

namespace {

const std::string kGuestDir = ERYX_TEST_GUEST_DIR;

std::string run(const std::string& code) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  return eryx::Sandbox({}, runtime).execute(code).stdout_text;
}

TEST(FrozenHeap, SnapshotModulesAreImmortal) {
  EXPECT_EQ(run("import sys, json\n"
                "print(sys.getrefcount(json) > 2**28, sys.getrefcount(json.dumps) > 2**28)"),
            "True True\n");
}

TEST(FrozenHeap, SnapshotObjectsAreInTheGcPermanentGeneration) {
  EXPECT_EQ(run("import gc\nprint(gc.get_freeze_count() > 10000)"), "True\n");
}

TEST(FrozenHeap, ConstantsOfSnapshotCodeAreImmortal) {
  // A code object's constants are reached through the code, not through the GC's referents.
  EXPECT_EQ(run("import sys, json.encoder as e\n"
                "consts = [c for c in e.py_encode_basestring.__code__.co_consts if c is not None]\n"
                "print(bool(consts) and all(sys.getrefcount(c) > 2**28 for c in consts))"),
            "True\n");
}

TEST(FrozenHeap, UserObjectsAreCountedAndCollected) {
  EXPECT_EQ(run("import sys, gc, weakref\n"
                "class Node: pass\n"
                "a, b = Node(), Node(); a.peer, b.peer = b, a\n"
                "alive = weakref.ref(a)\n"
                "print(sys.getrefcount(a) < 10)\n"
                "del a, b\n"
                "gc.collect()\n"
                "print(alive() is None)"),
            "True\nTrue\n");
}

TEST(FrozenHeap, SnapshotModulesCanBeReplacedAndReimported) {
  EXPECT_EQ(run("import sys\n"
                "del sys.modules['json']\n"
                "import json\n"
                "print(json.loads(json.dumps([1, 'x'])), sys.getrefcount(json) < 2**28)"),
            "[1, 'x'] True\n");
}

TEST(FrozenHeap, MutatingSnapshotContainersStaysLocalToTheSandbox) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  eryx::Sandbox sandbox({}, runtime);
  sandbox.execute("import sys, json\nsys.path.append('/marker')\njson.extra = list(range(5000))");
  EXPECT_EQ(
      sandbox.execute("import sys, json\nprint('/marker' in sys.path, hasattr(json, 'extra'))")
          .stdout_text,
      "False False\n");
}

TEST(FrozenHeap, FactoryImportsAreFrozenToo) {
  eryx::SandboxFactory factory({.imports = {"decimal"}});
  auto out = factory.create_sandbox()
                 .execute(
                     "import sys, decimal\n"
                     "print(sys.getrefcount(decimal) > 2**28, decimal.Decimal('1.5') * 2)")
                 .stdout_text;
  EXPECT_EQ(out, "True 3.0\n");
}

}  // namespace
