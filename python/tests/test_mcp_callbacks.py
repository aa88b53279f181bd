"""MCP tools as callbacks: eryx.MCPManager against real MCP servers built on the official SDK
(python/tests/mcp_servers/), called from sandboxed code. Every wait is bounded: tool calls by the
manager's timeout, executions by their own."""

import json
import os
import subprocess
import sys
import time

import pytest

import eryx
from net_support import loud_skip

SERVERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcp_servers")
TOOLS_SERVER = os.path.join(SERVERS, "tools_server.py")
BROKEN_SERVER = os.path.join(SERVERS, "broken_server.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Bounds every execution: a bug that hangs a call fails the test instead of hanging it.
LIMITS = eryx.ResourceLimits(execution_timeout_ms=20_000, callback_timeout_ms=15_000)


@pytest.fixture(scope="module", autouse=True)
def _sdk():
    try:
        import mcp  # noqa: F401
    except ImportError:
        loud_skip("the MCP SDK (mcp) is not installed in the test venv (make python installs it)")


@pytest.fixture(scope="module")
def tools():
    """One tools server for the tests that leave it as it is."""
    with eryx.MCPManager() as manager:
        manager.connect("tools", sys.executable, [TOOLS_SERVER], timeout_secs=20)
        yield manager


@pytest.fixture
def broken():
    """A fresh misbehaving server per test (its tools break the connection)."""
    manager = eryx.MCPManager()
    manager.connect("broken", sys.executable, [BROKEN_SERVER], timeout_secs=20)
    yield manager
    manager.close()


def run(callbacks, code):
    return eryx.Sandbox(callbacks=callbacks, resource_limits=LIMITS).execute(code)


def callback_error_of(callbacks, call):
    """str() of the CallbackError that awaiting `call` raises in the guest."""
    result = run(callbacks, f"try:\n    await {call}\nexcept CallbackError as e:\n    print(e)\n")
    return result.stdout


def pid_of(manager, server):
    return int(run(manager, f"print(await mcp.{server}.pid())").stdout)


def gone(pid):
    """The process no longer exists, zombie included (it was reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# ---- pyeryx's spellings ---------------------------------------------------------------------

def test_connect_returns_how_many_tools_the_server_has():
    with eryx.MCPManager() as manager:
        count = manager.connect("tools", sys.executable, [TOOLS_SERVER], timeout_secs=20)
        assert count == len(manager.list_tools()) and count >= 5
        assert manager.server_names == manager.servers == ["tools"]


def test_tools_carry_their_schema_under_pyeryx_s_key_too(tools):
    tool = tools.list_tools()[0]
    assert tool["schema"] == tool["input_schema"] and tool["schema"]["type"] == "object"


def test_the_mcp_keyword_adds_the_managers_tools(tools):
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 7, name="seven")
    for make in (eryx.Sandbox, eryx.Session):
        sandbox = make(mcp=tools, callbacks=registry, resource_limits=LIMITS)
        assert sandbox.execute("print(await mcp.tools.add(a=1, b=2), await seven())").stdout == "3 7\n"


def test_a_server_is_reachable_by_subscript_as_in_pyeryx(tools):
    result = eryx.Sandbox(mcp=tools, resource_limits=LIMITS).execute(
        "print(await mcp['tools'].add(a=2, b=3))\ntry:\n    mcp['nope']\nexcept KeyError as e:\n    print('KeyError', e)")
    assert result.stdout == "5\nKeyError 'nope'\n"


def test_the_mcp_keyword_takes_only_a_manager():
    with pytest.raises(TypeError, match="mcp must be an eryx.MCPManager"):
        eryx.Sandbox(mcp=[1])


# ---- the tool list ----------------------------------------------------------------------------

def test_connect_lists_every_tool_of_the_server(tools):
    names = [t["name"] for t in tools.list_tools()]
    assert names[:4] == ["add", "echo", "read-file", "describe"]
    assert tools.servers == ["tools"]


def test_each_tool_has_its_callback_name_description_and_input_schema(tools):
    add = next(t for t in tools.list_tools() if t["name"] == "add")
    assert add["server"] == "tools"
    assert add["callback_name"] == "mcp.tools.add"
    assert add["description"] == "Adds two integers."
    assert list(add["input_schema"]["properties"]) == ["a", "b"]


def test_a_tool_name_that_is_not_an_identifier_is_mapped(tools):
    read_file = next(t for t in tools.list_tools() if t["name"] == "read-file")
    assert read_file["callback_name"] == "mcp.tools.read_file"


def test_list_callbacks_in_the_guest_lists_the_tools(tools):
    result = run(
        tools,
        "import json\n"
        "c = {c['name']: c for c in list_callbacks()}['mcp.tools.add']\n"
        "print(json.dumps([c['description'], list(c['parameters_schema']['properties'])]))",
    )
    assert json.loads(result.stdout) == ["Adds two integers.", ["a", "b"]]


# ---- calling tools ----------------------------------------------------------------------------

def test_a_tool_is_awaited_as_a_namespaced_callback(tools):
    assert run(tools, "print(await mcp.tools.add(a=2, b=3))").stdout == "5\n"


def test_positional_arguments_follow_the_order_of_the_schema(tools):
    assert run(tools, "print(await mcp.tools.add(40, 2))").stdout == "42\n"


def test_a_tool_is_called_through_invoke(tools):
    assert run(tools, "print(await invoke('mcp.tools.echo', text='hi'))").stdout == "hi\n"


def test_a_mapped_tool_is_called_by_its_own_name(tools):
    assert run(tools, "print(await mcp.tools.read_file(path='x'))").stdout == "contents of x\n"


def test_the_servers_defaults_apply_to_omitted_arguments(tools):
    assert run(tools, "print(await mcp.tools.add(a=1))").stdout == "11\n"


def test_a_primitive_result_is_unwrapped(tools):
    result = run(tools, "r = await mcp.tools.add(1, 2)\nprint(type(r).__name__, r)")
    assert result.stdout == "int 3\n"


def test_structured_content_is_given_as_a_dict(tools):
    result = run(
        tools,
        "import json\nprint(json.dumps(await mcp.tools.describe(name='n', tags=['a', 'b'])))",
    )
    assert json.loads(result.stdout) == {"name": "n", "tags": ["a", "b"], "count": 2}


def test_arguments_that_do_not_match_the_schema_are_refused_in_the_guest(tools):
    result = run(
        tools, "try:\n    await mcp.tools.add(a='x')\nexcept CallbackError as e:\n    print(e.kind)"
    )
    assert result.stdout.strip() == "invalid_arguments"


def test_a_tool_error_raises_callback_error_with_its_message(tools):
    message = callback_error_of(tools, "mcp.tools.fail(message='disk on fire')")
    assert message == "Error executing tool fail: disk on fire\n"  # the SDK's text, as it is


def test_an_unexpected_exception_in_a_tool_raises_callback_error(tools):
    assert "Error executing tool buggy" in callback_error_of(tools, "mcp.tools.buggy()")


def test_concurrent_calls_run_at_once(tools):
    start = time.monotonic()
    result = run(
        tools,
        "import asyncio\n"
        "r = await asyncio.gather(*[mcp.tools.wait(seconds=1.0) for _ in range(4)])\n"
        "print(len(r), all(x >= 0.9 for x in r))",
    )
    assert result.stdout == "4 True\n"
    assert time.monotonic() - start < 3.5  # four one-second calls, overlapping


def test_a_manager_serves_several_sandboxes_at_once(tools):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        outs = list(pool.map(lambda n: run(tools, f"print(await mcp.tools.add({n}, 1))").stdout,
                             range(3)))
    assert outs == ["1\n", "2\n", "3\n"]


# ---- environment ------------------------------------------------------------------------------

def test_the_server_gets_the_given_env_but_not_the_hosts_other_variables(monkeypatch):
    monkeypatch.setenv("ERYX_TEST_HOST_SECRET", "s3cret")
    with eryx.MCPManager() as manager:
        manager.connect("envy", sys.executable, [TOOLS_SERVER], env={"GIVEN": "yes"},
                        timeout_secs=20)
        result = run(
            manager,
            "print(await mcp.envy.getenv(name='GIVEN'))\n"
            "print(repr(await mcp.envy.getenv(name='ERYX_TEST_HOST_SECRET')))\n"
            "print(await mcp.envy.getenv(name='PATH') != '')",
        )
    assert result.stdout == "yes\n''\nTrue\n"


# ---- callbacks= forms -------------------------------------------------------------------------

def test_a_manager_merges_with_a_callback_registry_in_a_list(tools):
    registry = eryx.CallbackRegistry()

    @registry.callback()
    def double(x: int) -> int:
        return 2 * x

    result = run([registry, tools], "print(await double(await mcp.tools.add(1, 2)))")
    assert result.stdout == "6\n"


def test_a_session_and_a_factory_take_a_manager(tools):
    session = eryx.Session(callbacks=tools)
    session.execute("x = await mcp.tools.add(1, 1)")
    assert session.execute("print(x)").stdout == "2\n"
    sandbox = eryx.SandboxFactory().create_sandbox(callbacks=tools)
    assert sandbox.execute("print(await mcp.tools.echo(text='f'))").stdout == "f\n"


def test_several_servers_at_once():
    with eryx.MCPManager() as manager:
        manager.connect("one", sys.executable, [TOOLS_SERVER], timeout_secs=20)
        manager.connect("two-b", sys.executable, [TOOLS_SERVER], timeout_secs=20)
        assert manager.servers == ["one", "two-b"]
        result = run(
            manager,
            "print(await mcp.one.pid() != await mcp.two_b.pid(), await mcp.two_b.add(2, 2))",
        )
    assert result.stdout == "True 4\n"


# ---- servers that fail ------------------------------------------------------------------------

def test_a_hanging_tool_raises_callback_error_after_the_timeout():
    with eryx.MCPManager() as broken:
        # The connection's timeout also bounds the start-up: 5 s leaves room on a busy machine.
        broken.connect("broken", sys.executable, [BROKEN_SERVER], timeout_secs=5)
        start = time.monotonic()
        message = callback_error_of(broken, "mcp.broken.hang()")
        assert "did not answer tools/call within 5000 ms" in message
        assert time.monotonic() - start < 30
        # The server itself still works.
        assert run(broken, "print(await mcp.broken.ok())").stdout == "fine\n"


def test_a_crashing_server_raises_callback_error_with_its_status_and_stderr(broken):
    message = callback_error_of(broken, "mcp.broken.crash(status=7)")
    assert "exited with status 7" in message
    assert "about to crash" in message
    # Later calls fail the same way, at once.
    start = time.monotonic()
    assert "exited with status 7" in callback_error_of(broken, "mcp.broken.ok()")
    assert time.monotonic() - start < 5


def test_garbage_on_the_servers_stdout_raises_callback_error(broken):
    message = callback_error_of(broken, "mcp.broken.garbage()")
    assert "not a JSON-RPC message" in message
    assert "this is not json-rpc" in message


def test_an_endless_line_on_stdout_raises_callback_error(broken):
    message = callback_error_of(broken, "mcp.broken.endless_line()")
    assert "longer than 8388608 bytes" in message


def test_a_server_that_floods_stderr_keeps_working(broken):
    result = run(broken, "print(await mcp.broken.stderr_flood(megabytes=50))")
    assert result.stdout == "survived\n"


def test_connect_reports_a_command_that_does_not_exist():
    with pytest.raises(eryx.MCPError, match="command not found"):
        eryx.MCPManager().connect("x", "/nonexistent/mcp-server")


def test_connect_reports_a_server_that_exits_at_once():
    with pytest.raises(eryx.MCPError, match="exited with status 3"):
        eryx.MCPManager().connect("x", sys.executable, ["-c", "import sys; sys.exit(3)"])


def test_connect_times_out_on_a_server_that_never_answers():
    start = time.monotonic()
    with pytest.raises(eryx.MCPError, match="did not answer initialize"):
        eryx.MCPManager().connect(
            "x", sys.executable, ["-c", "import time; time.sleep(60)"], timeout_secs=0.5
        )
    assert time.monotonic() - start < 10


def test_connect_refuses_a_name_already_connected(tools):
    with pytest.raises(eryx.InvalidArgumentError, match="already connected"):
        tools.connect("tools", sys.executable, [TOOLS_SERVER])


def test_connect_refuses_a_timeout_that_is_not_positive():
    with pytest.raises(eryx.InvalidArgumentError, match="timeout_secs"):
        eryx.MCPManager().connect("x", sys.executable, [TOOLS_SERVER], timeout_secs=0)


# ---- closing ----------------------------------------------------------------------------------

def test_close_ends_and_reaps_the_server_process():
    manager = eryx.MCPManager()
    manager.connect("c", sys.executable, [TOOLS_SERVER], timeout_secs=20)
    pid = pid_of(manager, "c")
    assert not gone(pid)
    manager.close()
    assert gone(pid)  # not even a zombie
    assert manager.list_tools() == []


def test_calls_after_close_raise_callback_error():
    manager = eryx.MCPManager()
    manager.connect("c", sys.executable, [TOOLS_SERVER], timeout_secs=20)
    sandbox = eryx.Sandbox(callbacks=manager, resource_limits=LIMITS)
    manager.close()
    result = sandbox.execute("try:\n    await mcp.c.add(1, 2)\nexcept CallbackError as e:\n    print(e)")
    assert "is closed" in result.stdout


def test_the_context_manager_closes_the_servers():
    with eryx.MCPManager() as manager:
        manager.connect("c", sys.executable, [TOOLS_SERVER], timeout_secs=20)
        pid = pid_of(manager, "c")
    assert gone(pid)


def test_a_crashed_server_is_reaped_without_close(broken):
    pid = pid_of(broken, "broken")
    callback_error_of(broken, "mcp.broken.crash()")
    deadline = time.monotonic() + 10
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid)


# ---- the CLI: --mcp-config --------------------------------------------------------------------

def _cli():
    import shutil

    cli = os.environ.get("ERYX_CLI") or os.path.join(ROOT, "build", "eryx")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        cli = shutil.which("eryx") or ""
    if not cli:
        loud_skip("no eryx CLI at build/eryx (or $ERYX_CLI): build it with `make build`")
    help_text = subprocess.run([cli, "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--mcp-config" not in help_text:
        loud_skip(f"{cli} has no --mcp-config option yet")
    return cli


def _config(tmp_path, servers):
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": servers}))
    return str(path)


def test_cli_mcp_config_exposes_the_tools_as_callbacks(tmp_path):
    config = _config(tmp_path, {
        "tools": {"command": sys.executable, "args": [TOOLS_SERVER], "env": {"GIVEN": "cfg"}},
        "off": {"command": "/nonexistent", "disabled": True},
    })
    code = (
        "print(await mcp.tools.add(2, 3), await invoke('mcp.tools.getenv', name='GIVEN'))\n"
        "print('mcp.tools.echo' in [c['name'] for c in list_callbacks()])"
    )
    run_cli = subprocess.run([_cli(), "--mcp-config", config, "-c", code],
                             capture_output=True, text=True, timeout=60)
    assert (run_cli.returncode, run_cli.stdout) == (0, "5 cfg\nTrue\n"), run_cli.stderr


def test_cli_mcp_config_takes_several_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _config(tmp_path / "a", {"one": {"command": sys.executable, "args": [TOOLS_SERVER]}})
    second = _config(tmp_path / "b", {"two": {"command": sys.executable, "args": [TOOLS_SERVER]}})
    run_cli = subprocess.run(
        [_cli(), "--mcp-config", first, "--mcp-config", second, "-c",
         "print(await mcp.one.add(1, 1), await mcp.two.add(2, 2))"],
        capture_output=True, text=True, timeout=60)
    assert (run_cli.returncode, run_cli.stdout) == (0, "2 4\n"), run_cli.stderr


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read the file"),
        ("{not json", "not valid JSON"),
        ('{"servers": {}}', 'expected {"mcpServers"'),
        ('{"mcpServers": {"x": {"args": []}}}', "server 'x' has no \"command\""),
        ('{"mcpServers": {"x": {"url": "http://localhost:1/mcp"}}}', "only stdio servers"),
        ('{"mcpServers": {"x": {"command": "py", "args": "a b"}}}', "must be a list of strings"),
    ],
)
def test_cli_mcp_config_refuses_a_bad_file_with_usage_status(tmp_path, content, message):
    path = tmp_path / "mcp.json"
    if content is not None:
        path.write_text(content)
    run_cli = subprocess.run([_cli(), "--mcp-config", str(path), "-c", "pass"],
                             capture_output=True, text=True, timeout=60)
    assert run_cli.returncode == 2
    assert f"--mcp-config {path}" in run_cli.stderr
    assert message in run_cli.stderr


def test_cli_mcp_config_reports_a_server_that_fails_to_start(tmp_path):
    config = _config(tmp_path, {"gone": {"command": "/nonexistent/mcp-server"}})
    run_cli = subprocess.run([_cli(), "--mcp-config", config, "-c", "pass"],
                             capture_output=True, text=True, timeout=60)
    assert run_cli.returncode == 1
    assert "MCP server 'gone'" in run_cli.stderr and "command not found" in run_cli.stderr


def test_a_forked_child_cannot_use_the_parents_servers_and_leaves_them_running():
    script = f"""
import os, sys, eryx
manager = eryx.MCPManager()
manager.connect("t", sys.executable, [{TOOLS_SERVER!r}], timeout_secs=20)
pid = os.fork()
if pid == 0:
    r = eryx.Sandbox(callbacks=manager).execute(
        "try:\\n    await mcp.t.add(1, 2)\\nexcept CallbackError as e:\\n    print(e)")
    print("child:", r.stdout.strip())
    manager.close()
    sys.exit(0)
os.waitpid(pid, 0)
print("parent:", eryx.Sandbox(callbacks=manager).execute("print(await mcp.t.add(1, 2))").stdout)
manager.close()
"""
    run_script = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                timeout=60)
    assert "child: MCP server 't' belongs to the parent process" in run_script.stdout, run_script.stderr
    assert "parent: 3" in run_script.stdout, run_script.stderr
