"""Reports: validation (nothing stored on failure), idempotency, photos (type by content, EXIF stripped
unless consented), places (pin, address with RT/RW), duplicates within 50 m, the public timeline without
identity, and the SPKT back office with its read gate."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from siaga.cad.models import Incident
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.models import AuditEntry
from siaga.portal import reports
from siaga.portal.common import TooMany, normalise_code
from siaga.portal.models import Report, ReportEvent, ReportPhoto

from ..cad.ops_fixtures import P_S1, P_S2
from .conftest import *  # noqa: F403
from .conftest import jpeg

pytestmark = pytest.mark.django_db
NAME, PHONE, DOB = "Siti Rahmawati", "081377776666", "1990-04-12"


def good(n: int = 1, **over) -> dict:
    base = {
        "key": f"report-key-{n:06d}-abcdefgh",
        "category": "curanmor",
        "description": "Motor saya hilang di parkiran pasar pagi ini.",
        "lat": P_S1[1],
        "lon": P_S1[0],
        "reporter_name": NAME,
        "reporter_phone": PHONE,
        "reporter_dob": DOB,
        "device": f"dev-{n}",
    }
    base.update(over)
    return base


def test_a_report_is_stored_with_a_tracking_code_and_its_first_step(ops):
    r = reports.submit_report(**good())
    assert len(r.tracking_code) == 10 and set(r.tracking_code) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert r.status == "new" and r.polres_id == ops.polres.pk and r.polsek_id == ops.s1.pk
    assert r.kelurahan_code and r.identified and r.reporter_name == NAME
    assert list(r.events.values_list("status", flat=True)) == ["new"]
    audit = AuditEntry.objects.get(action="portal.report.submitted")
    assert NAME not in str(audit.after) and PHONE not in str(audit.after)


def test_same_key_returns_the_first_report(ops):
    a = reports.submit_report(**good())
    b = reports.submit_report(**good(description="different text, retried"))
    assert a.pk == b.pk and Report.objects.count() == 1


@pytest.mark.parametrize(
    "over",
    [
        {"key": "short"},
        {"category": "prank"},
        {"category": "pembunuhan"},
        {"category": ""},
        {"kind": "gossip"},
        {"description": "short"},
        {"description": "x" * 4001},
        {"lat": None, "lon": None},
        {"lat": "abc"},
        {"lat": -6.2088, "lon": 106.8456},  # outside the Polres area
        {"reporter_phone": "not-a-phone"},
        {"reporter_dob": "2999-01-01"},
        {"reporter_dob": "12/04/1990"},
        {"reporter_name": "n" * 121},
        {"rw": "abc", "lat": None, "lon": None, "address": "Margahayu, Bekasi Timur, Kota Bekasi"},
        {"photos": [("a.jpg", b"not a picture at all")]},
        {"photos": [("a.gif", b"GIF89a" + b"\x00" * 100)]},
        {"photos": [("x.jpg", b"")]},
        {"photos": [(f"p{i}.jpg", jpeg()) for i in range(4)]},
    ],
)
def test_bad_input_is_refused_and_stores_nothing(ops, over):
    with pytest.raises(Invalid):
        reports.submit_report(**good(**over))
    assert (
        Report.objects.count() == 0 and ReportPhoto.objects.count() == 0 and ReportEvent.objects.count() == 0
    )


def test_a_photo_over_5_mb_is_refused(ops):
    big = jpeg() + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(Invalid, match="5 MB"):
        reports.submit_report(**good(photos=[("big.jpg", big)]))
    assert Report.objects.count() == 0


def test_address_with_rt_rw_places_the_report(ops):
    from siaga.territory.models import Rt

    rt = Rt.objects.filter(kelurahan_id="32.75.01.1002").order_by("rw_number", "number").first()
    r = reports.submit_report(
        **good(
            lat=None,
            lon=None,
            address="Jl. Mawar 5, Margahayu, Bekasi Timur, Kota Bekasi",
            rw=rt.rw_number,
            rt=rt.number,
        )
    )
    assert (r.kelurahan_code, r.rw, r.rt) == ("32.75.01.1002", rt.rw_number, rt.number)
    assert r.lat == pytest.approx(rt.centroid_lat)


def _gps_of(data: bytes):
    from siaga.portal.photos import exif_gps

    return exif_gps(Image.open(io.BytesIO(data)))


def test_exif_location_is_stripped_without_consent(ops):
    raw = jpeg(gps=(P_S2[1], P_S2[0]))
    assert _gps_of(raw) is not None  # the fixture really carries GPS
    r = reports.submit_report(**good(photos=[("p.jpg", raw)]))
    ph = r.photos.get()
    stored = ph.file.read()
    assert _gps_of(stored) is None
    assert not Image.open(io.BytesIO(stored)).getexif()  # no EXIF at all (camera make gone too)
    assert not ph.gps_used and r.lat == pytest.approx(P_S1[1])


def test_exif_location_is_used_with_consent_when_no_place_given(ops):
    raw = jpeg(gps=(P_S2[1], P_S2[0]))
    r = reports.submit_report(**good(lat=None, lon=None, photos=[("p.jpg", raw)], use_photo_location=True))
    assert r.lat == pytest.approx(P_S2[1], abs=1e-5) and r.polsek_id == ops.s2.pk
    ph = r.photos.get()
    assert ph.gps_used and _gps_of(ph.file.read()) is None  # used, and still stripped from the file


def test_png_and_webp_are_accepted_by_content(ops):
    r = reports.submit_report(**good(photos=[("a.png", jpeg(fmt="PNG")), ("b.webp", jpeg(fmt="WEBP"))]))
    assert sorted(r.photos.values_list("content_type", flat=True)) == ["image/png", "image/webp"]


def test_without_identity_stores_no_identity(ops):
    r = reports.submit_report(**good(without_identity=True))
    assert not r.identified and (r.reporter_name, r.reporter_phone, r.reporter_dob) == ("", "", None)


def test_rate_limit_per_device(ops, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # a report counts once it is stored
        for n in range(5):
            reports.submit_report(**good(n, device="same"))
    with pytest.raises(TooMany):
        reports.submit_report(**good(99, device="same"))
    assert Report.objects.count() == 5


def test_refused_attempts_do_not_use_up_the_limit(ops, django_capture_on_commit_callbacks):
    """Counted up front, a citizen retrying through refusals that stored nothing (the server busy, a
    mistake in the form) was locked out for an hour with no report filed."""
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            with pytest.raises(Invalid):
                reports.submit_report(**good(1, device="same", description="short"))
        r = reports.submit_report(**good(1, device="same"))
    assert r.pk and Report.objects.count() == 1


def test_nearby_open_reports_within_50_m_same_group(ops):
    r = reports.submit_report(**good())
    near = reports.nearby_open(P_S1[1] + 0.0002, P_S1[0], "curat")  # ~22 m, same group (crime)
    assert [x["tracking_code"] for x in near] == [r.tracking_code]
    assert reports.nearby_open(P_S1[1] + 0.001, P_S1[0], "curat") == []  # ~110 m
    assert reports.nearby_open(P_S1[1], P_S1[0], "laka") == []  # another group
    assert "reporter" not in str(near).lower() and NAME not in str(near)


def test_tracking_codes_are_forgiving_to_type():
    assert normalise_code("abcd-efgh io") == "ABCDEFGH10"


# --- back office ----------------------------------------------------------------------------------


def test_accept_as_incident_creates_an_operations_room_incident(ops):
    r = reports.submit_report(**good())
    r = reports.accept(ops.u("operator"), r, mode="incident", version=r.version)
    assert r.status == "accepted" and r.incident is not None
    i = r.incident
    assert i.source == "report" and i.category == "curanmor" and r.tracking_code in i.summary
    assert i.polsek_id == ops.s1.pk


def test_accept_as_case_needs_a_class(ops):
    r = reports.submit_report(**good())
    with pytest.raises(Invalid):
        reports.accept(ops.u("operator"), r, mode="case", severity="hard")
    r = reports.accept(ops.u("operator"), r, mode="case", severity="sedang")
    assert r.status == "investigating" and r.severity == "sedang" and r.investigation_started_at


def test_reject_needs_a_reason_and_is_final(ops):
    r = reports.submit_report(**good())
    with pytest.raises(Invalid):
        reports.reject(ops.u("operator"), r, reason="   ")
    r = reports.reject(ops.u("operator"), r, reason="Bukan tindak pidana")
    assert r.status == "rejected"
    with pytest.raises(Invalid):
        reports.accept(ops.u("operator"), r)


def test_stale_version_is_a_conflict(ops):
    r = reports.submit_report(**good())
    reports.add_note(ops.u("operator"), r, note="Sedang dicek")
    with pytest.raises(Conflict):
        reports.accept(ops.u("operator"), r, version=1)


def test_staff_note_is_not_public(ops):
    r = reports.submit_report(**good())
    reports.add_note(ops.u("operator"), r, note="Pelapor kerabat tersangka", public=False)
    view = reports.public_view(r)
    assert "kerabat" not in str(view)


def test_read_gate_citizen_and_other_polsek(ops):
    from siaga.portal import selectors

    r1 = reports.submit_report(**good(1))
    r2 = reports.submit_report(**good(2, lat=P_S2[1], lon=P_S2[0]))
    assert list(selectors.report_queue(ops.u("citizen"))) == []
    assert list(selectors.report_queue(ops.u("disp_s1"))) == [r1]
    assert list(selectors.report_queue(ops.u("disp_s2"))) == [r2]
    assert list(selectors.report_queue(ops.u("other_disp"))) == []
    assert set(selectors.report_queue(ops.u("operator"))) == {r1, r2}
    with pytest.raises(NotFound):
        reports.accept(ops.u("citizen"), r1)
    with pytest.raises(Forbidden):
        reports.accept(ops.u("disp_s1"), r1)  # dispatchers see reports but do not accept them
    with pytest.raises(NotFound):
        selectors.report_for(ops.u("disp_s2"), r1.pk)
    assert Incident.objects.count() == 0


def test_identity_is_masked_for_roles_that_do_not_need_it(ops):
    from siaga.portal import selectors

    r = reports.submit_report(**good())
    full = selectors.reporter_identity(ops.u("operator"), r)
    masked = selectors.reporter_identity(ops.u("analyst"), r)
    assert full["name"] == NAME and full["phone"] == PHONE
    assert masked["masked"] and NAME not in str(masked) and PHONE not in str(masked)


# --- pages ----------------------------------------------------------------------------------------


def test_public_pages_never_show_the_reporter(client, ops):
    r = reports.submit_report(**good())
    reports.accept(ops.u("operator"), r, mode="case", severity="ringan")
    from siaga.portal import sp2hp

    sp2hp.issue_notice(ops.u("operator"), r, code="A1", text="Laporan Anda sedang kami teliti.")
    for url in ["/", "/darurat/", "/lapor/", "/lacak/", f"/lacak/{r.tracking_code}/", "/kantor-polisi/"]:
        html = client.get(url).content.decode()
        assert NAME not in html and PHONE not in html and "1990" not in html, url
    data = client.get(f"/api/portal/track/{r.tracking_code}").json()
    assert NAME not in str(data) and PHONE not in str(data)
    assert data["events"][-1]["sp2hp_code"] == "A1"
    assert "teliti" not in str(data)  # the notice text needs name + date of birth


def test_report_form_posts_without_script_and_redirects_to_tracking(client, ops):
    data = good()
    r = client.post("/lapor/", {k: v for k, v in data.items() if v is not None})
    assert r.status_code == 302 and r["Location"].startswith("/lacak/")
    code = r["Location"].split("/")[2]
    page = client.get(r["Location"]).content.decode()
    assert (code in page and "Diterima" in page) or "Received" in page


def test_report_form_errors_are_4xx_in_indonesian(client, ops):
    r = client.post("/lapor/", {**good(), "description": "short"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'role="alert"' in html and Report.objects.count() == 0


def test_api_report_multipart_is_idempotent_on_the_header(client, ops):
    data = {k: v for k, v in good().items() if k != "key"}
    h = {"HTTP_IDEMPOTENCY_KEY": "offline-queued-key-0001"}
    r1 = client.post("/api/portal/reports", {**data, "photos": io.BytesIO(jpeg())}, **h)
    assert r1.status_code == 201, r1.content
    r2 = client.post("/api/portal/reports", data, **h)
    assert r2.status_code == 200 and r2.json()["tracking_code"] == r1.json()["tracking_code"]
    assert Report.objects.count() == 1 and ReportPhoto.objects.count() == 1
    bad = client.post(
        "/api/portal/reports", {**data, "category": "nope"}, HTTP_IDEMPOTENCY_KEY="another-key-00000001"
    )
    assert bad.status_code == 400 and bad.json()["detail"]


def test_staff_pages_need_the_role(client, ops):
    r = reports.submit_report(**good())
    assert client.get("/staf/laporan/").status_code == 302  # login first
    client.force_login(ops.u("citizen"))
    assert client.get("/staf/laporan/").status_code == 403
    assert client.get(f"/staf/laporan/{r.pk}/").status_code == 403
    assert client.get("/api/portal/staff/reports").json() == []
    client.force_login(ops.u("operator"))
    page = client.get("/staf/laporan/").content.decode()
    assert r.tracking_code in page
    resp = client.post(f"/staf/laporan/{r.pk}/", {"action": "accept_incident", "version": r.version})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == "accepted" and r.incident_id
    client.force_login(ops.u("disp_s2"))
    assert client.get(f"/staf/laporan/{r.pk}/").status_code == 404


def test_identity_erasure_on_request(ops, client):
    r = reports.submit_report(**good())
    with pytest.raises(Forbidden):
        reports.erase_identity(ops.u("dispatcher"), r, reason="permintaan pelapor")
    with pytest.raises(Invalid):
        reports.erase_identity(ops.u("operator"), r, reason="")
    r = reports.erase_identity(ops.u("operator"), r, reason="permintaan pelapor")
    r.refresh_from_db()
    assert (r.reporter_name, r.reporter_phone, r.reporter_dob, r.identified) == ("", "", None, False)
    e = AuditEntry.objects.get(action="portal.report.identity_erased")
    assert NAME not in str(e.before) and NAME not in str(e.after)
