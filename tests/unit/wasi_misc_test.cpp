// args, environ, random, process, sockets, preopens and the function list.
#include <algorithm>
#include <set>
#include <string>

#include "guest.h"
#include "wasi/preview1_functions.h"

namespace eryx::testing {
namespace {

namespace abi = wasi::abi;

class WasiMisc : public WasiFixture {
 protected:
  // argv or environ as the guest would see it.
  std::vector<std::string> strings(bool environ) {
    uint32_t count_ptr = guest_.alloc(4);
    uint32_t size_ptr = guest_.alloc(4);
    auto sizes =
        environ ? &wasi::WasiContext::environ_sizes_get : &wasi::WasiContext::args_sizes_get;
    auto get = environ ? &wasi::WasiContext::environ_get : &wasi::WasiContext::args_get;
    EXPECT_EQ(E((ctx().*sizes)(mem(), count_ptr, size_ptr)), Errno::kSuccess);
    uint32_t count = guest_.get<uint32_t>(count_ptr);
    uint32_t size = guest_.get<uint32_t>(size_ptr);
    uint32_t list = guest_.alloc(4 * count + 1, 4);
    uint32_t buf = guest_.alloc(size + 1, 1);
    EXPECT_EQ(E((ctx().*get)(mem(), list, buf)), Errno::kSuccess);
    std::vector<std::string> out;
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t p = guest_.get<uint32_t>(list + 4 * i);
      out.emplace_back(reinterpret_cast<const char*>(guest_.data() + p));
    }
    return out;
  }
};

TEST_F(WasiMisc, DefaultArgsArePython) {
  EXPECT_EQ(strings(false), std::vector<std::string>{"python"});
}

TEST_F(WasiMisc, ArgsComeFromOptions) {
  wasi::WasiOptions options;
  options.args = {"python", "-c", "print(1)"};
  make_context(std::move(options));
  EXPECT_EQ(strings(false), (std::vector<std::string>{"python", "-c", "print(1)"}));
}

TEST_F(WasiMisc, EnvironmentIsEmptyByDefault) {
  uint32_t count = guest_.alloc(4);
  uint32_t size = guest_.alloc(4);
  ASSERT_EQ(E(ctx().environ_sizes_get(mem(), count, size)), Errno::kSuccess);
  EXPECT_EQ(guest_.get<uint32_t>(count), 0u);
  EXPECT_EQ(guest_.get<uint32_t>(size), 0u);
}

TEST_F(WasiMisc, EnvironmentComesFromOptions) {
  wasi::WasiOptions options;
  options.env = {{"LANG", "C.UTF-8"}, {"EMPTY", ""}};
  make_context(std::move(options));
  EXPECT_EQ(strings(true), (std::vector<std::string>{"LANG=C.UTF-8", "EMPTY="}));
}

TEST_F(WasiMisc, MalformedEnvironmentIsRejectedByTheHost) {
  wasi::WasiOptions options;
  options.env = {{"A=B", "c"}};
  EXPECT_THROW(wasi::WasiContext{std::move(options)}, std::invalid_argument);
}

TEST_F(WasiMisc, RandomGetFillsTheBuffer) {
  uint32_t buf = guest_.alloc(64);
  ASSERT_EQ(E(ctx().random_get(mem(), buf, 64)), Errno::kSuccess);
  std::string bytes = guest_.str(buf, 64);
  EXPECT_NE(bytes, std::string(64, '\0'));
}

TEST_F(WasiMisc, RandomGetUsesTheConfiguredSource) {
  wasi::WasiOptions options;
  options.entropy = [](std::span<uint8_t> out) {
    std::fill(out.begin(), out.end(), 0x42);
    return true;
  };
  make_context(std::move(options));
  uint32_t buf = guest_.alloc(4);
  ASSERT_EQ(E(ctx().random_get(mem(), buf, 4)), Errno::kSuccess);
  EXPECT_EQ(guest_.str(buf, 4), "BBBB");
}

TEST_F(WasiMisc, ProcExitRecordsTheCode) {
  EXPECT_FALSE(ctx().exit_code());
  ctx().proc_exit(mem(), 3);
  EXPECT_EQ(ctx().exit_code(), 3u);
}

TEST_F(WasiMisc, ProcRaiseIsNotSupported) {
  EXPECT_EQ(E(ctx().proc_raise(mem(), 9)), Errno::kNotsup);
}

TEST_F(WasiMisc, SchedYieldSucceeds) { EXPECT_EQ(E(ctx().sched_yield(mem())), Errno::kSuccess); }

TEST_F(WasiMisc, SocketCallsFindNoSocket) {
  uint32_t out = guest_.alloc(16);
  EXPECT_EQ(E(ctx().sock_accept(mem(), 3, 0, out)), Errno::kNotsock);
  EXPECT_EQ(E(ctx().sock_accept(mem(), 99, 0, out)), Errno::kBadf);
  EXPECT_EQ(E(ctx().sock_recv(mem(), 0, out, 0, 0, out, out)), Errno::kNotsock);
  EXPECT_EQ(E(ctx().sock_send(mem(), 1, out, 0, 0, out)), Errno::kNotsock);
  EXPECT_EQ(E(ctx().sock_shutdown(mem(), 2, 3)), Errno::kNotsock);
}

TEST_F(WasiMisc, PrestatOfFd3IsTheRoot) {
  uint32_t buf = guest_.alloc(sizeof(abi::Prestat));
  ASSERT_EQ(E(ctx().fd_prestat_get(mem(), 3, buf)), Errno::kSuccess);
  auto prestat = guest_.get<abi::Prestat>(buf);
  EXPECT_EQ(prestat.tag, abi::kPreopentypeDir);
  ASSERT_EQ(prestat.pr_name_len, 1u);
  uint32_t name = guest_.alloc(1);
  ASSERT_EQ(E(ctx().fd_prestat_dir_name(mem(), 3, name, 1)), Errno::kSuccess);
  EXPECT_EQ(guest_.str(name, 1), "/");
}

TEST_F(WasiMisc, OnlyFd3IsAPreopen) {
  uint32_t buf = guest_.alloc(sizeof(abi::Prestat));
  EXPECT_EQ(E(ctx().fd_prestat_get(mem(), 4, buf)), Errno::kBadf);  // ends wasi-libc's scan
  EXPECT_EQ(E(ctx().fd_prestat_get(mem(), 1, buf)), Errno::kBadf);
  uint32_t fd = 0;
  ASSERT_EQ(open("tmp", abi::kOflagDirectory, kReadRights, fd), Errno::kSuccess);
  EXPECT_EQ(E(ctx().fd_prestat_get(mem(), fd, buf)), Errno::kBadf);
}

TEST_F(WasiMisc, PrestatDirNameBufferTooSmallIsNameTooLong) {
  uint32_t name = guest_.alloc(1);
  EXPECT_EQ(E(ctx().fd_prestat_dir_name(mem(), 3, name, 0)), Errno::kNametoolong);
}

TEST_F(WasiMisc, FunctionListNamesAllPreview1FunctionsOnce) {
  std::set<std::string_view> names(wasi::kPreview1Functions.begin(),
                                   wasi::kPreview1Functions.end());
  EXPECT_EQ(names.size(), wasi::kPreview1Functions.size());
  EXPECT_EQ(names.size(), 46u);
  EXPECT_TRUE(names.count("path_open"));
  EXPECT_TRUE(names.count("sock_shutdown"));
}

// Every listed name is a WasiContext member: this only compiles if so.
#define ERYX_TAKE_ADDRESS(name) [[maybe_unused]] auto name##_member = &wasi::WasiContext::name;
TEST(WasiFunctions, EveryListedNameIsAMember) { ERYX_WASI_PREVIEW1_FUNCTIONS(ERYX_TAKE_ADDRESS) }
#undef ERYX_TAKE_ADDRESS

}  // namespace
}  // namespace eryx::testing
