"""accounts.services.create_user: bad input raises Invalid and writes nothing (no user, no audit row)."""

from __future__ import annotations

import pytest

from siaga.accounts import services as accounts
from siaga.accounts.models import User
from siaga.core.errors import Invalid
from siaga.core.models import AuditEntry, AuditHead
from tests.core.world import K1, build_tree

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-passphrase-9"


@pytest.fixture
def tree():
    return build_tree()


def nothing_written(before_users: int, before_audit: int) -> bool:
    return User.objects.count() == before_users and AuditEntry.objects.count() == before_audit


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("bad role", "role"),
        ("polsek not in polres", "polsek"),
        ("polres not in polda", "polres"),
        ("staff without scope", "polres"),
        ("kelurahan without polsek", "kelurahan_code"),
        ("malformed kelurahan", "kelurahan_code"),
        ("weak password", "password"),
        ("username taken", "username"),
    ],
)
def test_invalid_input_raises_and_writes_nothing(tree, case, field):
    accounts.create_user("taken", PASSWORD, "citizen")
    users, rows, head = User.objects.count(), AuditEntry.objects.count(), AuditHead.objects.get().last_seq
    other_polda = None
    if case == "polres not in polda":
        from siaga.territory import services as territory

        other_polda = territory.create_polda("POLDA-X", "Polda X")
        rows, head = AuditEntry.objects.count(), AuditHead.objects.get().last_seq
    kwargs = {
        "bad role": {"role": "sheriff", "polres": tree.a},
        "polsek not in polres": {"role": "operator", "polres": tree.b, "polsek": tree.s1},
        "polres not in polda": {"role": "operator", "polda": other_polda, "polres": tree.a},
        "staff without scope": {"role": "analyst"},
        "kelurahan without polsek": {"role": "bhabin", "polres": tree.a, "kelurahan_code": K1},
        "malformed kelurahan": {"role": "bhabin", "polsek": tree.s1, "kelurahan_code": "3275011001"},
        "weak password": {"role": "operator", "polres": tree.a, "password": "12345"},
        "username taken": {"role": "citizen", "username": "taken"},
    }[case]
    username = kwargs.pop("username", "newcomer")
    password = kwargs.pop("password", PASSWORD)
    role = kwargs.pop("role")
    with pytest.raises(Invalid) as err:
        accounts.create_user(username, password, role, **kwargs)
    assert err.value.field == field and err.value.message
    assert nothing_written(users, rows)
    assert AuditHead.objects.get().last_seq == head


def test_valid_user_is_created_scoped_and_audited(tree):
    u = accounts.create_user("bhabin", PASSWORD, "bhabin", polsek=tree.s1, kelurahan_code=K1)
    assert (u.polsek, u.polres, u.polda) == (tree.s1, tree.a, tree.polda)  # filled upward
    row = AuditEntry.objects.get(action="accounts.user.created", object_id=str(u.pk))
    assert row.polres_id == tree.a.pk and row.after["kelurahan_code"] == K1


def test_citizen_and_installation_admin_need_no_scope():
    assert accounts.create_user("warga", PASSWORD, "citizen").polres is None
    admin = accounts.create_user("root", PASSWORD, "admin")
    assert admin.is_superuser and admin.polres is None


def test_deactivation_is_audited(tree):
    u = accounts.create_user("leaver", PASSWORD, "operator", polres=tree.a)
    accounts.set_active(u, False)
    row = AuditEntry.objects.get(action="accounts.user.deactivated")
    assert row.before["is_active"] is True and row.after["is_active"] is False
