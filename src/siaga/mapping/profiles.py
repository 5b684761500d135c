"""Integrated profiles (Tahap III): everything known about one area, or about one interest group.

An area profile gathers, for an RT … Polsek area: the command chain, incidents (last 90 days, by category
and month), problems, potentials, partners, sambang visits, case files, patrol plans and the risk class
with its history. An interest-group profile gathers the places of one group (schools, markets, transport,
…) from the potentials register, with the problems and incidents at or near them and their contacts.

Every section is read through the read gate; a section whose register the user's role may not see is left
out of the result altogether (not shown empty).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siaga.cad.categories import BY_CODE
from siaga.cad.models import Incident
from siaga.cad.routing import haversine_m
from siaga.core.errors import Forbidden, NotFound
from siaga.core.permissions import restrict, role_allows
from siaga.territory.models import Region, Rt

from . import profile_areas
from .models import CaseFile, Partner, Potential, Problem, ProblemStatus, Visit

WINDOW_DAYS = 90
MONTHS = 12
NEAR_M = 300.0
LIST_LIMIT = 200
SECTIONS = {
    "incidents": "cad.incident",
    "problems": "mapping.problem",
    "potentials": "mapping.potential",
    "partners": "mapping.partner",
    "visits": "mapping.visit",
    "casefiles": "mapping.casefile",
    "risk": "analytics.risksnapshot",
    "patrols": "analytics.patrolplan",
}


def _may(user, section: str) -> bool:
    return role_allows(user, SECTIONS[section], "view")


# --- shared helpers -----------------------------------------------------------------------------------


class Anchors:
    """Where to draw a record without a point (the centroid of its RT, else of its kelurahan), and how to
    name its place."""

    def __init__(self, records):
        rt_keys = {r.rt_key for r in records if r.lat is None and r.rt_key}
        kels = {r.kelurahan_code for r in records if r.kelurahan_code}
        self.rt: dict[str, tuple[float, float]] = {}
        if rt_keys:
            for t in Rt.objects.filter(kelurahan_id__in={k.split("/")[0] for k in rt_keys}).only(
                "kelurahan_id", "rw_number", "number", "centroid_lat", "centroid_lon"
            ):
                if t.key in rt_keys and t.centroid_lat is not None:
                    self.rt[t.key] = (t.centroid_lat, t.centroid_lon)
        rows = Region.objects.filter(code__in=kels).values_list(
            "code", "name", "centroid_lat", "centroid_lon"
        )
        self.kel, self.names = {}, {}
        for code, name, la, lo in rows:
            self.names[code] = name
            if la is not None:
                self.kel[code] = (la, lo)

    def place(self, r) -> str:
        """ "RT 002/RW 013 Bekasijaya", "Bekasijaya" or Polres-wide."""
        name = self.names.get(r.kelurahan_code, r.kelurahan_code)
        if r.rt_key:
            _kel, rw, rt = r.rt_key.split("/")
            return f"RT {rt}/RW {rw} {name}"
        return name or _("Polres-wide")

    def point(self, r) -> tuple[float | None, float | None, bool]:
        """(lat, lon, approximate)."""
        if r.lat is not None and r.lon is not None:
            return r.lat, r.lon, False
        la_lo = self.rt.get(r.rt_key) or self.kel.get(r.kelurahan_code)
        return (la_lo[0], la_lo[1], True) if la_lo else (None, None, True)


def _mask(phone: str, email: str, full: bool) -> tuple[str, str]:
    if full:
        return phone, email
    from lokal.samaran import partial_mask

    return (partial_mask("PHONE", phone) if phone else "", partial_mask("EMAIL", email) if email else "")


def _feature(kind: str, lat, lon, props: dict) -> dict | None:
    if lat is None or lon is None:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": kind, **props},
    }


def _located(p, anchors: Anchors) -> dict:
    """Where a register record sits on the profile's map (approx: drawn at its RT or kelurahan)."""
    lat, lon, approx = anchors.point(p)
    return {"place": anchors.place(p), "lat": lat, "lon": lon, "approx": approx}


def _problem(p: Problem, anchors: Anchors) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "level": p.level,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "updated_at": p.updated_at,
        **_located(p, anchors),
    }


def _potential(p: Potential, anchors: Anchors, full: bool) -> dict:
    phone, email = _mask(p.contact_phone, p.contact_email, full)
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "category": p.category,
        "category_label": str(p.get_category_display()),
        "phone": phone,
        "email": email,
        **_located(p, anchors),
    }


def _partner(p: Partner, anchors: Anchors, full: bool) -> dict:
    phone, email = _mask(p.phone, p.email, full)
    return {
        "id": p.pk,
        "name": p.name,
        "kind": p.kind,
        "kind_label": str(p.get_kind_display()),
        "organisation": p.organisation,
        "phone": phone,
        "email": email,
        **_located(p, anchors),
    }


def _incident(i: Incident) -> dict:
    cat = BY_CODE.get(i.category)
    return {
        "id": i.pk,
        "number": i.number,
        "category": i.category,
        "category_label": str(cat.label) if cat else i.category,
        "priority": i.priority,
        "status": i.status,
        "summary": i.summary,
        "received_at": i.received_at,
        "lat": i.lat,
        "lon": i.lon,
    }


def _bars(counts: list[tuple[str, str, int]]) -> list[dict]:
    """Rows for a small bar chart: key, label, count and the bar's share of the largest (0–100)."""
    top = max((n for _, _, n in counts), default=0) or 1
    return [{"key": k, "label": label, "count": n, "pct": round(100 * n / top)} for k, label, n in counts]


def _months(now: dt.datetime, tz) -> list[tuple[int, int]]:
    local = timezone.localtime(now, tz)
    y, m = local.year, local.month
    out = []
    for _i in range(MONTHS):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


# --- area profile -------------------------------------------------------------------------------------


def _chain(user, area: profile_areas.Area) -> dict:
    from siaga.accounts.models import User

    bhabins = restrict(User.objects.all(), user, "view").filter(
        role="bhabin", is_active=True, kelurahan_code__in=area.kelurahan_codes
    )
    names = {u.pk: u.get_full_name() or u.username for u in bhabins}
    if user.role == "bhabin" and user.kelurahan_code in area.kelurahan_codes:
        names[user.pk] = user.get_full_name() or user.username
    return {
        "polres": area.polres.name,
        "polsek": area.polsek.name if area.polsek else "",
        "kecamatan": area.kecamatan.name if area.kecamatan else "",
        "kelurahan": area.kelurahan.name if area.kelurahan else "",
        "bhabinkamtibmas": sorted(names.values()),
    }


def _incident_section(user, area, now, tz) -> tuple[dict, list[dict]]:
    since = now - dt.timedelta(days=WINDOW_DAYS)
    months = _months(now, tz)
    first = timezone.make_aware(dt.datetime(months[0][0], months[0][1], 1), tz)
    qs = (
        restrict(Incident.objects.all(), user, "view")
        .filter(area.incidents(), polres_id=area.polres.pk, duplicate_of__isnull=True)
        .filter(received_at__gte=min(first, since), received_at__lt=now)
    )
    by_month: Counter = Counter()
    by_cat: Counter = Counter()
    recent = []
    for i in qs.order_by("-received_at").iterator():
        local = timezone.localtime(i.received_at, tz)
        by_month[(local.year, local.month)] += 1
        if i.received_at >= since:
            by_cat[i.category] += 1
            recent.append(i)
    cats = [(c, str(BY_CODE[c].label) if c in BY_CODE else c, n) for c, n in by_cat.most_common()]
    month_rows = [(f"{y}-{m:02d}", f"{m:02d}/{y % 100:02d}", by_month[(y, m)]) for y, m in months]
    feats = [_feature("incident", i.lat, i.lon, {"label": f"{i.number} · {i.get_category_display()}"})
             for i in recent[:LIST_LIMIT]]  # fmt: skip
    return (
        {
            "window_days": WINDOW_DAYS,
            "total": len(recent),
            "by_category": _bars(cats),
            "by_month": _bars(month_rows),
            "recent": [_incident(i) for i in recent[:50]],
        },
        [f for f in feats if f],
    )


def _risk_section(user, area) -> dict | None:
    from siaga.analytics.models import RiskSnapshot

    snaps = list(
        restrict(RiskSnapshot.objects.all(), user, "view")
        .filter(level=area.level, key=area.key, polres_id=area.polres.pk)
        .order_by("-week")[:26]
    )
    if not snaps:
        return {"latest": None, "history": [], "url": ""}
    latest = snaps[0]
    return {
        "latest": {
            "week": latest.week,
            "class": latest.risk_class,
            "label": str(latest.get_risk_class_display()),
            "score": round(latest.score, 2),
        },
        "history": [
            {
                "week": s.week,
                "class": s.risk_class,
                "label": str(s.get_risk_class_display()),
                "score": s.score,
            }
            for s in snaps
        ],
        "url": reverse("analytics:risk_area", args=[area.level, area.key]),
    }


def _patrol_section(user, area) -> list[dict] | None:
    """Patrol plans with a cell inside the area, newest first, when the analytics app provides them."""
    try:
        model = apps.get_model("analytics", "PatrolPlan")
    except LookupError:
        return None
    if area.level == "rt":
        cells = Q(items__rt_key=area.key)
    elif area.level == "rw":
        cells = Q(items__rt_key__startswith=f"{area.key}/")
    else:
        cells = Q(items__kelurahan_code__in=area.kelurahan_codes)
    try:
        qs = restrict(model.objects.filter(cells, polres_id=area.polres.pk), user, "view").distinct()
        plans = list(qs.order_by("-starts_at")[:10])
    except FieldError:  # a plan without located cells: nothing to match the area with
        return None
    return [
        {
            "id": p.pk,
            "label": f"{p.date} · {p.shift} · {p.get_status_display()}",
            "url": reverse("patrol:plan", args=[p.pk]),
        }
        for p in plans
    ]


@dataclass
class Gathered:
    """The profile being assembled: sections, map points and kelurahan-wide counts (RT/RW level)."""

    area: profile_areas.Area
    out: dict
    features: list = field(default_factory=list)
    wide: dict = field(default_factory=dict)

    def points(self, kind: str, rows: list[dict], label: str, *extra: str) -> None:
        for r in rows:
            f = _feature(kind, r["lat"], r["lon"], {"label": r[label], "approx": r.get("approx", False),
                                                    **{k: r[k] for k in extra}})  # fmt: skip
            if f:
                self.features.append(f)

    def count_wide(self, name: str, qs) -> None:
        q = self.area.wide_records()
        if q is not None:
            self.wide[name] = qs.filter(q).count()


def _problems(user, g: Gathered) -> None:
    mine = restrict(Problem.objects.all(), user, "view")
    probs = list(mine.filter(g.area.records()).order_by("-updated_at")[:LIST_LIMIT])
    anchors = Anchors(probs)
    rows = [_problem(p, anchors) for p in probs]
    open_rows = [r for r in rows if r["status"] != ProblemStatus.RESOLVED]
    levels = Counter(r["level"] for r in open_rows)
    g.out["problems"] = {
        "open": open_rows,
        "resolved": len(rows) - len(open_rows),
        "by_level": _bars([(lv, lv, levels.get(lv, 0)) for lv in ("PG", "AG", "GN")]),
    }
    g.points("problem", open_rows, "title", "level")
    g.count_wide("problems", mine.exclude(status=ProblemStatus.RESOLVED))


def _potentials(user, g: Gathered) -> None:
    mine = restrict(Potential.objects.all(), user, "view")
    pots = list(mine.filter(g.area.records())[:LIST_LIMIT])
    anchors = Anchors(pots)
    rows = [_potential(p, anchors, role_allows(user, "mapping.potential", "change")) for p in pots]
    kinds = Counter((r["kind"], r["kind_label"]) for r in rows)
    g.out["potentials"] = {"items": rows, "by_kind": _bars([(k, lab, n) for (k, lab), n in kinds.items()])}
    g.points("potential", rows, "name")
    g.count_wide("potentials", mine)


def _partners(user, g: Gathered) -> None:
    mine = restrict(Partner.objects.filter(active=True), user, "view")
    parts = list(mine.filter(g.area.records())[:LIST_LIMIT])
    anchors = Anchors(parts)
    full = role_allows(user, "mapping.partner", "change")
    rows = [_partner(p, anchors, full) for p in parts]
    g.out["partners"] = {"items": rows, "masked": not full}
    g.points("partner", rows, "name")
    g.count_wide("partners", mine)


def _visits(user, g: Gathered) -> None:
    """Recent sambang visits in the area (at RT/RW level: in its kelurahan too, where visits are logged)."""
    wide = g.area.wide_records()
    where = g.area.records() | wide if wide is not None else g.area.records()
    qs = restrict(Visit.objects.filter(where), user, "view").select_related("officer")
    g.out["visits"] = [
        {
            "id": v.pk,
            "date": v.date,
            "place": v.place,
            "officer": (v.officer.get_full_name() or v.officer.username) if v.officer_id else "",
            "topics": v.topics,
        }
        for v in qs[:10]
    ]


def _casefiles(user, g: Gathered) -> None:
    g.out["casefiles"] = [
        {
            "id": c.pk,
            "title": c.title,
            "stage": c.stage,
            "stage_label": str(c.get_stage_display()),
            "url": reverse("profiles:casefile", args=[c.pk]),
        }
        for c in restrict(CaseFile.objects.filter(g.area.records()), user, "view")[:20]
    ]


def area_profile(user, level: str, key: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the user may see about one area; sections his role may not see are absent."""
    if not any(_may(user, s) for s in SECTIONS):
        raise Forbidden(_("You may not see area profiles."))
    area = profile_areas.visible(user, level, key)
    now = now or timezone.now()
    g = Gathered(
        area,
        {
            "area": {
                "level": area.level,
                "key": area.key,
                "name": area.name,
                "level_label": str(LEVEL_LABELS[area.level]),
                "kelurahan_code": area.kelurahan_code,
            },
            "chain": _chain(user, area),
            "outline": {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": x, "properties": {}} for x in area.geometries],
            },
        },
    )
    if _may(user, "incidents"):
        g.out["incidents"], feats = _incident_section(user, area, now, _zone(area.polres))
        g.features += feats
    for section, fill in (
        ("problems", _problems),
        ("potentials", _potentials),
        ("partners", _partners),
        ("visits", _visits),
        ("casefiles", _casefiles),
    ):
        if _may(user, section):
            fill(user, g)
    if _may(user, "risk"):
        g.out["risk"] = _risk_section(user, area)
    if _may(user, "patrols") and (patrols := _patrol_section(user, area)) is not None:
        g.out["patrols"] = patrols
    if g.wide:
        g.out["kelurahan_wide"] = {
            **g.wide,
            "url": reverse("profiles:area", args=["kelurahan", area.kelurahan_code]),
        }
    g.out["features"] = {"type": "FeatureCollection", "features": g.features}
    return g.out


def _zone(polres):
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(polres.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


LEVEL_LABELS = {
    "rt": gettext_lazy("RT"),
    "rw": gettext_lazy("RW"),
    "kelurahan": gettext_lazy("Kelurahan"),
    "kecamatan": gettext_lazy("Kecamatan"),
    "polsek": gettext_lazy("Polsek area"),
}


# --- interest-group profile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    slug: str
    label: Any
    categories: frozenset[str]  # potential categories that belong to the group
    words: str  # a regular expression over names and descriptions (Indonesian and English)
    partner_kinds: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()  # person categories that are contacts of the group


GROUPS = {
    g.slug: g
    for g in (
        Group("schools", gettext_lazy("Schools"), frozenset({"school"}),
              r"sekolah|\bsd\b|\bsdn\b|\bsmp|\bsma|\bsmk|madrasah|pesantren|kampus|universitas|school"),
        Group("markets", gettext_lazy("Markets and trade"), frozenset({"market"}),
              r"pasar|\bmal\b|\bmall\b|plaza|pertokoan|ruko|market"),
        Group("transport", gettext_lazy("Transport"), frozenset(),
              r"terminal|stasiun|halte|ojek|angkot|\bbus\b|\bkrl\b|pangkalan|transport|\btol\b"),
        Group("industry", gettext_lazy("Industry"), frozenset({"industry"}),
              r"pabrik|industri|kawasan|gudang|factory|garmen", frozenset({"satpam"})),
        Group("worship", gettext_lazy("Places of worship"), frozenset({"worship"}),
              r"masjid|musholl?a|mushola|surau|gereja|pura|vihara|klenteng|ibadah",
              people=frozenset({"tokoh_agama"})),
        Group("health", gettext_lazy("Health"), frozenset(),
              r"puskesmas|rumah sakit|\brsu?d?\b|klinik|posyandu|apotek|hospital"),
        Group("events", gettext_lazy("Events and crowds"), frozenset({"event"}),
              r"konser|festival|pawai|bazar|event|pertandingan|stadion"),
        Group("organisations", gettext_lazy("Organisations and networks"), frozenset({"organisation"}),
              r"paguyuban|ormas|karang taruna|komunitas|organisasi", frozenset({"community"}),
              frozenset({"tokoh_pemuda", "tokoh_masyarakat"})),
    )
}  # fmt: skip


def _matches(g: Group, *texts: str) -> bool:
    return bool(re.search(g.words, " ".join(t for t in texts if t), re.IGNORECASE))


def _near(place: dict, rec) -> bool:
    """At or near a place: within NEAR_M when both have exact points, else the same RT, else the same
    kelurahan (a record or place not placed at an RT counts for its whole kelurahan)."""
    if not place["approx"] and rec.lat is not None and rec.lon is not None:
        return float(haversine_m([rec.lon], [rec.lat], place["lon"], place["lat"])[0]) <= NEAR_M
    rt_key = getattr(rec, "rt_key", None)
    if rt_key is None and getattr(rec, "rw", None) and getattr(rec, "rt", None):
        rt_key = f"{rec.kelurahan_code}/{rec.rw:03d}/{rec.rt:03d}"
    if place["rt_key"] and rt_key:
        return place["rt_key"] == rt_key
    return bool(place["kelurahan_code"]) and place["kelurahan_code"] == rec.kelurahan_code


def group_profile(user, slug: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """The places of one interest group the user may see, with problems and incidents at or near them."""
    g = GROUPS.get(str(slug))
    if g is None:
        raise NotFound(_("No such interest group."))
    if not _may(user, "potentials"):
        raise Forbidden(_("You may not see the potentials register."))
    now = now or timezone.now()
    pots = [
        p
        for p in restrict(Potential.objects.all(), user, "view").order_by("name")
        if (p.category in g.categories or _matches(g, p.name, p.description)) and p.kind != "person"
    ][:LIST_LIMIT]
    anchors = Anchors(pots)
    full = role_allows(user, "mapping.potential", "change")
    place_rows = []
    for p in pots:
        row = _potential(p, anchors, full)
        row.update(rt_key=p.rt_key, kelurahan_code=p.kelurahan_code, problems=[], incidents=0)
        place_rows.append(row)
    kels = {r["kelurahan_code"] for r in place_rows if r["kelurahan_code"]}
    out: dict[str, Any] = {
        "group": {"slug": g.slug, "label": str(g.label)},
        "groups": [{"slug": s, "label": str(x.label)} for s, x in GROUPS.items()],
        "places": place_rows,
        "near_m": NEAR_M,
    }
    features: list[dict] = []
    if _may(user, "problems"):
        probs = restrict(Problem.objects.filter(kelurahan_code__in=kels), user, "view").exclude(
            status=ProblemStatus.RESOLVED
        )
        panchors = Anchors(list(probs))
        near = []
        for p in probs:
            hits = [r for r in place_rows if _near(r, p)]
            for r in hits:
                r["problems"].append(p.pk)
            if hits:
                near.append({**_problem(p, panchors), "places": [r["name"] for r in hits]})
        out["problems"] = near
        features += [
            f for r in near if (f := _feature("problem", r["lat"], r["lon"], {"label": r["title"],
                                                                             "level": r["level"]}))
        ]  # fmt: skip
    if _may(user, "incidents"):
        since = now - dt.timedelta(days=WINDOW_DAYS)
        incs = restrict(Incident.objects.all(), user, "view").filter(
            kelurahan_code__in=kels, received_at__gte=since, received_at__lt=now, duplicate_of__isnull=True
        )
        near_incs = []
        for i in incs.order_by("-received_at").iterator():
            hits = [r for r in place_rows if _near(r, i)]
            for r in hits:
                r["incidents"] += 1
            if hits:
                near_incs.append(i)
        out["incidents"] = {"window_days": WINDOW_DAYS, "total": len(near_incs),
                            "recent": [_incident(i) for i in near_incs[:50]]}  # fmt: skip
        features += [
            f
            for i in near_incs[:LIST_LIMIT]
            if (
                f := _feature("incident", i.lat, i.lon, {"label": f"{i.number} · {i.get_category_display()}"})
            )
        ]
    if _may(user, "partners"):
        pfull = role_allows(user, "mapping.partner", "change")
        parts = [
            p
            for p in restrict(Partner.objects.filter(active=True), user, "view")
            if p.kind in g.partner_kinds or _matches(g, p.name, p.organisation)
        ][:LIST_LIMIT]
        pa = Anchors(parts)
        out["contacts"] = [_partner(p, pa, pfull) for p in parts]
        if g.people:
            people = restrict(
                Potential.objects.filter(kind="person", category__in=g.people, kelurahan_code__in=kels),
                user,
                "view",
            )
            pp = Anchors(list(people))
            out["contacts"] += [
                {**_potential(p, pp, full), "kind_label": str(p.get_category_display()), "organisation": ""}
                for p in people
            ]
    features += [  # the places last, drawn on top of what is near them
        f
        for r in place_rows
        if (f := _feature("place", r["lat"], r["lon"], {"label": r["name"], "approx": r["approx"]}))
    ]
    out["features"] = {"type": "FeatureCollection", "features": features}
    return out
