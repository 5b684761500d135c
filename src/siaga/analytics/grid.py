"""A metric grid over events given in lon/lat: projection to the data's UTM zone and cell indexing.

Any city in the world: the zone comes from the median longitude (north/south from the median latitude), so
distances and cell sizes are in metres with negligible distortion inside one city.
"""

from dataclasses import dataclass

import numpy as np
from pyproj import Transformer


def utm_epsg(lon, lat) -> int:
    """EPSG code of the WGS 84 / UTM zone holding the median of the points."""
    lon0 = float(np.median(np.asarray(lon, dtype=float)))
    lat0 = float(np.median(np.asarray(lat, dtype=float)))
    zone = int(np.floor((lon0 + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat0 >= 0 else 32700) + zone


class Projection:
    """lon/lat (WGS 84) <-> metres in one UTM zone."""

    def __init__(self, epsg: int):
        self.epsg = epsg
        self._fwd = Transformer.from_crs(4326, epsg, always_xy=True)
        self._inv = Transformer.from_crs(epsg, 4326, always_xy=True)

    @classmethod
    def for_points(cls, lon, lat) -> "Projection":
        return cls(utm_epsg(lon, lat))

    def forward(self, lon, lat):
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def inverse(self, x, y):
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


@dataclass(frozen=True)
class Grid:
    """Square cells of `cell` metres; row 0 is the southern edge. `mask` (ny, nx) marks the study area."""

    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (self.ny, self.nx)

    @property
    def size(self) -> int:
        return self.nx * self.ny

    @property
    def valid(self) -> np.ndarray:
        """Flat boolean array of the cells inside the study area."""
        return self.mask.ravel()

    @classmethod
    def covering(cls, x, y, cell: float = 150.0, pad: float = 0.0) -> "Grid":
        """The smallest grid of whole cells covering the points' bounding box (plus `pad` metres)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        if x.size == 0:
            raise ValueError("no points to cover")
        x0 = np.floor((x.min() - pad) / cell) * cell
        y0 = np.floor((y.min() - pad) / cell) * cell
        nx = int(np.floor((x.max() + pad - x0) / cell)) + 1
        ny = int(np.floor((y.max() + pad - y0) / cell)) + 1
        return cls(float(x0), float(y0), float(cell), nx, ny, np.ones((ny, nx), dtype=bool))

    @classmethod
    def for_polygon(cls, polygon, cell: float = 150.0) -> "Grid":
        """Cells whose centre lies in `polygon` (a shapely geometry in the projected metres)."""
        import shapely

        minx, miny, maxx, maxy = polygon.bounds
        g = cls.covering(np.array([minx, maxx]), np.array([miny, maxy]), cell)
        cx, cy = g.centres()
        mask = shapely.contains_xy(polygon, cx, cy).reshape(g.shape)
        return cls(g.x0, g.y0, g.cell, g.nx, g.ny, mask)

    def centres(self):
        """Flat arrays (x, y) of every cell's centre, in row-major order."""
        ix = np.arange(self.nx)
        iy = np.arange(self.ny)
        gx, gy = np.meshgrid(self.x0 + (ix + 0.5) * self.cell, self.y0 + (iy + 0.5) * self.cell)
        return gx.ravel(), gy.ravel()

    def index(self, x, y) -> np.ndarray:
        """Flat cell index of each point; -1 for points outside the grid or its mask."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        ix = np.floor((x - self.x0) / self.cell).astype(np.int64)
        iy = np.floor((y - self.y0) / self.cell).astype(np.int64)
        inside = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        flat = np.where(inside, iy * self.nx + ix, -1)
        ok = flat >= 0
        flat[ok] = np.where(self.valid[flat[ok]], flat[ok], -1)
        return flat

    def counts(self, x, y, weights=None) -> np.ndarray:
        """Events (or summed weights) per cell, as a (ny, nx) array."""
        idx = self.index(x, y)
        keep = idx >= 0
        w = None if weights is None else np.asarray(weights, dtype=float)[keep]
        return np.bincount(idx[keep], weights=w, minlength=self.size).astype(float).reshape(self.shape)
