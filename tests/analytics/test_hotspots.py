"""KDE, Getis-Ord Gi* and the Knox test on planted patterns and on controls."""

import numpy as np
import pytest

from siaga.analytics import hotspots
from siaga.analytics.grid import Grid

BOX = 6000.0


def _grid():
    return Grid.covering(np.array([0, BOX - 1]), np.array([0, BOX - 1]), 150)


def test_kde_keeps_the_mass_and_peaks_where_the_points_are():
    g = _grid()
    rng = np.random.default_rng(0)
    x, y = rng.normal(3000, 200, 500), rng.normal(3000, 200, 500)
    d = hotspots.kde(g, x, y, bandwidth=300)
    assert d.sum() == pytest.approx(500, rel=1e-6)
    iy, ix = np.unravel_index(np.argmax(d), d.shape)
    assert abs(ix * 150 + 75 - 3000) <= 300 and abs(iy * 150 + 75 - 3000) <= 300


def test_gi_star_finds_a_planted_cluster():
    g = _grid()
    rng = np.random.default_rng(1)
    x = np.r_[rng.uniform(0, BOX, 1500), rng.normal(1500, 150, 200)]
    y = np.r_[rng.uniform(0, BOX, 1500), rng.normal(4500, 150, 200)]
    gi = hotspots.getis_ord(g, g.counts(x, y))
    c = g.index([1500], [4500])[0]
    assert gi.hot.ravel()[c] and gi.z.ravel()[c] > 5
    assert gi.p.ravel()[c] < 1e-6
    far = g.index([4500], [1500])[0]
    assert not gi.hot.ravel()[far]


@pytest.mark.parametrize("band", [None, 400.0])
def test_gi_star_on_complete_spatial_randomness_is_mostly_not_significant(band):
    g = _grid()
    rng = np.random.default_rng(2)
    x, y = rng.uniform(0, BOX, 4000), rng.uniform(0, BOX, 4000)
    gi = hotspots.getis_ord(g, g.counts(x, y), band=band)
    assert np.nanmean(gi.hot | gi.cold) < 0.10  # about alpha, allowing for spatial correlation of Gi*
    assert np.isnan(gi.z).sum() == 0


def _near_repeats(rng, n=600, kids=1):
    x, y, t = rng.uniform(0, BOX, n), rng.uniform(0, BOX, n), rng.uniform(0, 365, n)
    k = rng.integers(0, n, n // 2 * kids)
    return (
        np.r_[x, x[k] + rng.normal(0, 60, k.size)],
        np.r_[y, y[k] + rng.normal(0, 60, k.size)],
        np.r_[t, t[k] + rng.uniform(0, 5, k.size)],
    )


def test_knox_detects_planted_near_repeats():
    x, y, t = _near_repeats(np.random.default_rng(3))
    k = hotspots.knox(x, y, t, space_bands=(200, 400), time_bands=(7, 14), permutations=99)
    assert k.observed.shape == (2, 2)
    assert k.p[0, 0] == pytest.approx(0.01)  # no permutation came close
    assert k.ratio[0, 0] > 3


def test_knox_does_not_flag_the_time_shuffled_control():
    rng = np.random.default_rng(4)
    x, y, t = _near_repeats(rng)
    shuffled = t[rng.permutation(t.size)]
    k = hotspots.knox(x, y, shuffled, space_bands=(200, 400), time_bands=(7, 14), permutations=99)
    assert k.p[0, 0] > 0.05
    assert 0.5 < k.ratio[0, 0] < 1.6


def test_knox_per_category_separates_a_repeating_crime_from_a_random_one():
    rng = np.random.default_rng(6)
    x1, y1, t1 = _near_repeats(rng)
    n = 900
    x2, y2, t2 = rng.uniform(0, BOX, n), rng.uniform(0, BOX, n), rng.uniform(0, 365, n)
    cats = np.r_[np.full(x1.size, "burglary"), np.full(n, "fraud"), np.full(5, "rare")]
    x, y, t = (np.r_[a, b, np.zeros(5)] for a, b in ((x1, x2), (y1, y2), (t1, t2)))
    res = hotspots.knox_per_category(x, y, t, cats, permutations=99)
    assert set(res) == {"burglary", "fraud"}  # too few "rare" events to test
    assert res["burglary"].p[0, 0] == pytest.approx(0.01)
    assert res["fraud"].p[0, 0] > 0.05
