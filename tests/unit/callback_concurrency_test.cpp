// The callbacks' concurrent parts under load: the thread pool, and brokers whose completions race
// with their timeouts, with replies from other threads and with the broker's own destruction. These
// tests are written for ThreadSanitizer (make test-tsan) as much as for their assertions.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"
#include "callbacks/thread_pool.h"

namespace {

using eryx::Callback;
using eryx::CallbackRegistry;
using eryx::Json;
using eryx::callbacks::Broker;
using eryx::callbacks::CallLimits;
using eryx::callbacks::CallStatus;
using eryx::callbacks::ThreadPool;
using namespace std::chrono_literals;

TEST(ThreadPoolConcurrency, EveryTaskSubmittedFromManyThreadsRunsOnce) {
  constexpr int kThreads = 8, kTasksEach = 200;
  std::vector<std::atomic<int>> runs(kThreads * kTasksEach);
  {
    ThreadPool pool(6, 2);
    std::vector<std::thread> submitters;
    for (int t = 0; t < kThreads; ++t) {
      submitters.emplace_back([&, t] {
        for (int i = 0; i < kTasksEach; ++i)
          pool.submit([&, n = t * kTasksEach + i] { ++runs[n]; });
      });
    }
    for (auto& thread : submitters) thread.join();
  }  // the destructor finishes the queued tasks
  for (const auto& count : runs) EXPECT_EQ(count.load(), 1);
}

// One callback of each kind: sync on the pool, async answered from a thread of its own (sometimes
// after the call's timeout), async never answered.
CallbackRegistry racing_registry() {
  CallbackRegistry registry;
  Callback sync;
  sync.name = "sync";
  sync.handler = [](const Json& args) { return args; };
  registry.add(sync);
  Callback async;
  async.name = "async";
  async.async_handler = [](const Json& args, eryx::CallbackReply reply) {
    std::thread([args, reply] {
      std::this_thread::sleep_for(std::chrono::milliseconds(args.value("delay_ms", 0)));
      reply.succeed(args);
    }).detach();
  };
  registry.add(async);
  Callback dropped;
  dropped.name = "dropped";
  dropped.async_handler = [](const Json&, eryx::CallbackReply reply) {
    std::thread([reply] {}).detach();  // the last copy of the reply dies on another thread
  };
  registry.add(dropped);
  return registry;
}

TEST(BrokerConcurrency, CallsRacingTheirTimeoutsCompleteExactlyOnce) {
  auto registry = racing_registry();
  CallLimits limits;
  limits.timeout_ms = 5;
  std::vector<std::thread> executions;
  for (int e = 0; e < 6; ++e) {
    executions.emplace_back([&, e] {
      Broker broker(registry.shared_data(), limits);
      std::set<uint32_t> handles;
      for (int i = 0; i < 30; ++i) {
        const char* name = i % 3 == 0 ? "sync" : i % 3 == 1 ? "async" : "dropped";
        handles.insert(broker.start(name, R"({"delay_ms": )" + std::to_string((i + e) % 10) + "}"));
      }
      while (true) {
        Broker::Ready ready;
        auto result =
            broker.wait(std::chrono::steady_clock::now() + 5s, [] { return false; }, &ready);
        if (result == Broker::WaitResult::kIdle) break;
        ASSERT_EQ(result, Broker::WaitResult::kReady);
        auto completion = broker.take(ready.handle);
        ASSERT_TRUE(completion.has_value());
        EXPECT_TRUE(completion->status == CallStatus::kOk ||
                    completion->status == CallStatus::kTimeout ||
                    completion->status == CallStatus::kError);
        EXPECT_EQ(handles.erase(ready.handle), 1u);
      }
      EXPECT_TRUE(handles.empty());
    });
  }
  for (auto& thread : executions) thread.join();
  std::this_thread::sleep_for(20ms);  // late replies complete into closed tables
}

TEST(BrokerConcurrency, BrokersDestroyedWhileRepliesArriveAreHarmless) {
  auto registry = racing_registry();
  std::vector<std::thread> executions;
  for (int e = 0; e < 6; ++e) {
    executions.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        Broker broker(registry.shared_data(), {});
        broker.start("async", R"({"delay_ms": 0})");
        broker.start("sync", "{}");
        broker.start("dropped", "{}");
      }  // destroyed with calls in flight
    });
  }
  for (auto& thread : executions) thread.join();
  std::this_thread::sleep_for(20ms);
  SUCCEED();
}

}  // namespace
