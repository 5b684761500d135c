import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from siaga.territory import services
from siaga.territory.models import Region, Rt

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("territory", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_and_generate(tmp_path):
    out, _ = run("import", "codes", "--root", "32.75")
    assert "created 70" in out
    kel = services.bundled("kota-bekasi") / "kelurahan.geojson"
    fc = json.loads(kel.read_text())
    fc["features"] = [f for f in fc["features"] if f["properties"]["kode"].startswith("32.75.12.")]
    path = tmp_path / "pondokmelati.geojson"
    path.write_text(json.dumps(fc))
    out, _ = run("import", "geojson", str(path), "--level", "4", "--derive-parents")
    assert "4 areas" in out and "derived from their children: 1 kecamatan, 1 kab/kota" in out
    assert Region.objects.get(code="32.75.12").geometry is not None
    out, _ = run(
        "generate-rwrt",
        "--seed",
        "3",
        "--rt-total",
        "50",
        "--kelurahan",
        *[f["properties"]["kode"] for f in fc["features"]],
    )
    assert "50 RT" in out and Rt.objects.count() == 50


def test_errors_one_per_line_exit_1_nothing_written(tmp_path):
    run("import", "codes", "--root", "32.75")
    kec = services.bundled("kota-bekasi") / "kecamatan.geojson"
    with pytest.raises(CommandError) as ei:
        call_command(
            "territory",
            "import",
            "geojson",
            str(kec),
            "--level",
            "4",
            stderr=(err := __import__("io").StringIO()),
        )
    assert ei.value.returncode == 1 and "nothing was written" in str(ei.value)
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 12
    assert lines[0] == (
        "feature 0 (32.75.01 Bekasi Timur): 32.75.01 is a kecamatan (level 3), "
        "expected level 4 (kelurahan/desa)"
    )
    assert not Region.objects.filter(geometry__isnull=False).exists()


def test_rwrt_csv_errors(tmp_path):
    run("import", "codes", "--root", "32.75")
    csv = tmp_path / "rt.csv"
    csv.write_text("kelurahan_code,rw,rt\n32.75.01.1001,1,1\n32.75.01.1001,1,1\n")
    with pytest.raises(CommandError):
        call_command("territory", "import", "rwrt", str(csv), stderr=(err := __import__("io").StringIO()))
    assert (
        err.getvalue().strip() == "row 3 (32.75.01.1001 RT 1/RW 1): duplicate RT 001/RW 001 in 32.75.01.1001"
    )
    assert Rt.objects.count() == 0
