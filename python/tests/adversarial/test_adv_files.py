"""Attacks on host volumes (and the in-memory VFS where they apply): escapes, races, read-only
volumes, quotas, odd names and offsets.

Each case builds a fresh temporary tree: `vol/` (the volume) beside `outside/` (a directory holding a
secret that must stay unread and unchanged), runs the attack in a real sandbox and then checks on
the host side that nothing outside the volume changed and that the secret never reached the guest.
"""

from adv_harness import child

FILES = r'''
import shutil
import stat

SECRET = "TOP-SECRET-" + os.urandom(8).hex()

# Guest helper: attempt(fn, *args) -> "ok" or the errno name (or the exception type).
GUEST = (
    "import errno, os\n"
    "def attempt(fn, *args, **kwargs):\n"
    "    try:\n"
    "        fn(*args, **kwargs)\n"
    "        return 'ok'\n"
    "    except OSError as e:\n"
    "        return errno.errorcode.get(e.errno, str(e.errno))\n"
    "    except (ValueError, OverflowError) as e:\n"
    "        return type(e).__name__\n"
)


def state(root):
    """Everything under root, symlinks not followed: {relative path: (mode, size, mtime, bytes)}."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            data = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    data = f.read()
            elif stat.S_ISLNK(st.st_mode):
                data = os.readlink(path)
            out[os.path.relpath(path, root)] = (st.st_mode, st.st_size, st.st_mtime_ns, data)
    return out


class Tree:
    def __init__(self):
        self.base = pathlib.Path(tempfile.mkdtemp(prefix="eryx-adv-files-"))
        self.vol = self.base / "vol"
        self.outside = self.base / "outside"
        self.vol.mkdir()
        self.outside.mkdir()
        (self.outside / "secret").write_text(SECRET)
        (self.outside / "dir").mkdir()
        (self.vol / "hello.txt").write_text("hello")
        self.before = state(self.outside)

    def rw(self, path="/data", quota=None):
        return (str(self.vol), path, False) if quota is None else (str(self.vol), path, False, quota)

    def ro(self, path="/data"):
        return (str(self.vol), path, True)

    def check(self, *outputs):
        """Nothing outside the volume changed, and the secret never reached the guest."""
        assert state(self.outside) == self.before, "the directory outside the volume changed"
        for out in outputs:
            assert SECRET not in out, "the secret reached the guest"
        shutil.rmtree(self.base, ignore_errors=True)


def run(volumes, code, **options):
    """The guest's stdout (or its exception text) from a fresh sandbox with these volumes."""
    sandbox = eryx.Sandbox(volumes=volumes, **options)
    try:
        result = sandbox.execute(GUEST + code)
        return result.stdout + result.stderr
    except eryx.ExecutionError as e:
        return "EXCEPTION " + str(e)


def read_only_case(code, prepare=None):
    """`code` against a read-only volume prints one errno name: EROFS, with the host unchanged."""
    t = Tree()
    (t.vol / "empty").mkdir()
    (t.vol / "link").symlink_to("hello.txt")
    if prepare:
        prepare(t)
    before = state(t.vol)
    out = run([t.ro()], code)
    assert out == "EROFS\n", out
    assert state(t.vol) == before, "the read-only volume changed"
    t.check(out)
'''


def files_case(timeout=60):
    return child(timeout=timeout, prelude=FILES)


# ---- ".." and absolute paths ------------------------------------------------------------------

@files_case()
def test_dotdot_chain_from_the_volume_root_stays_inside():
    t = Tree()
    out = run([t.ro()], "print(attempt(open, '/data/../outside/secret'), "
                        "attempt(open, '/data/' + '../' * 64 + 'outside/secret'))")
    assert out == "ENOENT ENOENT\n", out
    t.check(out)


@files_case()
def test_dotdot_from_a_subdirectory_fd_stays_inside():
    t = Tree()
    (t.vol / "a" / "b").mkdir(parents=True)
    out = run([t.ro()], "fd = os.open('/data/a/b', os.O_RDONLY)\n"
                        "print(attempt(os.open, '../../../outside/secret', os.O_RDONLY, dir_fd=fd), "
                        "os.stat('../../hello.txt', dir_fd=fd).st_size)")
    assert out == "ENOENT 5\n", out
    t.check(out)


@files_case()
def test_host_absolute_paths_mean_nothing_in_the_guest():
    t = Tree()
    out = run([t.ro()], f"print(attempt(open, {str(t.outside / 'secret')!r}), "
                        f"attempt(open, {str(t.vol / 'hello.txt')!r}))")
    assert out == "ENOENT ENOENT\n", out
    t.check(out)


@files_case()
def test_dotdot_listing_of_the_volume_root_is_the_volume_root():
    t = Tree()
    out = run([t.ro()], "print(os.listdir('/data/..'), os.listdir('/data/../..'))")
    assert out == "['hello.txt'] ['hello.txt']\n", out
    t.check(out)


# ---- symlinks planted on the host -------------------------------------------------------------

@files_case()
def test_host_planted_absolute_symlink_to_a_file_outside_is_not_followed():
    t = Tree()
    (t.vol / "abs").symlink_to(t.outside / "secret")
    out = run([t.ro()], "print(attempt(open, '/data/abs'), os.readlink('/data/abs') != '')")
    assert out == "ENOENT True\n", out
    t.check(out)


@files_case()
def test_host_planted_absolute_symlink_to_a_directory_outside_is_not_followed():
    t = Tree()
    (t.vol / "absdir").symlink_to(t.outside)
    out = run([t.ro()], "print(attempt(os.listdir, '/data/absdir'), attempt(open, '/data/absdir/secret'))")
    assert out == "ENOENT ENOENT\n", out
    t.check(out)


@files_case()
def test_host_planted_relative_symlink_climbing_out_is_not_followed():
    t = Tree()
    (t.vol / "sub").mkdir()
    (t.vol / "sub" / "up").symlink_to("../../outside/secret")
    (t.vol / "updir").symlink_to("../outside")
    out = run([t.ro()], "print(attempt(open, '/data/sub/up'), attempt(open, '/data/updir/secret'))")
    assert out == "ENOENT ENOENT\n", out
    t.check(out)


@files_case()
def test_host_planted_symlink_chain_is_confined_at_every_hop():
    t = Tree()
    (t.vol / "a").symlink_to("b")
    (t.vol / "b").symlink_to("c/../..")
    (t.vol / "c").mkdir()
    out = run([t.ro()], "print(attempt(open, '/data/a/outside/secret'), sorted(os.listdir('/data/a')))")
    assert out.startswith("ENOENT ['a', 'b', 'c', 'hello.txt']"), out
    t.check(out)


@files_case()
def test_host_planted_symlink_to_the_host_root_shows_the_volume_root():
    t = Tree()
    (t.vol / "root").symlink_to("/")
    out = run([t.ro()], "print(sorted(os.listdir('/data/root')), attempt(open, '/data/root/etc/passwd'))")
    assert out == "['hello.txt', 'root'] ENOENT\n", out
    t.check(out)


@files_case()
def test_symlink_loop_is_eloop_without_hanging():
    t = Tree()
    (t.vol / "x").symlink_to("y")
    (t.vol / "y").symlink_to("x")
    out = run([t.ro()], "print(attempt(open, '/data/x'))")
    assert out == "ELOOP\n", out
    t.check(out)


# ---- symlinks and hard links planted by the guest ---------------------------------------------

@files_case()
def test_guest_symlink_to_a_host_path_is_stored_as_given_but_never_followed():
    t = Tree()
    target = str(t.outside / "secret")
    out = run([t.rw()], f"os.symlink({target!r}, '/data/s')\n"
                        "print(attempt(open, '/data/s'), os.readlink('/data/s') == " + repr(target) + ")")
    assert out == "ENOENT True\n", out
    assert os.readlink(t.vol / "s") == target
    t.check(out)


@files_case()
def test_guest_relative_symlink_climbing_out_cannot_be_written_through():
    t = Tree()
    out = run([t.rw()], "os.symlink('../outside/secret', '/data/s')\n"
                        "os.symlink('../outside/dir', '/data/d')\n"
                        "print(attempt(open, '/data/s', 'w'), attempt(open, '/data/d/new', 'w'))")
    assert out == "ENOENT ENOENT\n", out
    t.check(out)


@files_case()
def test_guest_hard_link_to_a_path_outside_is_refused():
    t = Tree()
    out = run([t.rw()], "print(attempt(os.link, '/data/../outside/secret', '/data/x'), "
                        "attempt(os.link, '/data/hello.txt', '/data/../outside/x'))")
    assert "ok" not in out, out
    assert sorted(os.listdir(t.vol)) == ["hello.txt"]
    t.check(out)


@files_case()
def test_hard_link_from_the_vfs_into_a_volume_is_exdev():
    t = Tree()
    out = run([t.rw()], "open('/tmp/f', 'w').write('x')\n"
                        "print(attempt(os.link, '/tmp/f', '/data/f'), attempt(os.link, '/data/hello.txt', '/tmp/h'))")
    assert out == "EXDEV EXDEV\n", out
    t.check(out)


@files_case()
def test_host_hard_link_outside_to_a_volume_file_survives_guest_unlink():
    t = Tree()
    os.link(t.vol / "hello.txt", t.base / "outside-link")
    out = run([t.rw()], "os.remove('/data/hello.txt')\nprint(os.listdir('/data'))")
    assert out == "[]\n", out
    assert (t.base / "outside-link").read_text() == "hello"
    t.check(out)


# ---- renames across mounts --------------------------------------------------------------------

@files_case()
def test_rename_between_a_volume_and_the_vfs_is_exdev():
    t = Tree()
    out = run([t.rw()], "open('/tmp/t', 'w').write('t')\n"
                        "print(attempt(os.rename, '/data/hello.txt', '/tmp/h'), "
                        "attempt(os.rename, '/tmp/t', '/data/t'))")
    assert out == "EXDEV EXDEV\n", out
    assert sorted(os.listdir(t.vol)) == ["hello.txt"]
    t.check(out)


@files_case()
def test_rename_between_two_volumes_is_exdev_and_shutil_move_copies():
    t = Tree()
    other = t.base / "other"
    other.mkdir()
    out = run([t.rw(), (str(other), "/other", False)],
              "import shutil\nprint(attempt(os.rename, '/data/hello.txt', '/other/h'))\n"
              "shutil.move('/data/hello.txt', '/other/h')\nprint(os.listdir('/data'))")
    assert out == "EXDEV\n[]\n", out
    assert (other / "h").read_text() == "hello"
    t.check(out)


@files_case()
def test_rename_to_dotdot_names_stays_in_the_volume():
    t = Tree()
    out = run([t.rw()], "os.rename('/data/hello.txt', '/data/../../moved')\nprint(sorted(os.listdir('/data')))")
    assert "moved" not in os.listdir(t.outside) and "moved" not in os.listdir(t.base)
    t.check(out)


# ---- races ------------------------------------------------------------------------------------

@files_case(timeout=90)
def test_directory_swapped_for_an_outside_symlink_while_the_guest_opens_never_leaks():
    t = Tree()
    (t.vol / "race").mkdir()
    (t.vol / "race" / "secret").write_text("inside")
    stop = threading.Event()

    def swapper():
        d, parked, link = t.vol / "race", t.vol / "parked", t.vol / "race.link"
        for _ in range(200000):
            if stop.is_set():
                return
            try:
                os.rename(d, parked)
                os.symlink(t.outside, link)
                os.rename(link, d)
                os.remove(d)
                os.rename(parked, d)
            except OSError:
                pass

    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        out = run([t.ro()], "import time\nseen = set()\nend = time.monotonic() + 2\n"
                            "while time.monotonic() < end:\n"
                            "    try:\n        seen.add(open('/data/race/secret').read())\n"
                            "    except OSError as e:\n        seen.add(errno.errorcode[e.errno])\n"
                            "print(sorted(seen))")
    finally:
        stop.set()
        thread.join()
    assert "inside" in out or "ENOENT" in out, out
    t.check(out)


@files_case(timeout=90)
def test_file_swapped_for_an_outside_symlink_while_the_guest_reads_never_leaks():
    t = Tree()
    stop = threading.Event()

    def swapper():
        f, link = t.vol / "hello.txt", t.vol / "hello.link"
        for _ in range(200000):
            if stop.is_set():
                return
            try:
                os.symlink(t.outside / "secret", link)
                os.rename(link, f)
                os.remove(f)
                f.write_text("hello")
            except OSError:
                pass

    thread = threading.Thread(target=swapper)
    thread.start()
    try:
        out = run([t.ro()], "import time\nseen = set()\nend = time.monotonic() + 2\n"
                            "while time.monotonic() < end:\n"
                            "    try:\n        seen.add(open('/data/hello.txt').read())\n"
                            "    except OSError as e:\n        seen.add(errno.errorcode[e.errno])\n"
                            "print(sorted(seen))")
    finally:
        stop.set()
        thread.join()
    t.check(out)


@files_case(timeout=90)
def test_o_creat_o_excl_race_between_sandboxes_has_one_winner_per_name():
    t = Tree()
    sandbox = eryx.Sandbox(volumes=[t.rw()])
    code = ("import os\nwon = 0\nfor i in range(200):\n"
            "    try:\n        os.close(os.open(f'/data/n{i}', os.O_CREAT | os.O_EXCL | os.O_WRONLY))\n"
            "        won += 1\n    except FileExistsError:\n        pass\nprint(won)")
    results = []
    threads = [threading.Thread(target=lambda: results.append(int(sandbox.execute(code).stdout)))
               for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sum(results) == 200, results
    assert len(os.listdir(t.vol)) == 201
    t.check()


@files_case()
def test_o_excl_on_a_dangling_symlink_to_outside_creates_nothing():
    t = Tree()
    (t.vol / "dangling").symlink_to(t.outside / "created")
    (t.vol / "dangling2").symlink_to("../outside/created")
    out = run([t.rw()], "print(attempt(os.open, '/data/dangling', os.O_CREAT | os.O_EXCL | os.O_WRONLY), "
                        "attempt(open, '/data/dangling2', 'w'))")
    assert out.startswith("EEXIST "), out
    assert not (t.outside / "created").exists()
    t.check(out)


# ---- file descriptors and offsets -------------------------------------------------------------

@files_case()
def test_fd_reuse_after_close_reads_the_new_file_and_old_fd_is_ebadf():
    t = Tree()
    (t.vol / "b.txt").write_text("bbb")
    out = run([t.ro()], "a = os.open('/data/hello.txt', os.O_RDONLY)\nos.close(a)\n"
                        "b = os.open('/data/b.txt', os.O_RDONLY)\n"
                        "print(a == b, os.read(b, 10), attempt(os.close, b), attempt(os.read, b, 1))")
    assert out == "True b'bbb' ok EBADF\n", out
    t.check(out)


@files_case()
def test_writes_at_extreme_offsets_fail_cleanly_and_change_nothing():
    t = Tree()
    out = run([t.rw(quota=1 << 20)],
              "fd = os.open('/data/sparse', os.O_CREAT | os.O_RDWR)\n"
              "print([attempt(os.pwrite, fd, b'x', off) for off in (2**31, 2**32, 2**62)], "
              "attempt(os.pwrite, fd, b'x', 2**63), os.pread(fd, 4, 2**62))")
    assert out == "['ENOSPC', 'ENOSPC', 'ENOSPC'] OverflowError b''\n", out
    assert (t.vol / "sparse").stat().st_size == 0
    t.check(out)


@files_case()
def test_sparse_truncate_past_the_quota_is_enospc():
    t = Tree()
    out = run([t.rw(quota=1 << 20)],
              "open('/data/f', 'w').close()\n"
              "print(attempt(os.truncate, '/data/f', 2**40), attempt(os.truncate, '/data/f', 1000))")
    assert out == "ENOSPC ok\n", out
    assert (t.vol / "f").stat().st_size == 1000
    t.check(out)


@files_case()
def test_quota_is_exact_and_a_refused_write_changes_nothing():
    t = Tree()
    out = run([t.rw(quota=4096)],
              "f = open('/data/q', 'wb', buffering=0)\nprint(f.write(b'a' * 4096), attempt(f.write, b'b'))")
    assert out == "4096 ENOSPC\n", out
    assert (t.vol / "q").read_bytes() == b"a" * 4096
    t.check(out)


@files_case(timeout=90)
def test_quota_holds_under_concurrent_writers():
    t = Tree()
    quota = 256 * 1024
    sandbox = eryx.Sandbox(volumes=[t.rw(quota=quota)])
    code = ("import errno, os\n"
            "name = '/data/w' + os.urandom(4).hex()\n"
            "f = open(name, 'wb', buffering=0)\n"
            "try:\n    while True:\n        f.write(b'x' * 4096)\nexcept OSError as e:\n"
            "    print(errno.errorcode[e.errno])")
    results = []
    threads = [threading.Thread(target=lambda: results.append(sandbox.execute(code).stdout))
               for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == ["ENOSPC\n"] * 4, results
    total = sum(p.stat().st_size for p in t.vol.iterdir() if p.name.startswith("w"))
    assert quota - 4 * 4096 <= total <= quota, total
    t.check()


@files_case()
def test_vfs_extreme_offsets_fail_cleanly():
    out = run([], "fd = os.open('/tmp/sparse', os.O_CREAT | os.O_RDWR)\n"
                  "print([attempt(os.pwrite, fd, b'x', off) for off in (2**31, 2**32, 2**62)], "
                  "os.fstat(fd).st_size)")
    assert out == "['ENOSPC', 'ENOSPC', 'ENOSPC'] 0\n" or "EFBIG" in out, out


# ---- names ------------------------------------------------------------------------------------

@files_case()
def test_long_names_and_paths_are_enametoolong_without_creating_anything():
    t = Tree()
    out = run([t.rw()], "print(attempt(open, '/data/' + 'n' * 255, 'w'), "
                        "attempt(open, '/data/' + 'n' * 256, 'w'), "
                        "attempt(open, '/data/' + 'd/' * 3000 + 'f', 'w'))")
    assert out == "ok ENAMETOOLONG ENAMETOOLONG\n", out
    assert sorted(os.listdir(t.vol)) == sorted(["hello.txt", "n" * 255])
    t.check(out)


@files_case()
def test_nul_in_names_is_refused_in_the_guest():
    t = Tree()
    out = run([t.rw()], "print(attempt(open, '/data/a\\x00b', 'w'), attempt(os.mkdir, b'/data/x\\x00y'))")
    assert out == "ValueError ValueError\n", out
    assert sorted(os.listdir(t.vol)) == ["hello.txt"]
    t.check(out)


@files_case()
def test_invalid_utf8_names_reach_the_host_byte_for_byte():
    t = Tree()
    out = run([t.rw()], "open(b'/data/bad\\xff\\xfe', 'w').write('x')\nprint(os.listdir(b'/data'))")
    assert b"bad\xff\xfe" in os.listdir(bytes(t.vol)), out
    t.check(out)


@files_case()
def test_special_names_are_refused_sensibly():
    t = Tree()
    out = run([t.rw()], "print(attempt(open, '/data/.'), attempt(os.mkdir, '/data/..'), "
                        "attempt(os.rmdir, '/data'), attempt(os.remove, '/data/.'), "
                        "attempt(os.rmdir, '/data/..'), attempt(open, ''))")
    assert out.split()[:2] == ["EISDIR", "EEXIST"], out
    assert "ok" not in out.split(), out
    assert t.vol.is_dir() and sorted(os.listdir(t.vol)) == ["hello.txt"]
    t.check(out)


@files_case()
def test_deep_tree_is_created_walked_and_removed():
    t = Tree()
    out = run([t.rw()], "import shutil\np = '/data/deep'\nfor i in range(200):\n    p += '/d'\n"
                        "os.makedirs(p)\nprint(sum(1 for _ in os.walk('/data/deep')))\n"
                        "shutil.rmtree('/data/deep')\nprint(os.listdir('/data'))")
    assert out == "201\n['hello.txt']\n", out
    t.check(out)


@files_case(timeout=120)
def test_many_small_files_in_a_volume():
    t = Tree()
    out = run([t.rw()], "for i in range(3000):\n    open(f'/data/f{i}', 'w').write(str(i))\n"
                        "print(len(os.listdir('/data')))")
    assert out == "3001\n", out
    assert (t.vol / "f2999").read_text() == "2999"
    t.check(out)


@files_case()
def test_many_small_files_in_the_vfs_hit_its_limits_cleanly():
    out = run([], "n = 0\ntry:\n    for i in range(100000):\n        open(f'/tmp/f{i}', 'w').write('x')\n"
                  "        n += 1\nexcept OSError as e:\n    print(errno.errorcode[e.errno])\nprint(n > 1000)")
    assert out.endswith("True\n"), out


# ---- a read-only volume written through every call --------------------------------------------

@files_case()
def test_read_only_write_is_erofs():
    read_only_case("print(attempt(open, '/data/hello.txt', 'r+'))")


@files_case()
def test_read_only_create_is_erofs():
    read_only_case("print(attempt(open, '/data/new', 'x'))")


@files_case()
def test_read_only_rename_is_erofs():
    read_only_case("print(attempt(os.rename, '/data/hello.txt', '/data/moved'))")


@files_case()
def test_read_only_unlink_is_erofs():
    read_only_case("print(attempt(os.remove, '/data/hello.txt'))")


@files_case()
def test_read_only_truncate_is_erofs():
    read_only_case("print(attempt(os.truncate, '/data/hello.txt', 0))")


@files_case()
def test_read_only_utime_is_erofs():
    read_only_case("print(attempt(os.utime, '/data/hello.txt', (0, 0)))")


@files_case()
def test_read_only_chmod_changes_nothing():
    # Preview1 has no chmod: the guest's os.chmod never reaches the volume (wasi-libc answers it
    # alone), so what counts is that the host's permission bits stay as they were.
    t = Tree()
    before = state(t.vol)
    out = run([t.ro()], "print(attempt(os.chmod, '/data/hello.txt', 0o777), "
                        "attempt(os.chmod, '/data', 0o777))")
    assert state(t.vol) == before, out
    assert stat.S_IMODE(os.stat(t.vol).st_mode) != 0o777, out
    t.check(out)


@files_case()
def test_read_only_mkdir_is_erofs():
    read_only_case("print(attempt(os.mkdir, '/data/newdir'))")


@files_case()
def test_read_only_rmdir_is_erofs():
    read_only_case("print(attempt(os.rmdir, '/data/empty'))")


@files_case()
def test_read_only_symlink_is_erofs():
    read_only_case("print(attempt(os.symlink, 'hello.txt', '/data/s'))")


@files_case()
def test_read_only_link_is_erofs():
    read_only_case("print(attempt(os.link, '/data/hello.txt', '/data/h2'))")


@files_case()
def test_read_only_truncating_open_is_erofs():
    read_only_case("print(attempt(os.open, '/data/hello.txt', os.O_RDONLY | os.O_TRUNC))")


# ---- special files and single-file volumes ----------------------------------------------------

@files_case()
def test_planted_fifo_is_refused_without_blocking_the_host():
    t = Tree()
    os.mkfifo(t.vol / "fifo")
    with within(20):
        out = run([t.ro()], "print(attempt(open, '/data/fifo'))")
    assert out != "ok\n", out
    t.check(out)


@files_case()
def test_single_file_volume_hides_its_siblings():
    t = Tree()
    (t.vol / "sibling").write_text("sibling")
    out = run([(str(t.vol / "hello.txt"), "/in/hello.txt", True)],
              "print(open('/in/hello.txt').read(), attempt(open, '/in/sibling'), "
              "attempt(open, '/in/hello.txt/../sibling'), attempt(os.listdir, '/in/hello.txt'))")
    assert out.startswith("hello ENOENT ENOENT "), out
    assert "sibling" not in out.replace("attempt", "")
    t.check(out)


@files_case()
def test_single_file_volume_replaced_by_a_symlink_on_the_host_is_refused():
    t = Tree()
    sandbox = eryx.Sandbox(volumes=[(str(t.vol / "hello.txt"), "/in/hello.txt", True)])
    os.remove(t.vol / "hello.txt")
    os.symlink(t.outside / "secret", t.vol / "hello.txt")
    out = sandbox.execute(GUEST + "print(attempt(open, '/in/hello.txt'))").stdout
    assert out == "ELOOP\n", out
    t.check(out)
