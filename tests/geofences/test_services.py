"""Fence and rule writes: bad polygons and bad rules are refused with a 4xx and store nothing; writes
are audited, scoped to the actor's area and move the fence stamp."""

from __future__ import annotations

import json

import pytest

from siaga.core import audit
from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from siaga.core.models import AuditEntry
from siaga.geofences import polygons, selectors, services
from siaga.geofences.models import Geofence, GeofenceRule
from siaga.territory.models import Region, Stamp

from .conftest import square

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[107.0, -6.2], [107.1, -6.3], [107.1, -6.2], [107.0, -6.3], [107.0, -6.2]]],
}


def many_vertices(n: int) -> dict:
    import math

    ring = [
        [107.0 + 0.01 * math.cos(2 * math.pi * i / n), -6.24 + 0.01 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


BAD = {
    "self-intersecting": BOWTIE,
    "out of range": square(lon=200.0),
    "lat/lon swapped": {
        "type": "Polygon",
        "coordinates": [[[-6.2, 107.0], [-6.3, 107.0], [-6.3, 107.1], [-6.2, 107.0]]],
    },
    "outside Indonesia": square(lon=2.35, lat=48.85),
    "too many vertices": many_vertices(polygons.MAX_VERTICES + 10),
    "a point": {"type": "Point", "coordinates": [107.0, -6.24]},
    "a line": {"type": "LineString", "coordinates": [[107.0, -6.24], [107.1, -6.24]]},
    "not JSON": "{polygon",
    "empty text": "",
    "a list": [[107.0, -6.24]],
    "too few positions": {"type": "Polygon", "coordinates": [[[107.0, -6.2], [107.1, -6.2], [107.0, -6.2]]]},
    "no coordinates": {"type": "Polygon", "coordinates": []},
    "strings": {"type": "Polygon", "coordinates": [[["a", "b"], ["c", "d"], ["e", "f"], ["a", "b"]]]},
    "infinite": {
        "type": "Polygon",
        "coordinates": [[[1e400, -6.2], [107.1, -6.2], [107.1, -6.3], [1e400, -6.2]]],
    },
    "zero area": {
        "type": "Polygon",
        "coordinates": [[[107.0, -6.2], [107.1, -6.2], [107.2, -6.2], [107.0, -6.2]]],
    },
    "feature without geometry": {"type": "Feature", "properties": {}},
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_polygons_are_refused_and_nothing_is_stored(w, case):
    before = AuditEntry.objects.count()
    with pytest.raises(Invalid) as e:
        services.create_fence(w.u("kabag_ops"), name="Zona", kind="custom", geometry=BAD[case])
    assert e.value.status == 400 and e.value.field == "geometry" and e.value.message
    assert not Geofence.objects.exists() and AuditEntry.objects.count() == before
    assert not Stamp.objects.filter(key__startswith="geofences.").exists()


def test_vertex_limit_message_names_the_limit(w):
    with pytest.raises(Invalid, match=str(polygons.MAX_VERTICES)):
        polygons.parse(many_vertices(polygons.MAX_VERTICES + 1))
    assert (
        polygons.vertex_count(polygons.parse(many_vertices(polygons.MAX_VERTICES - 2)))
        == polygons.MAX_VERTICES - 1
    )


def test_fence_outside_the_polres_box_is_refused(w):
    Region.objects.filter(pk=w.tree.a.region_id).update(
        min_lon=106.9, min_lat=-6.4, max_lon=107.1, max_lat=-6.1
    )
    with pytest.raises(Invalid, match="outside the Polres"):
        services.create_fence(w.u("kabag_ops"), name="Jauh", kind="custom", geometry=square(lon=108.5))
    f = services.create_fence(w.u("kabag_ops"), name="Dekat", kind="custom", geometry=square(lon=107.1))
    assert f.pk  # a little past the border is allowed


def test_create_stores_columns_audits_and_moves_the_stamp(w):
    feature = {"type": "Feature", "properties": {}, "geometry": square()}
    f = services.create_fence(
        w.u("kabag_ops"), name="  Stadion   Patriot ", kind="event_zone", geometry=json.dumps(feature),
        polsek=w.tree.s1.pk, active_from="2026-11-01T08:00", active_until="2026-11-01T12:00",
    )  # fmt: skip
    assert f.name == "Stadion Patriot" and f.polres == w.tree.a and f.polsek == w.tree.s1
    assert f.vertices == 5 and f.min_lon == pytest.approx(106.99) and 4.0e6 < f.area_m2 < 5.5e6
    assert f.active_from.isoformat() == "2026-11-01T08:00:00+00:00"
    assert AuditEntry.objects.filter(action="geofences.geofence.created", object_id=str(f.pk)).exists()
    assert Stamp.objects.get(key=f"geofences.{w.tree.a.pk}").version == 1
    assert audit.verify().ok


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "x"),
        ("kind", "prison"),
        ("polsek", 999999),
        ("active_from", "tomorrow"),
        ("active_until", "2026-10-01T00:00"),
    ],
)
def test_bad_fence_fields(w, field, value):
    data = {
        "name": "Zona",
        "kind": "custom",
        "geometry": square(),
        "active_from": "2026-11-01T08:00",
        field: value,
    }
    with pytest.raises(Invalid) as e:
        services.create_fence(w.u("kabag_ops"), **data)
    assert e.value.field == field and not Geofence.objects.exists()


def test_duplicate_active_name_conflicts_but_a_deactivated_one_frees_it(w):
    k = w.u("kabag_ops")
    f = services.create_fence(k, name="Zona", kind="custom", geometry=square())
    with pytest.raises(Conflict):
        services.create_fence(k, name="zona", kind="custom", geometry=square())
    services.deactivate_fence(k, f.pk)
    assert services.create_fence(k, name="Zona", kind="custom", geometry=square()).pk != f.pk


def test_who_may_draw(w):
    for name in ("operator", "analyst", "bhabin"):
        with pytest.raises(Forbidden):
            services.create_fence(w.u(name), name="Zona", kind="custom", geometry=square())
    assert services.create_fence(w.u("lantas"), name="Jalur", kind="custom", geometry=square()).pk
    f = services.create_fence(w.u("kabag_ops_b"), name="Zona B", kind="custom", geometry=square())
    assert f.polres == w.tree.b
    with pytest.raises(NotFound):
        services.update_fence(w.u("kabag_ops"), f.pk, name="Milik A")  # another Polres's fence
    with pytest.raises(Invalid):
        services.create_fence(w.u("admin"), name="Zona", kind="custom", geometry=square())  # which Polres?
    assert services.create_fence(
        w.u("admin"), name="Zona", kind="custom", geometry=square(), polres=w.tree.a.pk
    )


def test_update_checks_version_and_polygon(w):
    k = w.u("kabag_ops")
    f = services.create_fence(k, name="Zona", kind="custom", geometry=square())
    with pytest.raises(Conflict):
        services.update_fence(k, f.pk, name="Zona baru", version=f.version + 1)
    with pytest.raises(Invalid):
        services.update_fence(k, f.pk, geometry=BOWTIE)
    f.refresh_from_db()
    assert f.name == "Zona" and f.version == 1
    f = services.update_fence(k, f.pk, geometry=square(half=0.02), version=1, active_until="2026-12-01T00:00")
    assert f.version == 2 and f.min_lon == pytest.approx(106.98) and f.active_until is not None
    f = services.update_fence(k, f.pk, active_until=None)
    assert f.active_until is None
    entry = AuditEntry.objects.filter(action="geofences.geofence.changed").order_by("-pk").first()
    assert entry.before["version"] == 2 and entry.after["version"] == 3


def test_rules_validate_and_are_audited(w):
    k = w.u("kabag_ops")
    f = services.create_fence(k, name="Zona", kind="custom", geometry=square())
    for bad in (
        {"trigger": "linger"},
        {"trigger": "dwell"},  # no minutes
        {"trigger": "dwell", "dwell_minutes": -3},
        {"trigger": "enter", "unit_kinds": ["tank"]},
        {"trigger": "enter", "units": [w.unit_b.pk]},  # a unit of another Polres
        {"trigger": "enter", "units": ["R4-01"]},
        {"trigger": "enter", "severity": "apocalyptic"},
        {"trigger": "enter", "quiet_minutes": "soon"},
    ):
        with pytest.raises(Invalid):
            services.add_rule(k, f.pk, **bad)
    assert not GeofenceRule.objects.exists()
    r = services.add_rule(
        k, f.pk, trigger="enter", unit_kinds="r2, r4", units=[w.units["POS-01"].pk], dwell_minutes=5
    )
    assert r.unit_kinds == ["r2", "r4"] and r.units == [w.units["POS-01"].pk] and r.dwell_minutes == 0
    r = services.update_rule(k, r.pk, trigger="dwell", dwell_minutes=20, severity="critical")
    assert (r.trigger, r.dwell_minutes, r.severity, r.unit_kinds) == ("dwell", 20, "critical", ["r2", "r4"])
    services.remove_rule(k, r.pk)
    with pytest.raises(Conflict):
        services.update_rule(k, r.pk, severity="info")
    actions = list(
        AuditEntry.objects.filter(action__startswith="geofences.rule.").values_list("action", flat=True)
    )
    assert actions == ["geofences.rule.created", "geofences.rule.changed", "geofences.rule.removed"]
    with pytest.raises(Forbidden):
        services.add_rule(w.u("operator"), f.pk, trigger="enter")


def test_upload_is_all_or_nothing(w):
    k = w.u("kabag_ops")
    good = {"type": "Feature", "properties": {"name": "Pasar"}, "geometry": square()}
    bad = {"type": "Feature", "properties": {"name": "Silang"}, "geometry": BOWTIE}
    with pytest.raises(Invalid, match="Feature 2"):
        services.upload(k, {"type": "FeatureCollection", "features": [good, bad]}, kind="forbidden_zone")
    assert not Geofence.objects.exists()
    unnamed = {"type": "Feature", "properties": None, "geometry": square(lon=107.05)}
    made = services.upload(
        k, json.dumps({"type": "FeatureCollection", "features": [good, unnamed]}), kind="custom"
    )
    assert [f.name for f in made] == ["Pasar", "custom 2"]
    for doc in ("[]", "nope", {"type": "FeatureCollection", "features": []}):
        with pytest.raises(ServiceError):
            services.upload(k, doc, kind="custom")


def test_selectors_are_scoped(w):
    services.create_fence(w.u("kabag_ops"), name="S1", kind="custom", geometry=square(), polsek=w.tree.s1.pk)
    services.create_fence(w.u("kabag_ops"), name="Polres", kind="custom", geometry=square())
    services.create_fence(w.u("kabag_ops_b"), name="Zona B", kind="custom", geometry=square())
    names = lambda u: sorted(f.name for f in selectors.fences(w.u(u)))  # noqa: E731
    assert names("operator") == ["Polres", "S1"]
    assert names("operator_s1") == ["S1"]
    assert names("bhabin") == []
    assert names("admin") == ["Polres", "S1", "Zona B"]
