// Secrets: values sandboxed code can use in HTTP requests without ever seeing them.
//
// Each secret becomes an environment variable of the guest holding a random placeholder (new for
// every Sandbox or Session, 128 bits); the real value stays in host memory. When the guest sends an
// HTTP/1.x request on a connection the host made to one of the secret's allowed hosts, the host
// puts the value in place of the placeholder in the request's header values (after the guest's
// TLS, so HTTPS works). Anywhere else the placeholder goes out as it is. What leaves the sandbox
// is scrubbed: the value and the placeholder become "[REDACTED]". docs/guide/secrets.md has the
// details and what is out of reach.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace eryx {

struct Secret {
  // 1 byte to 64 KiB; no control characters but tab (it goes into a header value as it is).
  std::string value;
  // Host patterns ("api.example.com", "*.example.org") of the connections whose requests may carry
  // the value; names only, never addresses. Empty: the NetConfig's allowed_hosts that are names;
  // when those are empty too, the value is never sent anywhere.
  std::vector<std::string> allowed_hosts;
};

// Secrets by environment-variable name ([A-Za-z_][A-Za-z0-9_]*).
using SecretMap = std::map<std::string, Secret>;

// Where the value and the placeholder are replaced by "[REDACTED]". nullopt: the default, which
// is on when there is any secret, except for the result.
struct ScrubOptions {
  std::optional<bool> stdout_text;    // stdout, streamed chunks included; default on
  std::optional<bool> stderr_text;    // stderr and the texts of exceptions; default on
  std::optional<bool> result;         // ExecuteResult::result_json; default off
  std::optional<bool> files;          // files the guest writes in its filesystem; default on
  std::optional<bool> callback_args;  // arguments handed to callback handlers; default on
};

}  // namespace eryx
