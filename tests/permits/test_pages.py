"""Pages and the JSON API: public forms (refusal reasons shown in Indonesian with the article, nothing
stored), the public status page (no personal data; the owner's private code opens corrections, cancel and
the PDF), the verification page, staff pages and API by role (roles that must not see get 403/404)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from siaga.permits import submit, workflow
from siaga.permits.models import Request, Slot

from .conftest import *  # noqa: F403
from .conftest import NEAR_MILITARY, demo_fields, key, sktlk_fields, working_day
from .qr import pdf_text, qr_modules_for, qr_modules_in_pdf, verification_url

pytestmark = pytest.mark.django_db


def post_form(client, path, fields, k=None):
    data = {k_: v for k_, v in fields.items() if k_ != "items"}
    for i, item in enumerate(fields.get("items", []), 1):
        data[f"item_kind_{i}"], data[f"item_id_{i}"] = item["kind"], item["identifier"]
    return client.post(path, {**data, "key": k or key(1)})


def test_the_index_and_each_form_render_in_indonesian(pw, client):
    r = client.get("/layanan/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Layanan online" in html
    for path in ("sktlk", "skck", "keramaian", "unjuk-rasa"):
        assert f"/layanan/{path}/" in html
        page = client.get(f"/layanan/{path}/")
        assert page.status_code == 200 and 'name="key"' in page.content.decode()
    assert client.get("/layanan/paspor/").status_code == 404


def test_an_sktlk_form_post_redirects_to_the_status_page_with_the_private_code(pw, client):
    r = post_form(client, "/layanan/sktlk/", sktlk_fields())
    assert r.status_code == 302
    req = Request.objects.get()
    assert r["Location"].startswith(f"/layanan/status/{req.tracking_code}/?s=")
    page = client.get(r["Location"]).content.decode()
    assert req.tracking_code in page and "Kode pribadi" in page
    # a retry of the same form (same key) does not duplicate
    assert post_form(client, "/layanan/sktlk/", sktlk_fields()).status_code == 302
    assert Request.objects.count() == 1


def test_a_late_demonstration_notice_is_refused_with_the_legal_reason_in_indonesian(pw, client):
    start = timezone.localtime() + dt.timedelta(hours=30)
    fields = demo_fields(
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    r = post_form(client, "/layanan/unjuk-rasa/", fields)
    assert r.status_code == 400
    html = r.content.decode()
    assert "selambat-lambatnya 3 x 24 jam sebelum kegiatan (UU 9/1998 Pasal 10 ayat 3)" in html
    assert Request.objects.count() == 0
    assert 'value="Bambang Sutrisno"' in html  # the form keeps what was typed


def test_a_notice_near_a_military_site_is_refused_with_the_distance_rule(pw, client):
    r = post_form(client, "/layanan/unjuk-rasa/", demo_fields(lat=NEAR_MILITARY[0], lon=NEAR_MILITARY[1]))
    assert r.status_code == 400 and "Makodim 0507" in r.content.decode() and "150 m" in r.content.decode()


def test_public_forms_need_csrf(pw):
    c = Client(enforce_csrf_checks=True)
    assert post_form(c, "/layanan/sktlk/", sktlk_fields()).status_code == 403
    assert Request.objects.count() == 0


def test_the_public_status_page_shows_status_and_reasons_only(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    workflow.reject(pw.u("operator"), s.request.pk, reason="Laporan ganda untuk kehilangan yang sama.")
    html = client.get(f"/layanan/status/{s.request.tracking_code.lower()}/").content.decode()
    assert "Ditolak" in html and "Laporan ganda untuk kehilangan yang sama." in html
    for private in ("Siti", "3275014512900001", "siti1@contoh.id", "081377776666", "Pasar Baru", "Dompet"):
        assert private not in html
    assert client.get("/layanan/status/ZZZZZZZZZZ/").status_code == 404


def test_the_owner_corrects_cancels_and_downloads_with_the_private_code(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    code = s.request.tracking_code
    workflow.ask_fix(pw.u("operator"), s.request.pk, message="Nomor ATM belum lengkap.")
    # wrong private code: no correction form, a clear 403
    r = client.post(f"/layanan/status/{code}/", {"s": "WRONG", "action": "open"})
    assert r.status_code == 403 and "Kode pribadi tidak cocok" in r.content.decode()
    html = client.get(f"/layanan/status/{code}/?s={s.secret}").content.decode()
    assert "Nomor ATM belum lengkap." in html and 'value="fix"' in html
    fields = sktlk_fields(items=[{"kind": "atm", "identifier": "5221 8400 1234"}])
    data = {k: v for k, v in fields.items() if k != "items"}
    r = client.post(
        f"/layanan/status/{code}/",
        {**data, "item_kind_1": "atm", "item_id_1": "5221 8400 1234", "s": s.secret, "action": "fix"},
    )
    assert r.status_code == 302
    assert Request.objects.get().status == "submitted"
    assert client.get(f"/layanan/status/{code}/surat.pdf?s={s.secret}").status_code == 404  # no letter yet
    workflow.approve(pw.u("operator"), s.request.pk)
    assert client.get(f"/layanan/status/{code}/surat.pdf?s=WRONG").status_code == 403
    pdf = client.get(f"/layanan/status/{code}/surat.pdf?s={s.secret}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    url = verification_url(pdf.content)
    assert url.startswith("http://testserver/verifikasi/")
    assert qr_modules_in_pdf(pdf.content) == qr_modules_for(url)
    assert Request.objects.get().letter_number in pdf_text(pdf.content)


def test_the_verification_page_states(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    r = workflow.approve(pw.u("operator"), s.request.pk)
    html = client.get(f"/verifikasi/{r.verify_code}/").content.decode()
    assert "Berlaku" in html and "S*** A*****" in html and "KTP" in html and "Siti" not in html
    Request.objects.filter(pk=r.pk).update(valid_until=timezone.now() - dt.timedelta(minutes=1))
    assert "Kedaluwarsa" in client.get(f"/verifikasi/{r.verify_code}/").content.decode()
    workflow.revoke(pw.u("operator"), r.pk, reason="Dokumen ditemukan kembali.")
    html = client.get(f"/verifikasi/{r.verify_code}/").content.decode()
    assert "Dicabut" in html and "Dokumen ditemukan kembali." in html
    bad = client.get("/verifikasi/NOTAREALCODE/")
    assert bad.status_code == 404 and "Tidak ada surat" in bad.content.decode()


def test_skck_page_lists_free_slots_and_books(pw, client):
    from siaga.permits import slots

    made = slots.create_schedule(
        pw.u("intelkam"),
        polres=pw.tree.a,
        date_from=working_day(1),
        date_to=working_day(1),
        times=["08:00"],
        capacity=1,
    )
    html = client.get("/layanan/skck/").content.decode()
    assert "Rp30.000" in html and f'value="{made[0].pk}"' in html
    fields = {
        "name": "Budi Santoso",
        "nik": "3275010101850002",
        "email": "budi@contoh.id",
        "slot": made[0].pk,
        "dob": "1985-01-01",
        "purpose": "pekerjaan",
        "key": key(1),
    }
    assert client.post("/layanan/skck/", fields).status_code == 302
    assert Slot.objects.get().booked == 1
    assert (
        f'value="{made[0].pk}"' not in client.get("/layanan/skck/").content.decode()
    )  # full: no longer offered
    r = client.post("/layanan/skck/", {**fields, "key": key(2), "nik": "3275010101850003"})
    assert r.status_code == 409 and "penuh" in r.content.decode()


# --- API ----------------------------------------------------------------------------------------------------


def api_post(client, path, body, **headers):
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def test_api_create_is_idempotent_and_status_is_public(pw, client):
    body = {"kind": "sktlk", "key": key(1), "fields": sktlk_fields()}
    a = api_post(client, "/api/permits/requests", body)
    b = api_post(client, "/api/permits/requests", body)
    assert a.status_code == 201 and b.status_code == 200
    assert a.json() == b.json() and Request.objects.count() == 1
    code = a.json()["tracking_code"]
    st = client.get(f"/api/permits/status/{code}").json()
    assert st["status"] == "submitted" and "fix_message" not in st and "Siti" not in json.dumps(st)
    head = api_post(
        client,
        "/api/permits/requests",
        {"kind": "sktlk", "fields": sktlk_fields(2)},
        HTTP_IDEMPOTENCY_KEY=key(2),
    )
    assert head.status_code == 201


def test_api_refusal_lists_every_reason(pw, client):
    start = timezone.localtime() + dt.timedelta(hours=5)
    fields = demo_fields(
        lat=NEAR_MILITARY[0],
        lon=NEAR_MILITARY[1],
        starts_at=start.replace(hour=20, minute=0).isoformat(),
        ends_at=start.replace(hour=23, minute=0).isoformat(),
    )
    r = api_post(client, "/api/permits/requests", {"kind": "unjuk_rasa", "key": key(1), "fields": fields})
    assert r.status_code == 400
    rules_ = {x["rule"] for x in r.json()["reasons"]}
    assert {"demo_lead_time", "demo_hours", "demo_place"} <= rules_
    assert Request.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "passport", "key": key(1), "fields": {}},
        {"kind": "sktlk", "key": "short", "fields": sktlk_fields()},
        {"kind": "sktlk", "key": key(1), "fields": sktlk_fields(nik="x")},
        {"kind": "sktlk", "key": key(1)},
    ],
)
def test_api_bad_input_is_4xx_and_stores_nothing(pw, client, body):
    r = api_post(client, "/api/permits/requests", body)
    assert 400 <= r.status_code < 500 and Request.objects.count() == 0


def test_api_resubmit_cancel_and_verify(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    code = s.request.tracking_code
    assert (
        api_post(
            client, f"/api/permits/requests/{code}/resubmit", {"secret": s.secret, "fields": sktlk_fields()}
        ).status_code
        == 400
    )
    assert api_post(client, f"/api/permits/requests/{code}/cancel", {"secret": "nope"}).status_code == 403
    mine = api_post(client, f"/api/permits/requests/{code}/mine", {"secret": s.secret}).json()
    assert mine["tracking_code"] == code
    r = workflow.approve(pw.u("operator"), s.request.pk)
    v = client.get(f"/api/permits/verify/{r.verify_code}").json()
    assert v["state"] == "valid" and v["holder"] == "S*** A*****"
    assert client.get("/api/permits/verify/XXXX").status_code == 404


def test_api_staff_queue_and_transitions_by_role(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    pk = s.request.pk
    assert client.get("/api/permits/staff/requests").status_code == 401
    client.force_login(pw.u("dispatcher"))
    assert client.get("/api/permits/staff/requests").json() == []
    assert api_post(client, f"/api/permits/staff/requests/{pk}/review", {}).status_code == 404
    client.force_login(pw.u("intelkam"))
    assert client.get("/api/permits/staff/requests").json() == []
    assert api_post(client, f"/api/permits/staff/requests/{pk}/review", {}).status_code == 403
    client.force_login(pw.u("operator"))
    rows = client.get("/api/permits/staff/requests?kind=sktlk").json()
    assert [r["id"] for r in rows] == [pk]
    assert (
        api_post(client, f"/api/permits/staff/requests/{pk}/revoke", {"reason": "tidak sah lagi"}).status_code
        == 400
    )
    ok = api_post(client, f"/api/permits/staff/requests/{pk}/approve", {"signer_name": "AKP Rahmat"})
    assert ok.status_code == 200 and ok.json()["letter_number"].startswith("SKTLK/")
    detail = client.get(f"/api/permits/staff/requests/{pk}").json()
    assert detail["nik"] == "3275014512900001"


def test_api_slots(pw, client):
    client.force_login(pw.u("intelkam"))
    body = {
        "date_from": str(working_day(1)),
        "date_to": str(working_day(2)),
        "times": ["08:00"],
        "capacity": 2,
    }
    r = api_post(client, "/api/permits/staff/slots", body)
    assert r.status_code == 201 and len(r.json()) == 2
    client.force_login(pw.u("operator"))
    assert api_post(client, "/api/permits/staff/slots", body).status_code == 403
    assert len(client.get("/api/permits/staff/slots").json()) == 2
    client.logout()
    public = client.get("/api/permits/slots").json()
    assert len(public) == 2 and public[0]["free"] == 2


# --- staff pages ---------------------------------------------------------------------------------------


def test_staff_pages_by_role(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    d = submit.submit(kind="unjuk_rasa", key=key(2), fields=demo_fields(2))
    assert client.get("/staf/layanan/").status_code == 302  # to the login
    for name in ("dispatcher", "humas", "analyst"):
        client.force_login(pw.u(name))
        assert client.get("/staf/layanan/").status_code == 403
        assert client.get(f"/staf/layanan/{s.request.pk}/").status_code == 403
    client.force_login(pw.u("operator"))
    html = client.get("/staf/layanan/").content.decode()
    assert s.request.tracking_code in html and d.request.tracking_code not in html
    assert client.get(f"/staf/layanan/{d.request.pk}/").status_code == 404
    page = client.get(f"/staf/layanan/{s.request.pk}/").content.decode()
    assert "3275014512900001" in page and 'value="approve"' in page
    client.force_login(pw.u("intelkam_b"))
    assert client.get(f"/staf/layanan/{d.request.pk}/").status_code == 404
    client.force_login(pw.u("intelkam"))
    html = client.get("/staf/layanan/?jenis=unjuk_rasa").content.decode()
    assert d.request.tracking_code in html


def test_staff_page_actions(pw, client):
    s = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields())
    pk = s.request.pk
    client.force_login(pw.u("operator"))
    bad = client.post(f"/staf/layanan/{pk}/", {"action": "reject", "reason": ""})
    assert bad.status_code == 400 and Request.objects.get().status == "submitted"
    assert client.post(f"/staf/layanan/{pk}/", {"action": "review"}).status_code == 302
    assert (
        client.post(f"/staf/layanan/{pk}/", {"action": "approve", "signer_name": "AKP Rahmat"}).status_code
        == 302
    )
    r = Request.objects.get()
    assert r.status == "approved"
    pdf = client.get(f"/staf/layanan/{pk}/surat.pdf")
    assert pdf.status_code == 200 and r.letter_number in pdf_text(pdf.content)
    assert (
        client.post(f"/staf/layanan/{pk}/", {"action": "revoke", "reason": "Dokumen ditemukan."}).status_code
        == 302
    )
    assert Request.objects.get().status == "revoked"
    assert client.post(f"/staf/layanan/{pk}/", {"action": "explode"}).status_code == 403
    client.force_login(pw.u("intelkam"))
    assert client.get(f"/staf/layanan/{pk}/surat.pdf").status_code == 404


def test_staff_slot_schedule_page(pw, client):
    client.force_login(pw.u("intelkam"))
    r = client.post(
        "/staf/layanan/jadwal-skck/",
        {
            "date_from": str(working_day(1)),
            "date_to": str(working_day(2)),
            "times": "08:00, 10:00",
            "capacity": "3",
        },
    )
    assert r.status_code == 302 and Slot.objects.count() == 4
    assert "4 jadwal diterbitkan" in client.get(r["Location"]).content.decode()
    bad = client.post("/staf/layanan/jadwal-skck/", {"date_from": "x", "date_to": "y", "times": "08:00"})
    assert bad.status_code == 400
    client.force_login(pw.u("operator"))
    page = client.get("/staf/layanan/jadwal-skck/")
    assert page.status_code == 200 and 'name="times"' not in page.content.decode()
    assert (
        client.post(
            "/staf/layanan/jadwal-skck/",
            {"date_from": str(working_day(1)), "date_to": str(working_day(1)), "times": "13:00"},
        ).status_code
        == 403
    )
    client.force_login(pw.u("dispatcher"))
    assert client.get("/staf/layanan/jadwal-skck/").status_code == 403
    assert re.search(r"\d", "1")


@pytest.mark.parametrize("kind", ["unjuk_rasa", "keramaian"])
def test_the_correction_form_is_prefilled_and_resubmits(pw, client, kind):
    from siaga.permits.forms import form_values

    from .conftest import crowd_fields

    fields = demo_fields() if kind == "unjuk_rasa" else crowd_fields()
    s = submit.submit(kind=kind, key=key(1), fields=fields)
    workflow.ask_fix(pw.u("intelkam"), s.request.pk, message="Lengkapi data penyelenggara.")
    html = client.get(f"/layanan/status/{s.request.tracking_code}/?s={s.secret}").content.decode()
    assert "Lengkapi data penyelenggara." in html and 'value="Siti Aminah"' in html
    values = form_values(Request.objects.get())
    r = client.post(f"/layanan/status/{s.request.tracking_code}/", {**values, "s": s.secret, "action": "fix"})
    assert r.status_code == 302
    assert Request.objects.get().status == "submitted"
