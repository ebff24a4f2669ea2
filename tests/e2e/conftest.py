"""Fixtures for end-to-end tests: a central server and a station agent as real processes on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import Central, Station, new_central


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    """A running central with one commune, an editor and an approver (each with an API token)."""
    c = new_central(tmp_path)
    c.start()
    yield c
    c.stop()


@pytest.fixture
def station(tmp_path: Path, central: Central) -> Iterator[Station]:
    s = Station(tmp_path / "agent", central.url)
    yield s
    s.stop()
