"""Informants: identities encrypted at rest, Intelkam only, every view audited, key rotation."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.mapping import crypto, informants
from siaga.mapping.models import Informant
from tests.core.world import K1

pytestmark = pytest.mark.django_db

IDENTITY = {
    "name": "Sutrisno Wibowo",
    "nik": "3275011203800007",
    "phone_number": "0812-7788-9900",
    "address": "Jl. Kenari 12, Bintara",
    "handler_notes": "Bertemu di warung Bu Tini",
}
SECRETS = ["Sutrisno", "3275011203800007", "0812-7788-9900", "Kenari", "warung Bu Tini"]


def _make(w, code="MERPATI", **kw):
    data = {"code_name": code, "kelurahan_code": K1, **IDENTITY, **kw}
    return informants.create(w.u("intelkam"), **data)


def _raw_rows() -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {Informant._meta.db_table}")  # noqa: S608 (a model constant)
        return repr(cur.fetchall())


def test_raw_rows_hold_no_plaintext_identity(w):
    i = _make(w)
    raw = _raw_rows()
    assert "MERPATI" in raw  # the query does read the row
    for secret in SECRETS:
        assert secret not in raw
    assert i.identity.startswith("gAAAA")  # a Fernet token
    # nor does the audit trail hold it
    audit = repr(list(AuditEntry.objects.filter(action__startswith="mapping.informant").values()))
    for secret in SECRETS:
        assert secret not in audit


def test_every_reveal_is_audited_with_the_viewer(w):
    i = _make(w)
    before = AuditEntry.objects.filter(action="mapping.informant.viewed").count()
    for _ in range(3):
        ident = informants.reveal(w.u("intelkam"), i.pk, purpose="operasi")
        assert ident["name"] == "Sutrisno Wibowo" and ident["nik"] == "3275011203800007"
    rows = AuditEntry.objects.filter(action="mapping.informant.viewed", object_id=str(i.pk))
    assert rows.count() == before + 3
    assert {r.actor_id for r in rows} == {w.u("intelkam").pk}


@pytest.mark.parametrize(
    "name",
    [
        "intelkam_b",
        "admin",
        "analyst",
        "operator",
        "commander",
        "kabag_ops",
        "bhabin_k1",
        "humas",
        "partner",
        "citizen",
    ],
)
def test_nobody_else_sees_informants_or_identities(w, name):
    i = _make(w)
    user = w.u(name)
    if name != "admin":  # the administrator lists code names (the read gate) but reveals nothing
        assert list(informants.register(user)) == []
    with pytest.raises((Forbidden, NotFound)):
        informants.reveal(user, i.pk)
    assert not AuditEntry.objects.filter(action="mapping.informant.viewed").exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"code_name": ""},
        {"code_name": "!!"},
        {"code_name": "Sutrisno"},  # reveals the name
        {"name": ""},
        {"nik": "12345"},
        {"phone_number": "call me"},
        {"kelurahan_code": "00.00"},
    ],
)
def test_bad_input_stores_nothing(w, bad):
    with pytest.raises(Invalid):
        _make(w, **bad)
    assert not Informant.objects.exists()


def test_code_names_are_unique_per_polres_and_only_intelkam_registers(w):
    _make(w)
    with pytest.raises(Conflict):
        _make(w, code="merpati")
    with pytest.raises(Forbidden):
        informants.create(w.u("analyst"), code_name="ELANG", **IDENTITY)
    assert Informant.objects.count() == 1


def test_update_identity_reencrypts(w):
    i = _make(w)
    token = i.identity
    informants.update_identity(w.u("intelkam"), i.pk, phone="0813 1111 2222")
    i.refresh_from_db()
    assert i.identity != token and "0813" not in _raw_rows()
    assert informants.reveal(w.u("intelkam"), i.pk)["phone"] == "0813 1111 2222"
    with pytest.raises(Invalid):
        informants.update_identity(w.u("intelkam"), i.pk, nik="1")
    with pytest.raises(Invalid):
        informants.update_identity(w.u("intelkam"), i.pk, code_name="X")


def test_rotation_reencrypts_every_row_under_the_new_key(w, monkeypatch, field_key):
    a, b = _make(w), _make(w, code="ELANG", name="Wati Susanti")
    old_tokens = {a.pk: a.identity, b.pk: b.identity}
    new_key = Fernet.generate_key().decode()
    assert informants.rotate_key(new_key) == 2
    # only the new key now: every row still reads, and the old key alone reads none
    monkeypatch.setenv("SIAGA_FIELD_KEY", new_key)
    assert informants.reveal(w.u("intelkam"), a.pk)["name"] == "Sutrisno Wibowo"
    assert informants.reveal(w.u("intelkam"), b.pk)["name"] == "Wati Susanti"
    for i in Informant.objects.all():
        assert i.identity != old_tokens[i.pk]
    monkeypatch.setenv("SIAGA_FIELD_KEY", field_key)
    with pytest.raises(Invalid, match="field key"):
        informants.reveal(w.u("intelkam"), a.pk)
    with pytest.raises(Invalid):
        informants.rotate_key("not-a-key")
    assert AuditEntry.objects.filter(action="mapping.informant.rotated").count() == 1


def test_generated_key_file_is_private_and_stable(w, monkeypatch, settings, tmp_path):
    monkeypatch.delenv("SIAGA_FIELD_KEY")
    settings.DATA_DIR = tmp_path
    settings.SIAGA_FIELD_KEY = ""
    token = crypto.seal({"name": "x"})
    path = tmp_path / "field_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    Fernet(path.read_text().encode())  # a valid key
    assert crypto.unseal(token) == {"name": "x"}
    assert crypto.seal({"name": "y"}) and path.read_text() == path.read_text()


def test_a_malformed_field_key_is_refused_clearly(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from siaga.mapping import crypto

    monkeypatch.setenv("SIAGA_FIELD_KEY", "not-a-key")
    with pytest.raises(ImproperlyConfigured, match="not a valid Fernet key"):
        crypto.seal({"name": "x"})
