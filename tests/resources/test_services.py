"""resources.services: bulk personnel load (one audit row, all or nothing) and linking a login."""

from __future__ import annotations

import pytest

from siaga.accounts.services import create_user
from siaga.core import audit
from siaga.core.context import acting
from siaga.core.errors import Invalid
from siaga.core.models import AuditEntry
from siaga.resources import services
from siaga.resources.models import Personnel

pytestmark = pytest.mark.django_db


def rows(polsek=None):
    return [
        {
            "nrp": "85030001",
            "name": "Agus Santoso",
            "rank": "Kombes",
            "function": "pimpinan",
            "position": "Kapolres",
        },
        {
            "nrp": "98110002",
            "name": "Rizky Pratama",
            "rank": "Bripda",
            "function": "samapta",
            "polsek": polsek,
        },
        {
            "nrp": "80070003",
            "name": "Hotman Siregar",
            "rank": "Aipda",
            "function": "binmas",
            "polsek": polsek,
            "kelurahan_code": "32.75.01.1001",
            "position": "Bhabinkamtibmas Kel. Bekasijaya",
            "synthetic": True,
        },
    ]


def test_bulk_create_personnel_writes_all_rows_and_one_audit_row(polres, polsek):
    before = AuditEntry.objects.count()
    with acting(None, "test"):
        assert services.bulk_create_personnel(polres, rows(polsek)) == 3
    bhabin = Personnel.objects.get(nrp="80070003")
    assert bhabin.polsek_id == polsek.pk and bhabin.kelurahan_code == "32.75.01.1001" and bhabin.synthetic
    assert Personnel.objects.get(nrp="85030001").polsek_id is None
    new = list(AuditEntry.objects.filter(seq__gt=before))
    assert [e.action for e in new] == ["resources.personnel.bulk_created"]
    assert new[0].after["count"] == 3 and new[0].after["by_rank"] == {"Bripda": 1, "Aipda": 1, "Kombes": 1}
    assert new[0].polres_id == polres.pk
    assert audit.verify().ok


@pytest.mark.parametrize(
    "change",
    [
        {"nrp": "1234567"},  # 7 digits
        {"nrp": "12AB5678"},
        {"nrp": "85130001"},  # month 13: not a birth YYMM
        {"nrp": "98110002"},  # duplicate within the batch
        {"name": ""},
        {"rank": "Sersan"},  # a TNI rank, not Perkap 3/2016
        {"function": "navy"},
        {"kelurahan_code": "31.71.01.1001"},  # Jakarta: outside the Polres
        {"colour": "red"},
    ],
)
def test_bad_rows_are_invalid_and_write_nothing(polres, polsek, change):
    batch = rows(polsek)
    batch[0] = {**batch[0], **change}
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid), acting(None, "test"):
        services.bulk_create_personnel(polres, batch)
    assert Personnel.objects.count() == 0 and AuditEntry.objects.count() == before


def test_polsek_of_another_polres_is_refused(polres, polsek, other_polres):
    with pytest.raises(Invalid), acting(None, "test"):
        services.bulk_create_personnel(other_polres, rows(polsek))
    assert Personnel.objects.count() == 0


def test_nrp_already_registered_is_refused(polres, polsek):
    with acting(None, "test"):
        services.bulk_create_personnel(polres, rows(polsek)[:1])
        with pytest.raises(Invalid):
            services.bulk_create_personnel(polres, rows(polsek))
    assert Personnel.objects.count() == 1


def test_empty_batch_is_invalid(polres):
    with pytest.raises(Invalid), acting(None, "test"):
        services.bulk_create_personnel(polres, [])


def test_link_user_attaches_a_login_once(polres, other_polres, polsek):
    with acting(None, "test"):
        services.bulk_create_personnel(polres, rows(polsek))
        kapolres = Personnel.objects.get(nrp="85030001")
        user = create_user("kapolres", "x", "commander", polres=polres, validate=False)
        services.link_user(kapolres, user)
        assert Personnel.objects.get(user=user) == kapolres
        with pytest.raises(Invalid):  # the same login on a second member
            services.link_user(Personnel.objects.get(nrp="98110002"), user)
        stranger = create_user("stranger", "x", "commander", polres=other_polres, validate=False)
        with pytest.raises(Invalid):  # a login of another Polres
            services.link_user(Personnel.objects.get(nrp="98110002"), stranger)
    assert AuditEntry.objects.filter(action="resources.personnel.user_linked").count() == 1
    assert audit.verify().ok
