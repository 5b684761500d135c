"""Demo content of the legal app, made through its services inside the demo builder's transaction: the
bundled library (regulations, KUHP mapping, FAQ) and consultations in every state, one published to
the FAQ."""

from __future__ import annotations

import datetime as dt

from siaga.core.context import acting

from . import consultations, library

QUESTIONS = [
    # (topic, question, answer or None, final state)
    (
        "lalu_lintas",
        "Motor saya ditabrak mobil dari belakang di lampu merah, pengemudinya mau ganti rugi. "
        "Apakah kami tetap harus lapor ke polisi?",
        None,
        "new",
    ),
    (
        "perizinan",
        "Kami karang taruna mau mengadakan lomba 17 Agustus dengan panggung musik di jalan kampung. "
        "Apakah perlu izin keramaian dan ke mana mengurusnya?",
        None,
        "new",
    ),
    (
        "pidana",
        "HP saya dicuri orang yang masuk lewat jendela malam hari. Pasal apa yang dipakai sekarang "
        "setelah KUHP baru berlaku?",
        None,
        "assigned",
    ),
    (
        "siber",
        "Saya tertipu jual beli daring, barang tidak dikirim padahal sudah transfer Rp2.500.000. "
        "Apa yang harus saya siapkan untuk melapor?",
        "Siapkan bukti transfer, tangkapan layar percakapan dan iklan, nomor rekening dan akun penjual. "
        "Laporkan ke SPKT atau lewat menu Buat laporan. Perbuatan ini dapat dikenai pasal penipuan "
        "(UU 1/2023 Pasal 492, dahulu KUHP Pasal 378).",
        "answered",
    ),
    (
        "data",
        "Apakah polisi boleh menyebarkan foto KTP saya yang saya lampirkan saat melapor kehilangan?",
        "Tidak. Data pada KTP adalah data pribadi yang dilindungi UU 27/2022; petugas hanya memakainya "
        "untuk keperluan layanan. Anda berhak meminta akses, pembetulan dan penghapusan data Anda.",
        "published",
    ),
    (
        "keluarga",
        "Tetangga saya sering terdengar memukul istrinya malam hari. Bolehkah saya yang melapor, "
        "bukan korbannya?",
        "Boleh. Setiap orang yang mendengar, melihat atau mengetahui kekerasan dalam rumah tangga "
        "dapat melapor ke polisi; bila korban dalam bahaya, telepon 110. Identitas pelapor dirahasiakan.",
        "closed",
    ),
    (
        "lainnya",
        "Tes tes tes apakah formulir ini berfungsi dengan baik?",
        None,
        "closed_unanswered",
    ),
]


def build(polres, now: dt.datetime, seed: int = 1) -> dict[str, int]:
    """Make the demo records of this app for `polres`; returns counts by kind."""
    from siaga.accounts.models import User

    counts = library.load_seed()
    sikum = User.objects.filter(username="sikum").first()
    if sikum is None:  # a demo without logins: the library alone
        return counts
    made = 0
    for i, (topic, question, answer, state) in enumerate(QUESTIONS):
        asked = now - dt.timedelta(days=len(QUESTIONS) - i, hours=3 * i)
        c = consultations.ask(
            key=f"demo-legal-{seed}-{i:04d}-consultation",
            topic=topic,
            question=question,
            name="Warga Demo" if i % 2 else "",
            polres=polres,
            at=asked,
        )
        made += 1
        with acting(sikum, f"demo-legal-{seed}-{i}"):
            later = asked + dt.timedelta(hours=5)
            if state == "assigned":
                consultations.assign(sikum, c.pk, at=later)
            if answer:
                consultations.answer(sikum, c.pk, text=answer, at=later)
            if state == "published":
                consultations.publish_to_faq(sikum, c.pk, references="UU 27/2022")
            if state == "closed":
                consultations.close(sikum, c.pk, at=later + dt.timedelta(days=1))
            if state == "closed_unanswered":
                consultations.close(sikum, c.pk, reason="Uji coba formulir, bukan pertanyaan.", at=later)
    counts["consultations"] = made
    return counts
