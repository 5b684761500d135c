import json

import numpy as np
import pytest
import shapely
import shapely.affinity
import shapely.ops
from shapely.geometry import shape

from siaga.core.context import acting
from siaga.core.errors import Invalid
from siaga.core.models import AuditEntry
from siaga.territory import services
from siaga.territory.models import PolsekArea, Region, Rt, Rw

from .conftest import KELURAHAN, TIMUR

pytestmark = pytest.mark.django_db


def test_import_codes_is_idempotent_and_audited_once(db):
    with acting(None):
        first = services.import_codes("32.75")
        seq = AuditEntry.objects.count()
        again = services.import_codes("32.75")
    assert first["created"] == 70 and first["kecamatan"] == 12 and first["kelurahan/desa"] == 56
    assert again["created"] == 0 and again["updated"] == 0 and again["unchanged"] == 70
    assert AuditEntry.objects.count() == seq + 1
    kel = Region.objects.get(code="32.75.01.1001")
    assert kel.parent_id == "32.75.01" and kel.level == 4 and kel.kind == "kelurahan"
    assert kel.decree == services.DEFAULT_DECREE
    assert Region.objects.get(code="32").level == 1  # the provinsi above the root


def test_import_codes_unknown_root(db):
    with acting(None), pytest.raises(Invalid, match="Unknown"):
        services.import_codes("99.99")


def test_import_boundaries_stores_geometry_bbox_area(codes, kelurahan_fc):
    with acting(None):
        report = services.import_boundaries(kelurahan_fc(TIMUR), level=4)
    assert report.updated == 4 and report.by_level == {"kelurahan/desa": 4}
    r = Region.objects.get(code="32.75.01.1002")
    g = shape(r.geometry)
    assert g.is_valid and r.min_lon < r.centroid_lon < r.max_lon and r.min_lat < r.centroid_lat < r.max_lat
    assert g.contains(shapely.Point(r.centroid_lon, r.centroid_lat))
    assert 1e6 < r.area_m2 < 1e7  # a few km², measured in metres (UTM 48S)
    assert AuditEntry.objects.filter(action="territory.boundaries.imported").count() == 1


def _errors(fn, *a, **kw) -> list[str]:
    with acting(None), pytest.raises(services.ImportInvalid) as ei:
        fn(*a, **kw)
    assert isinstance(ei.value, Invalid)
    return ei.value.errors


def test_invalid_geometry_is_named_and_nothing_written(codes, kelurahan_fc):
    fc = kelurahan_fc(TIMUR)
    fc["features"][1]["geometry"] = {  # a bow-tie
        "type": "Polygon",
        "coordinates": [[[107.0, -6.25], [107.01, -6.24], [107.01, -6.25], [107.0, -6.24], [107.0, -6.25]]],
    }
    errors = _errors(services.import_boundaries, fc, level=4)
    assert len(errors) == 1
    assert errors[0].startswith("feature 1 (32.75.01.1002 Margahayu): invalid geometry: Self-intersection")
    assert not Region.objects.filter(geometry__isnull=False).exists()


def test_unknown_code_wrong_level_and_not_a_polygon_are_named(codes, kelurahan_fc):
    fc = kelurahan_fc(TIMUR)
    fc["features"][0]["properties"]["kode"] = "32.75.01.1999"
    fc["features"][2]["geometry"] = {"type": "Point", "coordinates": [107.0, -6.25]}
    errors = _errors(services.import_boundaries, fc, level=3)
    text = "\n".join(errors)
    assert "feature 0 (32.75.01.1999 Bekasijaya): unknown code 32.75.01.1999" in text
    assert "feature 2 (32.75.01.1003 Durenjaya): geometry is Point, not a Polygon or MultiPolygon" in text
    assert (
        "feature 1 (32.75.01.1002 Margahayu): 32.75.01.1002 is a kelurahan/desa (level 4), expected level 3"
        in text
    )
    assert not Region.objects.filter(geometry__isnull=False).exists()


def test_allow_unknown_skips(codes, kelurahan_fc):
    fc = kelurahan_fc(TIMUR)
    fc["features"][0]["properties"]["kode"] = "32.75.01.1999"
    with acting(None):
        r = services.import_boundaries(fc, allow_unknown=True)
    assert r.skipped == ["32.75.01.1999"] and r.updated == 3


def test_overlap_is_named_with_its_size(codes, kelurahan_fc):
    fc = kelurahan_fc(TIMUR)
    g0 = shape(fc["features"][0]["geometry"])
    g1 = shape(fc["features"][1]["geometry"])
    fc["features"][1]["geometry"] = shapely.geometry.mapping(g1.union(g0.buffer(-0.004)))  # eat much of #0
    errors = _errors(services.import_boundaries, fc, level=4)
    assert len(errors) == 1
    assert errors[0].startswith(
        "feature 0 (32.75.01.1001 Bekasijaya): overlaps feature 1 (32.75.01.1002 Margahayu) by"
    )
    assert "m²" in errors[0] and "% of the smaller area" in errors[0]
    assert not Region.objects.filter(geometry__isnull=False).exists()


def test_overlap_with_stored_neighbour(codes, kelurahan_fc):
    with acting(None):
        services.import_boundaries(kelurahan_fc(TIMUR), level=4)
    fc = kelurahan_fc(TIMUR)
    moved = shapely.affinity.translate(shape(fc["features"][0]["geometry"]), xoff=0.01)
    one = {"type": "FeatureCollection", "features": [fc["features"][0]]}
    one["features"][0]["geometry"] = shapely.geometry.mapping(moved)
    errors = _errors(services.import_boundaries, one, level=4)
    assert errors and all(
        e.startswith("feature 0 (32.75.01.1001 Bekasijaya): overlaps stored kelurahan/desa") for e in errors
    ), errors


def test_real_kecamatan_file_is_rejected_for_overlaps(codes):
    path = services.bundled("kota-bekasi") / "kecamatan.geojson"
    errors = _errors(services.import_boundaries, path, level=3)
    assert any("(32.75.05 Rawalumbu): overlaps feature 8 (32.75.09 Jatiasih)" in e for e in errors)


def test_generate_rw_rt_counts_tiling_population(timur):
    assert timur["rt"] == 120 and timur["kelurahan"] == 4
    assert Rt.objects.count() == 120 and Rt.objects.filter(synthetic=False).count() == 0
    for kel in Region.objects.filter(code__in=KELURAHAN):
        poly = shape(kel.geometry)
        rts = [shape(g) for g in Rt.objects.filter(kelurahan=kel).values_list("geometry", flat=True)]
        union = shapely.union_all(rts)
        assert abs(union.area - poly.area) / poly.area < 1e-6  # tiles: no gaps
        assert sum(g.area for g in rts) == pytest.approx(poly.area, rel=1e-6)  # and no overlaps
        assert kel.population == sum(Rt.objects.filter(kelurahan=kel).values_list("population", flat=True))
        assert kel.population_synthetic
        for rw in Rw.objects.filter(kelurahan=kel):
            n = rw.rts.count()
            assert 5 <= n <= 7, (rw, n)
            inside = shapely.union_all([shape(t.geometry) for t in rw.rts.all()])
            assert abs(inside.area - shape(rw.geometry).area) / shape(rw.geometry).area < 1e-6
    kec = Region.objects.get(code=TIMUR)
    assert kec.population == sum(Region.objects.filter(parent=kec).values_list("population", flat=True))
    assert 120 * 250 < kec.population < 120 * 550


def test_generate_is_deterministic_per_seed(timur):
    def snapshot():
        return [
            (t.key, json.dumps(t.geometry), t.population)
            for t in Rt.objects.order_by("kelurahan_id", "rw_number", "number")
        ]

    first = snapshot()
    with acting(None):
        services.generate_rw_rt(KELURAHAN, seed=1, rt_total=120)
    assert snapshot() == first
    with acting(None):
        services.generate_rw_rt(KELURAHAN, seed=2, rt_total=120)
    assert snapshot() != first


def test_generate_refuses_to_replace_real_rt(timur):
    Rt.objects.filter(kelurahan_id=KELURAHAN[0]).update(synthetic=False)
    with acting(None), pytest.raises(Invalid, match=KELURAHAN[0]):
        services.generate_rw_rt(KELURAHAN, seed=1, rt_total=120)


def test_import_rw_rt_geojson_replaces_synthetic(timur):
    kel = Region.objects.get(code=KELURAHAN[1])
    poly = shape(kel.geometry)
    halves = shapely.ops.split(
        poly, shapely.LineString([(kel.centroid_lon, -7), (kel.centroid_lon, -6)])
    ).geoms
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kode_kelurahan": kel.code, "rw": "01", "rt": i + 1, "population": 300},
                "geometry": shapely.geometry.mapping(h),
            }
            for i, h in enumerate(halves)
        ],
    }
    with acting(None):
        counts = services.import_rw_rt(fc)
    assert counts["rt_created"] == len(halves) and counts["rw_created"] == 1
    assert not Rt.objects.filter(kelurahan=kel, synthetic=True).exists()
    rw = Rw.objects.get(kelurahan=kel, number=1)
    assert not rw.synthetic and abs(shape(rw.geometry).area - poly.area) / poly.area < 1e-6


def test_import_rw_rt_errors_named(timur, tmp_path):
    far = "POLYGON((106.0 -6.0, 106.01 -6.0, 106.01 -6.01, 106.0 -6.0))"
    csv = tmp_path / "rt.csv"
    csv.write_text(
        "kelurahan_code,rw,rt,population,wkt\n"
        "32.75.01.1001,1,1,200,\n"
        "32.75.01.1001,1,1,210,\n"
        "32.75.99.1001,1,2,10,\n"
        f'32.75.01.1001,1,3,10,"{far}"\n'
        "32.75.01.1001,x,4,10,\n"
    )
    errors = _errors(services.import_rw_rt, csv)
    assert errors == [
        "row 3 (32.75.01.1001 RT 1/RW 1): duplicate RT 001/RW 001 in 32.75.01.1001",
        "row 4 (32.75.99.1001 RT 2/RW 1): unknown kelurahan 32.75.99.1001",
        "row 5 (32.75.01.1001 RT 3/RW 1): lies outside its kelurahan 32.75.01.1001 Bekasijaya",
        "row 6 (32.75.01.1001 RT 4/RW x): RW 'x' is not a number from 1 to 999",
    ]
    assert Rt.objects.filter(synthetic=False).count() == 0


def test_polsek_areas_override_and_conflict(polres, timur):
    with acting(None):
        a = services.create_polsek(polres, "BT", "Polsek Bekasi Timur", region_codes=[TIMUR])
        b = services.create_polsek(polres, "RL", "Polsek Rawalumbu", region_codes=["32.75.05", KELURAHAN[3]])
        with pytest.raises(services.ImportInvalid) as ei:
            services.set_polsek_areas(b, [TIMUR])
        assert ei.value.errors == ["32.75.01 Bekasi Timur: already covered by Polsek Bekasi Timur"]
        services.import_codes("32.01.01")  # a kecamatan of Kabupaten Bogor, another Polres's area
        with pytest.raises(services.ImportInvalid, match=r"32\.01\.01 .*: outside Polres Metro Bekasi Kota"):
            services.set_polsek_areas(b, ["32.01.01"])
    assert set(PolsekArea.objects.filter(polsek=a).values_list("region_id", flat=True)) == {TIMUR}
    from siaga.territory import lookup

    loc = lookup.locate(*_inside(KELURAHAN[3]))
    assert loc.polsek_id == b.pk  # the kelurahan entry overrides the kecamatan's
    loc = lookup.locate(*_inside(KELURAHAN[0]))
    assert loc.polsek_id == a.pk and loc.polres_id == polres.pk


def _inside(code):
    p = shape(Region.objects.get(code=code).geometry).representative_point()
    return p.x, p.y


def test_one_audit_row_per_bulk_write(timur):
    rows = AuditEntry.objects.filter(action="territory.rwrt.generated")
    assert rows.count() == 1 and rows.get().after["rt"] == 120
    assert np.isfinite(rows.get().after["population"])


def test_import_rw_rt_csv_points_updates_by_key(timur, tmp_path):
    kel = Region.objects.get(code=KELURAHAN[2])
    p = shape(kel.geometry).representative_point()
    csv = tmp_path / "rt.csv"
    csv.write_text(
        f"kelurahan_code,rw,rt,population,households,lat,lon\n"
        f"{kel.code},003,001,250,70,{p.y},{p.x}\n"
        f"{kel.code},3,2,,,,\n"
    )
    with acting(None):
        counts = services.import_rw_rt(csv)
        assert counts["rt_created"] == 2 and counts["rw_created"] == 1
        csv.write_text(f"kelurahan_code,rw,rt,population\n{kel.code},3,1,260\n")
        again = services.import_rw_rt(csv)
    assert again["rt_updated"] == 1 and again["rt_created"] == 0
    rt = Rt.objects.get(kelurahan=kel, rw_number=3, number=1)
    assert rt.population == 260 and not rt.synthetic and rt.centroid_lon == pytest.approx(p.x)
    assert Rt.objects.filter(kelurahan=kel).count() == 2  # the synthetic RT of this kelurahan were replaced
