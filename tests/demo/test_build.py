"""The demo Polres as built: organisation, personnel, units, logins, history and its audit trail."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import numpy as np
import pytest
from django.utils import timezone

from siaga.cad.models import Call, Incident, Unit
from siaga.core import audit
from siaga.core.models import AuditEntry
from siaga.demo import org
from siaga.resources.models import RANKS, Personnel
from siaga.territory import lookup
from siaga.territory.models import Level, Polsek, PolsekArea, Region

pytestmark = pytest.mark.django_db
BINTARA = {"Bripda", "Briptu", "Brigpol", "Bripka", "Aipda", "Aiptu"}


def test_territory_and_commands(demo):
    assert Region.objects.filter(level=Level.KECAMATAN, code__startswith="32.75.").count() == 12
    assert Region.objects.filter(level=Level.KELURAHAN, code__startswith="32.75.").count() == 56
    assert demo.polres.region_id == "32.75" and demo.polres.timezone == "Asia/Jakarta"
    assert demo.polres.utm_epsg == 32748 and demo.polres.polda.name == "Polda Metro Jaya"
    polsek = list(Polsek.objects.filter(polres=demo.polres))
    assert len(polsek) == 8 and all(p.phone and p.lat and p.lon for p in polsek)
    covered = sorted(PolsekArea.objects.values_list("region_id", flat=True))
    assert covered == sorted(Region.objects.filter(level=Level.KECAMATAN).values_list("code", flat=True))
    # each Mapolsek stands inside its own area
    found = lookup.locate_many(np.array([p.lon for p in polsek]), np.array([p.lat for p in polsek]))
    assert found.polsek_id.tolist() == [p.pk for p in polsek]


def test_personnel_strength_and_rank_pyramid(demo):
    staff = Personnel.objects.filter(polres=demo.polres)
    hq = staff.filter(polsek=None).count()
    assert 1200 <= hq <= 1600
    for p in Polsek.objects.filter(polres=demo.polres):
        assert 60 <= staff.filter(polsek=p).count() <= 130, p
    ranks = Counter(staff.values_list("rank", flat=True))
    assert set(ranks) <= set(RANKS)
    assert sum(ranks[r] for r in BINTARA) / staff.count() > 0.7  # mostly bintara
    assert ranks["Kombes"] == 1 and staff.get(rank="Kombes").position == "Kapolres"
    nrps = list(staff.values_list("nrp", flat=True))
    assert len(set(nrps)) == len(nrps)
    assert all(re.fullmatch(r"\d{2}(0[1-9]|1[0-2])\d{4}", n) for n in nrps)
    assert all(staff.filter(synthetic=True).count() == staff.count() for _ in [0])


def test_bhabinkamtibmas_cover_about_70_percent_of_kelurahan(demo):
    bhabins = Personnel.objects.filter(polres=demo.polres).exclude(kelurahan_code="")
    kel = set(bhabins.values_list("kelurahan_code", flat=True))
    assert len(kel) == bhabins.count() == round(56 * 0.7)
    for b in bhabins:  # each under the Polsek that covers their kelurahan
        cover = PolsekArea.objects.get(region_id=b.kelurahan_code[:8]).polsek_id
        assert b.polsek_id == cover and b.function == "binmas"


def test_units_fleet_crews_and_positions(demo):
    units = Unit.objects.filter(polres=demo.polres)
    for p in Polsek.objects.filter(polres=demo.polres):
        kinds = Counter(units.filter(polsek=p).values_list("kind", flat=True))
        assert 3 <= kinds["r4"] <= 5 and 6 <= kinds["r2"] - 1 <= 10 and kinds["foot"] == 2, (p, kinds)
    hq = units.filter(polsek=None)
    assert hq.filter(callsign__startswith="SMP-R4").count() == 15
    assert hq.filter(callsign__startswith="SMP-R2").count() == 25
    assert any("lantas" in u.capabilities for u in units)
    assert any("jatanras" in u.capabilities for u in units)
    assert units.filter(kind="post").count() >= 8
    status = Counter(units.values_list("status", flat=True))
    assert status["available"] > units.count() / 2 and status["off_duty"] > 0
    assert all(u.crew.exists() for u in units)
    crewed = Unit.crew.through.objects.values_list("personnel_id", flat=True)
    assert len(set(crewed)) == len(crewed)  # nobody serves in two units
    # Polsek units are parked inside their Polsek's area
    own = list(units.exclude(polsek=None).values_list("lon", "lat", "polsek_id"))
    found = lookup.locate_many(np.array([u[0] for u in own]), np.array([u[1] for u in own]))
    assert (found.polsek_id == np.array([u[2] for u in own])).all()


def test_incident_history_ends_now_with_open_incidents(demo):
    now = timezone.now()
    qs = Incident.objects.filter(polres=demo.polres)
    assert qs.filter(received_at__gte=now - dt.timedelta(hours=24)).exists()
    assert qs.filter(received_at__gte=now - dt.timedelta(days=7)).count() > 50
    assert not qs.filter(received_at__gt=now).exists()
    assert qs.filter(received_at__lt=now - dt.timedelta(days=demo.days - 1)).exists()
    open_ = Counter(qs.exclude(status="closed").values_list("status", flat=True))
    assert len(open_) >= 3 and {"dispatched", "en_route", "on_scene"} <= set(open_)
    assert all(i.received_at > now - dt.timedelta(days=1) for i in qs.exclude(status="closed"))
    # the full timestamp chain on closed incidents
    for i in qs.filter(status="closed")[:300]:
        chain = [
            i.received_at,
            i.answered_at,
            i.created_at,
            i.dispatched_at,
            i.en_route_at,
            i.on_scene_at,
            i.cleared_at,
            i.closed_at,
        ]
        assert all(chain) and chain == sorted(chain)
    assert set(qs.values_list("source", flat=True)) == {"call", "report", "patrol"}
    assert all(re.fullmatch(r"BKS/20\d\d/\d{6}", n) for n in qs.values_list("number", flat=True))
    assert not qs.filter(synthetic=False).exists()


def test_every_incident_is_located_inside_the_city(demo):
    rows = list(
        Incident.objects.values_list(
            "lon", "lat", "kelurahan_code", "kecamatan_code", "rw", "rt", "polsek_id", "h3_cell"
        )
    )
    found = lookup.locate_many(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]))
    assert found.inside.all()
    assert found.kelurahan_code.tolist() == [r[2] for r in rows]
    for _, _, kel, kec, rw, rt, polsek, cell in rows:
        assert kel.startswith("32.75.") and kec == kel[:8] and rw and rt and polsek and len(cell) == 15


def test_calls_link_to_incidents_and_repeat_prank_numbers_exist(demo):
    calls = Call.objects.filter(polres=demo.polres)
    assert calls.count() > 100 * demo.days
    assert not calls.filter(disposition="incident", incident=None).exists()
    assert calls.filter(disposition="incident").count() == Incident.objects.filter(source="call").count()
    disp = Counter(calls.values_list("disposition", flat=True))
    assert {"incident", "linked", "information", "referred", "prank", "abandoned"} <= set(disp)
    share = disp["prank"] / (sum(disp.values()) - disp["abandoned"])
    assert 0.80 <= share <= 0.92
    pranksters = Counter(calls.filter(disposition="prank").values_list("caller_number", flat=True))
    assert pranksters.most_common(1)[0][1] >= 10  # the same numbers call again and again
    assert not calls.filter(disposition="abandoned").exclude(answered_at=None).exists()


def test_bulk_loads_are_one_audit_row_each_and_the_chain_verifies(demo):
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["cad.history.imported"] == 1
    assert actions["resources.personnel.bulk_created"] == 1
    assert actions["cad.unit.bulk_created"] == 1
    assert actions["territory.rwrt.generated"] == 1
    assert actions["accounts.user.created"] == len(org.LOGINS) + 1  # + the portal service account
    # the bulk loads are a handful of rows; the rest is the public-services content, one row per action
    assert sum(actions.values()) < 400
    assert audit.verify().ok


def test_demo_command_leaves_an_existing_demo_alone(demo, capsys):
    from django.core.management import call_command

    n = Incident.objects.count()
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "exists already" in out and "siaga-demo-2026" in out and "operator.bekasitimur" in out
    assert Incident.objects.count() == n


def test_no_unit_is_busy_without_an_active_assignment(demo):
    from siaga.cad.models import Assignment

    busy = Unit.objects.filter(status__in=["dispatched", "en_route", "on_scene"])
    assigned = set(Assignment.objects.filter(active=True).values_list("unit_id", flat=True))
    assert set(busy.values_list("pk", flat=True)) <= assigned
    assert Unit.objects.filter(status="available").count() > Unit.objects.count() // 2
