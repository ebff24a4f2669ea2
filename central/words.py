"""The words only the central uses, defined once: roles, area levels, emergency modes, alert kinds.

``enum.StrEnum``s, like the shared words in ``playlists.words`` (approval states, play outcomes,
reasons): a member is its stored string, so columns, JSON and the API keep their values. A leaf
module (it imports nothing of the central), so ``models`` and ``policy`` can both use it.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a person may do (``central.policy`` groups them)."""

    ADMIN = "admin"
    EDITOR = "editor"
    APPROVER = "approver"
    OPERATOR = "operator"


ROLES = tuple(Role)


class AreaLevel(enum.StrEnum):
    """The level of a node of the area tree, top down (the tree may skip any of them)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    VILLAGE = "village"


AREA_LEVELS = tuple(AreaLevel)


class EmergencyMode(enum.StrEnum):
    """A real emergency broadcast, or a test of the chain to chosen stations."""

    LIVE = "live"
    TEST = "test"


EMERGENCY_MODES = tuple(EmergencyMode)


class AlertKind(enum.StrEnum):
    """What an alert is about (``services.alert_checks`` has one check per kind)."""

    OFFLINE = "offline"
    PLAYS = "plays"
    EMERGENCY = "emergency"
    APPROVAL = "approval"
    DEADLINE = "deadline"
    DISK = "disk"
    CLOCK = "clock"


ALERT_KINDS = tuple(AlertKind)


class DeliveryStatus(enum.StrEnum):
    """Where one alert notice stands (``services.alert_send``)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


DELIVERY_STATUSES = tuple(DeliveryStatus)
