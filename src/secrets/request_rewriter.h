// Substitution of secret placeholders in the HTTP/1.x requests a guest writes on one connection.
//
// The guest holds placeholders; the host feeds every chunk of plaintext the guest writes (before
// TLS, if any) through the connection's RequestRewriter and sends what it returns. A placeholder
// becomes its value only where all of these hold:
// - the connection's target (the checked name the host connected to; never the Host header or
//   SNI, which the guest chooses) matches the secret's allowed_hosts;
// - it is inside the value of a header field line ("Name: value") of a request's header section:
//   never the request line (method, URL, query), a header name, a body (Content-Length and chunked
//   bodies are followed exactly, so a pipelined request after a body is found again), a chunked
//   body's trailer, or an obs-fold continuation line;
// - that whole header line, from its first byte to its LF, came in the same chunk (a placeholder
//   or line split across writes goes out as it is; the whole line must be seen to know it is
//   well-formed);
// - the request names, in its one Host header field (and in its target when that is absolute-form,
//   "http://host/..."), a host the secret allows: a front end shared by many sites routes by it.
//   Two Host fields, none, a port that is not a number, userinfo or an IP literal name no host.
// A request's head (request line and header section, at most kMaxHead bytes) is therefore held
// back until it ends, and only then sent with its substitutions; bodies pass at once.
// The parse is strict, and anything it does not fully understand ends substitution for the rest
// of the connection, which then passes every byte through unchanged: a start line that is not
// "METHOD SP target SP HTTP/1.d" (HTTP/2's preface, HTTP/0.9, TLS, garbage), a line ending in a
// bare LF, a bare CR or NUL or other control byte in a line, an obs-fold line, a header name that
// is not a token, conflicting or malformed framing (Content-Length and Transfer-Encoding
// together, two of either, a transfer coding not ending in chunked, Transfer-Encoding in
// HTTP/1.0, a bad chunk-size line), a line over 64 KiB, and a CONNECT or Upgrade request (the
// bytes after it belong to another protocol). Stopping early only ever sends a placeholder
// instead of a value, never a value where a server would not read a header.
//
// State is bounded: the part of the current line seen so far (at most 64 KiB) and a few counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "secrets/secret_set.h"

namespace eryx::secrets {

class RequestRewriter {
 public:
  // `target_name`: the name the connection was checked and made for, or empty for a literal
  // address (no secret is ever sent then). A name normalize_host_name refuses also gets none.
  RequestRewriter(std::shared_ptr<const SecretSet> secrets, std::string_view target_name);
  // A connection made for several names at once (an address several allowed names resolved to):
  // a secret is allowed only when every name allows it. No names: no secret.
  RequestRewriter(std::shared_ptr<const SecretSet> secrets,
                  std::span<const std::string> target_names);

  // The bytes to send for this chunk of the guest's plaintext, in order: the chunk itself when
  // nothing is substituted.
  std::string rewrite(std::span<const uint8_t> chunk);
  std::string rewrite(std::string_view chunk) {
    return rewrite(std::span(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
  }

  // Ends the stream (the connection closes): the bytes of an unfinished request head, held back
  // until its end, as they were written. Substitution is over afterwards.
  std::string finish();

  // Whether substitution has ended for the connection (or never applied: no secret allowed for
  // the target): every further chunk comes back unchanged, so a caller may send it as it is
  // without calling rewrite.
  bool passing_through() const { return state_ == State::kPassThrough && head_.empty(); }

  // How many placeholders were substituted so far.
  uint64_t substitutions() const { return substitutions_; }

  // The longest line (request line, field line or chunk-size line, CRLF included) followed.
  static constexpr size_t kMaxLine = 64 * 1024;
  // The longest request head (request line and header section) held back to learn its Host.
  static constexpr size_t kMaxHead = 256 * 1024;

 private:
  enum class State {
    kRequestLine,
    kHeaders,
    kBody,          // Content-Length bytes left in body_left_
    kChunkSize,     // a chunk-size line
    kChunkData,     // body_left_ bytes of a chunk
    kChunkDataEnd,  // the CRLF after a chunk's data
    kTrailers,
    kPassThrough,
  };
  struct Edit {
    size_t offset;  // in head_
    size_t length;  // of the placeholder
    size_t secret;
  };

  // Handles one complete line (without its LF). `start` is its first byte's offset in head_ when
  // the whole line came in this chunk, otherwise npos.
  void on_line(std::string_view line, size_t start);
  void on_request_line(std::string_view line);
  void on_header_line(std::string_view line, size_t start);
  void on_end_of_headers();
  void on_chunk_size_line(std::string_view line);
  void find_placeholders(std::string_view value, size_t value_start);
  // Applies the head's edits whose secrets allow the host the request names (its one Host
  // header, and its absolute-form target if any), in head_.
  void release_head();

  std::shared_ptr<const SecretSet> secrets_;
  std::vector<size_t> allowed_;  // indices of the secrets allowed on this connection
  State state_ = State::kPassThrough;
  std::string line_;  // the current line's bytes from earlier chunks
  uint64_t body_left_ = 0;
  // The current request's framing.
  bool http10_ = false;
  bool connect_ = false;
  bool upgrade_ = false;
  bool has_length_ = false;
  bool chunked_ = false;
  bool has_transfer_encoding_ = false;
  uint64_t content_length_ = 0;
  std::vector<Edit> edits_;  // of the request head held in head_ (offsets into it)
  std::string head_;         // the current request's head so far, held back until it ends
  bool head_done_ = false;   // head_ is complete (and edited): it goes out now
  int host_count_ = 0;       // Host header fields in the current head
  std::string host_value_;
  bool has_authority_ = false;  // the request line's target is absolute-form
  bool bad_authority_ = false;  // ... or some other form that names no host
  std::string authority_;
  uint64_t substitutions_ = 0;
};

}  // namespace eryx::secrets
