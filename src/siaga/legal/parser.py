"""Plain text of an Indonesian regulation → its structure (pure functions, no database).

The layout of official texts (JDIH, the State Gazette): headings alone on their line —
"BAB I" (then its title on the next line, or on the same line), "Bagian Kesatu" (then its title),
"Paragraf 1" (then its title), "Pasal 1" — and ayat as lines starting "(1)". A cross-reference such
as "… dimaksud dalam Pasal 5" that wraps onto a new line is never a heading: a heading is the marker
alone on its line. `parse` never raises; `render` writes a structure back in the same layout, so
`parse(render(doc)) == doc` for every document `parse` can produce.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

BAB_RE = re.compile(r"^BAB\s+([IVXLCDM]+|\d+)(?:\s+(.+))?$")
BAGIAN_RE = re.compile(r"^Bagian\s+(Ke[a-z]+|\d+)$", re.IGNORECASE)
PARAGRAF_RE = re.compile(r"^Paragraf\s+(\d+|Ke[a-z]+)$", re.IGNORECASE)
PASAL_RE = re.compile(r"^Pasal\s+(\d{1,4}[A-Z]?)$", re.IGNORECASE)
AYAT_RE = re.compile(r"^\((\d{1,3}[a-z]?)\)\s*(.*)$")
PASAL_NUMBER_RE = re.compile(r"^\d{1,4}[A-Z]?$")
MAX_TITLE = 300


@dataclass
class Ayat:
    number: str
    text: str


@dataclass
class Pasal:
    number: str
    text: str = ""  # text before the first ayat (or the whole article when it has none)
    ayat: list[Ayat] = field(default_factory=list)
    bab: str = ""
    bab_title: str = ""
    bagian: str = ""
    bagian_title: str = ""
    paragraf: str = ""
    paragraf_title: str = ""

    def body(self) -> str:
        """The article's text as stored: intro text, then one line per ayat."""
        lines = [self.text] if self.text else []
        lines += [f"({a.number}) {a.text}".rstrip() for a in self.ayat]
        return "\n".join(lines)


@dataclass
class Document:
    preamble: str = ""  # anything before the first heading (title, considerations)
    pasal: list[Pasal] = field(default_factory=list)


def clean_line(line: str) -> str:
    """Normalise one line: NFC, no control characters, single spaces."""
    line = unicodedata.normalize("NFC", line)
    line = "".join(ch if ch.isprintable() else " " for ch in line)
    return " ".join(line.split())


def clean_text(text: str) -> str:
    return "\n".join(filter(None, (clean_line(x) for x in str(text or "").splitlines())))


def _join(a: str, b: str) -> str:
    return f"{a}\n{b}" if a else b


def _is_bab(line: str) -> re.Match | None:
    """A chapter heading; an inline title must be in capitals (body text may start "BAB I sampai …")."""
    m = BAB_RE.match(line)
    return m if m and (not m.group(2) or m.group(2).isupper()) else None


def _is_heading(line: str) -> bool:
    return bool(_is_bab(line) or BAGIAN_RE.match(line) or PARAGRAF_RE.match(line) or PASAL_RE.match(line))


def parse(text: str) -> Document:
    doc = Document()
    lines = [ln for ln in (clean_line(x) for x in str(text or "").splitlines()) if ln]
    bab = bab_title = bagian = bagian_title = paragraf = paragraf_title = ""
    current: Pasal | None = None
    i, n = 0, len(lines)

    def title_after(j: int) -> tuple[str, int]:
        """A heading's title: the next line unless it is itself a heading or an ayat."""
        if j < n and not _is_heading(lines[j]) and not AYAT_RE.match(lines[j]):
            return lines[j][:MAX_TITLE].strip(), j + 1
        return "", j

    while i < n:
        line = lines[i]
        i += 1
        if m := _is_bab(line):
            bab = f"BAB {m.group(1)}"
            if m.group(2):
                bab_title = m.group(2)[:MAX_TITLE].strip()
            else:
                bab_title, i = title_after(i)
            bagian = bagian_title = paragraf = paragraf_title = ""
            current = None
            continue
        if m := BAGIAN_RE.match(line):
            bagian = f"Bagian {m.group(1)[:1].upper()}{m.group(1)[1:].lower()}"
            bagian_title, i = title_after(i)
            paragraf = paragraf_title = ""
            current = None
            continue
        if m := PARAGRAF_RE.match(line):
            paragraf = f"Paragraf {m.group(1)[:1].upper()}{m.group(1)[1:].lower()}"
            paragraf_title, i = title_after(i)
            current = None
            continue
        if m := PASAL_RE.match(line):
            current = Pasal(
                number=m.group(1).upper(),
                bab=bab,
                bab_title=bab_title,
                bagian=bagian,
                bagian_title=bagian_title,
                paragraf=paragraf,
                paragraf_title=paragraf_title,
            )
            doc.pasal.append(current)
            continue
        if current is None:
            # text between a heading and the first Pasal (rare) or before any heading: keep as preamble
            doc.preamble = _join(doc.preamble, line)
            continue
        if m := AYAT_RE.match(line):
            current.ayat.append(Ayat(m.group(1), m.group(2)))
        elif current.ayat:
            current.ayat[-1].text = _join(current.ayat[-1].text, line)
        else:
            current.text = _join(current.text, line)
    return doc


def render(doc: Document) -> str:
    """The document in the layout `parse` reads."""
    out: list[str] = []
    if doc.preamble:
        out.append(doc.preamble)
    bab = bagian = paragraf = None
    for p in doc.pasal:
        if (p.bab, p.bab_title) != bab:
            bab, bagian, paragraf = (p.bab, p.bab_title), None, None
            if p.bab:
                # a title in capitals goes on the heading's line, any other on the next line
                if p.bab_title and p.bab_title.isupper():
                    out.append(f"{p.bab} {p.bab_title}")
                else:
                    out.append(p.bab)
                    if p.bab_title:
                        out.append(p.bab_title)
        if (p.bagian, p.bagian_title) != bagian:
            bagian, paragraf = (p.bagian, p.bagian_title), None
            if p.bagian:
                out.append(p.bagian)
                if p.bagian_title:
                    out.append(p.bagian_title)
        if (p.paragraf, p.paragraf_title) != paragraf:
            paragraf = (p.paragraf, p.paragraf_title)
            if p.paragraf:
                out.append(p.paragraf)
                if p.paragraf_title:
                    out.append(p.paragraf_title)
        out.append(f"Pasal {p.number}")
        if p.text:
            out.append(p.text)
        for a in p.ayat:
            out.append(f"({a.number}) {a.text}".rstrip())
    return "\n".join(out) + ("\n" if out else "")


def split_ayat(text: str) -> list[tuple[str, str]]:
    """A stored article text as (ayat number or "", text) paragraphs, for display."""
    out: list[tuple[str, str]] = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if m := AYAT_RE.match(line):
            out.append((m.group(1), m.group(2)))
        elif out:
            out[-1] = (out[-1][0], _join(out[-1][1], line))
        else:
            out.append(("", line))
    return out
