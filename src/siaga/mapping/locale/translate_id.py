# ruff: noqa: E501  (one translation a line)
"""Fill and compile the mapping app's Indonesian catalogue (polib; no GNU gettext needed to build).

    python src/siaga/mapping/locale/translate_id.py

After `siaga makemessages -l id` (run inside src/siaga/mapping with PYTHONSAFEPATH=1) adds new msgids,
add their Indonesian here and run this again.
"""

from pathlib import Path

ID = {
    "You may not see this register.": "Anda tidak boleh melihat register ini.",
    "A NIK has 16 digits.": "NIK terdiri dari 16 angka.",
    "A code name is 2–40 letters, digits, spaces, - or _.": "Nama sandi terdiri dari 2–40 huruf, angka, spasi, - atau _.",
    "The code name must not reveal the name.": "Nama sandi tidak boleh mengungkap nama.",
    "This code name is taken.": "Nama sandi ini sudah dipakai.",
    "Only Intelkam may see an informant's identity.": "Hanya Intelkam yang boleh melihat identitas informan.",
    "Not found.": "Tidak ditemukan.",
    "Unknown field.": "Isian tidak dikenal.",
    "Not a Fernet key (32 url-safe base64 bytes).": "Bukan kunci Fernet (32 bita base64 url-safe).",
    "This identity cannot be read with the installation's field key.": "Identitas ini tidak dapat dibaca dengan kunci data instalasi.",
    "Land dispute": "Sengketa tanah",
    "Gang or youth brawl": "Tawuran geng atau pemuda",
    "Ethnic or religious friction": "Gesekan suku atau agama",
    "Political tension": "Ketegangan politik",
    "Industrial dispute": "Perselisihan hubungan industrial",
    "Narcotics spot": "Titik rawan narkoba",
    "Other": "Lainnya",
    "Bhabinkamtibmas visit": "Kunjungan Bhabinkamtibmas",
    "Intelligence": "Intelijen",
    "Report": "Laporan",
    "PG — potential disturbance": "PG — potensi gangguan",
    "AG — threshold of disturbance": "AG — ambang gangguan",
    "GN — actual disturbance": "GN — gangguan nyata",
    "Monitored": "Dipantau",
    "Resolved": "Selesai",
    "Natural resource": "Sumber daya alam",
    "Person (tokoh)": "Tokoh",
    "Activity or facility": "Kegiatan atau fasilitas",
    "Network": "Jaringan",
    "Community leader": "Tokoh masyarakat",
    "Religious leader": "Tokoh agama",
    "Customary leader": "Tokoh adat",
    "Youth leader": "Tokoh pemuda",
    "Market": "Pasar",
    "School": "Sekolah",
    "Place of worship": "Tempat ibadah",
    "Event": "Acara",
    "Industry": "Industri",
    "Land or water": "Lahan atau perairan",
    "Mineral": "Mineral",
    "Organisation": "Organisasi",
    "FKPM": "FKPM",
    "Pokdar Kamtibmas": "Pokdar Kamtibmas",
    "Satpam": "Satpam",
    "RT head": "Ketua RT",
    "RW head": "Ketua RW",
    "Community organisation": "Organisasi kemasyarakatan",
    "Give a phone number or an e-mail address.": "Isi nomor telepon atau alamat e-mail.",
    "Choose at least one partner.": "Pilih paling sedikit satu mitra.",
    "At most %(n)d partners per message.": "Paling banyak %(n)d mitra per pesan.",
    "Not a valid partner.": "Mitra tidak sah.",
    "Some partners are unknown, inactive or outside your area.": "Sebagian mitra tidak dikenal, tidak aktif atau di luar wilayah Anda.",
    "One message goes to the partners of one Polres.": "Satu pesan untuk mitra satu Polres.",
    "This field is required.": "Isian ini wajib.",
    "Too short.": "Terlalu pendek.",
    "At most %(n)d characters.": "Paling banyak %(n)d karakter.",
    "Give a list.": "Isi berupa daftar.",
    "At most %(n)d entries.": "Paling banyak %(n)d isian.",
    "Not a valid choice.": "Pilihan tidak sah.",
    "No Polres covers this kelurahan.": "Tidak ada Polres yang membawahi kelurahan ini.",
    "Give one place: an RT, a kelurahan or a point.": "Isi satu tempat saja: RT, kelurahan atau titik.",
    "No such RT.": "RT tidak ditemukan.",
    "No such kelurahan.": "Kelurahan tidak ditemukan.",
    "The point needs a latitude and a longitude.": "Titik memerlukan lintang dan bujur.",
    "The point is not on Earth.": "Titik tidak berada di Bumi.",
    "The point is outside the Polres area.": "Titik berada di luar wilayah Polres.",
    "Give a place: an RT, a kelurahan or a point.": "Isi tempat: RT, kelurahan atau titik.",
    "You may not change this register.": "Anda tidak boleh mengubah register ini.",
    "This place is outside your area.": "Tempat ini di luar wilayah Anda.",
    "The e-mail address is not valid.": "Alamat e-mail tidak sah.",
    "The phone number is not valid.": "Nomor telepon tidak sah.",
    "This category does not belong to this kind.": "Kategori ini bukan bagian dari jenis ini.",
    "Contacts are kept for people only.": "Kontak hanya disimpan untuk tokoh.",
    "Nothing to change.": "Tidak ada yang diubah.",
    "Someone else changed this problem; reload it.": "Masalah ini sudah diubah orang lain; muat ulang.",
    "Say how the problem was resolved.": "Jelaskan bagaimana masalah diselesaikan.",
    "Territory registers": "Register wilayah",
    "Problems, sambang visits, potentials, partners and informants of the areas you may see.": "Masalah, kunjungan sambang, potensi, mitra dan informan di wilayah yang boleh Anda lihat.",
    "Nothing registered in your area.": "Belum ada yang tercatat di wilayah Anda.",
    "Problems": "Masalah",
    "Sambang visits": "Kunjungan sambang",
    "Potentials": "Potensi",
    "Partners": "Mitra",
    "Informants": "Informan",
    "Problem": "Masalah",
    "Kind": "Jenis",
    "Level": "Tingkat",
    "Status": "Status",
    "Source": "Sumber",
    "Place": "Tempat",
    "Parties": "Pihak",
    "Updated": "Diperbarui",
    "Date": "Tanggal",
    "Officer": "Petugas",
    "Kelurahan": "Kelurahan",
    "People met": "Orang yang ditemui",
    "Topics": "Topik",
    "Name": "Nama",
    "Category": "Kategori",
    "Contact": "Kontak",
    "Polres-wide": "Seluruh Polres",
    "Phone": "Telepon",
    "E-mail": "E-mail",
    "active": "aktif",
    "inactive": "tidak aktif",
    "Code name": "Nama sandi",
    "Not a valid date.": "Tanggal tidak sah.",
    "A visit cannot be in the future.": "Kunjungan tidak boleh di masa depan.",
    "Not a valid problem.": "Masalah tidak sah.",
    "No such problem.": "Masalah tidak ditemukan.",
}

if __name__ == "__main__":
    import polib

    from siaga.core.catalogue import fill

    here = Path(__file__).resolve().parent
    # one msgid with a context ("Open" is also the project's verb "Buka")
    po_path = here / "id" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    for e in po:
        if e.msgctxt == "problem status" and e.msgid == "Open":
            e.msgstr = "Terbuka"
    po.save()
    fill(here, ID)
