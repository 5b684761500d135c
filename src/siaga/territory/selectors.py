"""Every territory read a user can trigger, through the read gate (`.restrict(user, "view")`)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import h3
import shapely
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from siaga.core.errors import Invalid, NotFound

from . import geometry as geo
from . import lookup
from .models import Level, Polsek, PolsekArea, Region, Rt, Rw

LEVELS = {
    "provinsi": Level.PROVINSI,
    "kabkota": Level.KABKOTA,
    "kecamatan": Level.KECAMATAN,
    "kelurahan": Level.KELURAHAN,
}
LEVEL_OF = {v: k for k, v in LEVELS.items()}
KEL_CODE = r"\d{2}\.\d{2}\.\d{2}\.\d{4}"
RW_KEY = re.compile(rf"^({KEL_CODE})/(\d{{1,3}})$")
RT_KEY = re.compile(rf"^({KEL_CODE})/(\d{{1,3}})/(\d{{1,3}})$")
SEARCH_LIMIT = 20


def _km2(a: float | None) -> float | None:
    return round(a / 1e6, 3) if a is not None else None


def _bbox(o) -> list[float] | None:
    if o.min_lon is None:
        return None
    return [o.min_lon, o.min_lat, o.max_lon, o.max_lat]


def _center(o) -> list[float] | None:
    return [o.centroid_lon, o.centroid_lat] if o.centroid_lon is not None else None


def _feature(geometry, props: dict) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _rw_rt_counts(user, kel_codes: list[str] | None = None) -> tuple[dict[str, int], dict[str, int]]:
    rws, rts = Rw.objects.restrict(user), Rt.objects.restrict(user)
    if kel_codes is not None:
        rws, rts = rws.filter(kelurahan_id__in=kel_codes), rts.filter(kelurahan_id__in=kel_codes)
    rw_n = dict(rws.values("kelurahan_id").annotate(n=Count("id")).values_list("kelurahan_id", "n"))
    rt_n = dict(rts.values("kelurahan_id").annotate(n=Count("id")).values_list("kelurahan_id", "n"))
    return rw_n, rt_n


def region(user, code: str) -> Region:
    r = Region.objects.restrict(user).filter(code=code).first()
    if r is None:
        raise NotFound(_("Unknown area %(code)s.") % {"code": code})
    return r


def _region_features(user, level: int, parent: str | None) -> list[dict]:
    qs = (
        Region.objects.restrict(user)
        .filter(level=level)
        .annotate(n_children=Count("children"))
        .order_by("code")
    )
    if parent:
        region(user, parent)
        qs = qs.filter(parent_id=parent)
    rows = list(qs)
    rw_n, rt_n = _rw_rt_counts(user, None if level < Level.KELURAHAN else [r.code for r in rows])
    out = []
    for r in rows:
        if level == Level.KELURAHAN:
            children = {"rw": rw_n.get(r.code, 0), "rt": rt_n.get(r.code, 0)}
        else:
            prefix = r.code + "."
            children = {
                LEVEL_OF.get(level + 1, "children"): r.n_children,
                "rw": sum(n for c, n in rw_n.items() if c.startswith(prefix)),
                "rt": sum(n for c, n in rt_n.items() if c.startswith(prefix)),
            }
        out.append(
            _feature(
                r.geometry,
                {
                    "code": r.code,
                    "name": r.name,
                    "level": LEVEL_OF[r.level],
                    "kind": r.kind,
                    "parent": r.parent_id or "",
                    "synthetic": False,
                    "population": r.population,
                    "population_synthetic": r.population_synthetic,
                    "area_km2": _km2(r.area_m2),
                    "children": children,
                    "bbox": _bbox(r),
                    "center": _center(r),
                },
            )
        )
    return out


def _rw_props(w: Rw, kel_name: str, n_rt: int, population: int | None) -> dict:
    return {
        "code": w.key,
        "name": f"RW {w.number:03d}",
        "level": "rw",
        "kind": "rw",
        "parent": w.kelurahan_id,
        "parent_name": kel_name,
        "synthetic": w.synthetic,
        "population": population,
        "population_synthetic": w.synthetic,
        "area_km2": _km2(w.area_m2),
        "children": {"rt": n_rt},
        "bbox": _bbox(w),
        "center": _center(w),
    }


def _rt_props(t: Rt, kel_name: str) -> dict:
    return {
        "code": t.key,
        "name": f"RT {t.number:03d}/RW {t.rw_number:03d}",
        "level": "rt",
        "kind": "rt",
        "parent": f"{t.kelurahan_id}/{t.rw_number:03d}",
        "parent_name": kel_name,
        "synthetic": t.synthetic,
        "population": t.population,
        "population_synthetic": t.synthetic,
        "households": t.households,
        "area_km2": _km2(t.area_m2),
        "children": {},
        "bbox": _bbox(t),
        "center": _center(t),
    }


def areas(user, level: str, parent: str | None = None) -> dict:
    """GeoJSON FeatureCollection of the areas of `level` under `parent` (RT: one kelurahan or RW)."""
    parent = (parent or "").strip() or None
    if level in LEVELS:
        features = _region_features(user, LEVELS[level], parent)
    elif level == "rw":
        qs = Rw.objects.restrict(user).annotate(n_rt=Count("rts")).order_by("kelurahan_id", "number")
        if parent:
            kel = region(user, parent)
            if kel.level != Level.KELURAHAN:
                raise Invalid(_("The parent of an RW is a kelurahan code."), field="parent")
            qs = qs.filter(kelurahan_id=parent)
        names = dict(Region.objects.filter(level=Level.KELURAHAN).values_list("code", "name"))
        pops = defaultdict(int)
        pop_rows = Rt.objects.restrict(user).filter(population__isnull=False)
        if parent:
            pop_rows = pop_rows.filter(kelurahan_id=parent)
        for rw_id, p in pop_rows.values_list("rw_id", "population"):
            pops[rw_id] += p
        features = [
            _feature(w.geometry, _rw_props(w, names.get(w.kelurahan_id, ""), w.n_rt, pops.get(w.pk)))
            for w in qs
        ]
    elif level == "rt":
        if not parent:
            raise Invalid(
                _("level=rt needs a parent: a kelurahan code or an RW key such as 32.75.01.1001/005."),
                field="parent",
            )
        qs = Rt.objects.restrict(user)
        if m := RW_KEY.match(parent):
            qs = qs.filter(kelurahan_id=m.group(1), rw_number=int(m.group(2)))
            if not Rw.objects.restrict(user).filter(kelurahan_id=m.group(1), number=int(m.group(2))).exists():
                raise NotFound(_("Unknown area %(code)s.") % {"code": parent})
            kel = region(user, m.group(1))
        else:
            kel = region(user, parent)
            if kel.level != Level.KELURAHAN:
                raise Invalid(_("The parent of an RT is a kelurahan code or an RW key."), field="parent")
            qs = qs.filter(kelurahan_id=parent)
        features = [_feature(t.geometry, _rt_props(t, kel.name)) for t in qs]
    else:
        raise Invalid(_("Unknown level %(level)s.") % {"level": level}, field="level")
    return {"type": "FeatureCollection", "features": features}


# --- search ---------------------------------------------------------------------------------------

_RT_WORD = re.compile(r"\bRT\.?\s*:?\s*0*(\d{1,3})\b", re.I)
_RW_WORD = re.compile(r"\bRW\.?\s*:?\s*0*(\d{1,3})\b", re.I)
_PAIR = re.compile(r"\b0*(\d{1,3})\s*/\s*0*(\d{1,3})\b")  # "002/005" = RT/RW as written on forms


def _hit_region(r: Region) -> dict:
    return {
        "code": r.code,
        "name": r.name,
        "level": LEVEL_OF[r.level],
        "label": f"{r.name} ({r.code})",
        "parent": r.parent_id or "",
        "synthetic": False,
        "bbox": _bbox(r),
        "center": _center(r),
    }


def _hit_rw(w: Rw, kel: str) -> dict:
    return {
        "code": w.key,
        "name": f"RW {w.number:03d}",
        "level": "rw",
        "label": f"RW {w.number:03d}, {kel} ({w.key})",
        "parent": w.kelurahan_id,
        "synthetic": w.synthetic,
        "bbox": _bbox(w),
        "center": _center(w),
    }


def _hit_rt(t: Rt, kel: str) -> dict:
    return {
        "code": t.key,
        "name": f"RT {t.number:03d}/RW {t.rw_number:03d}",
        "level": "rt",
        "label": f"RT {t.number:03d}/RW {t.rw_number:03d}, {kel} ({t.key})",
        "parent": f"{t.kelurahan_id}/{t.rw_number:03d}",
        "synthetic": t.synthetic,
        "bbox": _bbox(t),
        "center": _center(t),
    }


def search(user, q: str, limit: int = SEARCH_LIMIT) -> list[dict]:
    """Areas by code prefix, RW/RT key, "RT 2 RW 5 Margahayu"-style text, or name (case-insensitive)."""
    q = " ".join((q or "").split())[:100]
    if len(q) < 2:
        return []
    regions = Region.objects.restrict(user)
    names = dict(regions.filter(level=Level.KELURAHAN).values_list("code", "name"))
    if m := RT_KEY.match(q):
        rts = Rt.objects.restrict(user).filter(
            kelurahan_id=m.group(1), rw_number=int(m.group(2)), number=int(m.group(3))
        )
        return [_hit_rt(t, names.get(t.kelurahan_id, "")) for t in rts[:limit]]
    if m := RW_KEY.match(q):
        out = [
            _hit_rw(w, names.get(w.kelurahan_id, ""))
            for w in Rw.objects.restrict(user).filter(kelurahan_id=m.group(1), number=int(m.group(2)))
        ]
        rts = Rt.objects.restrict(user).filter(kelurahan_id=m.group(1), rw_number=int(m.group(2)))
        return out + [_hit_rt(t, names.get(t.kelurahan_id, "")) for t in rts[: limit - len(out)]]
    if re.fullmatch(r"[\d.]+", q):
        qs = regions.filter(code__startswith=q).order_by("level", "code")
        return [_hit_region(r) for r in qs[:limit]]
    rt_m, rw_m, pair = _RT_WORD.search(q), _RW_WORD.search(q), _PAIR.search(q)
    rt_no = int(rt_m.group(1)) if rt_m else None
    rw_no = int(rw_m.group(1)) if rw_m else None
    rest = q
    if pair and rt_no is None and rw_no is None:
        rt_no, rw_no = int(pair.group(1)), int(pair.group(2))
        rest = _PAIR.sub(" ", rest)
    rest = _RW_WORD.sub(" ", _RT_WORD.sub(" ", rest))
    rest = re.sub(r"\b(kel(urahan)?|desa|kec(amatan)?)\.?\b", " ", rest, flags=re.I)
    words = [w for w in re.split(r"[\s,;/.:()-]+", rest) if w]
    if rt_no is not None or rw_no is not None:
        kel_q = Q()
        for w in words:
            kel_q &= Q(kelurahan__name__icontains=w) | Q(kelurahan__parent__name__icontains=w)
        if rt_no is not None:
            qs = Rt.objects.restrict(user).filter(kel_q, number=rt_no)
            if rw_no is not None:
                qs = qs.filter(rw_number=rw_no)
            return [_hit_rt(t, names.get(t.kelurahan_id, "")) for t in qs[:limit]]
        qs = Rw.objects.restrict(user).filter(kel_q, number=rw_no)
        return [_hit_rw(w, names.get(w.kelurahan_id, "")) for w in qs[:limit]]
    name_q = Q()
    for w in words:
        name_q &= Q(name__icontains=w)
    qs = regions.filter(name_q, level__gte=Level.KABKOTA).order_by("level", "name")
    exact = [r for r in qs[: limit * 3] if r.name.lower() == q.lower()]
    rest_hits = [r for r in qs[: limit * 3] if r.name.lower() != q.lower()]
    return [_hit_region(r) for r in (exact + rest_hits)[:limit]]


# --- lookup ---------------------------------------------------------------------------------------


def place(user, lon: float, lat: float) -> dict:
    """The resolved place of a point, or NotFound "outside the Polres area"."""
    loc = lookup.locate(lon, lat)
    if loc is None or not Region.objects.restrict(user).filter(code=loc.kelurahan_code).exists():
        raise NotFound(_("outside the Polres area"), code="outside")
    polsek = Polsek.objects.restrict(user).filter(pk=loc.polsek_id).first() if loc.polsek_id else None
    return {
        "lon": lon,
        "lat": lat,
        "kabkota_code": loc.kabkota_code,
        "kecamatan_code": loc.kecamatan_code,
        "kecamatan_name": loc.kecamatan_name,
        "kelurahan_code": loc.kelurahan_code,
        "kelurahan_name": loc.kelurahan_name,
        "rw": loc.rw,
        "rt": loc.rt,
        "rt_key": loc.rt_key,
        "synthetic": loc.synthetic,
        "polsek_id": polsek.pk if polsek else None,
        "polsek_name": polsek.name if polsek else "",
        "polres_id": loc.polres_id,
        "h3_cell": h3.latlng_to_cell(lat, lon, lookup.H3_RES),
    }


# --- Polsek ---------------------------------------------------------------------------------------


def _effective_kelurahan(polsek_ids: list[int]) -> dict[int, list[str]]:
    """Kelurahan each Polsek answers for: its kelurahan entries plus those of its kecamatan entries
    that no other Polsek of the same Polres claims by a kelurahan entry."""
    rows = list(
        PolsekArea.objects.filter(polsek__polres__polsek__in=polsek_ids)
        .distinct()
        .values_list("polsek_id", "polsek__polres_id", "region_id", "region__level")
    )
    claimed = {(polres, code) for _, polres, code, lvl in rows if lvl == Level.KELURAHAN}
    kecs = {code for *_, code, lvl in rows if lvl == Level.KECAMATAN}
    kel_of: dict[str, list[str]] = defaultdict(list)
    for code, parent in Region.objects.filter(parent_id__in=kecs).values_list("code", "parent_id"):
        kel_of[parent].append(code)
    out: dict[int, set[str]] = defaultdict(set)
    for pid, polres, code, lvl in rows:
        if lvl == Level.KELURAHAN:
            out[pid].add(code)
        elif lvl == Level.KECAMATAN:
            out[pid].update(k for k in kel_of[code] if (polres, k) not in claimed)
    return {pid: sorted(v) for pid, v in out.items() if pid in set(polsek_ids)}


def polsek_list(user) -> list[dict]:
    items = list(Polsek.objects.restrict(user).select_related("polres").order_by("polres_id", "code"))
    areas_of: dict[int, list[dict]] = defaultdict(list)
    for pid, code, name, lvl in PolsekArea.objects.filter(polsek__in=items).values_list(
        "polsek_id", "region_id", "region__name", "region__level"
    ):
        areas_of[pid].append({"code": code, "name": name, "level": LEVEL_OF[lvl]})
    eff = _effective_kelurahan([p.pk for p in items])
    return [
        {
            "id": p.pk,
            "code": p.code,
            "name": p.name,
            "polres_id": p.polres_id,
            "polres_name": p.polres.name,
            "phone": p.phone,
            "address": p.address,
            "lat": p.lat,
            "lon": p.lon,
            "areas": sorted(areas_of[p.pk], key=lambda a: a["code"]),
            "kelurahan": eff.get(p.pk, []),
        }
        for p in items
    ]


def polsek_features(user) -> dict:
    """Each Polsek's area (union of the kelurahan it answers for) as a FeatureCollection."""
    items = polsek_list(user)
    shapes = {
        c: geo.from_geojson(g)
        for c, g in Region.objects.restrict(user)
        .filter(level=Level.KELURAHAN, geometry__isnull=False)
        .values_list("code", "geometry")
    }
    features = []
    for p in items:
        parts = [shapes[c] for c in p["kelurahan"] if c in shapes]
        if not parts:
            continue
        union = geo.drop_small_holes(geo.polygonal(shapely.union_all(parts)), 20_000)
        props = {k: p[k] for k in ("id", "code", "name", "polres_name")}
        props["kelurahan"] = len(p["kelurahan"])
        features.append(_feature(geo.to_geojson(union, 6), props))
    return {"type": "FeatureCollection", "features": features}


def summary(user) -> dict[str, Any]:
    """Counts for the page header."""
    regions = Region.objects.restrict(user)
    return {
        "kecamatan": regions.filter(level=Level.KECAMATAN).count(),
        "kelurahan": regions.filter(level=Level.KELURAHAN).count(),
        "rw": Rw.objects.restrict(user).count(),
        "rt": Rt.objects.restrict(user).count(),
        "polsek": Polsek.objects.restrict(user).count(),
    }
