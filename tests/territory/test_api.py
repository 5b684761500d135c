import pytest
from shapely.geometry import shape

from siaga.core.context import acting
from siaga.territory import services
from siaga.territory.models import Region, Rt

from .conftest import KELURAHAN, TIMUR

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, analyst, timur):
    client.force_login(analyst)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/territory/areas?level=kecamatan",
        "/api/territory/search?q=Margahayu",
        "/api/territory/lookup?lat=-6.25&lon=107.0",
        "/api/territory/polsek",
    ],
)
def test_anonymous_gets_401(client, url):
    r = client.get(url)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"


def test_areas_kecamatan_and_kelurahan(api):
    fc = api.get("/api/territory/areas?level=kecamatan").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 12
    timur = next(f for f in fc["features"] if f["properties"]["code"] == TIMUR)
    p = timur["properties"]
    assert p["name"] == "Bekasi Timur" and p["level"] == "kecamatan" and p["parent"] == "32.75"
    assert p["children"] == {"kelurahan": 4, "rw": 20, "rt": 120} and p["population"] > 0
    assert timur["geometry"]["type"] in ("Polygon", "MultiPolygon") and p["area_km2"] > 1
    lon, lat = (
        timur["geometry"]["coordinates"][0][0][:2] if timur["geometry"]["type"] == "Polygon" else (107, -6)
    )
    assert 106 < lon < 108 and -7 < lat < -6  # [lon, lat] on the wire
    fc = api.get(f"/api/territory/areas?level=kelurahan&parent={TIMUR}").json()
    assert [f["properties"]["code"] for f in fc["features"]] == KELURAHAN
    assert all(f["properties"]["children"]["rt"] > 0 for f in fc["features"])


def test_areas_rw_and_rt(api):
    rws = api.get(f"/api/territory/areas?level=rw&parent={KELURAHAN[1]}").json()["features"]
    assert rws and all(f["properties"]["synthetic"] for f in rws)
    key = rws[0]["properties"]["code"]
    assert key == f"{KELURAHAN[1]}/001"
    rts = api.get(f"/api/territory/areas?level=rt&parent={key}").json()["features"]
    assert 5 <= len(rts) <= 7 and rts[0]["properties"]["code"] == f"{key}/001"
    assert rts[0]["properties"]["name"] == "RT 001/RW 001" and rts[0]["properties"]["population"] > 0
    all_rt = api.get(f"/api/territory/areas?level=rt&parent={KELURAHAN[1]}").json()["features"]
    assert len(all_rt) == Rt.objects.filter(kelurahan_id=KELURAHAN[1]).count()


def test_areas_rt_needs_parent(api):
    r = api.get("/api/territory/areas?level=rt", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and "needs a parent" in r.json()["detail"]
    assert api.get("/api/territory/areas?level=rt&parent=32.75.01.9999").status_code == 404
    assert api.get("/api/territory/areas?level=planet").status_code == 422


def test_search(api):
    hits = api.get("/api/territory/search?q=margahayu").json()
    assert hits[0]["code"] == KELURAHAN[1] and hits[0]["level"] == "kelurahan" and hits[0]["bbox"]
    hits = api.get("/api/territory/search?q=32.75.01").json()
    assert [h["code"] for h in hits][:2] == [TIMUR, KELURAHAN[0]]
    hits = api.get(f"/api/territory/search?q={KELURAHAN[1]}/002/003").json()
    assert [h["code"] for h in hits] == [f"{KELURAHAN[1]}/002/003"]
    hits = api.get("/api/territory/search?q=RT 3 RW 2 Margahayu").json()
    assert [h["code"] for h in hits] == [f"{KELURAHAN[1]}/002/003"] and hits[0]["synthetic"]
    hits = api.get("/api/territory/search?q=RT 003/RW 002 margahayu").json()
    assert [h["code"] for h in hits] == [f"{KELURAHAN[1]}/002/003"]
    hits = api.get("/api/territory/search?q=rw 1 margahayu").json()
    assert [h["code"] for h in hits] == [f"{KELURAHAN[1]}/001"]
    assert len(api.get("/api/territory/search?q=jati").json()) == 20  # capped
    assert api.get("/api/territory/search?q=x").json() == []


def test_lookup(api, polres):
    with acting(None):
        polsek = services.create_polsek(polres, "BT", "Polsek Bekasi Timur", region_codes=[TIMUR])
    p = shape(Region.objects.get(code=KELURAHAN[2]).geometry).representative_point()
    r = api.get(f"/api/territory/lookup?lat={p.y}&lon={p.x}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["kelurahan_code"] == KELURAHAN[2] and body["kelurahan_name"] == "Durenjaya"
    assert body["kecamatan_code"] == TIMUR and body["rt"] and body["rw"]
    assert body["polsek_id"] == polsek.pk and body["polsek_name"] == "Polsek Bekasi Timur"
    assert body["h3_cell"].startswith("89")


def test_lookup_outside_and_invalid(api):
    r = api.get("/api/territory/lookup?lat=-6.9&lon=107.6", HTTP_ACCEPT_LANGUAGE="en")  # Bandung
    assert r.status_code == 404 and r.json() == {"detail": "outside the Polres area", "code": "outside"}
    assert api.get("/api/territory/lookup?lat=-95&lon=107").status_code == 422
    assert api.get("/api/territory/lookup?lat=abc&lon=107").status_code == 422
    assert api.get("/api/territory/lookup?lon=107").status_code == 422
    assert api.get("/api/territory/lookup?lat=nan&lon=107").status_code in (400, 422)


def test_polsek_list(api, polres):
    with acting(None):
        a = services.create_polsek(polres, "BT", "Polsek Bekasi Timur", region_codes=[TIMUR])
        services.create_polsek(polres, "RL", "Polsek Rawalumbu", region_codes=["32.75.05", KELURAHAN[3]])
    items = api.get("/api/territory/polsek").json()
    by = {p["code"]: p for p in items}
    assert by["BT"]["id"] == a.pk and by["BT"]["areas"] == [
        {"code": TIMUR, "name": "Bekasi Timur", "level": "kecamatan"}
    ]
    assert by["BT"]["kelurahan"] == KELURAHAN[:3]  # the fourth is overridden by a kelurahan entry
    assert KELURAHAN[3] in by["RL"]["kelurahan"]
    fc = api.get("/api/territory/polsek/areas").json()
    assert {f["properties"]["code"] for f in fc["features"]} == {"BT", "RL"}


def test_page_renders(api):
    r = api.get("/territory/")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="territory-map"' in html and "territory.js" in html and "nonce=" in html
    assert "<script>" not in html  # no inline script without a nonce


def test_register_layers_are_offered_only_to_roles_that_may_read_them(client, analyst, timur):
    from siaga.accounts.services import create_user

    client.force_login(analyst)  # analysts read problems and potentials
    html = client.get("/territory/").content.decode()
    assert 'id="territory-problems"' in html and 'id="territory-potentials"' in html
    assert "/wilayah/masalah/peta/?format=geojson" in html
    with acting(None, "test"):
        lantas = create_user("lantas1", "kata-sandi-uji-9", "lantas", polres=analyst.polres)
    client.force_login(lantas)  # Sat Lantas reads neither register
    html = client.get("/territory/").content.decode()
    assert "territory-problems" not in html and "territory-potentials" not in html
    assert client.get("/wilayah/masalah/peta/?format=geojson").status_code == 403
