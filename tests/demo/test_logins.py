"""One demo login per role, each able to sign in with the shared demo password, each rightly scoped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from siaga.accounts.models import User
from siaga.cad import selectors
from siaga.core.roles import Role
from siaga.demo import org

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def test_one_login_per_role(demo):
    roles = {u.role for u in User.objects.all()}
    assert roles == set(Role.values)
    users = User.objects.exclude(username__startswith="siaga.portal.")  # the portal service account
    assert sorted(users.values_list("username", flat=True)) == sorted(u for u, *_ in org.LOGINS)


@pytest.mark.parametrize("username", [u for u, *_ in org.LOGINS])
def test_each_demo_login_signs_in(demo, client, username):
    from django.test import override_settings

    from tests.demo.conftest import FAST_HASHER

    with override_settings(PASSWORD_HASHERS=FAST_HASHER):
        r = client.post(LOGIN, {"username": username, "password": demo.password})
    assert r.status_code == 302, r.content[:300]
    assert client.session.get("_auth_user_id") == str(User.objects.get(username=username).pk)


def test_scopes(demo):
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].polres_id is None and users["admin"].is_superuser
    for name in ("kapolres", "kabagops", "operator", "dispatcher", "analis", "lantas", "sdm", "intelkam"):
        assert users[name].polres_id == demo.polres.pk and users[name].polsek_id is None, name
    bhabin = users["bhabin"]
    assert (
        bhabin.kelurahan_code
        and bhabin.polsek_id
        and bhabin.personnel.kelurahan_code == bhabin.kelurahan_code
    )
    assert users["operator.bekasitimur"].polsek.code == "BKT"
    assert users["kapolres"].personnel.rank == "Kombes"
    assert users["warga"].polres_id is None and users["warga"].role == Role.CITIZEN


def test_last_seven_days_views_have_data_and_respect_scope(demo):
    users = {u.username: u for u in User.objects.all()}
    week = timezone.now() - dt.timedelta(days=7)
    assert selectors.recent_incidents(users["kapolres"], 7).count() > 50
    assert selectors.call_summary(users["kapolres"], since=week)["total"] > 700
    assert selectors.recent_incidents(users["warga"], 7).count() == 0
    assert selectors.calls(users["bhabin"]).count() == 0  # a Bhabinkamtibmas does not read the 110 log
    bhabin = users["bhabin"]
    mine = selectors.incidents(bhabin)
    assert set(mine.values_list("kelurahan_code", flat=True)) <= {bhabin.kelurahan_code}
    op = users["operator.bekasitimur"]
    assert set(selectors.incidents(op).values_list("polsek_id", flat=True)) == {op.polsek_id}
    assert selectors.open_incidents(users["dispatcher"]).exists()
    assert selectors.units(users["dispatcher"], status="available").exists()
    assert selectors.repeat_callers(users["kapolres"], since=week, min_calls=3).exists()
