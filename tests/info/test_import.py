"""Importing CAP documents from other senders (e.g. BMKG): a valid document is stored and shown on the
public alerts page; malformed or hostile documents are refused with a clear error and nothing stored."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.utils import timezone

from siaga.info import alerts, cap
from siaga.info.models import Alert

from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db


def bmkg(identifier="CAP.BMKG.20261127.001", msg_type="Alert", references="", expires_h=6, extra_info=""):
    now = timezone.now()
    sent = cap.cap_time(now - dt.timedelta(minutes=30))
    expires = cap.cap_time(now + dt.timedelta(hours=expires_h))
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>bmkg@bmkg.go.id</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <language>id-ID</language>
    <category>Met</category>
    <event>Hujan Lebat</event>
    <urgency>Immediate</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <expires>{expires}</expires>
    <senderName>BMKG</senderName>
    <headline>Peringatan Dini Cuaca Jawa Barat</headline>
    <description>Hujan lebat disertai petir di Kota Bekasi.</description>
    <area>
      <areaDesc>Kota Bekasi</areaDesc>
      <polygon>-6.2,106.9 -6.2,107.1 -6.35,107.1 -6.2,106.9</polygon>
    </area>
  </info>
  <info>
    <language>en-US</language>
    <category>Met</category>
    <event>Heavy Rain</event>
    <urgency>Immediate</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <headline>Weather warning West Java</headline>
    <area><areaDesc>Kota Bekasi</areaDesc></area>{extra_info}
  </info>
</alert>""".encode()


def test_a_valid_document_is_stored_and_shown(client, info):
    a, created = alerts.import_cap(bmkg(), source="bmkg.xml")
    assert created and a.external and a.state == "published" and a.sender == "bmkg@bmkg.go.id"
    assert a.headline == "Peringatan Dini Cuaca Jawa Barat" and a.headline_en == "Weather warning West Java"
    assert a.polygons == [[[-6.2, 106.9], [-6.2, 107.1], [-6.35, 107.1], [-6.2, 106.9]]]
    again, created = alerts.import_cap(bmkg(), source="bmkg.xml")
    assert not created and again.pk == a.pk and Alert.objects.count() == 1
    html = client.get("/peringatan/").content.decode()
    assert "Peringatan Dini Cuaca Jawa Barat" in html and "BMKG" in html
    doc = client.get(f"/alerts/{a.slug}.cap.xml")
    assert doc.status_code == 200 and doc.content == a.raw_xml.encode()
    # others' alerts are shown, not republished in our feed
    assert a.slug not in client.get("/alerts/atom.xml").content.decode()


def test_an_update_retires_the_earlier_external_message(info):
    first, _ = alerts.import_cap(bmkg())
    ref = f"{first.sender},{first.identifier},{cap.cap_time(first.sent)}"
    second, created = alerts.import_cap(
        bmkg(identifier="CAP.BMKG.20261127.002", msg_type="Update", references=ref)
    )
    first.refresh_from_db()
    assert created and first.state == "updated" and second.state == "published"
    alerts.import_cap(
        bmkg(
            identifier="CAP.BMKG.20261127.003",
            msg_type="Cancel",
            references=f"{second.sender},{second.identifier},x",
        )
    )
    second.refresh_from_db()
    assert second.state == "cancelled" and list(alerts.active()) == []


HOSTILE = {
    "not xml": b"hello, this is not XML",
    "truncated": b'<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x',
    "billion laughs": b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol2;</identifier></alert>""",
    "external entity": b"""<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>""",
    "wrong root": b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
    "cap 1.1": b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>',
    "no sender": bmkg().replace(b"<sender>bmkg@bmkg.go.id</sender>", b""),
    "bad status": bmkg().replace(b"<status>Actual</status>", b"<status>Real</status>"),
    "bad time": bmkg().replace(b"<sent>", b"<sent>27/11/2026 ").replace(b"</sent>", b"</sent>"),
    "bad polygon": bmkg().replace(b"-6.2,106.9 -6.2,107.1 -6.35,107.1 -6.2,106.9", b"-6.2,106.9 -6.2,107.1"),
    "point off the globe": bmkg().replace(b"-6.35,107.1", b"-96.35,107.1"),
    "ack": bmkg().replace(b"<msgType>Alert</msgType>", b"<msgType>Ack</msgType>"),
    "restricted": bmkg().replace(b"<scope>Public</scope>", b"<scope>Restricted</scope>"),
    "no category": bmkg().replace(b"<category>Met</category>", b""),
    "too big": b"<alert>" + b" " * 1_000_001 + b"</alert>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_malformed_or_hostile_documents_are_refused_and_nothing_is_stored(info, name):
    with pytest.raises(cap.BadCap) as e:
        alerts.import_cap(HOSTILE[name], source=name)
    assert e.value.status == 400 and e.value.message
    assert not Alert.objects.exists()


def test_the_command_imports_a_file_and_refuses_a_hostile_one(info, tmp_path, capsys):
    good = tmp_path / "bmkg.xml"
    good.write_bytes(bmkg())
    call_command("info", "import-cap", str(good))
    assert "imported" in capsys.readouterr().out
    assert Alert.objects.filter(external=True, source=str(good)).count() == 1
    bad = tmp_path / "xxe.xml"
    bad.write_bytes(HOSTILE["external entity"])
    with pytest.raises(SystemExit) as e:
        call_command("info", "import-cap", str(bad))
    assert e.value.code == 2 and "refused" in capsys.readouterr().err
    assert Alert.objects.count() == 1


def test_the_command_is_reachable_as_siaga_info():
    out = subprocess.run(
        [sys.executable, "-m", "siaga", "info", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0 and "import-cap" in out.stdout
