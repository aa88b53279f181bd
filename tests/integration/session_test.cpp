// Sessions keep a live interpreter between executions.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "eryx/eryx.hpp"

namespace {

using eryx::Session;

TEST(Session, VariablesPersistBetweenExecutes) {
  Session session;
  session.execute("x = 41");
  EXPECT_EQ(session.execute("x += 1\nprint(x)").stdout_text, "42\n");
}

TEST(Session, FunctionsClassesAndImportsPersist) {
  Session session;
  session.execute(
      "import json\nclass P:\n    def __init__(self, v): self.v = v\n"
      "def dump(p): return json.dumps({'v': p.v})");
  EXPECT_EQ(session.execute("print(dump(P(3)))").stdout_text, "{\"v\": 3}\n");
}

TEST(Session, FilesInTmpPersist) {
  Session session;
  session.execute("open('/tmp/notes.txt', 'w').write('kept')");
  EXPECT_EQ(session.execute("print(open('/tmp/notes.txt').read())").stdout_text, "kept\n");
}

TEST(Session, OutputIsPerExecute) {
  Session session;
  EXPECT_EQ(session.execute("print('first')").stdout_text, "first\n");
  EXPECT_EQ(session.execute("print('second')").stdout_text, "second\n");
}

TEST(Session, PythonExceptionKeepsState) {
  Session session;
  session.execute("x = 1");
  EXPECT_THROW(session.execute("x = 2\nraise KeyError('k')"), eryx::ExecutionError);
  EXPECT_EQ(session.execute("print(x)").stdout_text, "2\n");
}

TEST(Session, ResetStartsAFreshInterpreter) {
  Session session;
  session.execute("x = 1");
  session.reset();
  EXPECT_EQ(session.execute("print('x' in globals())").stdout_text, "False\n");
}

TEST(Session, CountsExecutionsAndResetsTheCount) {
  Session session;
  session.execute("pass");
  EXPECT_THROW(session.execute("1/0"), eryx::ExecutionError);
  EXPECT_EQ(session.execution_count(), 2u);
  session.reset();
  EXPECT_EQ(session.execution_count(), 0u);
}

TEST(Session, IsUsableAfterATimeoutWithAFreshInterpreter) {
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 200;
  Session session(options);
  session.execute("x = 1");
  EXPECT_THROW(session.execute("while True: pass"), eryx::TimeoutError);
  EXPECT_EQ(session.execute("print('x' in globals())").stdout_text, "False\n");
}

TEST(Session, ExecutionTimeoutCanBeChanged) {
  Session session;
  EXPECT_EQ(session.execution_timeout_ms(), 30'000u);
  session.set_execution_timeout_ms(100);
  EXPECT_EQ(session.execution_timeout_ms(), 100u);
  EXPECT_THROW(session.execute("import time; time.sleep(5)"), eryx::TimeoutError);
}

TEST(Session, ConcurrentExecutesAreSerialised) {
  Session session;
  session.execute("counter = 0");
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) session.execute("counter += 1");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(session.execute("print(counter)").stdout_text, "20\n");
}

}  // namespace

namespace {

TEST(Session, ClearStateDropsGlobalsButKeepsModulesImported) {
  eryx::Session session;
  session.execute("import json\nx = 1\ndef f(): pass");
  session.clear_state();
  EXPECT_EQ(
      session
          .execute("import sys\nprint('x' in globals(), 'f' in globals(), 'json' in sys.modules)")
          .stdout_text,
      "False False True\n");
}

// As in pyeryx: each execution reports only the result it set; the variable is consumed.
TEST(Session, ResultVariableIsConsumedByEachExecute) {
  eryx::Session session;
  EXPECT_EQ(session.execute("result = 1").result_json, "1");
  EXPECT_EQ(session.execute("pass").result_json, std::nullopt);
  EXPECT_EQ(session.execute("print('result' in globals())").stdout_text, "False\n");
  EXPECT_EQ(session.execute("result = 2").result_json, "2");
}

}  // namespace

namespace {

TEST(SessionState, SnapshotRestoresIntoAnotherSession) {
  eryx::Session source;
  source.execute(
      "import math\nx = [1, 2, 3]\ny = {'k': 'v'}\nimport collections\nc = "
      "collections.Counter('aab')");
  auto blob = source.snapshot_state();
  eryx::Session target;
  target.restore_state(blob);
  EXPECT_EQ(target.execute("print(x, y['k'], c['a'], math.floor(2.5))").stdout_text,
            "[1, 2, 3] v 2 2\n");
}

TEST(SessionState, UnserialisableValueIsNamedInTheError) {
  eryx::Session session;
  session.execute("gen = (i for i in range(3))\nok = 1");
  try {
    session.snapshot_state();
    FAIL() << "expected Error";
  } catch (const eryx::Error& e) {
    EXPECT_NE(std::string(e.what()).find("gen"), std::string::npos) << e.what();
  }
}

TEST(SessionState, CorruptBlobRaisesAndLeavesTheSessionIntact) {
  eryx::Session session;
  session.execute("x = 5");
  EXPECT_THROW(session.restore_state("definitely not a pickle"), eryx::Error);
  EXPECT_EQ(session.execute("print(x)").stdout_text, "5\n");
}

}  // namespace

namespace {

TEST(SessionFork, CopiesVariablesModulesAndGeneratorsMidway) {
  eryx::Session parent;
  parent.execute("import json\ngen = (i * i for i in range(10))\nnext(gen); next(gen)\nx = [1]");
  auto child = parent.fork();
  EXPECT_EQ(child.execute("print(next(gen), json.dumps(x))").stdout_text, "4 [1]\n");
  EXPECT_EQ(parent.execute("print(next(gen))").stdout_text, "4\n");  // the parent's own copy
}

TEST(SessionFork, SessionsAreIndependentAfterTheFork) {
  eryx::Session parent;
  parent.execute("x = 1");
  auto child = parent.fork();
  child.execute("x = 2");
  parent.execute("x += 10");
  EXPECT_EQ(parent.execute("print(x)").stdout_text, "11\n");
  EXPECT_EQ(child.execute("print(x)").stdout_text, "2\n");
}

TEST(SessionFork, CopiesFilesAndOpenFileHandles) {
  eryx::Session parent;
  parent.execute("f = open('/tmp/log.txt', 'w+')\nf.write('abc')\nf.flush()\nf.seek(0)");
  auto child = parent.fork();
  child.execute("f.seek(0, 2)\nf.write('-child')\nf.flush()");
  EXPECT_EQ(child.execute("print(open('/tmp/log.txt').read())").stdout_text, "abc-child\n");
  EXPECT_EQ(parent.execute("print(f.read())").stdout_text, "abc\n");
}

TEST(SessionFork, KeepsTheExecutionCount) {
  eryx::Session parent;
  parent.execute("pass");
  parent.execute("pass");
  EXPECT_EQ(parent.fork().execution_count(), 2u);
}

}  // namespace

namespace {

TEST(SessionFork, ForksDoNotRepeatTheParentsRandomNumbers) {
  eryx::Session parent;
  parent.execute("import random");
  auto child = parent.fork();
  auto a = parent.execute("print(random.random())").stdout_text;
  auto b = child.execute("print(random.random())").stdout_text;
  EXPECT_NE(a, b);
}

TEST(Session, SeededRandomStaysReproducibleAcrossExecutes) {
  eryx::Session session;
  session.execute("import random\nrandom.seed(42)");
  auto first = session.execute("print(random.random())").stdout_text;
  session.execute("random.seed(42)");
  EXPECT_EQ(session.execute("print(random.random())").stdout_text, first);
}

}  // namespace
