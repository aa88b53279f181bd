// The instance pool (docs/instance-allocation.md): a slot that served one sandbox holds none of its
// memory when the next one gets it, and instances past the pool still work.
//
// Slot hygiene is checked from the host: the guest cannot read raw memory from Python, so these
// tests create instances through the engine (as Sandbox and Session do) and search their whole
// linear memory for a random secret that an earlier instance wrote. Most use a pool of ONE slot, so
// the reader provably occupies the very slot the writer used (it did not overflow to the on-demand
// engine). The engine-level tests first find the secret in the writer's own memory (and
// WriterCodePutsTheSecretInGuestMemory shows the writer code used through the API does put it
// there), so a slot handed on without its reset would make them fail.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "engine/engine_variant.h"
#include "engine/execution.h"
#include "engine/factory_builder.h"
#include "engine/guest_module.h"
#include "engine/runtime_core.h"
#include "eryx/eryx.hpp"

namespace {

namespace engine = eryx::engine;
using namespace std::chrono_literals;

const std::filesystem::path kGuestDir = ERYX_TEST_GUEST_DIR;

// 64 random hex digits, new for each test: neither the guest image nor the test code can hold it.
std::string random_secret() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string secret;
  for (int i = 0; i < 64; ++i) secret += "0123456789abcdef"[digit(device)];
  return secret;
}

// Puts the secret in guest memory three ways: a heap object alive until the end of the execution,
// a global of __main__, and a file in the sandbox's /tmp (whose bytes pass through the guest's
// buffers on their way to the host-side filesystem).
std::string writer_code(const std::string& secret) {
  return "kept = bytearray(b'" + secret + "') * 1024\n" +  //
         "secret_global = ('" + secret + "' + '|') * 64\n" +
         "with open('/tmp/secret.txt', 'w') as f:\n"
         "    f.write(secret_global)\n"
         "result = len(kept)\n";
}

// Python that reports whether this interpreter can see what a writer left at the Python level.
constexpr const char* kProbeCode =
    "import os\nprint('secret_global' in globals(), 'kept' in globals(), "
    "os.path.exists('/tmp/secret.txt'))";
constexpr const char* kNothingVisible = "False False False\n";

bool memory_holds(engine::GuestInstance& instance, const std::string& secret) {
  auto memory = instance.memory_copy();
  std::string_view bytes(reinterpret_cast<const char*>(memory.data()), memory.size());
  return bytes.find(secret) != std::string_view::npos;
}

eryx::ExecuteResult run(const engine::EngineVariant& variant, engine::GuestInstance& instance,
                        std::string_view code, eryx::SandboxOptions options = {}) {
  return engine::run_execution(instance, code, options,
                               {.ticker = variant.ticker(), .metered = variant.metered()});
}

// Sets ERYX_INSTANCE_POOL_SLOTS for the runtimes created in its scope.
class ScopedPoolSlots {
 public:
  explicit ScopedPoolSlots(const char* value) {
    if (const char* old = std::getenv(kName)) previous_ = old;
    ::setenv(kName, value, 1);
  }
  ~ScopedPoolSlots() {
    if (previous_) {
      ::setenv(kName, previous_->c_str(), 1);
    } else {
      ::unsetenv(kName);
    }
  }
  ScopedPoolSlots(const ScopedPoolSlots&) = delete;
  ScopedPoolSlots& operator=(const ScopedPoolSlots&) = delete;

 private:
  static constexpr const char* kName = "ERYX_INSTANCE_POOL_SLOTS";
  std::optional<std::string> previous_;
};

// Engine-level tests: an engine variant with a pool of a chosen size.
class SlotHygiene : public ::testing::Test {
 protected:
  std::unique_ptr<engine::EngineVariant> variant_with_slots(uint32_t slots) {
    auto variant = std::make_unique<engine::EngineVariant>(files_, /*metered=*/false, slots);
    EXPECT_EQ(variant->pool_slots(), slots);
    return variant;
  }

  // Runs the writer in a fresh instance, checks the secret really is in that instance's memory,
  // then ends the instance, which hands its slot back to the pool.
  void write_secret(const engine::EngineVariant& variant) {
    auto writer = variant.fresh_instance({});
    run(variant, *writer, writer_code(secret_));
    ASSERT_TRUE(memory_holds(*writer, secret_)) << "the writer's memory must hold the secret";
  }

  // A fresh instance that provably took the pool's (only) slot: nothing overflowed.
  std::unique_ptr<engine::GuestInstance> reader_in_pool(
      const engine::EngineVariant& variant, const eryx::snapshot::FactoryImage* factory = {}) {
    auto before = variant.overflow_instances();
    auto reader = variant.fresh_instance({}, factory);
    EXPECT_EQ(variant.overflow_instances(), before) << "the reader must be in a pool slot";
    return reader;
  }

  engine::GuestFiles files_ = engine::load_guest_files(kGuestDir);
  std::string secret_ = random_secret();
};

TEST_F(SlotHygiene, WriterCodePutsTheSecretInGuestMemory) {
  auto variant = variant_with_slots(1);
  auto writer = variant->fresh_instance({});
  EXPECT_FALSE(memory_holds(*writer, secret_));
  run(*variant, *writer, writer_code(secret_));
  EXPECT_TRUE(memory_holds(*writer, secret_));
}

TEST_F(SlotHygiene, SandboxesInTheReusedSlotNeverSeeTheSecret) {
  auto variant = variant_with_slots(1);
  ASSERT_NO_FATAL_FAILURE(write_secret(*variant));
  for (int i = 0; i < 8; ++i) {
    auto reader = reader_in_pool(*variant);
    EXPECT_FALSE(memory_holds(*reader, secret_)) << "fresh reader " << i;
    EXPECT_EQ(run(*variant, *reader, kProbeCode).stdout_text, kNothingVisible);
    EXPECT_FALSE(memory_holds(*reader, secret_)) << "reader " << i << " after executing";
  }
}

TEST_F(SlotHygiene, SessionInTheReusedSlotNeverSeesTheSecret) {
  auto variant = variant_with_slots(1);
  ASSERT_NO_FATAL_FAILURE(write_secret(*variant));
  auto session = reader_in_pool(*variant);
  // Executions that allocate and free plenty, reaching the heap pages the writer used.
  for (const char* code : {"import json", "data = [str(i) * 10 for i in range(50000)]",
                           "text = json.dumps(data)", "del data, text", kProbeCode}) {
    run(*variant, *session, code);
    EXPECT_FALSE(memory_holds(*session, secret_)) << "after: " << code;
  }
}

TEST_F(SlotHygiene, FactorySandboxesInTheReusedSlotNeverSeeTheSecret) {
  auto variant = variant_with_slots(1);
  engine::FactorySpec spec;
  spec.imports = {"json"};
  auto factory = engine::build_factory_image(*variant, spec);
  ASSERT_NO_FATAL_FAILURE(write_secret(*variant));
  for (int i = 0; i < 4; ++i) {
    auto reader = reader_in_pool(*variant, &factory);
    EXPECT_FALSE(memory_holds(*reader, secret_)) << "fresh factory sandbox " << i;
    EXPECT_EQ(run(*variant, *reader, "import json\nprint(json.dumps([1]))").stdout_text, "[1]\n");
    EXPECT_FALSE(memory_holds(*reader, secret_)) << "factory sandbox " << i << " after executing";
  }
}

TEST_F(SlotHygiene, ConcurrentSandboxesInReusedSlotsNeverSeeTheSecret) {
  auto variant = variant_with_slots(2);
  {
    // Two writers alive at once, so both slots held the secret.
    auto first = variant->fresh_instance({});
    auto second = variant->fresh_instance({});
    run(*variant, *first, writer_code(secret_));
    run(*variant, *second, writer_code(secret_));
    ASSERT_TRUE(memory_holds(*first, secret_));
    ASSERT_TRUE(memory_holds(*second, secret_));
  }
  std::atomic<int> leaks = 0;
  std::atomic<int> wrong_output = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto reader = variant->fresh_instance({});
        if (memory_holds(*reader, secret_)) ++leaks;
        if (run(*variant, *reader, kProbeCode).stdout_text != kNothingVisible) ++wrong_output;
        if (memory_holds(*reader, secret_)) ++leaks;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(leaks, 0);
  EXPECT_EQ(wrong_output, 0);
  EXPECT_EQ(variant->overflow_instances(), 0u) << "two threads fit two slots";
}

TEST_F(SlotHygiene, SlotIsWipedAfterATimedOutExecution) {
  auto variant = variant_with_slots(1);
  {
    auto writer = variant->fresh_instance({});
    eryx::SandboxOptions options;
    options.limits.execution_timeout_ms = 200;
    EXPECT_THROW(run(*variant, *writer, writer_code(secret_) + "while True:\n    pass\n", options),
                 eryx::TimeoutError);
    ASSERT_TRUE(memory_holds(*writer, secret_));
  }
  auto reader = reader_in_pool(*variant);
  EXPECT_FALSE(memory_holds(*reader, secret_));
  EXPECT_EQ(run(*variant, *reader, kProbeCode).stdout_text, kNothingVisible);
}

// Pages of the slot holding the secret, counted in 4 KiB units.
size_t pages_holding(engine::GuestInstance& instance, const std::string& secret) {
  auto memory = instance.memory_copy();
  std::string_view bytes(reinterpret_cast<const char*>(memory.data()), memory.size());
  size_t pages = 0;
  for (size_t at = bytes.find(secret), last_page = SIZE_MAX; at != std::string_view::npos;
       at = bytes.find(secret, at + 1)) {
    if (at / 4096 != last_page) ++pages;
    last_page = at / 4096;
  }
  return pages;
}

// With PAGEMAP_SCAN, Wasmtime restores written pages in place for at most 32 separate runs of them
// and drops the rest with madvise: a writer that scatters the secret over many separate pages
// exercises both paths of the reset.
TEST_F(SlotHygiene, SlotIsWipedAfterTheWriterScatteredTheSecret) {
  auto variant = variant_with_slots(1);
  {
    auto writer = variant->fresh_instance({});
    run(*variant, *writer,
        "kept = [('" + secret_ +
            "' * (1 + n % 9)) + '.' * n for n in range(1, 6000, 7)]\n"
            "del kept[::2]\n"
            "more = [bytearray(b'" +
            secret_ + "') * (1 + n % 5) for n in range(300)]\n");
    ASSERT_GT(pages_holding(*writer, secret_), 64u) << "the secret must be spread over many pages";
  }
  for (int i = 0; i < 3; ++i) {
    auto reader = reader_in_pool(*variant);
    EXPECT_EQ(pages_holding(*reader, secret_), 0u) << "fresh reader " << i;
    EXPECT_EQ(
        run(*variant, *reader, "x = [str(n) * 50 for n in range(2000)]\nprint(len(x))").stdout_text,
        "2000\n");
    EXPECT_EQ(pages_holding(*reader, secret_), 0u) << "reader " << i << " after executing";
  }
}

TEST_F(SlotHygiene, SlotIsWipedAfterTheMemoryGrew) {
  auto variant = variant_with_slots(1);
  eryx::SandboxOptions unlimited;
  unlimited.limits = eryx::ResourceLimits::unlimited();
  uint64_t grown_to = 0;
  {
    auto writer = variant->fresh_instance({});
    run(*variant, *writer, "big = bytearray(b'" + secret_ + "') * (1024 * 1024)", unlimited);
    grown_to = writer->memory_size();
    ASSERT_GT(grown_to, variant->baseline_memory_bytes() + 32 * 1024 * 1024);
    ASSERT_TRUE(memory_holds(*writer, secret_));
  }
  auto reader = reader_in_pool(*variant);
  EXPECT_EQ(reader->memory_size(), variant->baseline_memory_bytes());
  // The guest's calloc trusts freshly grown memory to be zero: the reader grows over the same
  // addresses and the host checks the new pages hold nothing of the writer.
  run(*variant, *reader, "pad = bytearray(96 * 1024 * 1024)\nassert not any(pad)", unlimited);
  EXPECT_GE(reader->memory_size(), grown_to);
  EXPECT_FALSE(memory_holds(*reader, secret_));
}

// Through the public API: the writer is a Sandbox, Session or factory sandbox of a runtime whose
// pool has one slot; the reader is an engine instance of the same runtime, so it gets that slot.
class SlotHygieneThroughTheApi : public ::testing::Test {
 protected:
  // The reader: in the pool, memory free of the secret, and no trace at the Python level either.
  void expect_next_instance_clean() {
    const auto& variant = runtime_->core().variant_for({});
    auto before = variant.overflow_instances();
    auto reader = variant.fresh_instance({});
    EXPECT_EQ(variant.overflow_instances(), before) << "the reader must be in the pool's slot";
    EXPECT_FALSE(memory_holds(*reader, secret_));
    EXPECT_EQ(run(variant, *reader, kProbeCode).stdout_text, kNothingVisible);
    EXPECT_FALSE(memory_holds(*reader, secret_));
  }

  ScopedPoolSlots one_slot_{"1"};
  std::shared_ptr<eryx::Runtime> runtime_ = eryx::Runtime::create({.guest_dir = kGuestDir});
  std::string secret_ = random_secret();
};

TEST_F(SlotHygieneThroughTheApi, SandboxSecretsDoNotReachTheNextInstance) {
  ASSERT_EQ(runtime_->core().variant_for({}).pool_slots(), 1u);
  eryx::Sandbox sandbox({}, runtime_);
  EXPECT_EQ(sandbox.execute(writer_code(secret_)).result_json, "65536");
  expect_next_instance_clean();
  EXPECT_EQ(sandbox.execute(kProbeCode).stdout_text, kNothingVisible);
}

TEST_F(SlotHygieneThroughTheApi, DestroyedSessionLeavesNothingInItsSlot) {
  {
    eryx::Session session({}, runtime_);
    session.execute(writer_code(secret_));
    EXPECT_EQ(session.execute("print(secret_global[:64])").stdout_text, secret_ + "\n");
  }
  expect_next_instance_clean();
  EXPECT_EQ(eryx::Session({}, runtime_).execute(kProbeCode).stdout_text, kNothingVisible);
}

TEST_F(SlotHygieneThroughTheApi, FactorySandboxSecretsDoNotReachTheNextInstance) {
  eryx::SandboxFactory factory({.imports = {"json"}}, runtime_);
  factory.create_sandbox().execute(writer_code(secret_));
  expect_next_instance_clean();
  EXPECT_EQ(factory.create_sandbox().execute(kProbeCode).stdout_text, kNothingVisible);
}

TEST_F(SlotHygieneThroughTheApi, ConcurrentWritersAndReadersNeverSeeEachOther) {
  // Two threads alternate writing and probing on a one-slot pool, so instances also overflow to
  // the on-demand engine: neither kind of instance shows another's state.
  std::atomic<int> visible = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      eryx::Sandbox sandbox({}, runtime_);
      for (int i = 0; i < 10; ++i) {
        sandbox.execute(writer_code(random_secret()));
        if (sandbox.execute(kProbeCode).stdout_text != kNothingVisible) ++visible;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(visible, 0);
  expect_next_instance_clean();
}

TEST(InstancePool, RuntimesPoolTheirInstancesByDefault) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  EXPECT_EQ(runtime->core().variant_for({}).pool_slots(),
            engine::affordable_pool_slots(engine::kDefaultPoolSlots));
  eryx::ResourceLimits metered;
  metered.max_fuel = 1'000'000'000;
  EXPECT_EQ(runtime->core().variant_for(metered).pool_slots(),
            runtime->core().variant_for({}).pool_slots());
}

TEST(InstancePool, AddressSpaceLimitShrinksThePool) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_AS, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < (rlim_t{64} << 30)) {
    GTEST_SKIP() << "the hard address-space limit is below the 64 GiB this test sets";
  }
  auto with_limit = [&](rlim_t bytes) {
    rlimit lowered = saved;
    lowered.rlim_cur = bytes;
    EXPECT_EQ(::setrlimit(RLIMIT_AS, &lowered), 0);
    uint32_t slots = engine::affordable_pool_slots(engine::kDefaultPoolSlots);
    EXPECT_EQ(::setrlimit(RLIMIT_AS, &saved), 0);
    return slots;
  };
  // Half of the limit, in slots of 4 GiB + 32 MiB.
  EXPECT_EQ(with_limit(rlim_t{64} << 30), 7u);
  EXPECT_EQ(with_limit(rlim_t{4} << 30), 0u);
  EXPECT_EQ(engine::affordable_pool_slots(engine::kMaxPoolSlots + 1), engine::kMaxPoolSlots);
}

TEST(InstancePool, InstancesPastThePoolRunOnTheOnDemandEngine) {
  engine::EngineVariant variant(engine::load_guest_files(kGuestDir), /*metered=*/false, 2);
  std::vector<std::unique_ptr<engine::GuestInstance>> live;
  for (int i = 0; i < 5; ++i) live.push_back(variant.fresh_instance({}));
  EXPECT_EQ(variant.overflow_instances(), 3u);
  for (int i = 0; i < 5; ++i) {
    auto result = run(variant, *live[i], "result = " + std::to_string(i) + " * 2");
    EXPECT_EQ(result.result_json, std::to_string(i * 2));
  }
}

TEST(InstancePool, FreedSlotIsUsedAgainAfterAnOverflow) {
  engine::EngineVariant variant(engine::load_guest_files(kGuestDir), /*metered=*/false, 1);
  auto in_pool = variant.fresh_instance({});
  auto overflowed = variant.fresh_instance({});
  EXPECT_EQ(variant.overflow_instances(), 1u);
  in_pool.reset();
  auto again = variant.fresh_instance({});
  EXPECT_EQ(variant.overflow_instances(), 1u);
}

TEST(InstancePool, TimeoutsInterruptInstancesPastThePool) {
  engine::EngineVariant variant(engine::load_guest_files(kGuestDir), /*metered=*/false, 1);
  auto in_pool = variant.fresh_instance({});
  auto overflowed = variant.fresh_instance({});
  ASSERT_EQ(variant.overflow_instances(), 1u);
  eryx::SandboxOptions options;
  options.limits.execution_timeout_ms = 200;
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(run(variant, *overflowed, "while True:\n    pass", options), eryx::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(InstancePool, MoreLiveSessionsThanSlotsAllKeepTheirState) {
  ScopedPoolSlots two("2");
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  std::vector<eryx::Session> sessions;
  for (int i = 0; i < 6; ++i) {
    sessions.emplace_back(eryx::SandboxOptions{}, runtime);
    sessions.back().execute("x = " + std::to_string(i));
  }
  EXPECT_EQ(runtime->core().variant_for({}).overflow_instances(), 4u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(sessions[i].execute("x += 100\nprint(x)").stdout_text,
              std::to_string(i + 100) + "\n");
  }
  sessions.clear();
  EXPECT_EQ(eryx::Sandbox({}, runtime).execute("print('after')").stdout_text, "after\n");
}

TEST(InstancePool, PoolSizeComesFromTheEnvironment) {
  ScopedPoolSlots three("3");
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  EXPECT_EQ(runtime->core().variant_for({}).pool_slots(), 3u);
}

TEST(InstancePool, ZeroSlotsAllocatesEveryInstanceOnDemand) {
  ScopedPoolSlots none("0");
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  EXPECT_EQ(runtime->core().variant_for({}).pool_slots(), 0u);
  // The .cwasm files were compiled with the pooled configuration and still load.
  EXPECT_TRUE(runtime->core().variant_for({}).from_snapshot());
  EXPECT_EQ(eryx::Sandbox({}, runtime).execute("print(6 * 7)").stdout_text, "42\n");
  EXPECT_EQ(runtime->core().variant_for({}).overflow_instances(), 0u);
}

TEST(InstancePool, InvalidPoolSizeInTheEnvironmentIsAnInitializationError) {
  for (const char* value : {"many", "-1", "12abc", "4097"}) {
    ScopedPoolSlots invalid(value);
    EXPECT_THROW(eryx::Runtime::create({.guest_dir = kGuestDir}), eryx::InitializationError)
        << value;
  }
}

TEST(SandboxFactoryConcurrency, SandboxesCreatedFromSeveralThreadsAllGetTheirOwnResults) {
  auto runtime = eryx::Runtime::create({.guest_dir = kGuestDir});
  eryx::SandboxFactory factory({.imports = {"json"}}, runtime);
  std::atomic<int> wrong = 0;
  std::atomic<int> failed = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        try {
          auto pair = "[" + std::to_string(t) + ", " + std::to_string(i) + "]";
          auto result = factory.create_sandbox().execute(
              "import json, sys\nresult = json.loads('" + pair + "')\n" +
              "print('json' in sys.modules, 'result_seen' in globals())\nresult_seen = 1");
          if (result.result_json != pair || result.stdout_text != "True False\n") ++wrong;
        } catch (const eryx::Error&) {
          ++failed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(failed, 0);
}

}  // namespace
