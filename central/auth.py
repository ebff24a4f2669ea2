"""Who is asking and what they may touch.

- Secrets: ``hash_password``/``verify_password`` (werkzeug's scrypt), ``new_token``/``hash_token`` (tokens are
  random and only their SHA-256 is stored, so a lookup by hash plus ``compare_digest`` is safe).
- People: ``current_user()`` resolves ``Authorization: Bearer <api token>`` first, then the Flask
  session's ``user_id`` (the web UI sets ``session["user_id"]`` after
  ``central.services.users.authenticate``). ``@require(roles=(...))`` guards a view: 401 when nobody is
  logged in, 403 for a wrong role; it leaves the user in ``flask.g.user``.
- Scope: ``area_subtree_ids(user)`` (``None`` = whole tree), ``check_area(user, area)``,
  ``in_scope(user, area_id)``, ``visible_stations(user)``.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from flask import g, has_request_context, request, session
from flask_wtf.csrf import ValidationError, validate_csrf
from peewee import ModelSelect
from werkzeug.security import check_password_hash, generate_password_hash

from central.messages import msg

from .errors import Forbidden, Unauthorized
from .models import ApiToken, Area, Station, User, utcnow
from .services.area_tree import subtree_ids
from .words import Role

F = TypeVar("F", bound=Callable[..., Any])

def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's, so its parameters follow the library's current advice)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a ``hash_password`` string."""
    try:
        return check_password_hash(stored, password)
    except (ValueError, TypeError):
        return False


def new_token() -> str:
    """A fresh random bearer token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def user_for_token(token: str) -> User | None:
    digest = hash_token(token)
    row = (
        ApiToken.select(ApiToken, User)
        .join(User)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_null(), User.active == True)  # noqa: E712
        .first()
    )
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        ApiToken.update(last_used_at=now).where(ApiToken.id == row.id).execute()  # a write a minute at most
    return row.user


def current_user() -> User | None:
    """The person behind this request (API token, else web session), cached for the request."""
    if "user" in g:
        return g.user
    user = None
    token = bearer_token()
    if token is not None:
        user = user_for_token(token)
    elif session.get("user_id") is not None:
        user = User.get_or_none((User.id == session["user_id"]) & (User.active == True))  # noqa: E712
        g.by_session = user is not None
    g.user = user
    return user


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _check_csrf_for_session() -> None:
    """A browser session changing state through the API must show the page's CSRF token.

    A bearer token cannot be sent by another site, a cookie can: without this check any page the
    user visits could post to the API in their name.
    """
    if not g.get("by_session") or request.method in _SAFE_METHODS:
        return
    token = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    try:
        validate_csrf(token)
    except ValidationError:
        raise Forbidden(
            msg("Thiếu hoặc sai mã bảo vệ CSRF; gọi API bằng mã API (Bearer) hoặc gửi X-CSRFToken.")
        ) from None


def require(roles: Iterable[str] | None = None) -> Callable[[F], F]:
    """Guard a view: a logged-in user, and one of ``roles`` if given (``admin`` always passes)."""
    allowed = set(roles) if roles is not None else None

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                raise Unauthorized(msg("Hãy đăng nhập hoặc gửi mã API hợp lệ."))
            _check_csrf_for_session()
            if allowed is not None and user.role != Role.ADMIN and user.role not in allowed:
                raise Forbidden(
                    msg("Vai trò '%(role)s' không được làm việc này.", role=user.role)
                )
            from .api.validation import check_request  # a real cycle: the API document names auth

            check_request()  # the request against the API document, now that the caller may act
            return view(*args, **kwargs)

        wrapped.requires_login = True  # type: ignore[attr-defined]  # validation defers to this wrapper
        return wrapped  # type: ignore[return-value]

    return decorate


def area_subtree_ids(user: User) -> set[int] | None:
    """Ids of the areas ``user`` may see (their area and everything below); ``None`` = the whole tree."""
    if user.area_id is None:
        return None
    cache = g.setdefault("_scope_cache", {}) if _in_request() else {}
    if user.id not in cache:
        cache[user.id] = subtree_ids(user.area_id)
    return cache[user.id]


def in_scope(user: User, area_id: int | None) -> bool:
    """True if ``area_id`` lies in ``user``'s subtree (an ``area_id`` of None is province-wide)."""
    scope = area_subtree_ids(user)
    if scope is None:
        return True
    return area_id is not None and area_id in scope


def check_area(user: User, area: Area | int | None) -> None:
    """Raise 403 unless ``area`` lies in ``user``'s subtree."""
    area_id = area.id if isinstance(area, Area) else area
    if not in_scope(user, area_id):
        raise Forbidden(msg("Đơn vị này nằm ngoài phạm vi của bạn."))


def visible_stations(user: User) -> ModelSelect[Station]:
    """The stations ``user`` may see, as a query to refine further."""
    query = Station.select()
    scope = area_subtree_ids(user)
    if scope is not None:
        query = query.where(Station.area.in_(list(scope)))
    return query


def _in_request() -> bool:
    return has_request_context()
