"""Synthetic event data for the analytics tests: clustered backgrounds and a Hawkes process."""

import numpy as np


def hawkes(rng, *, mu_per_day, days, theta, omega, sigma, centres, spread, box):
    """Background Poisson events around `centres` (x, y metres) + Gaussian/exponential offspring.

    Returns x, y, t and a boolean "triggered" flag; offspring are generated generation by generation.
    """
    n0 = rng.poisson(mu_per_day * days)
    t = rng.uniform(0, days, n0)
    c = np.asarray(centres, dtype=float)[rng.integers(0, len(centres), n0)]
    x = c[:, 0] + rng.normal(0, spread, n0)
    y = c[:, 1] + rng.normal(0, spread, n0)
    xs, ys, ts, trig = [x], [y], [t], [np.zeros(n0, bool)]
    px, py, pt = x, y, t
    while pt.size:
        k = rng.poisson(theta, pt.size)
        par = np.repeat(np.arange(pt.size), k)
        nt = pt[par] + rng.exponential(1 / omega, par.size)
        nx = px[par] + rng.normal(0, sigma, par.size)
        ny = py[par] + rng.normal(0, sigma, par.size)
        ok = nt < days
        px, py, pt = nx[ok], ny[ok], nt[ok]
        xs.append(px)
        ys.append(py)
        ts.append(pt)
        trig.append(np.ones(pt.size, bool))
    x, y, t, g = (np.concatenate(a) for a in (xs, ys, ts, trig))
    x = np.clip(x, box[0], box[2])
    y = np.clip(y, box[1], box[3])
    o = np.argsort(t, kind="stable")
    return x[o], y[o], t[o], g[o]


def csv_text(proj, x, y, t, cats, start) -> str:
    """A CSV (timestamp, lat, lon, category) of projected events; t in days after the date `start`."""
    from datetime import datetime, timedelta

    lon, lat = proj.inverse(x, y)
    base = datetime(start.year, start.month, start.day)
    lines = ["timestamp,lat,lon,category"]
    for la, lo, tt, c in zip(lat, lon, t, cats, strict=True):
        lines.append(
            f"{(base + timedelta(days=float(tt))).isoformat(timespec='seconds')},{la:.6f},{lo:.6f},{c}"
        )
    return "\n".join(lines) + "\n"
