"""The problem register and the sambang log: rules, history, scope, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.mapping import problems, visits
from siaga.mapping.models import Problem, ProblemChange, Visit
from siaga.territory import lookup
from siaga.territory.lookup import Location
from tests.core.world import K1, K2, KB

pytestmark = pytest.mark.django_db


def _problem(user, **kw):
    data = {"title": "Sengketa lahan RW 01", "kind": "land", "source": "visit", "kelurahan_code": K1}
    return problems.create(user, **{**data, **kw})


def test_create_at_a_kelurahan_sets_polres_polsek_and_history(w):
    p = _problem(w.u("bhabin_k1"), parties=["Keluarga A", " Keluarga  B ", ""], level="AG")
    assert (p.polres, p.polsek, p.kelurahan_code) == (w.tree.a, w.tree.s1, K1)
    assert p.parties == ["Keluarga A", "Keluarga B"]
    assert [(c.field, c.new, c.by) for c in p.changes.all()] == [("created", "AG", w.u("bhabin_k1"))]
    assert AuditEntry.objects.filter(action="mapping.problem.created", object_id=str(p.pk)).count() == 1


def test_create_at_an_rt(w):
    p = _problem(w.u("bhabin_k1"), kelurahan_code="", rt_key=f"{K1}/001/001")
    assert (p.rt_key, p.kelurahan_code, p.polsek) == (f"{K1}/001/001", K1, w.tree.s1)


def test_create_at_a_point_uses_the_territory_lookup(w, monkeypatch):
    loc = Location(
        None, 1, 1, K2, "Duren Jaya", "32.75.02", "Bekasi Timur", "32.75", w.tree.s2.pk, w.tree.a.pk, False
    )
    monkeypatch.setattr(lookup, "locate", lambda lon, lat: loc)
    p = _problem(w.u("intelkam"), kelurahan_code="", lat=-6.25, lon=107.0)
    assert (p.kelurahan_code, p.polsek, p.rt_key, p.lat) == (K2, w.tree.s2, f"{K2}/001/001", -6.25)
    monkeypatch.setattr(lookup, "locate", lambda lon, lat: None)
    with pytest.raises(Invalid, match="outside"):
        _problem(w.u("intelkam"), kelurahan_code="", lat=-6.25, lon=107.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"kind": "gossip"},
        {"source": "dream"},
        {"level": "XX"},
        {"kelurahan_code": "99.99.99.9999"},
        {"kelurahan_code": ""},
        {"rt_key": "nonsense", "kelurahan_code": ""},
        {"rt_key": f"{K1}/001/001"},  # two places
        {"kelurahan_code": "", "lat": "north", "lon": 1},
        {"kelurahan_code": "", "lat": 95, "lon": 1},
        {"parties": ["p"] * 51},
        {"parties": 7},
    ],
)
def test_bad_input_stores_nothing(w, bad):
    with pytest.raises(Invalid):
        _problem(w.u("bhabin_k1"), **bad)
    assert not Problem.objects.exists() and not ProblemChange.objects.exists()


def test_bhabin_cannot_register_in_another_kelurahan(w):
    with pytest.raises(Forbidden):
        _problem(w.u("bhabin_k1"), kelurahan_code=K2)
    with pytest.raises(Forbidden):  # Intelkam of Polres B in Polres A's area
        _problem(w.u("intelkam_b"))
    assert not Problem.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="mapping.").exists()


@pytest.mark.parametrize("name", ["analyst", "operator", "commander", "humas", "partner", "citizen"])
def test_roles_without_change_cannot_register(w, name):
    with pytest.raises(Forbidden):
        _problem(w.u(name))
    assert not Problem.objects.exists()


def test_update_records_each_change_and_bumps_version(w):
    p = _problem(w.u("bhabin_k1"))
    p = problems.update(w.u("intelkam"), p.pk, level="GN", status="monitored", note="Bentrok", version=1)
    assert (p.level, p.status, p.version) == ("GN", "monitored", 2)
    rows = [(c.field, c.old, c.new, c.note, c.by.username) for c in p.changes.all()]
    assert rows[1:] == [
        ("level", "PG", "GN", "Bentrok", "intelkam"),
        ("status", "open", "monitored", "Bentrok", "intelkam"),
    ]
    with pytest.raises(Conflict):
        problems.update(w.u("intelkam"), p.pk, level="AG", version=1)
    with pytest.raises(Invalid):  # resolving needs a note
        problems.update(w.u("intelkam"), p.pk, status="resolved")
    with pytest.raises(Invalid):  # nothing changes
        problems.update(w.u("intelkam"), p.pk, level="GN")
    p.refresh_from_db()
    assert (p.level, p.version, p.changes.count()) == ("GN", 2, 3)


def test_bhabin_of_another_kelurahan_neither_sees_nor_changes(w):
    p = _problem(w.u("bhabin_k1"))
    assert list(problems.register(w.u("bhabin_k2"))) == []
    assert list(problems.register(w.u("bhabin_k1"))) == [p]
    with pytest.raises(NotFound):
        problems.update(w.u("bhabin_k2"), p.pk, level="AG")
    with pytest.raises(NotFound):
        problems.history(w.u("bhabin_k2"), p.pk)
    p.refresh_from_db()
    assert p.level == "PG"


def test_visit_creates_and_links_problems(w):
    old = _problem(w.u("bhabin_k1"), title="Parkir liar pasar")
    v = visits.log(
        w.u("bhabin_k1"),
        date=dt.date(2026, 11, 1),
        place="Balai RW 01",
        people_met=["Pak RW", "Ketua pemuda"],
        topics=["keamanan malam"],
        new_problems=[{"title": "Tawuran pelajar", "kind": "brawl", "level": "AG"}],
        link_problems=[old.pk],
    )
    assert (v.kelurahan_code, v.polsek, v.officer) == (K1, w.tree.s1, w.u("bhabin_k1"))
    new = Problem.objects.get(title="Tawuran pelajar")
    assert (new.source, new.visit, new.kelurahan_code, new.level) == ("visit", v, K1, "AG")
    assert set(v.problems.all()) == {old, new}


@pytest.mark.parametrize(
    "bad",
    [
        {"date": "kemarin"},
        {"date": dt.date(2099, 1, 1)},
        {"place": ""},
        {"kelurahan_code": K2},  # not his kelurahan
        {"new_problems": [{"title": "Tawuran", "kind": "nope"}]},
        {"new_problems": [{"title": "Tawuran", "kind": "brawl", "source": "report", "visit": 1}]},
        {"link_problems": [999999]},
    ],
)
def test_bad_visit_stores_nothing(w, bad):
    other = _problem(w.u("bhabin_k2"), kelurahan_code=K2)
    data = {"date": dt.date(2026, 11, 1), "place": "Balai RW", **bad}
    if bad.get("link_problems"):
        data["link_problems"] = [other.pk]  # exists, but in another kelurahan
    with pytest.raises((Invalid, Forbidden)):
        visits.log(w.u("bhabin_k1"), **data)
    assert not Visit.objects.exists()
    assert list(Problem.objects.all()) == [other]


def test_only_bhabin_logs_visits_and_kb_is_out_of_reach(w):
    with pytest.raises(Forbidden):
        visits.log(w.u("intelkam"), date=dt.date(2026, 11, 1), place="Balai", kelurahan_code=K1)
    with pytest.raises(Forbidden):
        visits.log(w.u("bhabin_k1"), date=dt.date(2026, 11, 1), place="Balai", kelurahan_code=KB)
    assert not Visit.objects.exists()
