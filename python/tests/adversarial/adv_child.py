"""What every adversarial case's child process starts with (`from adv_child import *`)."""

import asyncio
import contextlib
import errno
import gc
import hashlib
import json
import os
import pathlib
import pickle
import resource
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

import eryx

REPO = pathlib.Path(__file__).resolve().parents[3]
CLI = os.environ.get("ERYX_CLI", str(REPO / "build" / "eryx"))

__all__ = [
    "asyncio", "contextlib", "errno", "gc", "hashlib", "json", "os", "pathlib", "pickle", "resource",
    "signal", "struct", "subprocess", "sys", "tempfile", "threading", "time", "zipfile", "eryx",
    "REPO", "CLI", "raises", "within", "limits", "guest", "usable", "cli", "rss_bytes", "open_fds",
    "reseal", "unseal", "make_wheel", "EryxError",
]

EryxError = eryx.EryxError


def raises(expected, fn, *args, type_name=None, **kwargs):
    """Calls fn and returns the exception it raised, which must be an `expected` (and, for an
    ExecutionError, of guest type `type_name`)."""
    try:
        fn(*args, **kwargs)
    except expected as e:
        if type_name is not None:
            assert getattr(e, "type_name", None) == type_name, (type_name, e.type_name, str(e)[-2000:])
        return e
    except BaseException as e:
        raise AssertionError(f"expected {expected}, got {type(e).__module__}.{type(e).__name__}: "
                             f"{str(e)[-2000:]}") from e
    raise AssertionError(f"expected {expected}, nothing was raised")


@contextlib.contextmanager
def within(seconds):
    """The block must finish within `seconds` of wall-clock time."""
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds, f"took {elapsed:.2f}s, limit {seconds}s"


def limits(**kwargs):
    return eryx.ResourceLimits(**kwargs)


def guest(code, **options):
    """stdout of `code` in a fresh Sandbox built with `options`."""
    return eryx.Sandbox(**options).execute(code).stdout


def usable(runner):
    """The Sandbox or Session still runs code."""
    assert runner.execute("print(6 * 7)").stdout == "42\n"


def cli(*args, input=None, timeout=30, env=None):
    assert os.path.exists(CLI), f"the eryx CLI is not built at {CLI} (make build)"
    return subprocess.run([CLI, *args], input=input, capture_output=True, timeout=timeout,
                          env=env if env is not None else dict(os.environ))


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_fds():
    return len(os.listdir("/proc/self/fd"))


# The envelope of saved images (src/engine/image_envelope.h):
#   magic (8) | u32 version | u64 n + fingerprint | u64 n + payload | sha256(all before)
def unseal(data):
    magic, version = data[:8], struct.unpack_from("<I", data, 8)[0]
    (n,) = struct.unpack_from("<Q", data, 12)
    fingerprint = data[20:20 + n]
    (m,) = struct.unpack_from("<Q", data, 20 + n)
    payload = data[28 + n:28 + n + m]
    assert len(data) == 28 + n + m + 32, "unexpected envelope layout"
    return magic, version, fingerprint, payload


def reseal(magic, version, fingerprint, payload):
    body = (magic + struct.pack("<I", version) + struct.pack("<Q", len(fingerprint)) + fingerprint +
            struct.pack("<Q", len(payload)) + payload)
    return body + hashlib.sha256(body).digest()


def make_wheel(directory, name, files):
    """A pure-Python wheel at directory/<name>-1.0-py3-none-any.whl holding `files` {path: text}."""
    path = pathlib.Path(directory) / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for inner, text in files.items():
            z.writestr(inner, text)
    return path


# The payload of a Session snapshot (src/engine/session_image.h, memory_state_codec.h), as a dict
# that build_session_payload() turns back into bytes, so cases can forge well-sealed hostile images.
def parse_session_payload(payload):
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from(fmt, payload, pos)
        pos += struct.calcsize(fmt)
        return values[0]

    def blob():
        nonlocal pos
        n = take("<Q")
        data = payload[pos:pos + n]
        pos += n
        return data

    image = {"execution_count": take("<Q"), "memory_size": take("<Q"), "globals": [], "pages": []}
    for _ in range(take("<I")):
        image["globals"].append([blob(), take("<Q")])
    for _ in range(take("<I")):
        offset = take("<I")
        image["pages"].append([offset, blob()])
    image["wasi_state"] = blob()
    image["rest"] = payload[pos:]
    return image


def build_session_payload(image):
    out = [struct.pack("<QQ", image["execution_count"], image["memory_size"]),
           struct.pack("<I", len(image["globals"]))]
    for name, value in image["globals"]:
        out += [struct.pack("<Q", len(name)), name, struct.pack("<Q", value)]
    out.append(struct.pack("<I", len(image["pages"])))
    for offset, data in image["pages"]:
        out += [struct.pack("<IQ", offset, len(data)), data]
    out += [struct.pack("<Q", len(image["wasi_state"])), image["wasi_state"], image["rest"]]
    return b"".join(out)


def forge_session(data, change):
    """The Session snapshot `data` with its payload changed by `change(image)`, sealed again."""
    magic, version, fingerprint, payload = unseal(data)
    image = parse_session_payload(payload)
    assert build_session_payload(image) == payload, "payload codec out of date"
    change(image)
    return reseal(magic, version, fingerprint, build_session_payload(image))


__all__ += ["parse_session_payload", "build_session_payload", "forge_session"]
