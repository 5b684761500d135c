import pytest


@pytest.mark.django_db
def test_openapi_document_is_served(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "Siaga API"


@pytest.mark.django_db
def test_pages_need_login(client):
    r = client.get("/dasbor/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
