"""Small territory fixtures built from the real Kota Bekasi polygons: one kecamatan (Bekasi Timur)."""

from __future__ import annotations

import copy
import json

import pytest

from siaga.core.context import acting
from siaga.territory import services

TIMUR = "32.75.01"  # Bekasi Timur: 4 kelurahan
KELURAHAN = ["32.75.01.1001", "32.75.01.1002", "32.75.01.1003", "32.75.01.1004"]


@pytest.fixture(scope="session")
def bekasi_kelurahan() -> dict:
    return json.loads((services.bundled("kota-bekasi") / "kelurahan.geojson").read_text())


@pytest.fixture
def kelurahan_fc(bekasi_kelurahan):
    """A factory: the FeatureCollection of the kelurahan whose code starts with `prefix` (a deep copy)."""

    def make(prefix: str = TIMUR) -> dict:
        feats = [f for f in bekasi_kelurahan["features"] if f["properties"]["kode"].startswith(prefix + ".")]
        return {"type": "FeatureCollection", "features": copy.deepcopy(feats)}

    return make


@pytest.fixture
def codes(db):
    with acting(None, "test-codes"):
        services.import_codes("32.75")


@pytest.fixture
def timur(codes, kelurahan_fc):
    """Bekasi Timur with boundaries and 120 synthetic RT (seed 1)."""
    with acting(None, "test-timur"):
        services.import_boundaries(kelurahan_fc(TIMUR), level=4)
        services.derive_parent_boundaries(3, TIMUR)
        counts = services.generate_rw_rt(KELURAHAN, seed=1, rt_total=120)
    return counts


@pytest.fixture
def polres(codes):
    with acting(None, "test-polres"):
        polda = services.create_polda("POLDA-MJ", "Polda Metro Jaya", province_code="32")
        return services.create_polres(polda, "BKS", "Polres Metro Bekasi Kota", "32.75")


@pytest.fixture
def analyst(polres):
    from siaga.accounts.services import create_user

    with acting(None, "test-user"):
        return create_user("analis", "not-a-real-pass-1", "analyst", polres=polres, validate=False)
