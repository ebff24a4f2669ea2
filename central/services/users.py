"""People: create them (with a generated password), check passwords with throttling, issue API tokens."""

from __future__ import annotations

import re
import secrets

from peewee import IntegrityError

from central.messages import msg

from ..auth import area_subtree_ids, hash_password, hash_token, in_scope, new_token, verify_password
from ..db import database
from ..errors import Conflict, Invalid, NotFound, Unauthorized
from ..models import ROLES, ApiToken, Area, User, utcnow
from ..shapes import operator as shapes
from ..words import Role
from . import areas, audit, throttle

# Settings ``authenticate`` uses unless the caller passes others (the app passes its config).
MAX_FAILURES = 5
WINDOW_S = 15 * 60

_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 16) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def get(name: str) -> User:
    user = User.get_or_none(User.name == name)
    if user is None:
        raise NotFound(msg("Không có người dùng '%(name)s'.", name=name))
    return user


#: A login name: letters without diacritics, digits and ``. _ - @``; no spaces (the person's own name,
#: with diacritics and spaces, goes in ``full_name``).
LOGIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def check_name(name: str) -> str:
    """The login name, stripped, or ``Invalid`` saying what a login name may hold."""
    name = (name or "").strip()
    if not name:
        raise Invalid(msg("Cần tên đăng nhập."), field="name")
    if not LOGIN_NAME.fullmatch(name):
        raise Invalid(msg("Tên đăng nhập '%(name)s' không hợp lệ: chỉ dùng chữ không dấu, số và . _ - @, không có dấu cách, tối đa 64 ký tự; họ tên đầy đủ ghi ở ô Họ tên.", name=name), field="name")
    return name


def create(actor: User | None, name: str, role: str, area_code: str | None = None,
           full_name: str = "", password: str | None = None) -> tuple[User, str]:
    """Create a user; returns ``(user, password)`` — the password is generated unless given, shown once."""
    name = check_name(name)
    if role not in ROLES:
        raise Invalid(msg("Vai trò '%(role)s' không hợp lệ; dùng một trong %(value)s.", role=role, value=', '.join(ROLES)))
    area = areas.get(area_code) if area_code else None
    password = password or generate_password()
    if len(password) < 10:
        raise Invalid(msg("Mật khẩu cần ít nhất 10 ký tự."))
    try:
        with database.atomic():
            user = User.create(name=name, role=role, area=area, full_name=full_name,
                               password_hash=hash_password(password))
            audit.record(actor, "user.create", user, name=name, role=role, area=area_code)
    except IntegrityError as exc:
        raise Conflict(msg("Tên đăng nhập '%(name)s' đã có.", name=name)) from exc
    return user, password


def authenticate(name: str, password: str, remote_addr: str = "",
                 max_failures: int = MAX_FAILURES, window_s: int = WINDOW_S) -> User:
    """The active user with this name and password, or ``Unauthorized``.

    Throttled: after ``max_failures`` failed attempts for the name or from the address within
    ``window_s`` seconds, every attempt (right or wrong) is refused with ``TooManyRequests`` until
    the window has passed. Every attempt is recorded.
    """
    throttle.guard(
        "login", name, remote_addr, throttle.Limit(max_failures, window_s),
        f"Quá nhiều lần đăng nhập sai; hãy thử lại sau {window_s // 60} phút. "
        "(Too many failed logins; try again later.)",
    )
    user = User.get_or_none((User.name == name) & (User.active == True))  # noqa: E712
    ok = user is not None and verify_password(password, user.password_hash)
    if user is None:
        verify_password(password, _DUMMY_HASH)  # same work for unknown names: no timing oracle
    throttle.note("login", name, remote_addr, ok)
    if not ok or user is None:
        raise Unauthorized(msg("Sai tên đăng nhập hoặc mật khẩu."))
    with database.atomic():
        User.update(last_login_at=utcnow()).where(User.id == user.id).execute()
        audit.record(user, "user.login", user, remote_addr=remote_addr)
    return user


_DUMMY_HASH = hash_password(secrets.token_hex(8))

MIN_PASSWORD = 10


def change_password(user: User, current: str, new: str) -> None:
    """Replace ``user``'s password after checking the current one; audited."""
    if not verify_password(current, user.password_hash):
        raise Unauthorized(msg("Mật khẩu hiện tại không đúng."))
    if len(new) < MIN_PASSWORD:
        raise Invalid(msg("Mật khẩu mới cần ít nhất %(MIN_PASSWORD)s ký tự.", MIN_PASSWORD=MIN_PASSWORD), field="new")
    with database.atomic():
        User.update(password_hash=hash_password(new)).where(User.id == user.id).execute()
        audit.record(user, "user.password", user)


def create_token(actor: User | None, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns ``(row, token)`` — the token is shown once."""
    token = new_token()
    with database.atomic():
        row = ApiToken.create(user=user, name=name, token_hash=hash_token(token), prefix=token[:8])
        audit.record(actor, "token.create", row, user=user.name, name=name)
    return row, token


def tokens_of(user: User) -> list[ApiToken]:
    """``user``'s own API tokens, oldest first."""
    return list(ApiToken.select().where(ApiToken.user == user.id).order_by(ApiToken.id))


def may_revoke(actor: User | None, owner: User) -> bool:
    """Anyone their own tokens; an admin also those of people whose scope lies within theirs; the CLI all."""
    if actor is None or owner.id == actor.id:
        return True
    return actor.role == Role.ADMIN and in_scope(actor, owner.area_id)


def revoke_token(actor: User | None, token_id: int) -> None:
    """Revoke one token; a token ``actor`` may not revoke is reported as not there (404), like an unknown one."""
    with database.atomic():
        row = ApiToken.select(ApiToken, User).join(User).where(ApiToken.id == token_id).first()
        if row is None or not may_revoke(actor, row.user):
            raise NotFound(msg("Không có mã API số %(token_id)s.", token_id=token_id))
        row.revoked_at = utcnow()
        row.save()
        audit.record(actor, "token.revoke", row, user_id=row.user_id)


def answer(user: User) -> shapes.User:
    return shapes.User(id=user.id, name=user.name, full_name=user.full_name, role=user.role,
                       area_code=user.area.code if user.area is not None else None, active=user.active)


def token_answer(row: ApiToken) -> shapes.Token:
    def iso(t: object) -> str | None:
        return None if t is None else t.isoformat()  # type: ignore[attr-defined]

    return shapes.Token(id=row.id, name=row.name, prefix=row.prefix, created_at=row.created_at.isoformat(),
                        last_used_at=iso(row.last_used_at), revoked_at=iso(row.revoked_at))


def by_id(uid: int) -> User:
    user = User.get_or_none(User.id == uid)
    if user is None:
        raise NotFound(msg("Không có người dùng số %(id)s.", id=uid))
    return user


def editable(actor: User, uid: int) -> User:
    """A person ``actor`` may change: within the actor's own scope (a whole-tree admin: anyone); else 404."""
    user = by_id(uid)
    scope = area_subtree_ids(actor)
    if scope is not None and user.area_id not in scope:
        raise NotFound(msg("Không có người dùng số %(id)s.", id=uid))
    return user


def listing(actor: User) -> list[User]:
    """The people ``actor`` may see and change, by login name."""
    q = User.select().order_by(User.name)
    scope = area_subtree_ids(actor)
    return list(q if scope is None else q.where(User.area.in_(sorted(scope))))


def _active_admins_besides(user: User) -> int:
    return User.select().where((User.role == Role.ADMIN) & (User.active == True) & (User.id != user.id)).count()  # noqa: E712


def update(actor: User, uid: int, data: dict[str, object]) -> User:
    """An admin changes someone's full name, role, scope or active flag; the last active admin stays one."""
    user = editable(actor, uid)
    fields: dict[str, object] = {}
    if "full_name" in data:
        fields["full_name"] = str(data["full_name"] or "").strip()[:200]
    if "role" in data:
        if data["role"] not in ROLES:
            raise Invalid(msg("Vai trò '%(role)s' không hợp lệ; dùng một trong %(value)s.", role=data['role'], value=', '.join(ROLES)), field="role")
        fields["role"] = data["role"]
    if "area" in data:
        fields["area"] = _area_within(actor, data["area"])
    if "active" in data:
        fields["active"] = bool(data["active"])
    stops_admin = fields.get("role", Role.ADMIN) != Role.ADMIN or fields.get("active", True) is False
    if user.role == Role.ADMIN and user.active and stops_admin and _active_admins_besides(user) == 0:
        raise Conflict(msg("Phải còn ít nhất một quản trị viên đang hoạt động."))
    if actor.id == user.id and fields.get("active", True) is False:
        raise Conflict(msg("Không tự khóa tài khoản của mình được."))
    with database.atomic():
        for k, v in fields.items():
            setattr(user, k, v)
        user.save()
        detail = {k: (v.code if hasattr(v, "code") else v) for k, v in fields.items()}
        audit.record(actor, "user.update", user, **detail)
    return user


def _area_within(actor: User, code: object) -> Area | None:
    """The scope an admin gives someone: an area within the admin's own (None = whole tree, for whole-tree admins)."""
    scope = area_subtree_ids(actor)
    area = areas.get(str(code)) if code else None
    if scope is not None and (area is None or area.id not in scope):
        raise NotFound(msg("Không có đơn vị này trong phạm vi của bạn."))
    return area


def reset_password(actor: User, uid: int) -> tuple[User, str]:
    """A new generated password for someone who lost theirs, shown once; their API tokens stay."""
    user = editable(actor, uid)
    password = generate_password()
    with database.atomic():
        User.update(password_hash=hash_password(password)).where(User.id == user.id).execute()
        audit.record(actor, "user.reset_password", user)
    return user, password
