"""The guest side of networking: socket, select/selectors, asyncio, http.client and urllib inside the
sandbox, over the host's net_* imports (guest/runtime/eryx_socket.py, eryx_select.py, eryx_ssl.py).

Every server here is started by the test itself on 127.0.0.1, in a thread that stops by itself;
nothing else is contacted and no name but `localhost` is resolved.
"""

import contextlib
import hashlib
import http.server
import shutil
import socket
import ssl
import subprocess
import textwrap
import threading
import time

import pytest

import eryx

FIVE_MB = 5 * 1024 * 1024
SERVER_LIFETIME_S = 30  # every test server stops by itself after this


def run(sandbox, code):
    return sandbox.execute(textwrap.dedent(code)).stdout


def localhost_sandbox(**kwargs):
    return eryx.Sandbox(network=eryx.NetConfig().allow_localhost(), **kwargs)


@contextlib.contextmanager
def tcp_server(handle_connection, connections=4):
    """A server on 127.0.0.1 that hands each accepted connection to handle_connection (in a
    thread), for at most `connections` connections or SERVER_LIFETIME_S."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    deadline = time.monotonic() + SERVER_LIFETIME_S

    def accept_loop():
        served = 0
        while served < connections and not stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            served += 1
            conn.settimeout(SERVER_LIFETIME_S)
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    def serve_one(conn):
        with conn, contextlib.suppress(OSError):
            handle_connection(conn, stop)

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def echo(conn, stop):
    while not stop.is_set():
        data = conn.recv(65536)
        if not data:
            return
        conn.sendall(data)


def stall(conn, stop):
    conn.recv(65536)
    stop.wait(SERVER_LIFETIME_S)  # never answers


def send_five_megabytes(conn, stop):
    conn.sendall(bytes(range(256)) * (FIVE_MB // 256))


def count_until_eof(conn, stop):
    digest, total = hashlib.sha256(), 0
    while True:
        data = conn.recv(1 << 20)
        if not data:
            break
        digest.update(data)
        total += len(data)
    conn.sendall(f"{total} {digest.hexdigest()}".encode())


@contextlib.contextmanager
def http_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"hello from {self.path}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 0.1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    timer = threading.Timer(SERVER_LIFETIME_S, server.shutdown)
    timer.start()
    try:
        yield server.server_address[1]
    finally:
        timer.cancel()
        server.shutdown()
        server.server_close()


# ---- without a network (the default) ----------------------------------------------------------


def test_connect_without_network_raises_oserror_saying_networking_is_disabled(sandbox):
    out = run(
        sandbox,
        """
        import socket
        try:
            socket.create_connection(("127.0.0.1", 80), timeout=5)
        except OSError as e:
            print(type(e).__name__, "|", e)
        """,
    )
    kind, message = out.strip().split(" | ", 1)
    assert kind == "OSError"
    assert "networking is disabled" in message


def test_getaddrinfo_without_network_raises_oserror_saying_networking_is_disabled(sandbox):
    out = run(
        sandbox,
        """
        import socket
        try:
            socket.getaddrinfo("localhost", 80)
        except OSError as e:
            print(type(e).__name__, "|", e)
        """,
    )
    assert out.startswith("OSError | ") and "networking is disabled" in out


def test_urllib_without_network_fails_with_the_disabled_message(sandbox):
    out = run(
        sandbox,
        """
        import urllib.request, urllib.error
        try:
            urllib.request.urlopen("http://127.0.0.1:9/", timeout=5)
        except urllib.error.URLError as e:
            print(e.reason)
        """,
    )
    assert "networking is disabled" in out


# ---- the module surface (no host needed beyond the imports) ------------------------------------


def test_socket_constants_have_linux_values(sandbox):
    out = run(
        sandbox,
        """
        import socket
        print(socket.AF_INET, socket.AF_INET6, socket.AF_UNSPEC, socket.SOCK_STREAM, socket.SOCK_DGRAM,
              socket.IPPROTO_TCP, socket.SOL_SOCKET, socket.SO_ERROR, socket.TCP_NODELAY,
              socket.SHUT_RD, socket.SHUT_WR, socket.SHUT_RDWR, socket.AI_NUMERICHOST, socket.EAI_NONAME)
        """,
    )
    assert out.split() == ["2", "10", "0", "1", "2", "6", "1", "4", "1", "0", "1", "2", "4", "-2"]


def test_socket_module_is_the_stdlib_one_over_the_eryx_socket(sandbox):
    out = run(
        sandbox,
        """
        import socket, _socket
        s = socket.socket()
        print(issubclass(socket.socket, _socket.socket), s.fileno() >= 1_000_000,
              socket.timeout is TimeoutError, issubclass(socket.gaierror, OSError),
              issubclass(socket.herror, OSError), socket.has_ipv6, s.gettimeout(),
              s.getblocking(), s.family == socket.AF_INET, s.type == socket.SOCK_STREAM,
              s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(2.5)
        print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), s.gettimeout())
        s.close()
        print(s.fileno())
        """,
    )
    assert out.splitlines() == [
        "True True True True True True None True True True 0",
        "1 2.5",
        "-1",
    ]


def test_inet_helpers_convert_addresses(sandbox):
    out = run(
        sandbox,
        """
        import socket
        print(socket.inet_aton("127.1").hex(), socket.inet_aton("0x7f.0.0.1").hex(),
              socket.inet_ntoa(bytes([10, 0, 0, 1])),
              socket.inet_pton(socket.AF_INET6, "::ffff:1.2.3.4").hex(),
              socket.inet_ntop(socket.AF_INET6, bytes.fromhex("20010db8000000000000000000000001")),
              socket.htons(1), socket.ntohl(1))
        for bad in ("1.2.3.256", "a.b.c.d", ""):
            try:
                socket.inet_pton(socket.AF_INET, bad)
            except OSError:
                print("refused", repr(bad))
        """,
    )
    lines = out.splitlines()
    assert lines[0].split() == [
        "7f000001", "7f000001", "10.0.0.1", "00000000000000000000ffff01020304", "2001:db8::1",
        "256", "16777216",
    ]  # fmt: skip
    assert lines[1:] == ["refused '1.2.3.256'", "refused 'a.b.c.d'", "refused ''"]


def test_servers_and_udp_are_refused_with_a_clear_error(sandbox):
    out = run(
        sandbox,
        """
        import socket
        for attempt in (lambda: socket.socket().bind(("127.0.0.1", 0)),
                        lambda: socket.socket().listen(),
                        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM),
                        lambda: socket.create_server(("127.0.0.1", 0))):
            try:
                attempt()
            except OSError as e:
                print(e)
        """,
    )
    lines = out.splitlines()
    assert len(lines) == 4
    assert "cannot accept connections" in lines[0] and "cannot accept connections" in lines[1]
    assert "only TCP" in lines[2]
    assert "cannot accept connections" in lines[3]


def test_shims_are_served_again_after_del_sys_modules_and_reload(sandbox):
    out = run(
        sandbox,
        """
        import sys, importlib
        for name in ("socket", "_socket", "select", "selectors", "ssl"):
            sys.modules.pop(name, None)
        import socket, select, ssl, _socket
        importlib.reload(socket)
        importlib.reload(_socket)
        print(socket.socket().fileno() >= 1_000_000, hasattr(select, "epoll"),
              hasattr(select, "wait_with_callbacks"), ssl.OPENSSL_VERSION.startswith("OpenSSL"),
              "eryx" in ssl.OPENSSL_VERSION)
        """,
    )
    assert out.split() == ["True", "False", "True", "True", "True"]


def test_ssl_refuses_to_turn_verification_off(sandbox):
    out = run(
        sandbox,
        """
        import socket, ssl
        try:
            ssl._create_unverified_context()
        except ValueError as e:
            print("unverified:", "with_root_cert" in str(e))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            context.wrap_socket(socket.socket(), server_hostname="example.org")
        except ValueError as e:
            print("wrap:", "with_root_cert" in str(e))
        try:
            ssl.create_default_context().load_cert_chain("cert.pem")
        except NotImplementedError as e:
            print("client certificates:", "not available" in str(e))
        """,
    )
    assert out.splitlines() == ["unverified: True", "wrap: True", "client certificates: True"]


def test_ssl_surface_for_http_libraries(sandbox):
    out = run(
        sandbox,
        """
        import ssl
        ctx = ssl.create_default_context()
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        ctx.load_verify_locations(cadata="")
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        print(ctx.verify_mode == ssl.CERT_REQUIRED, ctx.check_hostname, ssl.HAS_SNI, ssl.HAS_ALPN,
              issubclass(ssl.SSLCertVerificationError, ValueError),
              issubclass(ssl.SSLWantReadError, ssl.SSLError), issubclass(ssl.SSLError, OSError),
              ssl.CertificateError is ssl.SSLCertVerificationError,
              ssl.PEM_cert_to_DER_cert(ssl.DER_cert_to_PEM_cert(b"der")) == b"der",
              ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT"), ssl.Purpose.SERVER_AUTH.oid)
        bio = ssl.MemoryBIO()
        bio.write(b"abc")
        print(bio.pending, bio.read(2), bio.eof)
        """,
    )
    assert out.splitlines() == [
        "True True True True True True True True True 1515144883 1.3.6.1.5.5.7.3.1",
        "3 b'ab' False",
    ]


# ---- with a network: 127.0.0.1 only --------------------------------------------------------------


def test_tcp_echo_round_trip():
    with tcp_server(echo) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket
            with socket.create_connection(("127.0.0.1", {port}), timeout=10) as s:
                s.sendall(b"hello sandbox")
                print(s.recv(100), s.getpeername() == ("127.0.0.1", {port}))
            """,
        )
    assert out.split() == ["b'hello", "sandbox'", "True"]


def test_connect_to_localhost_by_name():
    with tcp_server(echo) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket
            s = socket.socket()
            s.settimeout(10)
            s.connect(("localhost", {port}))
            s.sendall(b"ping")
            print(s.recv(4))
            s.close()
            """,
        )
    assert out == "b'ping'\n"


def test_getaddrinfo_localhost_returns_loopback_addresses():
    out = run(
        localhost_sandbox(),
        """
        import socket
        infos = socket.getaddrinfo("localhost", "http", type=socket.SOCK_STREAM)
        print(all(i[1] == socket.SOCK_STREAM and i[4][1] == 80 for i in infos),
              sorted({i[4][0] for i in infos} & {"127.0.0.1", "::1"}) != [])
        """,
    )
    assert out.split() == ["True", "True"]


def test_settimeout_expiry_raises_timeout_error_with_the_standard_message():
    with tcp_server(stall) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket, time
            s = socket.create_connection(("127.0.0.1", {port}), timeout=10)
            s.settimeout(0.3)
            s.sendall(b"anyone there?")
            start = time.monotonic()
            try:
                s.recv(10)
            except socket.timeout as e:
                print(type(e).__name__, e, 0.2 < time.monotonic() - start < 5)
            """,
        )
    assert out == "TimeoutError timed out True\n"


def test_non_blocking_recv_without_data_raises_blocking_io_error():
    with tcp_server(stall) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=10)
            s.setblocking(False)
            try:
                s.recv(10)
            except BlockingIOError as e:
                print("BlockingIOError", s.getblocking())
            """,
        )
    assert out == "BlockingIOError False\n"


def test_select_reports_a_guest_socket_readable_once_data_arrives():
    with tcp_server(echo) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import select, socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=10)
            r, w, _ = select.select([s], [s], [], 0)
            print(r == [], w == [s])
            s.sendall(b"x")
            r, _, _ = select.select([s], [], [], 5)
            print(r == [s], s.recv(1))
            """,
        )
    assert out.splitlines() == ["True True", "True b'x'"]


def test_default_selector_waits_on_guest_sockets():
    with tcp_server(echo) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import selectors, socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=10)
            selector = selectors.DefaultSelector()
            selector.register(s, selectors.EVENT_READ, "data")
            print(selector.select(0))
            s.sendall(b"abc")
            [(key, events)] = selector.select(5)
            print(type(selector).__name__, key.data, events == selectors.EVENT_READ, s.recv(3))
            """,
        )
    assert out.splitlines() == ["[]", "PollSelector data True b'abc'"]


def test_asyncio_open_connection_round_trip():
    with tcp_server(echo) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import asyncio
            async def main():
                reader, writer = await asyncio.open_connection("localhost", {port})
                writer.write(b"line one\\n")
                await writer.drain()
                print(await reader.readline())
                writer.close()
                await writer.wait_closed()
            asyncio.run(main())
            """,
        )
    assert out == "b'line one\\n'\n"


def test_asyncio_streams_serve_concurrent_connections():
    with tcp_server(echo, connections=3) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import asyncio
            async def talk(n):
                reader, writer = await asyncio.open_connection("127.0.0.1", {port})
                writer.write(b"x" * 100_000 + str(n).encode())
                await writer.drain()
                data = await reader.readexactly(100_001)
                writer.close()
                await writer.wait_closed()
                return data[-1:].decode()
            async def main():
                print(await asyncio.wait_for(asyncio.gather(*(talk(n) for n in range(3))), 20))
            await main()
            """,
        )
    assert out == "['0', '1', '2']\n"


def test_http_client_get_from_a_local_server():
    with http_server() as port:
        out = run(
            localhost_sandbox(),
            f"""
            import http.client
            connection = http.client.HTTPConnection("127.0.0.1", {port}, timeout=10)
            connection.request("GET", "/client")
            response = connection.getresponse()
            print(response.status, response.read().decode())
            connection.close()
            """,
        )
    assert out == "200 hello from /client\n"


def test_urllib_request_urlopen_from_a_local_server():
    with http_server() as port:
        out = run(
            localhost_sandbox(),
            f"""
            import urllib.request
            with urllib.request.urlopen("http://localhost:{port}/urllib", timeout=10) as response:
                print(response.status, response.read().decode())
            """,
        )
    assert out == "200 hello from /urllib\n"


def test_makefile_read_returns_five_megabytes_whole():
    expected = hashlib.sha256(bytes(range(256)) * (FIVE_MB // 256)).hexdigest()
    with tcp_server(send_five_megabytes) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import hashlib, socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=20)
            with s.makefile("rb") as f:
                data = f.read({FIVE_MB})
            print(len(data), hashlib.sha256(data).hexdigest())
            """,
        )
    assert out.split() == [str(FIVE_MB), expected]


def test_sendall_delivers_five_megabytes():
    payload_hash = hashlib.sha256(b"\x5a" * FIVE_MB).hexdigest()
    with tcp_server(count_until_eof) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket
            s = socket.create_connection(("127.0.0.1", {port}), timeout=20)
            s.sendall(b"\\x5a" * {FIVE_MB})
            s.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := s.recv(1000):
                answer += chunk
            print(answer.decode())
            """,
        )
    assert out.split() == [str(FIVE_MB), payload_hash]


def test_interrupt_during_a_blocked_recv_raises_keyboard_interrupt_and_keeps_the_session():
    with tcp_server(stall) as port:
        session = eryx.Session(network=eryx.NetConfig().allow_localhost())
        session.execute("x = 41")
        threading.Timer(0.5, session.interrupt).start()
        start = time.monotonic()
        with pytest.raises(eryx.ExecutionError) as error:
            session.execute(
                f"import socket\ns = socket.create_connection(('127.0.0.1', {port}))\n"
                "s.sendall(b'?')\ns.recv(10)"
            )
        assert error.value.type_name == "KeyboardInterrupt"
        assert time.monotonic() - start < 10
        assert session.execute("print(x + 1)").stdout == "42\n"


def test_a_callback_completion_wakes_a_loop_that_also_waits_on_a_socket():
    registry = eryx.CallbackRegistry()

    @registry.callback(description="Answers after a short pause")
    def slow() -> str:
        time.sleep(0.3)
        return "done"

    with tcp_server(stall) as port:
        sandbox = eryx.Sandbox(network=eryx.NetConfig().allow_localhost(), callbacks=registry)
        out = run(
            sandbox,
            f"""
            import asyncio, time
            reader, writer = await asyncio.open_connection("127.0.0.1", {port})
            pending_read = asyncio.ensure_future(reader.read(1))  # the server never answers
            start = time.monotonic()
            print(await slow(), time.monotonic() - start < 3)
            pending_read.cancel()
            writer.close()
            """,
        )
    assert out == "done True\n"


# ---- TLS through the host, with a CA made at test time (openssl) -----------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A CA and a leaf for DNS:localhost signed by it, made with the openssl command."""
    openssl = shutil.which("openssl")
    assert openssl, "the TLS tests need the openssl command (Debian package openssl)"
    d = tmp_path_factory.mktemp("tls")

    def sh(*args):
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True, timeout=60)

    sh("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=eryx test CA",
       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    sh("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
       "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    (d / "leaf.ext").write_text(
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
    )
    sh("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
       "-days", "2", "-out", "leaf.pem", "-extfile", "leaf.ext")  # fmt: skip
    return d


def server_tls_context(tls_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "leaf.key")
    context.set_alpn_protocols(["http/1.1"])
    return context


def tls_echo(tls_files):
    context = server_tls_context(tls_files)

    def handle(conn, stop):
        with context.wrap_socket(conn, server_side=True) as tls:
            echo(tls, stop)

    return handle


def trusting_sandbox(tls_files):
    config = eryx.NetConfig().allow_localhost().with_root_cert((tls_files / "ca.pem").read_bytes())
    return eryx.Sandbox(network=config)


def test_wrap_socket_speaks_tls_verified_against_the_root_cert(tls_files):
    leaf_der = ssl.PEM_cert_to_DER_cert((tls_files / "leaf.pem").read_text())
    with tcp_server(tls_echo(tls_files)) as port:
        out = run(
            trusting_sandbox(tls_files),
            f"""
            import socket, ssl
            context = ssl.create_default_context()
            context.set_alpn_protocols(["h2", "http/1.1"])
            with socket.create_connection(("localhost", {port}), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls.sendall(b"over tls")
                    print(tls.recv(100))
                    print(tls.version().startswith("TLSv1."), len(tls.cipher()) == 3,
                          tls.selected_alpn_protocol())
                    cert = tls.getpeercert()
                    print(cert["subject"], cert["subjectAltName"])
                    print(tls.getpeercert(binary_form=True).hex())
            """,
        )
    lines = out.splitlines()
    assert lines[0] == "b'over tls'"
    assert lines[1] == "True True http/1.1"
    assert lines[2] == "((('commonName', 'localhost'),),) (('DNS', 'localhost'),)"
    assert lines[3] == leaf_der.hex()


def test_asyncio_open_connection_with_ssl_round_trip(tls_files):
    with tcp_server(tls_echo(tls_files)) as port:
        out = run(
            trusting_sandbox(tls_files),
            f"""
            import asyncio, ssl
            reader, writer = await asyncio.open_connection(
                "localhost", {port}, ssl=ssl.create_default_context())
            writer.write(b"async over tls\\n")
            await writer.drain()
            ssl_object = writer.get_extra_info("ssl_object")
            print(await reader.readline(), ssl_object.version() is not None,
                  ssl_object._sslobj is ssl_object)
            writer.close()
            await writer.wait_closed()
            """,
        )
    assert out == "b'async over tls\\n' True True\n"


def test_urllib_fetches_https_from_a_server_of_the_trusted_ca(tls_files):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "6")
            self.end_headers()
            self.wfile.write(b"secret")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_tls_context(tls_files).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        out = run(
            trusting_sandbox(tls_files),
            f"""
            import urllib.request
            print(urllib.request.urlopen("https://localhost:{server.server_address[1]}/", timeout=10).read())
            """,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert out == "b'secret'\n"


def test_a_server_of_an_untrusted_ca_fails_certificate_verification(tls_files):
    with tcp_server(tls_echo(tls_files)) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import socket, ssl
            raw = socket.create_connection(("localhost", {port}), timeout=10)
            try:
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            except ssl.SSLCertVerificationError as e:
                print(type(e).__name__, isinstance(e, ValueError), e.verify_code != 0,
                      "certificate verify failed" in str(e))
            """,
        )
    assert out == "SSLCertVerificationError True True True\n"


def test_a_certificate_for_another_name_fails_host_name_verification(tls_files):
    with tcp_server(tls_echo(tls_files)) as port:
        out = run(
            trusting_sandbox(tls_files),
            f"""
            import socket, ssl
            raw = socket.create_connection(("127.0.0.1", {port}), timeout=10)
            try:
                ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")
            except ssl.SSLCertVerificationError as e:
                print(type(e).__name__, "certificate verify failed" in str(e))
            """,
        )
    assert out == "SSLCertVerificationError True\n"


def test_the_interpreters_own_wasi_socket_module_reached_around_the_shims_opens_nothing():
    attempts = []

    def record(conn, stop):
        attempts.append(1)

    with tcp_server(record) as port:
        out = run(
            localhost_sandbox(),
            f"""
            import sys
            finder = sys.modules["_eryx_net_install"].EryxNetFinder
            sys.meta_path.remove(finder)
            sys.modules.pop("_socket")
            import _socket as wasi_socket  # the WASI built-in, not the shim
            print("shim" if hasattr(wasi_socket, "_eryx_shared") else "builtin")
            for attempt in (lambda: wasi_socket.socket(), lambda: wasi_socket.socket(fileno=0),
                            lambda: wasi_socket.socket(fileno=3)):
                try:
                    attempt().connect(("127.0.0.1", {port}))
                    print("connected")
                except OSError as e:
                    print("OSError")
            """,
        )
    assert out.split() == ["builtin", "OSError", "OSError", "OSError"]
    assert attempts == []


def test_connect_ex_answers_an_errno_for_a_refused_connection_but_raises_for_a_sandbox_refusal():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    code = f"""
        import errno, socket
        try:
            print(socket.socket().connect_ex(("127.0.0.1", {port})) == errno.ECONNREFUSED)
        except OSError as e:
            print(type(e).__name__, "|", e)
        """
    assert run(localhost_sandbox(), code) == "True\n"
    kind, message = run(eryx.Sandbox(), code).strip().split(" | ")
    assert kind == "OSError" and "networking is disabled" in message
