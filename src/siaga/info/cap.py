"""OASIS CAP 1.2 documents and the Atom feed that lists them; reading CAP documents safely.

Writing follows the schema's element order (alert: identifier, sender, sent, status, msgType, scope,
note, references, info; info: language, category, event, urgency, severity, certainty, effective, onset,
expires, senderName, headline, description, instruction, web, contact, area; area: areaDesc, polygon,
circle, geocode). Times carry the Polres's zone offset and no fractional seconds; UTC is written -00:00
as CAP requires. Polygons are "lat,lon" pairs, closed (first pair = last).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from siaga.core.errors import Invalid

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml; charset=utf-8"
GEOCODE_NAME = "KEMENDAGRI"  # the valueName of the area geocodes: Kemendagri kecamatan/kelurahan codes
MAX_DOCUMENT = 1_000_000  # bytes: an imported CAP document larger than this is refused
TIME_RE = re.compile(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")


def cap_time(value: dt.datetime, tz: str = "Asia/Jakarta") -> str:
    """2026-11-27T21:00:00+07:00: the Polres's zone, whole seconds; UTC as -00:00 (CAP 1.2 §3.3.2)."""
    local = value.astimezone(zoneinfo.ZoneInfo(tz)).replace(microsecond=0)
    s = local.isoformat()
    if s.endswith("+00:00"):
        s = s[:-6] + "-00:00"
    return s


def fmt_number(v: float) -> str:
    s = f"{float(v):.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def polygon_text(ring: list[list[float]]) -> str:
    pts = [list(p) for p in ring]
    if pts and pts[0] != pts[-1]:
        pts.append(pts[0])
    return " ".join(f"{fmt_number(lat)},{fmt_number(lon)}" for lat, lon in pts)


def circle_text(c: list[float]) -> str:
    lat, lon, r = c
    return f"{fmt_number(lat)},{fmt_number(lon)} {fmt_number(r)}"


def reference_of(alert) -> str:
    """This message as another message's `references` entry: sender,identifier,sent."""
    return f"{alert.sender},{alert.identifier},{cap_time(alert.sent, alert.polres.timezone)}"


def _sub(parent, tag: str, text: Any = None):
    el = etree.SubElement(parent, f"{{{NS}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def _opt(parent, tag: str, text: Any) -> None:
    if text not in (None, ""):
        _sub(parent, tag, text)


def _info(root, a, tz: str, lang: str, en: bool, area_names: dict[str, str], web: str) -> None:
    info = _sub(root, "info")
    _sub(info, "language", lang)
    for c in a.categories:
        _sub(info, "category", c)
    _sub(info, "event", (a.event_en or a.event) if en else a.event)
    _sub(info, "urgency", a.urgency)
    _sub(info, "severity", a.severity)
    _sub(info, "certainty", a.certainty)
    for tag, value in (("effective", a.effective), ("onset", a.onset), ("expires", a.expires)):
        if value is not None:
            _sub(info, tag, cap_time(value, tz))
    _opt(info, "senderName", a.sender_name)
    _opt(info, "headline", (a.headline_en or a.headline) if en else a.headline)
    _opt(info, "description", a.description_en if en else a.description)
    _opt(info, "instruction", a.instruction_en if en else a.instruction)
    _opt(info, "web", web)
    _opt(info, "contact", a.contact)
    area = _sub(info, "area")
    _sub(area, "areaDesc", a.area_desc)
    for ring in a.polygons:
        _sub(area, "polygon", polygon_text(ring))
    for c in a.circles:
        _sub(area, "circle", circle_text(c))
    for code in a.area_codes:
        g = _sub(area, "geocode")
        _sub(g, "valueName", GEOCODE_NAME)
        _sub(g, "value", code)


def alert_element(a, *, web: str = "", area_names: dict[str, str] | None = None):
    """The <alert> element of a published (or draft, for preview) message of ours."""
    tz = a.polres.timezone
    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", a.identifier)
    _sub(root, "sender", a.sender)
    _sub(root, "sent", cap_time(a.sent or a.updated_at, tz))
    _sub(root, "status", a.status)
    _sub(root, "msgType", a.msg_type)
    _sub(root, "scope", a.cap_scope or "Public")
    _opt(root, "note", a.note)
    _opt(root, "references", a.references)
    _info(root, a, tz, a.language or "id-ID", False, area_names or {}, web)
    if a.headline_en or a.event_en or a.description_en or a.instruction_en:
        _info(root, a, tz, "en-US", True, area_names or {}, web)
    return root


def cap_xml(a, *, web: str = "") -> bytes:
    if a.external and a.raw_xml:
        return a.raw_xml.encode("utf-8")
    return etree.tostring(
        alert_element(a, web=web), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def atom_feed(alerts, *, base_url: str, title: str, author: str, updated: dt.datetime) -> bytes:
    """RFC 4287 feed; each entry links its CAP document (type application/cap+xml)."""
    A = f"{{{ATOM}}}"
    feed = etree.Element(f"{A}feed", nsmap={None: ATOM})
    self_url = f"{base_url}/alerts/atom.xml"
    etree.SubElement(feed, f"{A}id").text = self_url
    etree.SubElement(feed, f"{A}title").text = title
    etree.SubElement(feed, f"{A}updated").text = updated.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    etree.SubElement(feed, f"{A}link", rel="self", type="application/atom+xml", href=self_url)
    etree.SubElement(feed, f"{A}link", rel="alternate", type="text/html", href=f"{base_url}/peringatan/")
    etree.SubElement(etree.SubElement(feed, f"{A}author"), f"{A}name").text = author
    for a in alerts:
        cap_url = f"{base_url}/alerts/{a.slug}.cap.xml"
        e = etree.SubElement(feed, f"{A}entry")
        etree.SubElement(e, f"{A}id").text = cap_url
        etree.SubElement(e, f"{A}title").text = a.headline
        sent = cap_time(a.sent, a.polres.timezone).replace("-00:00", "Z")
        etree.SubElement(e, f"{A}updated").text = sent
        etree.SubElement(e, f"{A}published").text = sent
        for c in a.categories:
            etree.SubElement(e, f"{A}category", term=c)
        summary = f"{a.msg_type} · {a.event} · {a.severity} · {a.area_desc}"
        etree.SubElement(e, f"{A}summary").text = summary
        etree.SubElement(e, f"{A}link", rel="alternate", type="application/cap+xml", href=cap_url)
        etree.SubElement(
            e, f"{A}link", rel="related", type="text/html", href=f"{base_url}/peringatan/#{a.slug}"
        )
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- reading ---------------------------------------------------------------------------------------

ENUMS = {
    "status": ("Actual", "Exercise", "System", "Test", "Draft"),
    "msgType": ("Alert", "Update", "Cancel", "Ack", "Error"),
    "scope": ("Public", "Restricted", "Private"),
    "category": (
        "Geo",
        "Met",
        "Safety",
        "Security",
        "Rescue",
        "Fire",
        "Health",
        "Env",
        "Transport",
        "Infra",
        "CBRNE",
        "Other",
    ),
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
}


@dataclass
class ParsedInfo:
    language: str = "en-US"
    categories: list[str] = field(default_factory=list)
    event: str = ""
    urgency: str = ""
    severity: str = ""
    certainty: str = ""
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    sender_name: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    web: str = ""
    contact: str = ""
    area_desc: list[str] = field(default_factory=list)
    polygons: list[list[list[float]]] = field(default_factory=list)
    circles: list[list[float]] = field(default_factory=list)
    geocodes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ParsedAlert:
    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    scope: str
    note: str = ""
    references: str = ""
    infos: list[ParsedInfo] = field(default_factory=list)


class BadCap(Invalid):
    code = "bad_cap"


def _safe_parser() -> etree.XMLParser:
    # no DTD, no entity expansion, no network, no huge trees (billion laughs, XXE)
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(el, tag: str, required: bool = False, where: str = "alert") -> str:
    child = el.find(f"{{{NS}}}{tag}")
    value = (child.text or "").strip() if child is not None else ""
    if required and not value:
        raise BadCap(_("The CAP document lacks <%(t)s> in <%(w)s>.") % {"t": tag, "w": where})
    return value


def _enum(value: str, kind: str) -> str:
    if value not in ENUMS[kind]:
        raise BadCap(_("<%(t)s> has a value CAP 1.2 does not allow: %(v)s") % {"t": kind, "v": value[:40]})
    return value


def parse_time(value: str, tag: str) -> dt.datetime:
    if not TIME_RE.match(value):
        raise BadCap(
            _("<%(t)s> is not a CAP time (YYYY-MM-DDThh:mm:ss+hh:mm): %(v)s") % {"t": tag, "v": value[:40]}
        )
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as e:
        raise BadCap(_("<%(t)s> is not a valid time: %(v)s") % {"t": tag, "v": value[:40]}) from e


def _points(text: str, tag: str) -> list[list[float]]:
    pts = []
    for pair in text.split():
        try:
            lat_s, lon_s = pair.split(",")
            lat, lon = float(lat_s), float(lon_s)
        except ValueError as e:
            raise BadCap(_("<%(t)s> has a malformed point: %(v)s") % {"t": tag, "v": pair[:40]}) from e
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadCap(_("<%(t)s> has a point outside the globe: %(v)s") % {"t": tag, "v": pair[:40]})
        pts.append([lat, lon])
    return pts


def parse_cap(data: bytes) -> ParsedAlert:
    """Parse a CAP 1.2 document without DTDs, entities or network access; refuse anything else."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_DOCUMENT:
        raise BadCap(_("The CAP document is larger than 1 MB."))
    head = data.lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise BadCap(_("The CAP document declares a DTD or entities, which are refused."))
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as e:
        raise BadCap(_("The file is not well-formed XML: %(e)s") % {"e": str(e)[:200]}) from e
    if root.tag != f"{{{NS}}}alert":
        raise BadCap(
            _("The document is not a CAP 1.2 alert (root element %(t)s).") % {"t": str(root.tag)[:80]}
        )
    p = ParsedAlert(
        identifier=_text(root, "identifier", True),
        sender=_text(root, "sender", True),
        sent=parse_time(_text(root, "sent", True), "sent"),
        status=_enum(_text(root, "status", True), "status"),
        msg_type=_enum(_text(root, "msgType", True), "msgType"),
        scope=_enum(_text(root, "scope", True), "scope"),
        note=_text(root, "note"),
        references=_text(root, "references"),
    )
    for ident in (p.identifier, p.sender):
        if re.search(r"[\s,<&]", ident):
            raise BadCap(_("The identifier and sender may not contain spaces, commas, < or &."))
    for el in root.findall(f"{{{NS}}}info"):
        info = ParsedInfo(
            language=_text(el, "language") or "en-US",
            event=_text(el, "event", True, "info"),
            urgency=_enum(_text(el, "urgency", True, "info"), "urgency"),
            severity=_enum(_text(el, "severity", True, "info"), "severity"),
            certainty=_enum(_text(el, "certainty", True, "info"), "certainty"),
            sender_name=_text(el, "senderName"),
            headline=_text(el, "headline"),
            description=_text(el, "description"),
            instruction=_text(el, "instruction"),
            web=_text(el, "web"),
            contact=_text(el, "contact"),
        )
        info.categories = [_enum((c.text or "").strip(), "category") for c in el.findall(f"{{{NS}}}category")]
        if not info.categories:
            raise BadCap(_("The CAP document lacks <%(t)s> in <%(w)s>.") % {"t": "category", "w": "info"})
        for tag in ("effective", "onset", "expires"):
            v = _text(el, tag)
            if v:
                setattr(info, tag, parse_time(v, tag))
        for area in el.findall(f"{{{NS}}}area"):
            info.area_desc.append(_text(area, "areaDesc", True, "area"))
            for poly in area.findall(f"{{{NS}}}polygon"):
                pts = _points(poly.text or "", "polygon")
                if len(pts) < 4 or pts[0] != pts[-1]:
                    raise BadCap(_("A <polygon> needs at least 4 points with the first equal to the last."))
                info.polygons.append(pts)
            for circ in area.findall(f"{{{NS}}}circle"):
                try:
                    centre, radius = (circ.text or "").split()
                    (pt,) = _points(centre, "circle")
                    info.circles.append([pt[0], pt[1], float(radius)])
                except ValueError as e:
                    raise BadCap(_("A <circle> must be 'lat,lon radius'.")) from e
            for g in area.findall(f"{{{NS}}}geocode"):
                info.geocodes.append((_text(g, "valueName"), _text(g, "value")))
        p.infos.append(info)
    return p
