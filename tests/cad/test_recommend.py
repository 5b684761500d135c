import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.cad.recommend import Candidates, rank
from siaga.cad.routing import CircuityEstimator, OsrmEstimator, haversine_m

INC = {"lon": 106.99, "lat": -6.24}


def units(*rows):
    """rows: (id, kind, polsek, dlon_m, caps, load) placed east of the incident by dlon metres."""
    deg = lambda m: m / (111_320 * np.cos(np.radians(INC["lat"])))  # noqa: E731
    return Candidates(
        ids=np.array([r[0] for r in rows]),
        callsigns=np.array([f"U{r[0]}" for r in rows]),
        kinds=np.array([r[1] for r in rows]),
        polsek_ids=np.array([r[2] for r in rows]),
        lons=np.array([INC["lon"] + deg(r[3]) for r in rows]),
        lats=np.full(len(rows), INC["lat"]),
        capabilities=[frozenset(r[4]) for r in rows],
        loads=np.array([r[5] for r in rows]),
    )


def ids(recs):
    return [r.unit_id for r in recs]


def test_nearest_unit_ranks_first_with_distance_reason():
    recs = rank(
        units((1, "r4", 5, 3000, (), 0), (2, "r4", 5, 1000, (), 0)),
        category="curat",
        priority=2,
        polsek_id=5,
        hour=11,
        **INC,
    )
    assert ids(recs) == [2, 1]
    assert recs[0].distance_m == pytest.approx(1000, rel=0.01)
    assert "1.0 km" in recs[0].reasons[0]


def test_capability_match_outweighs_a_short_extra_drive():
    # the lantas unit is 400 m further (about 50 s at 40 km/h x 1.35) but has what a crash needs
    u = units((1, "r4", 5, 1000, (), 0), (2, "r4", 5, 1400, ("lantas",), 0))
    assert ids(rank(u, category="laka", priority=2, polsek_id=5, hour=11, **INC)) == [2, 1]
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=11, **INC)) == [1, 2]


def test_other_polsek_penalised_except_for_p1():
    u = units((1, "r4", 9, 1000, (), 0), (2, "r4", 5, 1500, (), 0))
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=11, **INC)) == [2, 1]
    recs = rank(u, category="curat", priority=1, polsek_id=5, hour=11, **INC)
    assert ids(recs) == [1, 2]
    assert any("waived" in r for r in recs[0].reasons)


def test_load_spreads_work():
    u = units((1, "r4", 5, 1000, (), 3), (2, "r4", 5, 1300, (), 0))
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=11, **INC)) == [2, 1]


def test_motorbike_beats_car_in_rush_hour_not_at_night():
    u = units((1, "r4", 5, 2000, (), 0), (2, "r2", 5, 2300, (), 0))
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=17, **INC)) == [2, 1]
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=2, **INC)) == [1, 2]


def test_empty_and_limit():
    assert rank(units(), category="curat", priority=2, polsek_id=5, hour=1, **INC) == []
    u = units(*[(i, "r2", 5, 100 * i, (), 0) for i in range(1, 30)])
    assert ids(rank(u, category="curat", priority=2, polsek_id=5, hour=1, limit=3, **INC)) == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20_000), st.sampled_from(["r2", "r4", "foot"]), st.integers(0, 4)),
        min_size=1,
        max_size=40,
        unique_by=lambda t: t[0],
    )
)
def test_ranking_is_sorted_by_score_and_complete(rows):
    u = units(*[(i + 1, k, 5, d, (), load) for i, (d, k, load) in enumerate(rows)])
    recs = rank(u, category="curat", priority=3, polsek_id=5, hour=12, limit=len(rows), **INC)
    scores = [r.score_s for r in recs]
    assert scores == sorted(scores)
    assert sorted(ids(recs)) == sorted(u.ids.tolist())


@given(st.floats(-180, 180), st.floats(-85, 85), st.floats(-180, 180), st.floats(-85, 85))
def test_haversine_is_a_symmetric_nonnegative_distance(lon1, lat1, lon2, lat2):
    d12 = haversine_m([lon1], [lat1], lon2, lat2)[0]
    d21 = haversine_m([lon2], [lat2], lon1, lat1)[0]
    assert d12 >= 0 and d12 == pytest.approx(d21, abs=1e-6)
    assert d12 <= np.pi * 6_371_008.8 + 1


class _Osrm(BaseHTTPRequestHandler):
    def do_GET(self):  # a minimal OSRM table answer: 100 s per source
        n = self.path.split("?")[0].count(";")
        body = json.dumps({"code": "Ok", "durations": [[100.0] for _ in range(n)]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_osrm_estimator_uses_router_durations_and_falls_back_when_down():
    server = HTTPServer(("127.0.0.1", 0), _Osrm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        est = OsrmEstimator(f"http://127.0.0.1:{server.server_port}")
        got = est.estimate(
            np.array([107.0, 107.01]), np.array([-6.2, -6.2]), np.array(["r4", "r2"]), 107.02, -6.2, 10
        )
        assert got.method == "osrm"
        assert got.eta_s.tolist() == [130.0, 130.0]  # router duration + turnout
    finally:
        server.shutdown()
    down = OsrmEstimator(f"http://127.0.0.1:{server.server_port}", timeout_s=0.2)
    got = down.estimate(np.array([107.0]), np.array([-6.2]), np.array(["r4"]), 107.02, -6.2, 10)
    expected = CircuityEstimator().estimate(
        np.array([107.0]), np.array([-6.2]), np.array(["r4"]), 107.02, -6.2, 10
    )
    assert got.method == "circuity" and got.eta_s[0] == pytest.approx(expected.eta_s[0])
