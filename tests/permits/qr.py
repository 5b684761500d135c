"""Read an issued letter back: its text (pypdf) and the QR code's modules, compared with the modules of
a payload (no QR decoder is installed: two QR codes with the same modules carry the same payload)."""

from __future__ import annotations

import io
import re

import qrcode
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def verification_url(data: bytes) -> str:
    m = re.search(r"(https?://\S+/verifikasi/[0-9A-Z]+/)", pdf_text(data))
    assert m, "no verification URL in the letter"
    return m[1]


def qr_modules_in_pdf(data: bytes) -> list[list[bool]]:
    """The dark/light modules of the (only) image in the PDF, sampled at each module's centre."""
    (page,) = PdfReader(io.BytesIO(data)).pages
    images = list(page.images)
    assert len(images) == 1, "the letter carries exactly one image: its QR code"
    img = images[0].image.convert("L")
    w, _h = img.size
    # the QR is drawn with a 2-module quiet zone; find the first dark pixel on the diagonal for the scale
    first = next(i for i in range(w) if img.getpixel((i, i)) < 128)
    box = first / 2
    n = round(w / box) - 4
    return [
        [img.getpixel((int((c + 2.5) * box), int((r + 2.5) * box))) < 128 for c in range(n)] for r in range(n)
    ]


def qr_modules_for(payload: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(payload)
    qr.make(fit=True)
    return [[bool(v) for v in row] for row in qr.get_matrix()]
