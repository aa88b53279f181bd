"""Real servers for the networking tests and bench/python/net_bench.py, on loopback only.

Every server binds 127.0.0.1 (or ::1, or another 127.0.0.0/8 address) on a port the kernel picks,
serves from daemon threads, and stops by itself after `lifetime_s` even if nobody calls stop(): a
test that dies half-way never leaves a thread or a socket behind for long. Every accepted socket
has a timeout, so no handler thread waits forever on a silent client.

- HttpServer: plain HTTP/1.1 (keep-alive) with these paths:
    /1k              1024 bytes (BODY_1K)
    /json            a small JSON document (JSON_DOC)
    /echo            the request as JSON: method, path, headers, body (any method)
    /bytes/N         N bytes of a repeating pattern (pattern_bytes), written in 64 KiB chunks, with
                     Content-Length; the server never holds more than one chunk
    /redirect?to=URL&code=301   a redirect to URL
  TLS when given an ssl.SSLContext (HttpsServer below), ALPN "http/1.1".
- StallServer: accepts, reads nothing, sends nothing; holds the connection until the client closes
  it or `hold_s` passes (for timeouts).
- Listener: a bare TCP listener that only counts connections (a target that must never be reached).
- TlsInfoServer: completes a TLS handshake, sends one JSON line (ALPN protocol, SNI name, TLS
  version) and closes; its ALPN list is ALPN_PROTOCOLS.
- TestPki: a CA made at test time with trustme; certificates for localhost/127.0.0.1/::1, one for a
  different name, and a self-signed one (signed by its own key, not the CA).

Nothing here resolves a name or connects anywhere.
"""

import datetime
import hashlib
import json
import os
import socket
import ssl
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_1K = bytes((i * 7 + 3) % 251 for i in range(1024))
JSON_DOC = {"name": "eryx", "ok": True, "items": [1, 2, 3], "nested": {"pi": 3.25, "none": None}}
CHUNK = 64 * 1024
# The pattern /bytes/N repeats: 64 KiB that are not all the same byte, so an offset error shows.
PATTERN = bytes((i * 31 + i // 251) % 256 for i in range(CHUNK))
ALPN_PROTOCOLS = ["eryx-test/1", "http/1.1"]
DEFAULT_LIFETIME_S = 600.0
SOCKET_TIMEOUT_S = 30.0


def pattern_bytes(n):
    """The first n bytes /bytes/N sends (for small n; use pattern_sha256 for large ones)."""
    return (PATTERN * (n // CHUNK + 1))[:n]


def pattern_sha256(n):
    h = hashlib.sha256()
    full, rest = divmod(n, CHUNK)
    for _ in range(full):
        h.update(PATTERN)
    h.update(PATTERN[:rest])
    return h.hexdigest()


class _Lifetime:
    """Stops `stop` after lifetime_s from a daemon timer: the bound on every server's life."""

    def __init__(self, stop, lifetime_s):
        self._timer = threading.Timer(lifetime_s, stop)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self):
        self._timer.cancel()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless the client says close
    timeout = SOCKET_TIMEOUT_S  # per-connection socket timeout (StreamRequestHandler)
    # Headers and body go out as separate writes; with Nagle on, the body would wait for the
    # client's delayed ACK (tens of ms per request in the benchmark).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # quiet: pytest shows failures, not access logs
        pass

    def _send(self, status, body, content_type="application/octet-stream", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self):
        self.server.owner._record(self)
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/1k":
            return self._send(200, BODY_1K)
        if url.path == "/json":
            return self._send(200, json.dumps(JSON_DOC).encode(), "application/json")
        if url.path == "/echo":
            doc = {"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                   "body": body.decode("latin-1")}
            return self._send(200, json.dumps(doc).encode(), "application/json")
        if url.path.startswith("/bytes/"):
            return self._stream(int(url.path[len("/bytes/"):]))
        if url.path == "/redirect":
            q = urllib.parse.parse_qs(url.query)
            code = int(q.get("code", ["302"])[0])
            return self._send(code, b"", headers=[("Location", q["to"][0])])
        return self._send(404, b"not found\n", "text/plain")

    def _stream(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        view = memoryview(PATTERN)
        sent = 0
        try:
            while sent < n and not self.server.owner.stopped.is_set():
                part = min(CHUNK, n - sent)
                self.wfile.write(view[:part])
                sent += part
        except OSError:  # the client went away (e.g. its execution timed out): nothing to do
            self.close_connection = True
        self.server.owner.bytes_streamed += sent

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner, addr, family):
        self.address_family = family
        self.owner = owner
        super().__init__(addr, _Handler)

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(SOCKET_TIMEOUT_S)
        self.owner._connected(addr)
        if self.owner.tls is not None:
            # Handshake in the handler thread (not here in the accept loop), so a client that
            # never completes it cannot stall the other clients.
            sock = self.owner.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if isinstance(request, ssl.SSLSocket):
            try:
                request.do_handshake()
            except (OSError, ssl.SSLError) as e:
                self.owner.handshake_errors.append(repr(e))
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):  # a reset by a client is not a server bug
        pass


class _Base:
    def __init__(self, lifetime_s):
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self.peers = []
        self._lifetime = _Lifetime(self.stop, lifetime_s)

    def _connected(self, addr):
        with self.lock:
            self.connections += 1
            self.peers.append(addr)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class HttpServer(_Base):
    """Plain HTTP (or HTTPS with `tls`) on host:port; url(path) gives the address to fetch."""

    scheme = "http"

    def __init__(self, host="127.0.0.1", port=0, tls=None, lifetime_s=DEFAULT_LIFETIME_S):
        super().__init__(lifetime_s)
        self.tls = tls
        self.host = host
        self.requests = []  # (method, path, connection peer) of every request
        self.handshake_errors = []
        self.bytes_streamed = 0
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = _HTTPServer(self, (host, port), family)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()

    def _record(self, handler):
        with self.lock:
            self.requests.append((handler.command, handler.path, handler.client_address))

    def url(self, path="/", host=None):
        h = host or self.host
        if ":" in h:
            h = f"[{h}]"
        return f"{self.scheme}://{h}:{self.port}{path}"

    def stop(self):
        if not self.stopped.is_set():
            self.stopped.set()
            self._lifetime.cancel()
            self._server.shutdown()
            self._server.server_close()


class HttpsServer(HttpServer):
    scheme = "https"

    def __init__(self, cert, host="127.0.0.1", alpn=("http/1.1",), lifetime_s=DEFAULT_LIFETIME_S):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        if alpn:
            ctx.set_alpn_protocols(list(alpn))
        super().__init__(host=host, tls=ctx, lifetime_s=lifetime_s)


class _RawServer(_Base):
    """A listener with an accept thread; each accepted socket goes to self._serve in its own thread."""

    def __init__(self, host, lifetime_s):
        super().__init__(lifetime_s)
        self.host = host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(64)
        self._sock.settimeout(0.05)  # the accept loop checks `stopped` this often
        self.port = self._sock.getsockname()[1]
        self._conns = []
        self._thread = threading.Thread(target=self._accept_loop, name=f"{type(self).__name__}:{self.port}",
                                        daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self.stopped.is_set():
            try:
                conn, addr = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            self._connected(addr)
            conn.settimeout(SOCKET_TIMEOUT_S)
            with self.lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve_and_close, args=(conn,), daemon=True).start()

    def _serve_and_close(self, conn):
        try:
            self._serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def _serve(self, conn):
        pass

    def address(self):
        return (self.host, self.port)

    def stop(self):
        if not self.stopped.is_set():
            self.stopped.set()
            self._lifetime.cancel()
            self._thread.join(timeout=5)
            self._sock.close()
            with self.lock:
                for c in self._conns:
                    try:
                        c.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


class Listener(_RawServer):
    """Counts connections and closes them at once: a target that must never see one."""

    def __init__(self, host="127.0.0.1", lifetime_s=DEFAULT_LIFETIME_S):
        super().__init__(host, lifetime_s)


class StallServer(_RawServer):
    """Accepts and then neither reads nor writes until the client closes or hold_s passes."""

    def __init__(self, host="127.0.0.1", hold_s=60.0, lifetime_s=DEFAULT_LIFETIME_S):
        self.hold_s = hold_s
        self.closed_by_client = 0
        super().__init__(host, lifetime_s)

    def _serve(self, conn):
        deadline = time.monotonic() + self.hold_s
        conn.settimeout(0.1)
        while time.monotonic() < deadline and not self.stopped.is_set():
            # MSG_PEEK: see the client's FIN without consuming (so reading) anything it sent.
            try:
                if conn.recv(1, socket.MSG_PEEK) == b"":
                    with self.lock:
                        self.closed_by_client += 1
                    return
                time.sleep(0.05)  # it sent data: keep ignoring it
            except socket.timeout:
                continue


class TlsInfoServer(_RawServer):
    """After the handshake sends {"alpn": ..., "sni": ..., "version": ...} and a newline, then closes."""

    def __init__(self, cert, host="127.0.0.1", alpn=tuple(ALPN_PROTOCOLS), lifetime_s=DEFAULT_LIFETIME_S):
        self.sni_names = []
        self.handshake_errors = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(ctx)
        ctx.set_alpn_protocols(list(alpn))
        ctx.sni_callback = lambda sslobj, name, ctx_: self.sni_names.append(name)
        self.ctx = ctx
        super().__init__(host, lifetime_s)

    def _serve(self, conn):
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.handshake_errors.append(repr(e))
            return
        info = {"alpn": tls.selected_alpn_protocol(), "sni": self.sni_names[-1] if self.sni_names else None,
                "version": tls.version()}
        tls.sendall(json.dumps(info).encode() + b"\n")
        tls.close()


class _SelfSignedCert:
    """A leaf certificate signed by its own key, with trustme's configure_cert() shape."""

    def __init__(self, names):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        sans = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .sign(key, hashes.SHA256()))
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())

    def configure_cert(self, ctx):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            c, k = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
            with open(c, "wb") as f:
                f.write(self.cert_pem)
            with open(k, "wb") as f:
                f.write(self.key_pem)
            ctx.load_cert_chain(c, k)


class TestPki:
    """The test-time CA (trustme) and the server certificates of the TLS tests."""

    __test__ = False  # not a pytest test class
    NAMES = ("localhost", "127.0.0.1", "::1", "eryx-test.example")

    def __init__(self):
        import trustme

        # ECDSA: handshakes cost far less CPU than with RSA keys (the benchmark makes hundreds).
        self.ca = trustme.CA(key_type=trustme.KeyType.ECDSA)
        self.ca_pem = self.ca.cert_pem.bytes()
        self.server_cert = self.ca.issue_cert(*self.NAMES, key_type=trustme.KeyType.ECDSA)
        # Signed by the trusted CA, but for another name only.
        self.wrong_name_cert = self.ca.issue_cert("not-this-host.example", key_type=trustme.KeyType.ECDSA)
        self.self_signed_cert = _SelfSignedCert(list(self.NAMES))

    def client_context(self):
        """A native client context that trusts this CA (for checks from the test process itself)."""
        return ssl.create_default_context(cadata=self.ca_pem.decode())
