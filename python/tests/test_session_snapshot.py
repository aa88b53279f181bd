"""eryx.Session.snapshot / Session.from_snapshot: a live interpreter as bytes, and back."""

import pytest

import eryx

SETUP = """
import json, re, os
class Point:
    def __init__(self, x): self.x = x
def double(v): return v * 2
p = Point(21)
squares = (i * i for i in range(10))
next(squares); next(squares)
os.makedirs('/tmp/data', exist_ok=True)
with open('/tmp/data/notes.txt', 'w') as f: f.write('kept')
log = open('/tmp/log.txt', 'w+')
log.write('abc'); log.flush(); log.seek(1)
"""


@pytest.fixture(scope="module")
def snapshot():
    session = eryx.Session()
    session.execute(SETUP)
    return session.snapshot()


def test_snapshot_is_bytes(snapshot):
    assert isinstance(snapshot, bytes)
    assert snapshot[:8] == b"ERYXSESS"


def test_round_trip_keeps_the_live_interpreter(snapshot):
    restored = eryx.Session.from_snapshot(snapshot)
    assert isinstance(restored, eryx.Session)
    assert restored.execution_count == 1
    out = restored.execute(
        "print(double(p.x), next(squares), json.dumps(re.findall(r'\\d+', 'a1b22')), "
        "open('/tmp/data/notes.txt').read(), type(p).__name__, log.read())"
    ).stdout
    assert out == '42 4 ["1", "22"] kept Point bc\n'
    assert restored.execution_count == 2


def test_restored_session_is_independent_of_the_original():
    source = eryx.Session()
    source.execute("x = 1\nopen('/tmp/f', 'w').write('source')")
    restored = eryx.Session.from_snapshot(source.snapshot())
    restored.execute("x = 2\nopen('/tmp/f', 'w').write('restored')")
    source.execute("x += 10")
    assert source.execute("print(x, open('/tmp/f').read())").stdout == "11 source\n"
    assert restored.execute("print(x, open('/tmp/f').read())").stdout == "2 restored\n"


def test_restoring_twice_gives_two_independent_sessions(snapshot):
    a = eryx.Session.from_snapshot(snapshot)
    b = eryx.Session.from_snapshot(snapshot)
    a.execute("p.x = 0\nnext(squares)\nlog.seek(0, 2); log.write('-a'); log.flush()")
    assert b.execute("print(p.x, next(squares), open('/tmp/log.txt').read())").stdout == "21 4 abc\n"
    assert a.execute("print(p.x, next(squares), open('/tmp/log.txt').read())").stdout == "0 9 abc-a\n"


def test_random_differs_between_restores_of_one_snapshot():
    source = eryx.Session()
    source.execute("import random")
    data = source.snapshot()
    first = eryx.Session.from_snapshot(data).execute("print(random.random())").stdout
    second = eryx.Session.from_snapshot(data).execute("print(random.random())").stdout
    assert first != second


def test_options_apply_to_the_restored_session(snapshot):
    seen = []
    restored = eryx.Session.from_snapshot(
        snapshot,
        resource_limits=eryx.ResourceLimits(execution_timeout_ms=300),
        on_stdout=seen.append,
        result_variable="answer",
    )
    result = restored.execute("answer = double(p.x)\nprint('streamed')")
    assert result.result == 42
    assert "".join(seen) == "streamed\n"
    with pytest.raises(eryx.TimeoutError):
        restored.execute("while True: pass")


def test_a_subclass_gets_its_own_class_back(snapshot):
    class Mine(eryx.Session):
        pass

    assert type(Mine.from_snapshot(snapshot)) is Mine


def test_callbacks_work_in_a_restored_session(snapshot):
    registry = eryx.CallbackRegistry()

    @registry.callback(description="Adds one")
    def inc(value: int) -> int:
        return value + 1

    restored = eryx.Session.from_snapshot(snapshot, callbacks=registry)
    assert restored.execute("print(await inc(p.x))").stdout == "22\n"


@pytest.mark.parametrize("bad", [b"", b"ERYXSESS", b"\0" * 100, b"PK\x03\x04 not a snapshot"])
def test_garbage_raises_eryx_error(bad):
    with pytest.raises(eryx.EryxError):
        eryx.Session.from_snapshot(bad)


def test_flipped_bytes_raise_eryx_error(snapshot):
    step = max(1, len(snapshot) // 150)
    for offset in list(range(0, len(snapshot), step)) + list(range(len(snapshot) - 40, len(snapshot))):
        corrupt = bytearray(snapshot)
        corrupt[offset] ^= 0x20
        with pytest.raises(eryx.EryxError):
            eryx.Session.from_snapshot(bytes(corrupt))


def test_truncated_snapshots_raise_eryx_error(snapshot):
    step = max(1, len(snapshot) // 150)
    for length in list(range(0, len(snapshot), step)) + list(range(len(snapshot) - 40, len(snapshot))):
        with pytest.raises(eryx.EryxError):
            eryx.Session.from_snapshot(snapshot[:length])


def test_wrong_magic_and_version_raise_eryx_error(snapshot):
    with pytest.raises(eryx.EryxError):
        eryx.Session.from_snapshot(b"ERYXFACT" + snapshot[8:])
    newer = bytearray(snapshot)
    newer[8] += 1  # the format version (its checksum no longer matches either)
    with pytest.raises(eryx.EryxError):
        eryx.Session.from_snapshot(bytes(newer))


def test_a_factory_file_is_not_a_snapshot():
    with pytest.raises(eryx.EryxError):
        eryx.Session.from_snapshot(eryx.SandboxFactory().to_bytes())


def test_smaller_memory_limit_raises_resource_limit_error():
    source = eryx.Session()
    source.execute("big = bytearray(48 * 1024 * 1024)")
    data = source.snapshot()
    with pytest.raises(eryx.ResourceLimitError):
        eryx.Session.from_snapshot(
            data, resource_limits=eryx.ResourceLimits(max_memory_bytes=40 * 1024 * 1024)
        )
    assert eryx.Session.from_snapshot(data).execute("print(len(big))").stdout == "50331648\n"


def test_from_snapshot_requires_bytes():
    with pytest.raises(TypeError):
        eryx.Session.from_snapshot("not bytes")
