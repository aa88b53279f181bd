"""Attacks on the guest's virtual filesystem: escapes, read-only areas, quotas and caps."""

import pytest

from adv_harness import child


@child()
def test_host_passwd_is_not_found():
    out = guest("try:\n    open('/etc/passwd')\nexcept FileNotFoundError:\n    print('absent')")
    assert out == "absent\n", out


@child()
def test_dotdot_traversal_from_tmp_stays_inside_the_vfs():
    out = guest("import os\nprint(os.path.exists('/tmp/../../../../etc/passwd'), "
                "os.path.realpath('/tmp/../../..'), sorted(os.listdir('/tmp/../..')) == sorted(os.listdir('/')))")
    assert out == "False / True\n", out


@child()
def test_root_listing_holds_no_host_directory():
    out = guest("import os\nprint(sorted(os.listdir('/')))")
    listed = eval(out)
    for host_dir in ("etc", "home", "proc", "root", "var", "dev", "sys", "work"):
        assert host_dir not in listed, listed


@child()
def test_proc_self_is_not_reachable():
    code = ("for p in ('/proc/self/environ', '/proc/self/mem', '/proc/1/cmdline', '/dev/mem'):\n"
            "    try:\n        open(p, 'rb')\n        print('OPENED', p)\n"
            "    except FileNotFoundError:\n        pass\nprint('done')")
    assert guest(code) == "done\n"


@child()
def test_host_working_directory_is_not_visible():
    out = guest("import os\nprint(os.getcwd(), 'Makefile' in os.listdir('.'), os.path.exists('Makefile'))")
    assert "True" not in out, out


@child()
def test_writing_outside_tmp_is_refused():
    code = ("import os\nfor p in ('/evil', '/usr/evil', '/usr/local/lib/evil'):\n"
            "    try:\n        open(p, 'w')\n        print('WROTE', p)\n"
            "    except OSError as e:\n        print(type(e).__name__)")
    out = guest(code)
    assert "WROTE" not in out and len(out.splitlines()) == 3, out


@child()
def test_stdlib_zip_cannot_be_opened_for_writing():
    code = ("try:\n    open('/usr/local/lib/python313.zip', 'r+b')\n    print('OPENED')\n"
            "except OSError as e:\n    print('refused')")
    assert guest(code) == "refused\n"


@child()
def test_stdlib_zip_cannot_be_unlinked_or_renamed():
    code = ("import os\nfor op in (lambda: os.unlink('/usr/local/lib/python313.zip'),\n"
            "           lambda: os.rename('/usr/local/lib/python313.zip', '/tmp/z')):\n"
            "    try:\n        op()\n        print('DONE')\n    except OSError:\n        print('refused')\n"
            "import json\nprint(json.dumps([1]))")
    assert guest(code) == "refused\nrefused\n[1]\n"


@child()
def test_symlink_loop_fails_with_eloop():
    code = ("import os, errno\nos.symlink('/tmp/b', '/tmp/a')\nos.symlink('/tmp/a', '/tmp/b')\n"
            "try:\n    open('/tmp/a')\nexcept OSError as e:\n    print(e.errno == errno.ELOOP)")
    assert guest(code) == "True\n"


@child()
def test_long_symlink_chain_is_cut_at_the_hop_limit():
    code = ("import os, errno\nopen('/tmp/l0', 'w').write('end')\n"
            "for i in range(1, 100):\n    os.symlink(f'/tmp/l{i-1}', f'/tmp/l{i}')\n"
            "print(open('/tmp/l30').read())\n"
            "try:\n    open('/tmp/l99')\nexcept OSError as e:\n    print(e.errno == errno.ELOOP)")
    assert guest(code) == "end\nTrue\n"


@child()
def test_symlink_to_a_host_path_resolves_inside_the_vfs():
    code = ("import os\nos.symlink('/etc/passwd', '/tmp/p')\nos.symlink('../../../../etc', '/tmp/e')\n"
            "for p in ('/tmp/p', '/tmp/e/passwd'):\n"
            "    try:\n        open(p)\n        print('OPENED')\n    except FileNotFoundError:\n        print('absent')")
    assert guest(code) == "absent\nabsent\n"


@child()
def test_overlong_path_is_enametoolong():
    code = ("import errno\ntry:\n    open('/tmp/' + 'a' * 5000, 'w')\n"
            "except OSError as e:\n    print(e.errno == errno.ENAMETOOLONG)")
    assert guest(code) == "True\n"


@child()
def test_deeply_nested_directories_end_in_an_oserror():
    code = ("import os\npath = '/tmp'\ntry:\n    for i in range(5000):\n"
            "        path += '/d'\n        os.mkdir(path)\nexcept OSError as e:\n    print('stopped', i > 100)")
    assert guest(code) == "stopped True\n"


@child()
def test_open_file_cap_is_emfile_and_closing_frees_it():
    code = ("import errno\nfiles = []\ntry:\n    for i in range(5000):\n"
            "        files.append(open(f'/tmp/f{i}', 'w'))\nexcept OSError as e:\n"
            "    print(e.errno == errno.EMFILE, 900 < len(files) <= 1024)\n"
            "for f in files:\n    f.close()\nopen('/tmp/after', 'w').close()\nprint('reopened')")
    assert guest(code) == "True True\nreopened\n"


@child()
def test_default_tmp_quota_is_enospc():
    code = ("import errno\ntry:\n    with open('/tmp/big', 'wb') as f:\n"
            "        for _ in range(100):\n            f.write(b'x' * (1 << 20))\n"
            "except OSError as e:\n    print(e.errno == errno.ENOSPC)")
    assert guest(code) == "True\n"


@child()
def test_max_vfs_bytes_quota_is_enospc():
    code = ("import errno\ntry:\n    open('/tmp/big', 'wb').write(b'x' * (2 << 20))\n"
            "except OSError as e:\n    print(e.errno == errno.ENOSPC)\n"
            "open('/tmp/small', 'wb').write(b'x' * 1000)\nprint('small ok')")
    assert guest(code, resource_limits=limits(max_vfs_bytes=1 << 20)) == "True\nsmall ok\n"


@child()
def test_unlinked_open_file_keeps_counting_until_closed():
    code = ("import os, errno\nf = open('/tmp/a', 'wb')\nf.write(b'x' * (1536 << 10))\nf.flush()\n"
            "os.unlink('/tmp/a')\n"
            "try:\n    open('/tmp/b', 'wb').write(b'y' * (1536 << 10))\n"
            "except OSError as e:\n    print(e.errno == errno.ENOSPC)\n"
            "f.close()\nos.unlink('/tmp/b') if os.path.exists('/tmp/b') else None\n"
            "open('/tmp/c', 'wb').write(b'z' * (1536 << 10))\nprint('after close ok')")
    assert guest(code, resource_limits=limits(max_vfs_bytes=2 << 20)) == "True\nafter close ok\n"


@child(timeout=60)
def test_entry_count_cap_is_enospc():
    code = ("import os, errno\nn = 0\ntry:\n    for n in range(70000):\n"
            "        os.mkdir(f'/tmp/{n}')\nexcept OSError as e:\n    print(e.errno == errno.ENOSPC, n > 60000)")
    assert guest(code, resource_limits=limits(execution_timeout_ms=50000)) == "True True\n"


@child()
def test_huge_truncate_does_not_allocate_on_the_host():
    code = ("import os\nf = open('/tmp/t', 'wb')\ntry:\n    os.truncate('/tmp/t', 1 << 40)\n    print('TRUNCATED')\n"
            "except OSError as e:\n    print('refused')")
    before = rss_bytes()
    assert guest(code) == "refused\n"
    assert rss_bytes() - before < 200 << 20


@child()
def test_write_at_a_huge_offset_is_refused():
    code = ("f = open('/tmp/s', 'wb')\nf.seek(1 << 50)\ntry:\n    f.write(b'x')\n    f.flush()\n    print('WROTE')\n"
            "except OSError:\n    print('refused')")
    assert guest(code) == "refused\n"


@child()
def test_directory_cannot_be_moved_into_itself():
    code = ("import os\nos.makedirs('/tmp/d/e')\ntry:\n    os.rename('/tmp/d', '/tmp/d/e/f')\n    print('MOVED')\n"
            "except OSError:\n    print('refused')\nprint(os.path.isdir('/tmp/d/e'))")
    assert guest(code) == "refused\nTrue\n"


@child()
def test_root_and_tmp_cannot_be_removed():
    code = ("import os\nfor p in ('/', '/tmp', '/usr'):\n    try:\n        os.rmdir(p)\n        print('REMOVED', p)\n"
            "    except OSError:\n        print('refused')\nopen('/tmp/x', 'w').write('still')\nprint(open('/tmp/x').read())")
    assert guest(code) == "refused\nrefused\nrefused\nstill\n"


@child()
def test_directory_misuse_raises_the_right_errors():
    code = ("import os\nos.mkdir('/tmp/dir')\nopen('/tmp/file', 'w').close()\n"
            "try:\n    open('/tmp/dir')\nexcept IsADirectoryError:\n    print('isdir')\n"
            "try:\n    os.listdir('/tmp/file')\nexcept NotADirectoryError:\n    print('notdir')\n"
            "try:\n    os.mkdir('/tmp/file/sub')\nexcept (NotADirectoryError, FileNotFoundError):\n    print('notdir2')")
    assert guest(code) == "isdir\nnotdir\nnotdir2\n"


@child()
def test_tmp_does_not_persist_between_sandbox_executions():
    sandbox = eryx.Sandbox()
    sandbox.execute("open('/tmp/secret', 'w').write('s')")
    assert sandbox.execute("import os\nprint(os.listdir('/tmp'))").stdout == "[]\n"


@child()
def test_walking_the_whole_vfs_terminates_and_sees_no_host_file():
    code = ("import os\nn = 0\nfor root, dirs, files in os.walk('/'):\n    n += len(files)\n"
            "    assert 'passwd' not in files and 'shadow' not in files\nprint(n < 100)")
    assert guest(code) == "True\n"


@child()
def test_non_utf8_file_name_does_not_break_the_host():
    code = ("import os\nname = os.fsdecode(b'/tmp/\\xff\\xfe')\n"
            "try:\n    open(name, 'w').write('x')\n    print(sorted(os.listdir('/tmp')) == [name[5:]])\n"
            "except (OSError, UnicodeError, ValueError):\n    print('refused')")
    sandbox = eryx.Sandbox()
    assert sandbox.execute(code).stdout in ("True\n", "refused\n")
    usable(sandbox)


@child()
def test_session_tmp_quota_holds_across_executions():
    session = eryx.Session(resource_limits=limits(max_vfs_bytes=1 << 20))
    session.execute("open('/tmp/a', 'wb').write(b'x' * (700 << 10))")
    out = session.execute("import errno\ntry:\n    open('/tmp/b', 'wb').write(b'x' * (700 << 10))\n"
                          "except OSError as e:\n    print(e.errno == errno.ENOSPC)").stdout
    assert out == "True\n", out


@child()
def test_zero_vfs_quota_refuses_the_first_byte():
    code = ("import errno\nf = open('/tmp/a', 'w')\ntry:\n    f.write('x')\n    f.flush()\n"
            "except OSError as e:\n    print(e.errno == errno.ENOSPC)")
    assert guest(code, resource_limits=limits(max_vfs_bytes=0)) == "True\n"


@child()
def test_directory_descriptors_count_against_the_open_file_cap():
    code = ("import os, errno\nfds = []\ntry:\n    for i in range(2000):\n        fds.append(os.open('/tmp', os.O_RDONLY))\n"
            "except OSError as e:\n    print(e.errno == errno.EMFILE, 900 < len(fds) <= 1024)")
    assert guest(code) == "True True\n"
