"""Hotspots on a metric grid: Gaussian KDE, Getis-Ord Gi* with significance, Knox near-repeat test.

References: Getis & Ord (1992) "The analysis of spatial association by use of distance statistics";
Ord & Getis (1995) for Gi*; Knox (1964) "The detection of space-time interactions".
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, stats
from scipy.spatial import cKDTree

from .grid import Grid


def smooth(grid: Grid, values: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian smoothing of a (ny, nx) surface, bandwidth in metres; mass outside the mask is dropped."""
    sigma = bandwidth / grid.cell
    out = ndimage.gaussian_filter(np.asarray(values, dtype=float), sigma=sigma, mode="constant", truncate=4.0)
    return np.where(grid.mask, out, 0.0)


def kde(grid: Grid, x, y, bandwidth: float = 300.0, weights=None) -> np.ndarray:
    """Kernel density (events per cell) of points on the grid: binned counts convolved with a Gaussian."""
    return smooth(grid, grid.counts(x, y, weights), bandwidth)


def _kernel(grid: Grid, band: float | None) -> np.ndarray:
    """Binary weights: queen contiguity (band None) or every cell whose centre is within `band` metres."""
    if band is None:
        return np.ones((3, 3))
    r = int(np.floor(band / grid.cell))
    d = np.arange(-r, r + 1) * grid.cell
    return (np.hypot(*np.meshgrid(d, d)) <= band).astype(float)


@dataclass
class GiStar:
    z: np.ndarray  # (ny, nx); NaN outside the mask
    p: np.ndarray  # two-sided p-values
    hot: np.ndarray  # z > 0 and p < alpha
    cold: np.ndarray


def getis_ord(grid: Grid, values: np.ndarray, band: float | None = None, alpha: float = 0.05) -> GiStar:
    """Getis-Ord Gi* of every cell (itself included in its neighbourhood), with normal-theory p-values."""
    m = grid.mask
    x = np.where(m, np.asarray(values, dtype=float), 0.0)
    n = int(m.sum())
    k = _kernel(grid, band)
    xbar = x[m].mean()
    s = np.sqrt((x[m] ** 2).mean() - xbar**2)
    wx = ndimage.convolve(x, k, mode="constant")
    w = ndimage.convolve(m.astype(float), k, mode="constant")  # binary weights: sum w = sum w^2
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (wx - xbar * w) / (s * np.sqrt((n * w - w**2) / (n - 1)))
    z = np.where(m & np.isfinite(z), z, np.nan)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return GiStar(z=z, p=p, hot=(z > 0) & (p < alpha), cold=(z < 0) & (p < alpha))


@dataclass
class Knox:
    space_bands: np.ndarray  # upper edges, metres
    time_bands: np.ndarray  # upper edges, days
    observed: np.ndarray  # (len(space_bands), len(time_bands)) pair counts
    expected: np.ndarray  # mean over the permutations
    p: np.ndarray  # Monte Carlo p-value that the observed count is this high by chance

    @property
    def ratio(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.observed / self.expected


def knox(x, y, t, space_bands=(200.0, 400.0), time_bands=(7.0, 14.0), permutations: int = 99, seed: int = 0):
    """Knox test: pairs of events close in space and time, against times shuffled across the events.

    Bands are cumulative-free: each (space, time) cell counts pairs with distance in (prev, edge] and
    time gap in (prev, edge]. Only pairs within the largest space band are ever built (k-d tree).
    """
    x, y, t = (np.asarray(a, dtype=float) for a in (x, y, t))
    sb = np.asarray(space_bands, dtype=float)
    tb = np.asarray(time_bands, dtype=float)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(sb[-1], output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = np.hypot(x[i] - x[j], y[i] - y[j])
    si = np.searchsorted(sb, d, side="left")  # d == edge falls in that band
    shape = (sb.size, tb.size)

    def table(times):
        dt = np.abs(times[i] - times[j])
        ti = np.searchsorted(tb, dt, side="left")
        ok = ti < tb.size
        return np.bincount(si[ok] * tb.size + ti[ok], minlength=sb.size * tb.size).reshape(shape)

    obs = table(t)
    rng = np.random.default_rng(seed)
    sims = np.stack([table(t[rng.permutation(t.size)]) for _ in range(permutations)])
    p = (1 + (sims >= obs).sum(axis=0)) / (1 + permutations)
    return Knox(sb, tb, obs, sims.mean(axis=0), p)


def knox_per_category(x, y, t, category, min_events: int = 20, **kw) -> dict:
    """The Knox test for each category with at least `min_events` events (near repeats differ by crime)."""
    category = np.asarray(category, dtype=object)
    x, y, t = (np.asarray(a, dtype=float) for a in (x, y, t))
    out = {}
    for c in sorted(set(category.tolist())):
        sel = category == c
        if sel.sum() >= min_events:
            out[c] = knox(x[sel], y[sel], t[sel], **kw)
    return out
