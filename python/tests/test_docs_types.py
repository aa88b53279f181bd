"""The guide's Python examples type-check with mypy against eryx's stubs (python/eryx/__init__.pyi),
and the stubs describe the API precisely enough to catch misuse."""

import pathlib
import textwrap

from mypy import api as mypy_api

from test_docs_examples import examples


def mypy(tmp_path: pathlib.Path, files: dict[str, str]) -> tuple[str, int]:
    for name, code in files.items():
        (tmp_path / name).write_text(code)
    out, err, status = mypy_api.run([
        "--ignore-missing-imports", "--no-error-summary", "--cache-dir", str(tmp_path / ".mypy_cache"),
        *sorted(str(tmp_path / name) for name in files)])
    return out + err, status


def test_every_guide_example_type_checks(tmp_path):
    files = {f"{param.id.replace('-', '_')}.py": param.values[0] for param in examples()}
    output, status = mypy(tmp_path, files)
    assert status == 0, output


def test_the_bare_callback_decorator_keeps_the_functions_type(tmp_path):
    code = textwrap.dedent("""
        import eryx
        registry = eryx.CallbackRegistry()

        @registry.callback
        def add(a: int, b: int) -> int:
            return a + b

        @registry.callback(name="mul", description="Multiplies")
        def mul(a: int, b: int) -> int:
            return a * b

        total: int = add(1, 2) + mul(3, 4)
    """)
    output, status = mypy(tmp_path, {"ok.py": code})
    assert status == 0, output


def test_the_stubs_catch_a_wrong_use_of_a_decorated_callback(tmp_path):
    code = textwrap.dedent("""
        import eryx
        registry = eryx.CallbackRegistry()

        @registry.callback
        def add(a: int, b: int) -> int:
            return a + b

        text: str = add(1, 2)
    """)
    output, status = mypy(tmp_path, {"bad.py": code})
    assert status != 0 and 'incompatible types in assignment' in output.lower(), output


def test_the_stubs_catch_a_wrong_argument_type(tmp_path):
    code = "import eryx\neryx.Sandbox(resource_limits=5)\neryx.VfsStorage().write_file('/f', 'text')\n"
    output, status = mypy(tmp_path, {"bad_args.py": code})
    assert output.count("error:") == 2, output
