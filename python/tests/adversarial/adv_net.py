"""Loopback servers, configs and certificates for the adversarial network cases
(test_adv_network.py; each case's child imports this with `from adv_net import *`).

Every server here listens on 127.0.0.0/8 or ::1 only, counts what it accepted, and stops by itself
after SERVER_LIFETIME_S. No name is ever given to the system resolver: every NetConfig made here
carries a static resolver (map_host), so a name the test did not map does not resolve at all.
"""

import contextlib
import json
import os
import pathlib
import socket
import ssl
import subprocess
import tempfile
import textwrap
import threading
import time

import eryx

__all__ = [
    "SERVER_LIFETIME_S", "POLICY", "Server", "server", "net", "attempts", "tls_pki", "tls_server",
    "rss_now", "dedent", "socket", "ssl", "WITHOUT_SHIMS",
]

SERVER_LIFETIME_S = 40
POLICY = "refused by the sandbox's network policy"
dedent = textwrap.dedent


class Server:
    """What a server saw: connections accepted, currently open, bytes received."""

    def __init__(self, listener):
        self.listener = listener
        self.host, self.port = listener.getsockname()[:2]
        self.accepted = 0
        self.open = 0
        self.received = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()


@contextlib.contextmanager
def server(handler=None, host="127.0.0.1", port=0, backlog=64, tls=None):
    """A TCP server on a loopback address that runs handler(conn, server) per connection (default:
    read until EOF), for SERVER_LIFETIME_S at most. `tls`: an ssl.SSLContext to wrap each
    connection with (the handshake happens in the handler's thread, on first read)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(backlog)
    listener.settimeout(0.05)
    state = Server(listener)
    deadline = time.monotonic() + SERVER_LIFETIME_S

    def drain(conn, srv):
        while not srv.stop.is_set():
            data = conn.recv(65536)
            if not data:
                return
            with srv.lock:
                srv.received += len(data)

    def serve_one(conn):
        try:
            with conn, contextlib.suppress(OSError, ssl.SSLError):
                conn.settimeout(SERVER_LIFETIME_S)
                if tls is not None:
                    conn = tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
                (handler or drain)(conn, state)
        finally:
            with state.lock:
                state.open -= 1

    def accept_loop():
        while not state.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            with state.lock:
                state.accepted += 1
                state.open += 1
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        thread.join(5)
        # Connections the kernel completed but the loop had not yet taken count too.
        listener.setblocking(False)
        with contextlib.suppress(OSError):
            while True:
                listener.accept()[0].close()
                state.accepted += 1
        listener.close()


# Guest code that drops the socket shims' finder and modules, so that `import _socket` finds the
# interpreter's own WASI module.
WITHOUT_SHIMS = textwrap.dedent("""
    import errno, sys
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") != "EryxNetFinder"]
    for name in ("socket", "_socket", "ssl", "select", "selectors"):
        sys.modules.pop(name, None)
    import _socket
""")


def net(*names, **kwargs):
    """A NetConfig with a static resolver: `names` are (name, [addresses]) pairs; a placeholder
    entry keeps the resolver static even when there are none."""
    config = eryx.NetConfig(**kwargs)
    config.map_host("unused.invalid-name.test", ["192.0.2.1"])
    for name, addresses in names:
        config.map_host(name, addresses)
    return config


def attempts(sandbox, code, targets):
    """Runs `code` (which defines attempt(target)) for each target in the guest and returns
    {target: [exception type, errno, message]} ('ok' when it did not raise). The errno is the
    guest's name for it ("EACCES": the guest's numbers are WASI's), or the number when it has none
    (a gaierror's EAI_* value)."""
    script = dedent(code) + dedent(f"""
        import errno as _errno, json as _json
        _results = {{}}
        for _t in {targets!r}:
            try:
                attempt(_t)
                _results[repr(_t)] = ["ok", None, ""]
            except BaseException as _e:
                _n = getattr(_e, "errno", None)
                _results[repr(_t)] = [type(_e).__name__, _errno.errorcode.get(_n, _n), str(_e)]
        print(_json.dumps(_results))
    """)
    out = sandbox.execute(script).stdout
    return {eval(k): v for k, v in json.loads(out.strip().splitlines()[-1]).items()}


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def tls_pki(directory):
    """Certificates made with the OpenSSL CLI in `directory`: a CA (ca.pem) and, for localhost and
    127.0.0.1, a good leaf (good.pem), an expired one (expired.pem), one signed by another CA
    (stranger.pem) and a self-signed one (self.pem); all with key leaf.key. Returns the paths."""
    d = pathlib.Path(directory)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    for ca in ("ca", "other"):
        _openssl("req", "-x509", *ec, "-keyout", f"{ca}.key", "-out", f"{ca}.pem", "-days", "3",
                 "-subj", f"/CN=eryx adversarial {ca} CA", "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _openssl("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost", cwd=d)
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    for name, ca, days in (("good", "ca", "3"), ("expired", "ca", "-1"), ("stranger", "other", "3")):
        _openssl("x509", "-req", "-in", "leaf.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", days, "-extfile", "ext.cnf", cwd=d)
    _openssl("x509", "-req", "-in", "leaf.csr", "-key", "leaf.key", "-out", "self.pem", "-days", "3",
             "-extfile", "ext.cnf", cwd=d)
    return {p.stem: str(p) for p in d.glob("*.pem")} | {"key": str(d / "leaf.key")}


def tls_server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def _https_reply(conn, srv):
    """Handshake, read a request, answer 'secret'; counts handshakes in srv.received."""
    conn.do_handshake()
    with srv.lock:
        srv.received += 1
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret")


@contextlib.contextmanager
def tls_server(cert, key, handler=_https_reply):
    """A TLS server on 127.0.0.1 presenting `cert`; srv.received counts completed handshakes."""
    with server(handler, tls=tls_server_context(cert, key)) as srv:
        yield srv


def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
