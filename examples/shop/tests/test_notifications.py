import pytest

try:
    from shop.notifications import notify
    NOTIFICATIONS_AVAILABLE = True
except ImportError:
    NOTIFICATIONS_AVAILABLE = False


@pytest.mark.skipif(not NOTIFICATIONS_AVAILABLE, reason="notifications not installed")
def test_notify() -> None:
    assert notify("ada").startswith("ada")
