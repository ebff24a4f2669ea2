"""Checking a manifest before anything in it is trusted: Ed25519 signature, newer version, parsable."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from playlists.errors import ScheduleError
from playlists.model import ManifestContent, canonical_bytes, manifest_content

from .errors import ManifestRejected


def verify(reply: dict[str, Any], public_key_b64: str, applied_version: int | None) -> ManifestContent:
    """Answer the parsed manifest if ``reply`` is signed by the central and newer than what is applied."""
    try:
        m = reply["manifest"]
        signature = base64.b64decode(reply["signature"], validate=True)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ManifestRejected(f"manifest reply is malformed: {exc}") from exc
    if not isinstance(m, dict):
        raise ManifestRejected("manifest reply is malformed: no manifest object")
    try:
        key.verify(signature, canonical_bytes(m))
    except InvalidSignature as exc:
        raise ManifestRejected("manifest signature does not verify with the central's key") from exc
    try:
        content = manifest_content(m)
    except ScheduleError as exc:
        raise ManifestRejected(str(exc)) from exc
    if applied_version is not None and content.version <= applied_version:
        raise ManifestRejected(
            f"manifest version {content.version} is not newer than the applied {applied_version}"
        )
    _check_assets(m, content)
    return content


def _check_assets(m: dict[str, Any], content: ManifestContent) -> None:
    listed = {a.get("sha256") for a in m.get("assets", []) if isinstance(a, dict)}
    named = {b.asset_sha256 for b in content.bulletins.values()}
    named |= {i.asset_sha256 for s in content.schedules for i in s.items if i.asset_sha256}
    if not named <= listed:
        raise ManifestRejected(f"manifest names assets it does not list: {sorted(named - listed)[:3]}")
