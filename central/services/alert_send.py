"""Sending queued alert notices: mail over SMTP (one mail per person per round), and the signed webhook.

A delivery is claimed before it is sent (a conditional update that pushes ``next_at`` forward), so two
processes never send the same one even without the timer's lease. A failure waits with back-off
(1, 2, 4 … minutes, at most an hour) and gives up after ``MAX_ATTEMPTS``.

The webhook gets one JSON POST per notice. ``X-Loa-Timestamp`` is the Unix time of the attempt and
``X-Loa-Signature`` is ``sha256=`` + hex HMAC-SHA256 with ``LOA_WEBHOOK_SECRET`` over
``<timestamp>.<body>``: a receiver recomputes it and refuses old timestamps (replays).
``X-Loa-Delivery`` stays the same across retries, so a receiver can drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import requests
from peewee import JOIN

from central.times import ZONE

from ..alert_models import Alert, AlertDelivery, AlertProfile
from ..config import Settings
from ..models import Area, Station, User, utcnow
from ..words import DeliveryStatus
from . import alert_checks, alerts

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
WEBHOOK_TRIES = 4  # within one round, with WEBHOOK_BACKOFF_S doubling between them
WEBHOOK_BACKOFF_S = 0.5
CLAIM = timedelta(minutes=5)  # a claimed delivery is left alone this long by other processes


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Loa-Signature`` value of ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def deliver(cfg: Settings, now: datetime | None = None) -> dict[str, int]:
    """Send what is due: immediate mails, digests at their hour, webhook posts. Answers counts sent."""
    now = now or utcnow()
    sent = {"email": 0, "webhook": 0, "digest": 0}
    if cfg.smtp_host:
        sent["email"] = _mail_round(cfg, now, digest=False)
        if now.astimezone(ZONE).hour >= cfg.alert_digest_hour:
            sent["digest"] = _mail_round(cfg, now, digest=True)
    if cfg.webhook_url:
        sent["webhook"] = _webhook_round(cfg, now)
    return sent


def _claim(ids: list[int], now: datetime) -> list[int]:
    """The ids this process won: each still due, now pushed out of every other process's reach."""
    won = []
    for i in ids:
        if (AlertDelivery.update(next_at=now + CLAIM, attempts=AlertDelivery.attempts + 1)
                .where((AlertDelivery.id == i) & (AlertDelivery.status == DeliveryStatus.PENDING)
                       & (AlertDelivery.next_at <= now)).execute()):
            won.append(i)
    return won


def _done(ids: list[int], now: datetime, error: str | None) -> None:
    if error is None:
        AlertDelivery.update(status=DeliveryStatus.SENT, sent_at=now, error=None).where(AlertDelivery.id.in_(ids)).execute()
        return
    for d in AlertDelivery.select().where(AlertDelivery.id.in_(ids)):
        wait = timedelta(minutes=min(60, 2 ** max(0, d.attempts - 1)))
        status = DeliveryStatus.FAILED if d.attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING
        AlertDelivery.update(status=status, next_at=now + wait, error=error[:2000]).where(
            AlertDelivery.id == d.id).execute()


def _due(channel: str, now: datetime, digest: bool | None = None) -> Any:
    q = (AlertDelivery.select(AlertDelivery, Alert).join(Alert)
         .where((AlertDelivery.channel == channel) & (AlertDelivery.status == DeliveryStatus.PENDING)
                & (AlertDelivery.next_at <= now)))
    return q if digest is None else q.where(AlertDelivery.digest == digest)


# --- mail ------------------------------------------------------------------------------------------------


def _mail_round(cfg: Settings, now: datetime, digest: bool) -> int:
    by_user: dict[int, list[AlertDelivery]] = defaultdict(list)
    for d in _due("email", now, digest).order_by(AlertDelivery.id):
        by_user[d.user_id].append(d)
    sent = 0
    today = now.astimezone(ZONE).date().isoformat()
    for uid, rows in by_user.items():
        prof = AlertProfile.get_or_none(AlertProfile.user == uid)
        if prof is None or not prof.email:
            continue  # no address: the bell still shows it; it waits until the person gives one
        if digest and prof.digest_sent_on == today:
            continue
        won = set(_claim([d.id for d in rows], now))
        rows = [d for d in rows if d.id in won]
        if not rows:
            continue
        subject, body = compose(rows, cfg, now, digest)
        try:
            send_mail(cfg, prof.email, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("alerts: mail to user %s failed: %s", uid, exc)
            _done([d.id for d in rows], now, f"{type(exc).__name__}: {exc}")
            continue
        _done([d.id for d in rows], now, None)
        if digest:
            AlertProfile.update(digest_sent_on=today).where(AlertProfile.user == uid).execute()
        sent += 1
    return sent


def compose(rows: list[AlertDelivery], cfg: Settings, now: datetime, digest: bool) -> tuple[str, str]:
    """The subject and Vietnamese text of one mail about these notices."""
    first = rows[0]
    if digest:
        subject = f"[Loa] Tóm tắt cảnh báo ngày {now.astimezone(ZONE):%d/%m/%Y} ({len(rows)})"
    elif len(rows) == 1:
        subject = f"[Loa] {'Đã khắc phục: ' if first.event == 'close' else ''}{first.alert.title}"
    else:
        subject = f"[Loa] {len(rows)} cảnh báo mới"
    lines = ["Kính gửi anh/chị,", ""]
    for d in rows:
        a = d.alert
        head = "ĐÃ KHẮC PHỤC" if d.event == "close" else "CẢNH BÁO"
        lines += [f"{head}: {a.title}", a.body, f"Bắt đầu: {alert_checks.when(a.opened_at)}"]
        if d.event == "close":
            lines.append(f"Kết thúc: {alert_checks.when(a.closed_at)}. {a.close_note or ''}".rstrip())
        lines.append("")
    if cfg.public_url:
        lines.append(f"Xem tất cả cảnh báo: {cfg.public_url.rstrip('/')}/alerts")
    lines += ["Thư này do hệ thống Loa gửi tự động. Quản lý đăng ký nhận cảnh báo ở trang «Cảnh báo».", ""]
    return subject, "\n".join(lines)


def send_mail(cfg: Settings, to: str, subject: str, body: str) -> None:
    """One plain-text UTF-8 mail through the configured SMTP server (STARTTLS, implicit TLS or none)."""
    # MIMEText + Header, not EmailMessage: the newer folder drops the space between two encoded words
    # of a long Vietnamese subject ("xã Đắk" arrives as "xãĐắk")
    mail = MIMEText(body, "plain", "utf-8")
    mail["From"] = formataddr(("Loa", cfg.smtp_from))
    mail["To"] = to
    mail["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]  # email accepts a Header (its stub says str)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=cfg.smtp_from.rpartition("@")[2] or "loa")
    opener: Callable[..., smtplib.SMTP] = smtplib.SMTP_SSL if cfg.smtp_security == "tls" else smtplib.SMTP
    assert cfg.smtp_host
    with opener(cfg.smtp_host, cfg.smtp_port, timeout=30) as smtp:
        if cfg.smtp_security == "starttls":
            smtp.starttls()
        if cfg.smtp_user:
            smtp.login(cfg.smtp_user, cfg.smtp_password or "")
        smtp.send_message(mail)


# --- webhook ---------------------------------------------------------------------------------------------


def payload(d: AlertDelivery) -> dict[str, Any]:
    """The JSON one webhook notice carries: the alert, and the people subscribed to it right away."""
    a = Alert.select(Alert, Area, Station).join(Area, on=(Alert.area == Area.id), join_type=JOIN.LEFT_OUTER) \
        .switch(Alert).join(Station, on=(Alert.station == Station.id), join_type=JOIN.LEFT_OUTER) \
        .where(Alert.id == d.alert_id).get()
    people = []
    for uid, mode in sorted(alerts.subscribers(a).items()):
        user = User.get_by_id(uid)
        prof = AlertProfile.get_or_none(AlertProfile.user == uid)
        people.append({"user": user.name, "full_name": user.full_name, "email": prof.email if prof else "",
                       "mode": mode})
    return {"delivery": f"{d.alert_id}-{d.event}", "event": f"alert.{'opened' if d.event == 'open' else 'closed'}",
            "alert": alerts.answer(a).model_dump(mode="json"), "recipients": people}


def _webhook_round(cfg: Settings, now: datetime) -> int:
    sent = 0
    for d in _due("webhook", now).order_by(AlertDelivery.id):
        if not _claim([d.id], now):
            continue
        error = post(cfg, payload(d))
        _done([d.id], now, error)
        sent += error is None
    return sent


def post(cfg: Settings, data: dict[str, Any]) -> str | None:
    """POST one notice, retrying with back-off; None once the receiver answered 2xx, else the last error."""
    assert cfg.webhook_url
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    error = None
    for attempt in range(WEBHOOK_TRIES):
        if attempt:
            time.sleep(WEBHOOK_BACKOFF_S * 2 ** (attempt - 1))
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", "X-Loa-Event": data["event"],
                   "X-Loa-Delivery": data["delivery"], "X-Loa-Timestamp": stamp}
        if cfg.webhook_secret:
            headers["X-Loa-Signature"] = sign(cfg.webhook_secret, stamp, body)
        try:
            reply = requests.post(cfg.webhook_url, data=body, headers=headers, timeout=15)
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
            continue
        if 200 <= reply.status_code < 300:
            return None
        error = f"HTTP {reply.status_code}: {reply.text[:200]}"
    log.warning("alerts: webhook %s failed: %s", data["delivery"], error)
    return error
