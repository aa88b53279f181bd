"""The built-in snapshot images (src/engine/image_modules.h): the common stdlib comes imported, a
fresh Sandbox execution gets a plain image or one with asyncio, and neither shows: modules behave as
if the sandbox imported them, and asyncio, top-level await and callbacks work from every entry."""

import datetime
import time

import pytest

import eryx

# Names asyncio without the code mentioning it (which would pick the asyncio image).
ASYNCIO_LOADED = "import sys\nprint('asyn' + 'cio' in sys.modules)"
AWAIT_CODE = "import asyncio\nawait asyncio.sleep(0)\nprint('awaited')"
ASYNCIO_RUN_CODE = (
    "import asyncio\nasync def main():\n    await asyncio.sleep(0)\n    return 5\n"
    "print(asyncio.run(main()))"
)


def make_registry():
    registry = eryx.CallbackRegistry()

    @registry.callback(description="Adds two numbers")
    def add(a: int, b: int) -> int:
        return a + b

    return registry


def run(code, **options):
    return eryx.Sandbox(**options).execute(code).stdout


def test_common_stdlib_is_in_the_image():
    out = run("import sys\nprint(all(m in sys.modules for m in ('dataclasses', 'typing', 'datetime')))")
    assert out == "True\n"


def test_code_without_asyncio_gets_the_plain_image():
    assert run(ASYNCIO_LOADED) == "False\n"


def test_random_differs_between_fresh_sandboxes():
    draw = "import random\nprint(random.getrandbits(64))"
    assert run(draw) != run(draw)


def test_random_differs_between_fresh_sandboxes_of_the_asyncio_image():
    draw = "import random\nprint(random.getrandbits(64))  # async"
    assert run(draw) != run(draw)


def test_random_differs_between_sessions():
    draw = "import random\nprint(random.getrandbits(64))"
    assert eryx.Session().execute(draw).stdout != eryx.Session().execute(draw).stdout


def test_seeded_random_is_reproducible():
    draw = "import random\nrandom.seed(3)\nprint(random.random())"
    assert run(draw) == run(draw)


def test_uuid4_differs_between_fresh_sandboxes():
    draw = "import uuid\nprint(uuid.uuid4())"
    assert run(draw) != run(draw)


def test_tempfile_names_differ_between_fresh_sandboxes():
    draw = "import tempfile\nprint(tempfile.mktemp())"
    assert run(draw) != run(draw)


def test_datetime_now_is_current():
    guest = float(run("import datetime\nprint(datetime.datetime.now(datetime.timezone.utc).timestamp())"))
    assert abs(guest - time.time()) < 60


def test_time_is_current():
    guest = float(run("import time\nprint(time.time())"))
    assert abs(guest - time.time()) < 60


@pytest.mark.parametrize("comment", ["", "  # async"])
def test_logging_times_count_from_the_sandbox_start(comment):
    code = "import logging\nprint(logging.LogRecord('n', 20, 'p', 1, 'm', None, None).relativeCreated)"
    assert 0 <= float(run(code + comment)) < 60000


def test_asyncio_imported_by_plain_image_code_works():
    code = (
        "m = __import__('asyn' + 'cio')\n"
        "ns = {}\n"
        "exec('asy' + 'nc def f():\\n    aw' + 'ait m.sleep(0)\\n    return 7', {'m': m}, ns)\n"
        "print(m.run(ns['f']()))"
    )
    assert run(code) == "7\n"


def test_main_namespace_is_the_same_in_both_images():
    assert run("print(sorted(globals()))") == run("print(sorted(globals()))  # async")


ENTRIES = {
    "sandbox": lambda **kw: eryx.Sandbox(**kw),
    "session": lambda **kw: eryx.Session(**kw),
    "factory sandbox": lambda **kw: eryx.SandboxFactory(imports=["json"]).create_sandbox(**kw),
    "factory session": lambda **kw: eryx.SandboxFactory(imports=["json"]).create_session(**kw),
    "fork": lambda **kw: eryx.Session(**kw).fork(),
    "session snapshot": lambda **kw: eryx.Session.from_snapshot(eryx.Session(**kw).snapshot(), **kw),
}


@pytest.mark.parametrize("entry", ENTRIES)
def test_top_level_await_works_from_every_entry(entry):
    assert ENTRIES[entry]().execute(AWAIT_CODE).stdout == "awaited\n"


@pytest.mark.parametrize("entry", ENTRIES)
def test_asyncio_run_works_from_every_entry(entry):
    assert ENTRIES[entry]().execute(ASYNCIO_RUN_CODE).stdout == "5\n"


@pytest.mark.parametrize("entry", ENTRIES)
def test_callbacks_work_from_every_entry(entry):
    target = ENTRIES[entry](callbacks=make_registry())
    assert target.execute("print(await add(2, 3))").stdout == "5\n"


@pytest.mark.parametrize("entry", ENTRIES)
def test_random_differs_from_every_entry(entry):
    draw = "import random\nprint(random.getrandbits(64))"
    assert ENTRIES[entry]().execute(draw).stdout != ENTRIES[entry]().execute(draw).stdout
