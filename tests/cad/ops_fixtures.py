"""Fixtures for the live operations-room tests (intake, incidents, dispatch, EIDO, reports, API).

Built on tests/cad/conftest.py's `world` (Bekasi Timur's real polygons, 120 synthetic RT, Polsek BKT over
the kecamatan, a second Polres) plus a second Polsek S2 over one kelurahan (a kelurahan entry overrides
its kecamatan's), users of every relevant role and scope, and units, all made through services.
Import with `from .ops_fixtures import *` in a test module.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from siaga.accounts.services import create_user
from siaga.cad import services as cad_services
from siaga.cad.models import Unit
from siaga.core.context import acting
from siaga.resources import services as resources
from siaga.territory import lookup
from siaga.territory import services as territory

from .conftest import INSIDE, KELURAHAN

S2_KELURAHAN = KELURAHAN[3]
P_S1 = INSIDE[0]  # (lon, lat) in Polsek S1
P_S1B = INSIDE[1]
P_S1C = INSIDE[2]
P_S2 = INSIDE[3]  # in S2's kelurahan


@dataclass
class Ops:
    polres: object
    s1: object
    s2: object
    other: object
    users: dict
    units: dict

    def u(self, name):
        return self.users[name]


@pytest.fixture
def ops(world):
    polres, s1, other = world
    with acting(None, "test-ops"):
        s2 = territory.create_polsek(polres, "S2", "Polsek Margahayu", region_codes=[S2_KELURAHAN])
        users = {}
        for name, role, scope in [
            ("operator", "operator", {"polres": polres}),
            ("dispatcher", "dispatcher", {"polres": polres}),
            ("disp_s1", "dispatcher", {"polsek": s1}),
            ("disp_s2", "dispatcher", {"polsek": s2}),
            ("patrol", "patrol", {"polsek": s1}),
            ("patrol2", "patrol", {"polsek": s1}),
            ("analyst", "analyst", {"polres": polres}),
            ("commander", "commander", {"polres": polres}),
            ("kabag", "kabag_ops", {"polres": polres}),
            ("citizen", "citizen", {}),
            ("other_disp", "dispatcher", {"polres": other}),
            ("admin", "admin", {}),
        ]:
            users[name] = create_user(name, "Sandi-Rahasia-123", role, validate=False, **scope)
        resources.bulk_create_personnel(
            polres,
            [{"nrp": "90010001", "name": "Budi", "rank": "Brigpol", "function": "samapta", "polsek": s1}],
        )
        from siaga.resources.models import Personnel

        budi = Personnel.objects.get(nrp="90010001")
        resources.link_user(budi, users["patrol"])
        cad_services.bulk_create_units(
            polres,
            [
                {
                    "callsign": "S1-R4",
                    "kind": "r4",
                    "polsek": s1,
                    "lon": P_S1[0] + 0.003,
                    "lat": P_S1[1],
                    "crew": [budi.pk],
                },
                {"callsign": "S1-R2", "kind": "r2", "polsek": s1, "lon": P_S1B[0], "lat": P_S1B[1]},
                {"callsign": "S2-R4", "kind": "r4", "polsek": s2, "lon": P_S2[0], "lat": P_S2[1]},
                {
                    "callsign": "LANTAS",
                    "kind": "r4",
                    "capabilities": ["lantas"],
                    "lon": P_S1C[0],
                    "lat": P_S1C[1],
                },
                {
                    "callsign": "OFF",
                    "kind": "r4",
                    "polsek": s1,
                    "status": "off_duty",
                    "lon": P_S1[0],
                    "lat": P_S1[1],
                },
                {"callsign": "NOPOS", "kind": "foot", "polsek": s1},
            ],
        )
    lookup.invalidate()
    units = {u.callsign: u for u in Unit.objects.filter(polres=polres)}
    return Ops(polres, s1, s2, other, users, units)


def refresh(obj):
    obj.refresh_from_db()
    return obj
