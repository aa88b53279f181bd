"""An MCP server (the official SDK, stdio) whose tools misbehave in the ways a real server can:
hang, crash, flood stdout with what is not MCP. For python/tests/test_mcp_callbacks.py."""

import os
import sys

import anyio
from mcp.server.mcpserver import MCPServer

server = MCPServer("eryx-test-broken")
# The SDK serves the protocol from a private copy of stdout and points fd 1 at stderr (so stray
# prints cannot corrupt the stream). The tools below corrupt it on purpose: through a copy of the
# original stdout, taken before the SDK starts.
WIRE = os.dup(1)


@server.tool()
def ok() -> str:
    """Works."""
    return "fine"


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


@server.tool()
async def hang() -> str:
    """Never answers (until cancelled)."""
    await anyio.sleep(3600)
    return "unreachable"


@server.tool()
def crash(status: int = 7) -> str:
    """Ends the server process at once."""
    sys.stderr.write("about to crash\n")
    sys.stderr.flush()
    os._exit(status)


@server.tool()
def garbage(lines: int = 100000) -> str:
    """Writes what is not JSON-RPC to stdout, a lot of it."""
    chunk = b"this is not json-rpc " * 50 + b"\n"
    for _ in range(lines):
        os.write(WIRE, chunk)
    return "done"


@server.tool()
def endless_line() -> str:
    """Writes one line without end to stdout (until the client stops reading)."""
    chunk = b"x" * 65536
    while True:
        os.write(WIRE, chunk)


@server.tool()
def stderr_flood(megabytes: int = 50) -> str:
    """Writes a lot to stderr (the client must keep reading it, and keep only a bounded tail)."""
    chunk = b"log line that nobody reads\n" * 4096
    for _ in range(megabytes * 1024 * 1024 // len(chunk)):
        os.write(2, chunk)
    return "survived"


if __name__ == "__main__":
    server.run("stdio")
