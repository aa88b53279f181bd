#include "engine/guest_instance.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "eryx/errors.hpp"

namespace eryx::engine {
namespace {

constexpr uint64_t kWasmPageSize = 64 * 1024;
// Granularity of the image diff: the host's page size, so skipped pages are never touched.
constexpr size_t kDiffPage = 4096;

// Globals that carry state between calls and must travel with a memory image. With a non-PIC,
// single-threaded link the shadow stack pointer is the only mutable global, and it is back at its
// initial value whenever no call is running; it is restored anyway when the guest exports it.
constexpr std::string_view kStateGlobals[] = {"__stack_pointer"};

std::string trap_text(const wasmtime::TrapError& error) { return error.message(); }

bool has_trap_code(const wasmtime::TrapError& error, wasmtime_trap_code_t wanted) {
  if (auto* trap = std::get_if<wasmtime::Trap>(&error.data)) {
    auto code = trap->code();
    return code && *code == wanted;
  }
  return false;
}

}  // namespace

#ifdef ERYX_TSAN_BUILD
extern "C" void __tsan_acquire(void* address);
extern "C" void __tsan_release(void* address);
namespace {
// Wasmtime's pooling allocator hands a memory slot from an ended instance to the next one under
// its own lock, in Rust that ThreadSanitizer does not see. Tell it about that order, so the next
// instance's accesses to the slot are not reported against the previous one's.
char pool_handoff;
}  // namespace
void GuestInstance::tsan_acquire_slot() { __tsan_acquire(&pool_handoff); }
GuestInstance::~GuestInstance() { __tsan_release(&pool_handoff); }
#else
void GuestInstance::tsan_acquire_slot() {}
GuestInstance::~GuestInstance() = default;
#endif

GuestInstance::GuestInstance(wasmtime::Engine& engine, const wasmtime::Linker& linker,
                             const wasmtime::Module& module,
                             std::unique_ptr<wasi::WasiContext> wasi, const InstanceLimits& limits)
    : state_(std::make_unique<StoreState>()), store_(engine) {
  state_->wasi = std::move(wasi);
  StoreState* state = state_.get();
  store_.context().set_data(state);
  // A null context is allowed when restore() will bring one.
  if (state->wasi) attach_wasi_checks();
  if (limits.max_memory_bytes) {
    store_.limiter(static_cast<int64_t>(*limits.max_memory_bytes), -1, -1, -1, -1);
  }
  store_.epoch_deadline_callback(
      [state](wasmtime::Store::Context context,
              uint64_t& delta) -> wasmtime::Result<wasmtime::DeadlineKind> {
        if (state->should_stop()) return wasmtime::Error("eryx: execution interrupted");
        if (state->interrupt_pending() && state->memory) {
          auto data = state->memory->data(context);
          state->act_on_interrupts(wasi::GuestMemory(data.data(), data.size()));
        }
        delta = 1;
        return wasmtime::DeadlineKind::Continue;
      });
  store_.context().set_epoch_deadline(1);

  auto instance = const_cast<wasmtime::Linker&>(linker).instantiate(store_, module);
  if (!instance) {
    throw InitializationError("eryx: instantiating the guest failed: " + instance.err().message());
  }
  instance_ = instance.ok();
  tsan_acquire_slot();
  auto memory = instance_->get(store_, "memory");
  if (!memory || !std::holds_alternative<wasmtime::Memory>(*memory)) {
    throw InitializationError("eryx: the guest module exports no memory");
  }
  memory_ = std::get<wasmtime::Memory>(*memory);
  state->memory = memory_;
}

wasmtime::Func GuestInstance::export_func(std::string_view name) {
  auto item = instance_->get(store_, name);
  if (!item || !std::holds_alternative<wasmtime::Func>(*item)) {
    throw InitializationError("eryx: the guest module does not export " + std::string(name));
  }
  return std::get<wasmtime::Func>(*item);
}

wasmtime::TrapResult<int32_t> GuestInstance::call_export_i32(std::string_view name) {
  auto func = export_func(name).typed<std::monostate, int32_t>(store_);
  if (!func) return wasmtime::TrapError(func.err());
  return func.ok().call(store_, std::monostate());
}

std::optional<HostWords> GuestInstance::query_host_words() {
  auto item = instance_->get(store_, "eryx_host_info");
  if (!item || !std::holds_alternative<wasmtime::Func>(*item)) return std::nullopt;
  auto address = call_export_i32("eryx_host_info");
  if (!address) throw_trap(address.err(), "eryx_host_info");
  if (address.ok() == 0) return std::nullopt;
  auto data = memory_->data(store_);
  wasi::GuestMemory memory(data.data(), data.size());
  auto word = [&](uint32_t index) {
    return memory.read<uint32_t>(static_cast<uint64_t>(static_cast<uint32_t>(address.ok())) +
                                 4 * index);
  };
  auto version = word(0);
  if (!version || *version != ERYX_HOST_INFO_VERSION) return std::nullopt;
  HostWords words;
  uint32_t* fields[] = {&words.async_exc_addr, &words.eval_breaker_addr, &words.async_exc_bit,
                        &words.keyboard_interrupt, &words.memory_denials_addr};
  for (uint32_t i = 0; i < 5; ++i) {
    auto value = word(i + 1);
    if (!value) return std::nullopt;
    *fields[i] = *value;
  }
  return words;
}

uint32_t GuestInstance::memory_denials() {
  if (state_->host_words == nullptr) return 0;
  auto data = memory_->data(store_);
  wasi::GuestMemory memory(data.data(), data.size());
  return memory.read<uint32_t>(state_->host_words->memory_denials_addr).value_or(0);
}

void GuestInstance::attach_wasi_checks() {
  StoreState* state = state_.get();
  state->wasi->set_interrupt_check([state] { return state->should_stop(); });
  state->wasi->set_wake_check([state] { return state->interrupt_pending(); });
}

uint64_t GuestInstance::memory_size() { return memory_->data(store_).size(); }

void GuestInstance::set_fuel(uint64_t fuel) {
  auto result = store_.context().set_fuel(fuel);
  if (!result) throw Error("eryx: setting fuel: " + result.err().message());
}

uint64_t GuestInstance::fuel_remaining() {
  auto fuel = store_.context().get_fuel();
  if (!fuel) throw Error("eryx: reading fuel: " + fuel.err().message());
  return fuel.ok();
}

void GuestInstance::throw_trap(const wasmtime::TrapError& error, std::string_view during) {
  torn_ = true;
  switch (state_->stop_reason) {
    case StopReason::kTimeout:
      throw TimeoutError("eryx: execution timed out");
    case StopReason::kCancelled:
      throw CancelledError("eryx: execution cancelled");
    case StopReason::kInterruptIgnored:
      throw CancelledError(
          "eryx: the code did not stop after KeyboardInterrupt within the grace period; it was "
          "stopped hard (a Session's interpreter state is lost)");
    case StopReason::kNone:
      break;
  }
  if (auto code = state_->wasi->exit_code()) {
    throw ExecutionError("SystemExit", std::to_string(*code),
                         "SystemExit: the guest exited with status " + std::to_string(*code));
  }
  if (has_trap_code(error, WASMTIME_TRAP_CODE_OUT_OF_FUEL)) {
    throw ResourceLimitError("eryx: fuel limit exhausted during " + std::string(during));
  }
  if (has_trap_code(error, WASMTIME_TRAP_CODE_STACK_OVERFLOW)) {
    throw ResourceLimitError("eryx: the guest exhausted its call stack during " +
                             std::string(during));
  }
  throw Error("eryx: the guest trapped during " + std::string(during) + ": " + trap_text(error));
}

void GuestInstance::initialize() {
  auto start = export_func("_initialize").typed<std::monostate, std::monostate>(store_);
  if (!start) throw InitializationError("eryx: _initialize has an unexpected type");
  if (auto r = start.ok().call(store_, std::monostate()); !r) {
    throw InitializationError("eryx: guest _initialize trapped: " + trap_text(r.err()));
  }
  auto init = export_func("eryx_init").typed<std::monostate, int32_t>(store_);
  if (!init) throw InitializationError("eryx: eryx_init has an unexpected type");
  auto status = init.ok().call(store_, std::monostate());
  if (!status)
    throw InitializationError("eryx: interpreter start-up trapped: " + trap_text(status.err()));
  if (status.ok() != 0) {
    std::string detail = state_->wasi->stderr_capture().take();
    throw InitializationError("eryx: the interpreter failed to start: " + detail);
  }
}

int32_t GuestInstance::call_with_text(std::string_view export_name, std::string_view text,
                                      std::string_view during) {
  auto alloc = export_func("eryx_alloc").typed<int32_t, int32_t>(store_);
  auto call = export_func(export_name).typed<std::tuple<int32_t, int32_t>, int32_t>(store_);
  auto release = export_func("eryx_free").typed<int32_t, std::monostate>(store_);
  if (!alloc || !call || !release) throw Error("eryx: guest exports have unexpected types");

  if (text.size() > static_cast<size_t>(INT32_MAX))
    throw ResourceLimitError("eryx: input too large");
  auto length = static_cast<int32_t>(text.size());
  auto ptr = alloc.ok().call(store_, length == 0 ? 1 : length);
  if (!ptr) throw_trap(ptr.err(), "allocation");
  if (ptr.ok() == 0)
    throw ResourceLimitError("eryx: the guest could not allocate memory for the input");

  // Fetch the span after the call: memory may have grown (and moved) during it.
  auto data = memory_->data(store_);
  auto offset = static_cast<uint32_t>(ptr.ok());
  if (static_cast<uint64_t>(offset) + text.size() > data.size()) {
    throw Error("eryx: guest allocator returned an out-of-bounds buffer");
  }
  std::memcpy(data.data() + offset, text.data(), text.size());

  auto status = call.ok().call(store_, {ptr.ok(), length});
  if (!status) throw_trap(status.err(), during);
  if (auto r = release.ok().call(store_, ptr.ok()); !r) throw_trap(r.err(), "deallocation");
  return status.ok();
}

void GuestInstance::capture_result(std::string_view name) {
  state_->result.reset();
  if (call_with_text("eryx_capture_result", name, "result capture") != 0 || !state_->result) {
    throw Error("eryx: the guest could not report the result variable");
  }
}

void GuestInstance::call_status_export(const char* name) {
  auto call = export_func(name).typed<std::monostate, int32_t>(store_);
  if (!call) throw Error(std::string("eryx: ") + name + " has an unexpected type");
  auto status = call.ok().call(store_, std::monostate());
  if (!status) throw_trap(status.err(), name);
  if (status.ok() != 0) throw Error(std::string("eryx: the guest's ") + name + " failed");
}

void GuestInstance::clear_state() {
  installed_catalog_ = nullptr;
  call_status_export("eryx_clear_state");
}

void GuestInstance::install_callbacks(const void* catalog_id, std::string_view catalog_json) {
  if (installed_catalog_ == catalog_id) return;
  state_->result.reset();
  if (call_with_text("eryx_install_callbacks", catalog_json, "callback installation") != 0) {
    throw Error("eryx: the guest could not install the callbacks: " +
                (state_->result ? state_->result->text : std::string("no reason given")));
  }
  installed_catalog_ = catalog_id;
}

void GuestInstance::install_environment(const void* id, std::string_view code) {
  if (installed_environment_ == id) return;
  if (execute(code) != ExecStatus::kOk) {
    throw Error("eryx: the guest could not set up its environment" +
                (state_->exception ? ": " + state_->exception->message : std::string()));
  }
  installed_environment_ = id;
}

void GuestInstance::reseed() { call_status_export("eryx_reseed"); }

void GuestInstance::reset_preopens() { call_status_export("eryx_reset_preopens"); }

void GuestInstance::freeze_heap() { call_status_export("eryx_freeze_heap"); }

std::string GuestInstance::snapshot_state() {
  auto snapshot = export_func("eryx_snapshot_state").typed<std::monostate, int32_t>(store_);
  if (!snapshot) throw Error("eryx: eryx_snapshot_state has an unexpected type");
  state_->result.reset();
  auto status = snapshot.ok().call(store_, std::monostate());
  if (!status) throw_trap(status.err(), "snapshot_state");
  if (status.ok() != 0 || !state_->result)
    throw Error("eryx: the guest could not snapshot its state");
  if (state_->result->kind != GuestResult::Kind::kJson) {
    throw Error("eryx: snapshot_state: " + state_->result->text);
  }
  return std::move(state_->result->text);
}

void GuestInstance::restore_state(std::string_view blob) {
  state_->result.reset();
  if (call_with_text("eryx_restore_state", blob, "restore_state") != 0 || !state_->result) {
    throw Error("eryx: the guest could not restore the state");
  }
  if (state_->result->kind != GuestResult::Kind::kJson) {
    throw Error("eryx: restore_state: " + state_->result->text);
  }
}

ExecStatus GuestInstance::execute(std::string_view code, std::string_view filename) {
  state_->exception.reset();
  if (!filename.empty() &&
      call_with_text("eryx_set_filename", filename, "setting the filename") != ERYX_EXEC_OK) {
    throw Error("eryx: the guest refused the filename");
  }
  // KeyboardInterrupt may be raised only while the user's code runs (not in the glue around it).
  state_->accept_interrupts = true;
  struct Refuse {
    StoreState& state;
    ~Refuse() { state.accept_interrupts = false; }
  } refuse{*state_};
  switch (call_with_text("eryx_execute", code, "execution")) {
    case ERYX_EXEC_OK:
      return ExecStatus::kOk;
    case ERYX_EXEC_RAISED:
      return ExecStatus::kException;
    default:
      return ExecStatus::kInternalError;
  }
}

std::vector<uint8_t> GuestInstance::memory_copy() {
  auto data = memory_->data(store_);
  return std::vector<uint8_t>(data.begin(), data.end());
}

MemoryImage GuestInstance::capture(const std::vector<uint8_t>& baseline) {
  MemoryImage image;
  image.memory = memory_copy();
  for (size_t offset = 0; offset < image.memory.size(); offset += kDiffPage) {
    size_t length = std::min(kDiffPage, image.memory.size() - offset);
    bool same = offset + length <= baseline.size() &&
                std::memcmp(image.memory.data() + offset, baseline.data() + offset, length) == 0;
    if (same) continue;
    auto& ranges = image.dirty_ranges;
    if (!ranges.empty() && ranges.back().first + ranges.back().second == offset) {
      ranges.back().second += static_cast<uint32_t>(length);
    } else {
      ranges.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(length));
    }
  }
  image.globals = state_globals();
  image.wasi = state_->wasi->clone();
  return image;
}

std::vector<std::pair<std::string, uint64_t>> GuestInstance::state_globals() {
  std::vector<std::pair<std::string, uint64_t>> globals;
  for (auto name : kStateGlobals) {
    auto item = instance_->get(store_, name);
    if (item && std::holds_alternative<wasmtime::Global>(*item)) {
      auto value = std::get<wasmtime::Global>(*item).get(store_);
      globals.emplace_back(std::string(name), static_cast<uint64_t>(value.i32()));
    }
  }
  return globals;
}

void GuestInstance::grow_to(uint64_t bytes) {
  uint64_t have = memory_->data(store_).size();
  if (bytes <= have) return;
  if (!memory_->grow(store_, (bytes - have) / kWasmPageSize)) {
    throw ResourceLimitError("eryx: max_memory_bytes is below the interpreter's baseline of " +
                             std::to_string(bytes) + " bytes");
  }
}

// Pages that already hold the image's bytes are left alone: reading a page of a copy-on-write
// image is cheap, writing it costs a fault and a copy.
void GuestInstance::write_differing(uint64_t offset, std::string_view bytes) {
  auto data = memory_->data(store_);
  if (offset > data.size() || bytes.size() > data.size() - offset) {
    throw Error("eryx: memory image page outside the guest's memory");
  }
  for (size_t done = 0; done < bytes.size(); done += kDiffPage) {
    size_t n = std::min(kDiffPage, bytes.size() - done);
    uint8_t* target = data.data() + offset + done;
    if (std::memcmp(target, bytes.data() + done, n) != 0)
      std::memcpy(target, bytes.data() + done, n);
  }
}

void GuestInstance::set_globals(const std::vector<std::pair<std::string, uint64_t>>& globals) {
  for (const auto& [name, value] : globals) {
    auto item = instance_->get(store_, name);
    if (item && std::holds_alternative<wasmtime::Global>(*item)) {
      auto set =
          std::get<wasmtime::Global>(*item).set(store_, wasmtime::Val(static_cast<int32_t>(value)));
      if (!set) throw Error("eryx: restoring global " + name + ": " + set.err().message());
    }
  }
}

void GuestInstance::apply_pages(uint64_t memory_size,
                                const std::vector<std::pair<uint32_t, std::string>>& pages,
                                const std::vector<std::pair<std::string, uint64_t>>& globals) {
  grow_to(memory_size);
  for (const auto& [offset, bytes] : pages) write_differing(offset, bytes);
  set_globals(globals);
}

void GuestInstance::apply_pages(uint64_t memory_size,
                                const std::vector<std::pair<uint32_t, std::string_view>>& pages,
                                const std::vector<std::pair<std::string, uint64_t>>& globals) {
  grow_to(memory_size);
  for (const auto& [offset, bytes] : pages) write_differing(offset, bytes);
  set_globals(globals);
}

std::span<const uint8_t> GuestInstance::memory_view() { return memory_->data(store_); }

std::vector<std::pair<uint32_t, uint32_t>> GuestInstance::ranges_differing_from(
    GuestInstance& fresh) {
  static const uint8_t kZeros[kDiffPage] = {};
  auto mine = memory_->data(store_);
  auto base = fresh.memory_->data(fresh.store_);
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (size_t offset = 0; offset < mine.size(); offset += kDiffPage) {
    size_t length = std::min(kDiffPage, mine.size() - offset);
    const uint8_t* reference = offset + length <= base.size() ? base.data() + offset : kZeros;
    if (std::memcmp(mine.data() + offset, reference, length) == 0) continue;
    // (A range stops short of 4 GiB: its length is a u32.)
    if (!ranges.empty() && ranges.back().first + uint64_t{ranges.back().second} == offset &&
        ranges.back().second <= UINT32_MAX - length) {
      ranges.back().second += static_cast<uint32_t>(length);
    } else {
      ranges.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(length));
    }
  }
  return ranges;
}

void GuestInstance::replace_wasi(std::unique_ptr<wasi::WasiContext> wasi) {
  state_->wasi = std::move(wasi);
  attach_wasi_checks();
}

void GuestInstance::restore(const MemoryImage& image) {
  grow_to(image.memory.size());
  const auto* base = reinterpret_cast<const char*>(image.memory.data());
  for (const auto& [offset, length] : image.dirty_ranges) {
    write_differing(offset, std::string_view(base + offset, length));
  }
  set_globals(image.globals);
  replace_wasi(image.wasi->clone());
}

}  // namespace eryx::engine
