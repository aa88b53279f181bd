"""The wheel as a user installs it: `make test-wheel` builds it (build/wheel), and these tests install
it into a fresh virtual environment with pip (no index: it needs nothing else) and use it from there,
outside the source tree and without ERYX_GUEST_DIR."""

import os
import pathlib
import re
import subprocess
import sys
import tarfile
import tomllib
import venv
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WHEEL = pathlib.Path(os.environ.get("ERYX_WHEEL", ""))
# Only what a runtime loads (docs/guide/installing.md), not the plain guest module.
RUNTIME_GUEST_FILES = {
    "eryx-snapshot.cwasm",
    "eryx-snapshot-metered.cwasm",
    "eryx-snapshot.id",
    "eryx-snapshot-plain.cwasm",  # the plain image's fuel-metered build is left out (size)
}


@pytest.fixture(autouse=True, scope="module")
def wheel_given():
    assert WHEEL.is_file(), "ERYX_WHEEL must name the wheel to test (make test-wheel sets it)"


@pytest.fixture(scope="module")
def wheel_names():
    with zipfile.ZipFile(WHEEL) as wheel:
        return wheel.namelist()


@pytest.fixture(scope="module")
def env_dir(tmp_path_factory):
    """A fresh virtual environment with the wheel installed by pip, from the file alone."""
    directory = tmp_path_factory.mktemp("venv")
    venv.create(directory, with_pip=False)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(directory / "bin" / "python"),
                    "install", "-q", "--no-index", str(WHEEL)], check=True)
    return directory


def run(env_dir, *args):
    """Runs a program of the environment outside the source tree, without the build's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("ERYX_GUEST_DIR", "PYTHONPATH")}
    env["PATH"] = f"{env_dir / 'bin'}:{env['PATH']}"
    result = subprocess.run(args, cwd=env_dir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def python(env_dir, code):
    return run(env_dir, str(env_dir / "bin" / "python"), "-c", code)


def test_the_wheel_is_at_most_60_mb():
    assert WHEEL.stat().st_size <= 60_000_000


def test_the_wheel_has_a_manylinux_platform_tag():
    assert re.search(r"-manylinux_2_\d+_x86_64\.whl$", WHEEL.name), WHEEL.name


def test_the_wheel_holds_only_the_guest_files_a_runtime_loads(wheel_names):
    guest = {name.removeprefix("eryx/_guest/") for name in wheel_names
             if name.startswith("eryx/_guest/") and not name.endswith("/")}
    assert guest == RUNTIME_GUEST_FILES | {"python313.zip"}


def test_the_wheel_carries_the_libraries_it_links_but_not_libxml2_or_icu(wheel_names):
    vendored = " ".join(name for name in wheel_names if name.startswith("eryx.libs/"))
    for library in ("libedit", "libcpp-httplib", "libssl", "libcrypto", "libre2", "libzstd"):
        assert library in vendored
    # libarchive is linked statically: only its zip, tar and gzip readers (src/packages/).
    for library in ("libarchive", "libxml2", "libicu"):
        assert library not in vendored


def test_the_extension_has_no_debug_information(tmp_path, wheel_names):
    (name,) = [n for n in wheel_names if re.fullmatch(r"eryx/_eryx\..*\.so", n)]
    with zipfile.ZipFile(WHEEL) as wheel:
        extension = wheel.extract(name, tmp_path)
    sections = subprocess.run(["readelf", "-S", "-W", extension], check=True, capture_output=True,
                              text=True).stdout
    assert ".text" in sections
    assert ".debug_info" not in sections


def test_import_eryx_gives_the_installed_package_and_its_version(env_dir):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    out = python(env_dir, "import eryx, importlib.metadata as m\n"
                          "print(eryx.__file__)\nprint(eryx.__version__, m.version('eryx'))")
    file, versions = out.splitlines()
    assert pathlib.Path(file).is_relative_to(env_dir)
    assert versions == f"{version} {version}"


def test_a_sandbox_runs_code_on_the_packaged_guest(env_dir):
    # The snapshot module Wasmtime maps is the one inside the environment, not the build tree's.
    out = python(env_dir, "import eryx\n"
                          "print(eryx.Sandbox().execute('print(6 * 7)').stdout, end='')\n"
                          "print(*sorted({l.split()[-1] for l in open('/proc/self/maps')\n"
                          "               if l.rstrip().endswith('.cwasm')}), sep='\\n')")
    answer, *mapped = out.splitlines()
    assert answer == "42"
    assert mapped and all(pathlib.Path(path).is_relative_to(env_dir) for path in mapped), mapped


def test_a_session_keeps_its_state_between_executions(env_dir):
    out = python(env_dir, "import eryx\ns = eryx.Session()\ns.execute('x = 6')\n"
                          "print(s.execute('print(x * 7)').stdout, end='')")
    assert out == "42\n"


def test_python_m_eryx_runs_code(env_dir):
    assert run(env_dir, str(env_dir / "bin" / "python"), "-m", "eryx", "-c", "print(6 * 7)") == "42\n"


def test_the_eryx_console_script_runs_code(env_dir):
    assert run(env_dir, str(env_dir / "bin" / "eryx"), "-c", "print(6 * 7)") == "42\n"


def test_a_sandbox_loads_a_wheel_and_a_tarball(env_dir):
    # The statically linked libarchive reads both kinds of package.
    with zipfile.ZipFile(env_dir / "zipped-1.0-py3-none-any.whl", "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr("zipped/__init__.py", "NAME = 'from a wheel'\n")
    with tarfile.open(env_dir / "tarred-1.0.tar.gz", "w:gz") as tarball:
        source = env_dir / "tarred.py"
        source.write_text("NAME = 'from a tarball'\n")
        tarball.add(source, "tarred/__init__.py")
    out = python(env_dir, "import eryx\n"
                          "s = eryx.Sandbox(packages=['zipped-1.0-py3-none-any.whl', 'tarred-1.0.tar.gz'])\n"
                          "print(s.execute('import zipped, tarred; print(zipped.NAME, tarred.NAME)').stdout)")
    assert out == "from a wheel from a tarball\n\n"


def test_an_installed_guest_with_a_file_missing_fails_naming_it(env_dir):
    (guest,) = env_dir.glob("lib/python3*/site-packages/eryx/_guest")
    (guest / "eryx-snapshot.id").rename(env_dir / "eryx-snapshot.id")
    try:
        out = python(env_dir, "import eryx\ntry:\n    eryx.Sandbox().execute('pass')\n"
                              "except eryx.InitializationError as e:\n    print(e)")
    finally:
        (env_dir / "eryx-snapshot.id").rename(guest / "eryx-snapshot.id")
    assert f"incomplete guest directory {guest}: eryx-snapshot.id is missing" in out


def test_fuel_metered_code_runs_without_the_plain_images_metered_build(env_dir):
    # The wheel leaves eryx-snapshot-plain-metered.cwasm out: such executions use the asyncio image.
    out = python(env_dir, "import eryx\n"
                          "limits = eryx.ResourceLimits(max_fuel=10**10)\n"
                          "r = eryx.Sandbox(resource_limits=limits).execute('print(sum(range(10)))')\n"
                          "print(r.stdout, end='')\nprint(r.fuel_consumed > 0)")
    assert out == "45\nTrue\n"
