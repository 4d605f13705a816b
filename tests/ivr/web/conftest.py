"""Web tests talk to the app as people do: a client whose requests are separate."""

import pytest

from tests.web_support import person


@pytest.fixture
def client(app):
    """Overrides the suite's client: every request in a fresh context (tests.web_support)."""
    return person(app)
