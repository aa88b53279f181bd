"""eryx.VfsStorage: in-memory files that Sessions mount and share, and the host reads and seeds."""

import errno
import threading

import pytest

import eryx


@pytest.fixture
def storage():
    return eryx.VfsStorage()


def run(session, code):
    return session.execute(code).stdout


# ---- sharing and lifetime ---------------------------------------------------------------------


def test_two_sessions_share_the_mount(storage):
    writer = eryx.Session(vfs=storage)
    reader = eryx.Session(vfs=storage)
    writer.execute("open('/data/note.txt', 'w').write('from writer')")
    assert run(reader, "print(open('/data/note.txt').read())") == "from writer\n"


def test_default_mount_path_is_data_and_can_be_changed(storage):
    assert eryx.Session(vfs=storage).vfs_mount_path == "/data"
    session = eryx.Session(vfs=storage, vfs_mount_path="/mnt/shared")
    session.execute("open('/mnt/shared/x', 'w').write('x')")
    assert storage.read_file("/x") == b"x"
    assert session.vfs is storage
    assert eryx.Session().vfs is None and eryx.Session().vfs_mount_path is None


def test_mount_point_is_listed_in_its_parent(storage):
    session = eryx.Session(vfs=storage)
    assert run(session, "import os; print('data' in os.listdir('/'))") == "True\n"


def test_files_survive_reset_and_clear_state(storage):
    session = eryx.Session(vfs=storage)
    session.execute("open('/data/a', 'w').write('kept')")
    session.reset()
    assert run(session, "print(open('/data/a').read())") == "kept\n"
    session.clear_state()
    assert run(session, "print(open('/data/a').read())") == "kept\n"


def test_files_survive_the_session(storage):
    eryx.Session(vfs=storage).execute("open('/data/a', 'w').write('after')")
    assert storage.read_file("a") == b"after"


def test_storage_survives_snapshot_and_from_snapshot(storage):
    session = eryx.Session(vfs=storage)
    session.execute("x = 41\nopen('/data/f', 'w').write('shared')")
    data = session.snapshot()
    storage.write_file("/f", b"changed after the snapshot")
    restored = eryx.Session.from_snapshot(data, vfs=storage)
    assert run(restored, "print(x + 1, open('/data/f').read())") == "42 changed after the snapshot\n"
    assert restored.vfs is storage


def test_snapshot_with_a_file_open_on_the_storage_is_refused(storage):
    session = eryx.Session(vfs=storage)
    session.execute("held = open('/data/f', 'w')")
    with pytest.raises(eryx.EryxError, match="mounted filesystem"):
        session.snapshot()


def test_from_snapshot_without_the_storage_has_no_mount(storage):
    session = eryx.Session(vfs=storage)
    session.execute("open('/data/f', 'w').write('x')")
    restored = eryx.Session.from_snapshot(session.snapshot())
    assert run(restored, "import os; print(os.path.exists('/data/f'))") == "False\n"


def test_fork_shares_the_storage(storage):
    parent = eryx.Session(vfs=storage)
    parent.execute("log = open('/data/log', 'a')")
    child = parent.fork()
    child.execute("log.write('child '); log.flush()")
    parent.execute("log.write('parent'); log.flush()")
    assert storage.read_file("/log") == b"child parent"


# ---- host methods -----------------------------------------------------------------------------


def test_host_seeds_and_reads_without_running_code(storage):
    storage.write_file("/in/data.csv", b"a,b\n1,2\n")
    session = eryx.Session(vfs=storage)
    session.execute(
        "import csv\n"
        "rows = list(csv.reader(open('/data/in/data.csv')))\n"
        "open('/data/out.txt', 'w').write(str(len(rows)))"
    )
    assert storage.read_file("/out.txt") == b"2"
    assert storage.list("/") == ["in", "out.txt"]
    assert storage.size_bytes == len(b"a,b\n1,2\n") + 1


def test_host_errors_are_os_errors(storage):
    storage.write_file("/file", b"x")
    with pytest.raises(FileNotFoundError):
        storage.read_file("/missing")
    with pytest.raises(NotADirectoryError):
        storage.list("/file")
    with pytest.raises(IsADirectoryError):
        storage.read_file("/")
    with pytest.raises(eryx.InvalidArgumentError):
        storage.read_file("/a/../b")


def test_remove_takes_files_and_directories(storage):
    storage.write_file("/d/e", b"1")
    storage.write_file("/f", b"2")
    storage.remove("/d")
    assert storage.list() == ["f"]
    storage.remove("/f")
    assert storage.list() == [] and storage.size_bytes == 0


def test_storage_snapshot_round_trips(storage):
    storage.write_file("/a/b", b"\x00\xff" * 10)
    data = storage.snapshot()
    other = eryx.VfsStorage()
    other.restore(data)
    assert other.read_file("/a/b") == b"\x00\xff" * 10
    assert other.snapshot() == data


def test_corrupt_storage_snapshot_raises_eryx_error_and_changes_nothing(storage):
    storage.write_file("/f", b"data")
    data = bytearray(storage.snapshot())
    data[len(data) // 2] ^= 1
    target = eryx.VfsStorage()
    target.write_file("/mine", b"kept")
    with pytest.raises(eryx.EryxError):
        target.restore(bytes(data))
    with pytest.raises(eryx.EryxError):
        target.restore(b"not a snapshot")
    assert target.read_file("/mine") == b"kept"


# ---- quota ------------------------------------------------------------------------------------


def test_guest_write_past_max_bytes_is_enospc_and_nothing_else_breaks():
    storage = eryx.VfsStorage(max_bytes=1000)
    session = eryx.Session(vfs=storage)
    out = run(
        session,
        "import errno\n"
        "try:\n"
        "    with open('/data/big', 'wb') as f:\n"
        "        f.write(b'x' * 5000)\n"
        "except OSError as e:\n"
        "    print(e.errno == errno.ENOSPC)\n",
    )
    assert out == "True\n"
    assert run(session, "open('/data/small', 'w').write('ok'); print('fine')") == "fine\n"
    assert storage.read_file("/small") == b"ok"
    assert storage.size_bytes <= 1000


def test_host_write_past_max_bytes_is_enospc():
    storage = eryx.VfsStorage(max_bytes=10)
    with pytest.raises(OSError) as info:
        storage.write_file("/f", b"x" * 11)
    assert info.value.errno == errno.ENOSPC


def test_private_tree_quota_is_enospc_too():
    session = eryx.Session(resource_limits=eryx.ResourceLimits(max_vfs_bytes=1000))
    out = run(
        session,
        "import errno\ntry:\n    with open('/tmp/big', 'wb') as f:\n        f.write(b'x' * 5000)\n"
        "except OSError as e:\n    print(e.errno == errno.ENOSPC)\n",
    )
    assert out == "True\n"


# ---- the standard library on the storage ------------------------------------------------------


def test_sqlite_on_a_storage_file_and_a_second_session_sees_it(storage):
    writer = eryx.Session(vfs=storage)
    writer.execute(
        "import sqlite3\n"
        "db = sqlite3.connect('/data/app.db')\n"
        "db.execute('create table t (id integer primary key, name text)')\n"
        "with db:\n"
        "    db.executemany('insert into t (name) values (?)', (('row%d' % i,) for i in range(10000)))\n"
        "assert db.execute('select count(*), max(id) from t').fetchone() == (10000, 10000)\n"
        "db.close()\n"
    )
    reader = eryx.Session(vfs=storage)
    out = run(
        reader,
        "import sqlite3\n"
        "db = sqlite3.connect('/data/app.db')\n"
        "print(db.execute(\"select name from t where id = 5000\").fetchone()[0])\n"
        "db.close()\n",
    )
    assert out == "row4999\n"


def test_sqlite_in_memory():
    session = eryx.Session()
    assert run(
        session,
        "import sqlite3\ndb = sqlite3.connect(':memory:')\ndb.execute('create table t (x)')\n"
        "db.executemany('insert into t values (?)', [(i,) for i in range(100)])\n"
        "print(db.execute('select sum(x) from t').fetchone()[0])\n",
    ) == "4950\n"


def test_zipfile_and_tarfile_on_the_storage(storage):
    session = eryx.Session(vfs=storage)
    session.execute(
        "import zipfile, tarfile, io\n"
        "with zipfile.ZipFile('/data/a.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
        "    z.writestr('inner.txt', 'zipped' * 100)\n"
        "with tarfile.open('/data/a.tar.gz', 'w:gz') as t:\n"
        "    t.add('/data/a.zip', arcname='a.zip')\n"
        "with tarfile.open('/data/a.tar.gz') as t:\n"
        "    t.extractall('/data/out', filter='data')\n"
        "with zipfile.ZipFile('/data/out/a.zip') as z:\n"
        "    assert z.read('inner.txt') == b'zipped' * 100\n"
    )
    assert "a.zip" in storage.list("/out")


def test_shutil_tempfile_glob_pathlib_and_walk_on_the_storage(storage):
    session = eryx.Session(vfs=storage)
    out = run(
        session,
        "import glob, os, pathlib, shutil, tempfile\n"
        "root = pathlib.Path('/data/tree')\n"
        "(root / 'a' / 'b').mkdir(parents=True)\n"
        "(root / 'a' / 'b' / 'f.txt').write_text('f')\n"
        "(root / 'g.txt').write_text('g')\n"
        "shutil.copytree(root, '/data/copy')\n"
        "shutil.move('/data/copy/g.txt', '/tmp/g.txt')\n"  # across mounts: EXDEV, then a copy
        "with tempfile.TemporaryDirectory(dir='/data') as tmp:\n"
        "    pathlib.Path(tmp, 'x').write_text('x')\n"
        "    assert os.listdir(tmp) == ['x']\n"
        "walked = sorted(os.path.join(d, f) for d, _, fs in os.walk('/data/copy') for f in fs)\n"
        "print(walked)\n"
        "print(sorted(glob.glob('/data/tree/**/*.txt', recursive=True)))\n"
        "print(open('/tmp/g.txt').read(), os.path.exists('/data/copy/g.txt'))\n"
        "shutil.rmtree('/data/copy')\n",
    )
    assert out == (
        "['/data/copy/a/b/f.txt']\n"
        "['/data/tree/a/b/f.txt', '/data/tree/g.txt']\n"
        "g False\n"
    )
    assert storage.list("/") == ["tree"]


def test_rename_across_mounts_is_exdev(storage):
    session = eryx.Session(vfs=storage)
    out = run(
        session,
        "import os, errno\nopen('/tmp/f', 'w').close()\n"
        "try:\n    os.rename('/tmp/f', '/data/f')\nexcept OSError as e:\n    print(e.errno == errno.EXDEV)\n",
    )
    assert out == "True\n"


def test_dotdot_at_the_mount_point_stays_in_the_mount(storage):
    session = eryx.Session(vfs=storage)
    out = run(
        session,
        "import os\nos.chdir('/data')\n"
        "open('../../../escape', 'w').write('x')\n"
        "print(os.path.exists('/escape'))\n",
    )
    # wasi-libc hands "../../../escape" to the /data preopen; ".." at a mount's root is the root.
    assert out == "False\n"
    assert storage.list("/") == ["escape"]


def test_invalid_mount_paths_are_refused(storage):
    for bad in ["data", "/", "/tmp/x", "/a/../b", ""]:
        with pytest.raises(eryx.InvalidArgumentError):
            eryx.Session(vfs=storage, vfs_mount_path=bad)


# ---- concurrency ------------------------------------------------------------------------------


def test_concurrent_sessions_append_whole_records(storage):
    def work(n):
        session = eryx.Session(vfs=storage)
        session.execute(
            f"with open('/data/log', 'a') as f:\n"
            f"    for i in range(200):\n"
            f"        f.write('{n}' * 15 + '\\n'); f.flush()\n"
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = storage.read_file("/log").decode().splitlines()
    assert len(lines) == 800
    assert all(len(set(line)) == 1 and len(line) == 15 for line in lines)


def test_state_operations_before_any_execute_see_this_sessions_mounts(storage):
    session = eryx.Session(vfs=storage, vfs_mount_path="/before")
    session.execute(
        "class Note:\n"
        "    def __del__(self):\n"
        "        open('/after/deleted', 'w').write('yes')\n"
        "note = Note()\n"
    )
    # Restored with the storage elsewhere: the interpreter's memory still lists /before.
    restored = eryx.Session.from_snapshot(session.snapshot(), vfs=storage, vfs_mount_path="/after")
    restored.clear_state()  # runs Note.__del__ in the guest, before any execute
    assert storage.read_file("/deleted") == b"yes"
