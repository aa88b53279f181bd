#include "callbacks/broker.h"

#include <cxxabi.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "callbacks/registry_data.h"
#include "callbacks/thread_pool.h"
#include "util/deadline.h"

namespace eryx::callbacks {

using Clock = Broker::Clock;

namespace {
// How often a wait re-checks the execution's stop condition (cancel flags are not notified).
constexpr auto kStopPollInterval = std::chrono::milliseconds(5);
// How long a wait polls for a completion before it sleeps on the condition variable.
constexpr auto kSpinBeforeSleep = std::chrono::microseconds(50);
// Longest handler error message passed to the guest.
constexpr size_t kMaxErrorMessage = 64 * 1024;
// Arguments up to this size are decoded and validated on the executing thread (well under a
// millisecond); larger ones on the pool.
constexpr size_t kInlinePrepareBytes = 64 * 1024;

std::string cut(std::string message) {
  if (message.size() > kMaxErrorMessage) {
    message.resize(kMaxErrorMessage);
    message += " ... [truncated by eryx]";
  }
  return message;
}
}  // namespace

// Calls in flight and completions not yet taken. Handlers hold it (not the Broker), so a handler
// that finishes after its execution ended completes into a table nobody reads.
struct CallTable {
  struct InFlight {
    std::string name;
    std::optional<Clock::time_point> deadline;
  };

  std::mutex mutex;
  std::condition_variable changed;
  std::atomic<uint64_t> completions{0};  // bumped by push_ready, polled while spinning
  std::map<uint32_t, InFlight> in_flight;
  std::map<uint32_t, Completion> ready;
  std::deque<uint32_t> ready_order;
  // Async calls whose arguments were prepared on the pool: wait() calls their handlers.
  struct Dispatch {
    uint32_t handle;
    const detail::RegistryEntry* entry;
    Json arguments;
  };
  std::deque<Dispatch> dispatch;
  uint32_t next_handle = 1;
  uint64_t invocations = 0;
  bool limit_exceeded = false;
  bool closed = false;
  uint64_t max_payload_bytes = 0;

  // With the mutex held.
  void push_ready(uint32_t handle, CallStatus status, std::string payload) {
    ready[handle] = Completion{handle, status, std::move(payload)};
    ready_order.push_back(handle);
    completions.fetch_add(1, std::memory_order_release);
    changed.notify_all();
  }

  // From any thread: the first completion of an in-flight call wins.
  void complete(uint32_t handle, CallStatus status, std::string payload) {
    std::lock_guard lock(mutex);
    if (closed || in_flight.erase(handle) == 0) return;  // timed out, or the execution ended
    push_ready(handle, status, std::move(payload));
  }

  // From a pool thread: hands a prepared async call to the executing thread's wait().
  void queue_dispatch(uint32_t handle, const detail::RegistryEntry* entry, Json arguments) {
    std::lock_guard lock(mutex);
    if (closed || !in_flight.contains(handle)) return;  // timed out meanwhile
    dispatch.push_back({handle, entry, std::move(arguments)});
    completions.fetch_add(1, std::memory_order_release);
    changed.notify_all();
  }

  void succeed(uint32_t handle, const Json& value) {
    std::string text;
    try {
      text = value.dump();
    } catch (const std::exception& e) {
      complete(handle, CallStatus::kError,
               std::string("the callback's result cannot be encoded as JSON: ") + e.what());
      return;
    }
    if (text.size() > max_payload_bytes) {
      complete(handle, CallStatus::kTooLarge,
               "the callback's result is " + std::to_string(text.size()) +
                   " bytes of JSON, over the limit of " + std::to_string(max_payload_bytes));
      return;
    }
    complete(handle, CallStatus::kOk, std::move(text));
  }
};

namespace {

// Decodes and validates a call's arguments into *arguments (schema defaults filled in); the
// message of the failure otherwise. Every step is linear in the text (at most max_payload_bytes)
// and bounded in depth: parse_json refuses deep nesting and duplicate keys before jsoncons parses
// the text again.
std::optional<std::string> prepare_arguments(const detail::RegistryEntry& entry,
                                             std::string_view text, const std::string& quoted_name,
                                             Json* arguments) {
  try {
    *arguments = parse_json(text);
  } catch (const std::exception& e) {
    return "invalid arguments for callback " + quoted_name + ": " + e.what();
  }
  if (!arguments->is_object()) {
    return "the arguments of callback " + quoted_name + " must be a JSON object";
  }
  if (auto violation = entry.validator->validate(text)) {
    return "invalid arguments for callback " + quoted_name + ": " + *violation;
  }
  // Defaults declared by the schema fill absent top-level arguments.
  const Json& schema = entry.callback.parameters_schema;
  if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
    for (const auto& [key, property] : props->items()) {
      if (!arguments->contains(key) && property.is_object() && property.contains("default")) {
        (*arguments)[key] = property["default"];
      }
    }
  }
  return std::nullopt;
}

// On a pool thread.
void run_sync(const detail::RegistryEntry& entry, CallTable& table, uint32_t handle,
              const Json& arguments) {
  try {
    table.succeed(handle, entry.callback.handler(arguments));
  } catch (abi::__forced_unwind&) {
    // The thread is being ended (pthread_exit, e.g. by Python at exit): let it unwind; swallowing
    // this would abort the process.
    throw;
  } catch (const std::exception& e) {
    table.complete(handle, CallStatus::kError, cut(e.what()));
  } catch (...) {
    table.complete(handle, CallStatus::kError, "the callback failed");
  }
}

}  // namespace

}  // namespace eryx::callbacks

namespace eryx {
namespace detail {
struct ReplyState {
  std::shared_ptr<callbacks::CallTable> table;
  uint32_t handle;
  std::atomic<bool> done{false};

  ~ReplyState() {
    if (!done.exchange(true)) {
      table->complete(handle, callbacks::CallStatus::kError,
                      "the callback ended without a reply (its CallbackReply was dropped)");
    }
  }
};
}  // namespace detail

CallbackReply::CallbackReply(std::shared_ptr<detail::ReplyState> state)
    : state_(std::move(state)) {}

void CallbackReply::succeed(Json value) const {
  if (state_->done.exchange(true)) return;
  state_->table->succeed(state_->handle, value);
}

void CallbackReply::fail(std::string message) const {
  if (state_->done.exchange(true)) return;
  state_->table->complete(state_->handle, callbacks::CallStatus::kError, callbacks::cut(message));
}

}  // namespace eryx

namespace eryx::callbacks {

namespace {
// On the executing thread (async handlers must not block and are called there).
void run_async(const detail::RegistryEntry& entry, const std::shared_ptr<CallTable>& table,
               uint32_t handle, const Json& arguments) {
  auto state = std::make_shared<detail::ReplyState>();
  state->table = table;
  state->handle = handle;
  try {
    entry.callback.async_handler(arguments, CallbackReply(state));
  } catch (const std::exception& e) {
    CallbackReply(state).fail(e.what());
  } catch (...) {
    CallbackReply(state).fail("the callback failed");
  }
}
}  // namespace

Broker::Broker(std::shared_ptr<const detail::RegistryData> registry, CallLimits limits)
    : registry_(std::move(registry)), limits_(limits), table_(std::make_shared<CallTable>()) {
  table_->max_payload_bytes = limits_.max_payload_bytes;
}

Broker::~Broker() {
  std::lock_guard lock(table_->mutex);
  table_->closed = true;
  table_->in_flight.clear();
  table_->ready.clear();
  table_->ready_order.clear();
  table_->dispatch.clear();
}

uint32_t Broker::start(std::string_view name, std::string_view arguments_json) {
  CallTable& table = *table_;
  uint32_t handle;
  {
    std::lock_guard lock(table.mutex);
    handle = table.next_handle++;
    if (table.next_handle == 0) table.next_handle = 1;
    if (limits_.max_invocations && table.invocations >= *limits_.max_invocations) {
      table.limit_exceeded = true;
      table.push_ready(handle, CallStatus::kLimit,
                       "callback limit reached: at most " +
                           std::to_string(*limits_.max_invocations) +
                           " callback invocations per execution (max_callback_invocations)");
      return handle;
    }
    ++table.invocations;
  }
  auto fail_now = [&](CallStatus status, std::string message) {
    std::lock_guard lock(table.mutex);
    table.push_ready(handle, status, std::move(message));
    return handle;
  };

  std::string quoted_name = "'" + std::string(name.substr(0, 256)) + "'";
  if (arguments_json.size() > limits_.max_payload_bytes) {
    return fail_now(CallStatus::kTooLarge, "the arguments of callback " + quoted_name + " are " +
                                               std::to_string(arguments_json.size()) +
                                               " bytes of JSON, over the limit of " +
                                               std::to_string(limits_.max_payload_bytes));
  }
  const detail::RegistryEntry* entry = registry_ ? registry_->find(name) : nullptr;
  if (entry == nullptr) {
    return fail_now(CallStatus::kUnknown, "no callback named " + quoted_name);
  }

  {
    std::lock_guard lock(table.mutex);
    CallTable::InFlight call{std::string(name), std::nullopt};
    if (limits_.timeout_ms) {
      call.deadline = util::deadline_in(*limits_.timeout_ms);
    }
    table.in_flight.emplace(handle, std::move(call));
  }

  // Small arguments are prepared here. Large ones (up to max_payload_bytes: tenths of a second)
  // on the pool, so that the guest's wait for them, and thus the execution, stays interruptible
  // by its deadline and cancel(); async handlers are then called from that wait.
  // The entry is kept alive by the registry snapshot the tasks hold.
  auto registry = registry_;
  auto shared_table = table_;
  if (arguments_json.size() > kInlinePrepareBytes) {
    ThreadPool::shared().submit(
        [registry, shared_table, entry, handle, quoted_name, text = std::string(arguments_json)] {
          Json arguments;
          if (auto error = prepare_arguments(*entry, text, quoted_name, &arguments)) {
            shared_table->complete(handle, CallStatus::kInvalidArguments, std::move(*error));
          } else if (entry->callback.handler) {
            run_sync(*entry, *shared_table, handle, arguments);
          } else {
            shared_table->queue_dispatch(handle, entry, std::move(arguments));
          }
        });
    return handle;
  }
  Json arguments;
  if (auto error = prepare_arguments(*entry, arguments_json, quoted_name, &arguments)) {
    table.complete(handle, CallStatus::kInvalidArguments, std::move(*error));
  } else if (entry->callback.handler) {
    ThreadPool::shared().submit(
        [registry, shared_table, entry, handle, arguments = std::move(arguments)] {
          run_sync(*entry, *shared_table, handle, arguments);
        });
  } else {
    run_async(*entry, shared_table, handle, arguments);
  }
  return handle;
}

Broker::WaitResult Broker::wait(std::optional<Clock::time_point> until,
                                const std::function<bool()>& should_stop, Ready* ready) {
  CallTable& table = *table_;
  std::unique_lock lock(table.mutex);
  while (true) {
    if (!table.dispatch.empty()) {
      std::vector<CallTable::Dispatch> calls;
      for (auto& call : table.dispatch) {
        if (table.in_flight.contains(call.handle)) calls.push_back(std::move(call));
      }
      table.dispatch.clear();
      lock.unlock();
      for (auto& call : calls) run_async(*call.entry, table_, call.handle, call.arguments);
      lock.lock();
    }
    auto now = Clock::now();
    std::optional<Clock::time_point> next_deadline;
    for (auto it = table.in_flight.begin(); it != table.in_flight.end();) {
      if (it->second.deadline && *it->second.deadline <= now) {
        uint32_t handle = it->first;
        std::string message = "callback '" + it->second.name + "' timed out after " +
                              std::to_string(limits_.timeout_ms.value_or(0)) +
                              " ms (callback_timeout_ms)";
        it = table.in_flight.erase(it);
        table.push_ready(handle, CallStatus::kTimeout, std::move(message));
        continue;
      }
      if (it->second.deadline && (!next_deadline || *it->second.deadline < *next_deadline)) {
        next_deadline = it->second.deadline;
      }
      ++it;
    }
    if (!table.ready_order.empty()) {
      const Completion& first = table.ready.at(table.ready_order.front());
      *ready = Ready{first.handle, first.status, first.payload.size()};
      return WaitResult::kReady;
    }
    if (table.in_flight.empty()) return WaitResult::kIdle;
    if (should_stop()) return WaitResult::kStopped;
    if (until && now >= *until) return WaitResult::kTimedOut;
    auto wake = now + kStopPollInterval;
    if (until && *until < wake) wake = *until;
    if (next_deadline && *next_deadline < wake) wake = *next_deadline;
    // Most callbacks finish within microseconds of being started: poll briefly before sleeping,
    // since waking a sleeping thread costs tens of microseconds (more on an idle VM).
    uint64_t seen = table.completions.load(std::memory_order_acquire);
    lock.unlock();
    auto spin_until = Clock::now() + kSpinBeforeSleep;
    while (table.completions.load(std::memory_order_acquire) == seen && Clock::now() < spin_until) {
      std::this_thread::yield();
    }
    lock.lock();
    if (table.completions.load(std::memory_order_acquire) != seen) continue;
    table.changed.wait_until(lock, wake);
  }
}

std::optional<Completion> Broker::take(uint32_t handle, size_t max_payload, TakeError* error) {
  std::lock_guard lock(table_->mutex);
  auto it = table_->ready.find(handle);
  if (it == table_->ready.end() || it->second.payload.size() > max_payload) {
    if (error) {
      *error = it == table_->ready.end() ? TakeError::kMissing : TakeError::kTooSmall;
    }
    return std::nullopt;
  }
  Completion completion = std::move(it->second);
  table_->ready.erase(it);
  std::erase(table_->ready_order, handle);
  return completion;
}

uint64_t Broker::invocations() const {
  std::lock_guard lock(table_->mutex);
  return table_->invocations;
}

bool Broker::limit_exceeded() const {
  std::lock_guard lock(table_->mutex);
  return table_->limit_exceeded;
}

}  // namespace eryx::callbacks
