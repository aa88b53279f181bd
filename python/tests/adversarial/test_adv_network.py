"""Hostile networking: address spellings, names that resolve inward, redirects, exhaustion, slow and
malicious servers, TLS that must not be weakened, and a guest that goes around its socket shims.

Every server is started by the case itself on 127.0.0.0/8 or ::1 (adv_net.py) and stops by itself;
every config carries a static resolver (adv_net.net), so no name reaches the system's DNS. A case
that expects a refusal gives the target a counting server and asserts it accepted nothing: the
policy must say no before any connection. Addresses that cannot be given a server here (private
and link-local networks) are only ever refused by the policy, with a short connect timeout.
"""

import functools

import adv_harness

# Each case's child starts with adv_net's servers and helpers (adv_net.py).
child = functools.partial(adv_harness.child, prelude="from adv_net import *\n")

# ---- every spelling of a loopback, private or special address ----------------------------------


@child()
def test_ipv4_loopback_spellings_are_refused_by_create_connection():
    spellings = ["127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7F.1", "0x7f.0.0.1",
                 "0177.0.0.1", "017700000001", "0177.1", "127.0.0.1.", "[127.0.0.1]", "127.000.000.001",
                 "127.255.255.254", "0x7f.0x0.0x0.0x1"]
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                socket.create_connection((host, {srv.port}), timeout=5).close()
        """, spellings)
    for spelling, (kind, number, message) in results.items():
        assert kind == "PermissionError" and number == "EACCES", (spelling, kind, message)
        assert POLICY in message and "127.0.0.0/8 is a blocked network" in message, (spelling, message)
    assert srv.accepted == 0


@child()
def test_ipv4_loopback_spellings_are_refused_by_socket_connect():
    spellings = ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.0.1.", "0x7f.1"]
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                with socket.socket() as s:
                    s.settimeout(5)
                    s.connect((host, {srv.port}))
        """, spellings)
    for spelling, (kind, number, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
    assert srv.accepted == 0


@child()
def test_ipv4_loopback_spellings_are_refused_by_http_client():
    spellings = ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1"]
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import http.client
            def attempt(host):
                conn = http.client.HTTPConnection(host, {srv.port}, timeout=5)
                conn.request("GET", "/latest/meta-data/")
        """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
    assert srv.accepted == 0


@child()
def test_loopback_urls_in_every_spelling_are_refused_by_urllib():
    with server() as srv:
        urls = [f"http://{host}:{srv.port}/" for host in
                ("127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "127.0.0.1.", "[::1]",
                 "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "[::]")]
        results = attempts(eryx.Sandbox(network=net()), """
            import urllib.request, urllib.error
            def attempt(url):
                try:
                    urllib.request.urlopen(url, timeout=5)
                except urllib.error.URLError as e:
                    raise e.reason
        """, urls)
    for url, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (url, kind, message)
    assert srv.accepted == 0


@child()
def test_ipv6_loopback_spellings_are_refused():
    spellings = ["::1", "[::1]", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001", "::0:1",
                 "0::1", "::1.", "::0.0.0.1"]
    with server(host="::1") as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                with socket.socket(socket.AF_INET6) as s:
                    s.settimeout(5)
                    s.connect((host, {srv.port}))
        """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
    assert srv.accepted == 0


@child()
def test_ipv4_mapped_translated_and_compatible_loopback_is_refused():
    spellings = ["::ffff:127.0.0.1", "::ffff:7f00:1", "[::ffff:127.0.0.1]", "0:0:0:0:0:ffff:127.0.0.1",
                 "::FFFF:7F00:0001", "::ffff:0:127.0.0.1", "::127.0.0.1", "::7f00:1"]
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                with socket.socket(socket.AF_INET6) as s:
                    s.settimeout(5)
                    s.connect((host, {srv.port}))
        """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
        assert "127.0.0.1" in message, (spelling, message)
    assert srv.accepted == 0


@child()
def test_nat64_6to4_and_teredo_addresses_carrying_private_ipv4_are_refused():
    spellings = ["64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1",
                 "2002:7f00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101::1", "2001:0:1:2:3:4:80ff:fffe"]
    results = attempts(eryx.Sandbox(network=net(connect_timeout_ms=300)), """
        import socket
        def attempt(host):
            socket.create_connection((host, 80), timeout=1).close()
    """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
        assert "carries the IPv4 address" in message or "is a blocked network" in message, (spelling, message)


@child()
def test_scoped_link_local_and_zoned_loopback_addresses_are_refused():
    spellings = ["fe80::1%1", "fe80::1%lo", "fe80::1%25lo", "[fe80::1%lo]", "::1%lo", "::1%1",
                 "fe80::1%no-such-interface", "febf:ffff::1%1"]
    with server(host="::1") as srv:
        results = attempts(eryx.Sandbox(network=net(connect_timeout_ms=300)), f"""
            import socket
            def attempt(host):
                with socket.socket(socket.AF_INET6) as s:
                    s.settimeout(1)
                    s.connect((host, {srv.port}))
        """, spellings)
        # The zone as a socket address's scope id, too.
        by_scope = attempts(eryx.Sandbox(network=net(connect_timeout_ms=300)), f"""
            import socket
            def attempt(host):
                with socket.socket(socket.AF_INET6) as s:
                    s.settimeout(1)
                    s.connect((host, {srv.port}, 0, 1))
        """, ["fe80::1", "::1"])
    for spelling, (kind, _, message) in (results | by_scope).items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
    assert srv.accepted == 0


@child()
def test_unspecified_addresses_that_reach_the_local_host_are_refused():
    spellings = ["0.0.0.0", "0", "0x0", "00", "0.0", "0.0.0.0.", "::", "[::]", "::0", "0:0:0:0:0:0:0:0",
                 "::ffff:0.0.0.0", "::ffff:0:0"]
    with server() as v4, server(host="::1", port=v4.port) as v6:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                family = socket.AF_INET6 if ":" in host else socket.AF_INET
                with socket.socket(family) as s:
                    s.settimeout(5)
                    s.connect((host, {v4.port}))
        """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
        assert "unspecified address" in message, (spelling, message)
    assert v4.accepted == 0 and v6.accepted == 0


@child()
def test_cloud_metadata_address_in_every_spelling_is_refused():
    spellings = ["169.254.169.254", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518",
                 "0xa9.0xfe.0xa9.0xfe", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "169.254.169.254.",
                 "fd00:ec2::254"]
    results = attempts(eryx.Sandbox(network=net(connect_timeout_ms=300)), """
        import socket
        def attempt(host):
            socket.create_connection((host, 80), timeout=1).close()
    """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)


@child()
def test_private_shared_and_unique_local_networks_are_refused():
    spellings = ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.1", "192.168.0.1", "100.64.0.1",
                 "100.127.255.254", "fc00::1", "fd12:3456:789a::1", "fe80::1", "fec0::1", "ff02::1",
                 "224.0.0.1", "255.255.255.255", "198.18.0.1"]
    results = attempts(eryx.Sandbox(network=net(connect_timeout_ms=300)), """
        import socket
        def attempt(host):
            socket.create_connection((host, 80), timeout=1).close()
    """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)


@child()
def test_unicode_spellings_of_loopback_are_normalised_then_refused():
    # The guest encodes non-ASCII hosts with IDNA (NFKC: fullwidth and circled letters and digits,
    # ideographic full stops), so the host sees and refuses the plain spelling.
    spellings = ["\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", "\u24dbocalhost",
                 "127\u30020\u30020\u30021", "\uff11\uff12\uff17.0.0.1", "LOCALHOST\uff0e"]
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(("localhost", ["127.0.0.1"])))
        results = attempts(sandbox, f"""
            import socket
            def attempt(host):
                socket.create_connection((host, {srv.port}), timeout=5).close()
        """, spellings)
    for spelling, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (spelling, kind, message)
        assert "localhost" in message or "127.0.0.1" in message, (spelling, message)
    assert srv.accepted == 0


@child()
def test_asyncio_connections_to_loopback_are_refused_before_connecting():
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net(("www.public-looking.com", ["127.0.0.1"]))), f"""
            import asyncio
            def attempt(host):
                async def go():
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, {srv.port}), 5)
                    writer.close()
                asyncio.run(go())
        """, ["127.0.0.1", "::ffff:127.0.0.1", "2130706433", "www.public-looking.com"])
    for host, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (host, kind, message)
    assert srv.accepted == 0


@child()
def test_ambiguous_or_malformed_address_spellings_are_refused_without_a_lookup():
    spellings = ["127.0.0.256", "1.2.3.4.5", "0x1g.0.0.1", "127.0.0.1 ", " 127.0.0.1", "+127.0.0.1",
                 "127..1", "[127.0.0.1", "::1]", "[[::1", "1.2.3.08", "4294967296", "::ffff:1.2.3.4.5"]
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net()), f"""
            import socket
            def attempt(host):
                socket.create_connection((host, {srv.port}), timeout=5).close()
        """, spellings)
    for spelling, (kind, number, message) in results.items():
        assert kind == "gaierror" and number == socket.EAI_NONAME, (spelling, kind, message)
        assert "not a valid" in message, (spelling, message)
    assert srv.accepted == 0


# ---- names that resolve inward --------------------------------------------------------------


@child()
def test_name_resolving_to_loopback_is_refused_before_connecting():
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(("www.public-looking.com", ["127.0.0.1"])))
        error = raises(eryx.ExecutionError, sandbox.execute,
                       f"import socket\nsocket.create_connection(('www.public-looking.com', {srv.port}), timeout=5)",
                       type_name="PermissionError")
    assert "www.public-looking.com" in error.message and "it resolves to 127.0.0.1" in error.message
    assert srv.accepted == 0


@child()
def test_name_resolving_to_ipv6_loopback_is_refused_before_connecting():
    with server(host="::1") as srv:
        sandbox = eryx.Sandbox(network=net(("six.public-looking.com", ["::1"])))
        error = raises(eryx.ExecutionError, sandbox.execute,
                       f"import socket\nsocket.create_connection(('six.public-looking.com', {srv.port}), timeout=5)",
                       type_name="PermissionError")
    assert "it resolves to ::1" in error.message and POLICY in error.message
    assert srv.accepted == 0


@child()
def test_names_resolving_to_private_and_metadata_addresses_are_refused():
    names = {"ten.example.com": "10.1.2.3", "meta.example.com": "169.254.169.254",
             "cgnat.example.com": "100.64.1.1", "ula.example.com": "fd00::1", "ll.example.com": "fe80::1",
             "mapped.example.com": "::ffff:10.0.0.1", "zero.example.com": "0.0.0.0"}
    sandbox = eryx.Sandbox(network=net(*((n, [a]) for n, a in names.items()), connect_timeout_ms=300))
    results = attempts(sandbox, """
        import socket
        def attempt(name):
            socket.create_connection((name, 80), timeout=1).close()
    """, list(names))
    for name, (kind, _, message) in results.items():
        assert kind == "PermissionError" and f"it resolves to {names[name]}" in message, (name, kind, message)


@child()
def test_rebinding_answer_with_an_allowed_address_first_and_a_blocked_one_second_is_refused_whole():
    # 127.0.0.2 stands in for the public address (allowed by a network rule, so a server can watch
    # it); 127.0.0.1 is the private one, still blocked.
    with server(host="127.0.0.2") as allowed, server(host="127.0.0.1", port=allowed.port) as blocked:
        port = allowed.port
        config = net(("rebind.example.com", ["127.0.0.2", "127.0.0.1"]),
                     ("honest.example.com", ["127.0.0.2"])).allow_network("127.0.0.2/32")
        sandbox = eryx.Sandbox(network=config)
        error = raises(eryx.ExecutionError, sandbox.execute,
                       f"import socket\nsocket.create_connection(('rebind.example.com', {port}), timeout=5)",
                       type_name="PermissionError")
        assert "it resolves to 127.0.0.1" in error.message
        assert allowed.accepted == 0 and blocked.accepted == 0
        # The same address alone is reachable: the refusal was for the answer as a whole.
        sandbox.execute(f"import socket\nsocket.create_connection(('honest.example.com', {port}), timeout=5).close()")
        time.sleep(0.2)
        assert allowed.accepted == 1 and blocked.accepted == 0


@child()
def test_getaddrinfo_of_a_rebinding_name_is_refused_in_either_order():
    # Only resolved, never connected: the public address is never contacted even if this failed.
    sandbox = eryx.Sandbox(network=net(("a.rebind.example.com", ["93.184.215.14", "10.0.0.1"]),
                                       ("b.rebind.example.com", ["10.0.0.1", "93.184.215.14"]),
                                       ("c.rebind.example.com", ["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::1"])))
    results = attempts(sandbox, """
        import socket
        def attempt(name):
            socket.getaddrinfo(name, 443)
    """, ["a.rebind.example.com", "b.rebind.example.com", "c.rebind.example.com"])
    for name, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message and "it resolves to" in message, (name, message)


@child()
def test_localhost_and_its_subdomains_are_refused_by_the_default_policy():
    names = ["localhost", "LOCALHOST", "localhost.", "LocalHost", "foo.localhost", "a.b.localhost",
             "x.LOCALHOST.", "metadata.localhost"]
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(*((n, ["127.0.0.1"]) for n in names)))
        results = attempts(sandbox, f"""
            import socket
            def attempt(name):
                socket.create_connection((name, {srv.port}), timeout=5).close()
        """, names)
    for name, (kind, _, message) in results.items():
        assert kind == "PermissionError" and "matches the blocked host pattern" in message, (name, kind, message)
    assert srv.accepted == 0


@child()
def test_allow_host_refuses_every_other_name():
    with server() as srv:
        config = net(("api.allowed.test", ["127.0.0.1"]), ("evil.test", ["127.0.0.1"]),
                     ("api.allowed.test.evil.test", ["127.0.0.1"]), ("xapi.allowed.test", ["127.0.0.1"]))
        config.allow_host("api.allowed.test").allow_internal_host("api.allowed.test")
        sandbox = eryx.Sandbox(network=config)
        results = attempts(sandbox, f"""
            import socket
            def attempt(name):
                socket.create_connection((name, {srv.port}), timeout=5).close()
        """, ["evil.test", "api.allowed.test.evil.test", "xapi.allowed.test", "api.allowed.test"])
        time.sleep(0.2)
    assert results.pop("api.allowed.test")[0] == "ok"
    for name, (kind, _, message) in results.items():
        assert kind == "PermissionError" and "it is not among the allowed hosts" in message, (name, kind, message)
    assert srv.accepted == 1


@child()
def test_allow_host_refuses_ip_literals_unless_a_network_rule_allows_them():
    code = "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).close()"
    with server() as srv:
        # No blocked networks, so only the name restriction stands between the guest and 127.0.0.1.
        base = lambda: net(blocked_networks=[]).allow_host("api.allowed.test")
        error = raises(eryx.ExecutionError, eryx.Sandbox(network=base()).execute, code.format(port=srv.port),
                       type_name="PermissionError")
        assert "an IP address only through a network rule" in error.message
        assert srv.accepted == 0
        eryx.Sandbox(network=base().allow_network("127.0.0.1/32")).execute(code.format(port=srv.port))
        time.sleep(0.2)
        assert srv.accepted == 1


# ---- redirects ---------------------------------------------------------------------------------


@child()
def test_redirect_from_an_allowed_server_to_a_blocked_address_is_refused_and_never_contacted():
    import http.server

    with server(host="127.0.0.2") as target:
        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{target.port}/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            sandbox = eryx.Sandbox(network=net(("web.test", ["127.0.0.1"])).allow_internal_host("web.test"))
            out = sandbox.execute(dedent(f"""
                import urllib.request, urllib.error
                try:
                    urllib.request.urlopen("http://web.test:{web.server_address[1]}/", timeout=5)
                except urllib.error.URLError as e:
                    print(type(e.reason).__name__, "|", e.reason)
            """)).stdout
        finally:
            web.shutdown()
            web.server_close()
    kind, message = out.strip().split(" | ", 1)
    assert kind == "PermissionError" and "127.0.0.2" in message and POLICY in message, out
    assert target.accepted == 0


@child()
def test_redirect_to_localhost_and_to_the_metadata_address_is_refused():
    import http.server

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(301)
            self.send_header("Location", self.path.split("?to=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    with server() as target:
        web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
        threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        try:
            sandbox = eryx.Sandbox(network=net(("web.test", ["127.0.0.1"]), ("localhost", ["127.0.0.1"]),
                                               connect_timeout_ms=300).allow_internal_host("web.test"))
            results = attempts(sandbox, f"""
                import urllib.request, urllib.error
                def attempt(to):
                    try:
                        urllib.request.urlopen("http://web.test:{web.server_address[1]}/?to=" + to, timeout=2)
                    except urllib.error.URLError as e:
                        raise e.reason
            """, [f"http://localhost:{target.port}/", "http://169.254.169.254/latest/meta-data/"])
        finally:
            web.shutdown()
            web.server_close()
    for to, (kind, _, message) in results.items():
        assert kind == "PermissionError" and POLICY in message, (to, kind, message)
    assert target.accepted == 0


# ---- connection exhaustion ---------------------------------------------------------------------


@child()
def test_max_connections_refuses_one_more_and_closing_frees_a_slot():
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(max_connections=3).allow_localhost())
        out = sandbox.execute(dedent(f"""
            import socket
            held = [socket.create_connection(("127.0.0.1", {srv.port}), timeout=5) for _ in range(3)]
            try:
                socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
            except OSError as e:
                import errno
                print(type(e).__name__, errno.errorcode[e.errno], "|", e)
            held.pop().close()
            held.append(socket.create_connection(("127.0.0.1", {srv.port}), timeout=5))
            print(len(held))
        """)).stdout
        time.sleep(0.2)
    first, second = out.strip().splitlines()
    assert first.startswith("OSError EMFILE | ") and "NetConfig.max_connections" in first, out
    assert second == "3"
    assert srv.accepted == 4


@child()
def test_sockets_an_execution_never_closes_are_closed_by_the_host_when_it_ends():
    # The first fresh execution of a process loads the plain built-in image, whose file the runtime
    # then keeps open (src/engine/image_modules.h): load it before counting.
    eryx.Sandbox().execute("pass")
    fds_before = open_fds()
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(max_connections=50).allow_localhost())
        sandbox.execute(dedent(f"""
            import socket
            leaked = [socket.create_connection(("127.0.0.1", {srv.port}), timeout=5) for _ in range(50)]
        """))
        deadline = time.monotonic() + 10
        while (srv.accepted < 50 or srv.open) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.accepted == 50 and srv.open == 0, (srv.accepted, srv.open)
        usable(sandbox)
        del sandbox
    time.sleep(0.2)
    assert open_fds() <= fds_before + 2, (fds_before, open_fds())


@child()
def test_sockets_a_session_never_closes_are_closed_by_the_host_when_the_session_goes():
    with server() as srv:
        session = eryx.Session(network=net(max_connections=50).allow_localhost())
        session.execute(dedent(f"""
            import socket
            leaked = [socket.create_connection(("127.0.0.1", {srv.port}), timeout=5) for _ in range(50)]
        """))
        deadline = time.monotonic() + 10
        while srv.accepted < 50 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        assert srv.open == 50, srv.open  # kept across executions, as a session should
        fds_with_session = open_fds()
        del session
        gc.collect()
        deadline = time.monotonic() + 10
        while srv.open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.open == 0, srv.open
        assert open_fds() <= fds_with_session - 50, (fds_with_session, open_fds())


@child()
def test_connections_open_when_the_execution_times_out_are_closed_by_the_host():
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(max_connections=20).allow_localhost(),
                               resource_limits=limits(execution_timeout_ms=1000))
        with within(5):
            raises(eryx.TimeoutError, sandbox.execute, dedent(f"""
                import socket
                held = [socket.create_connection(("127.0.0.1", {srv.port}), timeout=5) for _ in range(20)]
                while True:
                    pass
            """))
        deadline = time.monotonic() + 10
        while srv.open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.accepted == 20 and srv.open == 0, (srv.accepted, srv.open)
        usable(sandbox)


@child()
def test_tls_memory_objects_are_bounded_by_max_connections_and_freed_with_the_execution():
    sandbox = eryx.Sandbox(network=net(max_connections=4).allow_localhost())
    code = dedent("""
        import errno, ssl
        objects = []
        try:
            for _ in range(100):
                objects.append(ssl.create_default_context().wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(),
                                                                      server_hostname="localhost"))
        except OSError as e:
            print(len(objects), errno.errorcode[e.errno], "|", e)
    """)
    first = sandbox.execute(code).stdout
    assert first.startswith("4 EMFILE | ") and "NetConfig.max_connections" in first, first
    assert sandbox.execute(code).stdout == first  # the first execution's objects are gone


@child()
def test_connect_loop_past_the_limit_fails_fast_and_the_sandbox_stays_usable():
    with server() as srv:
        sandbox = eryx.Sandbox(network=net(max_connections=5).allow_localhost())
        with within(10):
            out = sandbox.execute(dedent(f"""
                import socket
                held, refused = [], 0
                for _ in range(10000):
                    try:
                        held.append(socket.create_connection(("127.0.0.1", {srv.port}), timeout=5))
                    except OSError:
                        refused += 1
                print(len(held), refused)
            """)).stdout
        assert out == "5 9995\n", out
        usable(sandbox)


# ---- slow servers ------------------------------------------------------------------------------


@child()
def test_stalled_server_ends_recv_at_the_guest_timeout():
    with server(lambda conn, srv: srv.stop.wait(SERVER_LIFETIME_S)) as srv:
        sandbox = eryx.Sandbox(network=net().allow_localhost())
        with within(5):
            error = raises(eryx.ExecutionError, sandbox.execute, dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}), timeout=0.5)
                s.recv(1)
            """), type_name="TimeoutError")
    assert error.message == "timed out"
    usable(sandbox)


@child()
def test_stalled_server_without_a_guest_timeout_is_ended_by_the_execution_timeout():
    with server(lambda conn, srv: srv.stop.wait(SERVER_LIFETIME_S)) as srv:
        sandbox = eryx.Sandbox(network=net().allow_localhost(), resource_limits=limits(execution_timeout_ms=800))
        with within(5):
            raises(eryx.TimeoutError, sandbox.execute, dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}))
                s.recv(1)
            """))
        usable(sandbox)


@child()
def test_stalled_server_is_ended_by_the_io_timeout_of_the_config():
    with server(lambda conn, srv: srv.stop.wait(SERVER_LIFETIME_S)) as srv:
        sandbox = eryx.Sandbox(network=net(io_timeout_ms=400).allow_localhost())
        with within(5):
            error = raises(eryx.ExecutionError, sandbox.execute, dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}))
                s.settimeout(3600)
                s.recv(1)
            """), type_name="TimeoutError")
    assert error.message == "timed out"


@child()
def test_connect_to_a_listener_that_never_accepts_ends_at_the_connect_timeout():
    # A listener with a full backlog: the kernel drops further SYNs, so connect() hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.2)
    sandbox = eryx.Sandbox(network=net(connect_timeout_ms=500).allow_localhost())
    with within(5):
        error = raises(eryx.ExecutionError, sandbox.execute,
                       f"import socket\nsocket.create_connection(('127.0.0.1', {port}))", type_name="TimeoutError")
    assert error.message == "timed out"
    usable(sandbox)


@child()
def test_connect_to_a_listener_that_never_accepts_is_ended_by_the_execution_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.2)
    sandbox = eryx.Sandbox(network=net().allow_localhost(), resource_limits=limits(execution_timeout_ms=800))
    with within(5):
        raises(eryx.TimeoutError, sandbox.execute, f"import socket\nsocket.create_connection(('127.0.0.1', {port}))")
    usable(sandbox)


@child()
def test_slowloris_server_trickling_bytes_is_bounded_by_the_execution_timeout():

    def trickle(conn, srv):
        while not srv.stop.is_set():
            conn.sendall(b"x")
            time.sleep(0.1)

    with server(trickle) as srv:
        sandbox = eryx.Sandbox(network=net(io_timeout_ms=500).allow_localhost(),
                               resource_limits=limits(execution_timeout_ms=1500))
        with within(5):
            raises(eryx.TimeoutError, sandbox.execute, dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}))
                s.makefile("rb").read()
            """))
        usable(sandbox)


@child()
def test_slowloris_http_headers_are_bounded_by_the_execution_timeout():

    def trickle(conn, srv):
        conn.recv(65536)
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 10000:
            if srv.stop.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(0.1)

    with server(trickle) as srv:
        sandbox = eryx.Sandbox(network=net().allow_localhost(), resource_limits=limits(execution_timeout_ms=1500))
        with within(5):
            raises(eryx.TimeoutError, sandbox.execute, dedent(f"""
                import http.client
                c = http.client.HTTPConnection("127.0.0.1", {srv.port}, timeout=1)
                c.request("GET", "/")
                c.getresponse().read()
            """))


@child()
def test_io_timeout_applies_to_each_wait_when_the_trickle_pauses():

    def trickle_then_pause(conn, srv):
        for _ in range(5):
            conn.sendall(b"x")
            time.sleep(0.1)
        srv.stop.wait(SERVER_LIFETIME_S)

    with server(trickle_then_pause) as srv:
        sandbox = eryx.Sandbox(network=net(io_timeout_ms=400).allow_localhost())
        with within(5):
            out = sandbox.execute(dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}))
                got = b""
                try:
                    while True:
                        got += s.recv(1)
                except TimeoutError as e:
                    print(len(got), e)
            """)).stdout
    assert out == "5 timed out\n", out


@child()
def test_a_peer_that_resets_the_connection_gives_connection_reset_error():
    def reset(conn, srv):
        conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends RST

    with server(reset) as srv:
        sandbox = eryx.Sandbox(network=net().allow_localhost())
        with within(5):
            error = raises(eryx.ExecutionError, sandbox.execute, dedent(f"""
                import socket, time
                s = socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
                s.sendall(b"hello")
                time.sleep(0.3)
                s.recv(10)
            """), type_name="ConnectionResetError")
    assert "Connection reset by peer" in error.message, error.message
    usable(sandbox)


# ---- TLS that must not be weakened ---------------------------------------------------------------


@child()
def test_certificate_from_the_configured_root_is_accepted():
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        with tls_server(pki["good"], pki["key"]) as srv:
            config = net(("localhost", ["127.0.0.1"])).allow_localhost().with_root_cert(open(pki["ca"]).read())
            out = eryx.Sandbox(network=config).execute(
                f"import urllib.request\nprint(urllib.request.urlopen('https://localhost:{srv.port}/', timeout=5).read())").stdout
    assert out == "b'secret'\n"


@child()
def test_certificates_that_fail_verification_are_refused_with_the_reason():
    cases = {"expired": "certificate has expired", "self": "self-signed certificate",
             "stranger": "unable to get local issuer certificate"}
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        config = net(("localhost", ["127.0.0.1"])).allow_localhost().with_root_cert(open(pki["ca"]).read())
        sandbox = eryx.Sandbox(network=config)
        for name, reason in cases.items():
            with tls_server(pki[name], pki["key"]) as srv:
                error = raises(eryx.ExecutionError, sandbox.execute, dedent(f"""
                    import socket, ssl
                    raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                    ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
                """), type_name="ssl.SSLCertVerificationError")
                assert "CERTIFICATE_VERIFY_FAILED" in error.message and reason in error.message, (name, error.message)
                assert srv.received == 0, name  # no handshake completed


@child()
def test_certificate_for_another_host_name_is_refused():
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        with tls_server(pki["good"], pki["key"]) as srv:
            config = net(("wrong.test", ["127.0.0.1"])).allow_internal_host("wrong.test").with_root_cert(
                open(pki["ca"]).read())
            error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute,
                           f"import urllib.request\nurllib.request.urlopen('https://wrong.test:{srv.port}/', timeout=5)",
                           type_name="urllib.error.URLError")
    assert "CERTIFICATE_VERIFY_FAILED" in error.message and "Hostname mismatch" in error.message, error.message
    assert "'wrong.test'" in error.message and error.message.count("certificate verify failed") == 1, error.message


@child()
def test_server_hostname_with_a_nul_byte_is_not_cut_short_to_a_name_the_certificate_has():
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        with tls_server(pki["good"], pki["key"]) as srv:
            config = net(("localhost", ["127.0.0.1"])).allow_localhost().with_root_cert(open(pki["ca"]).read())
            results = attempts(eryx.Sandbox(network=config), f"""
                import socket, ssl
                def attempt(name):
                    raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                    ssl.create_default_context().wrap_socket(raw, server_hostname=name)
            """, ["localhost\x00.evil.test", "localhost\x00", "127.0.0.1\x00.evil.test"])
            time.sleep(0.2)
            handshakes = srv.received
    for name, (kind, number, message) in results.items():
        assert kind == "OSError" and number == "EINVAL", (name, kind, message)
        assert "the TLS host name has a NUL byte" in message, (name, message)
    assert handshakes == 0


@child()
def test_asyncio_tls_over_memory_buffers_refuses_an_expired_certificate():
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        with tls_server(pki["expired"], pki["key"]) as srv:
            config = net(("localhost", ["127.0.0.1"])).allow_localhost().with_root_cert(open(pki["ca"]).read())
            with within(10):
                error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute, dedent(f"""
                    import asyncio, ssl
                    async def go():
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection("localhost", {srv.port}, ssl=ssl.create_default_context()), 5)
                    asyncio.run(go())
                """), type_name="ssl.SSLCertVerificationError")
            handshakes = srv.received
    assert error.message == ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                             "certificate has expired (host 'localhost')"), error.message
    assert handshakes == 0


@child()
def test_unverified_contexts_are_refused_before_any_handshake():
    with tempfile.TemporaryDirectory() as tmp:
        pki = tls_pki(tmp)
        with tls_server(pki["self"], pki["key"]) as srv:
            config = net(("localhost", ["127.0.0.1"])).allow_localhost()
            results = attempts(eryx.Sandbox(network=config), f"""
                import socket, ssl, urllib.request
                def unverified():
                    return ssl._create_unverified_context()
                def cert_none():
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    return ctx
                def no_hostname_check():
                    ctx = ssl.create_default_context()
                    ctx.check_hostname = False
                    return ctx
                def protocol_tls_client_none():
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                    return ctx
                def attempt(how):
                    kind, make = how.split(":")
                    if kind == "urllib":
                        urllib.request.urlopen("https://localhost:{srv.port}/", context=globals()[make](), timeout=5)
                    else:
                        raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                        globals()[make]().wrap_socket(raw, server_hostname="localhost")
            """, ["socket:unverified", "socket:cert_none", "socket:no_hostname_check",
                  "socket:protocol_tls_client_none", "urllib:cert_none", "urllib:unverified"])
            time.sleep(0.2)
            handshakes = srv.received
    for how, (kind, _, message) in results.items():
        assert kind == "ValueError" and "verif" in message and "with_root_cert" in message, (how, kind, message)
    assert handshakes == 0


@child()
def test_garbage_instead_of_a_tls_handshake_is_an_ssl_error():

    def garbage(conn, srv):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" + os.urandom(4096))
        time.sleep(1)

    with server(garbage) as srv:
        config = net(("localhost", ["127.0.0.1"])).allow_localhost()
        with within(10):
            error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute, dedent(f"""
                import socket, ssl
                raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            """), type_name="ssl.SSLError")
    assert error.message == "[SSL] TLS handshake failed: wrong version number", error.message


@child()
def test_endless_garbage_during_the_handshake_is_an_ssl_error_and_memory_stays_flat():

    def flood(conn, srv):
        conn.recv(65536)
        chunk = os.urandom(1 << 16)
        for _ in range(1600):  # 100 MB at most
            if srv.stop.is_set():
                return
            conn.sendall(chunk)

    with server(flood) as srv:
        config = net(("localhost", ["127.0.0.1"])).allow_localhost()
        before = rss_now()
        with within(20):
            error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute, dedent(f"""
                import socket, ssl
                raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            """))
    assert error.type_name == "ssl.SSLError" and "TLS handshake failed" in error.message, (error.type_name, error.message)
    assert rss_now() - before < 200 << 20


@child()
def test_tls_server_closing_mid_handshake_is_an_eof_error():

    def hang_up(conn, srv):
        conn.recv(65536)  # the ClientHello, then close

    with server(hang_up) as srv:
        config = net(("localhost", ["127.0.0.1"])).allow_localhost()
        with within(10):
            error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute, dedent(f"""
                import socket, ssl
                raw = socket.create_connection(("localhost", {srv.port}), timeout=5)
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            """), type_name="ssl.SSLEOFError")
    assert error.message == "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", error.message


@child()
def test_tls_server_that_never_answers_the_hello_times_out():
    with server(lambda conn, srv: srv.stop.wait(SERVER_LIFETIME_S)) as srv:
        config = net(("localhost", ["127.0.0.1"])).allow_localhost()
        with within(5):
            error = raises(eryx.ExecutionError, eryx.Sandbox(network=config).execute, dedent(f"""
                import socket, ssl
                raw = socket.create_connection(("localhost", {srv.port}), timeout=0.5)
                ssl.create_default_context().wrap_socket(raw, server_hostname="localhost")
            """), type_name="TimeoutError")
    assert "timed out" in error.message


# ---- a guest that goes around its socket module ------------------------------------------------


@child()
def test_reloaded_socket_modules_still_go_through_the_policy():
    with server() as srv:
        error = raises(eryx.ExecutionError, eryx.Sandbox(network=net()).execute, dedent(f"""
            import importlib, socket, _socket, ssl, select
            for module in (_socket, socket, ssl, select):
                importlib.reload(module)
            import socket
            socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
        """), type_name="PermissionError")
    assert POLICY in error.message
    assert srv.accepted == 0


@child()
def test_socket_modules_deleted_from_sys_modules_come_back_as_the_shims_and_still_refuse():
    with server() as srv:
        out = eryx.Sandbox(network=net()).execute(dedent(f"""
            import sys
            for name in ("socket", "_socket", "ssl", "select", "selectors", "http.client", "urllib.request"):
                sys.modules.pop(name, None)
            import socket, _socket, ssl
            print(_socket.__spec__.origin, ssl.__spec__.origin)
            try:
                socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
            except PermissionError as e:
                print("refused" if "{POLICY}" in str(e) else e)
        """)).stdout
    assert out == "<eryx _socket> <eryx ssl>\nrefused\n", out
    assert srv.accepted == 0


@child()
def test_without_the_shims_the_wasi_socket_module_cannot_create_a_socket():
    with server() as srv:
        out = eryx.Sandbox(network=net().allow_localhost()).execute(WITHOUT_SHIMS + dedent(f"""
            print(_socket.__spec__.origin)
            try:
                _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM).connect(("127.0.0.1", {srv.port}))
            except OSError as e:
                print(errno.errorcode[e.errno], e.strerror)
        """)).stdout
    assert out == "built-in\nENOTSUP Not supported\n", out
    assert srv.accepted == 0


@child()
def test_without_the_shims_stdio_and_the_preopened_directory_cannot_become_sockets():
    out = eryx.Sandbox(network=net().allow_localhost()).execute(WITHOUT_SHIMS + dedent("""
        for fd in (0, 1, 2, 3, 4, 1_000_000):
            try:
                _socket.socket(fileno=fd)
                print(fd, "adopted")
            except OSError as e:
                print(fd, errno.errorcode[e.errno])
    """)).stdout
    assert out.split("\n")[:-1] == ["0 ENOTSOCK", "1 ENOTSOCK", "2 ENOTSOCK", "3 ENOTSOCK", "4 EBADF",
                                    "1000000 EBADF"], out


@child()
def test_wasi_sock_calls_of_an_uninitialised_builtin_socket_are_refused_by_the_host():
    # socket.__new__ without __init__ leaves fd -1, and its methods go straight to WASI's
    # sock_recv / sock_send / sock_shutdown, which the host answers.
    out = eryx.Sandbox(network=net().allow_localhost()).execute(WITHOUT_SHIMS + dedent("""
        s = _socket.socket.__new__(_socket.socket)
        for op in (lambda: s.recv(16), lambda: s.recv_into(bytearray(8)), lambda: s.send(b"x"),
                   lambda: s.sendall(b"x" * 100), lambda: s.shutdown(2)):
            try:
                op()
                print("done")
            except OSError as e:
                print(errno.errorcode[e.errno])
    """)).stdout
    assert out.split() == ["EBADF"] * 5, out


@child()
def test_the_builtin_wasi_socket_module_has_no_socket_to_connect_with():
    # WASI preview 1 cannot create a socket, so the interpreter's own _socket has no socket type
    # and no sock_* call is reachable from Python (the host refuses those anyway: wasi_misc_test).
    results = attempts(eryx.Sandbox(network=net().allow_localhost()), """
        import importlib.machinery, _imp
        spec = importlib.machinery.BuiltinImporter.find_spec("_socket")
        def attempt(how):
            raw = (importlib.machinery.BuiltinImporter.create_module if how == "importer" else _imp.create_builtin)(spec)
            raw.socket(raw.AF_INET, raw.SOCK_STREAM)
    """, ["importer", "create_builtin"])
    for how, (kind, _, message) in results.items():
        assert kind == "AttributeError" and "has no attribute 'socket'" in message, (how, kind, message)


@child()
def test_socket_py_over_the_builtin_wasi_socket_fails_to_import_and_reaches_nothing():
    with server() as srv:
        error = raises(eryx.ExecutionError, eryx.Sandbox(network=net().allow_localhost()).execute, dedent(f"""
            import importlib.machinery, sys
            sys.modules["_socket"] = importlib.machinery.BuiltinImporter.create_module(
                importlib.machinery.BuiltinImporter.find_spec("_socket"))
            for name in ("socket", "http.client", "urllib.request"):
                sys.modules.pop(name, None)
            import urllib.request
            urllib.request.urlopen("http://127.0.0.1:{srv.port}/", timeout=5)
        """), type_name="AttributeError")
    assert "_socket" in error.message and "socket" in error.message, error.message
    assert srv.accepted == 0


@child()
def test_ctypes_is_absent():
    error = raises(eryx.ExecutionError, eryx.Sandbox(network=net()).execute, "import ctypes",
                   type_name="ModuleNotFoundError")
    assert "ctypes" in error.message


# ---- the raw host calls, misused ---------------------------------------------------------------


@child()
def test_raw_calls_with_unknown_handles_answer_bad_handle():
    out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent("""
        import _eryx_net as n
        statuses = set()
        for h in (0, 1, 7, -1, 2**31 - 1, -2**31):
            statuses.add(n.send(h, b"x", 0))
            statuses.add(n.recv(h, 10, 0))
            statuses.add(n.shutdown(h, 2))
            statuses.add(n.close(h))
            statuses.add(n.peer(h, 0) if isinstance(n.peer(h, 0), int) else "peer!")
            statuses.add(n.tls_handshake(h))
            statuses.add(n.tls_feed(h, b"x", False))
            statuses.add(n.tls_drain(h, 10) if isinstance(n.tls_drain(h, 10), int) else "drain!")
            statuses.add(n.tls_info(h, 0) if isinstance(n.tls_info(h, 0), int) else "info!")
        print(statuses == {n.BAD_HANDLE}, "|", n.error())
    """)).stdout
    assert out.startswith("True | ") and "no open connection" in out, out


@child()
def test_a_closed_socket_raises_ebadf_and_closing_it_again_is_harmless():
    with server() as srv:
        out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent(f"""
            import errno, socket
            s = socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
            s.close()
            s.close()
            for op in (lambda: s.send(b"x"), lambda: s.recv(1), lambda: s.getpeername(),
                       lambda: s.connect(("127.0.0.1", {srv.port}))):
                try:
                    op()
                    print("worked")
                except OSError as e:
                    print(errno.errorcode[e.errno])
            detached = socket.create_connection(("127.0.0.1", {srv.port}), timeout=5).detach()
            adopted = socket.socket(fileno=detached)
            adopted.close()
            try:
                socket.socket(fileno=detached)
            except OSError as e:
                print(errno.errorcode[e.errno])
        """)).stdout
        time.sleep(0.2)
    assert out.split() == ["EBADF"] * 5, out
    assert srv.accepted == 2 and srv.open == 0


@child()
def test_raw_calls_with_huge_and_negative_sizes_are_bounded_or_refused():

    def echo(conn, srv):
        while data := conn.recv(65536):
            conn.sendall(data)

    with server(echo) as srv:
        out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent(f"""
            import _eryx_net as n
            h = n.connect("127.0.0.1", {srv.port}, 5000)
            assert h > 0, h
            print(n.send(h, b"hello", 5000))
            print(len(n.recv(h, 2**31 - 1, 5000)))
            for call in (lambda: n.recv(h, 2**62, 0), lambda: n.recv(h, -1, 0), lambda: n.recv_into(h, bytearray(4), 5, 0),
                         lambda: n.recv_into(h, bytearray(4), -1, 0), lambda: n.tls_drain(h, -5)):
                try:
                    call()
                    print("accepted")
                except (ValueError, OverflowError) as e:
                    print(type(e).__name__)
            for port in (0, -1, 65536, 2**31 - 1):
                print(n.connect("127.0.0.1", port, 1000) == n.INVALID)
            print(n.send(h, b"", 0), n.close(h), n.close(h) == n.BAD_HANDLE)
        """)).stdout
    assert out.split() == ["5", "5", "OverflowError", "ValueError", "ValueError", "ValueError", "ValueError",
                           "True", "True", "True", "True", "0", "0", "True"], out


@child()
def test_raw_recv_with_huge_or_negative_timeouts_waits_no_longer_than_the_io_timeout():
    with server(lambda conn, srv: srv.stop.wait(SERVER_LIFETIME_S)) as srv:
        sandbox = eryx.Sandbox(network=net(io_timeout_ms=300).allow_localhost(),
                               resource_limits=limits(execution_timeout_ms=10000))
        with within(8):
            out = sandbox.execute(dedent(f"""
                import _eryx_net as n, time
                h = n.connect("127.0.0.1", {srv.port}, 2000)
                for timeout in (2**63 - 1, -2**63, -2, -1, 10**12):
                    start = time.monotonic()
                    status = n.recv(h, 10, timeout)
                    print(status == n.TIMED_OUT, 0.2 < time.monotonic() - start < 2, n.error())
            """)).stdout
    assert out.splitlines() == ["True True recv timed out (the host allows at most 300 ms)"] * 5, out


@child()
def test_raw_poll_with_two_thousand_entries_is_refused_and_a_full_table_of_bad_handles_is_safe():
    with within(10):
        out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent("""
            import _eryx_net as n
            try:
                n.poll([(i, 1) for i in range(2000)], 0, 0)
            except ValueError as e:
                print("ValueError |", e)
            answer = n.poll([(i, 0xFFFF) for i in range(1024)], 10, 0)
            print(len(answer), all(r & n.POLL_ERR for r in answer))
            print(n.poll([], 0, 0), n.poll([(2**32 - 1, 1)], 0, 0xFFFF))
        """)).stdout
    assert out.splitlines() == ["ValueError | poll() takes at most 1024 sockets", "1024 True", "[] [8]"], out


@child()
def test_raw_calls_with_enormous_and_nul_containing_host_names_are_refused():
    with server() as srv:
        config = net(("api.allowed.test", ["127.0.0.1"])).allow_host("api.allowed.test")
        config.allow_internal_host("api.allowed.test")
        hosts = {"ten megabytes": "'a' * 10_000_000", "nul then another name": "'api.allowed.test\\x00.evil.test'",
                 "nul after an address": "'127.0.0.1\\x00'", "nul alone": "'\\x00'",
                 "nul after the allowed name": "'api.allowed.test\\x00'", "dots": "'.' * 300",
                 "too many labels": "'a.' * 200 + 'test'", "long label": "'x' * 64 + '.test'"}
        with within(20):
            results = attempts(eryx.Sandbox(network=config), f"""
                import _eryx_net as n, socket
                HOSTS = {{{", ".join(f"{k!r}: {v}" for k, v in hosts.items())}}}
                def attempt(label):
                    host = HOSTS[label]
                    for call in (lambda: n.connect(host, {srv.port}, 1000), lambda: n.resolve(host, 0),
                                 lambda: n.tls_bio_new(host, b"")):
                        result = call()
                        if not (isinstance(result, int) and result < 0):
                            raise AssertionError(f"accepted: {{result!r}}"[:200])
                        if len(n.error()) > 2000:
                            raise AssertionError(f"a message of {{len(n.error())}} characters")
                    socket.create_connection((host, {srv.port}), timeout=1)
            """, list(hosts))
    for label, (kind, _, message) in results.items():
        assert kind in ("gaierror", "PermissionError"), (label, kind, message[:300])
        assert "not a valid host name" in message or "not among the allowed hosts" in message, (label, message[:300])
    assert srv.accepted == 0


@child()
def test_raw_tls_calls_with_garbage_alpn_are_refused_with_invalid():
    malformed = ["b'\\xff'", "b'\\x00'", "b'\\x05ab'", "b'\\x02h2\\x00'", "b'\\xff' * 1_000_000", "b'h2'",
                 "bytes(range(256))", "(b'\\xff' + b'a' * 255) * 300"]  # the last: well formed, over 64 KiB
    with server() as srv:
        results = attempts(eryx.Sandbox(network=net().allow_localhost()), f"""
            import _eryx_net as n
            def attempt(alpn):
                alpn = eval(alpn)
                s = n.connect("127.0.0.1", {srv.port}, 2000)
                answers = {{n.tls_bio_new("localhost", alpn), n.tls_start(s, "localhost", alpn, 0)}}
                n.close(s)
                if answers != {{n.INVALID}}:
                    raise AssertionError(answers)
                raise ValueError(n.error())
        """, malformed)
        # Well-formed lists are taken (the handshake then waits for the silent server).
        out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent(f"""
            import _eryx_net as n
            for alpn in (b"\\x02h2", b"\\x01" * 1000):
                s = n.connect("127.0.0.1", {srv.port}, 2000)
                print(n.tls_start(s, "localhost", alpn, 0) == n.WOULD_BLOCK, n.tls_bio_new("localhost", alpn) > 0)
        """)).stdout
    for alpn, (kind, _, message) in results.items():
        # Lists longer than TLS's 16-bit length say so; the others are malformed.
        expected = "too long" if ("1_000_000" in alpn or "* 300" in alpn) else "not in wire format"
        assert kind == "ValueError" and expected in message, (alpn, kind, message)
    assert out == "True True\nTrue True\n", out


@child()
def test_using_handles_of_the_wrong_kind_is_refused():
    with server() as srv:
        out = eryx.Sandbox(network=net(("localhost", ["127.0.0.1"])).allow_localhost()).execute(dedent(f"""
            import _eryx_net as n
            bio = n.tls_bio_new("localhost", b"")
            sock = n.connect("127.0.0.1", {srv.port}, 2000)
            assert bio > 0 and sock > 0, (bio, sock)
            def say(status):
                return status if not isinstance(status, int) or status >= 0 else (status, n.error())
            print(say(n.peer(bio, 0)))
            print(say(n.tls_start(bio, "localhost", b"", 0)))
            print(say(n.tls_feed(sock, b"x", False)))
            print(say(n.tls_drain(sock, 10)))
            print(say(n.tls_start(sock, "", b"", 0)))
            print(say(n.tls_info(sock, 0)))
            print(say(n.tls_handshake(sock)))
            print(n.close(bio), n.close(bio) == n.BAD_HANDLE, n.send(bio, b"x", 0) == n.BAD_HANDLE)
        """)).stdout
    lines = out.strip().splitlines()
    assert "a memory TLS object has no address" in lines[0], out
    assert "already speaks TLS" in lines[1], out
    assert "not a memory TLS object" in lines[2] and "not a memory TLS object" in lines[3], out
    assert "TLS needs the server's host name" in lines[4], out
    assert "no TLS handshake has completed on this connection" in lines[5], out
    assert "the connection does not speak TLS" in lines[6], out
    assert lines[7] == "0 True True", out


@child()
def test_ten_megabytes_fed_to_a_tls_memory_object_are_bounded_and_refused():
    before = rss_now()
    with within(20):
        out = eryx.Sandbox(network=net(("localhost", ["127.0.0.1"])).allow_localhost()).execute(dedent("""
            import _eryx_net as n, ssl
            h = n.tls_bio_new("localhost", b"")
            chunk = b"\\x16\\x03\\x03" + bytes(1 << 20)
            taken, statuses = 0, set()
            for _ in range(10):
                got = n.tls_feed(h, chunk, False)
                if got < 0:
                    statuses.add(got)
                else:
                    taken += got
            print(taken <= 1 << 20, sorted(statuses))
            # The same through the ssl module's memory BIOs.
            incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
            obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
            incoming.write(bytes(10 << 20))
            try:
                obj.do_handshake()
            except ssl.SSLError as e:
                print(type(e).__name__)
        """)).stdout
    first, second = out.strip().splitlines()
    assert first.startswith("True"), out
    assert second in ("SSLError", "SSLEOFError"), out
    assert rss_now() - before < 300 << 20


# ---- a peer that sends too much ------------------------------------------------------------------


@child(timeout=60)
def test_recv_of_two_gigabytes_from_a_flooding_peer_returns_a_bounded_chunk():

    def flood(conn, srv):
        chunk = bytes(1 << 20)
        for _ in range(100):
            if srv.stop.is_set():
                return
            conn.sendall(chunk)

    with server(flood) as srv:
        before = rss_now()
        out = eryx.Sandbox(network=net().allow_localhost()).execute(dedent(f"""
            import socket, time
            s = socket.create_connection(("127.0.0.1", {srv.port}), timeout=5)
            time.sleep(0.5)
            sizes = [len(s.recv(2**31 - 1)) for _ in range(3)]
            print(max(sizes) <= 1 << 20, min(sizes) > 0)
        """)).stdout
    assert out == "True True\n", out
    assert rss_now() - before < 200 << 20


@child(timeout=90)
def test_makefile_read_of_a_hundred_megabytes_ends_cleanly_at_the_memory_limit():

    def flood(conn, srv):
        chunk = bytes(1 << 20)
        for _ in range(100):
            if srv.stop.is_set():
                return
            conn.sendall(chunk)

    with server(flood) as srv:
        before = rss_now()
        sandbox = eryx.Sandbox(network=net().allow_localhost(),
                               resource_limits=limits(max_memory_bytes=64 << 20, execution_timeout_ms=20000))
        with within(40):
            error = raises(eryx.EryxError, sandbox.execute, dedent(f"""
                import socket
                s = socket.create_connection(("127.0.0.1", {srv.port}), timeout=10)
                data = s.makefile("rb").read()
            """))
        assert isinstance(error, (eryx.ResourceLimitError, eryx.TimeoutError)), (type(error), error)
        assert rss_now() - before < 300 << 20
        usable(sandbox)


# ---- sessions ------------------------------------------------------------------------------------


@child()
def test_a_session_keeps_a_connection_across_executions():

    def echo(conn, srv):
        while data := conn.recv(65536):
            conn.sendall(data)

    with server(echo) as srv:
        session = eryx.Session(network=net().allow_localhost())
        session.execute(f"import socket\ns = socket.create_connection(('127.0.0.1', {srv.port}), timeout=5)")
        session.execute("s.sendall(b'ping')")
        out = session.execute("print(s.recv(4))").stdout
    assert out == "b'ping'\n"
    assert srv.accepted == 1


@child()
def test_a_socket_copied_by_fork_raises_oserror_in_the_child_and_works_in_the_parent():

    def echo(conn, srv):
        while data := conn.recv(65536):
            conn.sendall(data)

    with server(echo) as srv:
        parent = eryx.Session(network=net().allow_localhost())
        parent.execute(f"import socket\ns = socket.create_connection(('127.0.0.1', {srv.port}), timeout=5)")
        child = parent.fork()
        error = raises(eryx.ExecutionError, child.execute, "s.sendall(b'x')", type_name="OSError")
        assert "no open connection" in error.message or "Bad file descriptor" in error.message, error.message
        child.execute("s.close()")
        assert parent.execute("s.sendall(b'ok')\nprint(s.recv(2))").stdout == "b'ok'\n"


@child()
def test_a_socket_in_a_restored_snapshot_raises_oserror():
    with server() as srv:
        session = eryx.Session(network=net().allow_localhost())
        session.execute(f"import socket\ns = socket.create_connection(('127.0.0.1', {srv.port}), timeout=5)")
        restored = eryx.Session.from_snapshot(session.snapshot(), network=net().allow_localhost())
        error = raises(eryx.ExecutionError, restored.execute, "s.recv(1)", type_name="OSError")
    assert "no open connection" in error.message or "Bad file descriptor" in error.message, error.message


@child()
def test_a_stale_socket_after_fork_cannot_reach_a_connection_the_child_opens_later():
    with server() as first, server() as second:
        parent = eryx.Session(network=net().allow_localhost())
        parent.execute(f"import socket\nold = socket.create_connection(('127.0.0.1', {first.port}), timeout=5)")
        child = parent.fork()
        child.execute(f"new = socket.create_connection(('127.0.0.1', {second.port}), timeout=5)")
        error = raises(eryx.ExecutionError, child.execute, "old.sendall(b'leak')", type_name="OSError")
        assert "no open connection" in error.message, error.message
        time.sleep(0.2)
        assert second.received == 0 and first.received == 0


@child()
def test_a_session_timeout_closes_its_connections_and_frees_their_slots():
    with server() as srv:
        session = eryx.Session(network=net(max_connections=2).allow_localhost(),
                               resource_limits=limits(execution_timeout_ms=800))
        connect_two = f"import socket\nheld = [socket.create_connection(('127.0.0.1', {srv.port})) for _ in range(2)]"
        session.execute(connect_two)
        with within(5):
            raises(eryx.TimeoutError, session.execute, "while True: pass")
        deadline = time.monotonic() + 5
        while srv.open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.open == 0, srv.open
        session.execute(connect_two)  # both slots are free again
        time.sleep(0.2)
        assert srv.accepted == 4 and srv.open == 2
