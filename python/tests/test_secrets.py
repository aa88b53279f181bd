"""Secrets from Python: the keywords of the four entry points, their errors, the scrubbing defaults,
the value reaching an allowed loopback server in a request header (HTTP and HTTPS, with
urllib.request, http.client and requests) and never reaching a server the secret does not name, and
the CLI's -e.

Servers: RecordingServer (secret_servers.py) on 127.0.0.1 ("api.test") and 127.0.0.2
("other.test"); the names are given their addresses with NetConfig.map_host, so nothing is ever
resolved and nothing leaves the machine. The adversarial cases are in
adversarial/test_adv_secrets.py.
"""

import json
import os
import re
import shutil
import subprocess
import textwrap

import pytest

import eryx
from net_support import REPO, loud_skip, require_networking
from secret_servers import RecordingServer, tls_context

VALUE = "sk-test-6c1f0e9d8b7a5e4d"
PLACEHOLDER = re.compile(r"ERYX_SECRET_[0-9a-f]{32}")
SECRET = {"API_KEY": {"value": VALUE, "allowed_hosts": ["api.test"]}}


def code(text):
    return textwrap.dedent(text)


@pytest.fixture
def net():
    require_networking()
    return (eryx.NetConfig().allow_localhost().map_host("api.test", ["127.0.0.1"])
            .map_host("other.test", ["127.0.0.2"]))


@pytest.fixture(scope="module")
def cert(pki):
    return pki.ca.issue_cert("api.test", "other.test")


@pytest.fixture
def tls_net(net, pki):
    return net.with_root_cert(pki.ca_pem)


@pytest.fixture
def api():
    with RecordingServer("127.0.0.1") as s:
        yield s


@pytest.fixture
def other():
    with RecordingServer("127.0.0.2") as s:
        yield s


@pytest.fixture
def api_tls(cert):
    with RecordingServer("127.0.0.1", tls=tls_context(cert)) as s:
        yield s


@pytest.fixture
def other_tls(cert):
    with RecordingServer("127.0.0.2", tls=tls_context(cert)) as s:
        yield s


def placeholder_of(runner):
    """The placeholder the guest sees, read through the result (not scrubbed by default)."""
    got = runner.execute("import os\nresult = os.environ['API_KEY']").result
    assert PLACEHOLDER.fullmatch(got), got
    return got


# ---------------------------------------------------------------------------------------------
# The keywords, on Sandbox, Session, SandboxFactory.create_sandbox and Session.from_snapshot
# ---------------------------------------------------------------------------------------------


def test_sandbox_takes_secrets_and_the_guest_sees_a_placeholder():
    placeholder_of(eryx.Sandbox(secrets=SECRET))


def test_session_takes_secrets_and_keeps_one_placeholder_across_executions():
    session = eryx.Session(secrets=SECRET)
    assert placeholder_of(session) == placeholder_of(session)


def test_factory_create_sandbox_takes_secrets():
    factory = eryx.SandboxFactory()
    placeholder_of(factory.create_sandbox(secrets=SECRET))


def test_session_from_snapshot_takes_secrets_and_gives_a_new_placeholder():
    session = eryx.Session(secrets=SECRET)
    old = placeholder_of(session)
    restored = eryx.Session.from_snapshot(session.snapshot(), secrets=SECRET)
    new = placeholder_of(restored)
    assert new != old


def test_session_from_snapshot_without_secrets_scrubs_nothing():
    session = eryx.Session(secrets=SECRET)
    session.execute("import os\nk = os.environ['API_KEY']")
    restored = eryx.Session.from_snapshot(session.snapshot())
    # The old placeholder is a random string now; nothing redacts it.
    assert PLACEHOLDER.fullmatch(restored.execute("print(k)").stdout.strip())


def test_each_sandbox_has_its_own_placeholder():
    assert placeholder_of(eryx.Sandbox(secrets=SECRET)) != placeholder_of(eryx.Sandbox(secrets=SECRET))


def test_a_fork_shares_its_parents_placeholder():
    session = eryx.Session(secrets=SECRET)
    assert placeholder_of(session.fork()) == placeholder_of(session)


def test_the_guest_never_holds_the_value():
    result = eryx.Sandbox(secrets=SECRET, scrub_stdout=False).execute(code("""
        import os
        print(os.environ['API_KEY'], os.getenv('API_KEY'), dict(os.environ), os.environb)
    """))
    assert VALUE not in result.stdout
    assert PLACEHOLDER.search(result.stdout)


def test_every_placeholder_has_the_same_length_whatever_the_value():
    short = eryx.Sandbox(secrets={"API_KEY": {"value": "x"}})
    long = eryx.Sandbox(secrets={"API_KEY": {"value": "y" * 65536}})
    assert len(placeholder_of(short)) == len(placeholder_of(long)) == len("ERYX_SECRET_") + 32


def test_several_secrets_each_get_their_own_variable():
    sandbox = eryx.Sandbox(secrets={"A": {"value": "value-a"}, "B": {"value": "value-b"}})
    got = sandbox.execute("import os\nresult = [os.environ['A'], os.environ['B']]").result
    assert all(PLACEHOLDER.fullmatch(p) for p in got) and got[0] != got[1]


def test_an_empty_dict_is_no_secrets():
    result = eryx.Sandbox(secrets={}).execute(code("""
        import os
        print('API_KEY' in os.environ, [k for k in os.environ if os.environ[k].startswith('ERYX_SECRET_')])
        print('ERYX_SECRET_00000000000000000000000000000000')
    """))
    assert result.stdout == "False []\nERYX_SECRET_00000000000000000000000000000000\n"


def test_secrets_none_is_no_secrets():
    assert eryx.Sandbox(secrets=None).execute("import os\nprint('API_KEY' in os.environ)").stdout == "False\n"


# ---- errors ----


@pytest.mark.parametrize("secrets", [["API_KEY"], "API_KEY", [("API_KEY", {"value": "v"})], 42])
def test_secrets_that_is_not_a_dict_is_a_type_error(secrets):
    with pytest.raises(TypeError):
        eryx.Sandbox(secrets=secrets)


@pytest.mark.parametrize("entry", ["v", None, 42, ["v"], ("v", ["api.test"])])
def test_a_secret_that_is_not_a_dict_is_a_type_error(entry):
    with pytest.raises(TypeError):
        eryx.Sandbox(secrets={"API_KEY": entry})


@pytest.mark.parametrize("entry", [{"value": b"v"}, {"value": 42}, {"value": None},
                                   {"value": "v", "allowed_hosts": "api.test"},
                                   {"value": "v", "allowed_hosts": [b"api.test"]},
                                   {"value": "v", "allowed_hosts": 42}])
def test_a_value_or_host_of_the_wrong_type_is_a_type_error(entry):
    with pytest.raises(TypeError):
        eryx.Sandbox(secrets={"API_KEY": entry})


def test_a_name_that_is_not_a_str_is_a_type_error():
    with pytest.raises(TypeError):
        eryx.Sandbox(secrets={b"API_KEY": {"value": "v"}})


def test_a_missing_value_is_a_value_error():
    with pytest.raises(ValueError, match="no 'value'") as info:
        eryx.Sandbox(secrets={"API_KEY": {"allowed_hosts": ["api.test"]}})
    assert isinstance(info.value, eryx.InvalidArgumentError)


def test_an_unknown_key_is_a_value_error_naming_it():
    # A misspelt allowed_hosts must not silently mean "the NetConfig's hosts".
    with pytest.raises(eryx.InvalidArgumentError, match="allowed_host"):
        eryx.Sandbox(secrets={"API_KEY": {"value": "v", "allowed_host": ["api.test"]}})


@pytest.mark.parametrize("secrets", [
    {"1KEY": {"value": "v"}},
    {"API-KEY": {"value": "v"}},
    {"": {"value": "v"}},
    {"API_KEY": {"value": ""}},
    {"API_KEY": {"value": "x" * (64 * 1024 + 1)}},
    {"API_KEY": {"value": "v", "allowed_hosts": ["127.0.0.1"]}},
    {"API_KEY": {"value": "v", "allowed_hosts": ["10.0.0.0/8"]}},
    {"API_KEY": {"value": "v", "allowed_hosts": ["a*.test"]}},
], ids=["digit-first", "dash", "empty-name", "empty-value", "over-64k", "address", "cidr", "bad-glob"])
def test_an_invalid_secret_is_a_value_error(secrets):
    with pytest.raises(eryx.InvalidArgumentError):
        eryx.Sandbox(secrets=secrets)


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\x00b", "a\x7fb"])
def test_a_value_that_could_break_a_header_line_is_refused_without_being_quoted(value):
    with pytest.raises(eryx.InvalidArgumentError) as info:
        eryx.Sandbox(secrets={"API_KEY": {"value": "secret-" + value}})
    assert "secret-" not in str(info.value)
    assert "API_KEY" in str(info.value)


def test_a_value_error_never_quotes_the_value():
    with pytest.raises(eryx.InvalidArgumentError) as info:
        eryx.Sandbox(secrets={"API_KEY": {"value": VALUE, "allowed_hosts": ["a*.test"]}})
    assert VALUE not in str(info.value)


def test_scrub_keywords_must_be_bool_or_none():
    with pytest.raises(TypeError):
        eryx.Sandbox(secrets=SECRET, scrub_stdout="yes")


def test_every_entry_point_checks_the_secrets():
    bad = {"API_KEY": "v"}
    for make in (lambda: eryx.Sandbox(secrets=bad), lambda: eryx.Session(secrets=bad),
                 lambda: eryx.SandboxFactory().create_sandbox(secrets=bad),
                 lambda: eryx.Session.from_snapshot(eryx.Session().snapshot(), secrets=bad)):
        with pytest.raises(TypeError):
            make()


# ---------------------------------------------------------------------------------------------
# Scrubbing: the defaults (on for stdout, stderr, files and callback arguments; off for the
# result) and each switch
# ---------------------------------------------------------------------------------------------

PRINT_BOTH = "import os, sys\nk = os.environ['API_KEY']\nprint('out', k)\nprint('err', k, file=sys.stderr)"


def test_stdout_and_stderr_are_scrubbed_by_default():
    result = eryx.Sandbox(secrets=SECRET).execute(PRINT_BOTH)
    assert (result.stdout, result.stderr) == ("out [REDACTED]\n", "err [REDACTED]\n")


def test_scrub_stdout_false_leaves_stdout_alone():
    result = eryx.Sandbox(secrets=SECRET, scrub_stdout=False).execute(PRINT_BOTH)
    assert PLACEHOLDER.fullmatch(result.stdout.split()[1])
    assert result.stderr == "err [REDACTED]\n"


def test_scrub_stderr_false_leaves_stderr_alone():
    result = eryx.Sandbox(secrets=SECRET, scrub_stderr=False).execute(PRINT_BOTH)
    assert result.stdout == "out [REDACTED]\n"
    assert PLACEHOLDER.fullmatch(result.stderr.split()[1])


def test_streamed_output_is_scrubbed_across_chunks():
    chunks = []
    result = eryx.Sandbox(secrets=SECRET, on_stdout=chunks.append).execute(code("""
        import os, sys
        for c in os.environ['API_KEY']:
            sys.stdout.write(c)
            sys.stdout.flush()
        print()
    """))
    assert result.stdout == "[REDACTED]\n"
    assert "".join(chunks) == "[REDACTED]\n"


def test_exception_texts_are_scrubbed_by_default():
    with pytest.raises(eryx.ExecutionError) as info:
        eryx.Sandbox(secrets=SECRET).execute("import os\nraise ValueError('key ' + os.environ['API_KEY'])")
    e = info.value
    assert e.message == "key [REDACTED]"
    assert "ERYX_SECRET_" not in str(e) and "ERYX_SECRET_" not in e.traceback_text


def test_the_result_is_not_scrubbed_by_default():
    got = eryx.Sandbox(secrets=SECRET).execute("import os\nresult = {'k': os.environ['API_KEY']}").result
    assert PLACEHOLDER.fullmatch(got["k"])


def test_scrub_result_true_scrubs_the_result():
    got = eryx.Sandbox(secrets=SECRET, scrub_result=True).execute(
        "import os\nresult = {'k': os.environ['API_KEY']}").result
    assert got == {"k": "[REDACTED]"}


def test_files_are_scrubbed_by_default():
    session = eryx.Session(secrets=SECRET)
    session.execute("import os\nopen('/tmp/k', 'w').write('k=' + os.environ['API_KEY'])")
    assert session.execute("result = open('/tmp/k').read()").result == "k=[REDACTED]"


def test_scrub_files_false_leaves_files_alone():
    session = eryx.Session(secrets=SECRET, scrub_files=False)
    session.execute("import os\nopen('/tmp/k', 'w').write(os.environ['API_KEY'])")
    assert PLACEHOLDER.fullmatch(session.execute("result = open('/tmp/k').read()").result)


def _recording_callback(seen):
    def report(text: str) -> None:
        seen.append(text)

    return [{"name": "report", "fn": report}]


def test_callback_arguments_are_scrubbed_by_default():
    seen = []
    eryx.Sandbox(secrets=SECRET, callbacks=_recording_callback(seen)).execute(
        "import os\nawait report('k=' + os.environ['API_KEY'])")
    assert seen == ["k=[REDACTED]"]


def test_scrub_callback_args_false_passes_the_placeholder():
    seen = []
    eryx.Sandbox(secrets=SECRET, scrub_callback_args=False, callbacks=_recording_callback(seen)).execute(
        "import os\nawait report(os.environ['API_KEY'])")
    assert len(seen) == 1 and PLACEHOLDER.fullmatch(seen[0])


def test_scrub_flags_without_secrets_change_nothing():
    result = eryx.Sandbox(scrub_stdout=True, scrub_result=True).execute(
        "print('ERYX_SECRET_0123456789abcdef0123456789abcdef')")
    assert result.stdout == "ERYX_SECRET_0123456789abcdef0123456789abcdef\n"


# ---------------------------------------------------------------------------------------------
# Substitution: the value reaches an allowed server in a header, over HTTP and HTTPS
# ---------------------------------------------------------------------------------------------

URLLIB = """
import os, urllib.request
req = urllib.request.Request({url!r}, headers={{"Authorization": "Bearer " + os.environ["API_KEY"]}})
result = urllib.request.urlopen(req, timeout=10).read().decode()
"""

HTTP_CLIENT = """
import os, http.client
c = http.client.{cls}("{name}", {port}, timeout=10)
c.request("GET", "/v1", headers={{"Authorization": "Bearer " + os.environ["API_KEY"]}})
result = c.getresponse().read().decode()
c.close()
"""

REQUESTS = """
import os, requests
result = requests.get({url!r}, headers={{"Authorization": "Bearer " + os.environ["API_KEY"]}}, timeout=10).text
"""


def _sent_value(server):
    server.settle()
    got = server.received()
    return f"Authorization: Bearer {VALUE}\r\n".encode() in got


def _sent_placeholder(server):
    server.settle()
    return re.search(rb"Authorization: Bearer ERYX_SECRET_[0-9a-f]{32}\r\n", server.received()) is not None


def test_urllib_sends_the_value_to_an_allowed_host_over_http(net, api):
    result = eryx.Sandbox(network=net, secrets=SECRET).execute(URLLIB.format(url=api.url("/v1", "api.test")))
    assert result.result == "ok"
    assert _sent_value(api)


def test_urllib_sends_the_value_to_an_allowed_host_over_https(tls_net, api_tls):
    result = eryx.Sandbox(network=tls_net, secrets=SECRET).execute(
        URLLIB.format(url=api_tls.url("/v1", "api.test")))
    assert result.result == "ok"
    assert _sent_value(api_tls)


def test_http_client_sends_the_value_to_an_allowed_host_over_http(net, api):
    eryx.Sandbox(network=net, secrets=SECRET).execute(
        HTTP_CLIENT.format(cls="HTTPConnection", name="api.test", port=api.port))
    assert _sent_value(api)


def test_http_client_sends_the_value_to_an_allowed_host_over_https(tls_net, api_tls):
    result = eryx.Sandbox(network=tls_net, secrets=SECRET).execute(
        HTTP_CLIENT.format(cls="HTTPSConnection", name="api.test", port=api_tls.port))
    assert result.result == "ok"
    assert _sent_value(api_tls)


def test_a_wildcard_pattern_allows_a_subdomain(net, api):
    net.map_host("eu.api.test", ["127.0.0.1"])
    secrets = {"API_KEY": {"value": VALUE, "allowed_hosts": ["*.api.test"]}}
    eryx.Sandbox(network=net, secrets=secrets).execute(
        HTTP_CLIENT.format(cls="HTTPConnection", name="eu.api.test", port=api.port))
    assert _sent_value(api)


def test_without_allowed_hosts_the_netconfigs_names_apply(net, api):
    net.allow_host("api.test")
    secrets = {"API_KEY": {"value": VALUE}}
    eryx.Sandbox(network=net, secrets=secrets).execute(
        HTTP_CLIENT.format(cls="HTTPConnection", name="api.test", port=api.port))
    assert _sent_value(api)


def test_without_any_allowed_host_the_value_is_sent_nowhere(net, api):
    eryx.Sandbox(network=net, secrets={"API_KEY": {"value": VALUE}}).execute(
        HTTP_CLIENT.format(cls="HTTPConnection", name="api.test", port=api.port))
    assert _sent_placeholder(api) and VALUE.encode() not in api.received()


def test_an_unlisted_host_gets_the_placeholder_over_http(net, other):
    eryx.Sandbox(network=net, secrets=SECRET).execute(
        HTTP_CLIENT.format(cls="HTTPConnection", name="other.test", port=other.port))
    assert _sent_placeholder(other) and VALUE.encode() not in other.received()


def test_an_unlisted_host_gets_the_placeholder_over_https(tls_net, other_tls):
    eryx.Sandbox(network=tls_net, secrets=SECRET).execute(
        HTTP_CLIENT.format(cls="HTTPSConnection", name="other.test", port=other_tls.port))
    assert _sent_placeholder(other_tls) and VALUE.encode() not in other_tls.received()


def test_a_session_substitutes_in_every_execution(net, api):
    session = eryx.Session(network=net, secrets=SECRET)
    for _ in range(2):
        session.execute(HTTP_CLIENT.format(cls="HTTPConnection", name="api.test", port=api.port))
    api.settle()
    assert api.received().count(f"Authorization: Bearer {VALUE}\r\n".encode()) == 2


def test_a_session_from_a_snapshot_substitutes_its_new_placeholder(net, api):
    session = eryx.Session(network=net, secrets=SECRET)
    session.execute("import os")
    restored = eryx.Session.from_snapshot(session.snapshot(), network=net, secrets=SECRET)
    restored.execute(HTTP_CLIENT.format(cls="HTTPConnection", name="api.test", port=api.port))
    assert _sent_value(api)


ASYNCIO_TLS = """
import asyncio, os, ssl
async def main():
    ctx = ssl.create_default_context()
    try:
        r, w = await asyncio.open_connection("api.test", {port}, ssl=ctx, server_hostname={sni!r})
    except (ssl.SSLError, OSError) as e:
        print("refused", type(e).__name__)
        return
    w.write(("GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: Bearer "
             + os.environ["API_KEY"] + "\\r\\n\\r\\n").encode())
    await w.drain()
    await r.readuntil(b"ok")
    w.close()
asyncio.run(main())
"""


def test_asyncio_tls_to_an_allowed_name_is_substituted(tls_net, api_tls):
    # TLS over memory BIOs (ssl.SSLObject: asyncio, anyio, httpx.AsyncClient): the host takes the
    # certificate-verified server name as the target.
    eryx.Sandbox(network=tls_net, secrets=SECRET).execute(
        ASYNCIO_TLS.format(port=api_tls.port, sni="api.test"))
    assert _sent_value(api_tls)


def test_asyncio_tls_naming_another_site_gets_the_placeholder(tls_net, api_tls):
    # The server's certificate covers other.test too, so the handshake succeeds; the verified name
    # is other.test, which the secret does not allow (the Host header says api.test: it never
    # chooses).
    eryx.Sandbox(network=tls_net, secrets=SECRET).execute(
        ASYNCIO_TLS.format(port=api_tls.port, sni="other.test"))
    assert _sent_placeholder(api_tls) and VALUE.encode() not in api_tls.received()


# ---- requests, from the pinned wheels ----


@pytest.fixture(scope="module")
def requests_factory(test_wheels):
    return eryx.SandboxFactory(packages=[str(p) for p in test_wheels.values()], build_timeout_ms=120_000)


def test_requests_sends_the_value_to_an_allowed_host_over_http(requests_factory, net, api):
    sandbox = requests_factory.create_sandbox(network=net, secrets=SECRET)
    assert sandbox.execute(REQUESTS.format(url=api.url("/v1", "api.test"))).result == "ok"
    assert _sent_value(api)


def test_requests_sends_the_value_to_an_allowed_host_over_https(requests_factory, tls_net, api_tls):
    sandbox = requests_factory.create_sandbox(network=tls_net, secrets=SECRET)
    assert sandbox.execute(REQUESTS.format(url=api_tls.url("/v1", "api.test"))).result == "ok"
    assert _sent_value(api_tls)


def test_requests_to_an_unlisted_host_sends_the_placeholder(requests_factory, tls_net, other_tls):
    sandbox = requests_factory.create_sandbox(network=tls_net, secrets=SECRET)
    sandbox.execute(REQUESTS.format(url=other_tls.url("/v1", "other.test")))
    assert _sent_placeholder(other_tls) and VALUE.encode() not in other_tls.received()


def test_an_echoed_value_is_scrubbed_from_what_requests_prints(requests_factory, net):
    with RecordingServer("127.0.0.1", echo=True) as echo:
        sandbox = requests_factory.create_sandbox(network=net, secrets=SECRET, scrub_result=True)
        result = sandbox.execute(REQUESTS.format(url=echo.url("/v1", "api.test")) + "\nprint(result)")
        assert _sent_value(echo)
    assert VALUE not in result.stdout and "Authorization: Bearer [REDACTED]" in result.stdout
    assert VALUE not in json.dumps(result.result) and "[REDACTED]" in result.result


# ---------------------------------------------------------------------------------------------
# The CLI: -e NAME=VALUE and -e NAME (from the host's environment)
# ---------------------------------------------------------------------------------------------


def _cli():
    cli = os.environ.get("ERYX_CLI") or str(REPO / "build" / "eryx")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        cli = shutil.which("eryx") or ""
    if not cli:
        loud_skip("no eryx CLI at build/eryx (or $ERYX_CLI): build it with `make build`")
    return cli


# The CLI has no --map-host: its requests go to `localhost` (the one name tests may resolve), which
# --allow-host makes the secret's host (a secret without allowed_hosts takes the --allow-host names).
CLI_REQUEST = """
import os, http.client
c = http.client.HTTPConnection("localhost", {port}, timeout=10)
c.request("GET", "/", headers={{"Authorization": "Bearer " + os.environ["API_KEY"]}})
print(c.getresponse().read().decode())
print(os.environ["API_KEY"])
"""


def _run_cli(*args, env=None):
    return subprocess.run([_cli(), *args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def test_cli_e_name_equals_value_is_a_secret(api):
    proc = _run_cli("--allow-host", "localhost", "--allow-localhost", "-e", f"API_KEY={VALUE}",
                    "-c", CLI_REQUEST.format(port=api.port))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n[REDACTED]\n"
    assert _sent_value(api)


def test_cli_e_name_takes_the_value_from_the_hosts_environment(api):
    proc = _run_cli("--allow-host", "localhost", "--allow-localhost", "-e", "API_KEY",
                    "-c", CLI_REQUEST.format(port=api.port), env={"API_KEY": VALUE})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n[REDACTED]\n"
    assert _sent_value(api)


def test_cli_e_name_missing_from_the_environment_is_a_usage_error():
    env = {k: v for k, v in os.environ.items() if k != "ERYX_TEST_UNSET_SECRET"}
    proc = subprocess.run([_cli(), "-e", "ERYX_TEST_UNSET_SECRET", "-c", "print(1)"], capture_output=True,
                          text=True, timeout=60, env=env)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "ERYX_TEST_UNSET_SECRET" in proc.stderr


def test_cli_e_given_twice_is_a_usage_error():
    proc = _run_cli("-e", "API_KEY=a", "-e", "API_KEY=b", "-c", "print(1)")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)


def test_cli_e_with_an_invalid_name_fails_without_running_the_code():
    proc = _run_cli("-e", "BAD-NAME=v", "-c", "print('ran')")
    assert proc.returncode != 0 and "ran" not in proc.stdout
    assert "BAD-NAME" in proc.stderr


def test_cli_scrubs_stderr_and_tracebacks():
    proc = _run_cli("-e", f"API_KEY={VALUE}", "-c", "import os\nraise ValueError(os.environ['API_KEY'])")
    assert proc.returncode == 1
    assert "[REDACTED]" in proc.stderr and "ERYX_SECRET_" not in proc.stderr and VALUE not in proc.stderr


def test_cli_without_allow_host_sends_the_secret_nowhere(api):
    proc = _run_cli("--allow-localhost", "-e", f"API_KEY={VALUE}", "-c", CLI_REQUEST.format(port=api.port))
    assert proc.returncode == 0, proc.stderr
    assert _sent_placeholder(api) and VALUE.encode() not in api.received()
