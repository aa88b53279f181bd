"""Hostile bytes and hostile guest state fed to snapshots, pickled state and factory images."""

import pytest

from adv_harness import child


@child()
def test_empty_and_random_bytes_are_not_a_session_snapshot():
    for data in (b"", b"ERYXSESS", os.urandom(64), os.urandom(1 << 20), b"\x00" * 4096):
        raises(eryx.EryxError, eryx.Session.from_snapshot, data)


@child(timeout=60)
def test_every_truncation_of_a_snapshot_is_refused():
    data = eryx.Session().snapshot()
    for cut in list(range(0, 64)) + [len(data) * k // 16 for k in range(1, 16)] + [len(data) - 1]:
        raises(eryx.EryxError, eryx.Session.from_snapshot, data[:cut])


@child()
def test_flipped_bytes_in_a_snapshot_are_refused():
    data = eryx.Session().snapshot()
    for pos in (0, 9, 13, 30, len(data) // 3, len(data) // 2, len(data) - 1):
        damaged = bytearray(data)
        damaged[pos] ^= 0x40
        raises(eryx.EryxError, eryx.Session.from_snapshot, bytes(damaged))


@child()
def test_snapshot_with_trailing_bytes_is_refused():
    data = eryx.Session().snapshot()
    raises(eryx.EryxError, eryx.Session.from_snapshot, data + b"x")


@child()
def test_factory_bytes_are_not_a_session_snapshot_and_back():
    factory_bytes = eryx.SandboxFactory(imports=["json"]).to_bytes()
    session_bytes = eryx.Session().snapshot()
    raises(eryx.EryxError, eryx.Session.from_snapshot, factory_bytes)
    raises(eryx.EryxError, eryx.SandboxFactory.from_bytes, session_bytes)


@child()
def test_snapshot_of_another_format_version_is_refused():
    magic, version, fingerprint, payload = unseal(eryx.Session().snapshot())
    raises(eryx.EryxError, eryx.Session.from_snapshot, reseal(magic, version + 1, fingerprint, payload))


@child()
def test_snapshot_of_another_runtime_is_refused():
    magic, version, fingerprint, payload = unseal(eryx.Session().snapshot())
    raises(eryx.EryxError, eryx.Session.from_snapshot, reseal(magic, version, b"f" * len(fingerprint), payload))


@child()
def test_forged_snapshot_with_a_huge_memory_size_is_refused():
    data = eryx.Session().snapshot()
    for size in (1 << 40, (4 << 30) + 65536, 65536 * 3 + 1, 2 ** 64 - 1):
        raises(eryx.EryxError, eryx.Session.from_snapshot,
               forge_session(data, lambda image: image.update(memory_size=size)))


@child()
def test_forged_snapshot_with_a_page_outside_memory_is_refused():
    session = eryx.Session()
    session.execute("x = list(range(100000))")
    data = session.snapshot()

    def move(image):
        image["pages"][0][0] = 0xFFFFF000

    raises(eryx.EryxError, eryx.Session.from_snapshot, forge_session(data, move))


@child()
def test_forged_snapshot_with_a_run_straddling_the_end_of_memory_is_refused():
    session = eryx.Session()
    session.execute("x = list(range(100000))")
    data = session.snapshot()

    def straddle(image):
        image["pages"][0][0] = image["memory_size"] - 2048
        image["pages"][0][1] = b"\xcc" * 4096

    raises(eryx.EryxError, eryx.Session.from_snapshot, forge_session(data, straddle))


@child()
def test_forged_snapshot_with_too_many_globals_is_refused():
    data = eryx.Session().snapshot()
    raises(eryx.EryxError, eryx.Session.from_snapshot,
           forge_session(data, lambda image: image.update(globals=[[b"g%d" % i, 0] for i in range(1000)])))
    raises(eryx.EryxError, eryx.Session.from_snapshot,
           forge_session(data, lambda image: image.update(globals=[[b"n" * 100000, 0]])))


@child()
def test_forged_snapshot_with_an_unknown_global_is_refused_or_ignored():
    data = eryx.Session().snapshot()
    try:
        session = eryx.Session.from_snapshot(
            forge_session(data, lambda image: image["globals"].append([b"no_such_global", 1])))
    except eryx.EryxError:
        return
    usable(session)


@child(timeout=60)
def test_forged_stack_pointer_fails_inside_the_sandbox():
    data = eryx.Session().snapshot()
    for value in (0, 8, 0xFFFFFFF0, 2 ** 40):
        def change(image, value=value):
            for g in image["globals"]:
                g[1] = value

        try:
            session = eryx.Session.from_snapshot(forge_session(data, change),
                                                 resource_limits=limits(execution_timeout_ms=2000))
        except eryx.EryxError:
            continue
        try:
            session.execute("print(1)")
        except eryx.EryxError:
            pass


@child(timeout=60)
def test_forged_scrambled_heap_fails_inside_the_sandbox():
    session = eryx.Session()
    session.execute("x = list(range(100000))")
    data = session.snapshot()

    def scramble(image):
        image["pages"] = [[off, bytes(b ^ 0x5A for b in page)] for off, page in image["pages"]]

    session = eryx.Session.from_snapshot(forge_session(data, scramble),
                                         resource_limits=limits(execution_timeout_ms=2000))
    with within(20):
        for _ in range(3):
            try:
                session.execute("print(1)")
            except eryx.EryxError:
                pass


@child()
def test_forged_snapshot_with_garbage_wasi_state_is_refused():
    data = eryx.Session().snapshot()
    for state in (b"", b"\xff" * 64, os.urandom(4096)):
        raises(eryx.EryxError, eryx.Session.from_snapshot,
               forge_session(data, lambda image, state=state: image.update(wasi_state=state)))


@child()
def test_forged_snapshot_with_truncated_wasi_state_is_refused():
    session = eryx.Session()
    session.execute("f = open('/tmp/a', 'w')\nf.write('x' * 10000)\nf.flush()")
    data = session.snapshot()
    raises(eryx.EryxError, eryx.Session.from_snapshot,
           forge_session(data, lambda image: image.update(wasi_state=image["wasi_state"][:-7])))


@child()
def test_forged_maximal_execution_count_does_not_break_the_session():
    data = eryx.Session().snapshot()
    session = eryx.Session.from_snapshot(forge_session(data, lambda image: image.update(execution_count=2 ** 64 - 1)))
    usable(session)


@child()
def test_snapshot_needing_more_memory_than_the_limit_is_resource_limit_error():
    session = eryx.Session()
    session.execute("big = bytearray(96 << 20)")
    data = session.snapshot()
    raises(eryx.ResourceLimitError, eryx.Session.from_snapshot, data,
           resource_limits=limits(max_memory_bytes=64 << 20))


@child()
def test_corrupt_factory_bytes_are_refused():
    data = eryx.SandboxFactory(imports=["json"]).to_bytes()
    for bad in (b"", os.urandom(1024), data[: len(data) // 2], data + b"!", b"ERYXFACT" + data[8:-1]):
        raises(eryx.EryxError, eryx.SandboxFactory.from_bytes, bad)


@child()
def test_forged_factory_with_a_huge_memory_size_is_refused():
    magic, version, fingerprint, payload = unseal(eryx.SandboxFactory(imports=["json"]).to_bytes())
    forged = reseal(magic, version, fingerprint, struct.pack("<Q", 1 << 40) + payload[8:])
    raises(eryx.EryxError, eryx.SandboxFactory.from_bytes, forged)


@child()
def test_forged_factory_file_paths_stay_inside_the_vfs():
    wheel_dir = tempfile.mkdtemp()
    wheel = make_wheel(wheel_dir, "mark", {"mark/__init__.py": "X = 1\n"})
    data = eryx.SandboxFactory(packages=[str(wheel)]).to_bytes()
    magic, version, fingerprint, payload = unseal(data)
    old = b"/usr/local/lib/eryx-site-packages/mark/__init__.py"  # the wheel's files, extracted
    assert old in payload
    for new in (b"/../../../../tmp/eryx-adv-escape", b"/usr/local/lib/python313.zip", b"", b"a\x00b"):
        forged_payload = payload.replace(struct.pack("<Q", len(old)) + old, struct.pack("<Q", len(new)) + new)
        try:
            factory = eryx.SandboxFactory.from_bytes(reseal(magic, version, fingerprint, forged_payload))
        except eryx.EryxError:
            continue
        try:
            factory.create_sandbox().execute("import json\nprint(json.dumps(1))")
        except eryx.EryxError:
            pass
    assert not os.path.exists("/tmp/eryx-adv-escape")


@child()
def test_restore_state_of_garbage_keeps_the_session():
    session = eryx.Session()
    session.execute("x = 5")
    for blob in (b"", b"\x80\x05garbage", os.urandom(256), pickle.dumps(1, protocol=5)[:-1]):
        raises(eryx.EryxError, session.restore_state, blob)
    assert session.execute("print(x)").stdout == "5\n"


@child()
def test_restore_state_of_a_pickle_that_raises_keeps_the_session():
    session = eryx.Session()
    session.execute("x = 5")
    blob = pickle.dumps({"globals": 1})
    evil = b"cbuiltins\nexec\n(V1/0\ntR."
    for data in (blob, evil):
        try:
            session.restore_state(data)
        except eryx.EryxError:
            pass
    assert session.execute("print(x)").stdout == "5\n"


@child()
def test_restore_state_pickle_runs_code_only_inside_the_guest():
    session = eryx.Session()
    evil = (b"cbuiltins\nexec\n(Vimport os; open('/tmp/pwned', 'w').write('1'); "
            b"os.environ['ERYX_ADV_PWN'] = '1'\ntR.")
    try:
        session.restore_state(evil)
    except eryx.EryxError:
        pass
    assert "ERYX_ADV_PWN" not in os.environ and not os.path.exists("/tmp/pwned")
    usable(session)


@child()
def test_restore_state_of_a_huge_blob_is_typed():
    session = eryx.Session()
    raises(eryx.EryxError, session.restore_state, b"\x80\x05" + b"N" * (64 << 20))
    usable(session)


@child()
def test_snapshot_state_names_the_unpicklable_variable():
    session = eryx.Session()
    session.execute("ok = 1\ngen_var = (i for i in range(3))")
    e = raises(eryx.EryxError, session.snapshot_state)
    assert "gen_var" in str(e), str(e)
    usable(session)


@child()
def test_snapshot_state_of_a_session_with_callbacks_keeps_user_globals():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: 1, name="one")
    session = eryx.Session(callbacks=registry)
    session.execute("x = await one()")
    target = eryx.Session(callbacks=registry)
    target.restore_state(session.snapshot_state())
    assert target.execute("print(x, await one())").stdout == "1 1\n"


@child()
def test_snapshot_state_with_a_raising_reduce_is_typed():
    session = eryx.Session()
    session.execute("class Bad:\n    def __reduce__(self):\n        raise RuntimeError('no')\nb = Bad()")
    raises(eryx.EryxError, session.snapshot_state)
    usable(session)


@child(timeout=12)
def test_restore_state_of_a_looping_pickle_ends_under_the_timeout():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=500))
    with within(5):
        raises(eryx.EryxError, session.restore_state, b"cbuiltins\nexec\n(Vwhile True: pass\ntR.")
    usable(session)


@child(timeout=12)
def test_snapshot_state_with_a_looping_reduce_ends_under_the_timeout():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=500))
    session.execute("class Loop:\n    def __reduce__(self):\n        while True: pass\nx = Loop()")
    with within(5):
        raises(eryx.EryxError, session.snapshot_state)
    usable(session)


@child(timeout=12)
def test_clear_state_with_a_looping_del_ends_under_the_timeout():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=500))
    session.execute("class Loop:\n    def __del__(self):\n        while True: pass\nx = Loop()")
    with within(5):
        try:
            session.clear_state()
        except eryx.EryxError:
            pass
    usable(session)


@child(timeout=40)
def test_factory_whose_import_loops_ends():
    wheel = make_wheel(tempfile.mkdtemp(), "spin", {"spin/__init__.py": "while True:\n    pass\n"})
    with within(35):
        raises(eryx.TimeoutError, eryx.SandboxFactory, packages=[str(wheel)], imports=["spin"],
               build_timeout_ms=2000)


@child()
def test_forks_of_forks_stay_independent():
    session = eryx.Session()
    session.execute("chain = [0]")
    forks = [session]
    for i in range(1, 20):
        forks.append(forks[-1].fork())
        forks[-1].execute(f"chain.append({i})")
    assert session.execute("print(chain)").stdout == "[0]\n"
    assert forks[-1].execute("print(len(chain))").stdout == "20\n"


@child()
def test_snapshot_with_large_tmp_files_round_trips():
    session = eryx.Session()
    session.execute("open('/tmp/big', 'wb').write(bytes(range(256)) * (20 << 12))")
    restored = eryx.Session.from_snapshot(session.snapshot())
    out = restored.execute("import hashlib\nprint(hashlib.sha256(open('/tmp/big', 'rb').read()).hexdigest())").stdout
    assert out.strip() == hashlib.sha256(bytes(range(256)) * (20 << 12)).hexdigest()


@child()
def test_snapshot_after_a_timeout_is_of_the_fresh_interpreter():
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=200))
    session.execute("x = 1")
    raises(eryx.TimeoutError, session.execute, "while True: pass")
    restored = eryx.Session.from_snapshot(session.snapshot())
    assert restored.execute("print('x' in globals())").stdout == "False\n"


@child()
def test_restore_state_of_a_deeply_nested_pickle_is_typed():
    session = eryx.Session()
    session.execute("x = 5")
    raises(eryx.EryxError, session.restore_state, b"\x80\x04" + b"]" * 200000 + b".")
    assert session.execute("print(x)").stdout == "5\n"


@child()
def test_snapshot_with_a_thousand_open_files_round_trips():
    session = eryx.Session()
    session.execute("fs = [open(f'/tmp/{i}', 'w') for i in range(1000)]\nfs[999].write('last')\nfs[999].flush()")
    restored = eryx.Session.from_snapshot(session.snapshot())
    assert restored.execute("print(len(fs), fs[999].name, open('/tmp/999').read())").stdout == "1000 /tmp/999 last\n"
