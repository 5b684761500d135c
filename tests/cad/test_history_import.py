"""cad.services.import_history: columnar bulk import of incidents and calls, one audit row, all or nothing."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from siaga.cad import services
from siaga.cad.models import Call, Incident
from siaga.core import audit
from siaga.core.context import acting
from siaga.core.errors import Invalid
from siaga.core.models import AuditEntry

from .conftest import INSIDE, OUTSIDE, call_columns, incident_columns, utc

pytestmark = pytest.mark.django_db


def run(polres, incidents, calls=None, **kw):
    with acting(None, "test-import"):
        return services.import_history(polres, incidents, calls, **kw)


def test_import_writes_incidents_and_calls_located_numbered_and_linked(polres, polsek):
    inc = incident_columns(3)
    before = AuditEntry.objects.count()
    res = run(polres, inc, call_columns(inc), synthetic=True, label="t")
    assert (res.incidents, res.calls) == (3, 5)
    rows = list(Incident.objects.order_by("received_at"))
    assert [r.number for r in rows] == ["BKS/2026/000001", "BKS/2026/000002", "BKS/2026/000003"]
    for r, (lon, lat) in zip(rows, INSIDE, strict=False):
        assert (r.lon, r.lat) == (lon, lat)
        assert r.kelurahan_code.startswith("32.75.01.") and r.kecamatan_code == "32.75.01"
        assert r.rw and r.rt and len(r.h3_cell) == 15
        assert r.polsek_id == polsek.pk and r.synthetic and r.status == "closed"
    assert rows[0].received_at == utc(2026, 3, 1, 1, 0, 0)
    assert rows[0].on_scene_at - rows[0].received_at == dt.timedelta(seconds=500)
    assert rows[1].accident_severity == "sedang" and rows[1].victims_lr == 2
    # calls link to their incidents; a call without a position stays unlocated
    linked = Call.objects.filter(disposition="incident").order_by("received_at")
    assert [c.incident_id for c in linked] == [r.pk for r in rows]
    prank = Call.objects.get(disposition="prank")
    assert prank.lat is None and prank.kelurahan_code == "" and prank.polsek_id is None
    abandoned = Call.objects.get(disposition="abandoned")
    assert abandoned.answered_at is None and abandoned.kelurahan_code == "32.75.01.1001"
    # one summarising audit row, and the chain holds
    new = list(AuditEntry.objects.filter(seq__gt=before))
    assert [e.action for e in new] == ["cad.history.imported"]
    assert new[0].after["incidents"] == 3 and new[0].after["calls"] == 5
    assert new[0].after["calls_by_disposition"] == {"abandoned": 1, "incident": 3, "prank": 1}
    assert audit.verify().ok


def test_stored_datetimes_compare_correctly_in_queries(polres):
    run(polres, incident_columns(3))
    t = utc(2026, 3, 1, 2, 0, 0)
    assert Incident.objects.filter(received_at__gte=t).count() == 2
    assert Incident.objects.filter(received_at__gt=t).count() == 1
    assert Incident.objects.filter(received_at__lt=t + dt.timedelta(microseconds=1)).count() == 2


def test_numbers_continue_per_year_and_follow_local_time(polres):
    run(polres, incident_columns(2))
    # 31 Dec 2025 20:00 UTC is already 1 Jan 2026 in WIB (UTC+7)
    res = run(polres, incident_columns(2, start=utc(2025, 12, 31, 16, 30)))
    numbers = sorted(Incident.objects.values_list("number", flat=True))
    assert numbers == ["BKS/2025/000001", "BKS/2026/000001", "BKS/2026/000002", "BKS/2026/000003"]
    assert (res.first_number, res.last_number) == ("BKS/2025/000001", "BKS/2026/000003")


def test_status_follows_the_last_step_reached(polres):
    inc = incident_columns(2)
    inc["closed_at"] = np.array([inc["closed_at"][0], np.datetime64("NaT")])
    inc["cleared_at"] = np.array([inc["cleared_at"][0], np.datetime64("NaT")])
    run(polres, inc)
    assert list(Incident.objects.order_by("received_at").values_list("status", flat=True)) == [
        "closed",
        "on_scene",
    ]


def test_aware_datetimes_are_accepted(polres):
    inc = incident_columns(1)
    inc["received_at"] = [utc(2026, 3, 1, 1, 0, 0)]
    for k in (
        "answered_at",
        "created_at",
        "dispatched_at",
        "en_route_at",
        "on_scene_at",
        "cleared_at",
        "closed_at",
    ):
        inc[k] = [None]
    run(polres, inc)
    r = Incident.objects.get()
    assert r.received_at == r.created_at == utc(2026, 3, 1, 1, 0, 0) and r.status == "created"


def _bad_cases():
    def mutate(fn):
        inc = incident_columns(3)
        calls = call_columns(inc)
        fn(inc, calls)
        return inc, calls

    def to_future(i, c):
        for k in (
            "received_at",
            "answered_at",
            "created_at",
            "dispatched_at",
            "en_route_at",
            "on_scene_at",
            "cleared_at",
            "closed_at",
        ):
            i[k] = i[k] + np.timedelta64(365 * 80, "D")

    return {
        "unknown category": mutate(lambda i, c: i.__setitem__("category", ["curat", "alien", "laka"])),
        "point outside the Polres": mutate(lambda i, c: i.__setitem__("lon", [OUTSIDE[0]] * 3)),
        "missing position": mutate(
            lambda i, c: i.__setitem__("lat", [INSIDE[0][1], float("nan"), INSIDE[0][1]])
        ),
        "steps out of order": mutate(lambda i, c: i.__setitem__("dispatched_at", i["received_at"])),
        "in the future": mutate(to_future),
        "naive datetime": mutate(lambda i, c: i.__setitem__("received_at", [dt.datetime(2026, 3, 1)] * 3)),
        "columns differ in length": mutate(lambda i, c: i.__setitem__("lon", i["lon"][:2])),
        "unknown column": mutate(lambda i, c: i.__setitem__("colour", ["red"] * 3)),
        "severity on a non-accident": mutate(
            lambda i, c: i.__setitem__("accident_severity", ["berat", "", ""])
        ),
        "unknown disposition": mutate(lambda i, c: c["disposition"].__setitem__(0, "maybe")),
        "incident call without its incident": mutate(lambda i, c: c["incident"].__setitem__(0, -1)),
        "prank call naming an incident": mutate(lambda i, c: c["incident"].__setitem__(3, 0)),
        "incident index out of range": mutate(lambda i, c: c["incident"].__setitem__(0, 99)),
        "call answered before it rang": mutate(
            lambda i, c: c.__setitem__("answered_at", c["received_at"] - np.timedelta64(5, "s"))
        ),
        "call outside the Polres": mutate(
            lambda i, c: (c["lon"].__setitem__(4, OUTSIDE[0]), c["lat"].__setitem__(4, OUTSIDE[1]))
        ),
        "caller number too long": mutate(lambda i, c: c["caller_number"].__setitem__(0, "0" * 21)),
    }


@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_input_is_invalid_and_writes_nothing(polres, case):
    inc, calls = _bad_cases()[case]
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid) as e:
        run(polres, inc, calls)
    assert e.value.message
    assert Incident.objects.count() == 0 and Call.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_nothing_to_import_is_invalid(polres):
    empty = {k: [] for k in ("category", "lon", "lat", "received_at")}
    with pytest.raises(Invalid):
        run(polres, empty)


def test_insert_columns_matches_the_orm(polres):
    """The fast path writes what bulk_create would: a row read back through the ORM round-trips."""
    inc = incident_columns(1)
    run(polres, inc)
    r = Incident.objects.get()
    assert r.priority == 2 and r.source == "call" and r.victims_md == 0 and r.material_loss_rp == 0
    assert r.summary == "" and r.description == ""
    assert r.closed_at == utc(2026, 3, 1, 1, 0, 0) + dt.timedelta(seconds=5000)
