"""The issued SKTLK as a PDF: its text carries the letter number, the holder, the items and the
verification URL; its only image is a QR code whose modules are those of that URL."""

from __future__ import annotations

import pytest

from siaga.permits import letters, submit, workflow

from .conftest import *  # noqa: F403
from .conftest import demo_fields, key, sktlk_fields
from .qr import pdf_text, qr_modules_for, qr_modules_in_pdf, verification_url

pytestmark = pytest.mark.django_db


def test_the_sktlk_pdf_has_the_number_the_items_and_a_qr_of_the_verification_url(pw):
    r = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields()).request
    r = workflow.approve(pw.u("operator"), r.pk, signer_name="AKP Rahmat Hidayat")
    data = letters.pdf(r, "https://siaga.example/")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert r.letter_number in text and "SURAT KETERANGAN TANDA LAPOR KEHILANGAN" in text
    assert "Siti Aminah" in text and "KTP" in text and "AKP Rahmat Hidayat" in text
    url = verification_url(data)
    assert url == f"https://siaga.example/verifikasi/{r.verify_code}/"
    assert qr_modules_in_pdf(data) == qr_modules_for(url)
    assert qr_modules_in_pdf(data) != qr_modules_for(url.replace(r.verify_code[:4], "0000"))


def test_the_sttp_pdf(pw):
    r = submit.submit(kind="unjuk_rasa", key=key(1), fields=demo_fields()).request
    r = workflow.approve(pw.u("intelkam"), r.pk)
    data = letters.pdf(r, "http://127.0.0.1:8000")
    text = pdf_text(data)
    assert "STTP" in text and r.letter_number in text and "Serikat Pekerja Bekasi" in text
    assert qr_modules_in_pdf(data) == qr_modules_for(verification_url(data))


def test_no_pdf_before_issue(pw):
    from siaga.core.errors import NotFound

    r = submit.submit(kind="sktlk", key=key(1), fields=sktlk_fields()).request
    with pytest.raises(NotFound):
        letters.pdf(r)
