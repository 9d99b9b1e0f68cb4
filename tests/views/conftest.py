"""Fixtures of the stock view tests: the site's storekeeper, and a store of theirs holding 5
of an item in bin A-01."""

import pytest

from tests.conftest import make_user
from tests.helpers import make_stock


@pytest.fixture
def keeper(app, site):
    return make_user(app, username="kim", name="Kim Keeper", roles=("storekeeper",),
                     sites=[site])


@pytest.fixture
def stocked(app, site, keeper):
    return make_stock(app, site, keeper, on_hand=5)
