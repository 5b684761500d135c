"""CAP alerts: the workflow (draft → published → updated | cancelled → expired), bad input refused with
nothing stored, who may write, and every generated document valid against the official CAP 1.2 XSD."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from siaga.core import audit
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.info import alerts, cap
from siaga.info.models import Alert

from .conftest import *  # noqa: F403
from .conftest import alert_data, assert_valid_cap

pytestmark = pytest.mark.django_db
NS = {"c": cap.NS}


def _published(info, **over):
    a = alerts.create_alert(info.u("humas"), **alert_data(**over))
    return alerts.publish_alert(info.u("humas"), a.pk)


def test_draft_then_published_document_is_schema_valid(info, kecamatan):
    code, name, kels = kecamatan
    a = alerts.create_alert(
        info.u("humas"),
        **alert_data(
            area_codes=[code, *kels],
            area_desc="",
            polygons=[[[-6.24, 107.0], [-6.24, 107.01], [-6.25, 107.01]]],
            headline_en="Flood warning",
            description_en="Water rising.",
        ),
    )
    assert a.state == "draft" and a.sent is None
    assert name in a.area_desc  # built from the kecamatan / kelurahan names
    with pytest.raises(NotFound):
        alerts.public_document(a.slug)  # a draft has no public document
    a = alerts.publish_alert(info.u("humas"), a.pk)
    assert a.state == "published" and a.sent is not None
    doc = assert_valid_cap(cap.cap_xml(a, web="https://example.test/peringatan/"))
    sent = doc.findtext("c:sent", namespaces=NS)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", sent)  # WIB offset, whole seconds
    infos = doc.findall("c:info", NS)
    assert [i.findtext("c:language", namespaces=NS) for i in infos] == ["id-ID", "en-US"]
    area = infos[0].find("c:area", NS)
    poly = area.findtext("c:polygon", namespaces=NS).split()
    assert poly[0] == poly[-1] and len(poly) == 4 and poly[0] == "-6.24,107"
    assert area.findtext("c:circle", namespaces=NS) == "-6.25,107.01 2"
    assert [g.findtext("c:value", namespaces=NS) for g in area.findall("c:geocode", NS)] == [code, *kels]


def test_update_and_cancel_reference_the_chain_and_retire_the_earlier(info):
    first = _published(info)
    upd = alerts.update_alert(info.u("humas"), first.pk, headline="Banjir meluas ke dua RW lagi")
    first.refresh_from_db()
    assert first.state == "updated" and upd.state == "published" and upd.msg_type == "Update"
    assert upd.references == cap.reference_of(first)
    assert_valid_cap(cap.cap_xml(upd))
    cancel = alerts.cancel_alert(info.u("humas"), upd.pk, reason="Air sudah surut.")
    upd.refresh_from_db()
    assert upd.state == "cancelled" and cancel.msg_type == "Cancel" and cancel.note == "Air sudah surut."
    refs = cancel.references.split()
    assert refs == [cap.reference_of(first), cap.reference_of(upd)]
    doc = assert_valid_cap(cap.cap_xml(cancel))
    assert doc.findtext("c:references", namespaces=NS) == cancel.references
    # in force: nothing (the Cancel message is not an alert in force); in the feed: the Cancel
    assert list(alerts.active()) == []
    assert [a.pk for a in alerts.feed_entries()] == [cancel.pk]
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("step", "code"),
    [("update_draft", 409), ("publish_twice", 409), ("cancel_cancelled", 409), ("edit_published", 409)],
)
def test_illegal_transitions_are_409_and_change_nothing(info, step, code):
    humas = info.u("humas")
    a = alerts.create_alert(humas, **alert_data())
    if step == "update_draft":
        call = lambda: alerts.update_alert(humas, a.pk, headline="Tidak boleh begini")  # noqa: E731
    else:
        a = alerts.publish_alert(humas, a.pk)
        if step == "publish_twice":
            call = lambda: alerts.publish_alert(humas, a.pk)  # noqa: E731
        elif step == "cancel_cancelled":
            alerts.cancel_alert(humas, a.pk, reason="Dibatalkan saja.")
            call = lambda: alerts.cancel_alert(humas, a.pk, reason="Lagi dibatalkan.")  # noqa: E731
        else:
            call = lambda: alerts.edit_alert(humas, a.pk, headline="Ubah diam-diam")  # noqa: E731
    before = sorted(Alert.objects.values_list("pk", "state", "version", "headline"))
    with pytest.raises(Conflict) as e:
        call()
    assert e.value.status == code
    assert sorted(Alert.objects.values_list("pk", "state", "version", "headline")) == before


def test_stale_version_is_a_conflict(info):
    a = alerts.create_alert(info.u("humas"), **alert_data())
    alerts.edit_alert(info.u("humas"), a.pk, version=a.version, headline="Judul yang diperbarui")
    with pytest.raises(Conflict):
        alerts.edit_alert(info.u("humas"), a.pk, version=a.version, headline="Judul yang usang")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"categories": []}, "categories"),
        ({"categories": ["Weather"]}, "categories"),
        ({"urgency": "Soon"}, "urgency"),
        ({"severity": ""}, "severity"),
        ({"headline": "Abc"}, "headline"),
        ({"event": "x" * 121}, "event"),
        ({"circles": [], "area_desc": ""}, "area_codes"),
        ({"circles": [[-6.2, 107.0, 0]]}, "circles"),
        ({"circles": [[-96.2, 107.0, 1]]}, "circles"),
        ({"circles": [], "polygons": [[[-6.2, 107.0], [-6.3, 107.0]]]}, "polygons"),
        ({"circles": [], "polygons": "-6.2;107.0"}, "polygons"),
        ({"expires": None}, "expires"),
        ({"effective": "2026-11-28T10:00", "expires": "2026-11-28T09:00"}, "expires"),
        ({"expires": timezone.now() + dt.timedelta(days=40)}, "expires"),
        ({"area_codes": ["99.99.99"]}, "area_codes"),
        ({"status": "Draft"}, "status"),
        ({"expires": "besok pagi"}, "expires"),
    ],
)
def test_bad_input_is_refused_with_nothing_stored(info, over, field):
    n = Alert.objects.count()
    with pytest.raises(Invalid) as e:
        alerts.create_alert(info.u("humas"), **alert_data(**over))
    assert e.value.status == 400 and e.value.field == field and e.value.message
    assert Alert.objects.count() == n


def test_publishing_after_the_expiry_is_refused(info):
    a = alerts.create_alert(info.u("humas"), **alert_data(expires=timezone.now() + dt.timedelta(minutes=5)))
    with pytest.raises(Invalid):
        alerts.publish_alert(info.u("humas"), a.pk, at=timezone.now() + dt.timedelta(minutes=10))
    a.refresh_from_db()
    assert a.state == "draft"


@pytest.mark.parametrize("who", ["operator", "dispatcher", "patrol", "analyst", "sikum", "citizen"])
def test_roles_that_must_not_author_are_refused(info, who):
    with pytest.raises(Forbidden):
        alerts.create_alert(info.u(who), **alert_data())
    assert not Alert.objects.exists()


def test_humas_of_another_polres_cannot_write_here(info):
    a = _published(info)
    with pytest.raises(Forbidden):
        alerts.create_alert(info.u("humas_other"), polres=info.polres, **alert_data())
    with pytest.raises(NotFound):
        alerts.cancel_alert(info.u("humas_other"), a.pk, reason="Bukan wilayah saya.")
    assert Alert.objects.count() == 1


@pytest.mark.parametrize("who", ["commander", "kabag", "admin"])
def test_the_command_may_author(info, who):
    a = (
        _published(info)
        if who == "humas"
        else alerts.create_alert(info.u(who), polres=info.polres, **alert_data())
    )
    assert a.pk


def test_expiry_is_recorded_and_reads_never_show_an_expired_alert(info):
    now = timezone.now()
    a = alerts.create_alert(
        info.u("humas"), at=now - dt.timedelta(hours=3), **alert_data(expires=now + dt.timedelta(hours=1))
    )
    alerts.publish_alert(info.u("humas"), a.pk, at=now - dt.timedelta(hours=3))
    later = now + dt.timedelta(hours=2)
    assert list(alerts.active(later)) == [] and alerts.feed_entries(later) == []
    assert [x.pk for x in alerts.active(now)] == [a.pk]
    assert alerts.expire_due(later) == 1 and alerts.expire_due(later) == 0
    a.refresh_from_db()
    assert a.state == "expired"
    with pytest.raises(Conflict):
        alerts.update_alert(info.u("humas"), a.pk, headline="Terlambat diperbarui")
    assert audit.verify().ok


def test_text_that_xml_cannot_carry_is_removed_and_markup_is_just_text(info):
    a = _published(info, headline="Awas <b>banjir</b> & \x00\x1flongsor", description="<script>x</script>")
    assert a.headline == "Awas <b>banjir</b> & longsor"
    doc = assert_valid_cap(cap.cap_xml(a))
    assert doc.find("c:info/c:description", NS).text == "<script>x</script>"
    assert b"&lt;script&gt;" in cap.cap_xml(a)


def test_utc_is_written_minus_zero(info):
    assert (
        cap.cap_time(dt.datetime(2026, 11, 1, 8, 0, 0, 12345, tzinfo=dt.UTC), "UTC")
        == "2026-11-01T08:00:00-00:00"
    )
    assert (
        cap.cap_time(dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC), "Asia/Jayapura")
        == "2026-11-01T17:00:00+09:00"
    )
