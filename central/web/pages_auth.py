"""Login (throttled by the users service), logout, change of password, and the language switch."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from central.errors import CentralError, TooManyRequests, Unauthorized
from central.services import users

from . import bp
from .context import error_text, me
from .wiring import LANGUAGES, safe_next


class LoginForm(FlaskForm):
    name = StringField(_l("Tên đăng nhập"), validators=[DataRequired()],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(), Length(min=10, message=_l("Mật khẩu cần ít nhất 10 ký tự."))],
        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(), EqualTo("new", message=_l("Hai mật khẩu mới không khớp."))],
        render_kw={"autocomplete": "new-password"})


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = users.authenticate(
                form.name.data.strip(), form.password.data, request.remote_addr or "",
                max_failures=current_app.config.get("LOGIN_MAX_FAILURES", users.MAX_FAILURES),
                window_s=current_app.config.get("LOGIN_WINDOW_S", users.WINDOW_S),
            )
        except TooManyRequests:
            flash(_("Quá nhiều lần đăng nhập sai. Hãy đợi vài phút rồi thử lại."), "error")
            status = 429
        except Unauthorized:
            flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
            status = 401
        else:
            lang = session.get("lang")
            session.clear()  # a fresh session on login: no fixation of a session made before
            session["user_id"] = user.id
            session["lang"] = lang if lang in LANGUAGES else (user.language or "vi")
            return redirect(safe_next(request.args.get("next"), url_for("web.dashboard")))
    elif request.method == "POST":
        status = 400
    return render_template("web/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Bạn đã đăng xuất."), "success")
    return redirect(url_for("web.login"))


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(me(), form.current.data, form.new.data)
        except CentralError as exc:
            form.current.errors = [error_text(exc)]
        else:
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("web.dashboard"))
    return render_template("web/password.html", form=form)


@bp.route("/lang/<code>")
def set_language(code: str) -> Any:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("web.dashboard")))
