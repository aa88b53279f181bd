#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/: WASI call sequences (wasi_calls, and vfs_mounts over
a shared storage), callback calls
(callback_broker), schema instances (schema_validator), hosts and network configs (net_policy),
HTTP/1.x request streams cut into writes (secrets_rewrite) and small modules (wasm_reader, from .wat
with wabt's wat2wasm). The seeds taken from real artefacts (a factory file, a session snapshot, the
guest module) come from fuzz/seeds/make_image_seeds.cpp. Run from the repository root:
    python3 fuzz/make_seeds.py
"""
import os
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")

# The order of ERYX_WASI_PREVIEW1_FUNCTIONS (src/wasi/preview1_functions.h); 'J' marks an i64.
FUNCTIONS = [
    ("args_get", "ii"), ("args_sizes_get", "ii"), ("environ_get", "ii"),
    ("environ_sizes_get", "ii"), ("clock_res_get", "ii"), ("clock_time_get", "iJi"),
    ("fd_advise", "iJJi"), ("fd_allocate", "iJJ"), ("fd_close", "i"), ("fd_datasync", "i"),
    ("fd_fdstat_get", "ii"), ("fd_fdstat_set_flags", "ii"), ("fd_fdstat_set_rights", "iJJ"),
    ("fd_filestat_get", "ii"), ("fd_filestat_set_size", "iJ"), ("fd_filestat_set_times", "iJJi"),
    ("fd_pread", "iiiJi"), ("fd_prestat_get", "ii"), ("fd_prestat_dir_name", "iii"),
    ("fd_pwrite", "iiiJi"), ("fd_read", "iiii"), ("fd_readdir", "iiiJi"), ("fd_renumber", "ii"),
    ("fd_seek", "iJii"), ("fd_sync", "i"), ("fd_tell", "ii"), ("fd_write", "iiii"),
    ("path_create_directory", "iii"), ("path_filestat_get", "iiiii"),
    ("path_filestat_set_times", "iiiiJJi"), ("path_link", "iiiiiii"),
    ("path_open", "iiiiiJJii"), ("path_readlink", "iiiiii"), ("path_remove_directory", "iii"),
    ("path_rename", "iiiiii"), ("path_symlink", "iiiii"), ("path_unlink_file", "iii"),
    ("poll_oneoff", "iiii"), ("proc_exit", "i"), ("proc_raise", "i"), ("sched_yield", ""),
    ("random_get", "ii"), ("sock_accept", "iii"), ("sock_recv", "iiiiii"), ("sock_send", "iiiii"),
    ("sock_shutdown", "ii"),
]
INDEX = {name: i for i, (name, _) in enumerate(FUNCTIONS)}
WRITE_MEMORY, SNAPSHOT, CLONE = 46, 47, 48
RIGHTS_ALL = (1 << 30) - 1
# fd_read, fd_seek, fd_tell, fd_readdir, fd_filestat_get, path_open, path_filestat_get: what a
# read-only open asks for (asking to write a directory or the read-only layout is refused).
RIGHTS_READ = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 13) | (1 << 14) | (1 << 18) | (1 << 21)
PREOPEN = 3
CREAT, DIRECTORY, EXCL, TRUNC = 1, 2, 4, 8
OUT = 0x100  # scratch for results


def arg(kind, value):
    if value < 16:
        return bytes([value])
    if value < 0x10000:
        return bytes([0x80]) + struct.pack("<H", value)
    return bytes([0xF0]) + struct.pack("<I", value) if kind == "i" else bytes([0xC0]) + struct.pack("<Q", value)


class Program:
    def __init__(self):
        self.out = bytearray()
        self.heap = 0x1000

    def call(self, name, *args):
        kinds = FUNCTIONS[INDEX[name]][1]
        assert len(kinds) == len(args), name
        self.out.append(INDEX[name])
        for kind, value in zip(kinds, args):
            self.out += arg(kind, value)
        return self

    def put(self, data):
        """Writes bytes into guest memory; returns (address, length)."""
        if isinstance(data, str):
            data = data.encode()
        address = self.heap
        self.heap += (len(data) + 15) // 16 * 16
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            self.out += bytes([WRITE_MEMORY]) + struct.pack("<HB", address + i, len(chunk)) + chunk
        return address, len(data)

    def iovec(self, address, length):
        return self.put(struct.pack("<II", address, length))[0]

    def open(self, path, oflags, fdflags=0, dir_fd=PREOPEN):
        p, n = self.put(path)
        read_only = oflags & DIRECTORY or path.startswith("usr/")
        rights = RIGHTS_READ if read_only else RIGHTS_ALL
        return self.call("path_open", dir_fd, 1, p, n, oflags, rights, RIGHTS_ALL, fdflags, OUT)

    def path(self, name, path, *rest, dir_fd=PREOPEN):
        p, n = self.put(path)
        return self.call(name, dir_fd, p, n, *rest)

    def op(self, code):
        self.out.append(code)
        return self


def wasi_seeds():
    seeds = {}
    # fd 4 is the first one a path_open returns.
    p = Program()
    p.open("tmp/a.txt", CREAT | TRUNC)
    data, n = p.put("hello, fuzzer\n" * 4)
    p.call("fd_write", 4, p.iovec(data, n), 1, OUT + 8)
    p.call("fd_seek", 4, 0, 0, OUT + 16)
    p.call("fd_read", 4, p.iovec(0x8000, 64), 1, OUT + 8)
    p.call("fd_pread", 4, p.iovec(0x8100, 16), 1, 5, OUT + 8)
    p.call("fd_pwrite", 4, p.iovec(data, 8), 1, 100, OUT + 8)
    p.call("fd_filestat_get", 4, OUT)
    p.call("fd_filestat_set_size", 4, 10)
    p.call("fd_allocate", 4, 0, 200)
    p.call("fd_tell", 4, OUT)
    p.op(SNAPSHOT)
    p.call("fd_read", 4, p.iovec(0x8000, 64), 1, OUT + 8)
    p.op(CLONE)
    p.call("fd_close", 4)
    seeds["files"] = p.out

    p = Program()
    p.path("path_create_directory", "tmp/d")
    p.path("path_create_directory", "tmp/d/e")
    target, tn = p.put("../a")
    link, ln = p.put("tmp/d/l")
    p.call("path_symlink", target, tn, PREOPEN, link, ln)
    p.call("path_readlink", PREOPEN, link, ln, 0x8000, 64, OUT)
    p.open("tmp/d/f", CREAT)
    old, on = p.put("tmp/d/f")
    new, nn = p.put("tmp/d/e/g")
    p.call("path_link", PREOPEN, 0, old, on, PREOPEN, new, nn)
    ren, rn = p.put("tmp/h")
    p.call("path_rename", PREOPEN, old, on, PREOPEN, ren, rn)
    p.open("tmp/d", DIRECTORY)
    p.call("fd_readdir", 5, 0x8000, 512, 0, OUT)
    p.call("fd_readdir", 5, 0x8000, 512, 1, OUT)
    p.call("path_filestat_get", 5, 1, new + len("tmp/d/"), len("e/g"), OUT)  # relative to tmp/d
    p.op(SNAPSHOT)
    p.path("path_unlink_file", "tmp/d/l")
    p.path("path_remove_directory", "tmp/d/e")
    h, hn = p.put("tmp/h")
    p.call("path_filestat_set_times", PREOPEN, 0, h, hn, 1, 2, 0xF)
    p.call("fd_readdir", PREOPEN, 0x8000, 1024, 0, OUT)
    p.op(SNAPSHOT)
    seeds["directories"] = p.out

    p = Program()
    p.open("tmp/u", CREAT)
    data, n = p.put("kept alive by its fd")
    p.call("fd_write", 4, p.iovec(data, n), 1, OUT + 8)
    p.path("path_unlink_file", "tmp/u")
    p.path("path_create_directory", "tmp/gone")
    p.open("tmp/gone", DIRECTORY)
    p.path("path_remove_directory", "tmp/gone")
    p.op(SNAPSHOT)
    p.call("fd_pread", 4, p.iovec(0x8000, 32), 1, 0, OUT + 8)
    p.open("tmp/v", CREAT)
    p.call("fd_renumber", 4, 6)
    p.call("fd_fdstat_set_flags", 6, 1)
    p.call("fd_fdstat_set_rights", 6, 0x42, 0)
    p.op(CLONE)
    p.op(SNAPSHOT)
    seeds["unlinked_open"] = p.out

    p = Program()
    p.open("usr/local/lib/python313.zip", 0)
    p.call("fd_read", 4, p.iovec(0x8000, 16), 1, OUT)
    p.call("fd_prestat_get", PREOPEN, OUT)
    p.call("fd_prestat_dir_name", PREOPEN, 0x8000, 8)
    p.call("fd_fdstat_get", 1, OUT)
    data, n = p.put("to stdout\n")
    p.call("fd_write", 1, p.iovec(data, n), 1, OUT + 8)
    p.call("args_sizes_get", OUT, OUT + 4)
    p.call("args_get", 0x9000, 0x9100)
    p.call("environ_sizes_get", OUT, OUT + 4)
    p.call("clock_res_get", 1, OUT)
    p.call("clock_time_get", 0, 1000, OUT)
    p.call("random_get", 0x8000, 64)
    p.call("sched_yield")
    p.op(SNAPSHOT)
    # One clock subscription, 1 s relative: the fuzz context's interrupt check ends the wait.
    sub = struct.pack("<QB7xIxxxxQQH6x", 7, 0, 1, 10**9, 0, 0)
    p.call("poll_oneoff", p.put(sub)[0], 0xA000, 1, OUT)
    seeds["stdio_clock_poll"] = p.out

    p = Program()
    p.call("proc_raise", 2).call("sock_accept", 3, 0, OUT).call("sock_shutdown", 3, 0)
    p.call("fd_read", 0, p.iovec(0x8000, 8), 1, OUT)
    p.call("proc_exit", 3)
    seeds["exit"] = p.out
    return seeds


def broker_seed(*calls):
    out = bytearray([len(calls) - 1])
    for name, args in calls:
        args = args.encode()
        if isinstance(name, int):
            out.append(name)
        else:
            out += bytes([0xF0, len(name)]) + name.encode()
        out += struct.pack("<H", len(args)) + args
    return out


def broker_seeds():
    return {
        "echo": broker_seed((0, '{"x": 7, "s": "hi", "tags": ["a", "b"]}')),
        "kv_and_defaults": broker_seed((1, '{"key": "k", "mode": "a", "meta": {"n": 1}}'),
                                       (0, '{"x": 1}')),
        "failures": broker_seed((2, '{"anything": [1, 2]}'), (0, '{"x": "seven"}'),
                                ("no.such.name", "{}"), (0, "[1, 2]"), (0, "{not json")),
        "big_result": broker_seed((3, '{"n": 70000}'), (3, '{"n": 5}')),
        "async": broker_seed((4, '{"drop": false}'), (4, '{"drop": true}')),
        "limit": broker_seed(*[(0, '{"x": %d}' % i) for i in range(8)]),
    }


def schema_seeds():
    return {
        "add": b"\x00" + b'{"a": 1, "b": 2}',
        "search": b"\x01" + b'{"query": "q", "limit": null, "tags": ["x"]}',
        "pattern_formats": b"\x02" + b'{"key": "abc_1", "when": "2026-12-07T10:00:00Z", "mail": "a@b.c"}',
        "numbers_enums": b"\x03" + b'{"point": {"x": 1.5, "y": 2.5}, "kind": "a", "flag": true}',
        "refs_tuples": b"\x04" + b'{"list": {"next": {"next": {}}}, "pair": [1, "a"], "oneof": "abcd",'
                                 b' "uniq": [1, 2, 2], "x-a": "s"}',
        "own_schema": b"\xff" + b'{"type": "object", "properties": {"n": {"type": "integer", '
                                b'"maximum": 3}}, "required": ["n"]}' + b"\x00" + b'{"n": 4}',
    }


def net_policy_seed(flags, host, *entries):
    """A flags byte (1 permissive, 2 allow_localhost, 4 set allow_all_hosts to bit 8), the host,
    then config entries and resolved addresses, one a line (fuzz/net_policy_fuzzer.cpp)."""
    return bytes([flags]) + "\n".join((host,) + entries).encode()


def net_policy_seeds():
    seeds = {}
    hosts = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1",
             "017700000001", "[::1]", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::10.0.0.1",
             "64:ff9b:1::a00:1", "2002:a00:1::1", "2001:0:4136:e378:8000:63bf:f5fe:fdfc",
             "fe80::1%25eth0", "fe80::1%3", "0.0.0.0", "::", "255.255.255.255", "ff02::1",
             "169.254.169.254", "8.8.8.8", "2606:4700:4700::1111", "1.2.3.256", "localhost",
             "A.LocalHost.", "example.com.", "[example.com]", "a b"]
    for i, host in enumerate(hosts):
        seeds["host_%02d" % i] = net_policy_seed(0, host)
    seeds["allow_host"] = net_policy_seed(0, "api.example.com", "A*.example.com", "Aapi.*.org",
                                          "Bbad.example.com", "R93.184.216.34", "R10.0.0.1")
    seeds["allow_localhost"] = net_policy_seed(2, "localhost", "R127.0.0.1", "R::1")
    seeds["internal"] = net_policy_seed(0, "db.corp.example", "I*.corp.example", "R10.0.0.5",
                                        "Rfd00::5")
    seeds["networks"] = net_policy_seed(1, "10.1.2.3", "N10.0.0.0/8", "X8.8.8.0/24",
                                        "Xfe80::/10", "B1.1.1.1", "A[::1]", "N10.0.0.1/8")
    seeds["restricted"] = net_policy_seed(4, "93.184.216.34", "N93.184.216.0/24")
    seeds["all_hosts"] = net_policy_seed(12, "other.example", "Aexample.com", "R2002:808:808::1")
    return seeds


def secrets_rewrite_seed(target, stream, cuts=()):
    """A flags byte whose low bits pick the target (0 api.example.com, 1 x.example.org,
    2 evil.example.net, 3 a literal address), the number of cuts, each cut as a little-endian
    uint16 offset into the stream, then the stream (fuzz/secrets_rewrite_fuzzer.cpp)."""
    return bytes([target, len(cuts)]) + b"".join(struct.pack("<H", c) for c in cuts) + stream


def secrets_rewrite_seeds():
    a, b, d = b"ERYX_SECRET_AAAA", b"ERYX_SECRET_BBBB", b"ERYX_SECRET_DDDD"
    get = b"GET /v1?k=" + a + b" HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer " + a + \
        b"\r\nX-B: " + b + b"\r\nX-D: " + d + b"," + d + b"\r\n\r\n"
    body = b"X-Key: " + a + b"\r\n\r\n"
    post = b"POST / HTTP/1.1\r\nContent-Length: %d\r\nX-A: " % len(body) + a + b"\r\n\r\n" + body
    chunked = b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\nX-A: " + a + \
        b"\r\n\r\n%x;ext=1\r\n" % len(body) + body + b"\r\n0\r\nX-T: " + a + b"\r\n\r\n"
    seeds = {}
    for target in range(4):
        seeds["get_%d" % target] = secrets_rewrite_seed(target, get)
    seeds["pipelined"] = secrets_rewrite_seed(0, post + chunked + get)
    seeds["pipelined_org"] = secrets_rewrite_seed(1, chunked + post + get)
    seeds["split"] = secrets_rewrite_seed(0, get + post, (5, 40, 41, len(get) + 20))
    seeds["bytes"] = secrets_rewrite_seed(0, post[:24] + get, tuple(range(1, 24)))
    seeds["http10"] = secrets_rewrite_seed(0, b"GET / HTTP/1.0\r\nX-A: " + a + b"\r\n\r\n")
    seeds["http2"] = secrets_rewrite_seed(0, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + get)
    seeds["obs_fold"] = secrets_rewrite_seed(0, b"GET / HTTP/1.1\r\nX: a\r\n " + a + b"\r\n\r\n" + get)
    seeds["nul"] = secrets_rewrite_seed(0, b"GET / HTTP/1.1\r\nX: " + a + b"\x00\r\n\r\n" + get)
    seeds["smuggle"] = secrets_rewrite_seed(
        0, b"POST / HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + get)
    seeds["upgrade"] = secrets_rewrite_seed(
        0, b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nX: " + a + b"\r\n\r\n" + get)
    seeds["connect"] = secrets_rewrite_seed(0, b"CONNECT a:443 HTTP/1.1\r\n\r\n" + get)
    return seeds


WAT = {
    "minimal_memory": '(module (memory 1 4) (global $sp (export "__stack_pointer") (mut i32) '
                      '(i32.const 1024)) (export "memory" (memory 0)) '
                      '(data (i32.const 16) "hello") (data (i32.const 4096) "\\01\\02\\03"))',
    "imports_and_datacount": '(module (import "wasi_snapshot_preview1" "fd_write" '
                             '(func (param i32 i32 i32 i32) (result i32))) '
                             '(import "env" "g" (global i32)) (memory 2) '
                             '(global (mut i64) (i64.const -1)) (global $sp (mut i32) '
                             '(i32.const 65536)) (export "__stack_pointer" (global $sp)) '
                             '(func (data.drop 0)) (data (i32.const 0) "abc"))',
    "passive_data": '(module (memory 1) (data "passive") (func (memory.init 0 (i32.const 0) '
                    '(i32.const 0) (i32.const 1)) (data.drop 0)))',
}


def wasm_seeds():
    seeds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in WAT.items():
            wat, wasm = os.path.join(tmp, name + ".wat"), os.path.join(tmp, name + ".wasm")
            with open(wat, "w") as f:
                f.write(text)
            subprocess.run(["wat2wasm", "--enable-all", wat, "-o", wasm], check=True)
            with open(wasm, "rb") as f:
                seeds[name] = f.read()
    return seeds


# vfs_mounts: two guests sharing one storage at fd 4 (/data) and fd 5 (/mnt/other); fd 3 is the
# private root. See fuzz/vfs_mounts_fuzzer.cpp for the encoding.
VM_COMPONENTS = ["a", "b", "c", "..", ".", "", "f.txt", "data", "tmp", "deep", "x y", "\xff\xfe",
                 "a/b"]
VM = dict(open=0, mkdir=1, rmdir=2, unlink=3, rename=4, link=5, symlink=6, readlink=7, stat=8,
          write=9, pwrite=10, read=11, seek=12, readdir=13, close=14, copy=15)


def vm_path(components, absolute=False):
    return (bytes([len(components), 1 if absolute else 0])
            + bytes(VM_COMPONENTS.index(c) for c in components) + bytes([0]))


def vm_op(name, guest, dir_fd, components, fd=0, extra=b"", absolute=False):
    return (bytes([VM[name] | guest << 4, dir_fd - 3]) + vm_path(components, absolute)
            + bytes([fd]) + extra)


def vfs_mounts_seeds():
    io = lambda length, offset=0: struct.pack("<HB", length, 0) + struct.pack("<H", offset)
    shared = b"".join([
        vm_op("open", 0, 4, ["f.txt"], extra=bytes([CREAT, 1, 0, 1])),       # guest 0: fd 6
        vm_op("write", 0, 4, [], fd=6, extra=io(100)),
        vm_op("open", 1, 5, ["f.txt"], extra=bytes([0, 1, 1, 1])),           # guest 1, append
        vm_op("write", 1, 4, [], fd=6, extra=io(10)),
        vm_op("read", 0, 4, [], fd=6, extra=io(64)),
        vm_op("rename", 0, 4, ["f.txt"], extra=bytes([0]) + vm_path(["tmp", "f"][:1])),
        vm_op("rename", 0, 4, ["f.txt"], extra=bytes([2]) + vm_path(["b"])),  # fd 5: same mount
        vm_op("link", 1, 5, ["b"], extra=bytes([1]) + vm_path(["c"])),
        vm_op("symlink", 0, 4, ["a"], extra=vm_path(["b"], absolute=True)),
        vm_op("readlink", 0, 4, ["a"]),
        vm_op("stat", 1, 4, ["a"], extra=bytes([1])),
        vm_op("copy", 0, 3, [], extra=bytes([0])),                              # snapshot: refused
        vm_op("close", 0, 3, [], fd=6, extra=bytes([1])),
        vm_op("copy", 0, 3, [], extra=bytes([0])),                              # snapshot
        vm_op("copy", 1, 3, [], extra=bytes([1])),                              # clone
        vm_op("unlink", 1, 4, ["c"]),
        vm_op("readdir", 1, 4, [], fd=4, extra=struct.pack("<H", 512) + bytes([0])),
    ])
    trees = b"".join([
        vm_op("mkdir", 0, 4, ["deep"]),
        vm_op("mkdir", 0, 4, ["deep", "a"]),
        vm_op("open", 0, 4, ["deep", "..", "..", "..", "x y"], extra=bytes([CREAT, 1, 0, 1])),
        vm_op("pwrite", 0, 4, [], fd=6, extra=struct.pack("<HB", 8, 0xF0) + struct.pack("<Q", 1 << 32)),
        vm_op("seek", 0, 4, [], fd=6, extra=bytes([0]) + struct.pack("<H", 7) + bytes([0, 2])),
        vm_op("seek", 0, 4, [], fd=6, extra=bytes([0]) + struct.pack("<H", 9000) + bytes([1]) +
              struct.pack("<H", 100)),
        vm_op("rmdir", 1, 5, ["deep"]),
        vm_op("rmdir", 1, 5, ["deep", "a"]),
        vm_op("close", 0, 3, [], fd=4, extra=bytes([0, 7])),                  # renumber 4 -> 7
        vm_op("copy", 0, 3, [], extra=bytes([0])),
    ])
    return {"shared_file": shared, "trees_and_offsets": trees}


def main():
    for target, seeds in [("wasi_calls", wasi_seeds()), ("callback_broker", broker_seeds()),
                          ("schema_validator", schema_seeds()), ("net_policy", net_policy_seeds()),
                          ("secrets_rewrite", secrets_rewrite_seeds()),
                          ("vfs_mounts", vfs_mounts_seeds()), ("wasm_reader", wasm_seeds())]:
        os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(CORPUS, target, "seed_" + name), "wb") as f:
                f.write(bytes(data))


if __name__ == "__main__":
    main()
