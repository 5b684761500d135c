# ruff: noqa: E501  (one translation a line)
"""Fill and compile the ingest app's Indonesian catalogue (polib; no GNU gettext needed to build).

    python src/siaga/ingest/locale/translate_id.py

After `django-admin makemessages -l id` (run inside src/siaga/ingest with PYTHONSAFEPATH=1) adds new
msgids, add their Indonesian here and run this again.
"""

from pathlib import Path

ID = {
    "Latitude and longitude must be numbers.": "Lintang dan bujur harus berupa angka.",
    "The alert's position is not valid.": "Posisi peringatan tidak valid.",
    "An alert needs a kind of 1 to 40 characters.": "Peringatan memerlukan jenis 1 sampai 40 karakter.",
    "Timestamps must carry a time zone.": "Stempel waktu harus mencantumkan zona waktu.",
    "Unknown Polres.": "Polres tidak dikenal.",
    "Alert not found.": "Peringatan tidak ditemukan.",
    "You may not handle device alerts.": "Anda tidak boleh menangani peringatan perangkat.",
    "The alert is already %(s)s.": "Peringatan sudah berstatus %(s)s.",
    "The alert is already closed.": "Peringatan sudah ditutup.",
    "You may not see this register.": "Anda tidak boleh melihat register ini.",
    "Name the Polres of the device.": "Sebutkan Polres perangkat ini.",
    "Fire": "Kebakaran",
    "Smoke": "Asap",
    "Crowd": "Kerumunan",
    "Fight": "Perkelahian",
    "Weapon": "Senjata",
    "Intrusion": "Penyusupan",
    "Loitering": "Berkeliaran mencurigakan",
    "Traffic accident": "Kecelakaan lalu lintas",
    "Vandalism": "Vandalisme",
    "%(event)s: %(camera)s": "%(event)s: %(camera)s",
    "You may not manage devices.": "Anda tidak boleh mengelola perangkat.",
    "This Polres is outside your jurisdiction.": "Polres ini di luar wilayah hukum Anda.",
    "The device's position is not valid.": "Posisi perangkat tidak valid.",
    "A device needs a name of 1 to 120 characters.": "Perangkat memerlukan nama 1 sampai 120 karakter.",
    "Unknown device kind %(k)s.": "Jenis perangkat %(k)s tidak dikenal.",
    "The device id must be 1 to 120 letters, digits or . _ : @ / + -.": "Id perangkat harus 1 sampai 120 huruf, angka atau . _ : @ / + -.",
    "A camera needs its position.": "Kamera harus memiliki posisi.",
    "The unit is not one of this Polres.": "Unit tersebut bukan bagian dari Polres ini.",
    "The Polsek is not one of this Polres.": "Polsek tersebut bukan bagian dari Polres ini.",
    "A device with this id is already registered.": "Perangkat dengan id ini sudah terdaftar.",
    "Device not found.": "Perangkat tidak ditemukan.",
    "The MQTT username must be 1 to 120 letters, digits or . _ @ -.": "Nama pengguna MQTT harus 1 sampai 120 huruf, angka atau . _ @ -.",
    "The MQTT password must be 12 to 200 characters.": "Kata sandi MQTT harus 12 sampai 200 karakter.",
    "This MQTT username is taken.": "Nama pengguna MQTT ini sudah dipakai.",
    "GPS tracker": "Pelacak GPS",
    "Phone": "Telepon",
    "Panic button": "Tombol panik",
    "CCTV camera": "Kamera CCTV",
    "ANPR camera": "Kamera ANPR",
    "Open": "Buka",
    "Acknowledged": "Dikonfirmasi",
    "Closed": "Ditutup",
    "Officer panic: %(u)s": "Sinyal panik petugas: %(u)s",
    "Panic button: %(d)s": "Tombol panik: %(d)s",
    "Devices": "Perangkat",
    "Trackers, phones, panic buttons and cameras that report to the device gateway.": "Pelacak, ponsel, tombol panik dan kamera yang melapor ke gerbang perangkat.",
    "Name": "Nama",
    "Kind": "Jenis",
    "Device id": "Id perangkat",
    "Unit": "Unit",
    "Last seen": "Terakhir terlihat",
    "Accepted": "Diterima",
    "Rejected": "Ditolak",
    "Duplicates": "Duplikat",
    "Status": "Status",
    "never": "belum pernah",
    "active": "aktif",
    "deactivated": "nonaktif",
    "No devices registered in your area.": "Belum ada perangkat terdaftar di wilayah Anda.",
    "Rejected messages, last 7 days": "Pesan yang ditolak, 7 hari terakhir",
    "Reason": "Alasan",
    "Messages": "Pesan",
    "None.": "Tidak ada.",
    "The alert's title is not valid.": "Judul peringatan tidak valid.",
    "Latest device alerts": "Peringatan perangkat terbaru",
    "Time": "Waktu",
    "Alert": "Peringatan",
}

if __name__ == "__main__":
    from siaga.core.catalogue import fill

    fill(Path(__file__).resolve().parent, ID)
