// The pre-initialised guest (snapshot module) and the fallback without it behave the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "engine/execution.h"
#include "engine/runtime_core.h"
#include "eryx/eryx.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kGuestDir = ERYX_TEST_GUEST_DIR;

// A guest directory with everything but the snapshot files.
fs::path guest_without_snapshot() {
  auto dir = fs::temp_directory_path() / ("eryx-no-snapshot-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(kGuestDir)) {
    auto name = entry.path().filename().string();
    if (entry.is_regular_file() && name.find("snapshot") == std::string::npos) {
      fs::copy_file(entry.path(), dir / name, fs::copy_options::overwrite_existing);
    }
  }
  return dir;
}

// Code whose output covers interpreter state: modules, builtins, files, recursion, exceptions.
constexpr const char* kCorpus = R"(
import sys, json, re, os
print(sys.version_info[:2], sys.platform, len(sys.path))
print(json.dumps({'k': [1, 2]}), re.sub(r'a+', '-', 'caaat'))
open('/tmp/f', 'w').write('data'); print(open('/tmp/f').read(), sorted(os.listdir('/')))
try:
    {}['missing']
except KeyError as e:
    print('KeyError', e)
def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(15))
result = {'ok': True}
)";

TEST(Snapshot, DefaultRuntimeStartsFromTheSnapshot) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  EXPECT_TRUE(runtime->core().variant_for({}).from_snapshot());
}

TEST(Snapshot, SnapshotAndFallbackProduceTheSameOutput) {
  auto with_snapshot = eryx::Runtime::create({.guest_dir = kGuestDir});
  auto dir = guest_without_snapshot();
  auto without = eryx::Runtime::create({.guest_dir = dir, .require_snapshot = false});
  ASSERT_FALSE(without->core().variant_for({}).from_snapshot());
  auto a = eryx::Sandbox({}, with_snapshot).execute(kCorpus);
  auto b = eryx::Sandbox({}, without).execute(kCorpus);
  EXPECT_EQ(a.stdout_text, b.stdout_text);
  EXPECT_EQ(a.result_json, b.result_json);
  fs::remove_all(dir);
}

TEST(Snapshot, MemoryOfAFinishedSandboxNeverReachesTheNextOne) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  const auto& variant = runtime->core().variant_for({});
  const std::string secret = "eryx-secret-7f3a9c";
  {
    auto first = variant.fresh_instance({});
    eryx::engine::run_execution(*first, "s = ('eryx-secret-' + '7f3a9c') * 10000", {},
                                {.ticker = variant.ticker(), .metered = false});
    auto memory = first->memory_copy();
    ASSERT_NE(std::search(memory.begin(), memory.end(), secret.begin(), secret.end()),
              memory.end());  // the secret really is in the first sandbox's memory
  }
  auto second = variant.fresh_instance({});
  auto memory = second->memory_copy();
  EXPECT_EQ(std::search(memory.begin(), memory.end(), secret.begin(), secret.end()), memory.end());
}

TEST(Snapshot, MeteredVariantAlsoStartsFromTheSnapshot) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  eryx::ResourceLimits limits;
  limits.max_fuel = 1'000'000'000;
  EXPECT_TRUE(runtime->core().variant_for(limits).from_snapshot());
}

}  // namespace
