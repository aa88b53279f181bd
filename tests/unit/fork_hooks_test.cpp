// util::fork_hooks: registered objects take their locks around fork() and learn in the child that
// their threads are gone.
#include "util/fork_hooks.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct Recorder : eryx::util::ForkAware {
  int before = 0;
  int parent = 0;
  int child = 0;
  void before_fork() override { ++before; }
  void after_fork_parent() override { ++parent; }
  void after_fork_child() override { ++child; }
};

TEST(ForkHooks, ParentSeesPrepareThenParent) {
  Recorder recorder;
  eryx::util::register_fork_aware(&recorder);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  eryx::util::unregister_fork_aware(&recorder);
  EXPECT_EQ(recorder.before, 1);
  EXPECT_EQ(recorder.parent, 1);
  EXPECT_EQ(recorder.child, 0);
}

TEST(ForkHooks, ChildSeesChildHookAndANewGeneration) {
  Recorder recorder;
  eryx::util::register_fork_aware(&recorder);
  unsigned generation = eryx::util::fork_generation();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    bool ok = recorder.child == 1 && recorder.parent == 0 &&
              eryx::util::fork_generation() == generation + 1;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  eryx::util::unregister_fork_aware(&recorder);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ForkHooks, UnregisteredObjectIsNotCalled) {
  Recorder recorder;
  eryx::util::register_fork_aware(&recorder);
  eryx::util::unregister_fork_aware(&recorder);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(recorder.before, 0);
}

}  // namespace
