// Callback calls as the guest makes them (the `eryx` imports hand the broker a name and argument
// bytes from guest memory): name lookup, limits, size caps, schema validation, argument parsing
// and defaults, sync and async handlers, then every completion waited for and taken.
//
// Input: u8 number of calls, then per call: u8 name choice (a registered name, or >= 0xF0: u8
// length and the name's bytes), u16 length and the argument bytes.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "callbacks/broker.h"
#include "callbacks/registry_data.h"
#include "eryx/callbacks.hpp"
#include "fuzz_support.h"

namespace {

using eryx::Json;
using eryx::callbacks::Broker;
using eryx::callbacks::CallStatus;

eryx::Callback callback(std::string name, const char* schema) {
  eryx::Callback c;
  c.name = std::move(name);
  c.parameters_schema = Json::parse(schema);
  c.handler = [](const Json& args) { return args; };
  return c;
}

const eryx::CallbackRegistry& registry() {
  static const eryx::CallbackRegistry registry = [] {
    eryx::CallbackRegistry r;
    r.add(callback("echo", R"({"type":"object","properties":{
        "x":{"type":"integer"},"s":{"type":"string","maxLength":64},
        "tags":{"type":"array","items":{"type":"string"},"maxItems":8},
        "opt":{"type":"number","default":1.5}},"required":["x"]})"));
    r.add(callback("store.kv.get", R"({"type":"object","properties":{
        "key":{"type":"string","minLength":1},"mode":{"enum":["a","b",null]},
        "meta":{"type":"object","properties":{"n":{"type":"integer","minimum":0}},
                "additionalProperties":false}},"additionalProperties":false})"));
    auto failing = callback("fail", R"({"type":"object"})");
    failing.handler = [](const Json& args) -> Json {
      throw eryx::CallbackError("failed with " + args.dump());
    };
    r.add(std::move(failing));
    auto big = callback("big", R"({"type":"object","properties":{
        "n":{"type":"integer","minimum":0,"maximum":200000}},"required":["n"]})");
    big.handler = [](const Json& args) { return Json(std::string(args["n"].get<size_t>(), 'b')); };
    r.add(std::move(big));
    auto async = callback("later", R"({"type":"object","properties":{"drop":{"type":"boolean"}}})");
    async.handler = nullptr;
    async.async_handler = [](const Json& args, eryx::CallbackReply reply) {
      if (!args.value("drop", false)) reply.succeed(args);  // a dropped reply fails the call
    };
    r.add(std::move(async));
    return r;
  }();
  return registry;
}

constexpr const char* kNames[] = {"echo", "store.kv.get", "fail", "big", "later"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  eryx::fuzz::Input input(data, size);
  eryx::callbacks::CallLimits limits;
  limits.timeout_ms = 2000;
  limits.max_invocations = 6;
  limits.max_payload_bytes = 64 * 1024;
  Broker broker(registry().shared_data(), limits);

  std::set<uint32_t> started;
  for (unsigned calls = input.get<uint8_t>() % 8 + 1; calls > 0; --calls) {
    auto choice = input.get<uint8_t>();
    std::string name = choice < 0xF0 ? kNames[choice % std::size(kNames)]
                                     : std::string(input.bytes(input.get<uint8_t>()));
    auto arguments = input.bytes(input.get<uint16_t>());
    if (!started.insert(broker.start(name, arguments)).second) {
      eryx::fuzz::fail("a handle was given out twice");
    }
  }
  // The guest's event loop: wait for each completion and take it.
  while (true) {
    Broker::Ready ready;
    auto result = broker.wait(
        std::chrono::steady_clock::now() + std::chrono::seconds(10), [] { return false; }, &ready);
    if (result == Broker::WaitResult::kIdle) break;
    if (result != Broker::WaitResult::kReady) eryx::fuzz::fail("a callback did not complete");
    if (ready.status > CallStatus::kTooLarge) eryx::fuzz::fail("unknown status");
    auto completion = broker.take(ready.handle);
    if (!completion || completion->payload.size() != ready.payload_size ||
        started.erase(ready.handle) != 1) {
      eryx::fuzz::fail("a ready completion could not be taken as described");
    }
    if (broker.take(ready.handle)) eryx::fuzz::fail("a completion was taken twice");
  }
  if (!started.empty()) eryx::fuzz::fail("a started call never completed");
  return 0;
}
