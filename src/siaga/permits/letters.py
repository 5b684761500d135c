"""Issued letters: numbers per Polres, series and year (Roman month), the PDF with a QR code that points
at the public verification page /verifikasi/<code>/, and what that page may show."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from siaga.core.errors import NotFound
from siaga.portal.common import TooMany, hit, normalise_code, spent

from .common import VERIFY_LEN, kind_label, new_code
from .models import Kind, LetterCounter, Request, Signer, Status

ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
SERIES = {Kind.SKTLK: ("SKTLK", "SPKT"), Kind.CROWD: ("SIK", "INTELKAM"), Kind.DEMO: ("STTP", "INTELKAM")}
SKTLK_VALID = dt.timedelta(days=14)  # DOMAIN.md: an SKTLK is usually valid 14 days
ITEM_KINDS = {
    "ktp": "KTP",
    "kk": "Kartu Keluarga",
    "sim": "SIM",
    "stnk": "STNK",
    "bpkb": "BPKB",
    "atm": "Kartu ATM / debit",
    "buku_tabungan": "Buku tabungan",
    "paspor": "Paspor",
    "ijazah": "Ijazah",
    "npwp": "NPWP",
    "bpjs": "Kartu BPJS",
    "lainnya": "Lainnya",
}


def roman_month(month: int) -> str:
    return ROMAN[month - 1]


def next_number(polres, kind: str, at: dt.datetime) -> str:
    """e.g. SKTLK/123/XI/2026/SPKT: the counter of this Polres, series and year, taken under a row lock."""
    series, unit = SERIES[kind]
    local = at.astimezone(zoneinfo.ZoneInfo(polres.timezone or "Asia/Jakarta"))
    year = local.year
    counter = (
        LetterCounter.objects.select_for_update().filter(polres=polres, series=series, year=year).first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                LetterCounter.objects.create(polres=polres, series=series, year=year, last=0)
        except IntegrityError:
            pass  # made by a concurrent issuer: lock it below
        counter = LetterCounter.objects.select_for_update().get(polres=polres, series=series, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{series}/{counter.last}/{roman_month(local.month)}/{year}/{unit}"


def new_verify_code() -> str:
    for _attempt in range(10):
        code = new_code(VERIFY_LEN)
        if not Request.objects.filter(verify_code=code).exists():
            return code
    raise RuntimeError("no free verification code")


def verification_path(code: str) -> str:
    return reverse("permits:verify", args=[code])


def verification_url(code: str, base_url: str = "") -> str:
    """Absolute when the site's address is known (the request's, else the SIAGA_PUBLIC_URL setting)."""
    base = base_url or getattr(settings, "SIAGA_PUBLIC_URL", "") or ""
    return base.rstrip("/") + verification_path(code)


def mask_name(name: str) -> str:
    """'Siti Aminah' -> 'S*** A****': initials only, word lengths kept."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in str(name or "").split())


def signer_title(r: Request) -> str:
    """e.g. 'Kapolres Metro Bekasi Kota' from the Polres 'Polres Metro Bekasi Kota'."""
    place = r.polsek.name if r.signer == Signer.KAPOLSEK and r.polsek_id else r.polres.name
    if not r.signer:
        return place
    for prefix in ("Polres ", "Polsek ", "Polresta ", "Polrestabes "):
        if place.startswith(prefix):
            return f"{Signer(r.signer).label}{place[len(prefix) - 1 :]}"
    return f"{Signer(r.signer).label} {place}"


# Codes carry 100 bits, so guessing is hopeless anyway; the limit keeps a scanner from trying: after this
# many unknown codes from one address in the window, every lookup from it waits (a known code still costs
# nothing, so a bank checking many genuine letters is never slowed).
VERIFY_MISSES, VERIFY_WINDOW_S = 30, 600


def verification(code: Any, now: dt.datetime | None = None, client: str = "") -> dict[str, Any]:
    """What anyone holding a letter's code may learn: state, dates, the holder's masked name, item kinds.
    `client`: the caller's address, for the limit on unknown codes."""
    if spent("verify-miss", client, VERIFY_MISSES):
        raise TooMany(_("Too many attempts. Please wait a few minutes and try again."))
    r = Request.objects.select_related("polres", "polsek").filter(verify_code=normalise_code(code)).first()
    if r is None or not r.issued_at:
        hit("verify-miss", client, VERIFY_MISSES, VERIFY_WINDOW_S)
        raise NotFound(_("No letter has this verification code."))
    now = now or timezone.now()
    if r.status == Status.REVOKED:
        state, label = "revoked", _("Revoked")
    elif r.valid_until and now > r.valid_until:
        state, label = "expired", _("Expired")
    else:
        state, label = "valid", _("Valid")
    items = [ITEM_KINDS.get(i.get("kind"), i.get("kind", "")) for i in r.details.get("items", [])]
    return {
        "state": state,
        "state_label": str(label),
        "kind": r.kind,
        "kind_label": kind_label(r.kind),
        "letter_number": r.letter_number,
        "issued_at": r.issued_at,
        "valid_until": r.valid_until,
        "revoked_at": r.revoked_at,
        "revoke_reason": r.reason if r.status == Status.REVOKED else "",
        "holder": mask_name(r.name),
        "items": items,
        "issuer": signer_title(r),
    }


# --- the PDF -------------------------------------------------------------------------------------------


def _qr_png(payload: str) -> bytes:
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(payload)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def _local(r: Request, value: dt.datetime | None) -> str:
    if value is None:
        return "-"
    return value.astimezone(zoneinfo.ZoneInfo(r.polres.timezone or "Asia/Jakarta")).strftime("%d-%m-%Y %H:%M")


TITLES = {
    Kind.SKTLK: "SURAT KETERANGAN TANDA LAPOR KEHILANGAN",
    Kind.CROWD: "SURAT IZIN KERAMAIAN",
    Kind.DEMO: "SURAT TANDA TERIMA PEMBERITAHUAN (STTP)",
}


def pdf(r: Request, base_url: str = "") -> bytes:
    """The issued letter as a PDF (A4, reportlab): number, holder, what it certifies, validity, signer and
    a QR code of the verification URL (also printed as text, for readers without a camera)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    if not r.issued_at or r.kind not in TITLES:
        raise NotFound(_("This request has no letter."))
    url = verification_url(r.verify_code, base_url)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setTitle(f"{r.letter_number}")
    c.setAuthor(r.polres.name)
    w, h = A4
    y = h - 20 * mm
    c.setFont("Helvetica-Bold", 11)
    c.drawString(20 * mm, y, "KEPOLISIAN NEGARA REPUBLIK INDONESIA")
    y -= 5 * mm
    c.setFont("Helvetica", 10)
    c.drawString(20 * mm, y, r.polres.name.upper() + (f" - {r.polsek.name.upper()}" if r.polsek_id else ""))
    y -= 12 * mm
    c.setFont("Helvetica-Bold", 13)
    c.drawCentredString(w / 2, y, TITLES[r.kind])
    y -= 6 * mm
    c.setFont("Helvetica", 10)
    c.drawCentredString(w / 2, y, f"Nomor: {r.letter_number}")
    y -= 12 * mm

    def line(label: str, value: str, indent: float = 20) -> None:
        nonlocal y
        c.drawString(indent * mm, y, label)
        c.drawString((indent + 45) * mm, y, f": {value}"[:95])
        y -= 6 * mm

    d = r.details
    line("Nama", r.name)
    line("NIK", r.nik)
    if r.kind == Kind.SKTLK:
        line("Tanggal kehilangan", d.get("lost_on", ""))
        line("Tempat kehilangan", d.get("lost_place", ""))
        y -= 2 * mm
        c.drawString(20 * mm, y, "Telah melaporkan kehilangan barang/surat berikut:")
        y -= 6 * mm
        for i, item in enumerate(d.get("items", []), 1):
            label = ITEM_KINDS.get(item.get("kind"), item.get("kind", ""))
            ident = item.get("identifier") or "-"
            c.drawString(25 * mm, y, f"{i}. {label}  No. {ident}"[:100])
            y -= 6 * mm
        y -= 2 * mm
        c.drawString(20 * mm, y, "Surat keterangan ini bukan pengganti dokumen yang hilang.")
        y -= 6 * mm
    elif r.kind == Kind.CROWD:
        line("Kegiatan", d.get("title", ""))
        line("Penyelenggara", d.get("organiser", ""))
        line("Tempat", d.get("place", ""))
        line("Waktu", f"{_local(r, r.starts_at)} s.d. {_local(r, r.ends_at)}")
        line("Jumlah peserta", str(d.get("participants", "")))
    else:
        line("Penanggung jawab", d.get("coordinator", ""))
        line("Organisasi", d.get("organisation", ""))
        line("Maksud dan tujuan", d.get("purpose", ""))
        line("Tempat / rute", d.get("place", "") + (f" ({d['route']})" if d.get("route") else ""))
        line("Waktu", f"{_local(r, r.starts_at)} s.d. {_local(r, r.ends_at)}")
        line("Bentuk", d.get("form", ""))
        line("Jumlah peserta", str(d.get("participants", "")))
    y -= 4 * mm
    line("Diterbitkan", _local(r, r.issued_at))
    line("Berlaku sampai", _local(r, r.valid_until))
    y -= 8 * mm
    c.drawString(120 * mm, y, signer_title(r))
    y -= 18 * mm
    c.drawString(120 * mm, y, r.signer_name or "-")
    qr = ImageReader(io.BytesIO(_qr_png(url)))
    c.drawImage(qr, 20 * mm, 30 * mm, width=38 * mm, height=38 * mm)
    c.setFont("Helvetica", 8)
    c.drawString(62 * mm, 50 * mm, "Periksa keaslian surat ini:")
    c.drawString(62 * mm, 45 * mm, url)
    c.drawString(62 * mm, 40 * mm, f"Kode verifikasi: {r.verify_code}")
    c.showPage()
    c.save()
    return buf.getvalue()
