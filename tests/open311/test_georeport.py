"""GeoReport v2 at /open311/v2/: every endpoint in XML and JSON, checked against the spec's field lists;
POST through the portal's write path (one report, in the SPKT queue and at /lacak/<code>/), keys, bad
input with nothing stored, idempotent retries, and no reporter identity or sensitive position in GETs."""

from __future__ import annotations

import pytest
from lxml import etree

from siaga.core.models import AuditEntry
from siaga.open311.models import ApiKey, Submission
from siaga.portal import reports
from siaga.portal.models import Report

from ..cad.ops_fixtures import P_S1, P_S2
from .conftest import *  # noqa: F403

pytestmark = pytest.mark.django_db
B = "/open311/v2/"

# --- the spec's field lists (GeoReport v2, wiki.open311.org) -------------------------------------------
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
DEFINITION_FIELDS = {"service_code", "attributes"}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
VALUE_FIELDS = {"key", "name"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
POST_ANSWER_FIELDS = {"service_request_id", "service_notice", "account_id"}
ERROR_FIELDS = {"code", "description"}

NAME, PHONE = "Siti Rahmawati", "081377776666"
SECRET_TEXT = "Motor saya hilang di parkiran pasar pagi ini, rumah saya nomor 12."


def form(key: str, **over) -> dict:
    base = {
        "api_key": key,
        "service_code": "curanmor",
        "lat": str(P_S1[1]),
        "long": str(P_S1[0]),
        "description": SECRET_TEXT,
        "first_name": "Siti",
        "last_name": "Rahmawati",
        "phone": PHONE,
        "email": "siti@example.com",
        "device_id": "device-1",
        "attribute[kind]": "laporan",
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def xml(resp):
    assert resp["Content-Type"].startswith("text/xml") and "charset=utf-8" in resp["Content-Type"]
    assert resp.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return etree.fromstring(resp.content)  # raises on malformed XML


def children(el) -> set[str]:
    return {c.tag for c in el}


def is_iso_with_zone(s: str) -> bool:
    import datetime as dt

    return dt.datetime.fromisoformat(s).tzinfo is not None


def test_discovery_in_both_formats(client):
    j = client.get(B + "discovery.json")
    assert j.status_code == 200 and j["Content-Type"].startswith("application/json")
    d = j.json()
    assert set(d) == DISCOVERY_FIELDS and is_iso_with_zone(d["changeset"])
    (ep,) = d["endpoints"]
    assert set(ep) == ENDPOINT_FIELDS and set(ep["formats"]) == {"text/xml", "application/json"}
    assert ep["url"].endswith("/open311/v2/") and "GeoReport_v2" in ep["specification"]
    root = xml(client.get(B + "discovery.xml"))
    assert root.tag == "discovery" and children(root) == DISCOVERY_FIELDS
    endpoint = root.find("endpoints/endpoint")
    assert children(endpoint) == ENDPOINT_FIELDS
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]


def test_services_one_per_public_category(client):
    data = client.get(B + "services.json").json()
    assert [s["service_code"] for s in data] == list(reports.PUBLIC_CATEGORIES)
    for s in data:
        assert set(s) == SERVICE_FIELDS and s["type"] in {"realtime", "batch", "blackbox"}
        assert isinstance(s["metadata"], bool) and s["service_name"]
    meta = {s["service_code"]: s["metadata"] for s in data}
    assert meta["curanmor"] is True and meta["informasi"] is False
    root = xml(client.get(B + "services.xml"))
    assert root.tag == "services" and len(root) == len(reports.PUBLIC_CATEGORIES)
    for el in root:
        assert el.tag == "service" and children(el) == SERVICE_FIELDS
        assert el.findtext("metadata") in {"true", "false"}


def test_service_definition_in_both_formats(client):
    d = client.get(B + "services/curanmor.json").json()
    assert set(d) == DEFINITION_FIELDS and d["service_code"] == "curanmor"
    assert [a["order"] for a in d["attributes"]] == sorted(a["order"] for a in d["attributes"])
    for a in d["attributes"]:
        assert set(a) == ATTRIBUTE_FIELDS and a["datatype"] in DATATYPES and a["variable"] is True
        for v in a["values"]:
            assert set(v) == VALUE_FIELDS
    kind = next(a for a in d["attributes"] if a["code"] == "kind")
    assert {v["key"] for v in kind["values"]} == {"laporan", "pengaduan"}
    root = xml(client.get(B + "services/curanmor.xml"))
    assert root.tag == "service_definition" and children(root) == DEFINITION_FIELDS
    for a in root.findall("attributes/attribute"):
        assert children(a) == ATTRIBUTE_FIELDS
        for v in a.findall("values/value"):
            assert children(v) == VALUE_FIELDS
    assert client.get(B + "services/informasi.json").json()["attributes"] == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_in_the_spec_error_format(client, fmt):
    r = client.get(f"{B}services/nope.{fmt}")
    assert r.status_code == 404
    if fmt == "json":
        (e,) = r.json()
        assert set(e) == ERROR_FIELDS and e["code"] == 404 and "nope" in e["description"]
    else:
        root = xml(r)
        assert root.tag == "errors" and children(root.find("error")) == ERROR_FIELDS
        assert root.findtext("error/code") == "404"


def test_post_creates_exactly_one_report_in_the_spkt_queue_and_tracking(client, ops, api_key):
    k, clear = api_key
    r = client.post(B + "requests.json", form(clear))
    assert r.status_code == 201, r.content
    (ans,) = r.json()
    assert set(ans) == POST_ANSWER_FIELDS
    code = ans["service_request_id"]
    rep = Report.objects.get()
    assert rep.tracking_code == code and rep.category == "curanmor" and rep.kind == "laporan"
    assert rep.reporter_name == NAME and rep.reporter_phone == PHONE  # kept for staff with need
    sub = Submission.objects.get()
    assert sub.report == rep and sub.api_key == k
    k.refresh_from_db()
    assert k.last_used_at is not None
    assert AuditEntry.objects.filter(action="open311.request.submitted").count() == 1
    assert AuditEntry.objects.filter(action="portal.report.submitted").count() == 1
    client.force_login(ops.u("operator"))
    assert code in client.get("/staf/laporan/").content.decode()
    client.logout()
    page = client.get(f"/lacak/{code}/")
    assert page.status_code == 200 and code in page.content.decode()


def test_post_in_xml(client, api_key):
    r = client.post(B + "requests.xml", form(api_key[1], service_code="laka"))
    assert r.status_code == 201
    root = xml(r)
    assert root.tag == "service_requests" and children(root.find("request")) == POST_ANSWER_FIELDS
    assert Report.objects.get().tracking_code == root.findtext("request/service_request_id")


@pytest.mark.parametrize("bad", ["", "s311_wrong", "revoked"])
def test_bad_key_is_403_and_stores_nothing(client, api_key, bad):
    from siaga.open311 import keys

    key = bad
    if bad == "revoked":
        keys.revoke_key(None, api_key[0].pk, reason="leaked")
        key = api_key[1]
    for fmt in ("json", "xml"):
        r = client.post(f"{B}requests.{fmt}", form(key))
        assert r.status_code == 403
        desc = r.json()[0]["description"] if fmt == "json" else xml(r).findtext("error/description")
        assert "api_key" in desc
    assert Report.objects.count() == 0 and Submission.objects.count() == 0


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"service_code": "nope"}, "nope"),
        ({"service_code": "pembunuhan"}, "pembunuhan"),  # an emergency: not a public report category
        ({"lat": None, "long": None}, "lat"),
        ({"long": None}, "lat"),
        ({"lat": "abc"}, "lat"),
        ({"lat": "91.5"}, "lat"),
        ({"long": "1e3"}, "long"),
        ({"description": "short"}, ""),
        ({"description": "x" * 4001}, "description"),
        ({"email": "not-an-email"}, ""),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
        ({"attribute[kind]": "lainnya"}, "kind"),
        ({"attribute[colour]": "red"}, "colour"),
        ({"attribute[rw]": "abc"}, "rw"),
        ({"lat": "10.0", "long": "10.0"}, ""),  # outside the area this service covers
    ],
)
def test_missing_or_invalid_fields_are_400_and_store_nothing(client, api_key, over, field):
    r = client.post(B + "requests.json", form(api_key[1], **over))
    assert r.status_code == 400, r.content
    (e,) = r.json()
    assert set(e) == ERROR_FIELDS and e["code"] == 400 and field in e["description"]
    assert Report.objects.count() == 0 and Submission.objects.count() == 0


def test_errors_are_indonesian_by_default(client, api_key):
    r = client.post(B + "requests.json", form(api_key[1], lat=None, long=None))
    assert "Lokasi wajib" in r.json()[0]["description"]


def test_post_must_be_form_encoded(client, api_key):
    r = client.post(B + "requests.json", data=b"{}", content_type="application/json")
    assert r.status_code == 400 and Report.objects.count() == 0


def test_a_retry_does_not_duplicate(client, api_key):
    f = form(api_key[1])
    first = client.post(B + "requests.json", f).json()[0]["service_request_id"]
    again = client.post(B + "requests.json", f)
    assert again.status_code == 200 and again.json()[0]["service_request_id"] == first
    h = {"HTTP_X_IDEMPOTENCY_KEY": "app-retry-key-000000001"}
    a = client.post(
        B + "requests.json", form(api_key[1], description="Lain cerita, motor kedua hilang."), **h
    )
    b = client.post(
        B + "requests.json", form(api_key[1], description="Lain cerita, motor kedua hilang!"), **h
    )
    assert a.status_code == 201 and b.status_code == 200
    assert a.json()[0]["service_request_id"] == b.json()[0]["service_request_id"]
    assert Report.objects.count() == 2 and Submission.objects.count() == 2
    bad = client.post(B + "requests.json", form(api_key[1]), HTTP_X_IDEMPOTENCY_KEY="short")
    assert bad.status_code == 400 and Report.objects.count() == 2


def test_the_same_header_key_from_two_apps_makes_two_reports(client, ops, api_key):
    from siaga.open311 import keys

    _k2, other = keys.create_key(None, name="Aplikasi Lain", contact="x@y.example", polres=ops.polres)
    h = {"HTTP_X_IDEMPOTENCY_KEY": "shared-client-key-000001"}
    a = client.post(B + "requests.json", form(api_key[1]), **h).json()[0]["service_request_id"]
    b = client.post(B + "requests.json", form(other), **h).json()[0]["service_request_id"]
    assert a != b and Report.objects.count() == 2


def test_rate_limit_per_key(client, ops):
    from siaga.open311 import keys

    _k, clear = keys.create_key(None, name="Kecil", contact="k@k.example", polres=ops.polres, rate_per_hour=2)
    for n in range(2):
        r = client.post(B + "requests.json", form(clear, description=f"Kejadian nomor {n} di pasar."))
        assert r.status_code == 201
    r = client.post(B + "requests.json", form(clear, description="Kejadian nomor 3 di pasar."))
    assert r.status_code == 429 and r.json()[0]["code"] == 429 and Report.objects.count() == 2


def test_get_needs_no_key_and_shows_the_public_view_only(client, ops, api_key):
    c1 = client.post(B + "requests.json", form(api_key[1])).json()[0]["service_request_id"]
    c2 = client.post(
        B + "requests.json",
        form(
            api_key[1],
            service_code="laka",
            lat=str(P_S2[1]),
            long=str(P_S2[0]),
            description="Tabrakan dua motor.",
        ),
    ).json()[0]["service_request_id"]
    rep = Report.objects.get(tracking_code=c1)
    reports.add_note(ops.u("operator"), rep, note="Petugas sudah ke lokasi.")
    reports.add_note(ops.u("operator"), rep, note="Catatan internal penyidik.", public=False)
    for fmt in ("json", "xml"):
        for url in (f"{B}requests.{fmt}", f"{B}requests/{c1}.{fmt}", f"{B}requests/{c2}.{fmt}"):
            resp = client.get(url)
            assert resp.status_code == 200
            body = resp.content.decode()
            for secret in (NAME, "Siti", PHONE, "siti@example.com", "device-1", SECRET_TEXT[:20], "internal"):
                assert secret not in body, (url, secret)
            assert f"{P_S1[1]:.5f}"[:8] not in body  # no precise position of the theft
    rows = client.get(B + "requests.json").json()
    assert {r["service_request_id"] for r in rows} == {c1, c2}
    for r in rows:
        assert set(r) == REQUEST_FIELDS
        assert r["status"] == "open" and is_iso_with_zone(r["requested_datetime"])
        assert is_iso_with_zone(r["updated_datetime"]) and r["agency_responsible"].startswith("Polsek")
    theft = next(r for r in rows if r["service_request_id"] == c1)
    crash = next(r for r in rows if r["service_request_id"] == c2)
    assert theft["lat"] is None and theft["long"] is None  # crime: area only
    assert theft["status_notes"] == "Petugas sudah ke lokasi."
    assert crash["lat"] == round(P_S2[1], 3) and crash["long"] == round(P_S2[0], 3)  # ~100 m
    root = xml(client.get(B + "requests.xml"))
    assert root.tag == "service_requests" and len(root) == 2
    for el in root:
        assert el.tag == "request" and children(el) == REQUEST_FIELDS
    one = xml(client.get(f"{B}requests/{c1}.xml"))
    assert one.findtext("request/service_request_id") == c1 and one.findtext("request/lat") in (None, "")


def test_status_mapping_and_filters(client, ops, api_key):
    codes = []
    for n, svc in enumerate(["curanmor", "laka", "keributan"]):
        resp = client.post(
            B + "requests.json", form(api_key[1], service_code=svc, description=f"Kejadian ke {n} hari ini.")
        )
        codes.append(resp.json()[0]["service_request_id"])
    op = ops.u("operator")
    _r0, r1, r2 = (Report.objects.get(tracking_code=c) for c in codes)
    reports.reject(op, r1, reason="Bukan wewenang kepolisian.")
    reports.accept(op, r2, mode="incident")
    reports.close(op, r2, note="Selesai ditangani.")

    def ids(query: str) -> set[str]:
        return {r["service_request_id"] for r in client.get(B + "requests.json?" + query).json()}

    assert ids("status=open") == {codes[0]}
    assert ids("status=closed") == {codes[1], codes[2]}
    assert ids("service_code=laka") == {codes[1]}
    assert ids(f"service_request_id={codes[0]},{codes[2]}&status=open") == {
        codes[0],
        codes[2],
    }  # ids override
    assert ids("start_date=2020-01-01T00:00:00Z&end_date=2020-02-01T00:00:00Z") == set()
    one = client.get(f"{B}requests/{codes[2]}.json").json()[0]
    assert one["status"] == "closed" and one["status_notes"] == "Selesai ditangani."
    rejected = client.get(f"{B}requests/{codes[1]}.json").json()[0]
    assert rejected["status"] == "closed" and "Bukan wewenang" in rejected["status_notes"]


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=yesterday",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",  # > 90 days
        "start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "service_code=nope",
    ],
)
def test_bad_list_filters_are_4xx(client, query):
    r = client.get(B + "requests.json?" + query)
    assert r.status_code in (400, 404) and r.json()[0]["code"] == r.status_code


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404(client, fmt):
    r = client.get(f"{B}requests/ZZZZZZZZZZ.{fmt}")
    assert r.status_code == 404


def test_other_methods_are_refused(client):
    assert client.delete(B + "requests.json").status_code == 405
    assert client.post(B + "services.json").status_code == 405
    assert ApiKey.objects.count() == 0


def test_request_ids_are_read_as_people_type_them(client, api_key):
    code = client.post(B + "requests.json", form(api_key[1])).json()[0]["service_request_id"]
    typed = code.lower()
    assert client.get(f"{B}requests/{typed}.json").json()[0]["service_request_id"] == code
    rows = client.get(f"{B}requests.json?service_request_id={typed},ZZZZZZZZZZ").json()
    assert [r["service_request_id"] for r in rows] == [code]


def test_base_address_points_to_discovery(client):
    r = client.get(B)
    assert r.status_code == 302 and r["Location"].endswith("/open311/v2/discovery.json")
