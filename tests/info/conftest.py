"""Info fixtures: the operations-room world (Bekasi Timur with real polygons, Polsek S1/S2, users of every
role) plus Humas users, the CAP 1.2 schema, and a clean cache per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.cache import cache
from lxml import etree

from siaga.accounts.services import create_user
from siaga.core.context import acting

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403

XSD = Path(__file__).with_name("CAP-v1.2.xsd")
CAP_SCHEMA = etree.XMLSchema(etree.parse(str(XSD)))


def assert_valid_cap(xml: bytes) -> etree._Element:
    doc = etree.fromstring(xml)
    if not CAP_SCHEMA.validate(doc):
        raise AssertionError(f"CAP 1.2 schema errors: {CAP_SCHEMA.error_log}\n{xml.decode()}")
    return doc


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def info(ops):
    """`ops` plus a Humas officer of the Polres, one of the other Polres, and a Polsek-scoped operator."""
    with acting(None, "test-info"):
        ops.users["humas"] = create_user(
            "humas", "Sandi-Rahasia-123", "humas", validate=False, polres=ops.polres
        )
        ops.users["humas_other"] = create_user(
            "humas_other", "Sandi-Rahasia-123", "humas", validate=False, polres=ops.other
        )
        ops.users["sikum"] = create_user(
            "sikum", "Sandi-Rahasia-123", "sikum", validate=False, polres=ops.polres
        )
    return ops


@pytest.fixture
def kecamatan(ops):
    """(code, name) of the kecamatan in the world and two of its kelurahan codes."""
    from siaga.territory.models import Level, Region

    kec = Region.objects.filter(
        level=Level.KECAMATAN, code__startswith=f"{ops.polres.region_id}.", geometry__isnull=False
    ).first()
    kels = list(Region.objects.filter(parent=kec).order_by("code").values_list("code", flat=True)[:2])
    return kec.code, kec.name, kels


def alert_data(**over):
    import datetime as dt

    from django.utils import timezone

    data = {
        "categories": ["Met", "Safety"],
        "event": "Banjir",
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "headline": "Peringatan banjir di bantaran sungai",
        "description": "Tinggi muka air naik.\n\nWaspada genangan.",
        "instruction": "Pindahkan barang ke tempat tinggi.",
        "expires": timezone.now() + dt.timedelta(hours=6),
        "circles": [[-6.25, 107.01, 2]],
        "area_desc": "Bantaran sungai",
    }
    data.update(over)
    return data
