"""Area and interest-group profiles: what each section holds, which sections a role gets, the area gate."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siaga.core.context import acting
from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.mapping import partners, potentials, problems, profile_areas, profiles
from siaga.territory.models import Rt
from tests.core.world import K1, K1B, K2

from .test_casefiles import incident

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
RT1 = f"{K1}/001/001"


@pytest.fixture
def area(w):
    b1, b2 = w.u("bhabin_k1"), w.u("bhabin_k2")
    Rt.objects.filter(kelurahan_id=K1).update(centroid_lat=-6.2, centroid_lon=106.98)
    with acting(b1, "t"):
        problems.create(b1, title="Sengketa lahan RT 1", kind="land", source="visit", rt_key=RT1)
        problems.create(
            b1, title="Parkir liar kelurahan", kind="other", source="visit", kelurahan_code=K1, level="AG"
        )
        potentials.create(b1, kind="activity", category="school", name="SMPN 5", kelurahan_code=K1)
        potentials.create(b1, kind="activity", category="market", name="Pasar Baru", rt_key=RT1)
        potentials.create(b1, kind="network", category="organisation", name="Paguyuban ojek pangkalan",
                          kelurahan_code=K1)  # fmt: skip
        partners.create(
            b1, kind="fkpm", name="FKPM Bintara", phone_number="0812-3000-4003", kelurahan_code=K1
        )
    with acting(b2, "t"):
        problems.create(b2, title="Tawuran Duren Jaya", kind="brawl", source="visit", kelurahan_code=K2)
    day = dt.timedelta(days=1)
    incident(w.tree, "I1", NOW - 2 * day, rw=1, rt=1, category="curat")
    incident(w.tree, "I2", NOW - 20 * day, category="curat")
    incident(w.tree, "I3", NOW - 40 * day, category="laka")
    incident(w.tree, "I4", NOW - 200 * day, category="laka")  # in the month chart, not the 90 days
    incident(w.tree, "I5", NOW - 2 * day, kel=K2)
    incident(w.tree, "I6", NOW - 400 * day, rw=1, rt=2)  # another RT, and older than the charts
    return w


def test_kelurahan_profile_as_commander(area):
    p = profiles.area_profile(area.u("commander"), "kelurahan", K1, now=NOW)
    assert p["area"]["name"] == "Bintara" and p["chain"]["polsek"] == "Polsek Bekasi Barat"
    assert p["chain"]["polres"] == "Polres Metro Bekasi Kota" and p["chain"]["kecamatan"] == "Bekasi Barat"
    assert p["incidents"]["total"] == 3
    assert {r["key"]: r["count"] for r in p["incidents"]["by_category"]} == {"curat": 2, "laka": 1}
    months = p["incidents"]["by_month"]
    assert len(months) == 12 and sum(r["count"] for r in months) == 4 and months[-1]["key"] == "2026-11"
    assert {r["title"] for r in p["problems"]["open"]} == {"Sengketa lahan RT 1", "Parkir liar kelurahan"}
    assert {r["key"]: r["count"] for r in p["problems"]["by_level"]} == {"PG": 1, "AG": 1, "GN": 0}
    assert len(p["potentials"]["items"]) == 3
    # the commander reads partners but does not keep them: contacts masked
    assert p["partners"]["masked"] and p["partners"]["items"][0]["phone"] != "0812-3000-4003"
    assert "casefiles" in p and "visits" in p and "risk" in p
    assert "kelurahan_wide" not in p
    kinds = {f["properties"]["kind"] for f in p["features"]["features"]}
    assert {"problem", "potential"} <= kinds  # drawn at the RT centroid (the kelurahan has none here)


def test_the_bhabin_sees_full_contacts_of_his_kelurahan_only(area):
    p = profiles.area_profile(area.u("bhabin_k1"), "kelurahan", K1, now=NOW)
    assert not p["partners"]["masked"] and p["partners"]["items"][0]["phone"] == "0812-3000-4003"
    assert p["chain"]["bhabinkamtibmas"] == ["bhabin_k1"]
    for level, key in (("kelurahan", K2), ("kelurahan", K1B), ("kecamatan", "32.75.02"), ("polsek", "S2")):
        with pytest.raises(NotFound):
            profiles.area_profile(area.u("bhabin_k1"), level, key, now=NOW)
    # his Polsek's profile opens, with only his kelurahan's records in it
    p = profiles.area_profile(area.u("bhabin_k1"), "polsek", "S1", now=NOW)
    assert "Tawuran Duren Jaya" not in {r["title"] for r in p["problems"]["open"]}


def test_rt_profile_holds_the_rt_and_counts_the_kelurahan_wide_records(area):
    p = profiles.area_profile(area.u("intelkam"), "rt", RT1, now=NOW)
    assert p["area"]["name"] == "RT 001/RW 001 Bintara"
    assert [r["title"] for r in p["problems"]["open"]] == ["Sengketa lahan RT 1"]
    assert [r["name"] for r in p["potentials"]["items"]] == ["Pasar Baru"]
    assert p["incidents"]["total"] == 1
    assert p["kelurahan_wide"]["problems"] == 1 and p["kelurahan_wide"]["partners"] == 1
    assert p["kelurahan_wide"]["url"] == f"/wilayah/profil/area/kelurahan/{K1}/"


def test_sections_a_role_may_not_see_are_absent(area):
    p = profiles.area_profile(area.u("operator"), "kelurahan", K1, now=NOW)
    assert {"incidents", "problems", "potentials", "risk"} <= set(p)
    assert not {"partners", "visits", "casefiles"} & set(p)
    p = profiles.area_profile(area.u("humas"), "kelurahan", K1, now=NOW)
    assert "partners" in p and not {"incidents", "problems", "potentials", "risk"} & set(p)
    with pytest.raises(Forbidden):
        profiles.area_profile(area.u("citizen"), "kelurahan", K1, now=NOW)


def test_bad_areas(area):
    with pytest.raises(Invalid):
        profiles.area_profile(area.u("commander"), "provinsi", "32", now=NOW)
    for level, key in (
        ("kelurahan", "32.75.01.9999"),
        ("rt", "nonsense"),
        ("rw", f"{K1}/009"),
        ("polsek", "X"),
    ):
        with pytest.raises(NotFound):
            profiles.area_profile(area.u("commander"), level, key, now=NOW)
    with pytest.raises(NotFound):  # Polres B's commander-less intelkam: another Polres's area
        profiles.area_profile(area.u("intelkam_b"), "kelurahan", K1, now=NOW)


def test_kecamatan_and_polsek_profiles(area):
    p = profiles.area_profile(area.u("commander"), "kecamatan", "32.75.01", now=NOW)
    assert p["incidents"]["total"] == 3 and len(p["problems"]["open"]) == 2
    p = profiles.area_profile(area.u("commander"), "polsek", "S2", now=NOW)
    assert p["incidents"]["total"] == 1 and [r["title"] for r in p["problems"]["open"]] == [
        "Tawuran Duren Jaya"
    ]


def test_group_profile_finds_places_and_what_is_near_them(area):
    g = profiles.group_profile(area.u("commander"), "schools", now=NOW)
    assert [r["name"] for r in g["places"]] == ["SMPN 5"]
    # placed at kelurahan level: every open problem and incident of the kelurahan is "near"
    assert {r["title"] for r in g["problems"]} == {"Sengketa lahan RT 1", "Parkir liar kelurahan"}
    assert g["incidents"]["total"] == 3
    t = profiles.group_profile(area.u("commander"), "transport", now=NOW)
    assert [r["name"] for r in t["places"]] == ["Paguyuban ojek pangkalan"]  # matched by name
    m = profiles.group_profile(area.u("commander"), "markets", now=NOW)
    # Pasar Baru is at RT 1: I1 (same RT) and I2, I3 (no RT: the whole kelurahan), not I5 (K2)
    assert [r["incidents"] for r in m["places"]] == [3]
    with pytest.raises(NotFound):
        profiles.group_profile(area.u("commander"), "casinos", now=NOW)
    with pytest.raises(Forbidden):
        profiles.group_profile(area.u("humas"), "schools", now=NOW)


def test_group_profile_uses_300_m_between_points(w):
    b1 = w.u("bhabin_k1")
    from siaga.mapping.models import Potential

    Potential.objects.create(polres=w.tree.a, polsek=w.tree.s1, kelurahan_code=K1, lat=-6.2, lon=106.98,
                             kind="activity", category="school", name="SDN 1", created_at=NOW)  # fmt: skip
    incident(w.tree, "NEAR", NOW - dt.timedelta(days=1), lat=-6.2018, lon=106.98)  # ~200 m
    incident(w.tree, "FAR", NOW - dt.timedelta(days=1), lat=-6.2050, lon=106.98)  # ~550 m
    g = profiles.group_profile(b1, "schools", now=NOW)
    assert [i["number"] for i in g["incidents"]["recent"]] == ["NEAR"]
    assert not g["places"][0]["approx"]


def test_pages_and_api(client, area):
    client.force_login(area.u("commander"))
    r = client.get(f"/wilayah/profil/area/kelurahan/{K1}/")
    assert (
        r.status_code == 200 and "Bintara" in r.content.decode() and 'id="profile-map"' in r.content.decode()
    )
    assert client.get(f"/wilayah/profil/area/rt/{RT1}/").status_code == 200
    assert client.get("/wilayah/profil/area/kelurahan/32.75.01.9999/").status_code == 404
    assert client.get("/wilayah/profil/kelompok/schools/").status_code == 200
    assert client.get("/wilayah/profil/kelompok/nope/").status_code == 404
    assert client.get("/wilayah/profil/").status_code == 200
    r = client.get(f"/api/mapping/profiles/area/rt/{RT1}")
    assert r.status_code == 200 and r.json()["area"]["key"] == RT1
    assert client.get("/api/mapping/profiles/area/provinsi/32").status_code == 400
    assert client.get("/api/mapping/profiles/groups/markets").json()["places"][0]["name"] == "Pasar Baru"
    client.force_login(area.u("citizen"))
    assert client.get(f"/wilayah/profil/area/kelurahan/{K1}/").status_code == 403
    assert client.get(f"/api/mapping/profiles/area/kelurahan/{K1}").status_code == 403


def test_patrol_plans_touching_the_area(area):
    from siaga.analytics.models import PatrolPlan, PatrolPlanItem

    plan = PatrolPlan.objects.create(
        polres=area.tree.a, polsek=area.tree.s1, date=NOW.date(), shift="malam", starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=8), method="kde", created_at=NOW,
    )  # fmt: skip
    PatrolPlanItem.objects.create(
        plan=plan, rank=1, cell_key="32748:250:1:1", rt_key=RT1, kelurahan_code=K1, lat=-6.2, lon=106.98,
        polygon={}, intensity=0.4, score=2.0, planned_minutes=30,
    )  # fmt: skip
    p = profiles.area_profile(area.u("kabag_ops"), "kelurahan", K1, now=NOW)
    assert [x["id"] for x in p["patrols"]] == [plan.pk] and p["patrols"][0]["url"].endswith(f"/{plan.pk}/")
    assert [x["id"] for x in profiles.area_profile(area.u("kabag_ops"), "rt", RT1, now=NOW)["patrols"]] == [
        plan.pk
    ]
    assert profiles.area_profile(area.u("kabag_ops"), "kelurahan", K2, now=NOW)["patrols"] == []
    assert "patrols" not in profiles.area_profile(area.u("intelkam"), "kelurahan", K1, now=NOW)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=st.sampled_from(["rt", "rw", "kelurahan", "kecamatan", "polsek"]), key=st.text(max_size=40))
def test_any_area_key_is_found_or_refused_cleanly(w, level, key):
    try:
        area = profile_areas.resolve(level, key)
    except NotFound:
        return
    assert area.level == level and area.polres is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rw=st.integers(0, 999), rt=st.integers(0, 999), pad=st.booleans())
def test_rt_keys_resolve_with_or_without_zero_padding(w, rw, rt, pad):
    key = f"{K1}/{rw:03d}/{rt:03d}" if pad else f"{K1}/{rw}/{rt}"
    if (rw, rt) == (1, 1):
        assert profile_areas.resolve("rt", key).key == RT1
    else:
        with pytest.raises(NotFound):
            profile_areas.resolve("rt", key)
