"""Every ```python block of docs/guide/*.md runs, and its assertions hold."""

import pathlib
import re

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def examples():
    for page in sorted(GUIDE.glob("*.md")):
        for index, block in enumerate(BLOCK.findall(page.read_text())):
            yield pytest.param(block, id=f"{page.stem}-{index}")


@pytest.mark.parametrize("code", list(examples()))
def test_guide_example_runs(code):
    exec(compile(code, "<guide example>", "exec"), {})


def test_the_guide_has_examples():
    assert len(list(examples())) >= 10
