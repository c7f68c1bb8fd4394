import pytest


@pytest.fixture(autouse=True)
def _clear_vote_targets():
    from parvis.budget import selectors

    selectors.vote_targets_clear()
    yield
    selectors.vote_targets_clear()
