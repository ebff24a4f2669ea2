"""The station's periodic chores run through ``schedule``: due at once, then by period, clock jumps."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from station.daemon import CLEAN_EVERY, VERIFY_EVERY, housekeeping_chores, period, run_due


def counting_agent() -> Any:
    calls: list[str] = []
    return SimpleNamespace(calls=calls, verify_cache=lambda: calls.append("verify"),
                           clean_up=lambda: calls.append("clean"))


def test_every_chore_runs_on_the_first_pass_and_then_only_when_due() -> None:
    agent = counting_agent()
    chores = housekeeping_chores(agent)
    run_due(chores)
    assert sorted(agent.calls) == ["clean", "verify"]
    run_due(chores)
    assert sorted(agent.calls) == ["clean", "verify"], "nothing is due a moment later"
    clean = next(j for j in chores.jobs if period(j) == CLEAN_EVERY)
    clean.next_run = datetime.now() - timedelta(seconds=1)
    run_due(chores)
    assert sorted(agent.calls) == ["clean", "clean", "verify"]


def test_the_cache_is_verified_again_a_day_later() -> None:
    agent = counting_agent()
    chores = housekeeping_chores(agent)
    run_due(chores)
    verify = next(j for j in chores.jobs if period(j) == VERIFY_EVERY)
    assert verify.next_run is not None and verify.next_run - datetime.now() > VERIFY_EVERY - timedelta(minutes=1)
    verify.next_run = datetime.now() - timedelta(seconds=1)
    run_due(chores)
    assert agent.calls.count("verify") == 2


def test_a_clock_that_went_back_does_not_postpone_a_chore_by_the_jump() -> None:
    agent = counting_agent()
    chores = housekeeping_chores(agent)
    run_due(chores)
    clean = next(j for j in chores.jobs if period(j) == CLEAN_EVERY)
    clean.next_run = datetime.now() + timedelta(days=3)  # as if the clock had been three days fast
    run_due(chores)
    assert agent.calls.count("clean") == 2


def test_a_failing_chore_is_logged_and_does_not_stop_the_sync_thread(caplog: Any) -> None:
    def boom() -> None:
        raise OSError("disk gone")

    agent = SimpleNamespace(verify_cache=boom, clean_up=boom)
    run_due(housekeeping_chores(agent))
    assert "housekeeping chore failed" in caplog.text
