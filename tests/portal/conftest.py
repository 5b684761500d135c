"""Portal fixtures: the operations-room world (Bekasi Timur, Polsek S1 over the kecamatan, S2 over one
kelurahan, users of every role), station positions, and a clean cache (rate limits) per test."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache

from siaga.core.context import acting

from ..cad.conftest import bekasi_kelurahan, world  # noqa: F401 (fixtures)
from ..cad.ops_fixtures import *  # noqa: F403
from ..cad.ops_fixtures import P_S1, P_S2


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def stations(ops):
    """Give the Polres and both Polsek an office position and a phone number (as an admin would)."""
    from siaga.territory.models import Polres, Polsek

    with acting(None, "test-stations"):
        Polres.objects.filter(pk=ops.polres.pk).update(lat=P_S1[1] + 0.002, lon=P_S1[0], phone="021-8841211")
        Polsek.objects.filter(pk=ops.s1.pk).update(lat=P_S1[1], lon=P_S1[0] + 0.001, phone="021-8802222")
        Polsek.objects.filter(pk=ops.s2.pk).update(lat=P_S2[1], lon=P_S2[0], phone="021-8803333")
    ops.polres.refresh_from_db()
    return ops


def jpeg(gps: tuple[float, float] | None = None, size=(64, 48), fmt="JPEG") -> bytes:
    """A small picture, with an EXIF GPS block (and a camera make) when `gps` = (lat, lon) is given."""
    from PIL import Image

    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps is None:
        img.save(out, fmt)
        return out.getvalue()
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make

    def dms(v: float):
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        s = round(((v - d) * 60 - m) * 60, 4)
        return (float(d), float(m), float(s))

    lat, lon = gps
    exif[0x8825] = {
        1: "S" if lat < 0 else "N",
        2: dms(lat),
        3: "W" if lon < 0 else "E",
        4: dms(lon),
    }
    img.save(out, fmt, exif=exif)
    return out.getvalue()
