"""eryx.SandboxFactory, as the seeds use it."""

import zipfile
from pathlib import Path

import pytest

import eryx


def make_wheel(path: Path) -> Path:
    """A minimal pure-Python wheel with one package."""
    wheel = path / "greeter-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("greeter/__init__.py", "def greet(name):\n    return f'Hello {name}'\n")
        z.writestr("greeter-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: greeter\nVersion: 1.0\n")
        z.writestr("greeter-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        z.writestr("greeter-1.0.dist-info/RECORD", "")
    return wheel


def test_factory_creates_working_sandboxes():
    factory = eryx.SandboxFactory()
    assert factory.size_bytes >= 0
    for i in range(3):
        sandbox = factory.create_sandbox()
        assert isinstance(sandbox, eryx.Sandbox)
        assert sandbox.execute(f"print('sandbox {i}')").stdout == f"sandbox {i}\n"


def test_factory_with_a_wheel_and_imports(tmp_path):
    factory = eryx.SandboxFactory(packages=[str(make_wheel(tmp_path))], imports=["greeter"])
    sandbox = factory.create_sandbox()
    out = sandbox.execute("import sys\nfrom greeter import greet\nprint(greet('World'), 'greeter' in sys.modules)")
    assert out.stdout == "Hello World True\n"


def test_create_sandbox_takes_sandbox_options():
    factory = eryx.SandboxFactory(imports=["json"])
    sandbox = factory.create_sandbox(resource_limits=eryx.ResourceLimits(execution_timeout_ms=200))
    with pytest.raises(eryx.TimeoutError):
        sandbox.execute("while True: pass")


def test_save_and_load(tmp_path):
    factory = eryx.SandboxFactory(imports=["graphlib"])
    factory.save(tmp_path / "factory.bin")
    loaded = eryx.SandboxFactory.load(tmp_path / "factory.bin")
    assert loaded.create_sandbox().execute("import sys\nprint('graphlib' in sys.modules)").stdout == "True\n"
    again = eryx.SandboxFactory.from_bytes(factory.to_bytes())
    assert again.size_bytes == factory.size_bytes


def test_corrupt_factory_file_raises_eryx_error(tmp_path):
    data = bytearray(eryx.SandboxFactory(imports=["json"]).to_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "bad.bin").write_bytes(bytes(data))
    with pytest.raises(eryx.EryxError):
        eryx.SandboxFactory.load(tmp_path / "bad.bin")
    with pytest.raises(eryx.EryxError):
        eryx.SandboxFactory.from_bytes(b"not a factory")


def test_failing_import_raises_initialization_error():
    with pytest.raises(eryx.InitializationError):
        eryx.SandboxFactory(imports=["does_not_exist_anywhere"])


def test_setup_code_objects_are_in_every_sandboxs_globals():
    factory = eryx.SandboxFactory(setup_code="counter = [0]\n")
    sandbox = factory.create_sandbox()
    assert sandbox.execute("counter[0] += 1\nprint(counter)").stdout == "[1]\n"
    assert sandbox.execute("print(counter)").stdout == "[0]\n"  # each run from the factory's state


def test_failing_setup_code_raises_initialization_error_with_its_traceback():
    with pytest.raises(eryx.InitializationError, match="(?s)setup_code failed.*ZeroDivisionError"):
        eryx.SandboxFactory(setup_code="1 / 0")


def test_setup_code_must_be_a_str():
    with pytest.raises(TypeError):
        eryx.SandboxFactory(setup_code=b"x = 1")


def test_a_factory_session_starts_from_the_factory_state_and_keeps_its_own():
    factory = eryx.SandboxFactory(imports=["colorsys"], setup_code="base = 40\n")
    session = factory.create_session()
    assert isinstance(session, eryx.Session)
    assert session.execute("import sys\nprint('colorsys' in sys.modules, base)").stdout == "True 40\n"
    session.execute("base += 2")
    assert session.execute("print(base)").stdout == "42\n"
    session.reset()
    assert session.execute("print(base)").stdout == "40\n"
    assert factory.create_session().execute("print(base)").stdout == "40\n"


def test_a_factory_session_takes_the_session_options():
    factory = eryx.SandboxFactory()
    storage = eryx.VfsStorage()
    session = factory.create_session(vfs=storage, execution_timeout_ms=50)
    session.execute("open('/data/f', 'w').write('x')")
    assert storage.read_file("/f") == b"x"
    with pytest.raises(eryx.TimeoutError):
        session.execute("while True: pass")
