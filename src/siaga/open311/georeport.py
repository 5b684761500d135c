"""GeoReport v2 requests mapped onto portal reports: the POST form parser, submission through the
portal's one write path (`portal.reports.submit_report`), and the public read of requests.

What a GET shows is the portal's public view of a report (what /lacak/<code>/ shows): category, status,
area and public timeline notes — never the reporter, the free-text description, the photos, or the
position of a report whose place could point at a victim or a witness (crime and information groups).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from siaga.cad.categories import BY_CODE
from siaga.core.errors import Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.portal import reports
from siaga.portal.common import check_key, misses_limited, normalise_code
from siaga.portal.models import Report, ReportKind

from . import catalog, keys
from .models import Submission

ATTR_RE = re.compile(r"^attribute\[([A-Za-z0-9_\-]{1,40})\](\[\])?$")
NUMBER_RE = re.compile(r"^[+-]?(\d{1,3})(\.\d{1,15})?$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,63}$")
FIELDS = frozenset(
    {
        "api_key",
        "jurisdiction_id",
        "service_code",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)
MAX_SPAN = dt.timedelta(days=90)
MAX_ROWS = 1000
PUBLIC_ROUNDING = 3  # decimals of a published position (about 100 m) for the non-sensitive groups


# --- the POST form -------------------------------------------------------------------------------------


def _one(data: Mapping[str, list[str]], name: str, limit: int) -> str:
    values = data.get(name) or []
    value = str(values[0] if values else "").strip()
    if len(value) > limit:
        raise Invalid(_("%(f)s is longer than %(n)d characters.") % {"f": name, "n": limit}, field=name)
    return value


def parse_coordinate(value: str, name: str, bound: float) -> float:
    """A decimal degree as sent in a form ("-6.2383", "+106.99"): plain digits only, within ±bound."""
    m = NUMBER_RE.match(value)
    if not m:
        raise Invalid(_("%(f)s must be a decimal number of degrees.") % {"f": name}, field=name)
    x = float(value)
    if not math.isfinite(x) or abs(x) > bound:
        raise Invalid(_("%(f)s is outside ±%(b)d degrees.") % {"f": name, "b": bound}, field=name)
    return x


def parse_post(data: Mapping[str, list[str]]) -> dict[str, Any]:
    """The GeoReport v2 POST fields (form-encoded, each a list of values) as a checked dict.

    attribute[code] (and attribute[code][] for lists) are gathered into `attributes`; any other unknown
    field is ignored, as the spec asks of servers."""
    service_code = _one(data, "service_code", 40)
    if not service_code:
        raise Invalid(_("service_code is required."), field="service_code")
    if service_code not in {s["service_code"] for s in catalog.services()}:
        raise Invalid(_("No service has the code %(c)s.") % {"c": service_code}, field="service_code")
    out: dict[str, Any] = {"service_code": service_code}
    lat_s, lon_s = _one(data, "lat", 40), _one(data, "long", 40)
    if bool(lat_s) != bool(lon_s):
        raise Invalid(_("Send lat and long together."), field="lat" if not lat_s else "long")
    out["lat"] = parse_coordinate(lat_s, "lat", 90) if lat_s else None
    out["long"] = parse_coordinate(lon_s, "long", 180) if lon_s else None
    out["address_string"] = _one(data, "address_string", 500)
    out["address_id"] = _one(data, "address_id", 20)
    if out["lat"] is None and not out["address_string"] and not out["address_id"]:
        raise Invalid(_("A location is required: lat and long, address_string or address_id."), field="lat")
    out["description"] = _one(data, "description", reports.DESCRIPTION_MAX)
    email = _one(data, "email", 254)
    if email and not EMAIL_RE.match(email):
        raise Invalid(_("The e-mail address is not valid."), field="email")
    out["email"] = email
    for name, limit in (("device_id", 100), ("account_id", 100), ("first_name", 60), ("last_name", 60)):
        out[name] = _one(data, name, limit)
    out["phone"] = _one(data, "phone", 30)
    media = _one(data, "media_url", 500)
    if media and not re.match(r"^https?://[^\s]+$", media):
        raise Invalid(_("media_url must be an http or https address."), field="media_url")
    out["media_url"] = media
    attrs: dict[str, Any] = {}
    allowed = {a["code"]: a for a in catalog.attributes_of(service_code)}
    for name, values in data.items():
        m = ATTR_RE.match(name)
        if not m:
            if name.startswith("attribute"):
                raise Invalid(
                    _("%(f)s is not a valid attribute field.") % {"f": name[:60]}, field="attribute"
                )
            continue
        code = m.group(1)
        if code not in allowed:
            raise Invalid(
                _("The service %(s)s has no attribute %(a)s.") % {"s": service_code, "a": code},
                field=f"attribute[{code}]",
            )
        spec = allowed[code]
        value = str((values or [""])[0]).strip()
        if (
            spec["datatype"] == "singlevaluelist"
            and value
            and value not in {v["key"] for v in spec["values"]}
        ):
            raise Invalid(
                _("attribute[%(a)s] must be one of: %(v)s.")
                % {"a": code, "v": ", ".join(v["key"] for v in spec["values"])},
                field=f"attribute[{code}]",
            )
        if spec["datatype"] == "number" and value:
            if not value.isdigit() or not 1 <= int(value) <= 999:
                raise Invalid(_("attribute[%(a)s] must be a number from 1 to 999.") % {"a": code}, field=code)
            value = int(value)
        attrs[code] = value
    for code, spec in allowed.items():
        if spec["required"] and attrs.get(code) in (None, ""):
            raise Invalid(_("attribute[%(a)s] is required.") % {"a": code}, field=f"attribute[{code}]")
    out["attributes"] = attrs
    return out


def idempotency_key(api_key_id: int, header: str, fields: dict[str, Any]) -> str:
    """The report key of a POST. With an X-Idempotency-Key header: that key, per API key. Without one:
    derived from what was sent (service, place, description, attributes, device), so a retry of the
    very same form — e.g. after a lost answer — finds the first report instead of making a second."""
    if header:
        header = check_key(header, field="X-Idempotency-Key")
        return "o311h-" + hashlib.sha256(f"{api_key_id}:{header}".encode()).hexdigest()[:40]
    parts = [
        str(api_key_id),
        fields["service_code"],
        repr(fields["lat"]),
        repr(fields["long"]),
        fields["address_string"],
        fields["address_id"],
        fields["description"],
        fields["device_id"],
        repr(sorted((k, str(v)) for k, v in fields["attributes"].items())),
    ]
    return "o311d-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def submit(
    data: Mapping[str, list[str]], *, idempotency_header: str = "", client: str = "", at=None
) -> tuple[Report, bool]:
    """POST requests: check the key, then the form, then file the report through the portal.

    Returns (report, created); a retry answers with the first report. Nothing is stored on bad input.
    `client`: the caller's address, for the limit on missing or unknown keys."""
    api_key = keys.authenticate(_one(data, "api_key", 200), client=client)
    f = parse_post(data)
    key = idempotency_key(api_key.pk, idempotency_header.strip(), f)
    first = Report.objects.filter(key=key).first()
    if first is not None:
        return first, False
    a = f["attributes"]
    name = " ".join(x for x in (f["first_name"], f["last_name"]) if x)
    now = at or timezone.now()
    with transaction.atomic():
        r = reports.submit_report(
            key=key,
            category=f["service_code"],
            description=f["description"],
            kind=a.get("kind") or ReportKind.LAPORAN,
            lat=f["lat"],
            lon=f["long"],
            address=f["address_string"],
            kelurahan_code=f["address_id"],
            rw=a.get("rw"),
            rt=a.get("rt"),
            without_identity=a.get("without_identity") == "true",
            reporter_name=name,
            reporter_phone=f["phone"],
            # devices of different apps must not share a rate-limit bucket
            device=f"open311:{api_key.pk}:{f['device_id']}" if f["device_id"] else "",
            ip="",  # the app's server speaks for many people: the key has its own limit instead
            at=now,
        )
        created = not Submission.objects.filter(report=r).exists() and r.key == key
        if created:
            Submission.objects.create(
                report=r,
                api_key=api_key,
                account_id=f["account_id"],
                media_url=f["media_url"],
                created_at=now,
            )
            publish(
                Event(
                    "open311.request.submitted",
                    "portal.report",
                    r.pk,
                    r.polres_id,
                    after={"tracking_code": r.tracking_code, "api_key_id": api_key.pk, "app": api_key.name},
                )
            )
        keys.mark_used(api_key, now)
    return r, created


# --- reads ---------------------------------------------------------------------------------------------


def iso(t: dt.datetime | None) -> str:
    if t is None:
        return ""
    return timezone.localtime(t).isoformat(timespec="seconds")


def public_request(r: Report) -> dict[str, Any]:
    """One request as GeoReport v2 lists it, built from the portal's public view of the report."""
    v = reports.public_view(r)
    notes = [e["note"] for e in v["events"] if e["note"]]
    group = BY_CODE[r.category].group if r.category in BY_CODE else "information"
    show_place = group not in catalog.SENSITIVE_GROUPS and r.lat is not None
    agency = r.polsek.name if r.polsek_id else r.polres.name
    return {
        "service_request_id": v["tracking_code"],
        "status": "open" if r.status in reports.OPEN else "closed",
        "status_notes": notes[-1] if notes else v["status_label"],
        "service_name": v["category_label"],
        "service_code": v["category"],
        "description": f"{v['kind_label']} · {v['category_label']}",
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(v["created_at"]),
        "updated_datetime": iso(v["updated_at"]),
        "expected_datetime": "",
        "address": v["area"],
        "address_id": "",
        "zipcode": "",
        "lat": round(r.lat, PUBLIC_ROUNDING) if show_place else None,
        "long": round(r.lon, PUBLIC_ROUNDING) if show_place else None,
        "media_url": "",
    }


def _base():
    return Report.objects.select_related("polres", "polsek").prefetch_related("events", "notices")


def get_request(code: str, client: str = "") -> dict[str, Any]:
    """One request by its id (the report's tracking code): unknown ids count against `client`'s lookup
    limit, shared with the portal's tracking page."""
    with misses_limited(client):
        r = _base().filter(tracking_code=normalise_code(code)[:10]).first()
        if r is None:
            raise NotFound(
                _("No request has the id %(c)s.") % {"c": str(code)[:20]}, code="service_request_id"
            )
    return public_request(r)


def _when(value: str, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = parse_datetime(value.replace(" ", "+"))  # a '+' in a query string arrives as a space
    except ValueError:
        t = None
    if t is None:
        raise Invalid(_("%(f)s must be an ISO 8601 date and time.") % {"f": name}, field=name)
    if timezone.is_naive(t):
        t = timezone.make_aware(t, dt.UTC)
    return t


def list_requests(params: Mapping[str, str], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """GET requests: by ids (which override the rest) or by service, status and a span of at most 90
    days (default the last 90 days); newest first, at most 1000."""
    ids = [x.strip().upper() for x in str(params.get("service_request_id") or "").split(",") if x.strip()]
    qs = _base()
    if ids:
        if len(ids) > MAX_ROWS:
            raise Invalid(_("At most 1000 ids at once."), field="service_request_id")
        qs = qs.filter(tracking_code__in=[normalise_code(i)[:10] for i in ids])
    else:
        now = now or timezone.now()
        start = _when(str(params.get("start_date") or ""), "start_date")
        end = _when(str(params.get("end_date") or ""), "end_date")
        if end is None:
            end = now if start is None else min(now, start + MAX_SPAN)
        if start is None:
            start = end - MAX_SPAN
        if start > end:
            raise Invalid(_("start_date is after end_date."), field="start_date")
        if end - start > MAX_SPAN:
            raise Invalid(_("The span from start_date to end_date is at most 90 days."), field="end_date")
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = [x.strip() for x in str(params.get("service_code") or "").split(",") if x.strip()]
        if codes:
            for code in codes:
                catalog.check_service(code)
            qs = qs.filter(category__in=codes)
        status = str(params.get("status") or "").strip().lower()
        if status:
            wanted = set()
            for s in status.split(","):
                if s not in ("open", "closed"):
                    raise Invalid(_("status must be open or closed."), field="status")
                wanted.add(s)
            if wanted == {"open"}:
                qs = qs.filter(status__in=reports.OPEN)
            elif wanted == {"closed"}:
                qs = qs.exclude(status__in=reports.OPEN)
    return [public_request(r) for r in qs.order_by("-created_at", "-pk")[:MAX_ROWS]]
