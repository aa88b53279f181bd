// Keeping the library usable in the child of fork(): objects that own threads or locks register a
// ForkAware, and pthread_atfork runs, around every fork() of the process (os.fork,
// multiprocessing's fork mode, gunicorn --preload, celery prefork):
//   before_fork()        in the forking thread, before the fork: take your locks, so no other
//                        thread holds them at the instant of the fork;
//   after_fork_parent()  in the parent: release them;
//   after_fork_child()   in the child, where only the forking thread exists: release (or rebuild)
//                        the locks and forget the threads that did not come along; restart them on
//                        next use.
// Hooks run in registration order before the fork and in reverse order after it, so a hook may
// take locks of objects registered before it.
#pragma once

namespace eryx::util {

class ForkAware {
 public:
  virtual void before_fork() = 0;
  virtual void after_fork_parent() = 0;
  virtual void after_fork_child() = 0;

 protected:
  ~ForkAware() = default;
};

// Registers / unregisters `object` (which must stay alive while registered). Thread-safe; must not
// be called from inside a hook.
void register_fork_aware(ForkAware* object);
void unregister_fork_aware(ForkAware* object);

// Increases in the child of every fork (0 in a process that never forked from one using eryx):
// lets objects notice lazily that their threads are gone.
unsigned fork_generation();

}  // namespace eryx::util
