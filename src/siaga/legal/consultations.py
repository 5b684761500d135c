"""Legal consultations: a citizen asks (name and e-mail optional), gets a tracking code, and reads the
answer by that code; Si Kum staff take questions from the queue, answer (the asker is e-mailed when an
address was given), close, and publish answered ones to the FAQ with the identity removed.

new → assigned → answered → closed; new → answered (answering takes the question); new | assigned →
closed (with a reason, e.g. a duplicate). The public view shows the topic, the question, the status and
the answer; never the name or the e-mail, which are also kept out of the audit trail.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound, check_version
from siaga.core.events import Event, publish
from siaga.core.notifications import Notice, notify
from siaga.core.permissions import restrict, visible_one
from siaga.portal.common import (
    check_key,
    insert_with_tracking_code,
    keyed_hash,
    limit_stored,
    misses_limited,
    normalise_code,
)

from . import library
from .models import Consultation, ConsultationStatus, FaqEntry, Topic

St = ConsultationStatus
RESOURCE = "legal.consultation"
RATE_DEVICE = (5, 3600)  # questions per device per hour
RATE_IP = (20, 3600)  # both counted once the question is stored
QUESTION_MIN, QUESTION_MAX = 20, 4000
ANSWER_MIN, ANSWER_MAX = 20, 8000
NEXT = {
    St.NEW: frozenset({St.ASSIGNED, St.ANSWERED, St.CLOSED}),
    St.ASSIGNED: frozenset({St.ASSIGNED, St.ANSWERED, St.CLOSED}),
    St.ANSWERED: frozenset({St.CLOSED}),
    St.CLOSED: frozenset(),
}


def _snapshot(c: Consultation) -> dict[str, Any]:
    """What the audit trail keeps: no name, no e-mail, no question text."""
    return {
        "tracking_code": c.tracking_code,
        "topic": c.topic,
        "status": c.status,
        "has_email": bool(c.email),
        "assigned_to": c.assigned_to_id,
        "version": c.version,
    }


def _publish(name: str, c: Consultation, before=None, **data) -> None:
    publish(Event(name, RESOURCE, c.pk, c.polres_id, before=before, after=_snapshot(c), data=data))


def _text(value: Any, field: str, lo: int, hi: int) -> str:
    value = str(value or "").strip()
    value = re.sub(r"[^\S\n]+", " ", value)
    if len(value) < lo:
        raise Invalid(_("Write at least %(n)d characters.") % {"n": lo}, field=field)
    if len(value) > hi:
        raise Invalid(_("At most %(n)d characters.") % {"n": hi}, field=field)
    return value


def _polres(polres=None):
    from siaga.territory.models import Polres

    if polres is not None:
        return polres
    p = Polres.objects.order_by("pk").first()
    if p is None:
        raise Invalid(_("This installation has no Polres yet."), code="no_polres")
    return p


def ask(
    *,
    key: Any,
    topic: str,
    question: str,
    name: str = "",
    email: str = "",
    device: str = "",
    ip: str = "",
    polres=None,
    at: dt.datetime | None = None,
) -> Consultation:
    """Store a citizen's question and return it with its tracking code. A retry with the same key
    returns the first one; bad input raises and stores nothing."""
    key = check_key(key)
    first = Consultation.objects.filter(key=key).first()
    if first is not None:
        return first
    device_hash = keyed_hash(str(device or "")[:100])
    topic = library.check_topic(topic)
    question = _text(question, "question", QUESTION_MIN, QUESTION_MAX)
    name = " ".join(str(name or "").split())
    if len(name) > 120:
        raise Invalid(_("The name is longer than 120 characters."), field="name")
    email = str(email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as e:
            raise Invalid(_("The e-mail address is not valid."), field="email") from e
        if len(email) > 254:
            raise Invalid(_("The e-mail address is not valid."), field="email")
    polres = _polres(polres)
    now = at or timezone.now()
    with transaction.atomic():
        limit_stored("legal-ask-device", device_hash, *RATE_DEVICE)
        limit_stored("legal-ask-ip", keyed_hash(ip), *RATE_IP)
        c = Consultation(
            polres=polres,
            key=key,
            topic=topic,
            question=question,
            name=name,
            email=email,
            lang=(translation.get_language() or "id")[:8],
            device_hash=device_hash,
            created_at=now,
            updated_at=now,
        )
        c, created = insert_with_tracking_code(c, key)
        if not created:
            return c
        _publish("legal.consultation.asked", c)
    return c


# --- public reads --------------------------------------------------------------------------------


def by_code(code: str, client: str = "") -> Consultation:
    """The consultation behind a code; `client` (the caller's address) for the limit on unknown codes."""
    with misses_limited(client):
        c = Consultation.objects.filter(tracking_code=normalise_code(code)).first()
        if c is None:
            raise NotFound(_("No consultation has this code."))
    return c


def public_view(c: Consultation) -> dict[str, Any]:
    """What anyone holding the code sees: never the name or the e-mail."""
    return {
        "tracking_code": c.tracking_code,
        "topic": c.topic,
        "topic_label": str(Topic(c.topic).label),
        "status": c.status,
        "status_label": str(St(c.status).label),
        "question": c.question,
        "answer": c.answer if c.status in (St.ANSWERED, St.CLOSED) else "",
        "asked_at": c.created_at,
        "answered_at": c.answered_at,
        "closed_reason": c.close_reason if c.status == St.CLOSED and not c.answer else "",
    }


# --- staff ---------------------------------------------------------------------------------------


def queue(user, status: str | None = St.NEW, limit: int = 200):
    qs = restrict(Consultation.objects.all(), user, "view").select_related("assigned_to")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at" if status in (St.NEW, St.ASSIGNED) else "-updated_at")[:limit]


def counts(user) -> dict[str, int]:
    from django.db.models import Count

    rows = restrict(Consultation.objects.all(), user, "view").values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def for_staff(user, pk: Any) -> Consultation:
    return visible_one(Consultation.objects.all(), user, pk)


def _locked(user, pk: Any) -> Consultation:
    c = for_staff(user, pk)
    if not restrict(Consultation.objects.filter(pk=c.pk), user, "change").exists():
        raise Forbidden(_("You may not change this record."))
    return Consultation.objects.select_for_update().get(pk=c.pk)


def _check_version(c: Consultation, version: Any) -> None:
    check_version(c.version, version, _("The consultation was changed by someone else: reload it."))


def _move(c: Consultation, to: str) -> None:
    if to not in NEXT[c.status]:
        raise Invalid(
            _("A consultation cannot go from %(a)s to %(b)s.") % {"a": St(c.status).label, "b": St(to).label},
            code="illegal_transition",
            field="status",
        )


@transaction.atomic
def assign(user, pk: Any, *, to=None, version: Any = None, at=None) -> Consultation:
    """Take a question (or give it to another Si Kum member who may answer it)."""
    c = _locked(user, pk)
    _check_version(c, version)
    _move(c, St.ASSIGNED)
    target = to or user
    if not restrict(Consultation.objects.filter(pk=c.pk), target, "change").exists():
        raise Invalid(_("That person may not answer consultations."), field="to")
    before = _snapshot(c)
    c.status, c.assigned_to = St.ASSIGNED, target
    c.updated_at, c.version = at or timezone.now(), c.version + 1
    c.save()
    _publish("legal.consultation.assigned", c, before)
    return c


@transaction.atomic
def answer(user, pk: Any, *, text: str, version: Any = None, at=None) -> Consultation:
    """Answer; the asker is e-mailed (after commit) when an address was given."""
    c = _locked(user, pk)
    _check_version(c, version)
    _move(c, St.ANSWERED)
    text = _text(text, "answer", ANSWER_MIN, ANSWER_MAX)
    before = _snapshot(c)
    now = at or timezone.now()
    c.status, c.answer, c.answered_at, c.answered_by = St.ANSWERED, text, now, user
    c.assigned_to = c.assigned_to or user
    c.updated_at, c.version = now, c.version + 1
    c.save()
    if c.email:
        with translation.override(c.lang or "id"):
            notify(
                Notice(
                    subject=_("Your legal question %(code)s has been answered") % {"code": c.tracking_code},
                    body=_(
                        "Your question to the legal section (Si Kum) has been answered.\n\n"
                        "Question:\n%(q)s\n\nAnswer:\n%(a)s\n\n"
                        "You can also read it at /hukum/konsultasi/%(code)s/ on the police public site.\n"
                        "This answer is general legal information, not legal representation."
                    )
                    % {"q": c.question, "a": c.answer, "code": c.tracking_code},
                    email=c.email,
                    kind="legal.consultation.answered",
                    data={"tracking_code": c.tracking_code},
                )
            )
    _publish("legal.consultation.answered", c, before, notified=bool(c.email))
    return c


@transaction.atomic
def close(user, pk: Any, *, reason: str = "", version: Any = None, at=None) -> Consultation:
    c = _locked(user, pk)
    _check_version(c, version)
    _move(c, St.CLOSED)
    reason = " ".join(str(reason or "").split())[:300]
    if c.status != St.ANSWERED and not reason:
        raise Invalid(_("Give the reason for closing an unanswered question."), field="reason")
    before = _snapshot(c)
    c.status, c.close_reason = St.CLOSED, reason
    c.updated_at, c.version = at or timezone.now(), c.version + 1
    c.save()
    _publish("legal.consultation.closed", c, before)
    return c


EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_RE = re.compile(r"(?<!\d)(?:\+?62|0)[\s.-]?8\d(?:[\s.-]?\d){6,11}(?!\d)")
NIK_RE = re.compile(r"(?<!\d)\d{16}(?!\d)")


def redact(text: str, name: str = "") -> str:
    """Remove what identifies the asker from a text going public: e-mail addresses, phone numbers,
    16-digit NIK, and the asker's own name (each word of it longer than two letters)."""
    text = EMAIL_RE.sub("[…]", text)
    text = PHONE_RE.sub("[…]", text)
    text = NIK_RE.sub("[…]", text)
    for word in {w for w in str(name or "").split() if len(w) > 2}:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "[…]", text, flags=re.IGNORECASE)
    return text


@transaction.atomic
def publish_to_faq(
    user, pk: Any, *, question: str = "", answer: str = "", topic: str = "", references: str = ""
) -> FaqEntry:
    """Publish an answered consultation to the FAQ, with the identity removed: the name and e-mail are
    never copied, and identifying details in the texts (given or edited by staff) are redacted."""
    c = _locked(user, pk)
    if c.status not in (St.ANSWERED, St.CLOSED) or not c.answer:
        raise Invalid(_("Only an answered consultation can go to the FAQ."), code="not_answered")
    if FaqEntry.objects.filter(consultation=c).exists():
        raise Conflict(_("This consultation is already in the FAQ."), code="already_published")
    f = library.save_faq(
        user,
        topic=topic or c.topic,
        question=redact(question or c.question, c.name),
        answer=redact(answer or c.answer, c.name),
        references=references,
        consultation=c,
    )
    _publish("legal.consultation.published", c, faq=f.pk)
    return f
