// What the built-in snapshot images hold, and which one an execution starts from.
//
// The build makes two images of the interpreter (cli/snapshot_main.cpp): both hold the stdlib
// modules real code imports most (kImageModules), imported once at build time so that a fresh
// sandbox maps them instead of unmarshalling and running them from the zip; the asyncio image holds
// asyncio as well (~100 ms to import, needed by top-level await and callbacks), which costs every
// fresh sandbox of the image ~0.06 ms (more heap pages written by a `pass`). A fresh Sandbox
// execution gets the plain image unless it may use asyncio (image_for_code); Sessions, factories
// and everything that saves or restores an interpreter's pages always use the asyncio image, whose
// identity (eryx-snapshot.id) such pages are tied to.
//
// The choice must be invisible: sys.modules may hold more, nothing else differs. A wrong guess only
// costs time (the plain image imports asyncio on first use, as any module). Modules whose import
// captures state that must differ per sandbox are audited in docs/guest.md ("What the images
// hold"); `random` seeds itself at import, so every fresh interpreter is reseeded before its first
// execution (the engine's ExecutionContext::reseed).
#pragma once

#include <string>
#include <string_view>

namespace eryx::engine {

enum class BuiltinImage {
  kPlain,    // the stdlib modules
  kAsyncio,  // the same plus asyncio: Sessions, factories, code that awaits or calls back
};

// The modules both images import (dotted names; their own imports come along). docs/guest.md
// gives each one's import cost and why it is in.
inline constexpr std::string_view kImageModules[] = {
    // needed by every execution's result, or loaded by start-up already
    "json", "re", "os", "traceback", "types", "warnings", "weakref",
    // the common stdlib (issue 15 lists these)
    "base64", "bisect", "calendar", "collections", "collections.abc", "contextlib", "copy", "csv",
    "dataclasses", "datetime", "decimal", "difflib", "enum", "fractions", "functools", "hashlib",
    "heapq", "io", "itertools", "math", "operator", "pathlib", "pprint", "random", "shlex",
    "statistics", "string", "struct", "textwrap", "time", "typing", "urllib.parse", "uuid",
    // imported by the modules above anyway, or tiny (docs/guest.md has how often code imports them)
    "__future__", "abc", "fnmatch", "glob", "inspect", "numbers", "shutil", "tempfile", "zlib"};

inline constexpr std::string_view kAsyncioImageModules[] = {"asyncio"};

// Python that imports the image's modules without binding a name in __main__ (the builder runs
// it as an execution, before the heap is frozen).
std::string image_import_code(BuiltinImage image);

// The image a fresh execution of `code` starts from: the asyncio one when it registers callbacks
// or mentions async/await (top-level await, asyncio.run, `async def`), else the plain one.
BuiltinImage image_for_code(std::string_view code, bool has_callbacks);

}  // namespace eryx::engine
