"""Every ```python block of docs/guide/*.md runs, and its assertions hold."""

import os
import pathlib
import re

import pytest

import eryx

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def examples():
    for page in sorted(GUIDE.glob("*.md")):
        for index, block in enumerate(BLOCK.findall(page.read_text())):
            yield pytest.param(block, id=f"{page.stem}-{index}")


NUMPY_BUILT = os.path.exists(os.path.join(eryx._GUEST_DIR, "numpy", "eryx-snapshot.id"))


@pytest.mark.parametrize("code", list(examples()))
def test_guide_example_runs(code):
    if '"numpy"' in code and not NUMPY_BUILT:
        pytest.skip("the numpy guest flavour is not built (make NUMPY=1; `make test` builds it)")
    exec(compile(code, "<guide example>", "exec"), {})


def test_the_guide_has_examples():
    assert len(list(examples())) >= 10
