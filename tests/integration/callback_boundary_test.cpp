// Adversarial guests at the callback imports: hand-written modules (WAT) call eryx.callback_start,
// callback_wait and callback_take with hostile pointers, lengths and handles. The host must trap or
// return an error code, never read or write outside the guest's memory, never crash.
#include <gtest/gtest.h>

#include <string>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"
#include "engine/guest_instance.h"
#include "engine/guest_module.h"
#include "engine/host_functions.h"

namespace {

using eryx::engine::GuestInstance;

const char* kImports = R"(
  (import "eryx" "callback_start" (func $start (param i32 i32 i32 i32) (result i32)))
  (import "eryx" "callback_wait" (func $wait (param i64 i32) (result i32)))
  (import "eryx" "callback_take" (func $take (param i32 i32 i32) (result i32))))";

class CallbackBoundary : public testing::Test {
 protected:
  CallbackBoundary() : engine_(eryx::engine::make_engine_config()), linker_(engine_) {
    eryx::engine::define_host_functions(linker_);
    eryx::CallbackRegistry registry;
    registry.add(eryx::make_callback("echo", "", {"x"}, [](int x) { return x; }));
    broker_ = std::make_unique<eryx::callbacks::Broker>(registry.shared_data(),
                                                        eryx::callbacks::CallLimits{});
  }

  // Instantiates a module made of kImports and `body`, attaches the broker (unless `attach` is
  // false) and calls its export `run` () -> i32.
  wasmtime::TrapResult<int32_t> run(const std::string& body, bool attach = true) {
    auto module =
        wasmtime::Module::compile(engine_, std::string("(module ") + kImports + body + ")");
    EXPECT_TRUE(module) << module.err().message();
    instance_ = std::make_unique<GuestInstance>(
        engine_, linker_, module.ok(),
        std::make_unique<eryx::wasi::WasiContext>(eryx::wasi::WasiOptions{}),
        eryx::engine::InstanceLimits{});
    if (attach) instance_->state().callbacks = broker_.get();
    return instance_->call_export_i32("run");
  }

  std::string memory(uint32_t offset, uint32_t length) {
    auto bytes = instance_->memory_copy();
    return std::string(reinterpret_cast<const char*>(bytes.data()) + offset, length);
  }

  wasmtime::Engine engine_;
  wasmtime::Linker linker_;
  std::unique_ptr<eryx::callbacks::Broker> broker_;
  std::unique_ptr<GuestInstance> instance_;
};

// A module whose data holds the name "echo" at 0 and the arguments {"x":42} at 16.
const char* kEchoData = R"(
  (memory (export "memory") 1)
  (data (i32.const 0) "echo")
  (data (i32.const 16) "{\"x\":42}"))";

TEST_F(CallbackBoundary, RoundTripWritesTheResultIntoGuestMemory) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (local $handle i32)
      (local.set $handle (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8)))
      (drop (call $wait (i64.const 5000) (i32.const 64)))
      (call $take (local.get $handle) (i32.const 128) (i32.const 16))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), 2);  // the payload "42"
  EXPECT_EQ(memory(128, 2), "42");
}

TEST_F(CallbackBoundary, StartWithNamePastMemoryEndTraps) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (call $start (i32.const 65534) (i32.const 4) (i32.const 16) (i32.const 8))))");
  EXPECT_FALSE(result);
}

TEST_F(CallbackBoundary, StartWithWrappingArgumentsLengthTraps) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const -8))))");
  EXPECT_FALSE(result);
}

TEST_F(CallbackBoundary, StartOutsideAnExecutionReturnsZero) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8))))",
                    /*attach=*/false);
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), 0);
}

TEST_F(CallbackBoundary, WaitWithResultPointerPastMemoryEndTraps) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (drop (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8)))
      (call $wait (i64.const 5000) (i32.const 65530))))");
  EXPECT_FALSE(result);
}

TEST_F(CallbackBoundary, WaitWithNothingInFlightReturnsIdle) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32) (call $wait (i64.const -1) (i32.const 64))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), 2);
}

TEST_F(CallbackBoundary, TakeIntoBufferPastMemoryEndTraps) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (local $handle i32)
      (local.set $handle (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8)))
      (drop (call $wait (i64.const 5000) (i32.const 64)))
      (call $take (local.get $handle) (i32.const 65535) (i32.const 16))))");
  EXPECT_FALSE(result);
}

TEST_F(CallbackBoundary, TakeIntoTooSmallBufferKeepsTheCompletion) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (local $handle i32)
      (local.set $handle (call $start (i32.const 0) (i32.const 4) (i32.const 16) (i32.const 8)))
      (drop (call $wait (i64.const 5000) (i32.const 64)))
      (if (i32.ne (call $take (local.get $handle) (i32.const 128) (i32.const 1)) (i32.const -2))
        (then (return (i32.const -100))))
      (call $take (local.get $handle) (i32.const 128) (i32.const 16))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), 2);
  EXPECT_EQ(memory(128, 2), "42");
}

TEST_F(CallbackBoundary, TakeOfAnUnknownHandleIsRefused) {
  auto result = run(std::string(kEchoData) + R"(
    (func (export "run") (result i32)
      (call $take (i32.const 77) (i32.const 128) (i32.const 16))))");
  ASSERT_TRUE(result) << result.err().message();
  EXPECT_EQ(result.ok(), -1);
}

}  // namespace
