"""eryx: run untrusted Python safely and fast, in a WebAssembly sandbox.

    import eryx
    sandbox = eryx.Sandbox()
    print(sandbox.execute("print('Hello!')").stdout)
"""

import atexit as _atexit
import contextvars as _contextvars
import os as _os

from eryx.errors import (
    CancelledError,
    EryxError,
    ExecutionError,
    InitializationError,
    InvalidArgumentError,
    MCPError,
    PoolClosedError,
    PoolError,
    PoolExhaustedError,
    PoolTimeoutError,
    ResourceLimitError,
    TimeoutError,
)
from eryx import _eryx
from eryx._callbacks import CallbackRegistry, target_loop as _callback_loop

# Guest files installed with the package; the ERYX_GUEST_DIR environment variable, when set,
# points elsewhere (e.g. at a development build's guest). The directory, not one of its files,
# decides: an installed package with files missing fails naming the file (InitializationError)
# instead of looking for the guest of the build tree it was built in.
_GUEST_DIR = _os.path.join(_os.path.dirname(__file__), "_guest")
if "ERYX_GUEST_DIR" not in _os.environ and _os.path.isdir(_GUEST_DIR):
    _eryx._configure_guest_dir(str(_GUEST_DIR))

# Before the interpreter finalizes, stop sandbox threads from entering Python (python/src/gil.h):
# a thread taking the GIL during finalization is ended by force, which would abort the process.
_atexit.register(_eryx._shutdown)

__version__ = _eryx.__version__

ExecuteResult = _eryx.ExecuteResult
ResourceLimits = _eryx.ResourceLimits
NetConfig = _eryx.NetConfig
SandboxFactory = _eryx.SandboxFactory
VfsStorage = _eryx.VfsStorage
MCPManager = _eryx.MCPManager
SandboxPool = _eryx.SandboxPool
PoolStats = _eryx.PoolStats


async def _execute_async(self, code):
    """Runs execute() on a worker thread. Cancelling the awaiting task (task.cancel(),
    asyncio.wait_for timing out) raises KeyboardInterrupt in this execution only, as Ctrl-C would:
    a Session keeps its state; code that swallows it is stopped hard after 2 s. Async callbacks
    of this execution run on the caller's event loop."""
    import asyncio  # imported on first use: it costs ~50 ms, most of `import eryx` otherwise

    loop = asyncio.get_running_loop()
    context = _contextvars.copy_context()
    context.run(_callback_loop.set, loop)
    token = _eryx._StopToken()
    future = loop.run_in_executor(None, context.run, self._execute_with_token, code, token)
    try:
        return await future
    except asyncio.CancelledError:
        token.interrupt()
        raise


def _keywords_of(function):
    """The keyword names a nanobind function accepts, read from its signature."""
    import re

    names = set()
    for signature, *_ in function.__nb_signature__:
        params = signature[signature.index("(") + 1 : signature.rindex(")")]
        names.update(re.findall(r"(?:^|, )\*?(\w+)(?=:|$|,)", params))
    return names - {"self", "cls"}


def _name_bad_arguments(qualname):
    """Wraps a nanobind function so that a call with an unknown keyword or a positional argument
    where only keywords are taken says so as Python's own functions do, naming the argument,
    instead of nanobind's list of supported signatures."""

    def wrap(function):
        import functools

        @functools.wraps(function)
        def checked(self, *args, **kwargs):
            try:
                return function(self, *args, **kwargs)
            except TypeError as error:
                if "incompatible function arguments" not in str(error):
                    raise
                accepted = _keywords_of(function)
                unknown = sorted(set(kwargs) - accepted)
                if unknown:
                    message = (f"{qualname}() got an unexpected keyword argument {unknown[0]!r} "
                               f"(it takes: {', '.join(sorted(accepted))})")
                elif args and "*" in function.__nb_signature__[0][0]:
                    message = f"{qualname}() takes keyword arguments only, not {len(args)} positional"
                else:
                    raise
                raise TypeError(message) from None

        return checked

    return wrap


for _cls, _method in [(_eryx.Sandbox, "__init__"), (_eryx.Session, "__init__"),
                      (_eryx.SandboxFactory, "__init__"), (_eryx.SandboxFactory, "create_sandbox"),
                      (_eryx.SandboxFactory, "create_session"),
                      (_eryx.SandboxFactory, "create_pool"), (_eryx.SandboxPool, "acquire"),
                      (_eryx.SandboxPool, "try_acquire"),
                      (_eryx.ResourceLimits, "__init__"), (_eryx.NetConfig, "__init__")]:
    _qualname = _cls.__name__ + ("" if _method == "__init__" else "." + _method)
    setattr(_cls, _method, _name_bad_arguments(_qualname)(getattr(_cls, _method)))


def _taking_mcp(init, doc):
    """pyeryx's mcp= keyword: the MCPManager's tools join the callbacks (callbacks=manager, or
    [registry, manager], says the same)."""

    def __init__(self, *args, mcp=None, **kwargs):
        if mcp is not None:
            if not isinstance(mcp, MCPManager):
                raise TypeError(f"mcp must be an eryx.MCPManager, not {type(mcp).__name__}")
            given = kwargs.get("callbacks")
            if given is None:
                kwargs["callbacks"] = mcp
            elif isinstance(given, (list, tuple)):
                kwargs["callbacks"] = [*given, mcp]
            else:
                kwargs["callbacks"] = [given, mcp]
        init(self, *args, **kwargs)

    __init__.__doc__ = doc
    return __init__


class Sandbox(_eryx.Sandbox):
    """An isolated Python environment; each execute() starts from a fresh interpreter."""

    __init__ = _taking_mcp(
        _eryx.Sandbox.__init__,
        "Makes the sandbox; every option is a keyword (docs/guide/sandboxes.md). mcp= adds an "
        "MCPManager's tools to the callbacks.")
    execute_async = _execute_async


class Session(_eryx.Session):
    """A live interpreter kept between executions: variables, functions and imports persist."""

    __init__ = _taking_mcp(
        _eryx.Session.__init__,
        "Starts the session's interpreter; every option is a keyword (docs/guide/sessions.md). "
        "mcp= adds an MCPManager's tools to the callbacks.")
    execute_async = _execute_async


class PooledSandbox(_eryx.PooledSandbox):
    """A sandbox leased from a SandboxPool; a context manager that releases it on exit."""

    execute_async = _execute_async


__all__ = [
    "CallbackRegistry",
    "CancelledError",
    "EryxError",
    "ExecuteResult",
    "ExecutionError",
    "InitializationError",
    "InvalidArgumentError",
    "MCPError",
    "MCPManager",
    "NetConfig",
    "PoolClosedError",
    "PoolError",
    "PoolExhaustedError",
    "PoolStats",
    "PoolTimeoutError",
    "PooledSandbox",
    "ResourceLimitError",
    "ResourceLimits",
    "Sandbox",
    "SandboxFactory",
    "SandboxPool",
    "Session",
    "TimeoutError",
    "VfsStorage",
]
