"""Bugs the schema fuzzer (schemathesis against /api/openapi.json) found, each pinned at its root."""

import pytest

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    with acting(None, "test"):
        user = create_user("root", "kata-sandi-uji-9", "admin")
    client.force_login(user)
    return client


def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(admin_client):
    r = admin_client.post("/api/cad/incidents", data=b"\xff\x00{", content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "malformed"
    assert r.json()["detail"]


def test_an_offset_past_what_the_database_holds_is_refused_not_a_500(admin_client):
    r = admin_client.get("/api/core/audit", {"offset": 584290824805600799595073372160})
    assert r.status_code == 422
    r = admin_client.get("/api/cad/incidents", {"offset": 10**12})
    assert r.status_code == 422
    assert admin_client.get("/api/core/audit", {"offset": 5, "limit": 5000}).status_code == 200
    assert admin_client.get("/api/core/audit", {"limit": 5001}).status_code == 422


def test_an_id_larger_than_the_database_integer_is_a_422_and_nothing_is_written(admin_client):
    before = AuditEntry.objects.count()
    r = admin_client.post(
        "/api/mapping/broadcasts",
        data={"subject": "Uji", "body": "Isi siaran uji.", "partner_ids": [1, 2**70]},
        content_type="application/json",
    )
    # SQLite cannot hold the id (422); PostgreSQL compares it and finds no such partner (400); an admin
    # without a Polres may be refused first (403). Never a 500, never a write.
    assert r.status_code in (400, 403, 422), r.content
    if r.status_code == 422:
        assert r.json()["code"] == "invalid"
    assert AuditEntry.objects.count() == before
    r = admin_client.get(f"/api/cad/incidents/{2**70}")
    assert r.status_code in (404, 422)


def test_an_api_address_no_operation_matches_is_a_json_404(admin_client):
    for method, url in [("get", "/api/nothing/here"), ("patch", "/api/info/staff/alerts/null%2Cnull")]:
        r = getattr(admin_client, method)(url, content_type="application/json")
        assert r.status_code == 404
        assert r["Content-Type"].startswith("application/json")
        assert r.json()["code"] == "not_found"


def test_a_form_sent_where_a_document_is_expected_is_a_400():
    from django.test import Client

    with acting(None, "test"):
        user = create_user("root2", "kata-sandi-uji-9", "admin")
    c = Client(enforce_csrf_checks=True)  # the CSRF check reads the form before the view reads the body
    c.force_login(user)
    token = "fuzzcsrf0123456789abcdefghijklmn"
    c.cookies["csrftoken"] = token
    r = c.post("/api/info/staff/alerts/import", data={"file": "x"}, headers={"X-CSRFToken": token})
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "malformed"
