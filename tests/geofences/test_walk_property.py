"""Property: for any random walk of several subjects over two overlapping fences, sent in batches of any
size and order, alerts per (fence, subject) alternate enter, leave, enter, … (never two enters in a row),
and with fixes sent in time order they are exactly the transitions of the walk. Late (stale) fixes mixed
in never break the alternation."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.geofences import engine, services
from siaga.geofences.models import GeofenceState

from .conftest import CENTRE, T0, square

# places: (lat, lon) and which fences (A, B) contain them
PLACES = [
    ((CENTRE[1], CENTRE[0]), {"A"}),
    ((CENTRE[1], CENTRE[0] + 0.0075), {"A", "B"}),
    ((CENTRE[1], CENTRE[0] + 0.02), {"B"}),
    ((CENTRE[1] + 0.05, CENTRE[0]), set()),
]

walks = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, len(PLACES) - 1)),  # (subject, place) per minute
    min_size=1,
    max_size=40,
)


def expected(walk) -> dict[tuple[str, int], list[str]]:
    out: dict[tuple[str, int], list[str]] = {}
    inside: dict[tuple[str, int], bool] = {}
    for subject, place in walk:
        for fence in ("A", "B"):
            key = (fence, subject)
            now = fence in PLACES[place][1]
            if now != inside.get(key, False):
                out.setdefault(key, []).append("enter" if now else "leave")
            inside[key] = now
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    walk=walks, cuts=st.lists(st.integers(1, 8), min_size=1, max_size=40), stale=st.booleans(), data=st.data()
)
def test_alerts_alternate_per_fence_and_subject(w, raised, walk, cuts, stale, data):
    if not hasattr(w, "fences"):
        k = w.u("kabag_ops")
        w.fences = {
            "A": services.create_fence(k, name="Zona A", kind="custom", geometry=square(half=0.01)),
            "B": services.create_fence(
                k, name="Zona B", kind="custom", geometry=square(lon=CENTRE[0] + 0.015, half=0.01)
            ),
        }
        for f in w.fences.values():
            services.add_rule(k, f.pk, trigger="enter")
            services.add_rule(k, f.pk, trigger="leave")
    GeofenceState.objects.all().delete()
    raised.calls.clear()
    units = list(w.units.values())
    fixes = []
    for minute, (subject, place) in enumerate(walk):
        (lat, lon), _fs = PLACES[place]
        fixes.append((units[subject].pk, None, "", lat, lon, T0 + dt.timedelta(minutes=minute)))
    # batches in time order, each shuffled; optionally a stale copy of an earlier fix in a later batch
    start, k = 0, 0
    while start < len(fixes):
        size = cuts[k % len(cuts)]
        batch = fixes[start : start + size]
        if stale and start > 0:
            old = data.draw(st.sampled_from(fixes[:start]))
            (lat, lon), _fs = PLACES[data.draw(st.integers(0, len(PLACES) - 1))]
            batch.append((old[0], None, "", lat, lon, old[5] - dt.timedelta(seconds=30)))
        batch = data.draw(st.permutations(batch))
        engine.observe(w.tree.a.pk, batch)
        start, k = start + size, k + 1

    got: dict[tuple[str, int], list[str]] = {}
    name_of = {f.pk: n for n, f in w.fences.items()}
    subject_of = {f"u:{u.pk}": i for i, u in enumerate(units)}
    for c in raised.calls:
        key = (name_of[c["details"]["geofence_id"]], subject_of[c["details"]["subject"]])
        got.setdefault(key, []).append(c["kind"].removeprefix("geofence."))
    for key, seq in got.items():
        assert seq == ["enter", "leave"] * (len(seq) // 2) + ["enter"] * (len(seq) % 2), (key, seq)
    if not stale:
        assert got == expected(walk)
