"""A recording server for the secrets tests (test_secrets.py, adversarial/test_adv_secrets.py).

RecordingServer listens on one loopback address (127.0.0.0/8 or ::1), optionally with TLS, and keeps
the raw bytes every connection sent (after TLS: the plaintext), so a test can say exactly what left
the sandbox. It answers each request header block it sees ("\\r\\n\\r\\n") with a small HTTP/1.1
response: "ok", or in echo mode the header block itself as the body (a server that reflects the
request: the way a secret's value can come back into the guest), or what a `reply` function returns.

Bounded and self-stopping: at most MAX_CONNECTIONS connections and MAX_BYTES bytes kept per
connection, every socket has a timeout, and the server stops by itself after `lifetime_s`.
Nothing here resolves a name or connects anywhere.
"""

import contextlib
import socket
import ssl
import threading
import time

MAX_CONNECTIONS = 64
MAX_BYTES = 1 << 20
SOCKET_TIMEOUT_S = 20.0


def http_response(body, status="200 OK", headers=()):
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    return head.encode() + b"\r\n" + body


class RecordingServer:
    """`tls`: a server ssl.SSLContext, or None for plain TCP. `echo`: answer with the request's
    header block. `reply(block) -> bytes`: the whole response to send for a header block."""

    def __init__(self, host="127.0.0.1", tls=None, echo=False, reply=None, lifetime_s=60.0):
        self.host = host
        self.tls = tls
        self.echo = echo
        self.reply = reply
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.connections = []  # one bytearray per accepted connection, in accept order
        self._open = 0
        self.tls_errors = []
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._deadline = time.monotonic() + lifetime_s
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name=f"RecordingServer:{host}:{self.port}")
        self._thread.start()

    # ---- what the tests read ----

    def received(self):
        """Every byte received, all connections concatenated (accept order)."""
        with self.lock:
            return b"".join(bytes(c) for c in self.connections)

    def settle(self, timeout=10.0):
        """Waits until every accepted connection has ended (the sandbox closes its sockets when its
        execution ends), so received() is complete."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if self._open == 0:
                    return
            time.sleep(0.01)

    def url(self, path="/", name=None):
        scheme = "https" if self.tls else "http"
        host = name or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{scheme}://{host}:{self.port}{path}"

    # ---- serving ----

    def _accept_loop(self):
        while not self.stopped.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            with self.lock:
                if len(self.connections) >= MAX_CONNECTIONS:
                    conn.close()
                    continue
                record = bytearray()
                self.connections.append(record)
                self._open += 1
            threading.Thread(target=self._serve, args=(conn, record), daemon=True).start()
        self._listener.close()

    def _serve(self, conn, record):
        try:
            with contextlib.suppress(OSError, ssl.SSLError):
                conn.settimeout(SOCKET_TIMEOUT_S)
                if self.tls is not None:
                    try:
                        conn = self.tls.wrap_socket(conn, server_side=True)
                    except (OSError, ssl.SSLError) as e:
                        self.tls_errors.append(repr(e))
                        return
                answered = 0  # header blocks answered so far
                while not self.stopped.is_set() and time.monotonic() < self._deadline:
                    data = conn.recv(65536)
                    if not data:
                        return
                    with self.lock:
                        record += data[:max(0, MAX_BYTES - len(record))]
                        blocks = bytes(record).split(b"\r\n\r\n")[:-1]
                    for block in blocks[answered:]:
                        conn.sendall(self._response(block + b"\r\n\r\n"))
                    answered = len(blocks)
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            with self.lock:
                self._open -= 1

    def _response(self, block):
        if self.reply is not None:
            return self.reply(block)
        return http_response(block if self.echo else b"ok")

    def stop(self):
        self.stopped.set()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def tls_context(cert):
    """A server context presenting `cert` (a trustme LeafCert), HTTP/1.1 by ALPN."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
