// Interrupts: CancellationToken::interrupt() raises KeyboardInterrupt in the running code, a
// Session keeps its state, and code that swallows it is stopped hard after the grace period.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "eryx/callbacks.hpp"
#include "eryx/eryx.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Interrupts `token` once the execution has printed "started" (so the interrupt lands in the loop).
eryx::SandboxOptions interrupt_when_started(const eryx::CancellationToken& token,
                                            std::chrono::milliseconds grace = 2000ms) {
  eryx::SandboxOptions options;
  options.on_stdout = [token, grace](std::string_view text) {
    if (text.find("started") != std::string_view::npos) {
      std::thread([token, grace] {
        std::this_thread::sleep_for(20ms);
        token.interrupt(grace);
      }).detach();
    }
  };
  return options;
}

std::string type_of_failure(const std::function<void()>& run) {
  try {
    run();
  } catch (const eryx::ExecutionError& e) {
    return e.type_name();
  } catch (const eryx::CancelledError&) {
    return "CancelledError";
  } catch (const eryx::TimeoutError&) {
    return "TimeoutError";
  }
  return "none";
}

TEST(Interrupt, RaisesKeyboardInterruptInABusyLoop) {
  eryx::CancellationToken token;
  eryx::Sandbox sandbox(interrupt_when_started(token));
  auto start = Clock::now();
  EXPECT_EQ(type_of_failure(
                [&] { sandbox.execute("print('started', flush=True)\nwhile True: pass", token); }),
            "KeyboardInterrupt");
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST(Interrupt, EndsASleepAtOnce) {
  eryx::CancellationToken token;
  eryx::Sandbox sandbox(interrupt_when_started(token));
  auto start = Clock::now();
  EXPECT_EQ(type_of_failure([&] {
              sandbox.execute("import time\nprint('started', flush=True)\ntime.sleep(20)", token);
            }),
            "KeyboardInterrupt");
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST(Interrupt, SessionKeepsItsVariables) {
  eryx::CancellationToken token;
  eryx::Session session(interrupt_when_started(token));
  session.execute("x = 41");
  EXPECT_EQ(type_of_failure([&] {
              session.execute("print('started', flush=True)\nwhile True: x = 41", token);
            }),
            "KeyboardInterrupt");
  EXPECT_EQ(session.execute("print(x + 1)").stdout_text, "42\n");
}

TEST(Interrupt, CodeCanCatchItAndFinish) {
  eryx::CancellationToken token;
  eryx::Sandbox sandbox(interrupt_when_started(token));
  auto result = sandbox.execute(
      "print('started', flush=True)\ntry:\n    while True: pass\nexcept KeyboardInterrupt:\n"
      "    print('caught')\n",
      token);
  EXPECT_EQ(result.stdout_text, "started\ncaught\n");
}

TEST(Interrupt, SwallowedInterruptEscalatesToAHardStopAfterTheGrace) {
  eryx::CancellationToken token;
  eryx::Session session(interrupt_when_started(token, 300ms));
  session.execute("x = 1");
  auto start = Clock::now();
  EXPECT_EQ(type_of_failure([&] {
              session.execute(
                  "print('started', flush=True)\nwhile True:\n    try:\n        while True: pass\n"
                  "    except KeyboardInterrupt:\n        pass\n",
                  token);
            }),
            "CancelledError");
  EXPECT_LT(Clock::now() - start, 2000ms);
  // A hard stop costs the interpreter: the session starts over.
  EXPECT_EQ(type_of_failure([&] { session.execute("x"); }), "NameError");
}

TEST(Interrupt, EndsAnAwaitedCallback) {
  eryx::CancellationToken token;
  auto options = interrupt_when_started(token);
  eryx::Callback slow;
  slow.name = "slow";
  slow.description = "sleeps";
  slow.handler = [](const eryx::Json&) {
    std::this_thread::sleep_for(3s);
    return eryx::Json(1);
  };
  options.callbacks.add(slow);
  eryx::Sandbox sandbox(options);
  auto start = Clock::now();
  EXPECT_EQ(type_of_failure(
                [&] { sandbox.execute("print('started', flush=True)\nawait slow()", token); }),
            "KeyboardInterrupt");
  EXPECT_LT(Clock::now() - start, 2000ms);
}

TEST(Interrupt, OnlyItsOwnExecutionIsInterrupted) {
  eryx::CancellationToken first;
  eryx::CancellationToken second;
  eryx::Sandbox sandbox;
  auto other = std::async(std::launch::async, [&] {
    return sandbox.execute("import time\ntime.sleep(0.5)\nprint('done')", second).stdout_text;
  });
  std::this_thread::sleep_for(100ms);
  first.interrupt();  // no execution uses this token
  EXPECT_EQ(other.get(), "done\n");
}

TEST(Interrupt, BeforeTheCodeStartsIsRaisedWhenItDoes) {
  eryx::CancellationToken token;
  token.interrupt();
  eryx::Session session;
  session.execute("y = 2");
  EXPECT_EQ(type_of_failure([&] { session.execute("while True: pass", token); }),
            "KeyboardInterrupt");
  EXPECT_EQ(session.execute("print(y)").stdout_text, "2\n");
}

}  // namespace
