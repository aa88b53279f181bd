"""ResourceLimits and ExecuteResult behave as values; bytes-like arguments; pyeryx's spellings."""

import array
import copy
import pickle

import pytest

import eryx


# ---- ResourceLimits ----------------------------------------------------------------------------


def test_limits_with_the_same_fields_are_equal():
    assert eryx.ResourceLimits(max_fuel=5) == eryx.ResourceLimits(max_fuel=5)


def test_limits_with_different_fields_are_not_equal():
    assert eryx.ResourceLimits(max_fuel=5) != eryx.ResourceLimits(max_fuel=6)
    assert eryx.ResourceLimits() != "ResourceLimits()"


def test_limits_are_mutable_so_not_hashable():
    with pytest.raises(TypeError):
        hash(eryx.ResourceLimits())


def test_a_copy_of_limits_is_independent():
    limits = eryx.ResourceLimits(execution_timeout_ms=5)
    for duplicate in (copy.copy(limits), copy.deepcopy(limits)):
        assert duplicate == limits
        duplicate.execution_timeout_ms = 7
        assert limits.execution_timeout_ms == 5


def test_limits_survive_pickling_with_every_field():
    limits = eryx.ResourceLimits(execution_timeout_ms=None, callback_timeout_ms=3, max_memory_bytes=2**30,
                                 max_callback_invocations=None, max_fuel=10**9, max_vfs_bytes=1024,
                                 max_output_bytes=99, max_callback_payload_bytes=77)
    restored = pickle.loads(pickle.dumps(limits))
    assert restored == limits
    assert repr(restored) == repr(limits)


def test_unpickling_checks_the_limits_again():
    blank = eryx.ResourceLimits.__new__(eryx.ResourceLimits)  # what unpickling starts from
    with pytest.raises(eryx.InvalidArgumentError, match="execution_timeout_ms"):
        blank.__setstate__((0, None, None, None, None, None, 1, 1))


def test_unpickling_refuses_a_state_of_the_wrong_shape():
    with pytest.raises(TypeError):
        eryx.ResourceLimits.__new__(eryx.ResourceLimits).__setstate__((1, 2))


# ---- ExecuteResult -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result():
    return eryx.Sandbox().execute("print('out')\nimport sys\nprint('err', file=sys.stderr)\nresult = {'a': [1]}")


def test_stdout_text_and_stderr_text_are_the_decoded_output(result):
    assert result.stdout_text == result.stdout == "out\n"
    assert result.stderr_text == result.stderr == "err\n"


def test_a_result_survives_pickling(result):
    restored = pickle.loads(pickle.dumps(result))
    assert restored == result
    assert (restored.stdout, restored.result, restored.duration_ms, restored.peak_memory_bytes) == (
        result.stdout, result.result, result.duration_ms, result.peak_memory_bytes)


def test_a_copied_result_equals_the_original(result):
    assert copy.copy(result) == result and copy.deepcopy(result) == result


def test_results_of_different_runs_are_not_equal(result):
    assert eryx.Sandbox().execute("print('other')") != result


# ---- bytes-like arguments ----------------------------------------------------------------------


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview, lambda b: array.array("B", b)])
def test_vfs_storage_takes_any_bytes_like_data(wrap):
    storage = eryx.VfsStorage()
    storage.write_file("/f", wrap(b"data"))
    assert storage.read_file("/f") == b"data"
    snapshot = storage.snapshot()
    other = eryx.VfsStorage()
    other.restore(wrap(snapshot))
    assert other.read_file("/f") == b"data"


def test_a_str_is_not_bytes_like():
    with pytest.raises(TypeError):
        eryx.VfsStorage().write_file("/f", "text")


def test_a_non_contiguous_buffer_is_refused():
    with pytest.raises(TypeError):
        eryx.VfsStorage().write_file("/f", memoryview(b"abcdef")[::2])


@pytest.mark.parametrize("wrap", [bytearray, memoryview])
def test_session_snapshots_restore_from_bytes_like_data(wrap):
    session = eryx.Session()
    session.execute("x = 41")
    restored = eryx.Session.from_snapshot(wrap(session.snapshot()))
    assert restored.execute("print(x + 1)").stdout == "42\n"
    state = session.snapshot_state()
    fresh = eryx.Session()
    fresh.restore_state(wrap(state))
    assert fresh.execute("print(x)").stdout == "41\n"


def test_a_factory_loads_from_a_bytearray():
    factory = eryx.SandboxFactory(imports=["json"])
    clone = eryx.SandboxFactory.from_bytes(bytearray(factory.to_bytes()))
    assert clone.create_sandbox().execute("import sys\nprint('json' in sys.modules)").stdout == "True\n"


def test_a_bytearray_cannot_be_resized_while_the_call_holds_it():
    # The buffer is held for the call; afterwards the bytearray is free again.
    data = bytearray(b"x" * 10)
    eryx.VfsStorage().write_file("/f", data)
    data.extend(b"more")
    assert len(data) == 14


# ---- pyeryx spellings and checks ---------------------------------------------------------------


def test_session_takes_execution_timeout_ms_as_pyeryx_does():
    session = eryx.Session(execution_timeout_ms=1234)
    assert session.execution_timeout_ms == 1234
    with pytest.raises(eryx.TimeoutError):
        eryx.Session(execution_timeout_ms=50).execute("while True: pass")


def test_session_execution_timeout_ms_overrides_the_limits():
    limits = eryx.ResourceLimits(execution_timeout_ms=9999)
    assert eryx.Session(resource_limits=limits, execution_timeout_ms=10).execution_timeout_ms == 10
    assert eryx.Session(resource_limits=limits).execution_timeout_ms == 9999


@pytest.mark.parametrize("bad", [0, -1, "10"])
def test_a_bad_session_execution_timeout_names_the_argument(bad):
    with pytest.raises((eryx.InvalidArgumentError, TypeError), match="execution_timeout_ms"):
        eryx.Session(execution_timeout_ms=bad)


@pytest.mark.parametrize("name", ["1x", "a b", "a-b", "a.b"])
def test_a_result_variable_that_is_not_an_identifier_is_refused(name):
    for make in (eryx.Sandbox, eryx.Session):
        with pytest.raises(eryx.InvalidArgumentError, match="result_variable"):
            make(result_variable=name)


def test_a_session_result_is_consumed_by_each_execution():
    session = eryx.Session()
    assert session.execute("result = 1").result == 1
    assert session.execute("pass").result is None
    assert session.execute("result = 2").result == 2


# ---- arguments named in errors -----------------------------------------------------------------


@pytest.mark.parametrize("make, name", [
    (lambda: eryx.Sandbox(bogus=1), "Sandbox"),
    (lambda: eryx.Session(bogus=1), "Session"),
    (lambda: eryx.SandboxFactory(bogus=1), "SandboxFactory"),
    (lambda: eryx.SandboxFactory().create_sandbox(bogus=1), "SandboxFactory.create_sandbox"),
    (lambda: eryx.ResourceLimits(bogus=1), "ResourceLimits"),
    (lambda: eryx.NetConfig(bogus=1), "NetConfig"),
])
def test_an_unknown_keyword_is_named_as_python_names_it(make, name):
    with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'bogus' \(it takes: "):
        make()


def test_the_error_for_an_unknown_keyword_lists_what_is_accepted():
    with pytest.raises(TypeError, match="execution_timeout_ms"):
        eryx.ResourceLimits(timeout=1)


def test_a_positional_argument_where_only_keywords_are_taken_says_so():
    with pytest.raises(TypeError, match=r"Sandbox\(\) takes keyword arguments only"):
        eryx.Sandbox(eryx.ResourceLimits())


def test_a_non_callable_output_handler_is_named():
    with pytest.raises(TypeError, match="on_stdout"):
        eryx.Sandbox(on_stdout=3)


def test_wrapped_constructors_still_make_instances_of_the_public_classes():
    assert type(eryx.ResourceLimits()) is eryx.ResourceLimits
    assert isinstance(eryx.Sandbox(), eryx.Sandbox) and isinstance(eryx.Session(), eryx.Session)
    assert eryx.ResourceLimits.__init__.__name__ == "__init__"


def test_the_version_is_the_installed_distributions():
    import importlib.metadata

    assert eryx.__version__ == importlib.metadata.version("eryx")
    assert eryx.__version__.count(".") == 2


def test_every_public_class_and_method_has_a_docstring():
    import inspect

    missing = []
    for name in eryx.__all__:
        cls = getattr(eryx, name)
        if not inspect.isclass(cls) or issubclass(cls, BaseException):
            continue
        if not (cls.__doc__ or "").strip():
            missing.append(name)
        for attr, value in vars(cls).items():
            if (attr.startswith("_") and attr != "__init__") or isinstance(value, property):
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            text = [line for line in (getattr(value, "__doc__", None) or "").splitlines()
                    if line.strip() and not line.startswith((attr + "(", "def ", "("))]
            if not text and callable(value):
                missing.append(f"{name}.{attr}")
    assert not missing, missing
