"""Ingest fixtures: the cad test Polres (Bekasi Timur, real polygons), two units and one device of
each kind, made through the services."""

from __future__ import annotations

import pytest

from siaga.cad import services as cad_services
from siaga.core.context import acting
from siaga.ingest import devices
from tests.cad import conftest as cad
from tests.cad.conftest import INSIDE, OUTSIDE

__all__ = ["INSIDE", "OUTSIDE"]
bekasi_kelurahan, world, polres, polsek, other_polres = (
    cad.bekasi_kelurahan,
    cad.world,
    cad.polres,
    cad.polsek,
    cad.other_polres,
)


@pytest.fixture
def units(polres, polsek):
    with acting(None, "test-units"):
        return cad_services.bulk_create_units(
            polres,
            [
                {"callsign": "BKT-R4-01", "kind": "r4", "polsek": polsek},
                {"callsign": "BKT-R2-01", "kind": "r2", "polsek": polsek},
            ],
        )


@pytest.fixture
def kit(polres, polsek, units):
    """{kind: (device, token)}: a tracker on unit 0, a phone on unit 1, a wall panic button, a CCTV and an
    ANPR camera (fixed, at INSIDE[2])."""
    lon, lat = INSIDE[2]
    made = {}
    with acting(None, "test-devices"):
        made["tracker"] = devices.register(
            polres, name="Tracker R4", kind="tracker", ref="trk-1", unit=units[0]
        )
        made["phone"] = devices.register(polres, name="Phone R2", kind="phone", ref="andi/hp", unit=units[1])
        made["panic_button"] = devices.register(
            polres, name="Panic bank", kind="panic_button", ref="pb-1", lat=lat, lon=lon, polsek=polsek
        )
        made["cctv"] = devices.register(polres, name="CCTV Pasar", kind="cctv", ref="cam-1", lat=lat, lon=lon)
        made["anpr"] = devices.register(polres, name="ANPR Tol", kind="anpr", ref="anpr-1", lat=lat, lon=lon)
    return made
