"""Per-request glue for the pages: who is logged in, the login guard, CSRF, navigation, errors."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, flash, g, has_request_context, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from central import auth
from central.errors import CentralError, Forbidden, NotFound, Unauthorized
from central.messages import worded

from ..words import Role
from . import bp
from .fmt import label
from .queries import pending_count
from .wiring import csrf

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints anyone may open without logging in.
PUBLIC = {"web.login", "web.static", "web.set_language"}


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...] | None = None  # None = everyone logged in
    group: str = ""  # items of one group share a drop-down, so the bar stays one row on a desktop


NAV = (
    NavItem("web.dashboard", _l("Tổng quan")),
    NavItem("web.bulletins", _l("Bản tin")),
    NavItem("web.approvals", _l("Phê duyệt"), (Role.APPROVER,)),
    NavItem("web.programmes", _l("Chương trình"), (Role.EDITOR, Role.APPROVER), group="programme"),
    NavItem("web.relays", _l("Tiếp sóng"), (Role.EDITOR, Role.APPROVER), group="programme"),
    NavItem("web.schedules", _l("Lịch phát")),
    NavItem("web.plans", _l("Kế hoạch"), group="plan"),
    NavItem("web.calendar_month", _l("Lịch tháng"), group="plan"),
    NavItem("web.emergency", _l("Phát khẩn cấp"), (Role.APPROVER,)),
    NavItem("web.stations", _l("Đài")),
    NavItem("web.playlogs", _l("Nhật ký phát")),
    NavItem("web.reports", _l("Báo cáo")),
    NavItem("web.users", _l("Người dùng"), (Role.ADMIN,), group="admin"),
    NavItem("web.areas", _l("Đơn vị hành chính"), (Role.ADMIN,), group="admin"),
    NavItem("web.audit", _l("Nhật ký thao tác"), (Role.ADMIN,), group="admin"),
)


def me() -> Any:
    """The logged-in person (a ``central.models.User``), or None."""
    return auth.current_user()


def may(role_list: tuple[str, ...] | None, user: Any = None) -> bool:
    user = user or me()
    if user is None:
        return False
    return role_list is None or user.role == Role.ADMIN or user.role in role_list


def roles(*names: str) -> Callable[[F], F]:
    """Guard a page: only these roles (admin always passes); others get a 403 page."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not may(names):
                raise Forbidden(_("Trang này dành cho vai trò: %(roles)s.",
                                  roles=", ".join(str(_role_label(n)) for n in names)))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def _role_label(name: str) -> str:
    return label(name, "role")


@bp.before_request
def _guard() -> Any:
    # Forms carry a CSRF token; a POST without a valid one is refused with 400 before any work.
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint in PUBLIC:
        return None
    if me() is None:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    return None


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    user = auth.current_user() if _has_request() else None
    items = _nav_entries(user) if user is not None else []
    view = None
    if user is not None:
        area = user.area if user.area_id else None
        view = {"name": user.full_name or user.name, "login": user.name, "role": user.role,
                "area_name": area.name if area else None}
    return {"me": view, "nav_items": items, "may": may}


NAV_GROUPS = {"programme": _l("Chương trình"), "plan": _l("Kế hoạch"), "admin": _l("Quản trị")}


def _nav_entries(user: Any) -> list[dict[str, Any]]:
    """The bar's entries: single links, and groups (``{"label", "links", "active"}``) in NAV's order."""
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for n in NAV:
        if not may(n.roles, user):
            continue
        item = {"endpoint": n.endpoint, "label": n.label, "active": request.endpoint == n.endpoint,
                "count": _nav_count(n)}
        if not n.group:
            out.append(item)
            continue
        if n.group not in groups:
            groups[n.group] = {"label": NAV_GROUPS[n.group], "links": [], "active": False}
            out.append(groups[n.group])
        groups[n.group]["links"].append(item)
        groups[n.group]["active"] |= item["active"]
    return out


def _nav_count(n: NavItem) -> int | None:
    if n.endpoint != "web.approvals":
        return None
    if "pending_count" not in g:
        g.pending_count = pending_count(me())
    return g.pending_count or None


def _has_request() -> bool:
    return has_request_context()


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    msg = _("Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Hãy tải lại trang và thử lại.")
    return render_template("web/error.html", title=_("Yêu cầu bị từ chối"), message=msg), 400


@bp.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized) -> Any:
    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))


@bp.errorhandler(CentralError)
def _central_error(exc: CentralError) -> Any:
    return render_template("web/error.html", title=error_title(exc), message=error_text(exc)), exc.status


@bp.errorhandler(404)
def _not_found(exc: Any) -> Any:
    return render_template("web/error.html", title=_(NotFound.title),
                           message=_("Không tìm thấy trang hoặc mục này.")), 404


def flash_error(exc: CentralError) -> None:
    """Show a service's refusal above the form the person just sent, in the viewer's language."""
    flash(error_text(exc), "error")


def error_text(exc: Exception) -> str:
    """A service's message in the viewer's language (its ``Message`` through the catalogue)."""
    message = worded(getattr(exc, "message", None)) or worded(exc)
    text = message.render(_) if message is not None else str(getattr(exc, "detail", None) or exc)
    return one_language(text, str(get_locale()))


def error_title(exc: CentralError) -> str:
    return str(_(exc.title))


#: The services write ``"Vietnamese. (English.)"``: the trailing group is English when it holds a
#: space and, outside quoted names, no Vietnamese letter. (Acronyms like "(UBND)" stay.)
_PAIR = re.compile(r"(?P<vi>.*\S)\s*\((?P<en>[^()]*\s[^()]*)\)\s*\.?\s*", re.S)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def one_language(text: str, lang: str) -> str:
    """``"vi. (en.)"`` → the part in ``lang``; text without an English twin is returned whole."""
    m = _PAIR.fullmatch(text or "")
    if m is None:
        return text
    bare = _QUOTED.sub("", m["en"])
    if any(ch.isalpha() and ord(ch) > 127 for ch in bare):
        return text
    return m["en"].strip() if lang == "en" else m["vi"].strip()


def form_list(name: str) -> list[str]:
    return [v for v in request.form.getlist(name) if v.strip()]


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit():
        abort(400)
    return int(value)
