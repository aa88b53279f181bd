// The guest sees nothing of the host: no files, environment, processes, sockets or stdin.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "eryx/eryx.hpp"

namespace {

std::string run(const std::string& code) { return eryx::Sandbox().execute(code).stdout_text; }

TEST(Isolation, HostPasswdFileIsUnreadable) {
  EXPECT_EQ(run("try:\n    open('/etc/passwd').read()\n    print('read')\n"
                "except OSError as e:\n    print(type(e).__name__)"),
            "FileNotFoundError\n");
}

TEST(Isolation, PathTraversalCannotLeaveTheVirtualRoot) {
  EXPECT_EQ(run("import os\ntry:\n    open('/tmp/../../../../etc/passwd')\n    print('escaped')\n"
                "except OSError as e:\n    print(type(e).__name__)\nprint(os.listdir('/../..') == "
                "os.listdir('/'))"),
            "FileNotFoundError\nTrue\n");
}

TEST(Isolation, RootListsOnlyTheVirtualFilesystem) {
  EXPECT_EQ(run("import os; print(sorted(os.listdir('/')))"), "['tmp', 'usr']\n");
}

TEST(Isolation, EnvironmentHasNoHostVariables) {
  ::setenv("ERYX_HOST_SECRET", "do-not-leak", 1);
  EXPECT_EQ(run("import os; print(dict(os.environ))"), "{}\n");
}

TEST(Isolation, SubprocessFailsCleanly) {
  auto out =
      run("import subprocess\ntry:\n    subprocess.run(['ls'])\n    print('spawned')\n"
          "except Exception as e:\n    print('blocked')");
  EXPECT_EQ(out, "blocked\n");
}

TEST(Isolation, OsSystemIsUnavailable) {
  EXPECT_EQ(run("import os; print(hasattr(os, 'system') and 'callable' or 'absent')"), "absent\n");
}

TEST(Isolation, SocketsFailCleanly) {
  auto out =
      run("import socket\ntry:\n    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
          "    s.connect(('127.0.0.1', 22))\n    print('connected')\n"
          "except Exception as e:\n    print('blocked')");
  EXPECT_EQ(out, "blocked\n");
}

TEST(Isolation, InputSeesEndOfFile) {
  EXPECT_EQ(run("try:\n    input('prompt> ')\nexcept EOFError:\n    print('EOF')"),
            "prompt> EOF\n");
}

TEST(Isolation, StdlibImageIsReadOnly) {
  EXPECT_EQ(run("try:\n    open('/usr/local/lib/python313.zip', 'wb')\n    print('writable')\n"
                "except OSError as e:\n    print('refused')"),
            "refused\n");
}

TEST(Isolation, StdioIsNotATerminal) {
  EXPECT_EQ(run("import sys; print(sys.stdin.isatty(), sys.stdout.isatty())"), "False False\n");
}

}  // namespace
