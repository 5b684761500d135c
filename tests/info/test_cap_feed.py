"""The stable addresses: /alerts/atom.xml lists the alerts in force, each entry linking its CAP 1.2
document at /alerts/<id>.cap.xml, which is served and valid against the official schema. A property test:
any input the service accepts yields a schema-valid document."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from siaga.core.errors import Invalid
from siaga.info import alerts, cap
from siaga.info.models import Alert, CapCategory, Certainty, Severity, Urgency

from .conftest import *  # noqa: F403
from .conftest import alert_data, assert_valid_cap

pytestmark = pytest.mark.django_db
ATOM = {"a": "http://www.w3.org/2005/Atom"}


def test_atom_feed_links_each_cap_document(client, info):
    humas = info.u("humas")
    a1 = alerts.publish_alert(humas, alerts.create_alert(humas, **alert_data()).pk)
    a2 = alerts.publish_alert(
        humas, alerts.create_alert(humas, **alert_data(headline="Jalan ditutup sementara")).pk
    )
    upd = alerts.update_alert(humas, a2.pk, headline="Penutupan jalan diperpanjang")
    alerts.create_alert(humas, **alert_data(headline="Masih draf, belum terbit"))
    r = client.get("/alerts/atom.xml")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/atom+xml")
    feed = etree.fromstring(r.content)  # well-formed
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.find("a:link[@rel='self']", ATOM).get("href") == "http://testserver/alerts/atom.xml"
    entries = feed.findall("a:entry", ATOM)
    titles = [e.findtext("a:title", namespaces=ATOM) for e in entries]
    assert titles == ["Penutupan jalan diperpanjang", a1.headline]  # newest first; no draft, no superseded
    for e, a in zip(entries, [upd, a1], strict=True):
        assert e.findtext("a:id", namespaces=ATOM) and e.findtext("a:updated", namespaces=ATOM)
        link = e.find("a:link[@type='application/cap+xml']", ATOM).get("href")
        assert link == f"http://testserver/alerts/{a.slug}.cap.xml"
        doc = client.get(link.removeprefix("http://testserver"))
        assert doc.status_code == 200 and doc["Content-Type"].startswith("application/cap+xml")
        root = assert_valid_cap(doc.content)
        assert root.findtext("{urn:oasis:names:tc:emergency:cap:1.2}identifier") == a.identifier
    # the superseded message keeps its address (receivers may follow references)
    assert client.get(f"/alerts/{a2.slug}.cap.xml").status_code == 200


def test_drafts_and_unknown_ids_are_404(client, info):
    a = alerts.create_alert(info.u("humas"), **alert_data())
    assert client.get(f"/alerts/{a.slug}.cap.xml").status_code == 404
    assert client.get("/alerts/tidak-ada.cap.xml").status_code == 404


def test_an_empty_feed_is_still_a_valid_feed(client, info):
    feed = etree.fromstring(client.get("/alerts/atom.xml").content)
    assert feed.findall("a:entry", ATOM) == [] and feed.findtext("a:updated", namespaces=ATOM)


# --- any accepted input gives a schema-valid document ---------------------------------------------

text = st.text(st.characters(codec="utf-8"), max_size=300)
lat = st.floats(-90, 90, allow_nan=False)
lon = st.floats(-180, 180, allow_nan=False)
point = st.tuples(lat, lon).map(list)
ring = st.lists(point, min_size=3, max_size=12)
circle = st.tuples(lat, lon, st.floats(0.001, 1000)).map(list)
moment = st.datetimes(
    min_value=dt.datetime(2001, 1, 1),
    max_value=dt.datetime(2099, 1, 1),
    timezones=st.sampled_from([dt.UTC, None]),
)
words = st.text(st.characters(codec="utf-8"), min_size=6, max_size=160).filter(
    lambda s: len(" ".join(s.split())) >= 6
)


@st.composite
def times(draw):
    """effective / onset / expires as an author would set them: expiry within 31 days of the start."""
    effective = draw(st.none() | moment)
    base = effective or draw(moment)
    if base.tzinfo is None:
        base = base.replace(tzinfo=dt.UTC)
    expires = base + draw(st.timedeltas(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(days=31)))
    onset = draw(st.none() | st.just(base + (expires - base) / 2))
    return {"effective": effective, "onset": onset, "expires": expires}


inputs = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["Actual", "Exercise", "Test"]),
        "categories": st.lists(st.sampled_from(CapCategory.values), min_size=1, max_size=4),
        "event": words,
        "urgency": st.sampled_from(Urgency.values),
        "severity": st.sampled_from(Severity.values),
        "certainty": st.sampled_from(Certainty.values),
        "headline": words,
        "description": text,
        "instruction": text,
        "sender_name": text,
        "contact": text,
        "headline_en": text,
        "description_en": text,
        "note": text,
        "area_desc": text,
        "polygons": st.lists(ring, max_size=3),
        "circles": st.lists(circle, min_size=1, max_size=3),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=inputs, when=times())
def test_any_accepted_alert_yields_a_schema_valid_document(info, data, when):
    """Through the service's own validation (clean_fields + check_complete), then the writer. Inputs the
    service refuses are discarded (`assume`): hypothesis fails if it must discard too many, so the test
    cannot pass on refusals alone."""
    polres = info.polres
    data = {**data, **when}
    try:
        fields = alerts.clean_fields(polres, data)
        a = Alert(
            polres=polres, identifier="siaga.test.x", slug="x", sender=alerts.sender_for(polres), **fields
        )
        now = timezone.now()
        a.created_at = a.updated_at = a.sent = now
        alerts.check_complete(a, a.effective or now)
    except Invalid:
        assume(False)  # refused with a clear error: nothing to write
    xml = cap.cap_xml(a)
    assert_valid_cap(xml)
    for poly in etree.fromstring(xml).iter("{urn:oasis:names:tc:emergency:cap:1.2}polygon"):
        pairs = poly.text.split()
        assert pairs[0] == pairs[-1] and len(pairs) >= 4
