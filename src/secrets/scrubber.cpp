#include "secrets/scrubber.h"

#include <algorithm>
#include <utility>

#include "eryx/errors.hpp"
#include "secrets/stream_scrubber.h"

namespace eryx::secrets {
namespace {

// The trie while it is built: each node's children unsorted, as (byte, node).
struct TrieNode {
  std::vector<std::pair<uint8_t, uint32_t>> children;
  uint32_t depth = 0;
  bool terminal = false;
};

}  // namespace

std::shared_ptr<const Scrubber> Scrubber::make(std::vector<std::string> needles) {
  if (needles.empty()) throw InvalidArgumentError("eryx: a scrubber needs at least one needle");
  size_t total = 0;
  for (const auto& needle : needles) {
    if (needle.empty()) throw InvalidArgumentError("eryx: a needle to scrub must not be empty");
    total += needle.size();
    if (total > kMaxNeedleBytes) {
      throw InvalidArgumentError("eryx: the needles to scrub exceed " +
                                 std::to_string(kMaxNeedleBytes) + " bytes");
    }
  }
  std::sort(needles.begin(), needles.end());
  needles.erase(std::unique(needles.begin(), needles.end()), needles.end());

  std::vector<TrieNode> trie(1);
  for (const auto& needle : needles) {
    uint32_t node = kRoot;
    for (char ch : needle) {
      auto byte = static_cast<uint8_t>(ch);
      auto& children = trie[node].children;
      auto it = std::find_if(children.begin(), children.end(),
                             [&](const auto& edge) { return edge.first == byte; });
      if (it != children.end()) {
        node = it->second;
        continue;
      }
      auto next = static_cast<uint32_t>(trie.size());
      children.emplace_back(byte, next);
      uint32_t depth = trie[node].depth + 1;
      trie.emplace_back();
      trie.back().depth = depth;
      node = next;
    }
    trie[node].terminal = true;
  }

  auto scrubber = std::make_shared<Scrubber>(Token{});
  Scrubber& s = *scrubber;
  size_t count = trie.size();
  for (const auto& needle : needles) s.longest_ = std::max(s.longest_, needle.size());
  s.fail_.assign(count, kRoot);
  s.depth_.resize(count);
  s.match_.assign(count, 0);
  s.edge_begin_.resize(count + 1);
  s.edge_byte_.reserve(count - 1);
  s.edge_to_.reserve(count - 1);
  for (size_t i = 0; i < count; ++i) {
    auto& children = trie[i].children;
    std::sort(children.begin(), children.end());
    s.edge_begin_[i] = static_cast<uint32_t>(s.edge_byte_.size());
    for (auto [byte, to] : children) {
      s.edge_byte_.push_back(byte);
      s.edge_to_.push_back(to);
    }
    s.depth_[i] = trie[i].depth;
  }
  s.edge_begin_[count] = static_cast<uint32_t>(s.edge_byte_.size());
  for (auto [byte, to] : trie[kRoot].children) s.root_next_[byte] = to;

  // Failure links breadth-first, so a node's link (a shallower node) is complete before it is used.
  std::vector<State> queue;
  queue.reserve(count);
  for (auto [byte, to] : trie[kRoot].children) queue.push_back(to);
  for (size_t head = 0; head < queue.size(); ++head) {
    State node = queue[head];
    s.match_[node] = trie[node].terminal ? s.depth_[node] : s.match_[s.fail_[node]];
    for (uint32_t e = s.edge_begin_[node]; e < s.edge_begin_[node + 1]; ++e) {
      State to = s.edge_to_[e];
      s.fail_[to] = s.step(s.fail_[node], s.edge_byte_[e]);
      queue.push_back(to);
    }
  }
  return scrubber;
}

Scrubber::State Scrubber::child(State s, uint8_t byte) const {
  uint32_t begin = edge_begin_[s];
  uint32_t end = edge_begin_[s + 1];
  // Nearly every state of a needle has one child; only a few near the root have many.
  if (end - begin <= 8) {
    for (uint32_t e = begin; e < end; ++e) {
      if (edge_byte_[e] == byte) return edge_to_[e];
    }
    return kRoot;
  }
  auto first = edge_byte_.begin() + begin;
  auto last = edge_byte_.begin() + end;
  auto it = std::lower_bound(first, last, byte);
  return it != last && *it == byte ? edge_to_[it - edge_byte_.begin()] : kRoot;
}

bool Scrubber::contains_needle(std::string_view text) const {
  State state = kRoot;
  for (char ch : text) {
    state = step(state, static_cast<uint8_t>(ch));
    if (match_[state] != 0) return true;
  }
  return false;
}

std::string Scrubber::scrub(std::string_view text) const {
  StreamScrubber stream(shared_from_this());
  std::string out = stream.write(text);
  out += stream.flush();
  return out;
}

}  // namespace eryx::secrets
