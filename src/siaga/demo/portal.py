"""Demo content for the public-services portal: reports in every workflow state, SP2HP notices due and
overdue, a few SOS (one doubtful) and a running escort countdown, all made through the portal services
so each page (public tracking, the SPKT queue, the SP2HP queue, the operations room) shows what it is for.
"""

from __future__ import annotations

import datetime as dt
import random

from siaga.accounts.models import User
from siaga.portal import reports, sos, sp2hp
from siaga.territory.models import Level, Region

from .org import _inside_point

STORIES = [
    ("curanmor", "Sepeda motor Honda Beat hitam hilang di parkiran minimarket, kunci stang sudah terpasang."),
    ("pencurian", "Telepon genggam saya diambil orang saat berdesakan di angkot jurusan Bekasi Timur."),
    (
        "penipuan",
        "Saya transfer uang untuk membeli barang di media sosial tetapi barang tidak pernah dikirim.",
    ),
    ("keributan", "Setiap malam ada pemuda berkumpul dan membuat keributan dengan knalpot bising di gang."),
    ("judi", "Ada tempat judi sabung ayam di lahan kosong dekat bantaran kali setiap akhir pekan."),
    ("curat", "Rumah tetangga dibobol saat ditinggal mudik, jendela belakang dicongkel."),
    ("laka", "Sering terjadi kecelakaan di tikungan ini karena lampu jalan mati."),
    ("penganiayaan", "Adik saya dipukul sekelompok orang sepulang sekolah."),
    ("narkoba", "Ada transaksi mencurigakan di warung kopi ujung jalan tiap malam."),
    ("kdrt", "Tetangga sering terdengar bertengkar dan ada suara pukulan, anak-anak menangis."),
    ("penipuan", "Ada yang mengaku petugas bank meminta kode OTP melalui telepon."),
    ("kemanusiaan", "Seorang lansia tersesat dan tidak ingat alamat rumahnya, sekarang di pos ronda."),
]
NAMES = ["Siti Aminah", "Agus Salim", "Dewi Lestari", "Rudi Hartono", "Nur Hidayah", "Bambang Susilo"]


def build_portal(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the portal's demo records for `polres` (inside the demo builder's transaction)."""
    rng = random.Random(seed)
    operator = User.objects.get(username="operator")
    kel = list(
        Region.objects.filter(
            level=Level.KELURAHAN, code__startswith=f"{polres.region_id}.", centroid_lat__isnull=False
        )
        .order_by("code")
        .values_list("code", flat=True)
    )
    picks = rng.sample(kel, min(len(kel), len(STORIES)))

    def report(i: int, days_ago: float):
        cat, text = STORIES[i % len(STORIES)]
        lon, lat = _inside_point(picks[i % len(picks)])
        name = NAMES[i % len(NAMES)]
        return reports.submit_report(
            key=f"demo-report-{seed}-{i:04d}-portal",
            category=cat,
            description=text,
            lat=lat,
            lon=lon,
            reporter_name="" if i % 4 == 3 else name,
            reporter_phone="" if i % 4 == 3 else f"0812{rng.randint(10_000_000, 99_999_999)}",
            reporter_dob=dt.date(1970 + i * 2, 1 + i % 12, 1 + i),
            without_identity=i % 4 == 3,
            device=f"demo-device-{i}",
            at=now - dt.timedelta(days=days_ago),
        )

    def at(days_ago: float) -> dt.datetime:
        return now - dt.timedelta(days=days_ago)

    counts = {"reports": 0, "sp2hp": 0, "sos": 0}
    # new: the SPKT queue has work
    for i, d in enumerate((0.05, 0.3, 1.2)):
        report(i, d)
    # accepted → incidents in the operations room
    for i in (3, 4):
        r = report(i, 2 + i)
        reports.accept(operator, r, mode="incident", note="Petugas Polsek sudah dikirim ke lokasi.")
    # investigating: one overdue for its first notice, one due, one on schedule, one sulit with history
    r = report(5, 6)
    reports.accept(operator, r, mode="case", severity="ringan", at=at(5.5))  # first notice overdue
    r = report(6, 9)
    reports.accept(operator, r, mode="case", severity="ringan", at=at(8.5))
    sp2hp.issue_notice(operator, r, code="A1", text="Laporan Anda sedang diteliti penyidik.", at=at(7))
    r = report(7, 12)  # due: A1 given, the day-10 notice was due two days ago
    reports.accept(operator, r, mode="case", severity="sedang", at=at(11.5))
    sp2hp.issue_notice(operator, r, code="A1", text="Laporan Anda sedang diteliti.", at=at(10))
    r = report(8, 40)
    reports.accept(operator, r, mode="case", severity="sulit", at=at(39))
    for code, d, text in (
        ("A1", 38, "Laporan Anda sedang diteliti oleh Unit Reskrim."),
        ("A3", 26, "Perkara dinaikkan ke tahap penyidikan; saksi-saksi telah dipanggil."),
        ("A4", 12, "Penyidik telah memeriksa 3 orang saksi dan menyita barang bukti."),
    ):
        sp2hp.issue_notice(operator, r, code=code, text=text, at=at(d))
    # rejected and closed
    r = report(9, 15)
    reports.reject(operator, r, reason="Bukan tindak pidana; disarankan mediasi melalui RT/RW.", at=at(14))
    r = report(10, 30)
    reports.accept(operator, r, mode="case", severity="ringan", at=at(29))
    sp2hp.issue_notice(operator, r, code="A1", text="Laporan Anda sedang diteliti.", at=at(28))
    sp2hp.issue_notice(
        operator, r, code="A2", text="Penyelidikan tidak dapat dilanjutkan: tidak cukup bukti.", at=at(18)
    )
    r = report(11, 3)
    reports.accept(operator, r, mode="incident")
    reports.close(operator, r, note="Lansia sudah diantar pulang ke keluarganya.", at=at(2.8))
    counts["reports"] = len(STORIES)
    # SOS: two ordinary, one doubtful (outside the area), one escort still running
    for i in range(2):
        lon, lat = _inside_point(picks[i])
        sos.raise_sos(
            key=f"demo-sos-{seed}-{i:04d}-portal",
            lat=lat,
            lon=lon,
            accuracy=15 + i * 10,
            phone=f"0813{rng.randint(10_000_000, 99_999_999)}",
            device=f"demo-sos-device-{i}",
            at=now - dt.timedelta(minutes=4 + i * 7),
        )
    sos.raise_sos(
        key=f"demo-sos-{seed}-doubtful-portal",
        lat=-6.2088,
        lon=106.8456,
        accuracy=1500,
        device="demo-sos-device-x",
        at=now - dt.timedelta(minutes=2),
    )
    lon, lat = _inside_point(picks[2])
    sos.start_escort(key=f"demo-escort-{seed}-0001-portal", minutes=45, lat=lat, lon=lon, at=now)
    counts["sos"] = 3
    counts["sp2hp"] = 7
    return counts


def mark_synthetic(polres) -> None:
    """The incidents the public services made (SOS, reports, Open311) are demo data like the imported
    history: flag them synthetic (one summarising, audited event) so analyses can leave them out."""
    from siaga.cad.models import Incident
    from siaga.core.events import Event, publish

    made = Incident.objects.filter(polres=polres, synthetic=False, idempotency_key__startswith="portal-")
    n = made.update(synthetic=True)
    publish(
        Event("demo.portal.incidents_marked_synthetic", "cad.incident", "", polres.pk, after={"count": n})
    )
