import pytest

import eryx


@pytest.fixture
def sandbox():
    return eryx.Sandbox()
