// eryx::parse_json (include/eryx/callbacks.hpp): a SAX builder over nlohmann's iterative parser
// that appends object members without the per-key search of ordered_json's insert, and checks keys
// for duplicates once per object by sorting them.
#include <algorithm>
#include <string>
#include <vector>

#include "eryx/callbacks.hpp"

namespace eryx {
namespace {

class Builder {
 public:
  bool null() { return put(Json(nullptr)); }
  bool boolean(bool value) { return put(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return put(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return put(Json(value)); }
  bool number_float(Json::number_float_t value, const Json::string_t&) { return put(Json(value)); }
  bool string(Json::string_t& value) { return put(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return put(Json::binary(std::move(value))); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool key(Json::string_t& key) {
    key_ = std::move(key);
    return true;
  }
  bool end_object() {
    auto& members = stack_.back()->get_ref<Json::object_t&>();
    if (members.size() > 1) {
      std::vector<std::string_view> keys;
      keys.reserve(members.size());
      for (const auto& member : members) keys.emplace_back(member.first);
      std::sort(keys.begin(), keys.end());
      if (auto it = std::adjacent_find(keys.begin(), keys.end()); it != keys.end()) {
        error_ = "duplicate key '" + std::string(it->substr(0, 256)) + "'";
        return false;
      }
    }
    stack_.pop_back();
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    error_ = e.what();
    return false;
  }

  Json take() { return std::move(root_); }
  const std::string& error() const { return error_; }

 private:
  // Adds a value to the innermost open container (or makes it the root); returns where it is.
  // Pointers on the stack stay valid: only the innermost container grows.
  Json* add(Json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& top = *stack_.back();
    if (top.is_array()) {
      auto& items = top.get_ref<Json::array_t&>();
      items.push_back(std::move(value));
      return &items.back();
    }
    // ordered_map is a vector of members; emplace_back skips its linear search for the key.
    auto& members = static_cast<Json::object_t::Container&>(top.get_ref<Json::object_t&>());
    members.emplace_back(std::move(key_), std::move(value));
    return &members.back().second;
  }
  bool put(Json value) {
    add(std::move(value));
    return true;
  }
  bool open(Json container) {
    if (stack_.size() >= kMaxJsonDepth) {
      error_ = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
      return false;
    }
    stack_.push_back(add(std::move(container)));
    return true;
  }

  Json root_;
  std::vector<Json*> stack_;
  std::string key_;
  std::string error_;
};

}  // namespace

Json parse_json(std::string_view text) {
  Builder builder;
  if (!Json::sax_parse(text.begin(), text.end(), &builder) || !builder.error().empty()) {
    throw InvalidArgumentError(builder.error().empty() ? std::string("malformed JSON")
                                                       : builder.error());
  }
  return builder.take();
}

}  // namespace eryx
