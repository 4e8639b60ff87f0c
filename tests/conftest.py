import pytest

from jiuzhu.kit.testing import BASE, merge  # noqa: F401


@pytest.fixture
def case_dict():
    return merge(BASE, {})
