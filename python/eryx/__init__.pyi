import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Optional, TypedDict, Union

from eryx.errors import (
    CancelledError as CancelledError,
    EryxError as EryxError,
    ExecutionError as ExecutionError,
    InitializationError as InitializationError,
    InvalidArgumentError as InvalidArgumentError,
    MCPError as MCPError,
    ResourceLimitError as ResourceLimitError,
    TimeoutError as TimeoutError,
)

OutputHandler = Callable[[str], object]

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

class CallbackRegistry:
    def __init__(self) -> None: ...
    def callback(
        self,
        name: Optional[str] = None,
        description: Optional[str] = None,
        schema: Optional[dict[str, Any]] = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...
    def add(
        self,
        fn: Callable[..., Any],
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        schema: Optional[dict[str, Any]] = None,
    ) -> Callable[..., Any]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[CallbackDict]: ...
    def __contains__(self, name: object) -> bool: ...

class MCPTool(TypedDict):
    server: str
    name: str
    callback_name: str
    title: str
    description: str
    input_schema: dict[str, Any]
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
    ) -> None: ...
    def list_tools(self) -> list[MCPTool]: ...
    @property
    def servers(self) -> list[str]: ...
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
    ) -> None: ...
    @staticmethod
    def permissive() -> NetConfig:
        """Everything reachable, loopback and private networks included."""
    def allow_host(self, pattern: str) -> NetConfig:
        """Allows names matching `pattern` and, from then on, only the allowed names."""
    def block_host(self, pattern: str) -> NetConfig: ...
    def allow_network(self, cidr: str) -> NetConfig:
        """Allows addresses in `cidr`, even inside blocked_networks."""
    def allow_internal_host(self, pattern: str) -> NetConfig:
        """Lets names matching `pattern` resolve into blocked networks."""
    def allow_localhost(self) -> NetConfig:
        """Allows the name localhost, 127.0.0.0/8 and ::1."""
    def with_root_cert(self, cert: bytes | str) -> NetConfig:
        """Trusts a root certificate (DER or PEM bytes, or a PEM str; a PEM may hold several)."""
    def map_host(self, name: str, addresses: Sequence[str]) -> NetConfig:
        """Resolves `name` to `addresses` (like curl --resolve); still checked by the policy."""

class ResourceLimits:
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
    ) -> None: ...
    @staticmethod
    def unlimited() -> ResourceLimits: ...

class ExecuteResult:
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
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
    def __init__(
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
    ) -> None: ...
    def execute(self, code: str) -> ExecuteResult: ...
    async def execute_async(self, code: str) -> ExecuteResult: ...
    def cancel(self) -> None:
        """Stops every running execution at once (CancelledError)."""
    def interrupt(self) -> None:
        """Raises KeyboardInterrupt in every running execution, as Ctrl-C does."""

class VfsStorage:
    """In-memory files several Sessions mount at once (at /data by default)."""

    def __init__(self, *, max_bytes: int = 67108864) -> None: ...
    def write_file(self, path: str, data: bytes) -> None: ...
    def read_file(self, path: str) -> bytes: ...
    def list(self, path: str = "/") -> list[str]: ...
    def remove(self, path: str) -> None: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def max_bytes(self) -> int: ...
    def snapshot(self) -> bytes: ...
    def restore(self, data: bytes) -> None: ...

class Session:
    execution_timeout_ms: Optional[int]
    def __init__(
        self,
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
    ) -> None: ...
    def execute(self, code: str) -> ExecuteResult: ...
    async def execute_async(self, code: str) -> ExecuteResult: ...
    def reset(self) -> None: ...
    def clear_state(self) -> None: ...
    def fork(self) -> Session: ...
    def snapshot(self) -> bytes: ...
    @classmethod
    def from_snapshot(
        cls,
        data: bytes,
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
    ) -> Session: ...
    def snapshot_state(self) -> bytes: ...
    def restore_state(self, state: bytes) -> None: ...
    def cancel(self) -> None:
        """Stops every running execution at once (CancelledError)."""
    def interrupt(self) -> None:
        """Raises KeyboardInterrupt in every running execution, as Ctrl-C does."""
    @property
    def execution_count(self) -> int: ...
    @property
    def vfs(self) -> Optional[VfsStorage]: ...
    @property
    def vfs_mount_path(self) -> Optional[str]: ...

class SandboxFactory:
    def __init__(
        self,
        *,
        packages: Optional[Sequence[str | os.PathLike[str]]] = None,
        imports: Optional[Sequence[str]] = None,
        site_packages: Optional[str | os.PathLike[str]] = None,
        build_timeout_ms: Optional[int] = 60000,
    ) -> None: ...
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
    ) -> Sandbox: ...
    @property
    def size_bytes(self) -> int: ...
    def to_bytes(self) -> bytes: ...
    def save(self, path: str | os.PathLike[str]) -> None: ...
    @staticmethod
    def load(path: str | os.PathLike[str]) -> SandboxFactory: ...
    @staticmethod
    def from_bytes(data: bytes) -> SandboxFactory: ...
