import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Optional, TypedDict, TypeVar, Union, overload

from eryx.errors import (
    CancelledError as CancelledError,
    EryxError as EryxError,
    ExecutionError as ExecutionError,
    InitializationError as InitializationError,
    InvalidArgumentError as InvalidArgumentError,
    MCPError as MCPError,
    PoolClosedError as PoolClosedError,
    PoolError as PoolError,
    PoolExhaustedError as PoolExhaustedError,
    PoolTimeoutError as PoolTimeoutError,
    ResourceLimitError as ResourceLimitError,
    TimeoutError as TimeoutError,
)

OutputHandler = Callable[[str], object]
# bytes, bytearray, memoryview, array.array...: any contiguous buffer.
BytesLike = Union[bytes, bytearray, memoryview]

class _SecretRequired(TypedDict):
    value: str

class SecretSpec(_SecretRequired, total=False):
    """A secret: its value, and the host patterns whose HTTP requests may carry it."""

    allowed_hosts: Sequence[str]

class CallbackDict(TypedDict, total=False):
    name: str
    fn: Callable[..., Any]
    description: str
    schema: dict[str, Any]

_F = TypeVar("_F", bound=Callable[..., Any])

class CallbackRegistry:
    """Host functions the sandboxed code can await (docs/guide/callbacks.md)."""
    def __init__(self) -> None:
        """An empty registry; add() or @callback fill it."""
    # Bare: @registry.callback
    @overload
    def callback(self, name: _F, /) -> _F: ...
    # With arguments: @registry.callback(name=..., description=..., schema=...)
    @overload
    def callback(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        schema: Optional[dict[str, Any]] = None,
    ) -> Callable[[_F], _F]: ...
    def add(
        self,
        fn: _F,
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        schema: Optional[dict[str, Any]] = None,
    ) -> _F:
        """Registers `fn` (a function or an async function); returns it unchanged.  name defaults to
        fn.__name__, description to the first line of its docstring, schema to the one inferred
        from its signature."""
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[CallbackDict]:
        """Each callback as a dict {"name", "fn", "description", "schema"}."""
    def __contains__(self, name: object) -> bool: ...

class MCPTool(TypedDict):
    server: str
    name: str
    callback_name: str
    title: str
    description: str
    input_schema: dict[str, Any]
    schema: dict[str, Any]  # the same as input_schema (pyeryx's key)
    output_schema: Optional[dict[str, Any]]

class MCPManager:
    """MCP servers (stdio) whose tools sandboxed code calls as callbacks mcp.<server>.<tool>
    (docs/guide/mcp.md). Pass it as callbacks=, alone or in a list with CallbackRegistry objects."""

    def __init__(self) -> None: ...
    def connect(
        self,
        name: str,
        command: str,
        args: Sequence[str] = [],
        env: Mapping[str, str] = {},
        timeout_secs: float = 30.0,
    ) -> int:
        """Starts the server, performs the MCP handshake and lists its tools; returns how many it
        has. Raises MCPError."""
    def list_tools(self) -> list[MCPTool]: ...
    @property
    def servers(self) -> list[str]: ...
    @property
    def server_names(self) -> list[str]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "MCPManager": ...
    def __exit__(self, *args: object) -> None: ...

Callbacks = Union[
    CallbackRegistry,
    MCPManager,
    Sequence[Union[CallbackDict, CallbackRegistry, MCPManager]],
]
# A host directory or file shown to the code (docs/guide/files.md):
# (host_path, guest_path[, read_only=True[, max_bytes=1 GiB]]).
Volume = Union[
    tuple[Union[str, os.PathLike[str]], str],
    tuple[Union[str, os.PathLike[str]], str, bool],
    tuple[Union[str, os.PathLike[str]], str, bool, int],
]

class NetConfig:
    """What a sandbox may reach over the network (docs/guide/networking.md). Without one, a
    sandbox has no network. Invalid patterns, CIDRs or certificates raise InvalidArgumentError
    (a ValueError) where they are given."""

    max_connections: int
    connect_timeout_ms: int
    io_timeout_ms: int
    allow_all_hosts: Optional[bool]
    allowed_hosts: list[str]
    blocked_hosts: list[str]
    blocked_networks: list[str]
    allowed_networks: list[str]
    internal_hosts: list[str]
    @property
    def root_cert_count(self) -> int: ...
    def __init__(
        self,
        *,
        max_connections: int = 10,
        connect_timeout_ms: int = 30000,
        io_timeout_ms: int = 60000,
        allow_all_hosts: Optional[bool] = None,
        allowed_hosts: Optional[Sequence[str]] = None,
        blocked_hosts: Optional[Sequence[str]] = None,
        blocked_networks: Optional[Sequence[str]] = None,
        allowed_networks: Optional[Sequence[str]] = None,
        internal_hosts: Optional[Sequence[str]] = None,
    ) -> None:
        """A policy: connection cap and timeouts, host patterns to allow or block, networks to allow
        or block (CIDR), internal host names allowed to resolve to private addresses. Invalid
        values raise InvalidArgumentError."""
    @staticmethod
    def permissive() -> NetConfig:
        """Everything reachable, loopback and private networks included."""
    def allow_host(self, pattern: str) -> NetConfig:
        """Allows names matching `pattern` and, from then on, only the allowed names."""
    def block_host(self, pattern: str) -> NetConfig:
        """Refuses hosts matching the pattern, even when otherwise allowed; returns self."""
    def allow_network(self, cidr: str) -> NetConfig:
        """Allows addresses in `cidr`, even inside blocked_networks."""
    def allow_internal_host(self, pattern: str) -> NetConfig:
        """Lets names matching `pattern` resolve into blocked networks."""
    def allow_localhost(self) -> NetConfig:
        """Allows the name localhost, 127.0.0.0/8 and ::1."""
    def with_root_cert(self, cert: BytesLike | str) -> NetConfig:
        """Trusts a root certificate (DER or PEM bytes, or a PEM str; a PEM may hold several)."""
    def map_host(self, name: str, addresses: Sequence[str]) -> NetConfig:
        """Resolves `name` to `addresses` (like curl --resolve); still checked by the policy."""

class ResourceLimits:
    """Limits of each execution. None turns a limit off (max_vfs_bytes: None is the 64 MiB default).
    Values are checked where they are given; a ValueError or TypeError names the field. Compares,
    copies and pickles as a value."""
    execution_timeout_ms: Optional[int]
    callback_timeout_ms: Optional[int]
    max_memory_bytes: Optional[int]
    max_callback_invocations: Optional[int]
    max_fuel: Optional[int]
    max_vfs_bytes: Optional[int]
    max_output_bytes: int
    max_callback_payload_bytes: int
    def __init__(
        self,
        execution_timeout_ms: Optional[int] = 30000,
        callback_timeout_ms: Optional[int] = 10000,
        max_memory_bytes: Optional[int] = 134217728,
        max_callback_invocations: Optional[int] = 1000,
        max_fuel: Optional[int] = None,
        max_vfs_bytes: Optional[int] = None,
        max_output_bytes: int = 1048576,
        max_callback_payload_bytes: int = 4194304,
    ) -> None:
        """Defaults: 30 s per execution, 10 s per callback, 128 MiB of guest memory, 1000 callback
        calls, no fuel limit, 1 MiB of stdout and of stderr kept, 4 MiB per callback payload."""
    @staticmethod
    def unlimited() -> ResourceLimits:
        """No time, memory or callback limits. The VFS, output and payload caps stay: they bound the
        host's memory."""

class ExecuteResult:
    """What one successful execution produced: output, the result variable (as JSON and parsed), and
    statistics."""
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def stdout_text(self) -> str: ...
    @property
    def stderr_text(self) -> str: ...
    @property
    def duration_ms(self) -> float: ...
    @property
    def peak_memory_bytes(self) -> int: ...
    @property
    def fuel_consumed(self) -> Optional[int]: ...
    @property
    def callback_invocations(self) -> int: ...
    @property
    def result(self) -> Any: ...
    @property
    def result_json(self) -> Optional[str]: ...
    @property
    def result_error(self) -> Optional[str]: ...
    @property
    def stdout_truncated(self) -> bool: ...
    @property
    def stderr_truncated(self) -> bool: ...

class Sandbox:
    """An isolated Python environment; each execute() starts from a fresh interpreter."""
    def __init__(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        result_variable: Optional[str] = "result",
        callbacks: Optional[Callbacks] = None,
        mcp: Optional[MCPManager] = None,
        network: Optional[NetConfig] = None,
        volumes: Optional[Sequence[Volume]] = None,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        secrets: Optional[Mapping[str, SecretSpec]] = None,
        scrub_stdout: Optional[bool] = None,
        scrub_stderr: Optional[bool] = None,
        scrub_result: Optional[bool] = None,
        scrub_files: Optional[bool] = None,
        scrub_callback_args: Optional[bool] = None,
        guest: Optional[str] = None,
    ) -> None:
        """guest: a guest flavour with compiled packages built in, e.g. "numpy"
        (docs/guide/packages.md); None: the plain guest."""
    def execute(self, code: str) -> ExecuteResult:
        """Runs code in a fresh interpreter and returns an ExecuteResult."""
    async def execute_async(self, code: str) -> ExecuteResult: ...
    def cancel(self) -> None:
        """Stops every running execution at once (CancelledError)."""
    def interrupt(self) -> None:
        """Raises KeyboardInterrupt in every running execution, as Ctrl-C does."""

class PoolStats:
    """Statistics of a SandboxPool (SandboxPool.stats())."""
    @property
    def total(self) -> int:
        """Sandboxes the pool tracks: in use + idle."""
    @property
    def idle(self) -> int:
        """Sandboxes ready to lease."""
    @property
    def available(self) -> int:
        """Leases that could start now: max_size - in_use."""
    @property
    def in_use(self) -> int:
        """Sandboxes leased (a released lease whose execution still runs counts)."""
    @property
    def total_acquisitions(self) -> int:
        """Successful acquisitions since the pool was made."""
    @property
    def total_creations(self) -> int:
        """Sandboxes made: min_idle at the start, then on demand."""
    @property
    def wait_count(self) -> int:
        """Acquisitions that found every sandbox leased and waited."""
    @property
    def total_wait_time_ms(self) -> float:
        """Time those acquisitions waited, in milliseconds."""
    @property
    def average_wait_time_ms(self) -> float:
        """total_wait_time_ms / wait_count (0.0 without waits)."""

class PooledSandbox:
    """A sandbox leased from a SandboxPool; a context manager that releases it on exit."""
    def execute(self, code: str) -> ExecuteResult:
        """Runs code in a fresh interpreter of the pool's factory; ValueError once released."""
    async def execute_async(self, code: str) -> ExecuteResult: ...
    def release(self) -> None:
        """Gives the sandbox back to its pool; idempotent."""
    @property
    def released(self) -> bool:
        """Whether release() was called."""
    def cancel(self) -> None:
        """Stops every execution running on this lease at once (CancelledError)."""
    def interrupt(self) -> None:
        """Raises KeyboardInterrupt in every execution running on this lease."""
    def __enter__(self) -> PooledSandbox: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Any,
    ) -> None: ...

class SandboxPool:
    """Leases a SandboxFactory's sandboxes to many threads, at most max_size at once
    (docs/guide/pools.md). Made by SandboxFactory.create_pool()."""
    def acquire(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        callbacks: Optional[Callbacks] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
    ) -> PooledSandbox:
        """A lease, waiting up to acquire_timeout_ms (without the GIL) when every sandbox is out:
        PoolTimeoutError past it, PoolExhaustedError at once when acquire_timeout_ms is 0,
        PoolClosedError when the pool is closed."""
    def try_acquire(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        callbacks: Optional[Callbacks] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
    ) -> Optional[PooledSandbox]:
        """A lease if one is free now, else None; PoolClosedError when the pool is closed."""
    def stats(self) -> PoolStats:
        """The pool's PoolStats now."""
    def evict_idle(self) -> int:
        """Drops sandboxes idle longer than idle_timeout_ms, keeping min_idle; returns how many."""
    def close(self) -> None:
        """No more leases: blocked acquire() calls raise PoolClosedError; leases out keep working."""
    @property
    def is_closed(self) -> bool:
        """Whether close() was called."""
    @property
    def max_size(self) -> int:
        """Leases out at once, at most."""
    def __enter__(self) -> SandboxPool: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_val: Optional[BaseException],
        exc_tb: Any,
    ) -> None: ...

class VfsStorage:
    """In-memory files several Sessions mount at once (at /data by default)."""

    def __init__(self, *, max_bytes: int = 67108864) -> None:
        """Empty storage holding at most max_bytes of file data (ENOSPC in the guest past it)."""
    def write_file(self, path: str, data: BytesLike) -> None:
        """Creates or replaces the file (parents are created)."""
    def read_file(self, path: str) -> bytes:
        """The file's bytes."""
    def list(self, path: str = "/") -> list[str]:
        """The names in a directory, sorted."""
    def remove(self, path: str) -> None:
        """Removes a file, or a directory with everything in it."""
    @property
    def size_bytes(self) -> int:
        """Bytes of file data stored (what max_bytes limits)."""
    @property
    def max_bytes(self) -> int: ...
    def snapshot(self) -> bytes:
        """The whole tree as bytes (versioned, checksummed) for restore()."""
    def restore(self, data: BytesLike) -> None:
        """Replaces the contents with snapshot() bytes; corrupt bytes raise EryxError and change
        nothing."""

class Session:
    """A live interpreter kept between executions: variables, functions and imports persist."""
    execution_timeout_ms: Optional[int]
    def __init__(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        result_variable: Optional[str] = "result",
        callbacks: Optional[Callbacks] = None,
        mcp: Optional[MCPManager] = None,
        network: Optional[NetConfig] = None,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        vfs: Optional[VfsStorage] = None,
        vfs_mount_path: Optional[str] = None,
        execution_timeout_ms: Optional[int] = None,
        volumes: Optional[Sequence[Volume]] = None,
        secrets: Optional[Mapping[str, SecretSpec]] = None,
        scrub_stdout: Optional[bool] = None,
        scrub_stderr: Optional[bool] = None,
        scrub_result: Optional[bool] = None,
        scrub_files: Optional[bool] = None,
        scrub_callback_args: Optional[bool] = None,
        guest: Optional[str] = None,
    ) -> None: ...
    def execute(self, code: str) -> ExecuteResult:
        """Runs code in the session's interpreter; state persists."""
    async def execute_async(self, code: str) -> ExecuteResult: ...
    def reset(self) -> None:
        """Replaces the interpreter with a fresh one."""
    def clear_state(self) -> None:
        """Drops the user's globals; imported modules stay warm."""
    def fork(self) -> Session:
        """A new, independent Session with this one's live state (variables, modules, generators,
        files)."""
    def snapshot(self) -> bytes:
        """The live state fork() copies, as bytes for Session.from_snapshot()."""
    @classmethod
    def from_snapshot(
        cls,
        data: BytesLike,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        result_variable: Optional[str] = "result",
        callbacks: Optional[Callbacks] = None,
        network: Optional[NetConfig] = None,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        vfs: Optional[VfsStorage] = None,
        vfs_mount_path: Optional[str] = None,
        volumes: Optional[Sequence[Volume]] = None,
        secrets: Optional[Mapping[str, SecretSpec]] = None,
        scrub_stdout: Optional[bool] = None,
        scrub_stderr: Optional[bool] = None,
        scrub_result: Optional[bool] = None,
        scrub_files: Optional[bool] = None,
        scrub_callback_args: Optional[bool] = None,
        guest: Optional[str] = None,
    ) -> Session:
        """A new Session from snapshot() bytes; the options (packages too) and the VfsStorage are
        not part of the bytes."""
    def snapshot_state(self) -> bytes:
        """Serialises the user's globals (pickle) to bytes."""
    def restore_state(self, state: BytesLike) -> None:
        """Loads globals from snapshot_state() bytes; a corrupt blob raises."""
    def cancel(self) -> None:
        """Stops every running execution at once (CancelledError)."""
    def interrupt(self) -> None:
        """Raises KeyboardInterrupt in every running execution, as Ctrl-C does."""
    @property
    def execution_count(self) -> int: ...
    @property
    def vfs(self) -> Optional[VfsStorage]:
        """The VfsStorage this session mounts, or None."""
    @property
    def vfs_mount_path(self) -> Optional[str]:
        """Where the VfsStorage is mounted (e.g. /data), or None without one."""

class SandboxFactory:
    """An interpreter pre-initialised once (imports, packages, setup code); its sandboxes start from
    that state in about the time of a plain one (docs/guide/factories.md)."""
    def __init__(
        self,
        *,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        imports: Optional[Sequence[str]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        build_timeout_ms: Optional[int] = 60000,
        setup_code: Optional[str] = None,
        guest: Optional[str] = None,
    ) -> None:
        """Builds the factory: loads the packages, imports the modules, runs setup_code. Ctrl-C
        interrupts it; a failure raises InitializationError with the guest's traceback. guest: a
        guest flavour (None: the one providing a package in imports, e.g. numpy, else the plain
        guest)."""
    def create_sandbox(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        result_variable: Optional[str] = "result",
        callbacks: Optional[Callbacks] = None,
        network: Optional[NetConfig] = None,
        volumes: Optional[Sequence[Volume]] = None,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        secrets: Optional[Mapping[str, SecretSpec]] = None,
        scrub_stdout: Optional[bool] = None,
        scrub_stderr: Optional[bool] = None,
        scrub_result: Optional[bool] = None,
        scrub_files: Optional[bool] = None,
        scrub_callback_args: Optional[bool] = None,
    ) -> Sandbox:
        """A Sandbox whose every execution starts from the factory's state."""
    def create_session(
        self,
        *,
        resource_limits: Optional[ResourceLimits] = None,
        on_stdout: Optional[OutputHandler] = None,
        on_stderr: Optional[OutputHandler] = None,
        result_variable: Optional[str] = "result",
        callbacks: Optional[Callbacks] = None,
        network: Optional[NetConfig] = None,
        vfs: Optional[VfsStorage] = None,
        vfs_mount_path: Optional[str] = None,
        execution_timeout_ms: Optional[int] = None,
        volumes: Optional[Sequence[Volume]] = None,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        secrets: Optional[Mapping[str, SecretSpec]] = None,
        scrub_stdout: Optional[bool] = None,
        scrub_stderr: Optional[bool] = None,
        scrub_result: Optional[bool] = None,
        scrub_files: Optional[bool] = None,
        scrub_callback_args: Optional[bool] = None,
    ) -> Session:
        """A Session that starts from the factory's state and keeps its own from then on; reset()
        returns it to the factory's state. Options as Session()."""
    def create_pool(
        self,
        *,
        max_size: int = 10,
        min_idle: int = 1,
        acquire_timeout_ms: int = 30000,
        idle_timeout_ms: int = 300000,
    ) -> SandboxPool:
        """A SandboxPool leasing this factory's sandboxes: at most max_size at once, min_idle kept
        ready, acquire() waiting up to acquire_timeout_ms, evict_idle() dropping sandboxes idle
        past idle_timeout_ms (docs/guide/pools.md)."""
    @property
    def size_bytes(self) -> int:
        """Bytes of state the factory holds (memory pages and package files)."""
    def to_bytes(self) -> bytes:
        """The factory as bytes (versioned, checksummed, tied to this eryx build's guest)."""
    def save(self, path: str | os.PathLike[str]) -> None:
        """Writes to_bytes() to a file, atomically."""
    @staticmethod
    def load(path: str | os.PathLike[str], *, guest: Optional[str] = None) -> SandboxFactory:
        """A factory from a save()d file; a corrupt, truncated or foreign file raises EryxError.
        guest: the guest flavour it was built for."""
    @staticmethod
    def from_bytes(data: BytesLike, *, guest: Optional[str] = None) -> SandboxFactory:
        """A factory from to_bytes() data; bad data raises EryxError. guest: the guest flavour it
        was built for."""
