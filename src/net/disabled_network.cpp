#include "net/net_session.h"

namespace eryx::net {
namespace {

class DisabledNetwork final : public NetSession {
 public:
  int32_t resolve(std::string_view, uint32_t, std::vector<AddressRecord>*,
                  const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t connect(std::string_view, uint32_t, int64_t, const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t send(uint32_t, std::span<const uint8_t>, int64_t, const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t recv(uint32_t, std::span<uint8_t>, int64_t, const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t shutdown(uint32_t, uint32_t) override { return ERYX_NET_DISABLED; }
  int32_t close(uint32_t) override { return ERYX_NET_DISABLED; }
  int32_t poll(std::span<PollEntry>, int64_t, uint32_t, const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t tls_start(uint32_t, std::string_view, std::string_view, int64_t,
                    const WaitControl&) override {
    return ERYX_NET_DISABLED;
  }
  int32_t tls_handshake(uint32_t) override { return ERYX_NET_DISABLED; }
  int32_t tls_bio_new(std::string_view, std::string_view) override { return ERYX_NET_DISABLED; }
  int32_t tls_feed(uint32_t, std::span<const uint8_t>, bool) override { return ERYX_NET_DISABLED; }
  int32_t tls_drain(uint32_t, std::span<uint8_t>) override { return ERYX_NET_DISABLED; }
  int32_t tls_info(uint32_t, uint32_t, std::string*) override { return ERYX_NET_DISABLED; }
  int32_t peer(uint32_t, uint32_t, AddressRecord*) override { return ERYX_NET_DISABLED; }
  int32_t refuse(int32_t, std::string) override { return ERYX_NET_DISABLED; }
  const std::string& last_error() const override { return message_; }
  size_t live_connections() const override { return 0; }

 private:
  // Stateless and immutable, so one instance serves every sandbox on every thread.
  const std::string message_ =
      "networking is disabled for this sandbox (give it a NetConfig to allow connections)";
};

}  // namespace

NetSession& disabled_network() {
  static DisabledNetwork network;
  return network;
}

}  // namespace eryx::net
