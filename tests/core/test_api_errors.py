import pytest
from django.db import OperationalError

from siaga.accounts.services import create_user
from siaga.core.context import acting

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    with acting(None, "test"):
        user = create_user("root", "kata-sandi-uji-9", "admin")
    client.force_login(user)
    return client


def test_a_locked_database_answers_503_json_with_retry_after(admin_client, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("siaga.core.api.audit_entries", locked)
    r = admin_client.get("/api/core/audit")
    assert r.status_code == 503
    assert r["Retry-After"] == "1"
    assert r.json()["code"] == "busy"


def test_other_database_errors_are_not_disguised_as_busy(admin_client, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("no such table: core_auditentry")

    monkeypatch.setattr("siaga.core.api.audit_entries", broken)
    admin_client.raise_request_exception = False
    r = admin_client.get("/api/core/audit")
    assert r.status_code == 500
