"""Demo content of the open311 app, made through its services inside the demo builder's transaction:
one third-party app's API key (derived from the seed; only its hash is stored, nothing is printed) and a
few reports that app filed through Open311."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q

DEMO_APP = "Aplikasi Warga Bekasi (demo)"


def demo_key(seed: int) -> str:
    """The demo app's key: derived from the seed so the demo docs can reproduce it; not secret."""
    return "s311_demo_" + hashlib.sha256(f"siaga-open311-demo-{seed}".encode()).hexdigest()[:32]


def build(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the demo records of this app for `polres`; returns counts by kind."""
    from siaga.core.errors import ServiceError
    from siaga.portal.models import Report

    from . import georeport, keys

    _k, clear = keys.create_key(
        None,
        name=DEMO_APP,
        contact="pengembang@aplikasi-warga.example",
        polres=polres,
        rate_per_hour=600,
        secret=demo_key(seed),
        at=now - dt.timedelta(days=30),
    )
    # places of earlier demo reports of this Polres, so each request lands inside the area
    spots = list(
        Report.objects.filter(polres=polres)
        .exclude(Q(lat=None) | Q(kelurahan_code=""))
        .order_by("pk")
        .values_list("lat", "lon")[:4]
    )
    forms = [
        ("laka", "Tabrakan motor dan mobil di perempatan, satu orang luka ringan.", "laporan"),
        (
            "keributan",
            "Suara musik keras dari pesta sampai lewat tengah malam setiap akhir pekan.",
            "pengaduan",
        ),
        ("pencurian", "Helm dan jaket hilang dari motor yang diparkir di depan warung.", "laporan"),
        ("kebakaran", "Asap tebal dari lahan kosong di belakang pasar, api masih kecil.", "laporan"),
    ]
    made = 0
    filed = []
    for k, (lat, lon) in enumerate(spots):
        code, text, kind = forms[k % len(forms)]
        data = {
            "api_key": [clear],
            "service_code": [code],
            "lat": [f"{lat:.6f}"],
            "long": [f"{lon:.6f}"],
            "description": [text],
            "attribute[kind]": [kind],
            "attribute[without_identity]": ["true" if k % 2 else "false"],
            "first_name": ["" if k % 2 else "Warga"],
            "last_name": ["" if k % 2 else f"Demo {k + 1}"],
            "device_id": [f"demo-device-{seed}-{k}"],
        }
        try:
            r, created = georeport.submit(data, at=now - dt.timedelta(hours=6 * (k + 1)))
        except ServiceError:
            continue  # a demo spot outside the area: skip it rather than fail the demo
        made += int(created)
        filed.append(r)
    _advance(filed, now)
    return {"open311_keys": 1, "open311_requests": made}


def _advance(filed: list, now: dt.datetime) -> None:
    """The SPKT works on two of them, so a GET shows open and closed requests with status notes."""
    from siaga.accounts.models import User
    from siaga.core.context import acting
    from siaga.portal import reports

    op = User.objects.filter(username="operator").first()
    if op is None or len(filed) < 2:
        return
    with acting(op, "demo-open311"):
        reports.accept(op, filed[0], mode="incident", at=now - dt.timedelta(hours=5))
        reports.close(
            op,
            filed[0],
            note="Kendaraan sudah dievakuasi, arus lalu lintas normal.",
            at=now - dt.timedelta(hours=4),
        )
        reports.add_note(
            op, filed[1], note="Bhabinkamtibmas sudah menegur pemilik rumah.", at=now - dt.timedelta(hours=2)
        )
