"""Exceptions raised by eryx. Every one derives from EryxError."""

import builtins


class EryxError(Exception):
    """Base class of every eryx error."""


class ExecutionError(EryxError):
    """The sandboxed code raised an exception. str(e) is the guest's traceback.

    Attributes: type_name (e.g. "ValueError"), message (str of the guest exception),
    traceback_text (the formatted traceback).
    """

    type_name: str = ""
    message: str = ""
    traceback_text: str = ""


class TimeoutError(EryxError, builtins.TimeoutError):
    """The execution ran past its execution_timeout_ms."""


class ResourceLimitError(EryxError):
    """A resource limit (memory, fuel, VFS bytes, ...) was exceeded."""


class InitializationError(EryxError):
    """The runtime or the guest interpreter could not be started."""


class CancelledError(EryxError):
    """The execution was cancelled with cancel()."""


class InvalidArgumentError(EryxError, ValueError):
    """The host passed something invalid, e.g. code that is not valid Unicode."""


class PoolError(EryxError):
    """A SandboxPool could not lease a sandbox (base of the three below)."""


class PoolExhaustedError(PoolError):
    """Every sandbox of the pool is leased and the pool does not wait (acquire_timeout_ms=0)."""


class PoolTimeoutError(PoolError):
    """No sandbox of the pool came back within acquire_timeout_ms."""


class PoolClosedError(PoolError):
    """The pool was closed (before or during the wait for a sandbox)."""


class MCPError(EryxError):
    """An MCP server could not be started, did not complete the handshake, or failed a request
    (eryx.MCPManager)."""
