"""The shared domain words: their stored and wire values never change (no migration, old stations)."""

from __future__ import annotations

import json

from playlists import model, sound
from playlists.words import (
    OUTCOMES,
    REASONS,
    WIRE_PLAY_STATUSES,
    Approval,
    Audibility,
    PlayStatus,
    Reason,
    describe_reason,
)


def test_the_values_are_the_strings_the_database_and_the_contract_hold():
    assert [str(s) for s in WIRE_PLAY_STATUSES] == [
        "completed", "interrupted", "failed", "missed", "skipped", "local"]  # docs/contract.md
    assert [str(s) for s in OUTCOMES][6:] == ["not_audible", "failed_to_sound"]
    assert {str(a) for a in Approval} == {
        "draft", "submitted", "approved", "rejected", "withdrawn", "applied", "superseded",
        "aired-live",  # a live announcement's archive (issue 13)
        "disabled"}  # a relay source an approver took off the air (relay_sources.status, issue 13)
    assert {str(a) for a in Audibility} == {"audible", "unchecked", "not_audible", "failed_to_sound"}
    assert json.dumps({"status": PlayStatus.COMPLETED}) == '{"status": "completed"}'
    assert f"{Reason.PLAYER_FAILED}: exit status 1" == "player_failed: exit status 1"


def test_a_plain_string_read_back_from_a_row_is_the_word():
    assert "approved" == Approval.APPROVED and {"missed": 1}[PlayStatus.MISSED] == 1  # noqa: SIM300  (the row's plain string on the left is the point)
    assert PlayStatus("not_audible") is PlayStatus.NOT_AUDIBLE
    assert sound.outcome("completed", {"audibility": "failed_to_sound"}) == PlayStatus.FAILED_TO_SOUND


def test_every_reason_has_its_words_and_the_old_names_still_import():
    assert set(REASONS) == set(Reason)
    assert all(vi and en for vi, en in REASONS.values())
    assert model.REASONS is REASONS and model.describe_reason is describe_reason
    assert describe_reason(Reason.STALE, "en").startswith("received too late")
