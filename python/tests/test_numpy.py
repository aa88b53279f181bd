"""numpy in the sandbox: the "numpy" guest flavour (docs/guide/packages.md)."""

import os

import pytest

import eryx

NUMPY_BUILT = os.path.exists(os.path.join(eryx._GUEST_DIR, "numpy", "eryx-snapshot.id"))
needs_numpy = pytest.mark.skipif(
    not NUMPY_BUILT,
    reason="the numpy guest flavour is not built (make NUMPY=1; `make test` builds it)",
)

SUM = "import numpy as np; print(np.arange(6).reshape(2, 3).sum())"


@needs_numpy
def test_sandbox_with_the_numpy_guest_computes_with_numpy():
    assert eryx.Sandbox(guest="numpy").execute(SUM).stdout == "15\n"


@needs_numpy
def test_session_keeps_arrays_between_executions():
    session = eryx.Session(guest="numpy")
    session.execute("import numpy as np; a = np.linspace(0, 1, 5)")
    assert session.execute("print(a.sum())").stdout == "2.5\n"


@needs_numpy
def test_factory_importing_numpy_runs_the_numpy_guest():
    factory = eryx.SandboxFactory(imports=["numpy"])
    assert factory.create_sandbox().execute(SUM).stdout == "15\n"


@needs_numpy
def test_factory_sandboxes_draw_different_global_random_numbers():
    factory = eryx.SandboxFactory(imports=["numpy.random"])
    draw = "import numpy as np; print(np.random.rand())"
    assert factory.create_sandbox().execute(draw).stdout != factory.create_sandbox().execute(draw).stdout


@needs_numpy
def test_an_array_past_the_memory_limit_is_a_memory_error():
    sandbox = eryx.Sandbox(guest="numpy")  # 128 MiB by default
    with pytest.raises((eryx.ExecutionError, eryx.ResourceLimitError)) as info:
        sandbox.execute("import numpy as np; np.zeros((1 << 14, 1 << 12))")  # 512 MiB
    if isinstance(info.value, eryx.ExecutionError):
        assert "MemoryError" in str(info.value)
    assert sandbox.execute(SUM).stdout == "15\n"


@needs_numpy
def test_markupsafe_escapes_with_its_compiled_speedups():
    result = eryx.Sandbox(guest="numpy").execute(
        "import markupsafe; print(markupsafe.escape('<a>'), markupsafe._escape_inner.__module__)"
    )
    assert result.stdout == "&lt;a&gt; markupsafe._speedups\n"


@needs_numpy
def test_long_dot_loop_times_out():
    sandbox = eryx.Sandbox(guest="numpy", resource_limits=eryx.ResourceLimits(execution_timeout_ms=1000))
    with pytest.raises(eryx.TimeoutError):
        sandbox.execute("import numpy as np\na = np.ones((300, 300))\nwhile True:\n    a.dot(a)\n")


def test_a_guest_flavour_that_was_not_built_is_an_initialization_error():
    with pytest.raises(eryx.InitializationError, match="'nosuchflavour' is not built"):
        eryx.Sandbox(guest="nosuchflavour")


@needs_numpy
def test_a_saved_numpy_factory_loads_into_the_numpy_guest(tmp_path):
    eryx.SandboxFactory(imports=["numpy"], setup_code="import numpy as np; a = np.ones(3)").save(tmp_path / "f")
    factory = eryx.SandboxFactory.load(tmp_path / "f", guest="numpy")
    assert factory.create_sandbox().execute("print(a.sum())").stdout == "3.0\n"


@needs_numpy
def test_a_numpy_session_snapshot_restores_into_the_numpy_guest():
    session = eryx.Session(guest="numpy")
    session.execute("import numpy as np; a = np.arange(4)")
    restored = eryx.Session.from_snapshot(session.snapshot(), guest="numpy")
    assert restored.execute("print(a.sum())").stdout == "6\n"
