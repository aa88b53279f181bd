#include "repl_guest.h"

namespace eryx::cli::repl_guest {
namespace {

// Runs in a fresh module's namespace (see install_code). Modelled on code.InteractiveConsole and
// asyncio's REPL (python -m asyncio), whose behaviour users know.
constexpr std::string_view kHelperSource = R"py(
import builtins
import codeop
import sys
import traceback

FILENAME = '<stdin>'
CO_COROUTINE = 0x80  # inspect.CO_COROUTINE (inspect is slow to import)

# Stateful like python's REPL: a `from __future__ import` stays in force for later blocks.
compiler = codeop.CommandCompiler()
compiler.compiler.flags |= 0x2000  # ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, as python -m asyncio does
loop = None


class More(BaseException):
    """The block is incomplete; the host reads another line."""


class Exit(BaseException):
    """The code asked to leave the REPL; str(self) is the exit status."""


class Quitter:
    """exit and quit as the site module defines them."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f'Use {self.name}() or Ctrl-D (i.e. EOF) to exit'

    def __call__(self, code=None):
        raise SystemExit(code)


# As in python's interactive mode; libraries test for sys.ps1 to know they run interactively.
sys.ps1, sys.ps2 = '>>> ', '... '

# On a terminal python's stdout is line-buffered: each line shows as it is printed.
for _stream in (sys.stdout, sys.stderr):
    try:
        _stream.reconfigure(line_buffering=True)
    except (AttributeError, ValueError):  # replaced by the user's code, or closed
        pass
del _stream

for _name in ('exit', 'quit'):
    if not hasattr(builtins, _name):
        setattr(builtins, _name, Quitter(_name))
del _name


def banner(eryx_version):
    print(f'eryx {eryx_version} (sandboxed Python {sys.version}) on {sys.platform}')
    print('Type exit() or press Ctrl-D to leave; Ctrl-C interrupts running code.')


def push(data):
    try:
        code = compiler(data.decode('utf-8'), FILENAME, 'single')
    except (OverflowError, SyntaxError, ValueError) as e:  # what code.InteractiveConsole catches
        report(e, None)
        return
    if code is None:
        raise More
    main = sys.modules['__main__'].__dict__
    try:
        value = eval(code, main)
        if code.co_flags & CO_COROUTINE:
            event_loop().run_until_complete(value)
    except SystemExit as e:
        raise Exit(exit_status(e.code)) from None
    except BaseException as e:
        # Start at the user's first frame: the helper's and asyncio's frames are not theirs.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
            tb = tb.tb_next
        report(e, tb)


def complete(data):
    # The candidates python's REPL offers for Tab (rlcompleter), one per line.
    import rlcompleter
    completer = rlcompleter.Completer(sys.modules['__main__'].__dict__)
    text, found = data.decode('utf-8'), []
    while len(found) < 1000:
        match = completer.complete(text, len(found))
        if match is None:
            break
        found.append(match)
    print('\n'.join(dict.fromkeys(found)))


def event_loop():
    # Also the current loop, as in python -m asyncio: asyncio.ensure_future() outside an await
    # schedules on it, and the task runs while a later input awaits.
    global loop
    if loop is None or loop.is_closed():
        import asyncio
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


event_loop()


def report(e, tb):
    # As code.InteractiveConsole: remembered for pdb.pm(), printed by a user's sys.excepthook.
    sys.last_exc = sys.last_value = e
    sys.last_type, sys.last_traceback = type(e), tb
    if sys.excepthook is sys.__excepthook__:
        sys.stderr.write(''.join(traceback.format_exception(type(e), e, tb)))
    else:
        sys.excepthook(type(e), e, tb)


def exit_status(code):
    # As python's own exit: None is 0, an int is the status, anything else is printed and 1.
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except BaseException:
        pass
    return 1
)py";

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

// Bytes as a Python expression: hex needs no escaping rules and survives any input byte.
std::string bytes_literal(std::string_view bytes) { return "bytes.fromhex('" + hex(bytes) + "')"; }

constexpr std::string_view kHelper = "__import__('sys').modules['_eryx_repl']";

}  // namespace

std::string install_code() {
  // One expression: a statement at top level would leave names in __main__.
  return "(lambda m: (exec(compile(" + bytes_literal(kHelperSource) +
         ".decode(), '<eryx-repl>', 'exec'), m.__dict__), "
         "__import__('sys').modules.__setitem__('_eryx_repl', m)))"
         "(__import__('types').ModuleType('_eryx_repl'))\n";
}

std::string banner_code(std::string_view eryx_version) {
  return std::string(kHelper) + ".banner(" + bytes_literal(eryx_version) + ".decode())\n";
}

std::string push_code(std::string_view source) {
  return std::string(kHelper) + ".push(" + bytes_literal(source) + ")\n";
}

std::string complete_code(std::string_view word) {
  return std::string(kHelper) + ".complete(" + bytes_literal(word) + ")\n";
}

std::string probe_code() { return std::string(kHelper) + "\n"; }

}  // namespace eryx::cli::repl_guest
