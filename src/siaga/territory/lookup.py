"""Point → RT / RW / kelurahan / kecamatan / Polsek, in memory.

One index per process, built from the database on first use: every RT polygon, plus the polygon of each
kelurahan that has no RT (so that a point there still gets its kelurahan). Points are matched with a
shapely 2 STRtree (`query(points, predicate="intersects")`, vectorised); where polygons overlap (source
data has slivers of a few thousand m² between neighbouring kelurahan) the lowest index wins, so answers
are deterministic. A point in no polygon is outside the Polres area: `locate` returns None and
`locate_many` gives -1.

Freshness: every territory write bumps `Stamp("territory")` in its transaction; each call compares the
stored version (one primary-key read) with the index's, so all processes see a change once it commits.
In this process an after-commit subscriber also drops the index at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import h3
import numpy as np
import shapely
from django.db import DatabaseError, connection
from django.db.models import TextField
from django.db.models.functions import Cast

from siaga.core.events import Event, subscribe

from . import geometry as geo
from .models import Level, Polres, PolsekArea, Region, Rt, Stamp

H3_RES = 9
OUTSIDE = "outside the Polres area"


@dataclass(frozen=True)
class Location:
    rt_id: int | None
    rw: int | None
    rt: int | None
    kelurahan_code: str
    kelurahan_name: str
    kecamatan_code: str
    kecamatan_name: str
    kabkota_code: str
    polsek_id: int | None
    polres_id: int | None
    synthetic: bool

    @property
    def rt_key(self) -> str:
        if self.rt is None:
            return ""
        return f"{self.kelurahan_code}/{self.rw:03d}/{self.rt:03d}"


@dataclass
class LocatedBatch:
    """Vectorised answers: `index` into the index's unit table, -1 for a point outside the Polres."""

    index: np.ndarray  # int32 per point
    _ix: Index

    @property
    def inside(self) -> np.ndarray:
        return self.index >= 0

    def _take(self, table: np.ndarray, missing):
        out = np.full(len(self.index), missing, dtype=table.dtype)
        ok = self.index >= 0
        out[ok] = table[self.index[ok]]
        return out

    @cached_property
    def rt_id(self) -> np.ndarray:  # RT primary key, -1 outside or where a kelurahan has no RT
        return self._take(self._ix.unit_rt_id, -1)

    @cached_property
    def rw(self) -> np.ndarray:  # 0 where unknown
        return self._take(self._ix.unit_rw, 0)

    @cached_property
    def rt(self) -> np.ndarray:
        return self._take(self._ix.unit_rt, 0)

    @cached_property
    def kelurahan_index(self) -> np.ndarray:
        return self._take(self._ix.unit_kel, -1)

    @cached_property
    def kelurahan_code(self) -> np.ndarray:
        return self._take(self._ix.unit_kel_code, "")

    @cached_property
    def kecamatan_code(self) -> np.ndarray:
        return self._take(self._ix.unit_kec_code, "")

    @cached_property
    def kabkota_code(self) -> np.ndarray:
        return self._take(self._ix.unit_kab_code, "")

    @cached_property
    def polsek_id(self) -> np.ndarray:  # -1 where no Polsek covers the kelurahan
        return self._take(self._ix.unit_polsek, -1)

    def __len__(self) -> int:
        return len(self.index)


EDGE = -2  # a raster cell crossed by a polygon edge: its points need the exact test


@dataclass
class Grid:
    """A raster over the index bounds: each cell holds the unit index that covers the whole cell, -1 if
    no polygon touches it, or EDGE if a polygon edge crosses it.

    Built without testing cells one by one: edges are split into pieces no longer than a cell and every
    cell a piece's bounding box touches is marked EDGE (a superset of the cells the edges cross). The
    unmarked cells form connected regions (4-neighbour), and no edge runs between two neighbouring
    unmarked cells, so each region lies inside the same polygons throughout: one exact query of one
    cell centre per region labels it (scipy.ndimage.label does the rest).
    """

    x0: float
    y0: float
    inv_w: float
    inv_h: float
    nx: int
    ny: int
    cells: np.ndarray  # int32 (ny, nx)

    @classmethod
    def build(cls, ix: Index, cell_m: float = 20.0, max_cells: int = 4_000_000) -> Grid:
        from scipy import ndimage

        x0, y0, x1, y1 = ix.bounds
        lat = (y0 + y1) / 2
        w = cell_m / (111_320.0 * max(0.1, np.cos(np.radians(lat))))  # degrees of longitude per cell
        h = cell_m / 110_574.0
        nx, ny = max(1, int(np.ceil((x1 - x0) / w))), max(1, int(np.ceil((y1 - y0) / h)))
        if nx * ny > max_cells:  # a very large territory: coarser cells, same logic
            f = np.sqrt(nx * ny / max_cells)
            w, h = w * f, h * f
            nx, ny = max(1, int(np.ceil((x1 - x0) / w))), max(1, int(np.ceil((y1 - y0) / h)))
        grid = cls(x0, y0, 1.0 / w, 1.0 / h, nx, ny, np.zeros((ny, nx), dtype=np.int32))
        # edges in cell units
        rings = shapely.get_rings(shapely.get_parts(ix.geoms))
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        gx, gy = (xy[:, 0] - x0) / w, (xy[:, 1] - y0) / h
        same = ring[1:] == ring[:-1]
        ax, ay, bx, by = gx[:-1][same], gy[:-1][same], gx[1:][same], gy[1:][same]
        pieces = np.maximum(1, np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay)))).astype(np.intp)
        seg = np.repeat(np.arange(len(ax)), pieces)
        k = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        t0, t1 = k / pieces[seg], (k + 1) / pieces[seg]
        px0, py0 = ax[seg] + (bx - ax)[seg] * t0, ay[seg] + (by - ay)[seg] * t0
        px1, py1 = ax[seg] + (bx - ax)[seg] * t1, ay[seg] + (by - ay)[seg] * t1
        lo_x = np.clip(np.floor(np.minimum(px0, px1)), 0, nx - 1).astype(np.intp)
        hi_x = np.clip(np.floor(np.maximum(px0, px1)), 0, nx - 1).astype(np.intp)
        lo_y = np.clip(np.floor(np.minimum(py0, py1)), 0, ny - 1).astype(np.intp)
        hi_y = np.clip(np.floor(np.maximum(py0, py1)), 0, ny - 1).astype(np.intp)
        edge = np.zeros((ny, nx), dtype=bool)
        for cy, cx in ((lo_y, lo_x), (lo_y, hi_x), (hi_y, lo_x), (hi_y, hi_x)):
            edge[cy, cx] = True  # a piece spans at most 2 cells each way
        labels, n = ndimage.label(~edge)
        if n:
            # one cell centre per region, answered exactly
            flat = labels.ravel()
            first = np.zeros(n + 1, dtype=np.intp)
            order = np.argsort(flat, kind="stable")
            starts = np.searchsorted(flat[order], np.arange(1, n + 1))
            first[1:] = order[starts]
            cy, cx = np.divmod(first[1:], nx)
            answer = ix.query_exact(x0 + (cx + 0.5) * w, y0 + (cy + 0.5) * h)
            lut = np.concatenate([[EDGE], answer]).astype(np.int32)
            grid.cells = lut[labels]
        else:
            grid.cells[:] = EDGE
        return grid


class Index:
    """The in-memory tables, STRtree and raster. Build with `Index.build()`; immutable afterwards."""

    def __init__(
        self, version: tuple[int, str], geoms, unit_rt_id, unit_rw, unit_rt, unit_kel, unit_syn, kels
    ):
        self.version = version
        self.geoms = np.asarray(geoms, dtype=object)
        self.tree = shapely.STRtree(self.geoms)
        self.unit_rt_id = np.asarray(unit_rt_id, dtype=np.int64)
        self.unit_rw = np.asarray(unit_rw, dtype=np.int16)
        self.unit_rt = np.asarray(unit_rt, dtype=np.int16)
        self.unit_kel = np.asarray(unit_kel, dtype=np.int32)
        self.unit_syn = np.asarray(unit_syn, dtype=bool)
        self.kel_code = np.array([k["code"] for k in kels], dtype="U13")
        self.kel_name = [k["name"] for k in kels]
        self.kel_kec = np.array([k["kec"] for k in kels], dtype="U8")
        self.kel_kec_name = [k["kec_name"] for k in kels]
        self.kel_kab = np.array([k["kab"] for k in kels], dtype="U5")
        self.kel_polsek = np.array([k["polsek"] or -1 for k in kels], dtype=np.int64)
        self.kel_polres = np.array([k["polres"] or -1 for k in kels], dtype=np.int64)
        # per-unit copies, so that a batch answer is one take per column
        self.unit_kel_code = self.kel_code[self.unit_kel]
        self.unit_kec_code = self.kel_kec[self.unit_kel]
        self.unit_kab_code = self.kel_kab[self.unit_kel]
        self.unit_polsek = self.kel_polsek[self.unit_kel]
        if len(self.geoms):
            self.bounds = tuple(shapely.total_bounds(self.geoms).tolist())
        else:
            self.bounds = (np.inf, np.inf, -np.inf, -np.inf)
        self.grid = Grid.build(self) if len(self.geoms) else None

    @classmethod
    def build(cls, version: tuple[int, str]) -> Index:
        regions = {
            r["code"]: r
            for r in Region.objects.filter(
                level__in=[Level.KABKOTA, Level.KECAMATAN, Level.KELURAHAN]
            ).values("code", "name", "level", "parent_id", "geometry")
        }
        # Polsek: a kelurahan entry first, else its kecamatan's (lowest id on a tie across Polres)
        cover: dict[str, int] = {}
        for code, polsek_id in PolsekArea.objects.order_by("-polsek_id").values_list(
            "region_id", "polsek_id"
        ):
            cover[code] = polsek_id
        polres_of = dict(Polres.objects.order_by("-id").values_list("region_id", "id"))
        kel_codes = sorted(c for c, r in regions.items() if r["level"] == Level.KELURAHAN)
        kel_pos = {c: i for i, c in enumerate(kel_codes)}
        kels = []
        for c in kel_codes:
            kec = regions[c]["parent_id"] or ""
            kab = (regions.get(kec) or {}).get("parent_id") or ""
            kels.append(
                {
                    "code": c,
                    "name": regions[c]["name"],
                    "kec": kec,
                    "kec_name": (regions.get(kec) or {}).get("name", ""),
                    "kab": kab,
                    "polsek": cover.get(c) or cover.get(kec),
                    "polres": polres_of.get(kab),
                }
            )
        # RT shapes: the stored GeoJSON text parsed by GEOS in one vectorised call (no Python dicts)
        rows = list(
            Rt.objects.filter(geometry__isnull=False, kelurahan_id__in=kel_pos)
            .order_by("kelurahan_id", "rw_number", "number")
            .values_list(
                "pk", "kelurahan_id", "rw_number", "number", "synthetic", Cast("geometry", TextField())
            )
        )
        shapes = shapely.from_geojson(np.array([r[5] for r in rows], dtype=object), on_invalid="ignore")
        keep = np.isin(shapely.get_type_id(shapes), [3, 6])  # Polygon, MultiPolygon
        rows = [r for r, k in zip(rows, keep, strict=True) if k]
        geoms = list(shapes[keep])
        rt_id = [r[0] for r in rows]
        kel = [kel_pos[r[1]] for r in rows]
        rw = [r[2] for r in rows]
        rt = [r[3] for r in rows]
        syn = [r[4] for r in rows]
        with_rt = {r[1] for r in rows}
        for c in kel_codes:  # fallback: a kelurahan without RT polygons answers at kelurahan level
            g = regions[c]["geometry"]
            if c not in with_rt and g and g.get("type") in geo.POLYGONAL:
                geoms.append(geo.from_geojson(g))
                rt_id.append(-1)
                rw.append(0)
                rt.append(0)
                kel.append(kel_pos[c])
                syn.append(False)
        shapes = geoms
        return cls(version, shapes, rt_id, rw, rt, kel, syn, kels)

    def query(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Unit index per point (the lowest index where polygons overlap), -1 outside.

        Points in a cell of the raster that no polygon edge crosses take the cell's answer; only points
        in cells crossed by an edge (about a fifth of them) go through the exact STRtree query.
        """
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        if self.grid is None or len(lons) < 64:
            return self.query_exact(lons, lats)
        g = self.grid
        fx = (lons - g.x0) * g.inv_w
        fy = (lats - g.y0) * g.inv_h
        ok = (fx >= 0) & (fx < g.nx) & (fy >= 0) & (fy < g.ny)  # NaN compares False
        if ok.all():
            out = g.cells[fy.astype(np.intp), fx.astype(np.intp)]
        else:
            out = np.full(len(lons), -1, dtype=np.int32)
            out[ok] = g.cells[fy[ok].astype(np.intp), fx[ok].astype(np.intp)]
        edge = np.flatnonzero(out == EDGE)
        if len(edge):
            out[edge] = self.query_exact(lons[edge], lats[edge])
        return out

    def query_exact(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Unit index per point by the STRtree alone (first hit, i.e. the lowest index), -1 outside."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        n = len(lons)
        out = np.full(n, -1, dtype=np.int32)
        if n == 0 or not len(self.geoms):
            return out
        x0, y0, x1, y1 = self.bounds
        near = (lons >= x0) & (lons <= x1) & (lats >= y0) & (lats <= y1)  # NaN compares False
        sel = np.flatnonzero(near)
        if not len(sel):
            return out
        pts = shapely.points(lons[sel], lats[sel])
        inp, hit = self.tree.query(pts, predicate="intersects")
        if not len(inp):
            return out
        if len(inp) > 1 and not (inp[1:] >= inp[:-1]).all():  # not grouped by point: sort first
            order = np.lexsort((hit, inp))
            inp, hit = inp[order], hit[order]
        res = np.full(len(sel), -1, dtype=np.int32)
        res[inp] = hit
        same = inp[1:] == inp[:-1]
        if same.any():  # points in several polygons (overlap slivers): keep the lowest index
            dup = np.zeros(len(inp), dtype=bool)
            dup[1:] |= same
            dup[:-1] |= same
            di, dh = inp[dup], hit[dup].astype(np.int32)
            res[di] = np.iinfo(np.int32).max
            np.minimum.at(res, di, dh)
        out[sel] = res
        return out

    def location(self, i: int) -> Location | None:
        if i < 0:
            return None
        k = int(self.unit_kel[i])
        rt_id = int(self.unit_rt_id[i])
        polsek = int(self.kel_polsek[k])
        polres = int(self.kel_polres[k])
        return Location(
            rt_id=rt_id if rt_id >= 0 else None,
            rw=int(self.unit_rw[i]) or None,
            rt=int(self.unit_rt[i]) or None,
            kelurahan_code=str(self.kel_code[k]),
            kelurahan_name=self.kel_name[k],
            kecamatan_code=str(self.kel_kec[k]),
            kecamatan_name=self.kel_kec_name[k],
            kabkota_code=str(self.kel_kab[k]),
            polsek_id=polsek if polsek >= 0 else None,
            polres_id=polres if polres >= 0 else None,
            synthetic=bool(self.unit_syn[i]),
        )


_lock = threading.Lock()
_index: Index | None = None


# table and column names come from the model, not from input
_STAMP_SQL = f"SELECT version, token FROM {Stamp._meta.db_table} WHERE {Stamp._meta.pk.column} = %s"  # noqa: S608


def current_version() -> tuple[int, str]:
    """The territory stamp: one primary-key read in plain SQL (the ORM costs ~10× more here)."""
    try:
        with connection.cursor() as cur:
            cur.execute(_STAMP_SQL, ["territory"])
            row = cur.fetchone()
    except DatabaseError:  # tables not migrated yet
        return (-1, "")
    return (int(row[0]), row[1]) if row else (0, "")


def get_index() -> Index:
    """The process's index, rebuilt when the territory stamp has moved since it was built."""
    global _index
    version = current_version()
    ix = _index
    if ix is not None and ix.version == version:
        return ix
    with _lock:
        if _index is None or _index.version != version:
            _index = Index.build(version)
        return _index


def invalidate() -> None:
    global _index
    with _lock:
        _index = None


@subscribe("territory.*", phase="after_commit")
def _on_territory_change(event: Event) -> None:
    invalidate()


def locate(lon: float, lat: float) -> Location | None:
    """The RT (or kelurahan) holding the point, with its codes and Polsek; None outside the Polres."""
    ix = get_index()
    return ix.location(int(ix.query(np.array([lon], dtype=float), np.array([lat], dtype=float))[0]))


def locate_many(lons: np.ndarray, lats: np.ndarray) -> LocatedBatch:
    """Vectorised `locate`: arrays in, arrays out (see LocatedBatch)."""
    ix = get_index()
    return LocatedBatch(ix.query(lons, lats), ix)


def resolve_place(lon: float, lat: float) -> dict:
    """The place columns a located record stores at write time (cad.Placed fields + polsek_id).

    Outside the Polres area the codes are blank and the Polsek None; the H3 cell is always set.
    """
    loc = locate(lon, lat)
    return {
        "kecamatan_code": loc.kecamatan_code if loc else "",
        "kelurahan_code": loc.kelurahan_code if loc else "",
        "rw": loc.rw if loc else None,
        "rt": loc.rt if loc else None,
        "polsek_id": loc.polsek_id if loc else None,
        "h3_cell": h3.latlng_to_cell(lat, lon, H3_RES),
    }
