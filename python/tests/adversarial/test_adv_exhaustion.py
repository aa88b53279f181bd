"""Exhausting CPU, memory, output and fuel: every limit ends the execution with its typed error."""

import pytest

from adv_harness import child


@child()
def test_busy_loop_times_out_promptly_and_sandbox_survives():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=300))
    with within(3):
        raises(eryx.TimeoutError, sandbox.execute, "while True: pass")
    usable(sandbox)


@child()
def test_timeout_of_one_millisecond_ends_a_busy_loop():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=1))
    with within(3):
        raises(eryx.TimeoutError, sandbox.execute, "while True: pass")


@child()
def test_huge_power_is_cut_by_the_timeout():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=500))
    with within(4):
        raises(eryx.TimeoutError, sandbox.execute, "x = 10 ** (10 ** 10)")


@child()
def test_catastrophic_regex_is_cut_by_the_timeout():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=500))
    with within(4):
        raises(eryx.TimeoutError, sandbox.execute, "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')")


@child()
def test_timeout_holds_while_the_guest_sleeps_in_asyncio():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=300))
    with within(3):
        raises(eryx.TimeoutError, sandbox.execute, "import asyncio\nawait asyncio.sleep(60)")


@child()
def test_timeout_holds_inside_a_busy_finally_block():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=300))
    with within(3):
        raises(eryx.TimeoutError, sandbox.execute, "try:\n    while True: pass\nfinally:\n    while True: pass")


@child()
def test_timeout_cannot_be_swallowed_by_a_bare_except():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=300))
    code = "while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass"
    with within(3):
        raises(eryx.TimeoutError, sandbox.execute, code)


@child(timeout=60)
def test_a_hundred_timeouts_in_a_row_leave_memory_flat():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=20))
    for _ in range(10):
        raises(eryx.TimeoutError, sandbox.execute, "while True: pass")
    before = rss_bytes()
    for _ in range(100):
        raises(eryx.TimeoutError, sandbox.execute, "while True: pass")
    assert rss_bytes() - before < 64 << 20, (before, rss_bytes())
    usable(sandbox)


@child()
def test_large_allocation_over_the_limit_is_resource_limit_error():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    raises(eryx.ResourceLimitError, sandbox.execute, "b = bytearray(1 << 30)")
    usable(sandbox)


@child()
def test_gradual_growth_over_the_limit_is_resource_limit_error():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    with within(20):
        raises(eryx.ResourceLimitError, sandbox.execute, "x = []\nwhile True:\n    x.append(' ' * 100000)")
    usable(sandbox)


@child()
def test_many_small_objects_over_the_limit_are_resource_limit_error():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=48 << 20))
    with within(30):
        raises(eryx.ResourceLimitError, sandbox.execute, "x = {}\ni = 0\nwhile True:\n    x[i] = (i,)\n    i += 1")


@child()
def test_memory_error_can_be_caught_and_work_continues():
    out = guest("try:\n    b = bytearray(1 << 30)\nexcept MemoryError:\n    print('caught')\nprint(sum(range(10)))",
                resource_limits=limits(max_memory_bytes=64 << 20))
    assert out == "caught\n45\n"


@child()
def test_impossible_sizes_raise_inside_the_guest():
    code = ("for make in (lambda: bytes(2 ** 62), lambda: 'a' * (2 ** 62), lambda: [0] * (2 ** 61)):\n"
            "    try:\n        make()\n    except (MemoryError, OverflowError) as e:\n        print(type(e).__name__)")
    out = guest(code, resource_limits=limits(max_memory_bytes=64 << 20))
    assert len(out.splitlines()) == 3, out


@child()
def test_unlimited_memory_still_stops_at_the_wasm32_ceiling():
    sandbox = eryx.Sandbox(resource_limits=eryx.ResourceLimits.unlimited())
    out = sandbox.execute("try:\n    b = bytearray(5 << 30)\nexcept (MemoryError, OverflowError):\n    print('refused')").stdout
    assert out == "refused\n"


@child()
def test_memory_limit_errors_repeat_on_a_session_and_keep_it_usable():
    session = eryx.Session(resource_limits=limits(max_memory_bytes=64 << 20))
    for _ in range(5):
        raises(eryx.ResourceLimitError, session.execute, "b = bytearray(1 << 30)")
    usable(session)


@child()
def test_limit_below_the_interpreter_size_is_a_typed_error():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=1 << 20))
    raises(eryx.EryxError, sandbox.execute, "print(1)")
    raises(eryx.EryxError, lambda: eryx.Session(resource_limits=limits(max_memory_bytes=1 << 20)).execute("1"))


@child()
def test_raised_memory_error_under_a_limit_is_an_execution_error():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    raises(eryx.ExecutionError, sandbox.execute, "raise MemoryError('mine')", type_name="MemoryError")


@child()
def test_deep_recursion_under_a_small_memory_limit_is_clean():
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=24 << 20))
    try:
        sandbox.execute("import sys\nsys.setrecursionlimit(100000)\ndef f(n):\n    return f(n + 1)\nf(0)")
    except eryx.ResourceLimitError:
        pass
    except eryx.ExecutionError as e:
        assert e.type_name in ("RecursionError", "MemoryError"), (e.type_name, str(e)[-1000:])
    else:
        raise AssertionError("no error")
    usable(sandbox)


@child()
def test_deeply_nested_source_is_a_syntax_level_error():
    sandbox = eryx.Sandbox()
    for code in ("(" * 100000 + ")" * 100000, "x = " + "[" * 100000 + "]" * 100000, "-" * 1000000 + "1"):
        e = raises(eryx.ExecutionError, sandbox.execute, code)
        assert e.type_name in ("SyntaxError", "RecursionError", "MemoryError"), e.type_name
    usable(sandbox)


@child()
def test_deeply_nested_eval_inside_the_guest_is_caught():
    code = ("try:\n    eval('(' * 100000 + ')' * 100000)\nexcept (SyntaxError, RecursionError, MemoryError) as e:\n"
            "    print('caught')")
    assert guest(code) == "caught\n"


@child()
def test_million_line_source_runs_or_hits_the_memory_limit():
    sandbox = eryx.Sandbox()
    try:
        result = sandbox.execute("x = 0\n" + "x += 1\n" * 1_000_000 + "print(x)")
        assert result.stdout == "1000000\n"
    except eryx.ResourceLimitError:
        pass
    usable(sandbox)


@child()
def test_int_string_conversion_limit_holds():
    code = "try:\n    str(10 ** 100000)\nexcept ValueError:\n    print('limited')"
    assert guest(code) == "limited\n"


@child()
def test_stdout_flood_is_capped_and_host_memory_stays_bounded():
    before = rss_bytes()
    result = eryx.Sandbox().execute("import sys\nfor _ in range(100):\n    sys.stdout.write('x' * (1 << 20))")
    assert result.stdout_truncated and len(result.stdout) == 1 << 20
    assert rss_bytes() - before < 100 << 20


@child()
def test_stderr_flood_is_capped():
    result = eryx.Sandbox().execute("import sys\nfor _ in range(50):\n    sys.stderr.write('e' * (1 << 20))")
    assert result.stderr_truncated and len(result.stderr) == 1 << 20 and not result.stdout_truncated


@child()
def test_streaming_handler_sees_the_whole_flood():
    seen = [0]

    def count(text):
        seen[0] += len(text)

    result = eryx.Sandbox(on_stdout=count).execute("import sys\nfor _ in range(8):\n    sys.stdout.write('z' * (1 << 20))")
    assert seen[0] == 8 << 20 and result.stdout_truncated


@child()
def test_zero_output_cap_keeps_nothing_and_flags_it():
    result = eryx.Sandbox(resource_limits=limits(max_output_bytes=0)).execute("print('hidden')")
    assert result.stdout == "" and result.stdout_truncated


@child()
def test_output_cap_cuts_inside_a_multibyte_character_safely():
    result = eryx.Sandbox(resource_limits=limits(max_output_bytes=4)).execute("print('ééé')")
    assert result.stdout_truncated
    assert result.stdout in ("éé", "é", "é\ufffd", "éé")


@child()
def test_fuel_exhaustion_is_resource_limit_error_and_deterministic():
    sandbox = eryx.Sandbox(resource_limits=limits(max_fuel=50_000_000))
    raises(eryx.ResourceLimitError, sandbox.execute, "while True: pass")
    a = sandbox.execute("sum(range(1000))").fuel_consumed
    b = sandbox.execute("sum(range(1000))").fuel_consumed
    assert a == b and a > 0


@child()
def test_fuel_limit_of_one_is_a_typed_error():
    raises(eryx.ResourceLimitError, eryx.Sandbox(resource_limits=limits(max_fuel=1)).execute, "pass")


@child()
def test_fuel_exhaustion_in_a_session_keeps_it_usable():
    session = eryx.Session(resource_limits=limits(max_fuel=200_000_000))
    raises(eryx.ResourceLimitError, session.execute, "while True: pass")
    usable(session)


@child()
def test_hash_flood_of_a_huge_dict_is_cut_by_the_timeout():
    sandbox = eryx.Sandbox(resource_limits=limits(execution_timeout_ms=500))
    with within(4):
        raises((eryx.TimeoutError, eryx.ResourceLimitError), sandbox.execute,
               "class K:\n    def __hash__(self):\n        return 1\nd = {}\nwhile True:\n    d[K()] = 1")


@child()
def test_hundred_megabyte_source_hits_the_memory_limit_not_the_host():
    sandbox = eryx.Sandbox()
    before = rss_bytes()
    raises(eryx.ResourceLimitError, sandbox.execute, "#" + "x" * (100 << 20))
    assert rss_bytes() - before < 600 << 20
    usable(sandbox)


# Decompression bombs: 256 MiB of zeros in a few KiB (one 8 MiB stream repeated: both formats allow
# concatenated streams). The guest's bz2/lzma allocate from its own heap, so the memory limit ends
# them like any other allocation.
@child()
def test_bz2_bomb_hits_the_memory_limit():
    import base64, bz2
    bomb = base64.b64encode(bz2.compress(b"\0" * (8 << 20)) * 32).decode()
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    raises(eryx.ResourceLimitError, sandbox.execute,
           f"import base64, bz2\nx = bz2.decompress(base64.b64decode('{bomb}'))")
    usable(sandbox)


@child()
def test_xz_bomb_hits_the_memory_limit():
    import base64, lzma
    bomb = base64.b64encode(lzma.compress(b"\0" * (8 << 20), preset=0) * 32).decode()
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    raises(eryx.ResourceLimitError, sandbox.execute,
           f"import base64, lzma\nx = lzma.decompress(base64.b64decode('{bomb}'))")
    usable(sandbox)


@child()
def test_bomb_read_in_bounded_chunks_stays_under_the_limit():
    import base64, lzma
    bomb = base64.b64encode(lzma.compress(b"\0" * (128 << 20), preset=0)).decode()
    code = (f"import base64, lzma\nd = lzma.LZMADecompressor()\n"
            f"n = len(d.decompress(base64.b64decode('{bomb}'), max_length=1 << 20))\n"
            "while not d.eof:\n    n += len(d.decompress(b'', max_length=1 << 20))\n"
            "print(n)")
    assert guest(code, resource_limits=limits(max_memory_bytes=64 << 20)) == f"{128 << 20}\n"


@child()
def test_xz_extreme_preset_over_the_limit_is_a_typed_error():
    # Preset 9e wants a 64 MiB dictionary plus ~10x that for the match finder.
    sandbox = eryx.Sandbox(resource_limits=limits(max_memory_bytes=64 << 20))
    raises(eryx.ResourceLimitError, sandbox.execute,
           "import lzma\nlzma.compress(b'x' * 1000, preset=9 | lzma.PRESET_EXTREME)")
    usable(sandbox)
