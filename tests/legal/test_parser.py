"""The plain-text parser: examples of the official layout, and properties (hypothesis): it never crashes,
numbering survives a round trip, and render ∘ parse is a fixed point."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from siaga.legal.parser import Ayat, Document, Pasal, parse, render, split_ayat

SAMPLE = """UNDANG-UNDANG REPUBLIK INDONESIA
NOMOR 22 TAHUN 2009
BAB I
KETENTUAN UMUM
Pasal 1
Dalam Undang-Undang ini yang dimaksud dengan:
1. Lalu Lintas adalah gerak Kendaraan dan orang di Ruang Lalu Lintas Jalan.
BAB XIV KECELAKAAN LALU LINTAS
Bagian Kesatu
Penggolongan
Paragraf 1
Umum
Pasal 229
(1) Kecelakaan Lalu Lintas digolongkan atas:
a. ringan;
b. sedang; atau
c. berat.
(2) Kecelakaan ringan sebagaimana dimaksud dalam
Pasal 229 ayat (1) huruf a merupakan contoh.
Pasal 229A
Teks tambahan.
"""


def test_the_official_layout_is_read_into_its_structure():
    doc = parse(SAMPLE)
    assert doc.preamble == "UNDANG-UNDANG REPUBLIK INDONESIA\nNOMOR 22 TAHUN 2009"
    assert [p.number for p in doc.pasal] == ["1", "229", "229A"]
    p1, p229, p229a = doc.pasal
    assert (p1.bab, p1.bab_title, p1.bagian) == ("BAB I", "KETENTUAN UMUM", "")
    assert p1.text.startswith("Dalam Undang-Undang ini") and p1.ayat == []
    assert (p229.bab, p229.bab_title) == ("BAB XIV", "KECELAKAAN LALU LINTAS")
    assert (p229.bagian, p229.bagian_title, p229.paragraf, p229.paragraf_title) == (
        "Bagian Kesatu",
        "Penggolongan",
        "Paragraf 1",
        "Umum",
    )
    assert [a.number for a in p229.ayat] == ["1", "2"]
    # a cross-reference wrapped onto its own line is text, not a new article
    assert "Pasal 229 ayat (1) huruf a" in p229.ayat[1].text
    assert p229a.text == "Teks tambahan." and p229a.bagian == "Bagian Kesatu"


def test_render_then_parse_gives_the_same_document():
    doc = parse(SAMPLE)
    assert parse(render(doc)) == doc


def test_headings_need_their_own_line_and_capitals():
    doc = parse("Pasal 1\nBAB I sampai BAB III mengatur hal umum.\nLihat\nPasal 2 ayat (1).")
    assert [p.number for p in doc.pasal] == ["1"]
    assert "BAB I sampai" in doc.pasal[0].text


def test_control_characters_and_odd_spacing_are_cleaned():
    doc = parse("Pasal   7\n(1)\tsatu\x02dua\r\n")
    assert doc.pasal[0].number == "7"
    assert doc.pasal[0].ayat == [Ayat("1", "satu dua")]


def test_split_ayat_for_display():
    assert split_ayat("Pengantar\n(1) satu\nlanjut\n(2) dua") == [
        ("", "Pengantar"),
        ("1", "satu\nlanjut"),
        ("2", "dua"),
    ]


# --- properties -----------------------------------------------------------------------------------

ROMAN = ["I", "II", "III", "IV", "V", "IX", "X", "XIV", "XXII"]
ORDINAL = ["Kesatu", "Kedua", "Ketiga", "Keempat"]
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30).map(
    lambda s: " ".join(s.split()) or "teks"
)
lines = st.lists(words, min_size=0, max_size=3)


@st.composite
def documents(draw):
    """Text in the official layout with known article numbers (strictly increasing, some with a letter)."""
    out, numbers, n = [], [], 0
    if draw(st.booleans()):
        out.append("MENIMBANG " + draw(words))
    for b in range(draw(st.integers(1, 4))):
        out.append(f"BAB {ROMAN[b]}")
        out.append(draw(words).upper())
        for g in range(draw(st.integers(0, 2))):
            out.append(f"Bagian {ORDINAL[g]}")
            out.append(draw(words).capitalize())
        for _ in range(draw(st.integers(1, 4))):
            n += draw(st.integers(1, 30))
            num = f"{n}{draw(st.sampled_from(['', '', 'A']))}"
            numbers.append(num)
            out.append(f"Pasal {num}")
            out.extend(draw(lines))
            for a in range(draw(st.integers(0, 3))):
                out.append(f"({a + 1}) {draw(words)}")
                out.extend(draw(lines))
    return "\n".join(out), numbers


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_parse_never_crashes_on_any_text(text):
    doc = parse(text)
    assert isinstance(doc, Document)
    assert all(isinstance(p, Pasal) and p.number for p in doc.pasal)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Pasl BAIVX()123\nKekdugian abc")), max_size=600))
def test_render_parse_is_a_fixed_point_even_for_odd_text(text):
    doc = parse(text)
    assert parse(render(doc)) == doc


@settings(max_examples=200, deadline=None)
@given(documents())
def test_numbering_round_trips(sample):
    text, numbers = sample
    doc = parse(text)
    assert [p.number for p in doc.pasal] == numbers
    again = parse(render(doc))
    assert again == doc
    assert [p.number for p in again.pasal] == numbers
