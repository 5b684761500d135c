"""Notices to citizens and staff (request approved, consultation answered, …) over pluggable channels.

A service calls `notify(Notice(...))` inside its transaction; delivery happens after commit, so a notice
never announces something that was rolled back, and a failing channel never fails the service (the
failure is logged; the record the notice is about is already safe). Channels come from the setting
SIAGA_NOTIFY_CHANNELS: e-mail (Django's mail backends: console by default, SMTP via SIAGA_EMAIL_URL);
a WhatsApp or SMS gateway implements `Channel` and is added to the setting.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)
_muted: ContextVar[bool] = ContextVar("siaga_notifications_muted", default=False)


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str  # plain text, already in the recipient's language
    email: str = ""
    phone: str = ""  # E.164 or local; for SMS / WhatsApp channels
    kind: str = ""  # e.g. "permits.request.approved", for channels that template by kind
    data: dict = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def send(self, notice: Notice) -> bool:
        """Deliver if this channel can reach the recipient; True when sent, False when not applicable."""


class EmailChannel:
    name = "email"

    def send(self, notice: Notice) -> bool:
        if not notice.email:
            return False
        send_mail(notice.subject, notice.body, None, [notice.email], fail_silently=False)
        return True


@cache
def channels() -> tuple[Channel, ...]:
    return tuple(import_string(path)() for path in settings.SIAGA_NOTIFY_CHANNELS)


def deliver(notice: Notice) -> list[str]:
    """Send now on every channel that can reach the recipient; returns the names that sent it."""
    sent = []
    for channel in channels():
        try:
            if channel.send(notice):
                sent.append(channel.name)
        except Exception:  # a gateway down must not lose the caller's work: log and go on
            log.exception("notice %s via %s failed", notice.kind or notice.subject, channel.name)
    return sent


def notify(notice: Notice) -> None:
    """Deliver after the current transaction commits (immediately when there is none)."""
    if _muted.get():
        return
    transaction.on_commit(lambda: deliver(notice), robust=True)


@contextmanager
def muted():
    """No notices from inside this block: records made for the demo or by an import have no one to tell."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)
