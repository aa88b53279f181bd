#include "util/fork_hooks.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

namespace eryx::util {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<ForkAware*> objects;  // guarded by mutex
};

// Never destroyed: a fork may happen while static destructors run on another thread.
Registry& registry() {
  static Registry* instance = new Registry;
  return *instance;
}

std::atomic<unsigned> generation{0};

void prepare() {
  auto& r = registry();
  r.mutex.lock();  // held across the fork; released in parent() / child()
  for (auto* object : r.objects) object->before_fork();
}

void parent() {
  auto& r = registry();
  for (auto it = r.objects.rbegin(); it != r.objects.rend(); ++it) (*it)->after_fork_parent();
  r.mutex.unlock();
}

void child() {
  auto& r = registry();
  generation.fetch_add(1, std::memory_order_relaxed);
  for (auto it = r.objects.rbegin(); it != r.objects.rend(); ++it) (*it)->after_fork_child();
  // Locked by this very thread before the fork, so unlocking it here is well defined.
  r.mutex.unlock();
}

void install_once() {
  static std::once_flag once;
  std::call_once(once, [] { pthread_atfork(prepare, parent, child); });
}

}  // namespace

void register_fork_aware(ForkAware* object) {
  install_once();
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.objects.push_back(object);
}

void unregister_fork_aware(ForkAware* object) {
  auto& r = registry();
  std::lock_guard lock(r.mutex);
  r.objects.erase(std::remove(r.objects.begin(), r.objects.end(), object), r.objects.end());
}

unsigned fork_generation() { return generation.load(std::memory_order_relaxed); }

}  // namespace eryx::util
