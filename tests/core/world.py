"""A small command tree for tests: one Polda, Polres A (Polsek S1, S2) and Polres B (Polsek SB).

The commands are created through territory.services (audited like any write). The wilayah rows are
written with the ORM: the import services read the bundled code lists and boundaries, more than a
ten-row tree needs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from siaga.territory import services as territory
from siaga.territory.models import Level, Polda, Polres, Polsek, Region, Rt, Rw

K1 = "32.75.01.1001"  # a kelurahan of Polsek S1
K1B = "32.75.01.1002"  # another kelurahan of Polsek S1
K2 = "32.75.02.1001"  # a kelurahan of Polsek S2
KB = "32.76.01.1001"  # a kelurahan of Polres B

# The permission matrix's users (tests/core/test_permission_matrix.py): one per staff role in Polres A,
# named after the role code, plus the odd ones out.
ROLE_USERS = ["admin", "commander", "kabag_ops", "operator", "dispatcher", "patrol", "intelkam", "analyst"]
ROLE_USERS += ["lantas", "staff", "humas", "sikum"]  # with partner, citizen, bhabin: one user per role in A
USERS_A = [*ROLE_USERS, "bhabin", "partner", "citizen", "operator_s1", "bhabin_k1", "inactive"]
ALL_USERS = [*USERS_A, "commander_polda", "admin_all", "patrol_b"]
ACTIVE = " ".join(u for u in ALL_USERS if u != "inactive")
NOW = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@dataclass
class Tree:
    polda: Polda
    a: Polres
    b: Polres
    s1: Polsek
    s2: Polsek
    sb: Polsek


def _region(code: str, name: str, level: Level, kind: str, parent: Region | None = None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, kind=kind, parent=parent)


def build_tree() -> Tree:
    prov = _region("32", "Jawa Barat", Level.PROVINSI, "provinsi")
    kota_a = _region("32.75", "Kota Bekasi", Level.KABKOTA, "kota", prov)
    kota_b = _region("32.76", "Kota Depok", Level.KABKOTA, "kota", prov)
    kec1 = _region("32.75.01", "Bekasi Barat", Level.KECAMATAN, "kecamatan", kota_a)
    kec2 = _region("32.75.02", "Bekasi Timur", Level.KECAMATAN, "kecamatan", kota_a)
    kecb = _region("32.76.01", "Pancoran Mas", Level.KECAMATAN, "kecamatan", kota_b)
    k1 = _region(K1, "Bintara", Level.KELURAHAN, "kelurahan", kec1)
    _region(K1B, "Kranji", Level.KELURAHAN, "kelurahan", kec1)
    _region(K2, "Duren Jaya", Level.KELURAHAN, "kelurahan", kec2)
    kb = _region(KB, "Depok", Level.KELURAHAN, "kelurahan", kecb)
    for kel in (k1, kb):
        rw = Rw.objects.create(kelurahan=kel, number=1)
        Rt.objects.create(kelurahan=kel, rw=rw, rw_number=1, number=1)
    polda = territory.create_polda("POLDA-MJ", "Polda Metro Jaya", province_code=prov.code)
    a = territory.create_polres(polda, "BKS", "Polres Metro Bekasi Kota", kota_a.code)
    b = territory.create_polres(polda, "DPK", "Polres Metro Depok", kota_b.code)
    s1 = territory.create_polsek(a, "S1", "Polsek Bekasi Barat", region_codes=[kec1.code])
    s2 = territory.create_polsek(a, "S2", "Polsek Bekasi Timur", region_codes=[kec2.code])
    sb = territory.create_polsek(b, "SB", "Polsek Pancoran Mas", region_codes=[kecb.code])
    return Tree(polda, a, b, s1, s2, sb)


@dataclass
class World:
    """A tree and the users a test package made in it, by name."""

    tree: Tree
    users: dict

    def u(self, name):
        return self.users[name]
