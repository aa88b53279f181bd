"""The host program misusing the Python API: wrong types, odd values, half-built objects."""

import pytest

from adv_harness import child


@child()
def test_negative_limits_are_refused_with_type_or_value_errors():
    for field in ("execution_timeout_ms", "callback_timeout_ms", "max_memory_bytes", "max_callback_invocations",
                  "max_fuel", "max_vfs_bytes", "max_output_bytes", "max_callback_payload_bytes"):
        raises((TypeError, ValueError, OverflowError), eryx.ResourceLimits, **{field: -1})


@child()
def test_limits_past_64_bits_are_refused():
    for field in ("execution_timeout_ms", "max_memory_bytes", "max_output_bytes"):
        raises((TypeError, ValueError, OverflowError), eryx.ResourceLimits, **{field: 2 ** 64})


@child()
def test_limit_attributes_refuse_wrong_types():
    lim = eryx.ResourceLimits()
    for value in ("1000", 1.5, [1], -3):
        def assign(value=value):
            lim.execution_timeout_ms = value
        raises((TypeError, ValueError), assign)
    assert lim.execution_timeout_ms == 30000


@child()
def test_maximal_execution_timeout_does_not_expire_at_once():
    year = 365 * 24 * 3600 * 1000
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=year))
    assert sandbox.execute("import time\ntime.sleep(0.1)\nprint('ok')").stdout == "ok\n"
    session = eryx.Session(resource_limits=limits(execution_timeout_ms=year))
    assert session.execute("print('ok')").stdout == "ok\n"
    raises(ValueError, lambda: limits(execution_timeout_ms=2 ** 64 - 1))


@child()
def test_the_largest_memory_limit_is_the_wasm32_ceiling():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=2 ** 32))
    usable(sandbox)
    raises(ValueError, lambda: limits(max_memory_bytes=2 ** 64 - 1))


@child()
def test_zero_memory_limit_is_a_typed_error_or_no_limit():
    try:
        eryx.Sandbox(resource_limits=limits(max_memory_bytes=0)).execute("print(1)")
    except eryx.EryxError:
        pass


@child()
def test_zero_timeouts_are_typed():
    try:
        eryx.Sandbox(resource_limits=limits(execution_timeout_ms=0)).execute("while True: pass")
    except eryx.TimeoutError:
        pass
    except eryx.InvalidArgumentError:
        pass


@child()
def test_execute_refuses_non_strings():
    sandbox = eryx.Sandbox()
    for code in (None, b"print(1)", 5, ["print(1)"], bytearray(b"1")):
        raises(TypeError, sandbox.execute, code)
    usable(sandbox)


@child()
def test_code_with_nul_or_lone_surrogates_is_invalid_argument():
    sandbox, session = eryx.Sandbox(), eryx.Session()
    for runner in (sandbox, session):
        for code in ("print(1)\x00", "x = '\ud800'", "\udcff"):
            raises(eryx.InvalidArgumentError, runner.execute, code)
        usable(runner)


@child()
def test_str_subclass_with_lying_dunders_runs_its_real_content():
    class Sneaky(str):
        def __str__(self):
            return "print('lie')"

        def encode(self, *a, **k):
            return b"print('lie')"

    assert eryx.Sandbox().execute(Sneaky("print('truth')")).stdout == "truth\n"


@child()
def test_result_variable_names_that_are_odd_are_typed_or_harmless():
    for name in ("", "not an identifier", "a\x00b", "\ud800", "__builtins__", "print"):
        try:
            result = eryx.Sandbox(result_variable=name).execute("print(1)")
            assert result.stdout == "1\n"
        except (eryx.InvalidArgumentError, ValueError, TypeError):
            pass


@child()
def test_result_variable_none_returns_no_result():
    result = eryx.Sandbox(result_variable=None).execute("result = 5")
    assert result.result is None and result.result_json is None


@child()
def test_wrong_option_types_are_type_errors():
    for kwargs in ({"callbacks": 5}, {"resource_limits": "x"}, {"result_variable": 5}):
        raises((TypeError, eryx.InvalidArgumentError), lambda kwargs=kwargs: eryx.Sandbox(**kwargs).execute("print(1)"))


@child()
def test_non_callable_output_handlers_are_type_errors():
    for kwargs in ({"on_stdout": 5}, {"on_stderr": "x"}):
        raises(TypeError, lambda kwargs=kwargs: eryx.Sandbox(**kwargs).execute("print(1)"))


@child()
def test_positional_and_unknown_arguments_are_type_errors():
    raises(TypeError, eryx.Sandbox, eryx.ResourceLimits())
    raises(TypeError, eryx.Session, no_such_option=1)
    raises(TypeError, eryx.SandboxFactory, "json")


@child()
def test_uninitialised_objects_raise_instead_of_crashing():
    for cls, call in ((eryx.Sandbox, lambda o: o.execute("1")), (eryx.Session, lambda o: o.snapshot()),
                      (eryx.Session, lambda o: o.execute("1")), (eryx.SandboxFactory, lambda o: o.create_sandbox()),
                      (eryx.SandboxFactory, lambda o: o.to_bytes()), (eryx.ExecuteResult, lambda o: o.stdout),
                      (eryx.ResourceLimits, lambda o: o.max_fuel)):
        try:
            obj = cls.__new__(cls)
        except TypeError:
            continue
        raises((TypeError, RuntimeError, eryx.EryxError), call, obj)


@child()
def test_calling_init_twice_does_not_crash():
    for obj in (eryx.Sandbox(), eryx.Session(), eryx.ResourceLimits()):
        try:
            obj.__init__()
        except (TypeError, RuntimeError):
            pass
    sandbox = eryx.Sandbox()
    try:
        sandbox.__init__()
    except (TypeError, RuntimeError):
        pass
    usable(sandbox)


@child()
def test_execute_result_cannot_be_constructed_directly():
    raises(TypeError, eryx.ExecuteResult)


@child()
def test_pickling_and_copying_runners_is_refused():
    import copy

    for obj in (eryx.Sandbox(), eryx.Session(), eryx.SandboxFactory()):
        raises((TypeError, pickle.PicklingError), pickle.dumps, obj)
        try:
            copy.deepcopy(obj)
        except (TypeError, pickle.PicklingError):
            pass


@child()
def test_session_state_methods_refuse_wrong_types():
    session = eryx.Session()
    for value in ("text", None, 5, memoryview(b"x")):
        try:
            session.restore_state(value)
        except (TypeError, eryx.EryxError):
            continue
        raise AssertionError(f"restore_state({value!r}) accepted")
    raises(TypeError, eryx.Session.from_snapshot, "text")
    raises(TypeError, eryx.SandboxFactory.from_bytes, None)
    usable(session)


@child()
def test_session_timeout_property_refuses_wrong_values():
    session = eryx.Session()
    for value in (-5, "1", 2 ** 64):
        def assign(value=value):
            session.execution_timeout_ms = value
        raises((TypeError, ValueError, OverflowError), assign)
    session.execution_timeout_ms = None
    assert session.execution_timeout_ms is None
    usable(session)


@child()
def test_factory_refuses_missing_and_malformed_packages():
    tmp = pathlib.Path(tempfile.mkdtemp())
    (tmp / "src.tar.gz").write_bytes(b"\x1f\x8b")
    (tmp / "pkg.egg").write_bytes(b"PK\x03\x04")
    # (a directory is a package too: docs/guide/packages.md)
    for packages in ([str(tmp / "missing.whl")], [str(tmp / "src.tar.gz")], [str(tmp / "pkg.egg")]):
        raises(eryx.EryxError, eryx.SandboxFactory, packages=packages)


@child()
def test_factory_refuses_a_wheel_that_is_not_a_zip():
    path = pathlib.Path(tempfile.mkdtemp()) / "junk-1.0-py3-none-any.whl"
    path.write_bytes(b"not a zip")
    raises(eryx.EryxError, eryx.SandboxFactory, packages=[str(path)])


@child()
def test_factory_refuses_a_wheel_whose_zip_lies_about_sizes():
    tmp = pathlib.Path(tempfile.mkdtemp())
    wheel = make_wheel(tmp, "liar", {"liar/__init__.py": "X = 1\n" * 1000})
    data = bytearray(wheel.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size
    wheel.write_bytes(bytes(data))
    try:
        factory = eryx.SandboxFactory(packages=[str(wheel)])
    except eryx.EryxError:
        return
    sandbox = factory.create_sandbox()
    try:
        sandbox.execute("import liar")
    except eryx.ExecutionError:
        pass
    usable(sandbox)


@child()
def test_factory_import_of_a_missing_module_is_typed():
    raises(eryx.EryxError, eryx.SandboxFactory, imports=["no_such_module_anywhere"])


@child()
def test_factory_import_names_cannot_inject_code():
    for name in ("os; open('/tmp/x','w')", "json\nimport sys", "", "a\x00b", "..", "__import__('os')"):
        try:
            factory = eryx.SandboxFactory(imports=[name])
        except (eryx.EryxError, ValueError, TypeError):
            continue
        out = factory.create_sandbox().execute("import os\nprint(os.listdir('/tmp'))").stdout
        assert out == "[]\n", (name, out)


@child()
def test_factory_import_that_raises_is_typed():
    wheel = make_wheel(tempfile.mkdtemp(), "boom", {"boom/__init__.py": "raise RuntimeError('at import')\n"})
    raises(eryx.EryxError, eryx.SandboxFactory, packages=[str(wheel)], imports=["boom"])


@child()
def test_factory_import_that_exits_is_typed():
    wheel = make_wheel(tempfile.mkdtemp(), "bye", {"bye/__init__.py": "import os\nos._exit(4)\n"})
    raises(eryx.EryxError, eryx.SandboxFactory, packages=[str(wheel)], imports=["bye"])


@child()
def test_factory_import_leaving_files_open_is_refused():
    wheel = make_wheel(tempfile.mkdtemp(), "holder", {"holder/__init__.py": "f = open('/tmp/held', 'w')\n"})
    raises(eryx.EryxError, eryx.SandboxFactory, packages=[str(wheel)], imports=["holder"])


@child()
def test_site_packages_symlinks_to_host_files_are_not_followed():
    tmp = pathlib.Path(tempfile.mkdtemp())
    (tmp / "pkg").mkdir()
    (tmp / "pkg" / "__init__.py").write_text("X = 1\n")
    (tmp / "pkg" / "secret.txt").symlink_to("/etc/hostname")
    (tmp / "etc_link").symlink_to("/etc")
    try:
        factory = eryx.SandboxFactory(site_packages=str(tmp))
    except eryx.EryxError:
        return
    out = factory.create_sandbox().execute(
        "import os\nroot = '/usr/local/lib/eryx-site-packages'\nprint(sorted(os.listdir(root)), "
        "os.path.exists(root + '/pkg/secret.txt'))").stdout
    assert out == "['pkg'] False\n", out


@child()
def test_site_packages_that_is_a_file_or_missing_is_typed():
    tmp = pathlib.Path(tempfile.mkdtemp())
    (tmp / "file").write_text("x")
    for path in (tmp / "file", tmp / "missing"):
        raises(eryx.EryxError, eryx.SandboxFactory, site_packages=str(path))


@child()
def test_factory_save_to_impossible_paths_is_typed():
    factory = eryx.SandboxFactory()
    for path in ("/nonexistent-dir/f.bin", "/proc/version"):
        raises(eryx.EryxError, factory.save, path)


@child()
def test_factory_save_to_a_directory_is_typed_and_leaves_nothing():
    target = tempfile.mkdtemp()
    raises(eryx.EryxError, eryx.SandboxFactory().save, target)
    assert not os.path.exists(target + ".tmp")


@child()
def test_factory_load_of_missing_and_empty_files_is_typed():
    tmp = pathlib.Path(tempfile.mkdtemp())
    (tmp / "empty").write_bytes(b"")
    for path in (tmp / "missing", tmp / "empty"):
        raises(eryx.EryxError, eryx.SandboxFactory.load, str(path))


@child()
def test_factory_load_of_a_directory_is_typed():
    raises(eryx.EryxError, eryx.SandboxFactory.load, tempfile.mkdtemp())


@child()
def test_registry_misuse_is_refused():
    registry = eryx.CallbackRegistry()
    raises(TypeError, registry.add, 5)
    raises(TypeError, registry.add, 5, name="five")
    raises((TypeError, ValueError), registry.add, lambda: 1, name=5)
    raises(TypeError, registry.add, lambda: 1, name="s", schema="not a dict")
    assert len(registry) == 0


@child()
def test_callback_with_unsupported_annotations_still_registers_or_refuses_cleanly():
    registry = eryx.CallbackRegistry()

    class Custom:
        pass

    def f(a: Custom, *args, b: "Undefined" = None):  # noqa: F821
        return 1

    try:
        registry.add(f)
    except (TypeError, ValueError, eryx.InvalidArgumentError):
        return
    out = eryx.Sandbox(callbacks=registry).execute("try:\n    print(await f(1))\nexcept CallbackError as e:\n    print(e.kind)").stdout
    assert out in ("1\n", "invalid_arguments\n"), out


@child()
def test_mutating_the_registry_after_building_a_sandbox_does_not_affect_it():
    registry = eryx.CallbackRegistry()
    registry.add(lambda: "first", name="one")
    sandbox = eryx.Sandbox(callbacks=registry)
    registry.add(lambda: "second", name="two")
    out = sandbox.execute("print([c['name'] for c in list_callbacks()])").stdout
    assert out == "['one']\n", out


@child()
def test_callback_list_with_missing_keys_is_refused():
    for entry in ({}, {"name": "x"}, {"fn": lambda: 1, "name": None}, "not a dict"):
        raises((TypeError, ValueError, KeyError, eryx.InvalidArgumentError), eryx.Sandbox, callbacks=[entry])


@child()
def test_execute_result_survives_its_sandbox():
    result = eryx.Sandbox().execute("print('kept')\nresult = [1, 2]")
    gc.collect()
    assert result.stdout == "kept\n" and result.result == [1, 2]


@child()
def test_output_handler_that_drops_the_last_reference_to_its_runner():
    holder = {"s": None}

    def handler(text):
        holder["s"] = None
        gc.collect()

    holder["s"] = sandbox = eryx.Sandbox(on_stdout=handler)
    del sandbox
    runner = holder["s"]
    assert runner.execute("print('x', flush=True)").stdout == "x\n"
