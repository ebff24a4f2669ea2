"""Suite-wide pytest set-up: markers that need outside parts skip visibly, or fail under CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

if TYPE_CHECKING:
    from tests.processes import Icecast

CHROMIUM = "/usr/bin/chromium"
ICECAST = "/usr/bin/icecast2"
MOSQUITTO = next((p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if os.path.exists(p)), None)


def _require_all() -> bool:
    # .ci/run sets this: there a missing PostgreSQL, chromium or Mosquitto is a broken CI, not a reason to skip.
    return os.environ.get("LOA_REQUIRE_ALL") == "1"


# The gate runs the property tests derandomized: the same examples every run, so CI never fails at
# random on a case a run happened to draw. Elsewhere each run explores new cases, and a case found
# there becomes an explicit test (e.g. tests/playlists/test_playlists_quiet_dst.py).
settings.register_profile("gate", derandomize=True, database=None)
if _require_all() or os.environ.get("CI"):
    settings.load_profile("gate")


def _unavailable(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres") and not os.environ.get("LOA_TEST_POSTGRES_URL"):
        return "LOA_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against"
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is missing: apt-get install -y chromium"
    if item.get_closest_marker("mqtt") and MOSQUITTO is None:
        return "Mosquitto is missing: apt-get install -y mosquitto"
    if item.get_closest_marker("icecast") and not os.path.exists(ICECAST):
        return "Icecast is missing: apt-get install -y icecast2"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _unavailable(item)
    if reason is None:
        return
    if _require_all():
        pytest.fail(f"CI requires this test to run: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """The one sync Playwright of this test process: a second one cannot start while the first is open
    (the browser tests keep theirs for the session), so every test launches its Chromium from this."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL URL for tests marked `postgres` (they are skipped when it is unset)."""
    url = os.environ.get("LOA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("LOA_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture
def icecast(tmp_path: Path) -> Iterator[Icecast]:
    """A running Icecast on loopback (tests using it are marked `icecast`); its feeds end with it."""
    # imported here: the suite's set-up stays light for tests that need no processes
    from tests.processes import Icecast

    server = Icecast(tmp_path / "icecast")
    server.start()
    yield server
    server.stop()
