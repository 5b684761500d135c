"""The staff list pages under /wilayah/: scope, roles, no identities on pages."""

from __future__ import annotations

import pytest

from siaga.mapping import informants, partners, problems
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(w):
    problems.create(
        w.u("bhabin_k1"),
        title="Sengketa lahan Bintara",
        kind="land",
        source="visit",
        kelurahan_code=K1,
        parties=["Pihak Satu"],
    )
    problems.create(
        w.u("bhabin_k2"), title="Tawuran Duren Jaya", kind="brawl", source="visit", kelurahan_code=K2
    )
    partners.create(w.u("humas"), kind="satpam", name="Satpam Pasar", phone_number="0812")
    informants.create(w.u("intelkam"), code_name="MERPATI", name="Sutrisno Wibowo", nik="3275011203800007")
    return w


def test_bhabin_sees_his_kelurahan_only(client, filled):
    client.force_login(filled.u("bhabin_k1"))
    body = client.get("/wilayah/masalah/").content.decode()
    assert "Sengketa lahan Bintara" in body and "Tawuran Duren Jaya" not in body
    assert client.get("/wilayah/informan/").status_code == 403


@pytest.mark.parametrize("path", ["", "masalah/", "sambang/", "potensi/", "mitra/"])
def test_intelkam_reaches_every_register(client, filled, path):
    client.force_login(filled.u("intelkam"))
    assert client.get(f"/wilayah/{path}").status_code == 200


def test_informant_page_shows_code_names_only(client, filled):
    client.force_login(filled.u("intelkam"))
    body = client.get("/wilayah/informan/").content.decode()
    assert "MERPATI" in body and "Sutrisno" not in body and "3275011203800007" not in body


@pytest.mark.parametrize("name", ["partner", "citizen"])
def test_partner_and_citizen_see_no_register(client, filled, name):
    client.force_login(filled.u(name))
    for path in ["", "masalah/", "sambang/", "potensi/", "mitra/", "informan/"]:
        assert client.get(f"/wilayah/{path}").status_code == 403


def test_analyst_sees_problems_but_not_partners_or_informants(client, filled):
    client.force_login(filled.u("analyst"))
    assert "Tawuran Duren Jaya" in client.get("/wilayah/masalah/").content.decode()
    assert client.get("/wilayah/mitra/").status_code == 403
    assert client.get("/wilayah/informan/").status_code == 403


def test_anonymous_is_sent_to_login(client, filled):
    assert client.get("/wilayah/masalah/").status_code == 302
