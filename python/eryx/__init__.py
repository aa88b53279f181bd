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
    ResourceLimitError,
    TimeoutError,
)
from eryx import _eryx
from eryx._callbacks import CallbackRegistry, target_loop as _callback_loop

# Guest files installed with the package; the ERYX_GUEST_DIR environment variable, when set,
# points elsewhere (e.g. at a development build's guest).
_GUEST_DIR = _os.path.join(_os.path.dirname(__file__), "_guest")
if "ERYX_GUEST_DIR" not in _os.environ and _os.path.isfile(
    _os.path.join(_GUEST_DIR, "eryx-guest.wasm")
):
    _eryx._configure_guest_dir(str(_GUEST_DIR))

# Before the interpreter finalizes, stop sandbox threads from entering Python (python/src/gil.h):
# a thread taking the GIL during finalization is ended by force, which would abort the process.
_atexit.register(_eryx._shutdown)

ExecuteResult = _eryx.ExecuteResult
ResourceLimits = _eryx.ResourceLimits
NetConfig = _eryx.NetConfig
SandboxFactory = _eryx.SandboxFactory
VfsStorage = _eryx.VfsStorage
MCPManager = _eryx.MCPManager


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


class Sandbox(_eryx.Sandbox):
    """An isolated Python environment; each execute() starts from a fresh interpreter."""

    execute_async = _execute_async


class Session(_eryx.Session):
    """A live interpreter kept between executions: variables, functions and imports persist."""

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
    "ResourceLimitError",
    "ResourceLimits",
    "Sandbox",
    "SandboxFactory",
    "Session",
    "TimeoutError",
    "VfsStorage",
]
