"""Forecasting methods. One interface: `method(events, cutoff, grid, horizon) -> expected events per cell`.

Every method first drops events at or after `cutoff` (strictly-before rule), fits per category and sums the
categories' surfaces. Times are in days (floats); x/y in metres on the grid's projection.

References: Bowers, Johnson & Pease (2004) "Prospective hot-spotting: the future of crime mapping?";
Mohler et al. (2011) "Self-exciting point process modeling of crime" (JASA 106); Mohler et al. (2015)
"Randomized controlled field trials of predictive policing" (JASA 110).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from .grid import Grid
from .hotspots import smooth


@dataclass(frozen=True)
class Events:
    x: np.ndarray
    y: np.ndarray
    t: np.ndarray  # days since an arbitrary origin
    category: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))

    def __post_init__(self):
        n = len(self.x)
        if len(self.category) == 0 and n:
            object.__setattr__(self, "category", np.full(n, "", dtype=object))
        if not len(self.y) == len(self.t) == len(self.category) == n:
            raise ValueError("x, y, t and category must have the same length")

    def __len__(self) -> int:
        return len(self.x)

    def take(self, sel) -> "Events":
        return Events(self.x[sel], self.y[sel], self.t[sel], self.category[sel])

    def before(self, cutoff: float) -> "Events":
        return self.take(self.t < cutoff)

    def categories(self):
        return sorted(set(self.category.tolist()))


def _per_category(fit_one):
    """Apply a one-category fit to each category of the events before the cutoff, and sum."""

    def method(events: Events, cutoff: float, grid: Grid, horizon: float = 7.0, **kw) -> np.ndarray:
        past = events.before(cutoff)
        out = np.zeros(grid.size)
        for c in past.categories():
            out += fit_one(past.take(past.category == c), cutoff, grid, horizon, **kw).ravel()
        return np.where(grid.valid, out, 0.0)

    method.__name__ = fit_one.__name__
    method.__doc__ = fit_one.__doc__
    return method


def _span(ev: Events, cutoff: float) -> float:
    return max(cutoff - float(ev.t.min()), 1.0)


@_per_category
def long_term_counts(ev: Events, cutoff, grid, horizon):
    """All past events per cell, as a rate times the horizon."""
    return grid.counts(ev.x, ev.y) * horizon / _span(ev, cutoff)


@_per_category
def recent_kde(ev: Events, cutoff, grid, horizon, days: float = 56.0, bandwidth: float = 250.0):
    """Gaussian KDE of the last `days` days of events."""
    r = ev.take(ev.t >= cutoff - days)
    return smooth(grid, grid.counts(r.x, r.y), bandwidth) * horizon / days


@_per_category
def prospective_hotspot(ev: Events, cutoff, grid, horizon, weeks: int = 8, band: float = 400.0):
    """Bowers-Johnson-Pease: each recent event adds 1/(1 + cells away) * 1/(1 + weeks ago) within the bands.

    The weight factorises into space x time, so it is one weighted binning and one convolution.
    """
    from scipy import ndimage

    age = np.floor((cutoff - ev.t) / 7.0)
    r = age < weeks
    w_time = 1.0 / (1.0 + age[r])
    binned = grid.counts(ev.x[r], ev.y[r], w_time)
    k = int(np.floor(band / grid.cell))
    d = np.hypot(*np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1)))
    kernel = np.where(d * grid.cell <= band, 1.0 / (1.0 + d), 0.0)
    surf = ndimage.convolve(binned, kernel, mode="constant")
    surf = np.where(grid.mask, surf, 0.0)
    total = surf.sum()
    recent = r.sum() * horizon / (7.0 * weeks)
    return surf * (recent / total) if total > 0 else surf


@dataclass
class SeppFit:
    theta: float  # branching ratio: expected offspring per event (= triggered share in a stationary process)
    omega: float  # 1/days: temporal decay of triggering
    sigma: float  # metres: spatial spread of triggering
    background: np.ndarray  # (ny, nx) background events per day per cell
    triggered_share: float  # sum of the fitted triggering probabilities / N
    iterations: int


def fit_sepp(
    ev: Events,
    grid: Grid,
    cutoff: float,
    *,
    window_days: float = 60.0,
    window_m: float = 750.0,
    bg_bandwidth: float = 250.0,
    iterations: int = 60,
    tol: float = 1e-5,
) -> SeppFit:
    """EM for lambda(s, t) = mu(s) + sum_j theta*omega*exp(-omega (t - t_j)) * N(s - s_j; sigma^2).

    Only pairs within `window_m` metres and `window_days` days can trigger (k-d tree, vectorised over pairs).
    The background is a Gaussian-smoothed, probability-weighted histogram on the grid (Mohler et al. 2011).
    """
    n = len(ev)
    x, y, t = ev.x, ev.y, ev.t
    t0 = float(t.min()) if n else cutoff
    T = max(cutoff - t0, 1.0)
    cell_area = grid.cell**2
    idx = grid.index(x, y)
    if n < 2:
        bg = grid.counts(x, y) / T
        return SeppFit(0.0, 0.1, 100.0, bg, 0.0, 0)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(window_m, output_type="ndarray")
    a, b = pairs[:, 0], pairs[:, 1]
    later = t[a] >= t[b]
    i = np.where(later, a, b)  # the triggered (later) event
    j = np.where(later, b, a)  # its candidate parent
    dt = t[i] - t[j]
    keep = (dt > 0) & (dt <= window_days)
    i, j, dt = i[keep], j[keep], dt[keep]
    d2 = (x[i] - x[j]) ** 2 + (y[i] - y[j]) ** 2

    theta, omega, sigma = 0.2, 0.1, 200.0
    p_bg = np.ones(n)
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 (reported) - each EM step is vectorised over pairs
        bg = smooth(grid, grid.counts(x, y, p_bg), bg_bandwidth) / T  # events/day/cell
        mu = np.where(idx >= 0, bg.ravel()[np.maximum(idx, 0)], 0.0) / cell_area  # per m^2 per day
        g = theta * omega * np.exp(-omega * dt) * np.exp(-d2 / (2 * sigma**2)) / (2 * np.pi * sigma**2)
        denom = mu + np.bincount(i, weights=g, minlength=n)
        denom = np.where(denom > 0, denom, 1e-300)
        p = g / denom[i]
        new_bg = np.where(mu > 0, mu / denom, 1.0)
        sp = p.sum()
        # Edge correction: an event near the cutoff has had little time to trigger.
        exposure = (1.0 - np.exp(-omega * np.minimum(cutoff - t, window_days))).sum()
        theta_new = sp / max(exposure, 1e-9)
        omega_new = sp / max((p * dt).sum(), 1e-9) if sp > 0 else omega
        sigma_new = np.sqrt((p * d2).sum() / (2 * sp)) if sp > 0 else sigma
        sigma_new = float(np.clip(sigma_new, grid.cell / 4, window_m))
        omega_new = float(np.clip(omega_new, 1.0 / window_days, 50.0))
        change = abs(theta_new - theta) + np.abs(new_bg - p_bg).max()
        theta, omega, sigma, p_bg = float(min(theta_new, 0.99)), omega_new, sigma_new, new_bg
        if change < tol:
            break
    bg = smooth(grid, grid.counts(x, y, p_bg), bg_bandwidth) / T
    return SeppFit(theta, omega, sigma, bg, float(1.0 - p_bg.mean()), done)


def sepp_forecast(fit: SeppFit, ev: Events, grid: Grid, cutoff: float, horizon: float) -> np.ndarray:
    """Expected events per cell in [cutoff, cutoff + horizon): background plus the decaying triggering."""
    age = cutoff - ev.t
    share = fit.theta * (np.exp(-fit.omega * age) - np.exp(-fit.omega * (age + horizon)))
    trig = smooth(grid, grid.counts(ev.x, ev.y, share), fit.sigma)
    return fit.background * horizon + trig


@_per_category
def sepp(ev: Events, cutoff, grid, horizon, **kw):
    """Self-exciting point process (Mohler-style), fitted by EM on the category's past events."""
    return sepp_forecast(fit_sepp(ev, grid, cutoff, **kw), ev, grid, cutoff, horizon)


BLEND_WEIGHTS = {"long_term_counts": 0.6, "recent_kde": 0.2, "sepp": 0.2}


def blend(events: Events, cutoff: float, grid: Grid, horizon: float = 7.0, weights=None) -> np.ndarray:
    """Weighted mix of the methods' surfaces, each scaled to the long-term expected total first."""
    weights = weights or BLEND_WEIGHTS
    return blend_surfaces({name: METHODS[name](events, cutoff, grid, horizon) for name in weights}, weights)


def blend_surfaces(surfaces: dict, weights=None) -> np.ndarray:
    """The blend from surfaces already computed (the backtest reuses them)."""
    weights = weights or BLEND_WEIGHTS
    total = surfaces.get("long_term_counts", next(iter(surfaces.values()))).sum()
    out = np.zeros_like(next(iter(surfaces.values())))
    for name, w in weights.items():
        s = surfaces[name].sum()
        if s > 0:
            out += w * surfaces[name] * (total / s)
    return out


METHODS = {
    "long_term_counts": long_term_counts,
    "recent_kde": recent_kde,
    "prospective_hotspot": prospective_hotspot,
    "sepp": sepp,
    "blend": blend,
}
