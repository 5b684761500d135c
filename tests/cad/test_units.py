"""cad.services.bulk_create_units: units with crews, one audit row, all or nothing."""

from __future__ import annotations

import pytest

from siaga.cad import services
from siaga.cad.models import Unit
from siaga.core import audit
from siaga.core.context import acting
from siaga.core.errors import Invalid
from siaga.core.models import AuditEntry
from siaga.resources import services as resources

from .conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def crew(polres, polsek):
    rows = [
        {
            "nrp": f"9001{i:04d}",
            "name": f"Anggota {i}",
            "rank": "Brigpol",
            "function": "samapta",
            "polsek": polsek,
        }
        for i in range(4)
    ]
    with acting(None, "test-crew"):
        resources.bulk_create_personnel(polres, rows)
    from siaga.resources.models import Personnel

    return list(Personnel.objects.order_by("nrp").values_list("pk", flat=True))


def rows(polsek, crew):
    return [
        {
            "callsign": "BKT-R4-01",
            "kind": "r4",
            "polsek": polsek,
            "capabilities": ["patrol"],
            "lon": INSIDE[0][0],
            "lat": INSIDE[0][1],
            "crew": crew[:2],
        },
        {"callsign": "BKT-R2-01", "kind": "r2", "polsek": polsek.pk, "status": "off_duty", "crew": crew[2:3]},
        {"callsign": "LTS-LAKA-01", "kind": "r4", "capabilities": ["lantas", "laka", "lantas"]},
    ]


def test_bulk_create_units_with_crew_and_one_audit_row(polres, polsek, crew):
    before = AuditEntry.objects.count()
    with acting(None, "test-units"):
        units = services.bulk_create_units(polres, rows(polsek, crew), synthetic=True)
    assert len(units) == 3 and all(u.pk for u in units)
    car = Unit.objects.get(callsign="BKT-R4-01")
    assert car.polsek_id == polsek.pk and car.status == "available" and car.position_at is not None
    assert sorted(car.crew.values_list("pk", flat=True)) == crew[:2]
    assert Unit.objects.get(callsign="LTS-LAKA-01").capabilities == ["laka", "lantas"]
    assert Unit.objects.get(callsign="BKT-R2-01").status == "off_duty"
    new = list(AuditEntry.objects.filter(seq__gt=before))
    assert [e.action for e in new] == ["cad.unit.bulk_created"]
    assert new[0].after["count"] == 3 and new[0].after["crew_assignments"] == 3
    assert audit.verify().ok


@pytest.mark.parametrize(
    "change",
    [
        {"callsign": ""},
        {"callsign": "BKT-R2-01"},  # duplicate within the batch
        {"kind": "helicopter"},
        {"status": "asleep"},
        {"capabilities": "patrol"},
        {"lon": 200.0},
        {"lat": None},
        {"colour": "red"},
    ],
)
def test_bad_unit_rows_are_invalid_and_write_nothing(polres, polsek, crew, change):
    batch = rows(polsek, crew)
    batch[0] = {**batch[0], **change}
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid), acting(None, "test-units"):
        services.bulk_create_units(polres, batch)
    assert Unit.objects.count() == 0 and AuditEntry.objects.count() == before


def test_polsek_and_crew_of_another_polres_are_refused(polres, polsek, other_polres, crew):
    with pytest.raises(Invalid), acting(None, "t"):
        services.bulk_create_units(other_polres, rows(polsek, [])[:1])
    with pytest.raises(Invalid), acting(None, "t"):
        services.bulk_create_units(other_polres, [{"callsign": "X-1", "kind": "r2", "crew": crew[:1]}])
    assert Unit.objects.count() == 0


def test_callsign_taken_in_the_database_is_refused(polres, polsek, crew):
    with acting(None, "t"):
        services.bulk_create_units(polres, rows(polsek, crew)[:1])
        with pytest.raises(Invalid):
            services.bulk_create_units(polres, [{"callsign": "BKT-R4-01", "kind": "r4"}])
    assert Unit.objects.count() == 1


def test_empty_batch_is_invalid(polres):
    with pytest.raises(Invalid), acting(None, "t"):
        services.bulk_create_units(polres, [])
