// Callbacks: host functions that sandboxed Python calls with `await`.
//
// A callback has a name, a description, a JSON Schema for its parameters (an object schema whose
// properties, in order, are also the positional parameters in the guest) and a handler. Arguments
// are validated against the schema before the handler runs. Handlers are either synchronous (run
// on eryx's callback thread pool, so several run at once) or asynchronous (called on the
// executing thread, they must not block and complete a CallbackReply later, from any thread).
//
//   eryx::CallbackRegistry callbacks;
//   callbacks.add(eryx::make_callback("add", "Adds two integers", {"a", "b"},
//                                     [](int a, int b) { return a + b; }));
//   eryx::SandboxOptions options;
//   options.callbacks = callbacks;
//   eryx::Sandbox(options).execute("print(await add(2, 3))");
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "eryx/callback_registry.hpp"
#include "eryx/errors.hpp"

namespace eryx {

// Parses JSON text in time linear in its length (nlohmann's Json::parse into an ordered_json
// searches an object's keys linearly for every key it adds: seconds for 100,000 keys). Never
// recurses. Throws InvalidArgumentError for malformed JSON, a key that appears twice in one object
// (a validator and a handler could otherwise disagree on its value) or nesting deeper than
// kMaxJsonDepth.
Json parse_json(std::string_view text);

namespace detail {
struct ReplyState;
}

// Completes one asynchronous callback call. Copyable; the first succeed()/fail() wins, later ones
// are ignored. A reply dropped without completing fails the call.
class CallbackReply {
 public:
  explicit CallbackReply(std::shared_ptr<detail::ReplyState> state);
  void succeed(Json value) const;
  void fail(std::string message) const;

 private:
  std::shared_ptr<detail::ReplyState> state_;
};

using SyncHandler = std::function<Json(const Json& arguments)>;
using AsyncHandler = std::function<void(const Json& arguments, CallbackReply reply)>;

struct Callback {
  // Identifier segments separated by dots ("search", "store.kv.get"), none of the form __x__;
  // dotted names become namespaces in the guest.
  std::string name;
  std::string description;
  // A JSON Schema of type "object" (its "properties", in order, are the positional parameters).
  Json parameters_schema = Json{{"type", "object"}, {"properties", Json::object()}};
  // Exactly one of the two handlers is set.
  SyncHandler handler;
  AsyncHandler async_handler;
};

// What the guest's list_callbacks() returns for one callback.
struct CallbackInfo {
  std::string name;
  std::string description;
  Json parameters_schema;
};

// ---- typed helper: schema and (de)serialisation from a C++ signature ---------------------------

// JSON Schema of a C++ type used as a callback parameter or struct field. Specialise it (or use
// ERYX_CALLBACK_STRUCT) for your own types.
template <typename T, typename = void>
struct JsonSchemaOf;

namespace detail {
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
struct IsVector : std::false_type {};
template <typename T, typename A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <typename T>
struct IsFuture : std::false_type {};
template <typename T>
struct IsFuture<std::future<T>> : std::true_type {};
}  // namespace detail

template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<std::is_same_v<T, bool>>> {
  static Json schema() { return {{"type", "boolean"}}; }
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static Json schema() { return {{"type", "integer"}}; }
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static Json schema() { return {{"type", "number"}}; }
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<std::is_same_v<T, std::string>>> {
  static Json schema() { return {{"type", "string"}}; }
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<std::is_same_v<T, Json>>> {
  static Json schema() { return Json::object(); }  // any value
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<detail::IsOptional<T>::value>> {
  static Json schema() { return JsonSchemaOf<typename T::value_type>::schema(); }
};
template <typename T>
struct JsonSchemaOf<T, std::enable_if_t<detail::IsVector<T>::value>> {
  static Json schema() {
    return {{"type", "array"}, {"items", JsonSchemaOf<typename T::value_type>::schema()}};
  }
};

// Structs declared with ERYX_CALLBACK_STRUCT (found by argument-dependent lookup).
template <typename T>
struct JsonSchemaOf<T, std::void_t<decltype(eryx_json_schema(static_cast<const T*>(nullptr)))>> {
  static Json schema() { return eryx_json_schema(static_cast<const T*>(nullptr)); }
};

namespace detail {

template <typename T>
struct FunctionTraits : FunctionTraits<decltype(&T::operator())> {};
template <typename C, typename R, typename... A>
struct FunctionTraits<R (C::*)(A...) const> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};
template <typename C, typename R, typename... A>
struct FunctionTraits<R (C::*)(A...)> : FunctionTraits<R (C::*)(A...) const> {};
template <typename R, typename... A>
struct FunctionTraits<R (*)(A...)> {
  using Result = R;
  using Args = std::tuple<std::decay_t<A>...>;
};

template <typename T>
T argument_from(const Json& arguments, const std::string& name) {
  auto it = arguments.find(name);
  if constexpr (IsOptional<T>::value) {
    if (it == arguments.end() || it->is_null()) return std::nullopt;
    return it->template get<typename T::value_type>();
  } else {
    if (it == arguments.end()) throw CallbackError("missing argument '" + name + "'");
    return it->template get<T>();
  }
}

template <typename R>
Json result_to_json(R&& value) {
  if constexpr (IsFuture<std::decay_t<R>>::value) {
    if constexpr (std::is_void_v<decltype(value.get())>) {
      value.get();
      return nullptr;
    } else {
      return Json(value.get());
    }
  } else {
    return Json(std::forward<R>(value));
  }
}

template <typename F, typename Args, size_t... I>
Json call_with_named(F& fn, const Json& arguments, const std::vector<std::string>& names,
                     std::index_sequence<I...>) {
  using Result = decltype(fn(std::declval<std::tuple_element_t<I, Args>>()...));
  if constexpr (std::is_void_v<Result>) {
    fn(argument_from<std::tuple_element_t<I, Args>>(arguments, names[I])...);
    return nullptr;
  } else {
    return result_to_json(fn(argument_from<std::tuple_element_t<I, Args>>(arguments, names[I])...));
  }
}

template <typename Args, size_t... I>
Json schema_of_parameters(const std::vector<std::string>& names, std::index_sequence<I...>) {
  Json properties = Json::object();
  Json required = Json::array();
  ((properties[names[I]] = JsonSchemaOf<std::tuple_element_t<I, Args>>::schema()), ...);
  ((IsOptional<std::tuple_element_t<I, Args>>::value ? void() : required.push_back(names[I])), ...);
  return {{"type", "object"},
          {"properties", properties},
          {"required", required},
          {"additionalProperties", false}};
}

}  // namespace detail

// A synchronous callback whose schema and argument decoding come from fn's signature. Each
// parameter is named by `parameter_names` (same count as fn's parameters); std::optional
// parameters are not required. fn may return a value convertible to Json, void, or a
// std::future of either (waited on a pool thread).
template <typename F>
Callback make_callback(std::string name, std::string description,
                       std::vector<std::string> parameter_names, F fn) {
  using Traits = detail::FunctionTraits<std::decay_t<F>>;
  using Args = typename Traits::Args;
  constexpr size_t kArity = std::tuple_size_v<Args>;
  if (parameter_names.size() != kArity) {
    throw InvalidArgumentError("eryx: callback '" + name + "' has " + std::to_string(kArity) +
                               " parameters but " + std::to_string(parameter_names.size()) +
                               " parameter names");
  }
  Callback callback;
  callback.name = std::move(name);
  callback.description = std::move(description);
  callback.parameters_schema =
      detail::schema_of_parameters<Args>(parameter_names, std::make_index_sequence<kArity>{});
  callback.handler = [fn = std::move(fn),
                      names = std::move(parameter_names)](const Json& arguments) mutable -> Json {
    return detail::call_with_named<F, Args>(fn, arguments, names,
                                            std::make_index_sequence<kArity>{});
  };
  return callback;
}

// A synchronous callback taking one struct (declared with ERYX_CALLBACK_STRUCT): the struct's
// fields are the parameters.
template <typename Struct, typename F>
Callback make_struct_callback(std::string name, std::string description, F fn) {
  Callback callback;
  callback.name = std::move(name);
  callback.description = std::move(description);
  callback.parameters_schema = JsonSchemaOf<Struct>::schema();
  callback.handler = [fn = std::move(fn)](const Json& arguments) mutable -> Json {
    using Result = decltype(fn(std::declval<Struct>()));
    if constexpr (std::is_void_v<Result>) {
      fn(arguments.get<Struct>());
      return nullptr;
    } else {
      return detail::result_to_json(fn(arguments.get<Struct>()));
    }
  };
  return callback;
}

}  // namespace eryx

// std::optional<T> as JSON: null when empty (nlohmann_json 3.11 has no built-in support).
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  template <typename J>
  static void to_json(J& json, const std::optional<T>& value) {
    if (value) {
      json = *value;
    } else {
      json = nullptr;
    }
  }
  template <typename J>
  static void from_json(const J& json, std::optional<T>& value) {
    if (json.is_null()) {
      value.reset();
    } else {
      value = json.template get<T>();
    }
  }
};
}  // namespace nlohmann

// Declares JSON (de)serialisation and the JSON Schema of a plain struct from its field list, so it
// can be a callback's parameters (make_struct_callback) or a field or result of one:
//   struct Point { double x; double y; std::optional<std::string> label; };
//   ERYX_CALLBACK_STRUCT(Point, x, y, label)
// Use it in the struct's namespace; std::optional fields are not required.
#define ERYX_DETAIL_SCHEMA_FIELD(field)                                            \
  {                                                                                \
    using FieldType = std::decay_t<decltype(std::declval<Self>().field)>;          \
    properties[#field] = ::eryx::JsonSchemaOf<FieldType>::schema();                \
    if (!::eryx::detail::IsOptional<FieldType>::value) required.push_back(#field); \
  }
#define ERYX_CALLBACK_STRUCT(Type, ...)                                                         \
  template <typename J, std::enable_if_t<::nlohmann::detail::is_basic_json<J>::value, int> = 0> \
  void to_json(J& nlohmann_json_j, const Type& nlohmann_json_t) {                               \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                    \
  }                                                                                             \
  template <typename J, std::enable_if_t<::nlohmann::detail::is_basic_json<J>::value, int> = 0> \
  void from_json(const J& nlohmann_json_j, Type& nlohmann_json_t) {                             \
    Type nlohmann_json_default_obj;                                                             \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__))     \
  }                                                                                             \
  [[maybe_unused]] inline ::eryx::Json eryx_json_schema(const Type*) {                          \
    using Self = Type;                                                                          \
    ::eryx::Json properties = ::eryx::Json::object();                                           \
    ::eryx::Json required = ::eryx::Json::array();                                              \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(ERYX_DETAIL_SCHEMA_FIELD, __VA_ARGS__))            \
    return {{"type", "object"},                                                                 \
            {"properties", properties},                                                         \
            {"required", required},                                                             \
            {"additionalProperties", false}};                                                   \
  }
