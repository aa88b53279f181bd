"""HTTP libraries in the sandbox against real servers on loopback (python/tests/net_servers.py).

The sandboxes trust the test-time CA through NetConfig.with_root_cert (the guest has no CA file of
its own); the libraries are the pinned pure-Python wheels of scripts/fetch-test-wheels.py, loaded
with SandboxFactory(packages=...). Nothing here reaches beyond 127.0.0.0/8 and ::1: the tests of
redirects to 169.254.169.254 and 10.0.0.1 first prove, in the same test, that the policy refuses a
blocked address on loopback whose listener would see a connection, so a policy that leaks fails
there, before anything could be sent off the machine.
"""

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import zipfile

import pytest

import eryx
import net_servers
from net_support import REPO, loud_skip, require_networking

MB = 1024 * 1024
GUEST_MODULES = ["requests", "urllib3", "idna", "certifi", "charset_normalizer", "httpx", "httpcore", "h11",
                 "anyio", "sniffio", "typing_extensions", "aiohttp", "multidict", "yarl", "frozenlist",
                 "propcache", "aiosignal", "aiohappyeyeballs", "attr"]

# Guest helper: the chain of an exception (__cause__/__context__) as [(type name, message)], so a
# test can look for the policy's refusal however deep a library wrapped it.
CHAIN = '''
def _chain(e):
    out, seen = [], set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        out.append((type(e).__name__, str(e)))
        e = e.__cause__ or e.__context__
    return out
'''


@pytest.fixture(scope="module")
def factory(test_wheels):
    # The libraries are imported once, at build time (about 2 s in the guest), not by every test.
    # Without networking they cannot be (httpx and aiohttp need ssl and socket): then only the
    # import test below runs, and fails saying why. requests is left out: its import calls
    # certifi.where(), which extracts the CA bundle to /tmp, and a factory's /tmp does not reach its
    # sandboxes (see test_https_works_after_a_factory_imported_requests).
    imports = [m for m in GUEST_MODULES if m != "requests"] if hasattr(eryx, "NetConfig") else []
    return eryx.SandboxFactory(packages=[str(p) for p in test_wheels.values()], imports=imports,
                               build_timeout_ms=120_000)


@pytest.fixture
def net(pki):
    require_networking()
    return eryx.NetConfig().allow_localhost().with_root_cert(pki.ca_pem)


def run(factory, code, network, timeout_ms=30_000):
    sandbox = factory.create_sandbox(network=network,
                                     resource_limits=eryx.ResourceLimits(execution_timeout_ms=timeout_ms))
    return sandbox.execute(code).result


# ---------------------------------------------------------------------------------------------
# The wheels: pinned, pure Python, importable in the guest.
# ---------------------------------------------------------------------------------------------


def _python_version_marker_holds(marker, version=(3, 13)):
    """Evaluates python_version and sys_platform markers (the only ones the pinned wheels use outside
    extras; pytest's colorama is for win32). The guest's sys.platform is "wasi"."""
    marker = marker.strip()
    field, op, value = marker.split(None, 2)
    if field == "sys_platform":
        return {"==": value.strip("\"'") == "wasi", "!=": value.strip("\"'") != "wasi"}[op]
    assert field == "python_version", f"unexpected marker {marker!r}: teach this test about it"
    v = tuple(int(x) for x in value.strip("\"'").split("."))
    return {"<": version < v, "<=": version <= v, ">": version > v, ">=": version >= v,
            "==": version == v, "!=": version != v}[op]


def test_pinned_wheels_are_pure_python(test_wheels):
    for project, path in test_wheels.items():
        assert path.endswith("-py3-none-any.whl"), path
        with zipfile.ZipFile(path) as z:
            native = [n for n in z.namelist() if n.endswith((".so", ".pyd", ".dylib"))]
        assert native == [], (project, native)


def test_pinned_wheels_cover_their_requirements(test_wheels):
    have = {p.lower().replace("_", "-") for p in test_wheels}
    for project, path in test_wheels.items():
        with zipfile.ZipFile(path) as z:
            meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
            lines = z.read(meta).decode().splitlines()
        for line in lines:
            if not line.startswith("Requires-Dist:"):
                continue
            req, _, marker = line[len("Requires-Dist:"):].partition(";")
            if "extra ==" in marker:
                continue  # an optional feature's requirement: not installed
            if marker and not all(_python_version_marker_holds(m) for m in marker.split(" and ")):
                continue
            name = req.strip().split()[0]
            for sep in "<>=!~[(":
                name = name.split(sep)[0]
            assert name.lower().replace("_", "-") in have, f"{project} needs {name}, which is not pinned"


def test_guest_imports_every_pinned_library_from_its_wheel(factory):
    out = factory.create_sandbox().execute(f'''
import importlib, sys
mods = {GUEST_MODULES!r}
files = {{m: importlib.import_module(m).__file__ for m in mods}}
# A native extension cannot load in WASI; every module that did load is Python source.
native = [n for n, m in sys.modules.items() if (getattr(m, "__file__", None) or "").endswith((".so", ".pyd"))]
import multidict._compat, aiohttp.http_parser as hp
result = {{"files": files, "native": native, "multidict_ext": multidict._compat.USE_EXTENSIONS,
          "aiohttp_pure_parser": hp.HttpResponseParser is hp.HttpResponseParserPy}}
''').result
    for module, path in out["files"].items():  # the factory's packages, extracted read-only
        assert path.startswith("/usr/local/lib/eryx-site-packages/"), (module, path)
    assert out["native"] == []
    assert out["multidict_ext"] is False
    assert out["aiohttp_pure_parser"] is True


def test_https_works_after_a_factory_imported_requests(test_wheels, net, https_server):
    factory = eryx.SandboxFactory(packages=[str(p) for p in test_wheels.values()], imports=["requests"])
    got = run(factory, f'''
import requests
result = len(requests.get({https_server.url("/1k")!r}, timeout=10).content)
''', net)
    assert got == 1024


# ---------------------------------------------------------------------------------------------
# The standard library: urllib.request, http.client, asyncio, ssl.
# ---------------------------------------------------------------------------------------------


def test_urllib_fetches_a_body_over_http(factory, net, http_server):
    got = run(factory, f'''
import urllib.request
result = list(urllib.request.urlopen({http_server.url("/1k")!r}, timeout=10).read())
''', net)
    assert bytes(got) == net_servers.BODY_1K


def test_urllib_fetches_json_over_https_with_the_root_cert(factory, net, https_server):
    got = run(factory, f'''
import json, urllib.request
with urllib.request.urlopen({https_server.url("/json")!r}, timeout=10) as r:
    result = {{"status": r.status, "doc": json.load(r)}}
''', net)
    assert got == {"status": 200, "doc": net_servers.JSON_DOC}


def test_https_without_the_root_cert_fails_verification(factory, https_server):
    require_networking()
    got = run(factory, CHAIN + f'''
import urllib.request
try:
    urllib.request.urlopen({https_server.url("/1k")!r}, timeout=10)
    result = "fetched"
except Exception as e:
    result = _chain(e)
''', eryx.NetConfig().allow_localhost())
    assert got != "fetched"
    assert any(t == "SSLCertVerificationError" for t, _ in got), got


def test_urllib_fetches_over_ipv6_loopback(factory, net, http_server_v6):
    got = run(factory, f'''
import urllib.request
result = len(urllib.request.urlopen({http_server_v6.url("/1k")!r}, timeout=10).read())
''', net)
    assert got == 1024


def test_http_client_posts_and_reads_the_echo(factory, net, http_server):
    got = run(factory, f'''
import http.client, json
c = http.client.HTTPConnection("127.0.0.1", {http_server.port}, timeout=10)
c.request("POST", "/echo?x=1", body=b"payload", headers={{"X-Test": "eryx"}})
r = c.getresponse()
result = {{"status": r.status, "doc": json.loads(r.read())}}
c.close()
''', net)
    assert got["status"] == 200
    assert got["doc"]["method"] == "POST" and got["doc"]["path"] == "/echo?x=1"
    assert got["doc"]["body"] == "payload" and got["doc"]["headers"]["X-Test"] == "eryx"


def test_http_client_keeps_one_connection_alive_for_several_requests(factory, net, http_server):
    before = http_server.connections
    got = run(factory, f'''
import http.client
c = http.client.HTTPConnection("127.0.0.1", {http_server.port}, timeout=10)
sizes = []
for _ in range(5):
    c.request("GET", "/1k")
    sizes.append(len(c.getresponse().read()))
c.close()
result = sizes
''', net)
    assert got == [1024] * 5
    assert http_server.connections - before == 1


def test_a_session_keeps_a_connection_open_between_executions(net, http_server):
    session = eryx.Session(network=net)
    before = http_server.connections
    session.execute(f'''
import http.client
c = http.client.HTTPConnection("127.0.0.1", {http_server.port}, timeout=10)
c.request("GET", "/1k")
first = len(c.getresponse().read())
''')
    got = session.execute('''
c.request("GET", "/json")
result = [first, len(c.getresponse().read())]
c.close()
''').result
    assert got == [1024, len(json.dumps(net_servers.JSON_DOC))]
    assert http_server.connections - before == 1


def test_https_client_reports_peer_certificate_and_tls_version(factory, net, https_server):
    got = run(factory, f'''
import http.client, ssl
c = http.client.HTTPSConnection("localhost", {https_server.port}, timeout=10, context=ssl.create_default_context())
c.request("GET", "/1k")
body = c.getresponse().read()
cert = c.sock.getpeercert()
result = {{"n": len(body), "version": c.sock.version(),
          "san": [list(x) for x in cert.get("subjectAltName", ())]}}
c.close()
''', net)
    assert got["n"] == 1024
    assert got["version"] in ("TLSv1.2", "TLSv1.3")
    assert ["DNS", "localhost"] in got["san"], got


def test_tls_sends_sni_and_negotiates_alpn(factory, net, tls_info_server):
    got = run(factory, f'''
import json, socket, ssl
ctx = ssl.create_default_context()
ctx.set_alpn_protocols(["eryx-test/1"])
with socket.create_connection(("127.0.0.1", {tls_info_server.port}), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname="eryx-test.example") as s:
        alpn = s.selected_alpn_protocol()
        result = {{"client_alpn": alpn, "server": json.loads(s.makefile("rb").readline())}}
''', net)
    assert got["client_alpn"] == "eryx-test/1"
    assert got["server"]["alpn"] == "eryx-test/1" and got["server"]["sni"] == "eryx-test.example"


def test_tls_details_stay_readable_after_the_peer_closes(factory, net, tls_info_server):
    got = run(factory, f'''
import socket, ssl
ctx = ssl.create_default_context()
ctx.set_alpn_protocols(["eryx-test/1"])
with socket.create_connection(("127.0.0.1", {tls_info_server.port}), timeout=10) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        f = s.makefile("rb")
        f.readline()
        eof = f.read()
        result = {{"eof": eof == b"", "alpn": s.selected_alpn_protocol(), "version": s.version()}}
''', net)
    assert got["eof"] and got["alpn"] == "eryx-test/1" and got["version"] == "TLSv1.3"


def test_asyncio_open_connection_speaks_plain_http(factory, net, http_server):
    got = run(factory, f'''
import asyncio
async def main():
    reader, writer = await asyncio.open_connection("127.0.0.1", {http_server.port})
    writer.write(b"GET /1k HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n")
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    return data
data = asyncio.run(main())
head, _, body = data.partition(b"\\r\\n\\r\\n")
result = {{"status": head.split(b"\\r\\n")[0].decode(), "n": len(body)}}
''', net)
    assert got == {"status": "HTTP/1.1 200 OK", "n": 1024}


def test_asyncio_open_connection_with_ssl_negotiates_alpn(factory, net, tls_info_server):
    got = run(factory, f'''
import asyncio, json, ssl
async def main():
    ctx = ssl.create_default_context()
    ctx.set_alpn_protocols(["eryx-test/1", "http/1.1"])
    reader, writer = await asyncio.open_connection("localhost", {tls_info_server.port}, ssl=ctx)
    line = await asyncio.wait_for(reader.readline(), 10)
    alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
    writer.close()
    return json.loads(line), alpn
server, alpn = asyncio.run(main())
result = {{"server": server, "alpn": alpn}}
''', net)
    assert got["alpn"] == "eryx-test/1"
    assert got["server"]["sni"] == "localhost" and got["server"]["alpn"] == "eryx-test/1"


# ---------------------------------------------------------------------------------------------
# Third-party libraries.
# ---------------------------------------------------------------------------------------------


def test_requests_gets_json_over_http(factory, net, http_server):
    got = run(factory, f'''
import requests
r = requests.get({http_server.url("/json")!r}, timeout=10)
result = {{"status": r.status_code, "doc": r.json(), "type": r.headers["Content-Type"]}}
''', net)
    assert got == {"status": 200, "doc": net_servers.JSON_DOC, "type": "application/json"}


def test_requests_posts_over_https_with_the_root_cert(factory, net, https_server):
    got = run(factory, f'''
import requests
r = requests.post({https_server.url("/echo")!r}, data=b"abc", headers={{"X-A": "1"}}, timeout=10)
result = r.json()
''', net)
    assert got["method"] == "POST" and got["body"] == "abc" and got["headers"]["X-A"] == "1"


def test_requests_session_reuses_its_connection(factory, net, http_server):
    before = http_server.connections
    got = run(factory, f'''
import requests
with requests.Session() as s:
    result = [len(s.get({http_server.url("/1k")!r}, timeout=10).content) for _ in range(4)]
''', net)
    assert got == [1024] * 4
    assert http_server.connections - before == 1


def test_httpx_sync_client_over_http(factory, net, http_server):
    got = run(factory, f'''
import httpx
with httpx.Client(timeout=10) as c:
    r = c.get({http_server.url("/json")!r})
result = {{"json": r.json(), "version": r.http_version}}
''', net)
    assert got == {"json": net_servers.JSON_DOC, "version": "HTTP/1.1"}


def test_httpx_sync_client_over_https(factory, net, https_server):
    got = run(factory, f'''
import httpx
with httpx.Client(timeout=10) as c:
    r = c.get({https_server.url("/1k")!r})
result = {{"n": len(r.content), "version": r.http_version}}
''', net)
    assert got == {"n": 1024, "version": "HTTP/1.1"}


def test_httpx_async_client_over_http_and_https(factory, net, http_server, https_server):
    got = run(factory, f'''
import asyncio, httpx
async def main():
    async with httpx.AsyncClient(timeout=10) as c:
        a, b = await asyncio.gather(c.get({http_server.url("/json")!r}), c.get({https_server.url("/1k")!r}))
        return a.json(), len(b.content)
doc, n = asyncio.run(main())
result = {{"json": doc, "n": n}}
''', net)
    assert got == {"json": net_servers.JSON_DOC, "n": 1024}


def test_aiohttp_client_session_over_http_and_https(factory, net, http_server, https_server):
    got = run(factory, f'''
import asyncio, aiohttp
async def main():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as s:
        async with s.get({http_server.url("/json")!r}) as r:
            doc = await r.json()
        async with s.post({https_server.url("/echo")!r}, data=b"xyz") as r:
            echo = await r.json()
    return doc, echo["body"]
doc, body = asyncio.run(main())
result = {{"json": doc, "body": body}}
''', net)
    assert got == {"json": net_servers.JSON_DOC, "body": "xyz"}


# ---------------------------------------------------------------------------------------------
# Refusals and failures: redirects to blocked addresses, bad certificates, timeouts.
# ---------------------------------------------------------------------------------------------


def _redirect_url(server, target, code=302):
    return server.url("/redirect?" + urllib.parse.urlencode({"to": target, "code": code}))


def _refused(chain, address):
    """The policy's refusal: an OSError-family error in the chain that names the refused address."""
    text = " | ".join(f"{t}: {m}" for t, m in chain)
    return address in text and any(w in text.lower() for w in ("block", "not allowed", "denied", "refus", "policy"))


def _assert_loopback_redirect_is_refused(factory, http_server, listener, library):
    """Only 127.0.0.1 is allowed; a redirect to the listener on 127.0.0.2 must be refused unseen."""
    net = eryx.NetConfig().allow_network("127.0.0.1/32")
    target = f"http://127.0.0.2:{listener.port}/secret"
    fetch = {"urllib": "urllib.request.urlopen(URL, timeout=10).read()",
             "requests": "requests.get(URL, timeout=10).content"}[library]
    got = run(factory, CHAIN + f'''
import urllib.request, requests
URL = {_redirect_url(http_server, target, 301)!r}
try:
    {fetch}
    result = "followed"
except Exception as e:
    result = _chain(e)
''', net)
    time.sleep(0.2)  # a connection the listener accepted would be counted by now
    assert listener.connections == 0, "the blocked address was connected to"
    assert got != "followed"
    assert _refused(got, "127.0.0.2"), got


@pytest.mark.parametrize("library", ["urllib", "requests"])
def test_redirect_to_a_blocked_loopback_address_is_refused_before_connecting(
        factory, http_server, unreached_listener, library):
    require_networking()
    _assert_loopback_redirect_is_refused(factory, http_server, unreached_listener, library)


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.1"])
def test_redirect_to_a_non_public_address_is_refused(factory, net, http_server, unreached_listener, address):
    # The guard first: if the policy let a loopback redirect through, stop before trying an address
    # off the machine.
    _assert_loopback_redirect_is_refused(factory, http_server, unreached_listener, "urllib")
    got = run(factory, CHAIN + f'''
import urllib.request
try:
    urllib.request.urlopen({_redirect_url(http_server, f"http://{address}/latest/meta-data/")!r}, timeout=5)
    result = "followed"
except Exception as e:
    result = _chain(e)
''', net)
    assert got != "followed"
    assert _refused(got, address), got


def test_a_public_name_mapped_to_loopback_is_refused_after_resolution(factory, http_server):
    require_networking()
    before = http_server.connections
    net = eryx.NetConfig().map_host("api.eryx-test.example", ["127.0.0.1"])
    got = run(factory, CHAIN + f'''
import urllib.request
try:
    urllib.request.urlopen("http://api.eryx-test.example:{http_server.port}/1k", timeout=5)
    result = "fetched"
except Exception as e:
    result = _chain(e)
''', net)
    assert got != "fetched"
    assert _refused(got, "api.eryx-test.example") or _refused(got, "127.0.0.1"), got
    assert http_server.connections == before


def test_a_public_name_mapped_to_loopback_is_fetched_when_loopback_is_allowed(factory, http_server):
    require_networking()
    net = eryx.NetConfig().allow_localhost().map_host("api.eryx-test.example", ["127.0.0.1"])
    got = run(factory, f'''
import requests
result = len(requests.get("http://api.eryx-test.example:{http_server.port}/1k", timeout=10).content)
''', net)
    assert got == 1024


def _verification_failure(factory, net, server, library):
    fetch = {"urllib": "urllib.request.urlopen(URL, timeout=10)",
             "requests": "requests.get(URL, timeout=10)",
             "httpx": "httpx.get(URL, timeout=10)",
             "aiohttp": "asyncio.run(aiohttp_get(URL))"}[library]
    return run(factory, CHAIN + f'''
import asyncio, urllib.request, requests, httpx, aiohttp
async def aiohttp_get(url):
    async with aiohttp.ClientSession() as s:
        async with s.get(url) as r:
            return await r.read()
URL = {server.url("/1k")!r}
try:
    {fetch}
    result = "fetched"
except Exception as e:
    result = _chain(e)
''', net)


@pytest.mark.parametrize("library", ["urllib", "requests", "httpx", "aiohttp"])
def test_a_certificate_for_another_host_name_fails_verification(factory, net, wrong_name_server, library):
    got = _verification_failure(factory, net, wrong_name_server, library)
    assert got != "fetched"
    text = " | ".join(f"{t}: {m}" for t, m in got)
    assert "SSLCertVerificationError" in text or "CERTIFICATE_VERIFY_FAILED" in text, got
    assert all(p != "/1k" for _, p, _ in wrong_name_server.requests)


@pytest.mark.parametrize("library", ["urllib", "requests", "httpx", "aiohttp"])
def test_a_self_signed_certificate_fails_verification(factory, net, self_signed_server, library):
    got = _verification_failure(factory, net, self_signed_server, library)
    assert got != "fetched"
    text = " | ".join(f"{t}: {m}" for t, m in got)
    assert "SSLCertVerificationError" in text or "CERTIFICATE_VERIFY_FAILED" in text, got
    assert all(p != "/1k" for _, p, _ in self_signed_server.requests)


def test_socket_timeout_on_a_stalling_server_raises_timeout_error(factory, net, stall_server):
    got = run(factory, f'''
import socket, time
s = socket.create_connection(("127.0.0.1", {stall_server.port}), timeout=0.5)
t = time.monotonic()
try:
    s.recv(1)
    result = "received"
except TimeoutError as e:
    result = {{"type": type(e).__name__, "is_socket_timeout": isinstance(e, socket.timeout),
              "waited": time.monotonic() - t}}
s.close()
''', net)
    assert got != "received"
    assert got["is_socket_timeout"] and 0.4 <= got["waited"] < 5, got


def test_urllib_timeout_on_a_stalling_server_raises_timeout_error(factory, net, stall_server):
    got = run(factory, f'''
import time, urllib.request
t = time.monotonic()
try:
    urllib.request.urlopen("http://127.0.0.1:{stall_server.port}/", timeout=0.5)
    result = "fetched"
except TimeoutError:
    result = time.monotonic() - t
''', net)
    assert got != "fetched" and 0.4 <= got < 5, got


def test_httpx_timeout_on_a_stalling_server_raises_read_timeout(factory, net, stall_server):
    got = run(factory, f'''
import httpx
try:
    httpx.get("http://127.0.0.1:{stall_server.port}/", timeout=0.5)
    result = "fetched"
except httpx.ReadTimeout:
    result = "ReadTimeout"
''', net)
    assert got == "ReadTimeout"


def test_the_io_timeout_of_the_config_bounds_a_wait_without_a_guest_timeout(factory, pki, stall_server):
    require_networking()
    net = eryx.NetConfig(io_timeout_ms=500).allow_localhost()
    start = time.monotonic()
    got = run(factory, f'''
import socket
s = socket.create_connection(("127.0.0.1", {stall_server.port}))
try:
    s.recv(1)
    result = "received"
except TimeoutError:
    result = "TimeoutError"
''', net)
    assert got == "TimeoutError"
    assert time.monotonic() - start < 10


def test_the_execution_timeout_ends_a_blocked_recv(factory, net, stall_server):
    sandbox = factory.create_sandbox(network=net, resource_limits=eryx.ResourceLimits(execution_timeout_ms=1000))
    closed_before = stall_server.closed_by_client
    start = time.monotonic()
    with pytest.raises(eryx.TimeoutError):
        sandbox.execute(f'''
import socket
s = socket.create_connection(("127.0.0.1", {stall_server.port}))
s.recv(1)
''')
    assert time.monotonic() - start < 5
    # The host closed the guest's connection with the execution, and the sandbox works again.
    deadline = time.monotonic() + 5
    while stall_server.closed_by_client == closed_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stall_server.closed_by_client > closed_before
    assert sandbox.execute("print('again')").stdout == "again\n"


class _RssSampler:
    """The largest growth of this process's resident memory over a baseline, sampled every 10 ms."""

    def __init__(self):
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.base = self._rss()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _rss(self):
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self.page

    def _loop(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._rss() - self.base)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self.peak


def test_a_100_mb_stream_read_in_chunks_keeps_host_memory_bounded(factory, net, http_server):
    size = 100 * MB
    sandbox = factory.create_sandbox(network=net, resource_limits=eryx.ResourceLimits(execution_timeout_ms=120_000))
    sandbox.execute("pass")  # the sandbox's own start-up memory is not the stream's
    sampler = _RssSampler()
    start = time.monotonic()
    try:
        got = sandbox.execute(f'''
import hashlib, urllib.request
h, n = hashlib.sha256(), 0
with urllib.request.urlopen({http_server.url(f"/bytes/{size}")!r}, timeout=30) as r:
    while True:
        chunk = r.read(64 * 1024)
        if not chunk:
            break
        n += len(chunk)
        h.update(chunk)
result = {{"n": n, "sha256": h.hexdigest()}}
''').result
        outcome = "completed"
    except eryx.TimeoutError:
        got, outcome = None, "cut by the execution timeout"
    grew = sampler.stop()
    elapsed = time.monotonic() - start
    print(f"\n100 MB stream: {outcome} in {elapsed:.1f} s, host RSS grew by at most {grew / MB:.1f} MB")
    assert grew < 64 * MB, f"host memory grew by {grew / MB:.1f} MB while streaming"
    if got is not None:
        assert got == {"n": size, "sha256": net_servers.pattern_sha256(size)}
    else:
        assert sandbox.execute("print('again')").stdout == "again\n"


# ---------------------------------------------------------------------------------------------
# The CLI (build/eryx or $ERYX_CLI): --net and --allow-host.
# ---------------------------------------------------------------------------------------------


def _cli_with_net_flags():
    cli = os.environ.get("ERYX_CLI") or str(REPO / "build" / "eryx")
    if not (os.path.isfile(cli) and os.access(cli, os.X_OK)):
        cli = shutil.which("eryx") or ""
    if not cli:
        loud_skip("no eryx CLI at build/eryx (or $ERYX_CLI): build it with `make build`")
    help_text = subprocess.run([cli, "--help"], capture_output=True, text=True, timeout=30).stdout
    missing = [o for o in ("--net", "--allow-host", "--allow-localhost", "--root-cert") if o not in help_text]
    if missing:
        loud_skip(f"{cli} has no {'/'.join(missing)} option(s) yet")
    return cli


FETCH_1K = "import urllib.request; print(len(urllib.request.urlopen('{url}', timeout=10).read()))"


def test_cli_allow_host_127_0_0_1_fetches_from_loopback(http_server):
    cli = _cli_with_net_flags()
    proc = subprocess.run([cli, "--allow-host", "127.0.0.1", "-c", FETCH_1K.format(url=http_server.url("/1k"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "1024\n", (proc.returncode, proc.stderr)


def test_cli_allow_localhost_with_root_cert_fetches_over_https(https_server, pki, tmp_path):
    cli = _cli_with_net_flags()
    (tmp_path / "ca.pem").write_bytes(pki.ca_pem)
    proc = subprocess.run([cli, "--allow-localhost", "--root-cert", str(tmp_path / "ca.pem"),
                           "-c", FETCH_1K.format(url=https_server.url("/1k", host="localhost"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "1024\n", (proc.returncode, proc.stderr)


def test_cli_allow_localhost_without_root_cert_fails_verification(https_server):
    cli = _cli_with_net_flags()
    proc = subprocess.run([cli, "--allow-localhost", "-c", FETCH_1K.format(url=https_server.url("/1k"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stderr or "SSLCertVerificationError" in proc.stderr, proc.stderr


def test_cli_net_alone_refuses_loopback(http_server):
    cli = _cli_with_net_flags()
    before = http_server.connections
    proc = subprocess.run([cli, "--net", "-c", FETCH_1K.format(url=http_server.url("/1k"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "127.0.0.1" in proc.stderr, proc.stderr
    assert http_server.connections == before


def test_cli_without_net_flags_says_networking_is_disabled(http_server):
    cli = _cli_with_net_flags()
    before = http_server.connections
    proc = subprocess.run([cli, "-c", FETCH_1K.format(url=http_server.url("/1k"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert "disabled" in proc.stderr.lower(), proc.stderr
    assert http_server.connections == before


def test_cli_allow_host_restricts_to_the_listed_hosts(http_server):
    cli = _cli_with_net_flags()
    before = http_server.connections
    # ::1 is the only host allowed: 127.0.0.1 is refused.
    proc = subprocess.run([cli, "--allow-host", "::1", "-c", FETCH_1K.format(url=http_server.url("/1k"))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, (proc.returncode, proc.stderr)
    assert http_server.connections == before
