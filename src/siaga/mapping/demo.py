"""Demo content of the mapping app, made through its services inside the demo builder's transaction:
problems at every level and status (with history), sambang visits that raised and linked problems,
potentials of every kind, partners with one broadcast, and two informants (fictional identities)."""

from __future__ import annotations

import datetime as dt
import random

from siaga.accounts.models import User
from siaga.core.context import acting
from siaga.core.notifications import muted
from siaga.core.roles import Role
from siaga.territory.models import Level, Region, Rt

from . import informants, partners, potentials, problems, visits

PROBLEMS = [
    # (title, kind, source, level, later changes [(level, status, note)], parties)
    ("Sengketa batas tanah warisan", "land", "visit", "PG", [], ["Keluarga H. Rasyid", "Keluarga Sutarman"]),
    (
        "Tawuran pelajar di jembatan kali",
        "brawl",
        "intelligence",
        "AG",
        [("GN", "monitored", "Bentrok Jumat malam, dua luka ringan")],
        ["SMK A", "SMK B"],
    ),
    (
        "Penolakan pendirian rumah ibadah",
        "sara",
        "report",
        "AG",
        [(None, "monitored", "Mediasi FKUB dijadwalkan")],
        ["Warga RW 03", "Panitia pembangunan"],
    ),
    ("Ketegangan pendukung calon kepala desa", "political", "intelligence", "PG", [], []),
    (
        "Mogok kerja pabrik garmen",
        "industrial",
        "report",
        "AG",
        [("PG", "resolved", "Kesepakatan bipartit ditandatangani")],
        ["Serikat pekerja", "Manajemen"],
    ),
    ("Titik peredaran obat keras", "narcotics", "intelligence", "GN", [], []),
]


def _user(polres, username: str):
    return User.objects.filter(username=username, is_active=True).first()


def _kelurahan(polres, bhabin) -> list[str]:
    codes = [bhabin.kelurahan_code] if bhabin and bhabin.kelurahan_code else []
    more = Region.objects.filter(level=Level.KELURAHAN, parent__parent_id=polres.region_id).order_by("code")
    return codes + [c for c in more.values_list("code", flat=True)[:4] if c not in codes]


def build(polres, now: dt.datetime, seed: int = 0) -> dict[str, int]:
    rng = random.Random(seed)
    bhabin, intel, humas = (_user(polres, n) for n in ("bhabin", "intelkam", "humas"))
    if not (bhabin and intel and bhabin.role == Role.BHABIN and bhabin.kelurahan_code):
        return {}
    kels = _kelurahan(polres, bhabin)
    home = bhabin.kelurahan_code
    rt = Rt.objects.filter(kelurahan_id=home).order_by("rw_number", "number").first()
    counts = {"problems": 0, "visits": 0, "potentials": 0, "partners": 0, "informants": 0}
    made = []
    with muted():
        for i, (title, kind, source, level, changes, parties) in enumerate(PROBLEMS):
            at = now - dt.timedelta(days=40 - i * 5)
            actor, where = (
                (bhabin, {"kelurahan_code": home})
                if i % 2 == 0
                else (intel, {"kelurahan_code": kels[i % len(kels)]})
            )
            if i == 0 and rt is not None:
                where = {"rt_key": rt.key}
            with acting(actor, f"demo-mapping-{seed}-p{i}"):
                p = problems.create(
                    actor, title=title, kind=kind, source=source, level=level, parties=parties, at=at, **where
                )
                for j, (lvl, status, note) in enumerate(changes):
                    p = problems.update(
                        intel, p.pk, level=lvl, status=status, note=note, at=at + dt.timedelta(days=2 + j)
                    )
            made.append(p)
        counts["problems"] = len(made)
        for i, (place, topics) in enumerate(
            [
                ("Balai RW 02", ["Ronda malam", "Parkir liar"]),
                ("Masjid Al-Ikhlas", ["Kegiatan remaja", "Tawuran pelajar"]),
                ("Pos kamling RT 01", ["Pencurian motor"]),
            ]
        ):
            day = (now - dt.timedelta(days=20 - i * 6)).date()
            with acting(bhabin, f"demo-mapping-{seed}-v{i}"):
                visits.log(
                    bhabin,
                    date=day,
                    place=place,
                    kelurahan_code=home,
                    topics=topics,
                    people_met=["Ketua RW", "Tokoh pemuda"][: 1 + rng.randint(0, 1)],
                    new_problems=[{"title": "Genangan gelap rawan begal", "kind": "other"}] if i == 2 else [],
                    link_problems=[made[0].pk] if i == 0 else [],
                    at=now,
                )
            counts["visits"] += 1
        for kind, category, name, extra in [
            ("person", "tokoh_agama", "KH Abdul Majid", {"contact_phone": "0812-1000-2001"}),
            ("person", "tokoh_pemuda", "Rian Pratama (Karang Taruna)", {"contact_phone": "0813-2000-3002"}),
            ("activity", "market", "Pasar Baru", {}),
            ("activity", "school", "SMPN 5", {}),
            ("activity", "worship", "Gereja Santo Yosef", {}),
            ("natural", "land", "Lahan kosong bantaran kali", {}),
            ("network", "organisation", "Paguyuban ojek pangkalan", {}),
        ]:
            with acting(bhabin, f"demo-mapping-{seed}-pot-{name[:10]}"):
                potentials.create(
                    bhabin, kind=kind, category=category, name=name, kelurahan_code=home, at=now, **extra
                )
            counts["potentials"] += 1
        partner_ids = []
        for kind, name, extra in [
            ("fkpm", "FKPM Kelurahan", {"kelurahan_code": home, "phone_number": "0812-3000-4003"}),
            ("rw_head", "Ketua RW 02", {"kelurahan_code": home, "phone_number": "0812-3000-4004"}),
            ("pokdar", "Pokdar Kamtibmas Kota", {"email_address": "pokdar@contoh.id"}),
            ("satpam", "Satpam Kawasan Industri", {"email_address": "satpam@contoh.id"}),
        ]:
            actor = bhabin if "kelurahan_code" in extra else (humas or intel)
            with acting(actor, f"demo-mapping-{seed}-partner-{kind}"):
                partner_ids.append(partners.create(actor, kind=kind, name=name, at=now, **extra).pk)
            counts["partners"] += 1
        sender = humas or intel
        with acting(sender, f"demo-mapping-{seed}-broadcast"):
            partners.broadcast(
                sender,
                subject="Rapat koordinasi kamtibmas",
                body="Rapat koordinasi menjelang akhir tahun, Senin pukul 09.00 di Mapolres.",
                partner_ids=partner_ids,
                at=now,
            )
        for code, name in (("MERPATI", "Informan Fiktif Satu"), ("KENARI", "Informan Fiktif Dua")):
            with acting(intel, f"demo-mapping-{seed}-inf-{code}"):
                informants.create(
                    intel,
                    code_name=code,
                    name=name,
                    address="(fiktif, data demo)",
                    kelurahan_code=home,
                    at=now,
                )
            counts["informants"] += 1
    from . import profile_demo

    counts.update(profile_demo.build(polres, now, seed))
    return counts
