# ruff: noqa: E501  (one translation a line)
"""Fill and compile the analytics app's Indonesian catalogue (polib; no GNU gettext needed to build).

    python src/siaga/analytics/locale/translate_id.py

After `django-admin makemessages -l id` (run inside src/siaga/analytics with PYTHONSAFEPATH=1) adds new
msgids, add their Indonesian here and run this again.
"""

from pathlib import Path

ID = {
    "RT": "RT",
    "RW": "RW",
    "Kelurahan": "Kelurahan",
    "Kecamatan": "Kecamatan",
    "Polsek area": "Wilayah Polsek",
    "Aman (safe)": "Aman",
    "Waspada (watch)": "Waspada",
    "Rawan (prone)": "Rawan",
    "Absolute score": "Skor mutlak",
    "Percentile within the level": "Persentil dalam tingkat wilayah",
    "Risk": "Kerawanan",
    "Risk map": "Peta kerawanan",
    "score": "skor",
    "week %(w)s": "minggu %(w)s",
    "This week alone says %(raw)s; the class changes only after consistent evidence (%(n)s week(s) so far).": "Minggu ini saja menunjukkan %(raw)s; kelas baru berubah setelah bukti yang konsisten (sejauh ini %(n)s minggu).",
    "Why": "Mengapa",
    "Component": "Komponen",
    "Points": "Poin",
    "Score": "Skor",
    "Incidents in the window": "Kejadian dalam jendela waktu",
    "severity-weighted": "berbobot keparahan",
    "Exposure": "Paparan",
    "Rate relative to the level mean (after shrinkage)": "Laju relatif terhadap rata-rata tingkat (setelah penyusutan)",
    "Open problems": "Masalah terbuka",
    "Predicted incidents next week": "Prediksi kejadian minggu depan",
    "Thresholds": "Ambang batas",
    "waspada": "waspada",
    "rawan": "rawan",
    "%(n)s week(s) to confirm a change": "%(n)s minggu untuk memastikan perubahan",
    "Area map": "Peta wilayah",
    "History": "Riwayat",
    "Week": "Minggu",
    "This week alone": "Minggu ini saja",
    "Class": "Kelas",
    "Risk classes": "Kelas kerawanan",
    "Area level": "Tingkat wilayah",
    "Legend": "Keterangan",
    "No risk classes computed yet: run “siaga analytics risk”.": "Kelas kerawanan belum dihitung: jalankan “siaga analytics risk”.",
    "Highest scores": "Skor tertinggi",
    "Area": "Wilayah",
    "Open the area": "Buka wilayah",
    "No risk snapshot for this area (or it is outside your area).": "Tidak ada catatan kerawanan untuk wilayah ini (atau di luar wilayah Anda).",
    "Incidents (severity-weighted, shrunk to the mean)": "Kejadian (berbobot keparahan, disusutkan ke rata-rata)",
    "Open problems (PG / AG / GN)": "Masalah terbuka (PG / AG / GN)",
    "Predicted intensity next week": "Prediksi intensitas minggu depan",
}

if __name__ == "__main__":
    from siaga.core.catalogue import fill

    fill(Path(__file__).resolve().parent, ID)
