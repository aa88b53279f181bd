"""packages= and site_packages= on Sandbox, Session and SandboxFactory (docs/guide/packages.md).

Good packages are the pinned pure-Python wheels of scripts/fetch-test-wheels.py and archives built
here; every bad archive is built here too, and must be refused with an InvalidArgumentError naming
the file and the entry when the Sandbox or Session is created, before any code runs.
"""

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

import eryx
from eryx import _eryx


def make_wheel(directory: Path, name="greeter", files=None) -> Path:
    wheel = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in (files or {f"{name}/__init__.py": "def greet(who):\n    return f'Hello {who}'\n"}).items():
            z.writestr(path, text)
        z.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    return wheel


def make_wasi_tarball(directory: Path) -> Path:
    """The wasi-wheels layout: a site-packages tree under a top folder."""
    tarball = directory / "calc-wasi.tar.gz"
    with tarfile.open(tarball, "w:gz") as t:
        for name, text in {"calc-wasi/site-packages/calc/__init__.py": "def add(a, b):\n    return a + b\n",
                           "calc-wasi/README.txt": "not importable\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return tarball


def refusal(tmp_path, **options):
    """The message of the InvalidArgumentError creating a Sandbox raises."""
    with pytest.raises(eryx.InvalidArgumentError) as error:
        eryx.Sandbox(**options)
    return str(error.value)


# ---- good packages ----------------------------------------------------------------------------

def test_a_wheel_is_importable_in_a_plain_sandbox(tmp_path):
    sandbox = eryx.Sandbox(packages=[make_wheel(tmp_path)])
    assert sandbox.execute("from greeter import greet\nprint(greet('World'))").stdout == "Hello World\n"


def test_every_execution_of_a_sandbox_sees_the_packages(tmp_path):
    sandbox = eryx.Sandbox(packages=[make_wheel(tmp_path)])
    for _ in range(3):
        assert sandbox.execute("import greeter\nprint(greeter.__file__)").stdout == \
            "/usr/local/lib/python3.13/site-packages/greeter/__init__.py\n"


def test_a_wheel_is_importable_in_a_session_across_executions(tmp_path):
    session = eryx.Session(packages=[make_wheel(tmp_path)])
    session.execute("import greeter")
    assert session.execute("print(greeter.greet('again'))").stdout == "Hello again\n"


def test_a_session_keeps_its_packages_after_reset(tmp_path):
    session = eryx.Session(packages=[make_wheel(tmp_path)])
    session.reset()
    assert session.execute("import greeter\nprint(greeter.greet('reset'))").stdout == "Hello reset\n"


def test_a_forked_session_keeps_its_packages(tmp_path):
    session = eryx.Session(packages=[make_wheel(tmp_path)])
    child = session.fork()
    assert child.execute("import greeter\nprint(greeter.greet('fork'))").stdout == "Hello fork\n"


def test_a_session_snapshot_restores_with_the_same_packages(tmp_path):
    wheel = make_wheel(tmp_path)
    session = eryx.Session(packages=[wheel])
    session.execute("import greeter\ng = greeter.greet")
    restored = eryx.Session.from_snapshot(session.snapshot(), packages=[wheel])
    assert restored.execute("import greeter\nprint(g('snapshot'))").stdout == "Hello snapshot\n"


def test_packages_are_read_only_in_the_sandbox(tmp_path):
    sandbox = eryx.Sandbox(packages=[make_wheel(tmp_path)])
    out = sandbox.execute("""
import greeter
try:
    open(greeter.__file__, 'w')
except OSError as e:
    print(type(e).__name__)
""")
    assert out.stdout == "PermissionError\n" or out.stdout.startswith("OSError")


def test_a_wasi_wheels_tarball_is_importable(tmp_path):
    sandbox = eryx.Sandbox(packages=[make_wasi_tarball(tmp_path)])
    out = sandbox.execute("import calc, os\nprint(calc.add(2, 3), sorted(os.listdir(os.path.dirname(calc.__path__[0]))))")
    assert out.stdout == "5 ['calc']\n"


def test_a_directory_is_importable_as_a_package_and_as_site_packages(tmp_path):
    (tmp_path / "site" / "local_mod").mkdir(parents=True)
    (tmp_path / "site" / "local_mod" / "__init__.py").write_text("VALUE = 42\n")
    for options in ({"packages": [tmp_path / "site"]}, {"site_packages": tmp_path / "site"}):
        assert eryx.Sandbox(**options).execute("import local_mod\nprint(local_mod.VALUE)").stdout == "42\n"


def test_pinned_pure_wheels_work_in_a_sandbox_and_a_session(test_wheels):
    wheels = [test_wheels[name] for name in ("idna", "attrs")]
    sandbox = eryx.Sandbox(packages=wheels)
    assert sandbox.execute("import idna\nprint(idna.encode('bücher.example').decode())").stdout == \
        "xn--bcher-kva.example\n"
    session = eryx.Session(packages=wheels)
    session.execute("import attr\n@attr.s\nclass P:\n    x = attr.ib()")
    assert session.execute("print(P(1))").stdout == "P(x=1)\n"


def test_the_requests_stack_imports_from_packages(test_wheels):
    stack = [test_wheels[name] for name in ("requests", "urllib3", "idna", "certifi", "charset_normalizer")]
    out = eryx.Sandbox(packages=stack).execute(
        "import requests, certifi, os\nprint(requests.__version__, os.path.exists(certifi.where()))")
    assert out.stdout == "2.34.2 True\n"


def test_a_factory_sandbox_can_add_packages_of_its_own(tmp_path):
    factory = eryx.SandboxFactory(packages=[make_wheel(tmp_path)], imports=["greeter"])
    other = make_wheel(tmp_path, "farewell", {"farewell/__init__.py": "BYE = 'bye'\n"})
    sandbox = factory.create_sandbox(packages=[other])
    out = sandbox.execute("import greeter, farewell\nprint(greeter.greet('x'), farewell.BYE)")
    assert out.stdout == "Hello x bye\n"


def test_a_factory_takes_a_wasi_wheels_tarball(tmp_path):
    factory = eryx.SandboxFactory(packages=[make_wasi_tarball(tmp_path)], imports=["calc"])
    assert factory.create_sandbox().execute("import calc\nprint(calc.add(1, 1))").stdout == "2\n"


# ---- sharing ----------------------------------------------------------------------------------

def test_ten_sandboxes_with_one_wheel_hold_one_copy_of_it(tmp_path):
    payload = bytes(range(256)) * 400  # 100 KiB, distinct from every other test's files
    wheel = make_wheel(tmp_path, "shared_blob", {"shared_blob/__init__.py": "", "shared_blob/blob.bin": payload})
    sandboxes = [eryx.Sandbox(packages=[wheel])]
    first = _eryx._package_cache_stats()
    sandboxes += [eryx.Sandbox(packages=[wheel]) for _ in range(9)]
    after = _eryx._package_cache_stats()
    assert after["archives_decoded"] == first["archives_decoded"]  # decoded once, by the first
    assert after["live_file_bytes"] == first["live_file_bytes"]  # nine more sandboxes, no more bytes
    out = sandboxes[9].execute("import importlib.resources as r\nprint(len(r.files('shared_blob').joinpath('blob.bin').read_bytes()))")
    assert out.stdout == f"{len(payload)}\n"


def test_creating_and_dropping_sandboxes_decodes_a_wheel_once(tmp_path):
    wheel = make_wheel(tmp_path, "churn", {"churn/__init__.py": "X = 'churn'\n"})
    before = _eryx._package_cache_stats()
    for _ in range(5):
        eryx.Sandbox(packages=[wheel])
    assert _eryx._package_cache_stats()["archives_decoded"] - before["archives_decoded"] == 1


def test_the_cache_lets_go_of_a_package_no_sandbox_uses_once_others_follow(tmp_path):
    payload = bytes(range(251)) * 4000  # ~1 MB, distinct from every other test's files
    wheel = make_wheel(tmp_path, "short_lived", {"short_lived/__init__.py": "", "short_lived/blob.bin": payload})
    sandbox = eryx.Sandbox(packages=[wheel])
    held = _eryx._package_cache_stats()
    del sandbox
    for i in range(20):  # more than the cache keeps of recently used archives
        (tmp_path / str(i)).mkdir()
        eryx.Sandbox(packages=[make_wheel(tmp_path / str(i), "other", {"other/__init__.py": f"N = {i}\n"})])
    assert held["live_file_bytes"] - _eryx._package_cache_stats()["live_file_bytes"] >= len(payload)


# ---- bad packages -----------------------------------------------------------------------------

def bad_wheel(tmp_path, write) -> Path:
    path = tmp_path / "bad-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        write(z)
    return path


def bad_tarball(tmp_path, *infos) -> Path:
    path = tmp_path / "bad.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        for info in infos:
            t.addfile(info)
    return path


def tar_info(name, kind=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "fake-1.0-py3-none-any.whl"
    path.write_bytes(b"this is not a zip archive at all")
    assert f"package {path} is not a zip archive" in refusal(tmp_path, packages=[path])


def test_a_file_that_is_not_a_tarball_is_refused(tmp_path):
    path = tmp_path / "fake.tar.gz"
    path.write_bytes(b"\x1f\x8b but not gzip")
    assert f"package {path} is not a gzip-compressed tar archive" in refusal(tmp_path, packages=[path])


def test_an_unknown_kind_of_package_is_refused(tmp_path):
    path = tmp_path / "pkg.egg"
    path.write_bytes(b"x")
    assert "is not a wheel (.whl), a .tar.gz/.tgz archive or a directory" in refusal(tmp_path, packages=[path])


def test_a_missing_package_is_an_initialization_error(tmp_path):
    with pytest.raises(eryx.InitializationError, match="absent.whl"):
        eryx.Sandbox(packages=[tmp_path / "absent.whl"])


@pytest.mark.parametrize("name", ["../evil.py", "a/../../evil.py", "pkg/../../../etc/x.py"])
def test_a_traversal_entry_is_refused(tmp_path, name):
    path = bad_wheel(tmp_path, lambda z: z.writestr(name, "x"))
    message = refusal(tmp_path, packages=[path])
    assert f"package {path}: entry '{name}' leaves the package" in message


def test_an_absolute_entry_is_refused(tmp_path):
    path = bad_tarball(tmp_path, tar_info("/etc/evil.py"))
    assert f"package {path}: entry '/etc/evil.py' has an absolute name" in refusal(tmp_path, packages=[path])


def test_a_zip_symlink_is_refused(tmp_path):
    def write(z):
        info = zipfile.ZipInfo("pkg/link.py")
        info.external_attr = 0o120777 << 16
        z.writestr(info, "/etc/passwd")
    path = bad_wheel(tmp_path, write)
    assert "entry 'pkg/link.py' is a symbolic link" in refusal(tmp_path, packages=[path])


@pytest.mark.parametrize("kind, linkname, what", [
    (tarfile.SYMTYPE, "/etc/passwd", "is a symbolic link"),
    (tarfile.LNKTYPE, "other.py", "is a hard link"),
    (tarfile.CHRTYPE, "", "is a character device"),
    (tarfile.BLKTYPE, "", "is a block device"),
    (tarfile.FIFOTYPE, "", "is a FIFO"),
])
def test_a_tar_link_or_device_is_refused(tmp_path, kind, linkname, what):
    path = bad_tarball(tmp_path, tar_info("pkg/special", kind, linkname))
    assert f"package {path}: entry 'pkg/special' {what}" in refusal(tmp_path, packages=[path])


def test_a_duplicate_name_is_refused(tmp_path):
    def write(z):
        z.writestr("pkg/__init__.py", "first")
        with pytest.warns(UserWarning):
            z.writestr("pkg/__init__.py", "second")
    path = bad_wheel(tmp_path, write)
    assert "entry 'pkg/__init__.py' is a duplicate name" in refusal(tmp_path, packages=[path])


def test_a_zip_bomb_is_refused(tmp_path):
    path = bad_wheel(tmp_path, lambda z: z.writestr("bomb.txt", b"\0" * (50 << 20), zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 100_000
    assert "entry 'bomb.txt' expands the archive more than 100 times its size" in \
        refusal(tmp_path, packages=[path])


def test_an_entry_past_the_size_cap_is_refused(tmp_path):
    # 65 MiB of incompressible bytes: past the 64 MiB entry cap, not a bomb.
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(65):
            f.write(os_random(1 << 20))
    path = bad_wheel(tmp_path, lambda z: z.write(big, "big.bin"))
    assert "entry 'big.bin' is larger than 67108864 bytes uncompressed" in refusal(tmp_path, packages=[path])


def os_random(n):
    import os
    return os.urandom(n)


def test_too_many_entries_are_refused(tmp_path):
    def write(z):
        for i in range(20_001):
            z.writestr(f"m/{i}.py", "")
    path = bad_wheel(tmp_path, write)
    assert "entry 'm/20000.py' is one too many: an archive may hold 20000 entries" in \
        refusal(tmp_path, packages=[path])


def patched_wheel(tmp_path, name: bytes, replacement: bytes) -> Path:
    """A wheel whose entry name has `name` replaced by `replacement` in its headers (zipfile would
    not write a NUL byte or invalid UTF-8 itself)."""
    path = bad_wheel(tmp_path, lambda z: z.writestr(name.decode(), "x"))
    path.write_bytes(path.read_bytes().replace(name, replacement))
    return path


def test_a_name_with_a_nul_byte_is_refused(tmp_path):
    path = patched_wheel(tmp_path, b"evil.py_txt", b"evil.py\0txt")
    assert f"package {path}: entry 'evil.py' has a NUL byte in its name" in refusal(tmp_path, packages=[path])


def test_a_name_that_is_not_utf8_is_refused(tmp_path):
    path = patched_wheel(tmp_path, b"pkg/AB.py", b"pkg/\xff\xfe.py")
    assert "not valid UTF-8" in refusal(tmp_path, packages=[path])


@pytest.mark.parametrize("name", ["pkg/_speedups.cpython-313-wasm32-wasi.so", "pkg/_c.abi3.so", "pkg.libs/libfoo.so.1"])
def test_a_native_extension_is_refused_as_not_supported_yet(tmp_path, name):
    path = bad_wheel(tmp_path, lambda z: (z.writestr("pkg/__init__.py", ""), z.writestr(name, b"\0asm")))
    message = refusal(tmp_path, packages=[path])
    assert f"entry '{name}' is a native extension" in message
    assert "built into a guest flavour" in message


def test_a_native_extension_in_site_packages_is_refused(tmp_path):
    (tmp_path / "site" / "n").mkdir(parents=True)
    (tmp_path / "site" / "n" / "_n.cpython-313-wasm32-wasi.so").write_bytes(b"\0asm")
    assert "'n/_n.cpython-313-wasm32-wasi.so' is a native extension" in refusal(tmp_path, site_packages=tmp_path / "site")


def test_two_packages_with_one_file_of_different_contents_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_wheel(tmp_path / "a", "clash", {"clash.py": "A = 1\n"})
    b = make_wheel(tmp_path / "b", "clash", {"clash.py": "B = 2\n"})
    assert "both provide 'clash.py' with different contents" in refusal(tmp_path, packages=[a, b])


def test_a_bad_package_is_refused_by_a_session_and_a_factory_too(tmp_path):
    path = bad_wheel(tmp_path, lambda z: z.writestr("../evil.py", "x"))
    with pytest.raises(eryx.InvalidArgumentError, match="leaves the package"):
        eryx.Session(packages=[path])
    with pytest.raises(eryx.InvalidArgumentError, match="leaves the package"):
        eryx.SandboxFactory(packages=[path])
