// Adversarial guests at the host boundary: tiny hand-written modules (WAT) call the real host
// functions through the real engine with hostile pointers and lengths. The host must answer with
// an errno or a trap, never touch memory outside the guest, never crash.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/host_functions.h"
#include "eryx/errors.hpp"

namespace {

using eryx::engine::GuestInstance;

constexpr uint32_t kErrnoFault = 21;

class HostBoundary : public testing::Test {
 protected:
  HostBoundary() : engine_(eryx::engine::make_engine_config()), linker_(engine_) {
    eryx::engine::define_host_functions(linker_);
  }

  // Instantiates `wat` with a fresh WASI context and calls its export `run` () -> i32.
  wasmtime::TrapResult<int32_t> run(const std::string& wat,
                                    eryx::wasi::WasiContext** context = nullptr) {
    auto module = wasmtime::Module::compile(engine_, wat);
    EXPECT_TRUE(module) << module.err().message();
    instance_ = std::make_unique<GuestInstance>(
        engine_, linker_, module.ok(),
        std::make_unique<eryx::wasi::WasiContext>(eryx::wasi::WasiOptions{}),
        eryx::engine::InstanceLimits{});
    if (context) *context = instance_->state().wasi.get();
    return instance_->call_export_i32("run");
  }

  wasmtime::Engine engine_;
  wasmtime::Linker linker_;
  std::unique_ptr<GuestInstance> instance_;
};

const char* kFdWriteImport =
    R"((import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32))))";

TEST_F(HostBoundary, FdWriteWithIovecPastMemoryEndIsFault) {
  auto result = run(std::string("(module ") + kFdWriteImport + R"(
    (memory (export "memory") 1)
    (func (export "run") (result i32)
      (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 0)))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(static_cast<uint32_t>(result.ok()), kErrnoFault);
}

TEST_F(HostBoundary, FdWriteWithBufferLengthPastMemoryEndIsFault) {
  // iovec at 0: buf = 100, len = 0xFFFFFF00 (wraps a 32-bit sum).
  auto result = run(std::string("(module ") + kFdWriteImport + R"(
    (memory (export "memory") 1)
    (data (i32.const 0) "\64\00\00\00\00\ff\ff\ff")
    (func (export "run") (result i32)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(static_cast<uint32_t>(result.ok()), kErrnoFault);
}

TEST_F(HostBoundary, FdWriteInBoundsIsCaptured) {
  eryx::wasi::WasiContext* context = nullptr;
  auto result = run(std::string("(module ") + kFdWriteImport + R"(
    (memory (export "memory") 1)
    (data (i32.const 0) "\08\00\00\00\05\00\00\00hello")
    (func (export "run") (result i32)
      (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))",
                    &context);
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), 0);
  EXPECT_EQ(context->stdout_capture().data(), "hello");
}

TEST_F(HostBoundary, ReportExceptionWithOutOfBoundsStringTraps) {
  auto result = run(R"((module
    (import "eryx" "report_exception" (func $report (param i32 i32 i32 i32 i32 i32)))
    (memory (export "memory") 1)
    (func (export "run") (result i32)
      (call $report (i32.const 0) (i32.const 4) (i32.const 65000) (i32.const 4096)
                    (i32.const 0) (i32.const 0))
      (i32.const 0))))");
  EXPECT_FALSE(result);
}

TEST_F(HostBoundary, ProcExitIsRecordedAndEndsTheCallWithATrap) {
  eryx::wasi::WasiContext* context = nullptr;
  auto result = run(R"((module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "run") (result i32)
      (call $exit (i32.const 9))
      (i32.const 0))))",
                    &context);
  EXPECT_FALSE(result);
  ASSERT_TRUE(context->exit_code().has_value());
  EXPECT_EQ(*context->exit_code(), 9u);
}

TEST_F(HostBoundary, RandomGetIntoOutOfBoundsBufferIsFault) {
  auto result = run(R"((module
    (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (result i32)
      (call $random (i32.const 65000) (i32.const 1000)))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(static_cast<uint32_t>(result.ok()), kErrnoFault);
}

TEST_F(HostBoundary, InfiniteLoopIsStoppedByTheDeadline) {
  auto module = wasmtime::Module::compile(engine_, R"((module
    (memory (export "memory") 1)
    (func (export "run") (result i32) (loop $l (br $l)) (i32.const 0))))");
  ASSERT_TRUE(module);
  GuestInstance instance(engine_, linker_, module.ok(),
                         std::make_unique<eryx::wasi::WasiContext>(eryx::wasi::WasiOptions{}), {});
  instance.state().deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  // No ticker runs in this test: advance the epoch by hand, as the runtime's ticker would.
  std::atomic<bool> done{false};
  std::thread ticker([&] {
    for (int i = 0; i < 2000 && !done; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      engine_.increment_epoch();
    }
  });
  auto result = instance.call_export_i32("run");
  done = true;
  ticker.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(instance.state().stop_reason, eryx::engine::StopReason::kTimeout);
}

}  // namespace
