"""Public alerts as CAP 1.2 messages: written by Humas and the command (POLICY "info.alert").

Workflow: draft → published → (updated | cancelled) → expired. An update or a cancellation is a new
published message (msgType Update / Cancel) whose `references` list every earlier message of the chain;
the earlier message becomes `updated` or `cancelled`. A published message whose `expires` has passed is
expired (the ticker job `info_alert_expiry` records it; reads never show it as active meanwhile).
Documents imported from other senders (e.g. BMKG) are stored as external alerts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from siaga.core.errors import Conflict, Invalid, NotFound
from siaga.core.events import Event, publish

from . import cap
from .common import (
    area_names,
    check_may_write,
    check_version,
    clean_area_codes,
    clean_text,
    default_polres,
    ensure_in_scope,
    for_change,
)
from .models import Alert, AlertState, CapCategory, CapStatus, Certainty, MsgType, Severity, Urgency

S = AlertState
AUTHORED_STATUS = (CapStatus.ACTUAL, CapStatus.EXERCISE, CapStatus.TEST)
MAX_POLYGONS, MAX_POINTS, MAX_CIRCLES = 10, 200, 10
MAX_DURATION = dt.timedelta(days=31)
INFO_FIELDS = (
    "categories",
    "event",
    "urgency",
    "severity",
    "certainty",
    "sender_name",
    "headline",
    "description",
    "instruction",
    "contact",
    "event_en",
    "headline_en",
    "description_en",
    "instruction_en",
    "effective",
    "onset",
    "expires",
    "area_desc",
    "area_codes",
    "polygons",
    "circles",
)
EDITABLE = (*INFO_FIELDS, "status", "note")


def sender_for(polres) -> str:
    return getattr(settings, "SIAGA_CAP_SENDER", "") or f"humas.{polres.code.lower()}@siaga.local"


def _snapshot(a: Alert) -> dict[str, Any]:
    return {
        "identifier": a.identifier,
        "msg_type": a.msg_type,
        "status": a.status,
        "state": a.state,
        "event": a.event,
        "severity": a.severity,
        "urgency": a.urgency,
        "headline": a.headline,
        "area_codes": a.area_codes,
        "expires": a.expires.isoformat() if a.expires else None,
        "external": a.external,
        "version": a.version,
    }


def _publish(name: str, a: Alert, before=None, **data) -> None:
    publish(Event(name, "info.alert", a.pk, a.polres_id, before=before, after=_snapshot(a), data=data))


# --- validation -----------------------------------------------------------------------------------


def _choice(value: Any, choices, field: str, label: str) -> str:
    if value not in choices:
        raise Invalid(_("Choose a valid %(f)s.") % {"f": label}, field=field)
    return str(value)


def parse_when(value: Any, field: str, tz: str) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text; a time without zone is read in the Polres's zone."""
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError as e:
            raise Invalid(_("Write the time as YYYY-MM-DD HH:MM."), field=field) from e
    if value.tzinfo is None:
        value = value.replace(tzinfo=zoneinfo.ZoneInfo(tz))
    if not 2000 <= value.year <= 2100:
        raise Invalid(_("The time is not plausible."), field=field)
    return value.replace(microsecond=0)


def _coord(v: Any, lo: float, hi: float, field: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError) as e:
        raise Invalid(_("A coordinate is not a number."), field=field) from e
    if not (lo <= f <= hi) or f != f:
        raise Invalid(_("A coordinate is outside the globe."), field=field)
    return round(f, 6)


def clean_polygons(value: Any) -> list[list[list[float]]]:
    """Rings of [lat, lon] (or CAP text "lat,lon lat,lon …"), closed; at least 3 distinct points."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [r for r in re.split(r"[\n;]+", value) if r.strip()]
    if not isinstance(value, list | tuple) or len(value) > MAX_POLYGONS:
        raise Invalid(_("At most %(n)d polygons.") % {"n": MAX_POLYGONS}, field="polygons")
    rings = []
    for ring in value:
        if isinstance(ring, str):
            try:
                ring = [p.split(",") for p in ring.split()]
            except ValueError as e:
                raise Invalid(_("Write a polygon as 'lat,lon lat,lon …'."), field="polygons") from e
        if not isinstance(ring, list | tuple):
            raise Invalid(_("Write a polygon as 'lat,lon lat,lon …'."), field="polygons")
        pts = []
        for p in ring:
            if not isinstance(p, list | tuple) or len(p) != 2:
                raise Invalid(_("Write a polygon as 'lat,lon lat,lon …'."), field="polygons")
            pts.append([_coord(p[0], -90, 90, "polygons"), _coord(p[1], -180, 180, "polygons")])
        if len(pts) > 1 and pts[0] == pts[-1]:
            pts.pop()
        if len({tuple(p) for p in pts}) < 3 or len(pts) > MAX_POINTS:
            raise Invalid(
                _("A polygon needs 3 to %(n)d distinct points.") % {"n": MAX_POINTS}, field="polygons"
            )
        rings.append([*pts, pts[0]])
    return rings


def clean_circles(value: Any) -> list[list[float]]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        out = []
        for part in [c for c in re.split(r"[\n;]+", value) if c.strip()]:
            try:
                centre, radius = part.split()
                lat, lon = centre.split(",")
            except ValueError as e:
                raise Invalid(_("Write a circle as 'lat,lon radius-km'."), field="circles") from e
            out.append([lat, lon, radius])
        value = out
    if not isinstance(value, list | tuple) or len(value) > MAX_CIRCLES:
        raise Invalid(_("At most %(n)d circles.") % {"n": MAX_CIRCLES}, field="circles")
    circles = []
    for c in value:
        if not isinstance(c, list | tuple) or len(c) != 3:
            raise Invalid(_("Write a circle as 'lat,lon radius-km'."), field="circles")
        r = _coord(c[2], 0, 1000, "circles")
        if r <= 0:
            raise Invalid(_("A circle's radius must be more than 0 km."), field="circles")
        circles.append([_coord(c[0], -90, 90, "circles"), _coord(c[1], -180, 180, "circles"), r])
    return circles


def clean_fields(polres, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validate what an author sends; with `partial`, only the keys present."""
    out: dict[str, Any] = {}
    tz = polres.timezone

    def has(k: str) -> bool:
        return k in data or not partial

    if has("status"):
        out["status"] = _choice(data.get("status", CapStatus.ACTUAL), AUTHORED_STATUS, "status", _("status"))
    if has("categories"):
        cats = data.get("categories") or []
        if isinstance(cats, str):
            cats = [c for c in re.split(r"[\s,]+", cats) if c]
        cats = list(dict.fromkeys(str(c) for c in cats))
        if not cats or any(c not in CapCategory.values for c in cats):
            raise Invalid(_("Choose at least one CAP category."), field="categories")
        out["categories"] = cats
    for k, choices, label in (
        ("urgency", Urgency.values, _("urgency")),
        ("severity", Severity.values, _("severity")),
        ("certainty", Certainty.values, _("certainty")),
    ):
        if has(k):
            out[k] = _choice(data.get(k), choices, k, label)
    texts = (
        ("event", 120, 3, False, pgettext("cap", "Event")),
        ("headline", 160, 5, False, _("Headline")),
        ("description", 4000, 0, True, _("Description")),
        ("instruction", 2000, 0, True, _("Instruction")),
        ("sender_name", 160, 0, False, _("Sender name")),
        ("contact", 160, 0, False, _("Contact")),
        ("event_en", 120, 0, False, _("Event (English)")),
        ("headline_en", 160, 0, False, _("Headline (English)")),
        ("description_en", 4000, 0, True, _("Description (English)")),
        ("instruction_en", 2000, 0, True, _("Instruction (English)")),
        ("note", 500, 0, False, _("Note")),
    )
    for k, max_len, min_len, multi, label in texts:
        if has(k):
            out[k] = clean_text(
                data.get(k, ""), k, max_len=max_len, min_len=min_len, multiline=multi, label=label
            )
    for k in ("effective", "onset", "expires"):
        if has(k):
            out[k] = parse_when(data.get(k), k, tz)
    if has("area_codes"):
        out["area_codes"] = clean_area_codes(polres, data.get("area_codes"))
    if has("polygons"):
        out["polygons"] = clean_polygons(data.get("polygons"))
    if has("circles"):
        out["circles"] = clean_circles(data.get("circles"))
    if has("area_desc"):
        out["area_desc"] = clean_text(
            data.get("area_desc", ""), "area_desc", max_len=500, label=pgettext("place", "Area")
        )
    return out


def _describe_area(codes: list[str]) -> str:
    names = area_names(codes)
    return ", ".join(names.get(c, c) for c in codes)[:500]


def check_complete(a: Alert, now: dt.datetime) -> None:
    """Rules across fields, checked when a message is made or published."""
    if not (a.area_codes or a.polygons or a.circles):
        raise Invalid(_("Mark the area: kelurahan/kecamatan, a polygon or a circle."), field="area_codes")
    if not a.area_desc:
        a.area_desc = _describe_area(a.area_codes) or _("Marked area")
    if a.expires is None:
        raise Invalid(_("Set when the alert expires."), field="expires")
    start = a.effective or now
    if a.expires <= start:
        raise Invalid(_("The alert must expire after it takes effect."), field="expires")
    if a.expires - start > MAX_DURATION:
        raise Invalid(_("An alert may run at most 31 days; publish an update to extend it."), field="expires")
    if a.onset and a.onset > a.expires:
        raise Invalid(_("The onset must be before the expiry."), field="onset")


def _new_identifier(polres) -> str:
    return f"siaga.{polres.code.lower()}.{uuid.uuid4().hex[:16]}"


# --- services -------------------------------------------------------------------------------------


def create_alert(actor, *, polres=None, at=None, **data) -> Alert:
    """A draft CAP message (msgType Alert)."""
    check_may_write(actor, "info.alert")
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    polres = default_polres(actor, polres)
    fields = clean_fields(polres, data)
    now = (at or timezone.now()).replace(microsecond=0)
    ident = _new_identifier(polres)
    with transaction.atomic():
        a = Alert(
            polres=polres,
            slug=ident,
            identifier=ident,
            sender=sender_for(polres),
            author=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            updated_at=now,
            **fields,
        )
        check_complete(a, now)
        a.save()
        ensure_in_scope(actor, a)
        _publish("info.alert.created", a)
    return a


def edit_alert(actor, pk: Any, *, version: Any = None, at=None, **changes) -> Alert:
    check_may_write(actor, "info.alert")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    now = (at or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        a = for_change(Alert.objects.filter(external=False), actor, pk)
        check_version(a, version)
        if a.state != S.DRAFT:
            raise Conflict(_("Only a draft can be edited; publish an update instead."), code="transition")
        before = _snapshot(a)
        for k, v in clean_fields(a.polres, changes, partial=True).items():
            setattr(a, k, v)
        if "area_codes" in changes and "area_desc" not in changes:
            a.area_desc = ""
        check_complete(a, now)
        a.updated_at = now
        a.version += 1
        a.save()
        _publish("info.alert.edited", a, before)
    return a


def publish_alert(actor, pk: Any, *, version: Any = None, at=None) -> Alert:
    check_may_write(actor, "info.alert")
    now = (at or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        a = for_change(Alert.objects.filter(external=False), actor, pk)
        check_version(a, version)
        if a.state != S.DRAFT:
            raise Conflict(_("Only a draft can be published."), code="transition")
        before = _snapshot(a)
        check_complete(a, now)
        if a.expires <= now:
            raise Invalid(_("The expiry time has already passed."), field="expires")
        a.sent = now
        a.state = S.PUBLISHED
        a.updated_at = now
        a.version += 1
        a.save()
        _publish("info.alert.published", a, before)
    return a


def _live_for_followup(actor, pk: Any, version: Any, now: dt.datetime) -> Alert:
    a = for_change(Alert.objects.filter(external=False), actor, pk)
    check_version(a, version)
    if a.state != S.PUBLISHED or a.msg_type == MsgType.CANCEL:
        raise Conflict(_("Only a published alert in force can be updated or cancelled."), code="transition")
    if a.expires and a.expires <= now:
        raise Conflict(_("This alert has expired; publish a new one."), code="transition")
    return a


def _followup(prev: Alert, now: dt.datetime, msg_type: str, actor) -> Alert:
    ident = _new_identifier(prev.polres)
    a = Alert(
        polres=prev.polres,
        slug=ident,
        identifier=ident,
        sender=prev.sender,
        sent=now,
        status=prev.status,
        msg_type=msg_type,
        previous=prev,
        references=" ".join(r for r in (prev.references, cap.reference_of(prev)) if r),
        state=S.PUBLISHED,
        language=prev.language,
        author=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        updated_at=now,
        **{k: getattr(prev, k) for k in INFO_FIELDS},
    )
    return a


def update_alert(actor, pk: Any, *, version: Any = None, at=None, **changes) -> Alert:
    """Publish an Update message that replaces the alert in force; the earlier one becomes `updated`."""
    check_may_write(actor, "info.alert")
    unknown = set(changes) - set(EDITABLE) - {"note"}
    if unknown or "status" in changes:
        raise Invalid(
            _("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown | ({"status"} & set(changes))))}
        )
    now = (at or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        prev = _live_for_followup(actor, pk, version, now)
        a = _followup(prev, now, MsgType.UPDATE, actor)
        fields = clean_fields(prev.polres, changes, partial=True)
        for k, v in fields.items():
            setattr(a, k, v)
        if "area_codes" in changes and "area_desc" not in changes:
            a.area_desc = ""
        a.effective = fields.get("effective") or now
        check_complete(a, now)
        if a.expires <= now:
            raise Invalid(_("The expiry time has already passed."), field="expires")
        a.save()
        before = _snapshot(prev)
        prev.state = S.UPDATED
        prev.updated_at = now
        prev.version += 1
        prev.save()
        _publish("info.alert.superseded", prev, before, by=a.identifier)
        _publish("info.alert.updated", a, references=a.references)
    return a


def cancel_alert(actor, pk: Any, *, reason: str, version: Any = None, at=None) -> Alert:
    """Publish a Cancel message for the alert in force; it becomes `cancelled`."""
    check_may_write(actor, "info.alert")
    reason = clean_text(reason, "reason", max_len=500, min_len=5, label=_("Reason"))
    now = (at or timezone.now()).replace(microsecond=0)
    with transaction.atomic():
        prev = _live_for_followup(actor, pk, version, now)
        a = _followup(prev, now, MsgType.CANCEL, actor)
        a.note = reason
        a.urgency = Urgency.PAST
        a.effective = now
        # a Cancel stays in the feed at least a day so that receivers see it
        a.expires = max(prev.expires or now, now + dt.timedelta(days=1))
        if a.onset and a.onset > a.expires:
            a.onset = None
        a.save()
        before = _snapshot(prev)
        prev.state = S.CANCELLED
        prev.updated_at = now
        prev.version += 1
        prev.save()
        _publish("info.alert.cancelled", prev, before, by=a.identifier, reason=reason)
        _publish("info.alert.cancel_sent", a, references=a.references)
    return a


def expire_due(now: dt.datetime | None = None) -> int:
    """Record `expired` on published messages whose expiry has passed (one summarising event)."""
    now = now or timezone.now()
    if not Alert.objects.filter(state=S.PUBLISHED, expires__lte=now).exists():
        return 0  # the usual tick: no write lock taken
    with transaction.atomic():
        ids = list(
            Alert.objects.select_for_update()
            .filter(state=S.PUBLISHED, expires__lte=now)
            .values_list("pk", "polres_id")
        )
        if not ids:
            return 0
        Alert.objects.filter(pk__in=[i for i, _p in ids]).update(state=S.EXPIRED, updated_at=now)
        for polres_id in sorted({p for _i, p in ids}):
            mine = [i for i, p in ids if p == polres_id]
            publish(
                Event(
                    "info.alert.expired",
                    "info.alert",
                    ",".join(map(str, mine)),
                    polres_id,
                    data={"n": len(mine)},
                )
            )
    return len(ids)


# --- import ---------------------------------------------------------------------------------------


def _pick_info(infos, prefix: str):
    return next((i for i in infos if i.language.lower().startswith(prefix)), None)


def _clip(s: str, n: int, multiline: bool = False) -> str:
    return clean_text(s, "x", max_len=10**9, multiline=multiline)[:n]


def import_cap(data: bytes, *, source: str = "", polres=None, actor=None, at=None) -> tuple[Alert, bool]:
    """Store a CAP 1.2 document from another sender (e.g. BMKG) as an external alert.

    Returns (alert, created); the same sender + identifier imported again returns the stored one.
    Malformed or hostile documents raise `cap.BadCap` (400) and store nothing."""
    if actor is not None:
        check_may_write(actor, "info.alert")
    p = cap.parse_cap(data)
    if p.msg_type not in (MsgType.ALERT, MsgType.UPDATE, MsgType.CANCEL):
        raise cap.BadCap(_("Only Alert, Update and Cancel messages are shown to the public."))
    if p.status not in AUTHORED_STATUS:
        raise cap.BadCap(_("Only Actual, Exercise and Test messages are shown to the public."))
    if p.scope != "Public":
        raise cap.BadCap(_("Only messages with scope Public are shown to the public."))
    if not p.infos:
        raise cap.BadCap(_("The CAP document has no <info> block."))
    if len(p.identifier) > 200 or len(p.sender) > 200:
        raise cap.BadCap(_("The identifier or sender is too long."))
    main = _pick_info(p.infos, "id") or p.infos[0]
    en = _pick_info(p.infos, "en") if main.language.lower().startswith("id") else None
    polres = default_polres(actor, polres)
    existing = Alert.objects.filter(sender=p.sender, identifier=p.identifier).first()
    if existing is not None:
        return existing, False
    now = (at or timezone.now()).replace(microsecond=0)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    slug = "ext-" + hashlib.sha256(f"{p.sender}\n{p.identifier}".encode()).hexdigest()[:24]
    state = S.PUBLISHED
    if main.expires and main.expires <= now:
        state = S.EXPIRED
    a = Alert(
        polres=polres,
        slug=slug,
        identifier=p.identifier,
        sender=p.sender,
        sent=p.sent,
        status=p.status,
        msg_type=p.msg_type,
        cap_scope=p.scope,
        note=_clip(p.note, 500),
        references=p.references,
        state=state,
        categories=main.categories,
        event=_clip(main.event, 120),
        urgency=main.urgency,
        severity=main.severity,
        certainty=main.certainty,
        language=main.language[:10],
        sender_name=_clip(main.sender_name, 160),
        headline=_clip(main.headline or main.event, 160),
        description=_clip(main.description, 20000, True),
        instruction=_clip(main.instruction, 20000, True),
        contact=_clip(main.contact, 160),
        web=main.web[:300] if main.web.startswith(("http://", "https://")) else "",
        event_en=_clip(en.event, 120) if en else "",
        headline_en=_clip(en.headline, 160) if en else "",
        description_en=_clip(en.description, 20000, True) if en else "",
        instruction_en=_clip(en.instruction, 20000, True) if en else "",
        effective=main.effective,
        onset=main.onset,
        expires=main.expires,
        area_desc=_clip("; ".join(main.area_desc), 500),
        polygons=main.polygons[:MAX_POLYGONS],
        circles=main.circles[:MAX_CIRCLES],
        external=True,
        source=str(source)[:200],
        raw_xml=text,
        created_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                a.save()
        except IntegrityError:
            return Alert.objects.get(sender=p.sender, identifier=p.identifier), False
        _publish("info.alert.imported", a, source=a.source)
        # an Update or Cancel retires the earlier messages it names that we hold
        if p.msg_type in (MsgType.UPDATE, MsgType.CANCEL) and p.references:
            to = S.UPDATED if p.msg_type == MsgType.UPDATE else S.CANCELLED
            q = Q()
            for ref in p.references.split():
                parts = ref.split(",")
                if len(parts) >= 2:
                    q |= Q(sender=parts[0], identifier=parts[1])
            if q:
                for old in Alert.objects.filter(q, external=True, state=S.PUBLISHED):
                    before = _snapshot(old)
                    old.state = to
                    old.updated_at = now
                    old.save()
                    _publish("info.alert.superseded", old, before, by=a.identifier)
    return a, True


# --- public reads ---------------------------------------------------------------------------------


def active(now: dt.datetime | None = None, polres=None):
    """Alerts in force: published, not expired, not Cancel messages; own and imported."""
    now = now or timezone.now()
    qs = Alert.objects.filter(state=S.PUBLISHED).exclude(msg_type=MsgType.CANCEL)
    qs = qs.filter(Q(expires__isnull=True) | Q(expires__gt=now))
    if polres is not None:
        qs = qs.filter(polres=polres)
    return qs.select_related("polres").order_by("-sent", "-pk")


def recent_ended(now: dt.datetime | None = None, days: int = 30):
    now = now or timezone.now()
    qs = Alert.objects.filter(sent__gte=now - dt.timedelta(days=days)).filter(
        Q(state__in=(S.UPDATED, S.CANCELLED, S.EXPIRED)) | Q(state=S.PUBLISHED, expires__lte=now)
    )
    return qs.exclude(msg_type=MsgType.CANCEL).select_related("polres").order_by("-sent", "-pk")[:50]


def feed_entries(now: dt.datetime | None = None, limit: int = 100):
    """Our own messages in force, Update and Cancel messages included (receivers need them)."""
    now = now or timezone.now()
    qs = Alert.objects.filter(external=False, state=S.PUBLISHED, sent__isnull=False)
    qs = qs.filter(Q(expires__isnull=True) | Q(expires__gt=now))
    return list(qs.select_related("polres").order_by("-sent", "-pk")[:limit])


def public_document(slug: str) -> Alert:
    a = Alert.objects.select_related("polres").filter(slug=slug, sent__isnull=False).first()
    if a is None or a.state == S.DRAFT:
        raise NotFound(_("No published alert has this address."))
    return a
