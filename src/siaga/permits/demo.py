"""Demo content of the permits app, made through its services inside the demo builder's transaction:
requests of every kind in every workflow state, an issued SKTLK whose QR verifies, SKCK slots with
bookings, a rejected demonstration notice, and forbidden places of Kota Bekasi (approximate points)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import zoneinfo

from siaga.core.context import acting, new_request_id

from . import rules, slots, submit, workflow
from .models import ForbiddenPlace, PlaceKind

# approximate positions for the demo (points; the rule check also takes a fence polygon)
FORBIDDEN = [
    ("Makodim 0507/Bekasi", PlaceKind.MILITARY, -6.2352, 106.9931),
    ("Gardu Induk PLN Bekasi", PlaceKind.VITAL, -6.2489, 107.0125),
    ("Stasiun Pompa Air Baku PDAM Tirta Patriot", PlaceKind.VITAL, -6.2790, 106.9720),
]
CHRONOLOGY = "Dompet berisi dokumen terjatuh saat naik angkot dan tidak ditemukan kembali."
NAMES = [
    ("Siti Aminah", "3275014512900001"),
    ("Budi Santoso", "3275010101850002"),
    ("Dewi Lestari", "3275024708920003"),
    ("Agus Prasetyo", "3275031203880004"),
    ("Rina Wulandari", "3275046611950005"),
    ("Hendra Gunawan", "3275052509800006"),
    ("Maya Sari", "3275065003970007"),
    ("Joko Susilo", "3275071707830008"),
    ("Fitri Handayani", "3275085802910009"),
    ("Rudi Hartono", "3275090305870010"),
    ("Yuni Kartika", "3275104910930011"),
    ("Andi Wijaya", "3275111111890012"),
    ("Lina Marlina", "3275126204940013"),
    ("Eko Saputra", "3275012008860014"),
    ("Wati Susanti", "3275025512960015"),
    ("Bayu Nugroho", "3275030606900016"),
    ("Sri Mulyani", "3275044101820017"),
    ("Doni Firmansyah", "3275051004910018"),
    ("Nur Aisyah", "3275066309980019"),
    ("Arif Rahman", "3275072202840020"),
]


def _working_day(start: dt.date, n: int) -> dt.date:
    return rules.add_working_days(start, n)


def build(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the demo records of this app for `polres`; returns counts by kind."""
    from siaga.accounts.models import User
    from siaga.territory.models import Polsek

    rnd = random.Random(seed)
    zone = zoneinfo.ZoneInfo(polres.timezone or "Asia/Jakarta")
    today = now.astimezone(zone).date()
    operator = User.objects.get(username="operator")
    intelkam = User.objects.get(username="intelkam")
    polsek = Polsek.objects.filter(polres=polres).order_by("code").first()
    people = itertools.cycle(NAMES)
    counter = iter(range(1, 1000))

    def person(office: str = "") -> dict:
        name, nik = next(people)
        return {
            "name": name,
            "nik": nik,
            "email": name.split()[0].lower() + "@contoh.id",
            "phone": f"08137777{rnd.randint(1000, 9999)}",
            "office": office,
        }

    def key(kind: str) -> str:
        return f"demo-{seed}-{kind}-{next(counter):04d}-permits"

    for name, kind, lat, lon in FORBIDDEN:
        ForbiddenPlace.objects.get_or_create(
            polres=polres, name=name, defaults={"kind": kind, "lat": lat, "lon": lon}
        )

    with acting(None, new_request_id("demo-permits")):
        made = {}

        def new(kind: str, fields: dict):
            return submit.submit(kind=kind, key=key(kind), fields=fields, at=now).request

        # --- SKTLK: every state ---
        office = f"polsek-{polsek.pk}" if polsek else ""
        items = [
            [
                {"kind": "ktp", "identifier": "3275014512900001"},
                {"kind": "atm", "identifier": "5221 84** **** 1234"},
            ],
            [{"kind": "stnk", "identifier": "B 1234 KZX"}],
            [{"kind": "sim", "identifier": "1204-8812-000123"}, {"kind": "kk", "identifier": ""}],
        ]

        def sktlk(i: int):
            return new(
                "sktlk",
                {
                    **person(office if i % 2 else ""),
                    "items": items[i % 3],
                    "lost_on": (today - dt.timedelta(days=1 + i)).isoformat(),
                    "lost_place": ["Pasar Baru Bekasi", "Stasiun Bekasi", "Summarecon Mall Bekasi"][i % 3],
                    "chronology": CHRONOLOGY,
                },
            )

        sk = [sktlk(i) for i in range(7)]
        with acting(operator, new_request_id("demo-permits")):
            workflow.review(operator, sk[1].pk, at=now)
            workflow.ask_fix(operator, sk[2].pk, message="Nomor KTP yang hilang belum diisi lengkap.", at=now)
            workflow.approve(operator, sk[3].pk, signer_name="AKP Rahmat Hidayat", at=now)
            workflow.reject(
                operator, sk[4].pk, reason="Laporan ganda: SKTLK untuk kehilangan ini sudah terbit.", at=now
            )
            workflow.approve(operator, sk[5].pk, signer_name="AKP Rahmat Hidayat", at=now)
            workflow.revoke(
                operator, sk[5].pk, reason="Dokumen yang dilaporkan hilang telah ditemukan.", at=now
            )
        made["sktlk"] = len(sk)
        submit.cancel(sk[6].tracking_code, submit.secret_for_key(sk[6].key), at=now)

        # --- SKCK: slots and bookings ---
        with acting(intelkam, new_request_id("demo-permits")):
            schedule = slots.create_schedule(
                intelkam,
                polres=polres,
                date_from=_working_day(today, 1),
                date_to=_working_day(today, 8),
                times=["08:00", "10:00", "13:00"],
                minutes=90,
                capacity=5,
            )
        made["slots"] = len(schedule)
        bookings = []
        purposes = ["pekerjaan", "cpns", "pendidikan", "visa", "pekerjaan", "lainnya", "pekerjaan"]
        for i, p in enumerate(purposes):
            fields = {
                **person(),
                "slot": schedule[i % 3].pk,
                "dob": f"{1985 + i}-0{1 + i}-1{i}",
                "purpose": p,
                "purpose_note": "Syarat pendaftaran organisasi" if p == "lainnya" else "",
            }
            bookings.append(new("skck", fields))
        with acting(intelkam, new_request_id("demo-permits")):
            workflow.approve(intelkam, bookings[0].pk, at=now)
            workflow.approve(intelkam, bookings[1].pk, at=now)
            workflow.review(intelkam, bookings[2].pk, at=now)
            workflow.ask_fix(intelkam, bookings[3].pk, message="Tujuan visa: sebutkan negara tujuan.", at=now)
            workflow.reject(
                intelkam, bookings[4].pk, reason="Data NIK tidak sesuai dengan KTP yang dilampirkan.", at=now
            )
        submit.cancel(bookings[5].tracking_code, submit.secret_for_key(bookings[5].key), at=now)
        made["skck"] = len(bookings)

        # --- crowd-event permits ---
        def crowd(scale: str, days: int, title: str):
            start = dt.datetime.combine(_working_day(today, days), dt.time(15, 0), tzinfo=zone)
            return new(
                "keramaian",
                {
                    **person(),
                    "title": title,
                    "organiser": "Karang Taruna Kelurahan "
                    + ["Margahayu", "Duren Jaya", "Aren Jaya"][days % 3],
                    "place": "Lapangan Multiguna, Bekasi Timur",
                    "lat": -6.2461,
                    "lon": 107.0212,
                    "starts_at": start.isoformat(),
                    "ends_at": (start + dt.timedelta(hours=6)).isoformat(),
                    "scale": scale,
                    "participants": 800 if scale == "kabkota" else 5000,
                },
            )

        cr = [
            crowd("kabkota", 20, "Festival Musik Patriot"),
            crowd("kabkota", 22, "Jalan Sehat HUT Kelurahan"),
            crowd("kabkota", 25, "Pasar Malam Ramadhan"),
            crowd("kabkota", 24, "Turnamen Futsal Antar-RW"),
            crowd("provinsi", 30, "Konser Amal Se-Jawa Barat"),
        ]
        with acting(intelkam, new_request_id("demo-permits")):
            workflow.review(intelkam, cr[1].pk, at=now)
            workflow.approve(intelkam, cr[2].pk, signer_name="AKBP Dedi Kurniawan", at=now)
            workflow.reject(
                intelkam,
                cr[3].pk,
                reason="Lokasi yang sama sudah dipakai kegiatan lain pada tanggal itu.",
                at=now,
            )
        made["keramaian"] = len(cr)

        # --- demonstration notices ---
        def notice(days: int, scale: str = "kabkota", lat: float = -6.2383, lon: float = 106.9756):
            day = _working_day(today, days)
            start = dt.datetime.combine(day, dt.time(9, 0), tzinfo=zone)
            return new(
                "unjuk_rasa",
                {
                    **person(),
                    "purpose": "Menyampaikan aspirasi tentang upah minimum kota.",
                    "place": "Depan Kantor Pemerintah Kota Bekasi",
                    "route": "Alun-alun — Jl. Ahmad Yani — Kantor Pemkot",
                    "lat": lat,
                    "lon": lon,
                    "starts_at": start.isoformat(),
                    "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
                    "form": "Orasi dan long march",
                    "coordinator": "Bambang Sutrisno",
                    "organisation": "Serikat Pekerja Bekasi",
                    "props": "Spanduk, pengeras suara, mobil komando",
                    "participants": 300,
                    "scale": scale,
                },
            )

        dm = [notice(5), notice(6), notice(7), notice(8), notice(9, "nasional")]
        with acting(intelkam, new_request_id("demo-permits")):
            workflow.approve(intelkam, dm[1].pk, signer_name="AKBP Dedi Kurniawan", at=now)
            workflow.ask_fix(
                intelkam, dm[2].pk, message="Cantumkan jumlah mobil komando dan titik kumpul.", at=now
            )
            workflow.reject(
                intelkam,
                dm[3].pk,
                reason="Rute long march melewati radius 150 m dari Makodim 0507/Bekasi; tidak boleh "
                "menyampaikan pendapat di lingkungan instalasi militer (UU 9/1998 Pasal 9 ayat 2 huruf a).",
                at=now,
            )
        made["unjuk_rasa"] = len(dm)
    return made
