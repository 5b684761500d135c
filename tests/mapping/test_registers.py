"""Potentials and partners (with broadcasts): rules, scope, bad input."""

from __future__ import annotations

import pytest

from siaga.core.errors import Forbidden, Invalid
from siaga.mapping import partners, potentials
from siaga.mapping.models import Broadcast, Partner, Potential
from tests.core.world import K1, K2

pytestmark = pytest.mark.django_db


def test_potential_person_with_contacts(w):
    p = potentials.create(
        w.u("bhabin_k1"),
        kind="person",
        category="tokoh_agama",
        name="KH Ahmad",
        contact_phone="0812 1234 5678",
        contact_email="ahmad@example.id",
        rt_key=f"{K1}/001/001",
    )
    assert (p.polsek, p.kelurahan_code, p.rt_key) == (w.tree.s1, K1, f"{K1}/001/001")
    assert list(potentials.register(w.u("analyst"), kind="person")) == [p]
    assert list(potentials.register(w.u("bhabin_k2"))) == []
    assert list(potentials.register(w.u("humas"))) == []  # not in the policy


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "alien"},
        {"category": "market"},  # a market is not a person
        {"contact_email": "not-an-address"},
        {"contact_phone": "ring ring"},
        {"kind": "activity", "category": "school"},  # contacts for people only
        {"name": "x"},
        {"kelurahan_code": ""},
    ],
)
def test_bad_potential_stores_nothing(w, bad):
    data = {
        "kind": "person",
        "category": "tokoh_adat",
        "name": "Abah Ujang",
        "kelurahan_code": K1,
        "contact_phone": "0812",
    }
    with pytest.raises(Invalid):
        potentials.create(w.u("bhabin_k1"), **{**data, **bad})
    assert not Potential.objects.exists()


def _partner(w, user="bhabin_k1", **kw):
    data = {"kind": "fkpm", "name": "FKPM Bintara", "phone_number": "0811", "kelurahan_code": K1}
    return partners.create(w.u(user), **{**data, **kw})


def test_partner_at_polres_level_and_scope(w):
    a = _partner(w)
    b = _partner(
        w, user="humas", kind="satpam", name="Satpam Mall", kelurahan_code="", email_address="s@x.id"
    )
    assert (b.polres, b.kelurahan_code) == (w.tree.a, "")
    assert set(partners.register(w.u("humas"))) == {a, b}
    assert list(partners.register(w.u("bhabin_k1"))) == [a]
    assert list(partners.register(w.u("bhabin_k2"))) == []
    for name in ("analyst", "operator", "partner", "citizen"):
        assert list(partners.register(w.u(name))) == []
    with pytest.raises(Forbidden):  # a Bhabinkamtibmas cannot file at Polres level
        _partner(w, kelurahan_code="")
    with pytest.raises(Invalid):
        _partner(w, phone_number="", email_address="")
    assert Partner.objects.count() == 2


def test_broadcast_notifies_selected_partners_and_is_recorded(
    w, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = _partner(w, email_address="fkpm@example.id")
        b = _partner(w, user="humas", name="Pokdar", kind="pokdar", kelurahan_code="", email_address="p@x.id")
        _partner(w, user="humas", name="Tidak dipilih", kelurahan_code="", email_address="n@x.id")
        bc = partners.broadcast(
            w.u("humas"), subject="Siaga banjir", body="Mohon waspada malam ini", partner_ids=[a.pk, b.pk]
        )
    assert set(bc.recipients.all()) == {a, b} and bc.reached == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["fkpm@example.id", "p@x.id"]
    assert list(partners.broadcasts(w.u("humas"))) == [bc]
    assert list(partners.broadcasts(w.u("analyst"))) == []


def test_broadcast_refuses_partners_outside_the_area(w, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        a = _partner(w, email_address="fkpm@x.id")
        b = _partner(w, user="bhabin_k2", name="FKPM Duren", kelurahan_code=K2, email_address="d@x.id")
        for bad in ([a.pk, b.pk], [], [999], ["x"]):
            with pytest.raises(Invalid):
                partners.broadcast(w.u("bhabin_k1"), subject="Rapat", body="Besok jam 9", partner_ids=bad)
        with pytest.raises(Invalid):
            partners.broadcast(w.u("bhabin_k1"), subject="", body="Besok jam 9", partner_ids=[a.pk])
        with pytest.raises(Forbidden):
            partners.broadcast(w.u("analyst"), subject="Rapat", body="Besok jam 9", partner_ids=[a.pk])
    assert not Broadcast.objects.exists() and mailoutbox == []
