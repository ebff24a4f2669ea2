"""The words both sides share, defined once: approval states, play outcomes, reasons, audibility.

They are ``enum.StrEnum``s, so a member *is* its string: stored columns, JSON and the wire keep
exactly the values they had (no migration), a row read back as a plain ``str`` compares equal to
the member, and ``f"{Reason.PLAYER_FAILED}: …"`` writes the bare code. The tiers (``Priority``),
item kinds (``ItemKind``) and slot states (``SlotStatus``) live in ``playlists.model``; words only
the central uses (roles, area levels, emergency modes, alert kinds) in ``central.words``.
"""

from __future__ import annotations

import enum


def N_(msgid: str) -> str:
    """Mark a word for extraction into both sides' gettext catalogues; each side translates it."""
    return msgid


class Approval(enum.StrEnum):
    """Where a piece of work stands in the two-person workflow (docs/two-person-rule.md)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # waits for a second person
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # was approved, taken off the air
    APPLIED = "applied"  # a programme revision that took effect at once (nothing approved played it)
    SUPERSEDED = "superseded"  # a programme revision replaced by a later one
    AIRED_LIVE = "aired-live"  # a live announcement's archive (central.services.live): never scheduled
    DISABLED = "disabled"  # a relay source an approver took off the air at once (central.services.relays)


#: the states each kind of row may be in (a chime goes through a bulletin's workflow)
CHIME_STATUSES = (Approval.DRAFT, Approval.SUBMITTED, Approval.APPROVED, Approval.REJECTED, Approval.WITHDRAWN)
BULLETIN_STATUSES = (*CHIME_STATUSES, Approval.AIRED_LIVE)
SCHEDULE_STATUSES = (Approval.DRAFT, Approval.SUBMITTED, Approval.APPROVED, Approval.REJECTED)
REVISION_STATUSES = (Approval.APPLIED, Approval.SUBMITTED, Approval.APPROVED, Approval.REJECTED,
                     Approval.SUPERSEDED)
REPORT_STATUSES = (Approval.DRAFT, Approval.SUBMITTED)
RELAY_STATUSES = (Approval.DRAFT, Approval.SUBMITTED, Approval.APPROVED, Approval.REJECTED, Approval.DISABLED)


class Audibility(enum.StrEnum):
    """``sound.audibility`` of a play log: how it sounded (``playlists.sound``)."""

    AUDIBLE = "audible"  # the station's monitor heard it
    UNCHECKED = "unchecked"  # no monitor, a real output at a volume above 0
    NOT_AUDIBLE = "not_audible"  # the null output (no sound card) or volume 0
    FAILED_TO_SOUND = "failed_to_sound"  # the monitor heard silence


class PlayStatus(enum.StrEnum):
    """What became of one play: the contract's six, then the two outcomes ``playlists.sound`` adds."""

    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    MISSED = "missed"
    SKIPPED = "skipped"
    LOCAL = "local"  # the operator's local announcement
    # outcomes only (never on the wire): the play ran but nobody heard it (see playlists.sound)
    NOT_AUDIBLE = Audibility.NOT_AUDIBLE.value
    FAILED_TO_SOUND = Audibility.FAILED_TO_SOUND.value
    # the station's store only: a play in progress, held back from the outbox until it ends
    PLAYING = "playing"


#: the ``status`` a play log may carry on the wire (docs/contract.md)
WIRE_PLAY_STATUSES = (PlayStatus.COMPLETED, PlayStatus.INTERRUPTED, PlayStatus.FAILED, PlayStatus.MISSED,
                      PlayStatus.SKIPPED, PlayStatus.LOCAL)
#: every status a stored or shown play may have: the contract's six, then the two sound outcomes
OUTCOMES = (*WIRE_PLAY_STATUSES, PlayStatus.NOT_AUDIBLE, PlayStatus.FAILED_TO_SOUND)


class Reason(enum.StrEnum):
    """Machine codes in ``Slot.reason``, ``SlotRecord.reason`` and play logs; ``REASONS`` words them."""

    CONFLICT = "conflict"
    QUIET_HOURS = "quiet_hours"
    STATION_OFF = "station_off"
    LOCAL_OVERRIDE = "local_override"
    BULLETIN_INVALID = "bulletin_invalid"
    BULLETIN_MISSING = "bulletin_missing"
    EXPIRED = "expired"
    EMERGENCY = "emergency"
    AGENT_RESTART = "agent_restart"
    OPERATOR_STOP = "operator_stop"
    OPERATOR_PLAY = "operator_play"
    ASSET_MISSING = "asset_missing"
    PLAYER_FAILED = "player_failed"
    LOCAL_ANNOUNCEMENT = "local_announcement"
    LATE_START = "late_start"
    LATE_ASSET = "late_asset"
    FAILED_TO_SOUND = Audibility.FAILED_TO_SOUND.value
    STALE = "stale"
    EMERGENCY_STOP = "emergency_stop"
    RELAY_FALLBACK = "relay_fallback"
    LIVE = "live"
    LIVE_LOST = "live_lost"


#: the text of each reason for people (Vietnamese, English)
REASONS: dict[str, tuple[str, str]] = {
    Reason.CONFLICT: ("Trùng giờ với lịch phát khác", "another slot was playing"),
    Reason.QUIET_HOURS: ("Trong giờ yên lặng của đài", "inside the station's quiet hours"),
    Reason.STATION_OFF: ("Đài tắt hoặc mất kết nối", "the station was off or unavailable"),
    Reason.LOCAL_OVERRIDE: ("Đang phát thông báo tại chỗ", "a local announcement was playing"),
    Reason.BULLETIN_INVALID: ("Bản tin ngoài thời gian hiệu lực", "no bulletin valid at that time"),
    Reason.BULLETIN_MISSING: ("Bản tin đã bị rút hoặc không có", "bulletin withdrawn or unknown"),
    Reason.EXPIRED: ("Lịch phát đã hết hiệu lực", "the schedule's validity ended first"),
    Reason.EMERGENCY: ("Bị ngắt bởi bản tin khẩn cấp", "interrupted by an emergency broadcast"),
    # what the station itself records (play logs and slot history)
    Reason.AGENT_RESTART: ("Phần mềm đài khởi động lại", "the station agent restarted"),
    Reason.OPERATOR_STOP: ("Người vận hành dừng phát", "stopped by the operator"),
    # both the operator's own play and the item it cut carry this code: worded to fit both
    Reason.OPERATOR_PLAY: ("Người vận hành cho phát ngay", "played now by the operator"),
    Reason.ASSET_MISSING: ("Thiếu tệp âm thanh đã xác minh", "verified audio file not available"),
    Reason.PLAYER_FAILED: ("Lỗi trình phát âm thanh", "the audio player failed"),
    Reason.LOCAL_ANNOUNCEMENT: ("Thông báo tại chỗ của người vận hành", "the operator's local announcement"),
    # on a play that started late (detail: seconds after the planned start)
    Reason.LATE_START: ("Phát muộn so với lịch", "started later than planned"),
    Reason.LATE_ASSET: ("Phát muộn do chờ tải xong âm thanh", "started late: waited for its audio to download"),
    # how it sounded (playlists.sound)
    Reason.FAILED_TO_SOUND: ("Thiết bị nghe thử không thu được âm thanh", "the monitor heard silence"),
    # emergencies, by manifest (Schedule.play_by) or by order over the push channel (playlists.orders)
    Reason.STALE: ("Nhận quá muộn: đã qua giờ phát chậm nhất", "received too late: past its play-no-later-than time"),
    Reason.EMERGENCY_STOP: ("Trung tâm dừng bản tin khẩn cấp", "the central stopped the emergency"),
    # a fallback item played inside a relay slot because the stream was down
    Reason.RELAY_FALLBACK: ("Phát dự phòng khi mất tín hiệu tiếp sóng", "fallback played: the relayed stream was down"),
    # live announcements from the central (station.live): the live play itself, and what it cut or ended it
    Reason.LIVE: ("Phát trực tiếp từ trung tâm", "a live announcement from the central"),
    Reason.LIVE_LOST: ("Mất tín hiệu phát trực tiếp", "the live stream was lost"),
}


def describe_reason(code: str | None, language: str = "vi") -> str:
    """The person-readable text of a reason code (unknown codes are shown as they are).

    A code may carry a detail after ``": "`` (``"player_failed: exit status 1"``); the detail is
    kept as it is after the translated code.
    """
    if not code:
        return ""
    head, sep, detail = code.partition(": ")
    text = REASONS.get(head)
    if text is None:
        return code
    readable = text[1] if language == "en" else text[0]
    return f"{readable}: {detail}" if sep else readable


#: What people call each play or slot outcome: one wording for the central's pages and the station's
#: (each side's gettext catalogue holds the English; a test checks they agree).
PLAY_WORDS: dict[str, str] = {
    "planned": N_("Dự kiến"), PlayStatus.PLAYING: N_("Đang phát"), PlayStatus.COMPLETED: N_("Đã phát xong"),
    PlayStatus.INTERRUPTED: N_("Bị ngắt"), PlayStatus.FAILED: N_("Lỗi"), PlayStatus.MISSED: N_("Bị lỡ"),
    PlayStatus.SKIPPED: N_("Bỏ qua"), PlayStatus.LOCAL: N_("Phát tại chỗ"),
    PlayStatus.NOT_AUDIBLE: N_("Không nghe được"), PlayStatus.FAILED_TO_SOUND: N_("Không phát ra tiếng"),
}
#: The three tiers of the regulation (keys are ``playlists.model.Priority`` values).
TIER_WORDS: dict[str, str] = {"normal": N_("Thông thường"), "priority": N_("Ưu tiên"), "emergency": N_("Khẩn cấp")}
