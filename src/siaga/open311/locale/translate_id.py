# ruff: noqa: E501  (one translation a line)
"""Fill and compile the open311 app's Indonesian catalogue (polib; no GNU gettext needed to build).

    python src/siaga/open311/locale/translate_id.py

After `django-admin makemessages -l id` (run inside src/siaga/open311 with PYTHONSAFEPATH=1) adds new
msgids, add their Indonesian here and run this again.
"""

from pathlib import Path

ID = {
    "laporan (a report of an event) or pengaduan (a complaint)": "laporan (kejadian) atau pengaduan (keluhan)",
    "Report or complaint": "Laporan atau pengaduan",
    "Report (laporan)": "Laporan",
    "Complaint (pengaduan)": "Pengaduan",
    "RW number, 1 to 999": "Nomor RW, 1 sampai 999",
    "RW (neighbourhood) of the place": "RW tempat kejadian",
    "RT number, 1 to 999": "Nomor RT, 1 sampai 999",
    "RT (block) of the place": "RT tempat kejadian",
    "true: nothing identifying the reporter is stored": "true: tidak ada data yang mengenali pelapor yang disimpan",
    "Send without identity": "Kirim tanpa identitas",
    "Yes": "Ya",
    "No": "Tidak",
    "No service has the code %(c)s.": "Tidak ada layanan dengan kode %(c)s.",
    "%(f)s is longer than %(n)d characters.": "%(f)s lebih dari %(n)d karakter.",
    "%(f)s must be a decimal number of degrees.": "%(f)s harus berupa angka derajat desimal.",
    "%(f)s is outside ±%(b)d degrees.": "%(f)s di luar ±%(b)d derajat.",
    "service_code is required.": "service_code wajib diisi.",
    "Send lat and long together.": "Kirim lat dan long bersama-sama.",
    "A location is required: lat and long, address_string or address_id.": "Lokasi wajib diisi: lat dan long, address_string atau address_id.",
    "The e-mail address is not valid.": "Alamat e-mail tidak sah.",
    "media_url must be an http or https address.": "media_url harus berupa alamat http atau https.",
    "%(f)s is not a valid attribute field.": "%(f)s bukan kolom atribut yang sah.",
    "The service %(s)s has no attribute %(a)s.": "Layanan %(s)s tidak punya atribut %(a)s.",
    "attribute[%(a)s] must be one of: %(v)s.": "attribute[%(a)s] harus salah satu dari: %(v)s.",
    "attribute[%(a)s] must be a number from 1 to 999.": "attribute[%(a)s] harus berupa angka 1 sampai 999.",
    "attribute[%(a)s] is required.": "attribute[%(a)s] wajib diisi.",
    "No request has the id %(c)s.": "Tidak ada permintaan dengan id %(c)s.",
    "%(f)s must be an ISO 8601 date and time.": "%(f)s harus berupa tanggal dan jam ISO 8601.",
    "At most 1000 ids at once.": "Paling banyak 1000 id sekaligus.",
    "start_date is after end_date.": "start_date sesudah end_date.",
    "The span from start_date to end_date is at most 90 days.": "Rentang start_date sampai end_date paling lama 90 hari.",
    "status must be open or closed.": "status harus open atau closed.",
    "Only an administrator may manage Open311 API keys.": "Hanya administrator yang boleh mengelola kunci API Open311.",
    "Name the app (1 to 120 characters).": "Sebutkan nama aplikasi (1 sampai 120 karakter).",
    "Give the app owner's contact (1 to 200 characters).": "Isi kontak pemilik aplikasi (1 sampai 200 karakter).",
    "The rate must be a whole number.": "Batas harus berupa bilangan bulat.",
    "The rate must be 1 to 10,000 requests per hour.": "Batas harus 1 sampai 10.000 permintaan per jam.",
    "No such API key.": "Kunci API tidak ditemukan.",
    "An api_key is required to submit a request.": "api_key wajib untuk mengirim permintaan.",
    "The api_key is not valid.": "api_key tidak sah.",
    "app": "aplikasi",
    "owner contact": "kontak pemilik",
    "The Polres public relations office (Humas)": "Seksi Humas Polres",
    "Ask the Polres administrator for an API key (needed only to submit requests).": "Minta kunci API kepada administrator Polres (hanya perlu untuk mengirim permintaan).",
    "Send the request form-encoded (application/x-www-form-urlencoded).": "Kirim permintaan dalam bentuk formulir (application/x-www-form-urlencoded).",
    "Follow this report at /lacak/ with its tracking code; for an emergency call 110.": "Pantau laporan ini di /lacak/ dengan kode lacaknya; untuk keadaan darurat hubungi 110.",
}

if __name__ == "__main__":
    from siaga.core.catalogue import fill

    fill(Path(__file__).resolve().parent, ID)
