"""Device alert titles are shown in the reader's language: stored as a msgid and its parameters (with the
installation's rendering kept as the fallback), rendered per request in the API and on /ingest/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siaga.accounts.services import create_user
from siaga.core.context import acting
from siaga.core.errors import Invalid
from siaga.ingest import alerts
from siaga.ingest.models import DeviceAlert
from siaga.ingest.pipeline import Inbound, accept

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator(polres):
    with acting(None, "t"):
        return create_user("op-t", "op-t-password-1", "operator", polres=polres, validate=False)


def read_titles(client, user, language: str) -> dict[int, str]:
    client.force_login(user)
    r = client.get("/api/ingest/alerts", HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 200, r.content[:300]
    return {a["id"]: a["title"] for a in r.json()}


def test_a_cctv_alert_reads_in_each_readers_language(client, kit, operator):
    _d, token = kit["cctv"]
    body = {"device": "cam-1", "id": "ev-1", "type": "cctv", "event": "fire", "confidence": 0.9}
    [out] = accept([Inbound("http", "generic", "cam-1", body, timezone.now(), None, token)])
    assert out.status == "accepted" and out.routed == ["alert"]
    a = DeviceAlert.objects.get()
    assert a.title == "Kebakaran: CCTV Pasar"  # stored once in the installation's language (id)
    assert read_titles(client, operator, "en") == {a.pk: "Fire: CCTV Pasar"}
    assert read_titles(client, operator, "id") == {a.pk: "Kebakaran: CCTV Pasar"}
    page_en = client.get("/ingest/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    page_id = client.get("/ingest/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Fire: CCTV Pasar" in page_en and "Kebakaran: CCTV Pasar" not in page_en
    assert "Kebakaran: CCTV Pasar" in page_id and "Fire: CCTV Pasar" not in page_id


def test_an_unknown_cctv_event_is_named_by_its_code_in_every_language(client, kit, operator):
    _d, token = kit["cctv"]
    body = {"device": "cam-1", "id": "ev-2", "type": "cctv", "event": "graffiti"}
    accept([Inbound("http", "generic", "cam-1", body, timezone.now(), None, token)])
    a = DeviceAlert.objects.get()
    assert read_titles(client, operator, "en") == {a.pk: "graffiti: CCTV Pasar"}
    assert read_titles(client, operator, "id") == {a.pk: "graffiti: CCTV Pasar"}


def test_a_geofence_title_with_a_translated_parameter(client, polres, operator):
    key = "%(who)s entered %(fence)s"
    params = {"who": {"msgid": "device %(id)s", "params": {"id": 7}}, "fence": "Zona A"}
    with acting(None, "t"):
        a = alerts.raise_alert(polres_id=polres.pk, kind="geofence.enter", title=alerts.Title(key, params))
    a.refresh_from_db()
    assert (a.title, a.title_key, a.title_params) == ("perangkat 7 masuk ke Zona A", key, params)
    assert read_titles(client, operator, "en") == {a.pk: "device 7 entered Zona A"}
    assert read_titles(client, operator, "id") == {a.pk: "perangkat 7 masuk ke Zona A"}


def test_an_old_row_without_a_key_shows_its_stored_title(client, polres, operator):
    with acting(None, "t"):
        old = alerts.raise_alert(polres_id=polres.pk, kind="cctv.crowd", title="Kerumunan: CCTV Lama")
        # a msgid that no longer fits its stored parameters falls back to the stored title as well
        odd = alerts.raise_alert(
            polres_id=polres.pk,
            kind="cctv.fire",
            title="Kebakaran: CCTV Baru",
            title_key="%(event)s: %(camera)s",
            title_params={"event": "fire"},
        )
    assert old.title_key == "" and old.title_params == {}
    for language in ("en", "id"):
        assert read_titles(client, operator, language) == {
            old.pk: "Kerumunan: CCTV Lama",
            odd.pk: "Kebakaran: CCTV Baru",
        }


@pytest.mark.parametrize(
    "kw", [{"title_key": "x" * 201}, {"title_key": "%(a)s", "title_params": ["not", "a", "dict"]}]
)
def test_a_bad_title_key_is_refused_and_nothing_stored(polres, kw):
    with acting(None, "t"), pytest.raises(Invalid):
        alerts.raise_alert(polres_id=polres.pk, kind="cctv.fire", title="t", **kw)
    assert not DeviceAlert.objects.exists()
