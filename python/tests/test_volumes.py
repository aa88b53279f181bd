"""Host volumes: host directories and files shown to the code, read-only or read-write."""

import os
import sqlite3
import threading

import pytest

import eryx


def run(code, volumes, **options):
    return eryx.Sandbox(volumes=volumes, **options).execute(code).stdout


GUEST_ERRNO = (
    "import errno, os\n"
    "def attempt(fn, *args):\n"
    "    try:\n"
    "        fn(*args)\n"
    "        return 'ok'\n"
    "    except OSError as e:\n"
    "        return errno.errorcode.get(e.errno, str(e.errno))\n"
)


# ---- reading and writing ----------------------------------------------------------------------

def test_reads_a_file_from_a_host_directory(tmp_path):
    (tmp_path / "input.txt").write_text("hello from host")
    out = run('print(open("/mnt/data/input.txt").read())', [(str(tmp_path), "/mnt/data", True)])
    assert out == "hello from host\n"


def test_writes_a_file_back_to_the_host(tmp_path):
    run('open("/mnt/data/out.txt", "w").write("from the sandbox")',
        [(str(tmp_path), "/mnt/data", False)])
    assert (tmp_path / "out.txt").read_text() == "from the sandbox"


def test_read_only_volume_refuses_writes_with_erofs(tmp_path):
    (tmp_path / "keep.txt").write_text("keep me")
    out = run(GUEST_ERRNO + 'print(attempt(open, "/data/new.txt", "w"), '
              'attempt(open, "/data/keep.txt", "w"))', [(str(tmp_path), "/data", True)])
    assert out == "EROFS EROFS\n"
    assert (tmp_path / "keep.txt").read_text() == "keep me"
    assert not (tmp_path / "new.txt").exists()


def test_volumes_are_read_only_unless_asked(tmp_path):
    out = run(GUEST_ERRNO + 'print(attempt(open, "/data/x", "w"))', [(str(tmp_path), "/data")])
    assert out == "EROFS\n"


def test_several_volumes_at_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "f").write_text("A")
    (tmp_path / "b" / "f").write_text("B")
    out = run('print(open("/mnt/a/f").read() + open("/mnt/b/f").read())',
              [(str(tmp_path / "a"), "/mnt/a", True), (str(tmp_path / "b"), "/mnt/b", True)])
    assert out == "AB\n"


def test_listing_and_subdirectories(tmp_path):
    (tmp_path / "sub" / "dir").mkdir(parents=True)
    (tmp_path / "sub" / "dir" / "nested.txt").write_text("deep")
    (tmp_path / "one.txt").write_text("1")
    out = run('import os\nprint(sorted(os.listdir("/data")), open("/data/sub/dir/nested.txt").read())',
              [(str(tmp_path), "/data", True)])
    assert out == "['one.txt', 'sub'] deep\n"


def test_stat_reports_host_sizes_and_types(tmp_path):
    (tmp_path / "f").write_bytes(b"x" * 1234)
    out = run('import os, stat\nst = os.stat("/data/f")\n'
              'print(st.st_size, stat.S_ISREG(st.st_mode), os.path.isdir("/data"))',
              [(str(tmp_path), "/data", True)])
    assert out == "1234 True True\n"


def test_a_single_file_can_be_mounted_and_its_siblings_stay_invisible(tmp_path):
    (tmp_path / "allowed.txt").write_text("ok")
    (tmp_path / "secret.txt").write_text("hidden")
    code = GUEST_ERRNO + ('print(open("/mnt/allowed.txt").read(), attempt(open, "/mnt/secret.txt"),'
                          ' attempt(open, "/mnt/allowed.txt/../secret.txt"))')
    out = run(code, [(str(tmp_path / "allowed.txt"), "/mnt/allowed.txt", True)])
    assert out.startswith("ok ") and "hidden" not in out
    assert "ok ok" not in out


def test_a_single_file_may_take_another_name_and_be_written(tmp_path):
    host_file = tmp_path / "source.txt"
    host_file.write_text("original")
    run('f = open("/mnt/target.txt", "w")\nf.write("updated")\nf.close()',
        [(str(host_file), "/mnt/target.txt", False)])
    assert host_file.read_text() == "updated"


# ---- quota ------------------------------------------------------------------------------------

def test_writes_past_the_volume_quota_fail_with_enospc(tmp_path):
    code = GUEST_ERRNO + ('def fill():\n    with open("/data/big", "wb") as f:\n'
                          '        f.write(b"x" * 3000)\nprint(attempt(fill))')
    out = run(code, [(str(tmp_path), "/data", False, 2000)])
    assert out == "ENOSPC\n"
    assert (tmp_path / "big").stat().st_size == 0


def test_deleting_files_gives_quota_back(tmp_path):
    code = ('import os\nfor i in range(5):\n'
            '    open("/data/f", "wb").write(b"x" * 1500)\n    os.remove("/data/f")\nprint("done")')
    assert run(code, [(str(tmp_path), "/data", False, 2000)]) == "done\n"


# ---- sessions and factories -------------------------------------------------------------------

def test_session_sees_its_own_writes_across_executions(tmp_path):
    session = eryx.Session(volumes=[(str(tmp_path), "/data", False)])
    session.execute('open("/data/p.txt", "w").write("exec 1")')
    assert session.execute('print(open("/data/p.txt").read())').stdout == "exec 1\n"
    assert (tmp_path / "p.txt").read_text() == "exec 1"


def test_session_keeps_a_volume_file_open_between_executions(tmp_path):
    session = eryx.Session(volumes=[(str(tmp_path), "/data", False)])
    session.execute('f = open("/data/log", "w")\nf.write("a")')
    session.execute('f.write("b")\nf.close()')
    assert (tmp_path / "log").read_text() == "ab"


def test_factory_sandboxes_take_volumes(tmp_path):
    (tmp_path / "f.txt").write_text("from the factory's sandbox")
    factory = eryx.SandboxFactory()
    sandbox = factory.create_sandbox(volumes=[(str(tmp_path), "/data", True)])
    assert sandbox.execute('print(open("/data/f.txt").read())').stdout == "from the factory's sandbox\n"


def test_session_from_snapshot_takes_volumes(tmp_path):
    (tmp_path / "f.txt").write_text("restored")
    session = eryx.Session()
    session.execute("x = 1")
    restored = eryx.Session.from_snapshot(session.snapshot(),
                                          volumes=[(str(tmp_path), "/data", True)])
    assert restored.execute('print(x, open("/data/f.txt").read())').stdout == "1 restored\n"


# ---- bad arguments ----------------------------------------------------------------------------

@pytest.mark.parametrize("guest_path", ["data", "/", "/data/../etc", "/data/", "", "/tmp/x",
                                        "/a\0b"])
def test_bad_guest_paths_raise_value_error(tmp_path, guest_path):
    with pytest.raises(ValueError):
        eryx.Sandbox(volumes=[(str(tmp_path), guest_path, True)])


def test_missing_host_path_raises_value_error(tmp_path):
    with pytest.raises(ValueError, match="no-such-dir"):
        eryx.Sandbox(volumes=[(str(tmp_path / "no-such-dir"), "/data", True)])


def test_host_path_that_is_not_a_file_or_directory_raises_value_error():
    with pytest.raises(ValueError):
        eryx.Sandbox(volumes=[("/dev/null", "/data", True)])


def test_malformed_volume_tuples_raise(tmp_path):
    for bad in [(str(tmp_path),), (str(tmp_path), "/data", True, 1, 2), "not a tuple"]:
        with pytest.raises((ValueError, TypeError)):
            eryx.Sandbox(volumes=[bad])


def test_two_volumes_at_the_same_guest_path_raise(tmp_path):
    with pytest.raises(ValueError):
        eryx.Sandbox(volumes=[(str(tmp_path), "/data", True), (str(tmp_path), "/data", True)])


# ---- SQLite and the standard library on a volume ----------------------------------------------

def test_sqlite_ten_thousand_rows_in_a_volume_are_readable_on_the_host(tmp_path):
    code = (
        "import sqlite3\n"
        "db = sqlite3.connect('/data/app.db')\n"
        "db.execute('create table t (id integer primary key, name text)')\n"
        "with db:\n"
        "    db.executemany('insert into t (name) values (?)', [(f'row{i}',) for i in range(10000)])\n"
        "print(db.execute('select count(*), max(id) from t').fetchone())\n"
        "db.close()\n"
    )
    out = run(code, [(str(tmp_path), "/data", False, 64 << 20)], resource_limits=eryx.ResourceLimits(
        execution_timeout_ms=60_000))
    assert out == "(10000, 10000)\n"
    with sqlite3.connect(tmp_path / "app.db") as db:
        assert db.execute("select name from t where id = 5000").fetchone() == ("row4999",)


def test_sqlite_database_written_on_the_host_is_queried_in_the_guest(tmp_path):
    with sqlite3.connect(tmp_path / "host.db") as db:
        db.execute("create table kv (k text, v integer)")
        db.executemany("insert into kv values (?, ?)", [("a", 1), ("b", 2)])
    db.close()
    # immutable=1: the guest's SQLite locks with a directory beside the database (a dot-lock),
    # which a read-only volume refuses.
    code = ("import sqlite3\ndb = sqlite3.connect('file:/data/host.db?immutable=1', uri=True)\n"
            "print(db.execute('select sum(v) from kv').fetchone()[0])")
    assert run(code, [(str(tmp_path), "/data", True)]) == "3\n"


def test_zipfile_and_tarfile_on_a_volume(tmp_path):
    code = (
        "import zipfile, tarfile, io\n"
        "with zipfile.ZipFile('/data/a.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
        "    z.writestr('x.txt', 'zipped' * 100)\n"
        "with tarfile.open('/data/a.tar.gz', 'w:gz') as t:\n"
        "    t.add('/data/a.zip', arcname='a.zip')\n"
        "with tarfile.open('/data/a.tar.gz') as t:\n"
        "    t.extractall('/data/out', filter='data')\n"
        "print(zipfile.ZipFile('/data/out/a.zip').read('x.txt')[:6].decode())\n"
    )
    assert run(code, [(str(tmp_path), "/data", False)]) == "zipped\n"
    import zipfile
    assert zipfile.ZipFile(tmp_path / "a.zip").read("x.txt") == b"zipped" * 100


def test_shutil_tempfile_glob_pathlib_and_walk_on_a_volume(tmp_path):
    code = (
        "import shutil, tempfile, glob, os, pathlib\n"
        "root = pathlib.Path('/data')\n"
        "(root / 'src' / 'deep').mkdir(parents=True)\n"
        "(root / 'src' / 'deep' / 'f.py').write_text('print(1)')\n"
        "(root / 'src' / 'g.txt').write_text('g')\n"
        "shutil.copytree('/data/src', '/data/copy')\n"
        "shutil.move('/data/copy/g.txt', '/data/moved.txt')\n"
        "with tempfile.TemporaryDirectory(dir='/data') as d:\n"
        "    pathlib.Path(d, 't').write_text('tmp')\n"
        "    inside = os.listdir(d)\n"
        "walked = sorted(os.path.join(p, f) for p, _, fs in os.walk('/data') for f in fs)\n"
        "print(inside, sorted(glob.glob('/data/**/*.py', recursive=True)), walked)\n"
        "shutil.rmtree('/data/src')\n"
        "print(sorted(os.listdir('/data')))\n"
    )
    out = run(code, [(str(tmp_path), "/data", False)]).splitlines()
    assert out[0] == ("['t'] ['/data/copy/deep/f.py', '/data/src/deep/f.py'] "
                      "['/data/copy/deep/f.py', '/data/moved.txt', '/data/src/deep/f.py', "
                      "'/data/src/g.txt']")
    assert out[1] == "['copy', 'moved.txt']"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "moved.txt"]


def test_host_changes_are_seen_by_a_running_session(tmp_path):
    session = eryx.Session(volumes=[(str(tmp_path), "/data", True)])
    assert session.execute("import os\nprint(os.listdir('/data'))").stdout == "[]\n"
    (tmp_path / "late.txt").write_text("late")
    assert session.execute("print(open('/data/late.txt').read())").stdout == "late\n"


def test_concurrent_sandboxes_write_one_volume(tmp_path):
    sandbox = eryx.Sandbox(volumes=[(str(tmp_path), "/data", False)])
    errors = []

    def worker(i):
        try:
            sandbox.execute(f"open('/data/f{i}', 'w').write('{i}' * 100)")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f0", "f1", "f2", "f3"]
    assert os.path.getsize(tmp_path / "f3") == 100


def test_volumes_and_shared_storage_coexist(tmp_path):
    (tmp_path / "host.txt").write_text("from host")
    storage = eryx.VfsStorage()
    session = eryx.Session(vfs=storage, volumes=[(str(tmp_path), "/mnt/host", True)])
    session.execute("open('/data/vfs.txt', 'w').write('from vfs')")
    out = session.execute("print(open('/mnt/host/host.txt').read(), open('/data/vfs.txt').read())")
    assert out.stdout == "from host from vfs\n"


def test_a_volume_where_the_shared_storage_is_mounted_raises(tmp_path):
    with pytest.raises(ValueError, match="vfs_mount_path"):
        eryx.Session(vfs=eryx.VfsStorage(), volumes=[(str(tmp_path), "/data", True)])


def test_forked_session_keeps_the_volume(tmp_path):
    (tmp_path / "f.txt").write_text("shared")
    session = eryx.Session(volumes=[(str(tmp_path), "/data", False)])
    session.execute("x = open('/data/f.txt').read()")
    child = session.fork()
    child.execute("open('/data/child.txt', 'w').write(x)")
    assert (tmp_path / "child.txt").read_text() == "shared"


def test_pathlib_paths_are_accepted_for_the_host_path(tmp_path):
    (tmp_path / "f.txt").write_text("path-like")
    assert run("print(open('/data/f.txt').read())", [(tmp_path, "/data", True)]) == "path-like\n"
