"""What the adversarial secrets cases share (test_adv_secrets.py; each case's child imports this with
`from adv_secrets import *`): the secrets, the names and their loopback addresses, the recording
servers, guest helpers, and the checks that the real value appears nowhere it must not.

Names are given addresses with NetConfig.map_host (a static resolver: a name not mapped here does
not resolve at all), servers listen on 127.0.0.0/8 only and stop by themselves.
"""

import dataclasses
import json
import pathlib
import re
import sys
import textwrap

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # python/tests

import eryx  # noqa: E402
from secret_servers import RecordingServer, http_response, tls_context  # noqa: E402

__all__ = [
    "VALUE", "VALUE_B", "PLACEHOLDER", "SECRETS", "API", "EVIL", "SHARED", "B_HOST", "net", "run",
    "Outcome", "assert_clean", "assert_placeholder_reached", "RecordingServer", "http_response",
    "tls_context", "pki", "dedent", "re", "eryx", "loads", "FETCH_ECHO",
]

VALUE = "sk-adv-2f7d91c4e8b3a6f05d1c"
VALUE_B = "sk-adv-b-93e1a77c0f4d2b68e5"
PLACEHOLDER = re.compile(r"ERYX_SECRET_[0-9a-f]{32}")
# API_KEY may go to api.test only, B_KEY to b.test only.
SECRETS = {"API_KEY": {"value": VALUE, "allowed_hosts": ["api.test"]},
           "B_KEY": {"value": VALUE_B, "allowed_hosts": ["b.test"]}}
API = "127.0.0.1"     # api.test
EVIL = "127.0.0.2"    # evil.test and the look-alike names
SHARED = "127.0.0.3"  # alias.test (allowed) and shadow.test (not) both resolve here
B_HOST = "127.0.0.4"  # b.test
LOOKALIKES = ["evil.test", "api.test.evil.test", "xapi.test", "api-test", "api.testx", "test", "apitest"]
dedent = textwrap.dedent
loads = json.loads


def net(ca_pem=None):
    config = (eryx.NetConfig().allow_localhost().map_host("api.test", [API]).map_host("b.test", [B_HOST])
              .map_host("alias.test", [SHARED]).map_host("shadow.test", [SHARED]))
    for name in LOOKALIKES:
        config.map_host(name, [EVIL])
    if ca_pem is not None:
        config.with_root_cert(ca_pem)
    return config


_PKI = {}


def pki():
    """(ca_pem, leaf cert for every test name): made once per child with trustme."""
    if not _PKI:
        import trustme

        ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
        _PKI["ca_pem"] = ca.cert_pem.bytes()
        _PKI["cert"] = ca.issue_cert("api.test", "b.test", "alias.test", "shadow.test", *LOOKALIKES,
                                     key_type=trustme.KeyType.ECDSA)
    return _PKI["ca_pem"], _PKI["cert"]


# Guest helpers put before every case's code. exchange() sends each chunk with its own sendall (one
# host send each), reads what comes back until a quiet `wait`, and closes.
GUEST = '''
import os, socket, ssl
K = os.environ["API_KEY"]
KB = os.environ["B_KEY"]
def exchange(host, port, *chunks, tls_name=None, wait=0.5):
    s = socket.create_connection((host, port), timeout=10)
    if tls_name:
        s = ssl.create_default_context().wrap_socket(s, server_hostname=tls_name)
    for c in chunks:
        s.sendall(c.encode() if isinstance(c, str) else c)
    s.settimeout(wait)
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    s.close()
    return got
'''

# Guest code (format with port= and n=len(value)): one request to an echoing api.test; `v` is then
# the real value, come back in the echo.
FETCH_ECHO = """
echo = exchange('api.test', {port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n').decode('utf-8')
v = echo.split('Authorization: ')[1].split('\\r\\n')[0]
assert v != K and len(v) == {n}, 'the echo did not carry the value'
"""


@dataclasses.dataclass
class Outcome:
    stdout: str = ""
    stderr: str = ""
    result_json: str = ""
    result_error: str = ""
    error: str = ""  # str(), message and traceback of an ExecutionError
    streamed: str = ""  # what on_stdout and on_stderr received

    def texts(self):
        return {"stdout": self.stdout, "stderr": self.stderr, "result": self.result_json,
                "result_error": self.result_error, "error": self.error, "streamed": self.streamed}


def run(code, *servers, runner=None, **options):
    """Runs GUEST + code in `runner` or a fresh Sandbox (secrets=SECRETS, network=net(), result
    scrubbing on, output streamed too); waits for `servers` to see every connection end."""
    streamed = []
    if runner is None:
        opts = dict(network=net(), secrets=SECRETS, scrub_result=True, on_stdout=streamed.append,
                    on_stderr=streamed.append)
        opts.update(options)
        runner = eryx.Sandbox(**opts)
    outcome = Outcome()
    try:
        r = runner.execute(GUEST + dedent(code))
        outcome.stdout, outcome.stderr = r.stdout, r.stderr
        outcome.result_json, outcome.result_error = r.result_json or "", r.result_error or ""
    except eryx.ExecutionError as e:
        outcome.error = f"{e}\n{e.type_name}\n{e.message}\n{e.traceback_text}"
    outcome.streamed = "".join(streamed)
    del runner  # a Sandbox's connections end with its execution; a Session's with the Session
    for s in servers:
        s.settle()
    return outcome


def assert_clean(outcome, *servers, placeholder_scrubbed=True):
    """Neither real value is in anything that left the sandbox: its outputs, its result, its error,
    or the bytes `servers` (reached by connections that may not carry the value) received. With
    `placeholder_scrubbed`, no raw placeholder is in the outputs either."""
    for where, text in outcome.texts().items():
        for value in (VALUE, VALUE_B):
            assert value not in text, (where, text[-3000:])
        if placeholder_scrubbed:
            assert not PLACEHOLDER.search(text), (where, text[-3000:])
    for s in servers:
        got = s.received()
        for value in (VALUE, VALUE_B):
            assert value.encode() not in got, got[-3000:]


def assert_placeholder_reached(server, count=None):
    """The attempt's bytes did arrive (as the harmless placeholder): the check of the value's absence
    is about substitution, not about a request that never got there."""
    found = re.findall(rb"ERYX_SECRET_[0-9a-f]{32}", server.received())
    assert found, server.received()[-3000:]
    if count is not None:
        assert len(found) == count, (len(found), server.received()[-3000:])
