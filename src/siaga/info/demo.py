"""Demo content of the info app, made through its services inside the demo builder's transaction:
bulletins and tips in several categories and areas (published, a draft, an archived one), CAP alerts in
every state (in force, updated, cancelled, expired, a draft) and one imported weather warning."""

from __future__ import annotations

import datetime as dt

from siaga.core.context import acting

from . import alerts, bulletins, cap

BULLETINS = [
    (
        "curanmor",
        "bulletin",
        "Waspada curanmor di area parkir minimarket",
        "Pencurian sepeda motor meningkat pada jam makan siang dan malam hari.",
        "Dalam dua pekan terakhir Polres menerima beberapa laporan pencurian sepeda motor di area parkir "
        "minimarket dan warung makan.\n\nPelaku biasanya beraksi dalam waktu kurang dari dua menit dengan "
        "kunci T. Gunakan kunci ganda, parkir di tempat yang terang dan diawasi, dan jangan tinggalkan "
        "kunci di kendaraan.\n\nJika melihat gerak-gerik mencurigakan, hubungi 110.",
        1,
    ),
    (
        "penipuan-online",
        "bulletin",
        "Modus penipuan undangan pernikahan lewat pesan berantai",
        "File APK yang menyamar sebagai undangan dapat mencuri data perbankan.",
        "Warga menerima pesan berisi file berakhiran .apk yang disebut sebagai undangan pernikahan atau "
        "tagihan paket.\n\nJangan pasang aplikasi dari tautan pesan. Jika sudah terpasang, putuskan "
        "internet, hubungi bank Anda, lalu laporkan ke kantor polisi terdekat.",
        0,
    ),
    (
        "narkoba",
        "bulletin",
        "Sosialisasi bahaya narkoba di sekolah",
        "Bhabinkamtibmas berkeliling ke SMP dan SMA bulan ini.",
        "Satresnarkoba bersama Bhabinkamtibmas mengadakan penyuluhan bahaya narkoba di sekolah-sekolah.\n\n"
        "Orang tua diminta mengenali tanda-tanda penyalahgunaan dan berkonsultasi tanpa rasa takut.",
        2,
    ),
    (
        "lalu-lintas",
        "bulletin",
        "Rekayasa lalu lintas saat jam sibuk pagi",
        "Arus dialihkan sementara pada jam 06.00-08.00.",
        "Untuk mengurai kemacetan, Satlantas memberlakukan rekayasa lalu lintas pada jam sibuk pagi.\n\n"
        "Ikuti arahan petugas dan rambu sementara di lapangan.",
        1,
    ),
    (
        "kenakalan-remaja",
        "bulletin",
        "Patroli malam cegah tawuran pelajar",
        "Patroli gabungan dilakukan setiap akhir pekan.",
        "Polres bersama TNI dan tokoh masyarakat melakukan patroli malam untuk mencegah tawuran.\n\n"
        "Orang tua diminta memastikan anak berada di rumah sebelum pukul 22.00.",
        0,
    ),
    (
        "bencana",
        "tip",
        "Siaga banjir: siapkan tas darurat",
        "Isi tas darurat yang perlu disiapkan setiap keluarga.",
        "Siapkan dokumen penting dalam plastik kedap air, senter, obat-obatan, air minum dan makanan "
        "untuk tiga hari.\n\nMatikan listrik dari panel utama jika air mulai masuk rumah.",
        0,
    ),
    (
        "curanmor",
        "tip",
        "Lima kebiasaan agar motor tidak mudah dicuri",
        "Kebiasaan kecil yang menyulitkan pelaku.",
        "Pasang kunci ganda dan alarm. Parkir di tempat ramai dan terang. Jangan tinggalkan STNK di motor."
        "\n\nCatat nomor rangka dan mesin, dan simpan fotonya.",
        0,
    ),
    (
        "penipuan-online",
        "tip",
        "Cek dulu sebelum transfer",
        "Cara mengenali penjual palsu di media sosial.",
        "Periksa rekening penjual di situs pengecekan rekening resmi, gunakan rekening bersama, dan "
        "waspadai harga yang terlalu murah.\n\nJangan pernah memberikan kode OTP kepada siapa pun.",
        0,
    ),
]


def _sample_bmkg(now: dt.datetime, kecamatan_name: str) -> bytes:
    """A synthetic weather warning in the shape BMKG publishes (CAP 1.2), for the import path."""
    sent = cap.cap_time(now - dt.timedelta(hours=1))
    place = f"{kecamatan_name} dan sekitarnya"
    expires = cap.cap_time(now + dt.timedelta(hours=5))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>DEMO.BMKG.{now:%Y%m%d%H%M}</identifier>
  <sender>demo-bmkg@siaga.local</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <note>Contoh data demo dalam format peringatan dini cuaca.</note>
  <info>
    <language>id-ID</language>
    <category>Met</category>
    <event>Hujan Lebat disertai Petir</event>
    <urgency>Immediate</urgency>
    <severity>Moderate</severity>
    <certainty>Likely</certainty>
    <expires>{expires}</expires>
    <senderName>Contoh peringatan cuaca (demo)</senderName>
    <headline>Hujan lebat disertai petir dan angin kencang</headline>
    <description>Hujan sedang hingga lebat dapat disertai petir dan angin kencang di {place}.</description>
    <instruction>Hindari berteduh di bawah pohon dan baliho.</instruction>
    <area><areaDesc>{kecamatan_name} dan sekitarnya</areaDesc><circle>-6.25,107.0 10</circle></area>
  </info>
</alert>""".encode()


def build(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the demo records of this app for `polres`; returns counts by kind."""
    from siaga.accounts.models import User
    from siaga.territory.models import Level, Region

    humas = User.objects.filter(username="humas").first() or User.objects.filter(role="admin").first()
    kec = list(
        Region.objects.filter(level=Level.KECAMATAN, code__startswith=f"{polres.region_id}.")
        .order_by("code")
        .values_list("code", "name")
    )
    kel = list(
        Region.objects.filter(level=Level.KELURAHAN, code__startswith=f"{polres.region_id}.")
        .order_by("code")
        .values_list("code", "name")[:40]
    )
    counts = {"bulletins": 0, "alerts": 0}
    with acting(humas, "demo-info"):
        for i, (cat, kind, title, summary, body, n_areas) in enumerate(BULLETINS):
            areas = [c for c, _n in kec[i % max(len(kec), 1) :][:n_areas]] if kec else []
            bulletins.create_bulletin(
                humas,
                title=title,
                summary=summary,
                body=body,
                category=cat,
                kind=kind,
                area_codes=areas,
                polres=polres,
                publish_now=True,
                at=now - dt.timedelta(days=3 * i + 1),
            )
            counts["bulletins"] += 1
        bulletins.create_bulletin(
            humas,
            title="Rencana operasi zebra (draf)",
            body="Draf pengumuman operasi keselamatan lalu lintas yang belum diterbitkan.",
            category="lalu-lintas",
            polres=polres,
            at=now - dt.timedelta(hours=5),
        )
        old = bulletins.create_bulletin(
            humas,
            title="Pengamanan malam tahun baru lalu",
            body="Pengumuman pengamanan malam tahun baru yang sudah lewat dan diarsipkan.",
            category="umum",
            polres=polres,
            publish_now=True,
            at=now - dt.timedelta(days=60),
        )
        bulletins.archive_bulletin(humas, old.pk, at=now - dt.timedelta(days=40))
        counts["bulletins"] += 2

        k1 = [kec[0][0]] if kec else []
        k2 = [kec[1 % len(kec)][0]] if kec else []
        flood = alerts.create_alert(
            humas,
            polres=polres,
            at=now - dt.timedelta(hours=2),
            status="Actual",
            categories=["Met", "Safety"],
            event="Banjir",
            urgency="Expected",
            severity="Severe",
            certainty="Likely",
            headline="Peringatan banjir: tinggi muka air sungai naik",
            description="Tinggi muka air sungai naik setelah hujan deras sejak sore. Genangan 30-70 cm "
            "diperkirakan di permukiman dekat bantaran.",
            instruction="Pindahkan barang berharga ke tempat tinggi, matikan listrik jika air masuk, dan "
            "ikuti arahan petugas. Darurat: 110.",
            event_en="Flood",
            headline_en="Flood warning: river level rising",
            description_en="River level rising after heavy rain; 30-70 cm of water expected near the banks.",
            instruction_en="Move valuables up, switch off power if water enters. Emergency: 110.",
            sender_name=f"Humas {polres.name}",
            contact="110",
            expires=now + dt.timedelta(hours=18),
            area_codes=k1 + [c for c, _n in kel[:2]],
        )
        alerts.publish_alert(humas, flood.pk, at=now - dt.timedelta(hours=2))

        road = alerts.create_alert(
            humas,
            polres=polres,
            at=now - dt.timedelta(hours=6),
            categories=["Transport"],
            event="Penutupan jalan",
            urgency="Immediate",
            severity="Moderate",
            certainty="Observed",
            headline="Penutupan jalan karena perbaikan jembatan",
            description="Jalan ditutup untuk kendaraan roda empat selama perbaikan jembatan.",
            instruction="Gunakan jalur alternatif yang ditunjuk petugas.",
            sender_name=f"Satlantas {polres.name}",
            expires=now + dt.timedelta(hours=10),
            area_codes=k2,
            polygons=[[[-6.241, 107.001], [-6.241, 107.006], [-6.246, 107.006], [-6.246, 107.001]]],
        )
        alerts.publish_alert(humas, road.pk, at=now - dt.timedelta(hours=6))
        alerts.update_alert(
            humas,
            road.pk,
            at=now - dt.timedelta(hours=1),
            headline="Penutupan jalan diperpanjang hingga besok pagi",
            description="Perbaikan jembatan belum selesai; penutupan diperpanjang. Roda dua boleh melintas.",
            expires=now + dt.timedelta(hours=20),
        )

        demo = alerts.create_alert(
            humas,
            polres=polres,
            at=now - dt.timedelta(hours=8),
            categories=["Security"],
            event="Unjuk rasa",
            urgency="Expected",
            severity="Minor",
            certainty="Possible",
            headline="Pengalihan arus karena unjuk rasa",
            description="Diperkirakan ada konsentrasi massa di depan kantor pemerintahan.",
            expires=now + dt.timedelta(hours=4),
            circles=[[-6.2383, 106.9756, 0.5]],
            area_desc="Sekitar kantor pemerintahan kota",
        )
        alerts.publish_alert(humas, demo.pk, at=now - dt.timedelta(hours=8))
        alerts.cancel_alert(
            humas, demo.pk, reason="Aksi dibatalkan oleh penyelenggara.", at=now - dt.timedelta(hours=3)
        )

        past = alerts.create_alert(
            humas,
            polres=polres,
            at=now - dt.timedelta(days=3),
            status="Exercise",
            categories=["Fire"],
            event="Latihan evakuasi kebakaran",
            urgency="Future",
            severity="Minor",
            certainty="Likely",
            headline="Latihan evakuasi kebakaran di pasar (latihan)",
            description="Latihan gabungan evakuasi kebakaran bersama Damkar.",
            expires=now - dt.timedelta(days=2),
            area_codes=k1,
        )
        alerts.publish_alert(humas, past.pk, at=now - dt.timedelta(days=3))
        alerts.expire_due(now)

        alerts.create_alert(
            humas,
            polres=polres,
            at=now - dt.timedelta(minutes=30),
            categories=["Safety"],
            event="Pemadaman listrik",
            urgency="Future",
            severity="Minor",
            certainty="Likely",
            headline="Pemadaman listrik terencana (draf)",
            expires=now + dt.timedelta(days=2),
            area_codes=k2,
        )
        alerts.import_cap(
            _sample_bmkg(now, kec[0][1] if kec else "Kota"), source="demo", polres=polres, at=now
        )
    counts["alerts"] = 7
    return counts
