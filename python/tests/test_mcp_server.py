"""`eryx serve`, the MCP server, driven by the official MCP Python SDK (`mcp` on PyPI) over stdio
and Streamable HTTP, and by raw bytes for what a well-behaved client never sends.

Every server is started by the test on loopback (HTTP on 127.0.0.1, ephemeral port); every read
has a deadline (anyio.fail_after for the SDK, queue/socket timeouts for raw bytes).
"""

import http.client
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import anyio
import pytest

mcp = pytest.importorskip("mcp", reason="the mcp SDK is not installed (make python installs PY_TOOLS)")
from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 60  # seconds any single test's MCP exchange may take
TOOLS = {"run_python", "session_create", "session_run", "session_reset", "session_close"}


def _skip(reason):
    try:
        from net_support import loud_skip
    except ImportError:  # run without the package (pytest --noconftest)
        pytest.skip(reason)
    loud_skip(reason)


@pytest.fixture(scope="module")
def cli():
    path = os.environ.get("ERYX_CLI") or str(REPO / "build" / "eryx")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        path = shutil.which("eryx") or ""
    if not path:
        _skip("no eryx CLI at build/eryx (or $ERYX_CLI): build it with `make build`")
    if "serve" not in subprocess.run([path, "--help"], capture_output=True, text=True, timeout=30).stdout:
        _skip(f"{path} has no serve command")
    return path


def run(coroutine_function, *args):
    async def bounded():
        with anyio.fail_after(DEADLINE):
            return await coroutine_function(*args)

    return anyio.run(bounded)


@asynccontextmanager
async def stdio_session(cli, *args):
    params = StdioServerParameters(command=cli, args=["serve", *args])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def call(session, tool, **arguments):
    return await session.call_tool(tool, arguments)


async def run_python(session, code, **extra):
    result = await call(session, "run_python", code=code, **extra)
    return result.is_error, result.structured_content


async def new_session(session):
    result = await call(session, "session_create")
    assert not result.is_error, result.structured_content
    return result.structured_content["session_id"]


async def session_run(session, session_id, code, **extra):
    result = await call(session, "session_run", session_id=session_id, code=code, **extra)
    return result.is_error, result.structured_content


# ---------------------------------------------------------------------------------------------
# The SDK over stdio
# ---------------------------------------------------------------------------------------------


def test_initialize_negotiates_the_sdk_version_and_lists_the_tools(cli):
    async def body():
        params = StdioServerParameters(command=cli, args=["serve"])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
        return init, tools

    init, tools = run(body)
    assert init.protocol_version == "2025-11-25"
    assert init.server_info.name == "eryx"
    assert init.capabilities.tools is not None
    assert set(tools) == TOOLS
    assert tools["run_python"].input_schema["required"] == ["code"]
    assert tools["session_run"].input_schema["properties"]["timeout_ms"]["type"] == "integer"


def test_the_sdk_high_level_client_falls_back_from_discover_to_initialize(cli):
    # mcp.Client's default mode probes the 2026-07-28 `server/discover` first; the server answers
    # -32601 and the client uses the initialize handshake.
    async def body():
        async with mcp.Client(StdioServerParameters(command=cli, args=["serve"])) as client:
            return await client.call_tool("run_python", {"code": "result = 'auto'"})

    result = run(body)
    assert result.structured_content["result"] == "auto"


def test_run_python_returns_stdout_stderr_and_result(cli):
    async def body():
        async with stdio_session(cli) as s:
            result = await call(s, "run_python", code="import sys\nprint('hi')\nprint('warn', file=sys.stderr)\nresult = {'n': [1, 2]}")
            return result

    result = run(body)
    assert not result.is_error
    assert result.structured_content["stdout"] == "hi\n"
    assert result.structured_content["stderr"] == "warn\n"
    assert result.structured_content["result"] == {"n": [1, 2]}
    # The same object as JSON text, for clients that read only `content`.
    assert json.loads(result.content[0].text) == result.structured_content


def test_run_python_error_is_flagged_with_its_traceback_and_earlier_output(cli):
    async def body():
        async with stdio_session(cli) as s:
            return await run_python(s, "print('before')\n1/0")

    is_error, out = run(body)
    assert is_error
    assert out["stdout"] == "before\n"
    assert out["error"]["kind"] == "exception"
    assert out["error"]["type"] == "ZeroDivisionError"
    assert "ZeroDivisionError: division by zero" in out["error"]["traceback"]


def test_run_python_starts_fresh_every_call(cli):
    async def body():
        async with stdio_session(cli) as s:
            await run_python(s, "x = 1")
            return await run_python(s, "x")

    is_error, out = run(body)
    assert is_error and out["error"]["type"] == "NameError"


def test_bad_arguments_are_a_tool_error_the_model_can_read(cli):
    async def body():
        async with stdio_session(cli) as s:
            missing = await call(s, "run_python")
            bad_timeout = await call(s, "run_python", code="pass", timeout_ms=0)
            return missing, bad_timeout

    missing, bad_timeout = run(body)
    assert missing.is_error and "code" in missing.structured_content["error"]["message"]
    assert bad_timeout.is_error and "timeout_ms" in bad_timeout.structured_content["error"]["message"]


def test_session_state_persists_across_session_run(cli):
    async def body():
        async with stdio_session(cli) as s:
            sid = await new_session(s)
            await session_run(s, sid, "import math\ndef area(r): return math.pi * r * r\nx = 2")
            return await session_run(s, sid, "result = round(area(x), 3)")

    is_error, out = run(body)
    assert not is_error and out["result"] == 12.566


def test_session_reset_forgets_the_state_but_keeps_the_id(cli):
    async def body():
        async with stdio_session(cli) as s:
            sid = await new_session(s)
            await session_run(s, sid, "x = 1")
            reset = await call(s, "session_reset", session_id=sid)
            return reset, await session_run(s, sid, "x")

    reset, (is_error, out) = run(body)
    assert not reset.is_error
    assert is_error and out["error"]["type"] == "NameError"


def test_session_close_ends_the_session(cli):
    async def body():
        async with stdio_session(cli) as s:
            sid = await new_session(s)
            closed = await call(s, "session_close", session_id=sid)
            return closed, await session_run(s, sid, "pass")

    closed, (is_error, out) = run(body)
    assert not closed.is_error
    assert is_error and out["error"]["kind"] == "unknown_session"


def test_closing_a_session_interrupts_its_running_call(cli):
    async def body():
        async with stdio_session(cli, "--timeout-ms", "120000") as s:
            sid = await new_session(s)
            outcome = {}

            async def endless():
                outcome["run"] = await session_run(s, sid, "while True: pass")

            start = time.monotonic()
            async with anyio.create_task_group() as group:
                group.start_soon(endless)
                await anyio.sleep(1)
                outcome["close"] = await call(s, "session_close", session_id=sid)
            return outcome, time.monotonic() - start

    outcome, elapsed = run(body)
    assert not outcome["close"].is_error
    is_error, out = outcome["run"]
    assert is_error and out["error"].get("type") == "KeyboardInterrupt"
    assert elapsed < 10


def test_live_sessions_are_capped(cli):
    async def body():
        async with stdio_session(cli, "--max-sessions", "2") as s:
            first = await new_session(s)
            await new_session(s)
            refused = await call(s, "session_create")
            await call(s, "session_close", session_id=first)
            again = await call(s, "session_create")
            return refused, again

    refused, again = run(body)
    assert refused.is_error and refused.structured_content["error"]["kind"] == "too_many_sessions"
    assert not again.is_error


def test_an_idle_session_is_closed(cli):
    async def body():
        async with stdio_session(cli, "--session-idle-timeout-s", "1") as s:
            sid = await new_session(s)
            await anyio.sleep(2.5)
            return await session_run(s, sid, "pass")

    is_error, out = run(body)
    assert is_error and out["error"]["kind"] == "unknown_session"


def test_client_timeout_ms_lowers_the_server_timeout(cli):
    async def body():
        async with stdio_session(cli, "--timeout-ms", "60000") as s:
            start = time.monotonic()
            result = await run_python(s, "while True: pass", timeout_ms=300)
            return result, time.monotonic() - start

    (is_error, out), elapsed = run(body)
    assert is_error and out["error"]["kind"] == "timeout"
    assert elapsed < 10


def test_client_timeout_ms_cannot_raise_the_server_timeout(cli):
    async def body():
        async with stdio_session(cli, "--timeout-ms", "300") as s:
            start = time.monotonic()
            result = await run_python(s, "while True: pass", timeout_ms=3_600_000)
            return result, time.monotonic() - start

    (is_error, out), elapsed = run(body)
    assert is_error and out["error"]["kind"] == "timeout"
    assert elapsed < 10


def test_cancelling_a_running_call_keeps_the_session_variables(cli):
    async def body():
        async with stdio_session(cli, "--timeout-ms", "120000") as s:
            sid = await new_session(s)
            await session_run(s, sid, "x = 41")
            # The SDK gives up after 1 s and sends notifications/cancelled for the call.
            with pytest.raises(MCPError):
                await s.call_tool("session_run", {"session_id": sid, "code": "while True: pass"}, read_timeout_seconds=1)
            for _ in range(100):  # the interrupt lands within moments
                is_error, out = await session_run(s, sid, "result = x + 1")
                if not (is_error and out["error"]["kind"] == "session_busy"):
                    return is_error, out
                await anyio.sleep(0.1)
            return is_error, out

    is_error, out = run(body)
    assert not is_error, out
    assert out["result"] == 42


def test_calls_run_concurrently(cli):
    async def body():
        async with stdio_session(cli, "--max-concurrent-calls", "4") as s:
            results = []

            async def one():
                results.append(await run_python(s, "import time\ntime.sleep(1.5)\nresult = 1"))

            start = time.monotonic()
            async with anyio.create_task_group() as group:
                for _ in range(3):
                    group.start_soon(one)
            return results, time.monotonic() - start

    results, elapsed = run(body)
    assert [out["result"] for _, out in results] == [1, 1, 1]
    assert elapsed < 4.0  # three 1.5 s calls one after another would take 4.5 s


def test_output_past_the_cap_is_truncated_and_flagged(cli):
    async def body():
        async with stdio_session(cli) as s:
            return await run_python(s, "print('x' * (3 * 1024 * 1024))")

    is_error, out = run(body)
    assert not is_error
    assert out["stdout_truncated"] is True
    assert len(out["stdout"]) == 1024 * 1024


def test_a_call_that_swallows_the_interrupt_is_stopped_hard(cli):
    code = "while True:\n    try:\n        while True: pass\n    except KeyboardInterrupt:\n        pass"

    async def body():
        async with stdio_session(cli, "--timeout-ms", "120000") as s:
            sid = await new_session(s)
            await session_run(s, sid, "x = 1")
            with pytest.raises(MCPError):
                await s.call_tool("session_run", {"session_id": sid, "code": code}, read_timeout_seconds=1)
            start = time.monotonic()
            for _ in range(150):
                is_error, out = await session_run(s, sid, "result = 'alive'")
                if not (is_error and out["error"]["kind"] == "session_busy"):
                    break
                await anyio.sleep(0.1)
            return is_error, out, time.monotonic() - start

    is_error, out, elapsed = run(body)
    # The hard stop costs the interpreter (the session starts afresh) but not the session.
    assert not is_error and out["result"] == "alive"
    assert elapsed < 10


def test_sandbox_flags_apply_to_the_tools(cli, tmp_path):
    (tmp_path / "data.txt").write_text("from the host")

    async def body():
        async with stdio_session(cli, "-v", f"{tmp_path}:/mnt/in", "--max-memory-mb", "64") as s:
            read = await run_python(s, "result = open('/mnt/in/data.txt').read()")
            sid = await new_session(s)
            hog = await session_run(s, sid, "b = bytearray(200 * 1024 * 1024)")
            return read, hog

    (read_error, read), (hog_error, hog) = run(body)
    assert not read_error and read["result"] == "from the host"
    # Past the --max-memory-mb cap: MemoryError in the guest, or the host's resource-limit stop.
    assert hog_error and (hog["error"].get("type") == "MemoryError" or hog["error"]["kind"] == "resource_limit")


def test_mcp_config_tools_are_callbacks_of_the_served_code(cli, tmp_path):
    # eryx serve in the middle: its own clients' code calls another MCP server's tools.
    tools_server = Path(__file__).parent / "mcp_servers" / "tools_server.py"
    if not tools_server.exists():
        _skip("python/tests/mcp_servers/tools_server.py (the --mcp-config tests' server) is missing")
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"tools": {"command": sys.executable, "args": [str(tools_server)]}}}))

    async def body():
        async with stdio_session(cli, "--mcp-config", str(config)) as s:
            fresh = await run_python(s, "result = await mcp.tools.add(2, 3)")
            sid = await new_session(s)
            kept = await session_run(s, sid, "result = await mcp.tools.echo(text='via session')")
            return fresh, kept

    (fresh_error, fresh), (kept_error, kept) = run(body)
    assert not fresh_error and fresh["result"] == 5, fresh
    assert not kept_error and kept["result"] == "via session", kept


# ---------------------------------------------------------------------------------------------
# The SDK over Streamable HTTP
# ---------------------------------------------------------------------------------------------


@contextmanager
def http_server(cli, *args):
    proc = subprocess.Popen([cli, "serve", "--http", "127.0.0.1:0", *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in proc.stderr], daemon=True).start()
        line = lines.get(timeout=30)
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/mcp)", line)
        assert match, line
        yield match.group(1), int(match.group(2)), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)


def test_http_client_runs_python_and_keeps_session_state(cli):
    with http_server(cli) as (url, _, _):
        async def body():
            async with streamable_http_client(url) as (read, write):
                async with ClientSession(read, write) as s:
                    init = await s.initialize()
                    tools = {t.name for t in (await s.list_tools()).tools}
                    ran = await run_python(s, "print('over http')\nresult = 6 * 7")
                    sid = await new_session(s)
                    await session_run(s, sid, "y = 'kept'")
                    kept = await session_run(s, sid, "result = y")
                    return init, tools, ran, kept

        init, tools, (ran_error, ran), (kept_error, kept) = run(body)
    assert init.protocol_version == "2025-11-25"
    assert tools == TOOLS
    assert not ran_error and ran["stdout"] == "over http\n" and ran["result"] == 42
    assert not kept_error and kept["result"] == "kept"


def test_http_cancelling_a_running_call_keeps_the_session_variables(cli):
    with http_server(cli, "--timeout-ms", "120000") as (url, _, _):
        async def body():
            async with streamable_http_client(url) as (read, write):
                async with ClientSession(read, write) as s:
                    await s.initialize()
                    sid = await new_session(s)
                    await session_run(s, sid, "x = 41")
                    with pytest.raises(MCPError):
                        await s.call_tool("session_run", {"session_id": sid, "code": "while True: pass"},
                                          read_timeout_seconds=1)
                    for _ in range(100):
                        is_error, out = await session_run(s, sid, "result = x + 1")
                        if not (is_error and out["error"]["kind"] == "session_busy"):
                            break
                        await anyio.sleep(0.1)
                    return is_error, out

        is_error, out = run(body)
    assert not is_error and out["result"] == 42


def test_http_the_sdk_high_level_client_connects_by_url(cli):
    with http_server(cli) as (url, _, _):
        async def body():
            async with mcp.Client(url) as client:
                return await client.call_tool("run_python", {"code": "result = 'by url'"})

        result = run(body)
    assert result.structured_content["result"] == "by url"


def test_http_server_stops_on_sigterm(cli):
    with http_server(cli) as (_, _, proc):
        proc.terminate()
        assert proc.wait(timeout=15) == 0


def test_http_sigterm_cancels_running_calls_and_exits(cli):
    with http_server(cli, "--timeout-ms", "600000") as (_, port, proc):
        session = http_initialize(port)
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "run_python", "arguments": {"code": "while True: pass"}}}
        # A JSON (not SSE) reply: nothing notices a closed connection, only the stop can end it.
        threading.Thread(target=lambda: _ignore_errors(post, port, body,
                                                       {"Mcp-Session-Id": session, "Accept": "application/json"}),
                         daemon=True).start()
        time.sleep(1)
        start = time.monotonic()
        proc.terminate()
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - start < 10


def _ignore_errors(function, *args):
    try:
        function(*args)
    except OSError:
        pass


def test_http_refuses_a_non_loopback_address_without_the_explicit_flag(cli):
    done = subprocess.run([cli, "serve", "--http", "0.0.0.0:0"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "--http-allow-remote" in done.stderr


def test_serve_takes_no_code_of_its_own(cli):
    done = subprocess.run([cli, "serve", "-c", "print(1)"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "takes no -c" in done.stderr


# ---------------------------------------------------------------------------------------------
# Raw bytes over stdio
# ---------------------------------------------------------------------------------------------


class RawStdio:
    def __init__(self, cli, *args):
        self.proc = subprocess.Popen([cli, "serve", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def send(self, data):
        if isinstance(data, dict):
            data = json.dumps(data).encode() + b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def recv(self, timeout=30):
        line = self.lines.get(timeout=timeout)
        assert line is not None, "the server closed stdout"
        return json.loads(line)

    def request(self, id, method, params=None, timeout=30):
        message = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        return self.recv(timeout)

    def initialize(self, version="2025-11-25"):
        reply = self.request(0, "initialize", {"protocolVersion": version, "capabilities": {},
                                               "clientInfo": {"name": "raw", "version": "0"}})
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return reply

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def raw(cli):
    servers = []

    def start(*args):
        servers.append(RawStdio(cli, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_an_unknown_protocol_version_is_answered_with_the_latest_supported(raw):
    reply = raw().initialize(version="1999-01-01")
    assert reply["result"]["protocolVersion"] == "2025-11-25"


@pytest.mark.parametrize("version", ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"])
def test_a_supported_protocol_version_is_echoed(raw, version):
    assert raw().initialize(version=version)["result"]["protocolVersion"] == version


def test_requests_before_initialize_are_refused_but_ping_is_answered(raw):
    server = raw()
    assert server.request(1, "tools/list")["error"]["code"] == -32600
    assert server.request(2, "ping") == {"jsonrpc": "2.0", "id": 2, "result": {}}


def test_malformed_json_is_a_parse_error_and_the_server_goes_on(raw):
    server = raw()
    server.send(b'{"jsonrpc": "2.0", "id": 1, "method": \n')
    reply = server.recv()
    assert reply["error"]["code"] == -32700 and reply["id"] is None
    assert server.request(2, "ping")["result"] == {}


@pytest.mark.parametrize("message", [
    b'{"id": 1, "method": "ping"}\n',                       # no "jsonrpc": "2.0"
    b'[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]\n',   # a batch
    b'{"jsonrpc": "2.0", "id": 1, "method": 7}\n',          # method not a string
    b'"just a string"\n',
])
def test_json_that_is_not_json_rpc_is_an_invalid_request(raw, message):
    server = raw()
    server.send(message)
    assert server.recv()["error"]["code"] == -32600
    assert server.request(2, "ping")["result"] == {}


def test_an_unknown_method_is_method_not_found_with_its_id(raw):
    server = raw()
    server.initialize()
    reply = server.request("abc", "resources/list")
    assert reply["id"] == "abc" and reply["error"]["code"] == -32601


def test_bad_params_are_invalid_params(raw):
    server = raw()
    assert server.request(1, "initialize", {"capabilities": {}})["error"]["code"] == -32602
    server.initialize()
    assert server.request(2, "tools/call", {"name": "no_such_tool", "arguments": {}})["error"]["code"] == -32602
    assert server.request(3, "tools/call", ["run_python"])["error"]["code"] == -32602


def _open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def _rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_a_huge_message_gets_an_error_without_being_held_in_memory(raw):
    server = raw("--max-message-mb", "1")
    server.initialize()
    before = _rss_kib(server.proc.pid)
    chunk = b"x" * (1 << 20)

    def send_huge():
        server.send(b'{"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {"pad": "')
        for _ in range(64):  # 64 MiB in one line
            server.send(chunk)
        server.send(b'"}}\n')

    writer = threading.Thread(target=send_huge, daemon=True)
    writer.start()
    writer.join(timeout=60)  # a server that stopped reading would block the pipe
    assert not writer.is_alive()
    reply = server.recv()
    assert reply["error"]["code"] == -32600 and "larger than" in reply["error"]["message"]
    assert _rss_kib(server.proc.pid) - before < 16 * 1024
    assert server.request(10, "ping")["result"] == {}


def test_sessions_and_calls_leave_nothing_behind(raw):
    server = raw()
    server.initialize()
    ids = iter(range(1, 10**6))

    def tool(name, **arguments):
        reply = server.request(next(ids), "tools/call", {"name": name, "arguments": arguments})
        assert not reply["result"].get("isError"), reply
        return reply["result"]["structuredContent"]

    def cycle():
        sid = tool("session_create")["session_id"]
        tool("session_run", session_id=sid, code="x = list(range(10000))")
        tool("session_close", session_id=sid)
        tool("run_python", code="print('a' * 1000)")

    for _ in range(100):  # warm-up: pools and caches reach their size
        cycle()
    before, fds = _rss_kib(server.proc.pid), _open_fds(server.proc.pid)
    for _ in range(500):
        cycle()
    assert _rss_kib(server.proc.pid) - before < 8 * 1024
    assert _open_fds(server.proc.pid) <= fds


def test_a_client_that_leaves_mid_execution_has_its_calls_cancelled(raw):
    server = raw("--timeout-ms", "600000")
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": "run_python", "arguments": {"code": "while True: pass"}}})
    server.send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                 "params": {"name": "run_python", "arguments": {"code": "import time\nwhile True: time.sleep(1)"}}})
    time.sleep(1)  # both are running
    start = time.monotonic()
    server.proc.stdin.close()
    assert server.proc.wait(timeout=20) == 0
    assert time.monotonic() - start < 10
    assert server.lines.get(timeout=5) is None  # and no reply was written for the cancelled calls


def sleep_call(id, seconds):
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "run_python", "arguments": {"code": f"import time\ntime.sleep({seconds})"}}}


def test_calls_past_the_bounded_queue_are_refused_at_once(raw):
    server = raw("--max-concurrent-calls", "1")  # one running, 16 queued
    server.initialize()
    server.send(sleep_call(1, 30))
    time.sleep(1)  # running: out of the queue
    for id in range(2, 21):
        server.send(sleep_call(id, 30))
    refused = [server.recv(timeout=10) for _ in range(3)]
    assert sorted(r["id"] for r in refused) == [18, 19, 20]
    assert all(r["result"]["isError"] and r["result"]["structuredContent"]["error"]["kind"] == "server_busy"
               for r in refused)


def test_a_request_id_still_in_progress_cannot_be_reused(raw):
    server = raw()
    server.initialize()
    server.send(sleep_call(7, 30))
    server.send(sleep_call(7, 0))
    reply = server.recv(timeout=10)
    assert reply["id"] == 7 and reply["error"]["code"] == -32600


def test_notifications_cancelled_stops_the_call_without_a_reply(raw):
    server = raw("--timeout-ms", "600000")
    server.initialize()
    server.send({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                 "params": {"name": "run_python", "arguments": {"code": "while True: pass"}}})
    time.sleep(0.5)
    server.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}})
    # The next reply is the ping's: the cancelled call sends none.
    assert server.request(2, "ping", timeout=10)["id"] == 2
    with pytest.raises(queue.Empty):
        server.recv(timeout=3)


# ---------------------------------------------------------------------------------------------
# Raw HTTP
# ---------------------------------------------------------------------------------------------

ACCEPT = "application/json, text/event-stream"


def post(port, body, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        all_headers = {"Content-Type": "application/json", "Accept": ACCEPT, **(headers or {})}
        connection.request("POST", "/mcp", body=body if isinstance(body, bytes) else json.dumps(body), headers=all_headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def http_initialize(port):
    status, headers, body = post(port, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
                                        "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                                   "clientInfo": {"name": "raw", "version": "0"}}})
    assert status == 200, body
    session = headers["Mcp-Session-Id"]
    assert post(port, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                {"Mcp-Session-Id": session})[0] == 202
    return session


def test_http_mcp_sessions_leave_nothing_behind(cli):
    def cycle(port):
        session = http_initialize(port)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("DELETE", "/mcp", headers={"Mcp-Session-Id": session})
        assert connection.getresponse().status == 204
        connection.close()

    with http_server(cli) as (_, port, proc):
        for _ in range(100):
            cycle(port)
        before, fds = _rss_kib(proc.pid), _open_fds(proc.pid)
        for _ in range(300):
            cycle(port)
        time.sleep(0.5)  # the server closes its side of the last connections
        grown, fds_after = _rss_kib(proc.pid) - before, _open_fds(proc.pid)
    assert grown < 8 * 1024
    assert fds_after <= fds + 2


def test_http_malformed_json_is_400_with_a_parse_error(cli):
    with http_server(cli) as (_, port, _):
        status, _, body = post(port, b"{not json")
    assert status == 400 and json.loads(body)["error"]["code"] == -32700


def test_http_requests_need_a_known_session_id(cli):
    with http_server(cli) as (_, port, _):
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        missing = post(port, ping)[0]
        unknown = post(port, ping, {"Mcp-Session-Id": "0" * 32})[0]
        session = http_initialize(port)
        known = post(port, ping, {"Mcp-Session-Id": session})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("DELETE", "/mcp", headers={"Mcp-Session-Id": session})
        deleted = connection.getresponse().status
        connection.close()
        after_delete = post(port, ping, {"Mcp-Session-Id": session})[0]
    assert (missing, unknown) == (400, 404)
    assert known[0] == 200 and json.loads(known[2])["result"] == {}
    assert deleted == 204 and after_delete == 404


def test_http_a_foreign_origin_is_forbidden(cli):
    with http_server(cli) as (_, port, _):
        ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        foreign = post(port, ping, {"Origin": "http://evil.example"})[0]
        rebound = post(port, ping, {"Origin": "http://127.0.0.1.evil.example:8080"})[0]
        local = post(port, ping, {"Origin": "http://localhost:3000"})[0]
    assert foreign == 403 and rebound == 403
    assert local == 400  # past the Origin check: refused only for having no session


def test_http_get_is_not_allowed(cli):
    with http_server(cli) as (_, port, _):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/mcp", headers={"Accept": "text/event-stream"})
        status = connection.getresponse().status
        connection.close()
    assert status == 405


def test_http_a_huge_body_is_refused(cli):
    with http_server(cli, "--max-message-mb", "1") as (_, port, _):
        session = http_initialize(port)
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x" * (2 << 20)}})
        try:
            status = post(port, body.encode(), {"Mcp-Session-Id": session})[0]
        except (ConnectionResetError, BrokenPipeError):
            status = 413  # the server may close before reading it all
        ping = post(port, {"jsonrpc": "2.0", "id": 2, "method": "ping"}, {"Mcp-Session-Id": session})[0]
    assert status == 413 and ping == 200


def test_http_a_client_that_disconnects_mid_execution_has_it_cancelled(cli):
    with http_server(cli, "--timeout-ms", "600000") as (_, port, _):
        session = http_initialize(port)
        headers = {"Mcp-Session-Id": session}
        created = post(port, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                              "params": {"name": "session_create", "arguments": {}}}, headers)
        sid = json.loads(created[2].decode().split("data: ", 1)[-1])["result"]["structuredContent"]["session_id"] \
            if created[1].get("Content-Type", "").startswith("text/event-stream") \
            else json.loads(created[2])["result"]["structuredContent"]["session_id"]

        def tool_call(id, code):
            return {"jsonrpc": "2.0", "id": id, "method": "tools/call",
                    "params": {"name": "session_run", "arguments": {"session_id": sid, "code": code}}}

        def structured(reply):
            text = reply[2].decode()
            if "data: " in text:
                text = text.split("data: ", 1)[1].split("\n", 1)[0]
            return json.loads(text)["result"]["structuredContent"]

        post(port, tool_call(2, "x = 'survived'"), headers)
        # A raw connection that starts an endless call, reads the stream's headers, and leaves.
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        body = json.dumps(tool_call(3, "while True: pass")).encode()
        sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Accept: " + ACCEPT.encode() + b"\r\nMcp-Session-Id: " + session.encode() +
                     b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert b"text/event-stream" in sock.recv(4096)
        time.sleep(0.5)
        sock.close()
        deadline = time.monotonic() + 20
        while True:
            out = structured(post(port, tool_call(4, "result = x"), headers))
            if out.get("error", {}).get("kind") != "session_busy" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert out.get("result") == "survived", out
