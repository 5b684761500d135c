"""A fuzzer finding: POST /api/info/staff/alerts/import was caught by PATCH /staff/alerts/{pk} (405)."""

import pytest

pytestmark = pytest.mark.django_db


def test_alert_import_is_not_shadowed_by_the_edit_route(client, info):
    client.force_login(info.users["operator"])
    r = client.post("/api/info/staff/alerts/import", data=b"<alert/>", content_type="application/xml")
    assert r.status_code == 403  # was 405 for every role: "import" matched {pk}
    client.force_login(info.users["humas"])
    r = client.post("/api/info/staff/alerts/import", data=b"<alert/>", content_type="application/xml")
    assert r.status_code == 400  # reached the importer, which refuses a document that is not CAP 1.2
