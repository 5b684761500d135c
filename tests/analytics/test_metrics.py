"""Properties of the forecast metrics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from siaga.analytics import evaluate

COV = evaluate.COVERAGES

counts = st.integers(20, 400).flatmap(
    lambda n: arrays(np.int64, n, elements=st.integers(0, 5)).filter(lambda a: a.sum() > 0)
)


@settings(max_examples=60, deadline=None)
@given(counts)
def test_perfect_forecast_hits_everything_once_enough_cells_are_flagged(actual):
    s = evaluate.scores(actual.astype(float), actual)
    ks = evaluate.flagged_counts(actual.size)
    busy = np.count_nonzero(actual)
    for c, k in zip(COV, ks, strict=True):
        assert s["pei"][c] == pytest.approx(1.0)  # nothing beats knowing the future
        if k >= busy:
            assert s["hit_rate"][c] == pytest.approx(1.0)
        # PAI of a perfect forecast is bounded by 1 / (share of area flagged)
        assert s["pai"][c] <= actual.size / k + 1e-9
        assert s["pai"][c] == pytest.approx(s["hit_rate"][c] / (k / actual.size))


@settings(max_examples=60, deadline=None)
@given(counts, st.integers(0, 2**31 - 1))
def test_hit_rate_is_monotone_in_coverage_and_bounded(actual, seed):
    forecast = np.random.default_rng(seed).random(actual.size)
    hr = evaluate.scores(forecast, actual)["hit_rate"]
    vals = [hr[c] for c in COV]
    assert all(0 <= v <= 1 for v in vals)
    assert vals == sorted(vals)
    perfect = evaluate.scores(actual.astype(float), actual)["hit_rate"]
    assert all(hr[c] <= perfect[c] + 1e-12 for c in COV)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_random_forecast_hit_rate_is_about_the_coverage(seed):
    rng = np.random.default_rng(seed)
    n = 5000
    actual = np.bincount(rng.integers(0, n, 50_000), minlength=n)
    s = evaluate.scores(rng.random(n), actual)
    for c in COV:
        assert s["hit_rate"][c] == pytest.approx(c / 100, abs=0.02)
        assert s["pai"][c] == pytest.approx(1.0, abs=0.25)


def test_ties_are_broken_by_cell_index_and_invalid_cells_are_never_flagged():
    order = evaluate.ranking(np.array([1.0, 2.0, 2.0, 0.0, 2.0]), np.array([1, 1, 0, 1, 1], bool))
    assert order.tolist() == [1, 4, 0, 3]
    # A flat forecast flags the first cells: deterministic, so repeatable across runs.
    got, _, ks = evaluate.hits(np.zeros(100), np.r_[np.ones(1), np.zeros(99)], coverages=(1,))
    assert ks.tolist() == [1] and got.tolist() == [1.0]


def test_no_events_gives_no_number_rather_than_a_fake_one():
    s = evaluate.scores(np.arange(10.0), np.zeros(10))
    assert all(np.isnan(v) for v in s["hit_rate"].values())


def test_paired_bootstrap():
    rng = np.random.default_rng(3)
    totals = rng.integers(20, 40, 60).astype(float)
    base = np.floor(totals * 0.3)
    better = base + 3
    r = evaluate.paired_bootstrap(better, base, totals, reps=1000)
    assert r["diff"] == pytest.approx(3 * 60 / totals.sum())
    assert 0 < r["ci_low"] <= r["diff"] <= r["ci_high"]
    same = evaluate.paired_bootstrap(base, base, totals, reps=200)
    assert same == {"diff": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    noisy = evaluate.paired_bootstrap(base + rng.integers(-3, 4, 60), base, totals, reps=1000)
    assert noisy["ci_low"] < noisy["diff"] < noisy["ci_high"]
    assert evaluate.paired_bootstrap(base, base, np.zeros(60))["diff"] is None
