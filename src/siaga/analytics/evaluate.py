"""Forecast metrics: hit rate, PAI and PEI at fixed shares of the area, and a paired bootstrap CI.

Cells are ranked by forecast intensity, highest first; ties go to the lower cell index, so results never
depend on sort stability. With k = max(1, round(coverage * cells)) cells flagged:
hit rate = events in flagged cells / all events; PAI = hit rate / (k / cells) (Chainey, Tompson & Uhlig
2008); PEI = events in flagged cells / most events any k cells held (Hunt 2016).
"""

import numpy as np

COVERAGES = (1, 2, 5, 10, 20)  # percent of the study area


def ranking(intensity: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Valid cell indices, highest intensity first, ties by ascending index."""
    intensity = np.asarray(intensity, dtype=float).ravel()
    cells = np.arange(intensity.size) if valid is None else np.flatnonzero(valid)
    order = np.lexsort((cells, -intensity[cells]))
    return cells[order]


def flagged_counts(n_cells: int, coverages=COVERAGES) -> np.ndarray:
    return np.maximum(1, np.rint(np.asarray(coverages, dtype=float) / 100.0 * n_cells)).astype(int)


def hits(intensity, actual, valid=None, coverages=COVERAGES):
    """(events in the flagged cells, best possible in as many cells, k) for each coverage."""
    actual = np.asarray(actual, dtype=float).ravel()
    order = ranking(intensity, valid)
    ks = flagged_counts(order.size, coverages)
    got = np.concatenate([[0.0], np.cumsum(actual[order])])[ks]
    best = np.concatenate([[0.0], np.cumsum(np.sort(actual[order])[::-1])])[ks]
    return got, best, ks


def scores(intensity, actual, valid=None, coverages=COVERAGES) -> dict:
    """Hit rate, PAI and PEI for one forecast ({metric: {coverage: value}}); NaN when nothing happened."""
    actual = np.asarray(actual, dtype=float).ravel()
    total = actual[np.flatnonzero(valid)].sum() if valid is not None else actual.sum()
    got, best, ks = hits(intensity, actual, valid, coverages)
    n = int(np.count_nonzero(valid)) if valid is not None else actual.size
    with np.errstate(invalid="ignore", divide="ignore"):
        hr = got / total
        pai = hr / (ks / n)
        pei = np.where(best > 0, got / best, np.nan)
    return {
        "hit_rate": dict(zip(coverages, hr.tolist(), strict=True)),
        "pai": dict(zip(coverages, pai.tolist(), strict=True)),
        "pei": dict(zip(coverages, pei.tolist(), strict=True)),
    }


def pooled(got: np.ndarray, best: np.ndarray, totals: np.ndarray, ks: np.ndarray, n_cells: int) -> dict:
    """Metrics over many forecast periods, pooled: sum of hits / sum of events (periods, coverages) arrays."""
    g, b, tot = got.sum(axis=0), best.sum(axis=0), totals.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        hr = g / tot
        return {"hit_rate": hr, "pai": hr / (ks / n_cells), "pei": np.where(b > 0, g / b, np.nan)}


def paired_bootstrap(got_a, got_b, totals, reps: int = 2000, seed: int = 0, level: float = 0.95) -> dict:
    """Difference in pooled hit rate (a - b) over forecast periods, with a paired percentile bootstrap CI.

    Periods are resampled with replacement, the same resample for both methods.
    """
    got_a, got_b, totals = (np.asarray(v, dtype=float) for v in (got_a, got_b, totals))
    if totals.sum() <= 0:
        return {"diff": None, "ci_low": None, "ci_high": None}
    diff = (got_a.sum() - got_b.sum()) / totals.sum()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, totals.size, size=(reps, totals.size))
    tot = totals[pick].sum(axis=1)
    ok = tot > 0
    boot = (got_a[pick].sum(axis=1)[ok] - got_b[pick].sum(axis=1)[ok]) / tot[ok]
    lo, hi = np.quantile(boot, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"diff": float(diff), "ci_low": float(lo), "ci_high": float(hi)}
