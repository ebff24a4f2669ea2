"""Administration: people (created with a generated password shown once) and the area tree."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from central.errors import CentralError, Invalid
from central.models import ROLES
from central.services import areas as areas_service
from central.services import users as users_service

from ..words import Role
from . import bp, queries
from .context import flash_error, me, roles


@bp.route("/admin/users", methods=["GET", "POST"])
@roles(Role.ADMIN)
def users() -> Any:
    created = None
    if request.method == "POST":
        f = request.form
        try:
            user, password = users_service.create(me(), f.get("name", ""), _chosen_role(f),
                                                  _chosen_scope(f), f.get("full_name", "").strip())
        except CentralError as exc:
            flash_error(exc)
        else:
            created = {"name": user.name, "password": password}
    rows = users_service.listing(me())
    return render_template("web/users.html", rows=rows, roles=ROLES, created=created,
                           areas=queries.area_choices(me()), whole_tree=WHOLE_TREE,
                           form=request.form if created is None else {})


WHOLE_TREE = "*"  # the scope option that means the whole area tree, chosen on purpose


def _chosen_role(f: Any) -> str:
    if not f.get("role"):
        raise Invalid(_("Hãy chọn vai trò cho người dùng mới."))
    return str(f["role"])


def _chosen_scope(f: Any) -> str | None:
    """The area code picked, None for the whole tree; nothing picked is refused (no silent default)."""
    area = f.get("area", "")
    if not area:
        raise Invalid(_("Hãy chọn phạm vi (đơn vị) cho người dùng mới; chọn \"Toàn bộ cây đơn vị\" nếu cần."))
    return None if area == WHOLE_TREE else str(area)


@bp.route("/admin/areas", methods=["GET", "POST"])
@roles(Role.ADMIN)
def areas() -> Any:
    f = request.form
    if request.method == "POST":
        try:
            if request.files.get("csv") and request.files["csv"].filename:
                text = request.files["csv"].read().decode("utf-8-sig")
                made, changed = areas_service.import_csv(me(), text)
                flash(_("Đã nhập %(a)s đơn vị mới, cập nhật %(b)s.", a=made, b=changed), "success")
            else:
                areas_service.create(me(), f.get("code", ""), f.get("name", ""),
                                     f.get("parent") or None, f.get("level") or None)
                flash(_("Đã thêm đơn vị."), "success")
        except CentralError as exc:
            flash_error(exc)
        except UnicodeDecodeError:
            flash(_("Tệp CSV phải mã hóa UTF-8."), "error")
        else:
            return redirect(url_for("web.areas"))
    return render_template("web/areas.html", tree=queries.area_tree(me()), choices=queries.area_choices(me()))
