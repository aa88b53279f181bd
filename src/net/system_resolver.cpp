#include "net/system_resolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace eryx::net {

HostResolver::Answer SystemResolver::resolve(std::string_view name,
                                             std::chrono::steady_clock::time_point deadline) {
  if (std::chrono::steady_clock::now() >= deadline) return Answer{{}, "timed out"};
  // A NUL would cut the name short for the C API: look up nothing rather than another name.
  if (name.empty() || name.find('\0') != std::string_view::npos) {
    return Answer{{}, "name not found"};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  int rc = getaddrinfo(std::string(name).c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(raw, &freeaddrinfo);
  if (rc != 0) {
    if (rc == EAI_SYSTEM) return Answer{{}, std::strerror(errno)};
    if (rc == EAI_NONAME || rc == EAI_NODATA) return Answer{{}, "name not found"};
    return Answer{{}, gai_strerror(rc)};
  }
  Answer answer;
  for (addrinfo* ai = list.get(); ai && answer.addresses.size() < kMaxAddresses; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    char host[NI_MAXHOST];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    if (std::find(answer.addresses.begin(), answer.addresses.end(), host) ==
        answer.addresses.end()) {
      answer.addresses.emplace_back(host);
    }
  }
  if (answer.addresses.empty()) answer.error = "name not found";
  return answer;
}

}  // namespace eryx::net
