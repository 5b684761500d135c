"""The operations-room pages: who may open each one, and that each renders its configuration."""

import json

import pytest

from .ops_fixtures import *  # noqa: F403

PASSWORD = "Sandi-Rahasia-123"


def client_for(client, ops, name):
    client.force_login(ops.u(name))
    return client


def config_of(resp) -> dict:
    html = resp.content.decode()
    start = html.index('<script id="ops-config" type="application/json">') + len(
        '<script id="ops-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.parametrize(
    "name,status",
    [
        ("operator", 200),
        ("dispatcher", 200),
        ("disp_s1", 200),
        ("commander", 200),
        ("kabag", 200),
        ("analyst", 200),
        ("patrol", 200),  # read-only board
        ("admin", 200),
        ("citizen", 403),
    ],
)
def test_ops_room_roles(client, ops, name, status):
    resp = client_for(client, ops, name).get("/ops/")
    assert resp.status_code == status
    if status == 200:
        cfg = config_of(resp)
        assert cfg["targets"] == {"answer_s": 10, "dispatch_s": 60, "on_scene_s": 600}
        assert cfg["api"] == "/api/cad"
        assert "created" in cfg["transitions"]
        assert b'id="ops-incidents"' in resp.content


def test_ops_room_permissions_in_config(client, ops):
    cfg = config_of(client_for(client, ops, "dispatcher").get("/ops/"))
    assert cfg["perms"] == {"calls": True, "take_calls": True, "change": True, "dispatch": True}
    client.logout()
    cfg = config_of(client_for(client, ops, "analyst").get("/ops/"))
    assert cfg["perms"] == {"calls": True, "take_calls": False, "change": False, "dispatch": False}
    client.logout()
    cfg = config_of(client_for(client, ops, "operator").get("/ops/"))
    assert cfg["perms"]["take_calls"] and not cfg["perms"]["dispatch"]


def test_ops_room_targets_follow_ops_config(client, ops):
    from siaga.cad import intake
    from siaga.core.context import acting

    with acting(ops.u("kabag"), "t"):
        intake.set_ops_config(ops.u("kabag"), ops.polres, target_answer_s=15, target_dispatch_s=90)
    cfg = config_of(client_for(client, ops, "dispatcher").get("/ops/"))
    assert cfg["targets"] == {"answer_s": 15, "dispatch_s": 90, "on_scene_s": 600}


def test_ops_room_names_for_the_boards(client, ops):
    cfg = config_of(client_for(client, ops, "dispatcher").get("/ops/"))
    assert cfg["names"]["kelurahan"]["32.75.01.1001"]
    assert str(ops.s1.pk) in cfg["names"]["polsek"]


def test_anonymous_is_sent_to_login(client, ops):
    for url in ("/ops/", "/ops/intake/", "/ops/report/", "/officer/"):
        resp = client.get(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_partner_and_citizen_refused_everywhere(client, ops):
    from siaga.accounts.services import create_user
    from siaga.core.context import acting

    with acting(None, "t"):
        create_user("mitra", PASSWORD, "partner", polres=ops.polres, validate=False)
    for name in ("citizen", "mitra"):
        user = ops.users.get(name)
        if user is None:
            from siaga.accounts.models import User

            user = User.objects.get(username=name)
        client.force_login(user)
        for url in ("/ops/", "/ops/intake/", "/ops/report/", "/officer/"):
            assert client.get(url).status_code == 403, (name, url)
        client.logout()


@pytest.mark.parametrize(
    "name,status",
    [("operator", 200), ("dispatcher", 200), ("disp_s1", 200), ("analyst", 403), ("patrol", 403)],
)
def test_intake_roles(client, ops, name, status):
    resp = client_for(client, ops, name).get("/ops/intake/")
    assert resp.status_code == status
    if status == 200:
        assert b'id="in-place"' in resp.content and b'id="in-category"' in resp.content


def test_officer_view_for_crew(client, ops):
    resp = client_for(client, ops, "patrol").get("/officer/")
    assert resp.status_code == 200
    cfg = config_of(resp)
    assert cfg["unit_id"] == ops.units["S1-R4"].pk
    assert cfg["callsign"] == "S1-R4"
    assert b"off-panic" in resp.content


def test_officer_view_needs_a_unit(client, ops):
    # patrol2 is a patrol officer in no unit's crew: nothing to show
    assert client_for(client, ops, "patrol2").get("/officer/").status_code == 403


def test_officer_cannot_open_another_unit(client, ops):
    resp = client_for(client, ops, "patrol").get(f"/officer/?unit={ops.units['S2-R4'].pk}")
    assert resp.status_code == 403


def test_officer_view_chooser_for_dispatcher(client, ops):
    resp = client_for(client, ops, "dispatcher").get(f"/officer/?unit={ops.units['S2-R4'].pk}")
    assert resp.status_code == 200
    assert config_of(resp)["callsign"] == "S2-R4"
    assert b'id="off-unit"' in resp.content  # the unit chooser


@pytest.mark.parametrize(
    "name,status", [("commander", 200), ("analyst", 200), ("dispatcher", 200), ("patrol", 403)]
)
def test_report_roles(client, ops, name, status):
    assert client_for(client, ops, name).get("/ops/report/").status_code == status


def test_report_shows_groups_and_filters(client, ops):
    from siaga.cad import services
    from siaga.core.context import acting

    from .conftest import incident_columns

    with acting(None, "t"):
        services.import_history(ops.polres, incident_columns(4), None)
    c = client_for(client, ops, "commander")
    resp = c.get("/ops/report/?since=2026-02-01&until=2026-03-31&group=priority&group=category")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "P1" in html and "P2" in html
    assert "100,0%" in html or "100.0%" in html  # answered in 6 s: all met the answer target
    resp = c.get("/ops/report/?since=2026-03-31&until=2026-02-01")
    assert resp.status_code == 200 and b'class="error"' in resp.content


def test_nav_shows_operations_room_and_officer_by_role(client, ops):
    from django.urls import reverse

    home = reverse("web:home")
    html = client_for(client, ops, "patrol").get(home).content.decode()
    assert 'href="/ops/"' in html and 'href="/officer/"' in html
    client.logout()
    html = client_for(client, ops, "dispatcher").get(home).content.decode()
    assert 'href="/ops/"' in html and 'href="/officer/"' not in html
    client.logout()
    html = client_for(client, ops, "citizen").get(home).content.decode()
    assert 'href="/ops/"' not in html


def test_pages_are_csp_clean(client, ops):
    """No inline script: every <script> is a static file with the nonce or a JSON data block."""
    import re

    for url in ("/ops/", "/ops/intake/", "/officer/"):
        name = "patrol" if url == "/officer/" else "dispatcher"
        html = client_for(client, ops, name).get(url).content.decode()
        client.logout()
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'type="application/json"' in tag or ("src=" in tag and "nonce=" in tag), tag
