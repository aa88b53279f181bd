"""eryx.Sandbox, as the seeds use it."""

import threading

import pytest

import eryx


def test_execute_returns_stdout(sandbox):
    assert sandbox.execute("print('Hello!')").stdout == "Hello!\n"


def test_guest_is_python_313_on_wasi(sandbox):
    assert sandbox.execute("import sys; print(sys.version_info[:2], sys.platform)").stdout == "(3, 13) wasi\n"


def test_result_fields(sandbox):
    result = sandbox.execute("x = sum(range(1000))")
    assert result.stdout == ""
    assert result.stderr == ""
    assert isinstance(result.duration_ms, float) and result.duration_ms > 0
    assert result.peak_memory_bytes > 1024 * 1024
    assert result.fuel_consumed is None
    assert result.callback_invocations == 0


def test_each_execute_starts_fresh(sandbox):
    sandbox.execute("x = 42")
    out = sandbox.execute("try:\n    print(x)\nexcept NameError:\n    print('x is not defined')").stdout
    assert out == "x is not defined\n"


def test_host_filesystem_is_not_accessible(sandbox):
    code = (
        "import os\ntry:\n    files = os.listdir('/etc')\n    print(f'Found {len(files)} files')\n"
        "except Exception as e:\n    print(f'Access blocked: {type(e).__name__}')"
    )
    assert sandbox.execute(code).stdout == "Access blocked: FileNotFoundError\n"


def test_python_exception_raises_execution_error(sandbox):
    try:
        sandbox.execute("raise ValueError('oops')")
    except eryx.ExecutionError as e:
        assert "ValueError: oops" in str(e)
        assert "Traceback" in str(e)
        assert e.type_name == "ValueError"
        assert e.message == "oops"
        assert isinstance(e, eryx.EryxError)
    else:
        raise AssertionError("expected ExecutionError")


def test_streaming_handlers_receive_output():
    seen_out, seen_err = [], []
    sandbox = eryx.Sandbox(on_stdout=seen_out.append, on_stderr=seen_err.append)
    result = sandbox.execute("import sys\nprint('a', flush=True)\nprint('b', file=sys.stderr, flush=True)")
    assert "".join(seen_out) == "a\n"
    assert "".join(seen_err) == "b\n"
    assert result.stdout == "a\n"


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_raising_output_handler_does_not_break_execution():
    def broken(_text):
        raise RuntimeError("handler failed")

    assert eryx.Sandbox(on_stdout=broken).execute("print('x')").stdout == "x\n"


def test_non_utf8_output_is_replaced_not_fatal(sandbox):
    assert sandbox.execute("import os; os.write(1, b'\\xff')").stdout == "\ufffd"


def test_code_with_lone_surrogate_is_refused(sandbox):
    try:
        sandbox.execute("x = '\ud800'")
    except eryx.InvalidArgumentError:
        pass
    else:
        raise AssertionError("expected InvalidArgumentError")


def test_code_with_nul_byte_is_refused(sandbox):
    try:
        sandbox.execute("print(1)\x00")
    except eryx.EryxError as e:
        assert "NUL" in str(e)
    else:
        raise AssertionError("expected EryxError")


def test_threads_share_one_sandbox():
    sandbox = eryx.Sandbox()
    outputs = [None] * 4

    def run(i):
        outputs[i] = sandbox.execute(f"print({i} * 10)").stdout

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outputs == [f"{i * 10}\n" for i in range(4)]


def test_result_variable_is_parsed_from_json(sandbox):
    result = sandbox.execute("result = {'total': sum(range(5)), 'items': [1, 'a', None]}")
    assert result.result == {"total": 10, "items": [1, "a", None]}
    assert result.result_json == '{"total": 10, "items": [1, "a", null]}'
    assert result.result_error is None


def test_unserialisable_result_sets_result_error(sandbox):
    result = sandbox.execute("result = {1, 2}")
    assert result.result is None
    assert "not JSON serializable" in result.result_error


def test_result_variable_name_is_configurable():
    assert eryx.Sandbox(result_variable="out").execute("out = [1]").result == [1]
    assert eryx.Sandbox(result_variable=None).execute("result = 1").result is None
