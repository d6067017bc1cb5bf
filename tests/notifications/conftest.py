import pytest

from tests.notifications.fake_unifonic import APP_SID, WEBHOOK_SECRET, fake_unifonic_running


@pytest.fixture(scope="session")
def _fake_unifonic_server():
    with fake_unifonic_running() as fake:
        yield fake


@pytest.fixture
def unifonic(_fake_unifonic_server, settings):
    """SMS on, through the fake Unifonic."""
    _fake_unifonic_server.reset()
    settings.SMS_ENABLED = True
    settings.UNIFONIC_APP_SID = APP_SID
    settings.UNIFONIC_API_BASE = _fake_unifonic_server.base
    settings.SMS_WEBHOOK_SECRET = WEBHOOK_SECRET
    return _fake_unifonic_server
