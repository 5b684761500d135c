"""The forecasting methods: one interface, no look-ahead, and SEPP's EM on a simulated Hawkes process."""

import numpy as np
import pytest

from siaga.analytics import predict
from siaga.analytics.grid import Grid
from siaga.analytics.predict import Events

from .synth import hawkes

BOX = (0.0, 0.0, 8000.0, 8000.0)


def _events(seed=0, days=400):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(1000, 7000, (12, 2))
    parts = []
    for cat, theta in [("theft", 0.3), ("assault", 0.1)]:
        x, y, t, _ = hawkes(
            rng,
            mu_per_day=3,
            days=days,
            theta=theta,
            omega=0.3,
            sigma=100,
            centres=centres,
            spread=300,
            box=BOX,
        )
        parts.append((x, y, t, np.full(x.size, cat, dtype=object)))
    x, y, t, c = (np.concatenate(p) for p in zip(*parts, strict=True))
    return Events(x, y, t, c)


def _grid():
    return Grid.covering(np.array([BOX[0], BOX[2]]), np.array([BOX[1], BOX[3]]), 150)


@pytest.mark.parametrize("name", list(predict.METHODS))
def test_methods_never_look_at_events_at_or_after_the_cutoff(name):
    ev = _events()
    g = _grid()
    cutoff = 300.0
    rng = np.random.default_rng(9)
    n = 400
    planted = Events(
        rng.uniform(0, 8000, n),
        rng.uniform(0, 8000, n),
        cutoff + rng.uniform(0, 50, n),
        np.full(n, "theft", object),
    )
    planted.t[:5] = cutoff  # exactly at the cutoff counts as future too
    more = Events(
        *(np.concatenate([getattr(ev, f), getattr(planted, f)]) for f in ("x", "y", "t", "category"))
    )
    a = predict.METHODS[name](ev, cutoff, g, 7.0)
    b = predict.METHODS[name](more, cutoff, g, 7.0)
    assert np.array_equal(a, b)
    assert a.shape == (g.size,) and (a >= 0).all() and a.sum() > 0


@pytest.mark.parametrize("name", list(predict.METHODS))
def test_forecast_totals_are_about_the_expected_count(name):
    ev = _events()
    g = _grid()
    past = ev.before(300.0)
    rate = len(past) / (300.0 - past.t.min())
    got = predict.METHODS[name](ev, 300.0, g, 7.0).sum()
    assert got == pytest.approx(7 * rate, rel=0.6)


def test_methods_fit_each_category_and_sum():
    ev = _events()
    g = _grid()
    whole = predict.recent_kde(ev, 300.0, g, 7.0)
    parts = sum(predict.recent_kde(ev.take(ev.category == c), 300.0, g, 7.0) for c in ("theft", "assault"))
    assert np.allclose(whole, parts)


@pytest.mark.parametrize("theta,seed", [(0.5, 11), (0.2, 12)])
def test_sepp_em_recovers_the_triggered_share_of_a_hawkes_process(theta, seed):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(1000, 7000, (10, 2))
    x, y, t, trig = hawkes(
        rng, mu_per_day=4, days=500, theta=theta, omega=0.25, sigma=80, centres=centres, spread=500, box=BOX
    )
    fit = predict.fit_sepp(Events(x, y, t), _grid(), cutoff=500.0)
    assert fit.triggered_share == pytest.approx(trig.mean(), abs=0.1)
    assert fit.theta == pytest.approx(theta, abs=0.12)
    assert fit.omega == pytest.approx(0.25, rel=0.5)
    assert fit.sigma == pytest.approx(80, rel=0.5)


def test_sepp_finds_little_triggering_in_a_poisson_process():
    rng = np.random.default_rng(13)
    x, y, t, _ = hawkes(
        rng,
        mu_per_day=6,
        days=400,
        theta=0.0,
        omega=0.25,
        sigma=80,
        centres=[(4000, 4000)],
        spread=1500,
        box=BOX,
    )
    fit = predict.fit_sepp(Events(x, y, t), _grid(), cutoff=400.0)
    assert fit.triggered_share < 0.08


def test_blend_is_the_weighted_mix():
    ev = _events()
    g = _grid()
    surf = {m: predict.METHODS[m](ev, 300.0, g, 7.0) for m in predict.BLEND_WEIGHTS}
    assert np.allclose(predict.blend(ev, 300.0, g, 7.0), predict.blend_surfaces(surf))
    only = predict.blend(ev, 300.0, g, 7.0, weights={"long_term_counts": 1.0})
    assert np.allclose(only, surf["long_term_counts"])
