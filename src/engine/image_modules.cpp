#include "engine/image_modules.h"

namespace eryx::engine {

std::string image_import_code(BuiltinImage image) {
  // A comprehension keeps its variable to itself: __main__ gains no name.
  std::string code = "[__import__(m) for m in (";
  auto add = [&](std::string_view name) {
    code += '\'';
    code += name;
    code += "',";
  };
  for (auto name : kImageModules) add(name);
  if (image == BuiltinImage::kAsyncio) {
    for (auto name : kAsyncioImageModules) add(name);
  }
  code += ")]\n";
  return code;
}

BuiltinImage image_for_code(std::string_view code, bool has_callbacks) {
  // "async" covers asyncio, `async def`, `async for`/`with`; "await" top-level await. Text in
  // strings or comments only makes the guess cautious.
  if (has_callbacks || code.find("async") != std::string_view::npos ||
      code.find("await") != std::string_view::npos) {
    return BuiltinImage::kAsyncio;
  }
  return BuiltinImage::kPlain;
}

}  // namespace eryx::engine
