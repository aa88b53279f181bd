"""A well-behaved MCP server (the official SDK, stdio) for python/tests/test_mcp_callbacks.py."""

import os
import time
from typing import TypedDict

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("eryx-test-tools")


@server.tool()
def add(a: int, b: int = 10) -> int:
    """Adds two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Returns its text."""
    return text


@server.tool(name="read-file")
def read_file(path: str) -> str:
    """A tool whose name is not a Python identifier."""
    return f"contents of {path}"


class Description(TypedDict):
    name: str
    tags: list[str]
    count: int


@server.tool()
def describe(name: str, tags: list[str]) -> Description:
    """Returns structured content (an object with an output schema)."""
    return {"name": name, "tags": tags, "count": len(tags)}


@server.tool()
def fail(message: str) -> str:
    """An anticipated failure: a result with isError and the message."""
    raise ToolError(message)


@server.tool()
def buggy() -> str:
    """An unexpected exception: the SDK reports only that the tool failed."""
    raise KeyError("internal detail")


@server.tool()
async def wait(seconds: float) -> float:
    """Sleeps without blocking the server: concurrent calls overlap."""
    start = time.monotonic()
    await anyio.sleep(seconds)
    return time.monotonic() - start


@server.tool()
def getenv(name: str) -> str:
    """The server's own environment variable, or '' when unset."""
    return os.environ.get(name, "")


@server.tool()
def pid() -> int:
    """The server's process id."""
    return os.getpid()


if __name__ == "__main__":
    server.run("stdio")
