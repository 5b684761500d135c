"""Writes to the regulation library: the bundled seed, full-text imports from plain text, regulation
status, FAQ entries; and the library's reads (regulation, article, KUHP old ↔ new mapping).

Bulk loads publish one summarising event. The library is public: reads need no user; writes need the
`legal.regulation` change right (Si Kum), or no user at all for the CLI and the demo (the system).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from siaga.core.errors import Forbidden, Invalid, NotFound
from siaga.core.events import Event, publish
from siaga.core.permissions import role_allows

from . import parser
from .models import (
    LIBRARY,
    Article,
    FaqEntry,
    Kind,
    KuhpMapping,
    Regulation,
    RegulationStatus,
    Relation,
    Topic,
)

SEED = Path(__file__).resolve().parent / "data" / "library.json"
NEW_KUHP = ("UU", "1", 2023)
OLD_KUHP = ("KUHP", "WvS", 1915)
MAX_IMPORT_BYTES = 5_000_000
MAX_ARTICLES = 3000


def _check_writer(user) -> None:
    if user is not None and not role_allows(user, LIBRARY, "change"):
        raise Forbidden(_("You may not change the legal library."))


def regulation_slug(kind: str, number: str, year: int) -> str:
    return slugify(f"{kind}-{number}-{year}")[:60]


def article_label(reg: Regulation, number: str, heading: str) -> str:
    """The search index's title column: citation, short name, regulation title, article and heading."""
    name = f" ({reg.short_name})" if reg.short_name else ""
    label = f"{reg.citation}{name} {reg.title} · Pasal {number}"
    return f"{label} · {heading}"[:400] if heading else label[:400]


def _date(v: Any) -> dt.date | None:
    return dt.date.fromisoformat(v) if v else None


def _check_kind(kind: str) -> str:
    match = {k.lower(): k for k in Kind.values}.get(str(kind or "").strip().lower())
    if match is None:
        raise Invalid(_("Unknown kind of regulation: %(k)s.") % {"k": kind}, field="kind")
    return match


def _check_number_year(number: Any, year: Any) -> tuple[str, int]:
    number = str(number or "").strip()
    if not number or len(number) > 20 or not all(c.isalnum() or c in "./-" for c in number):
        raise Invalid(_("The regulation number is not valid."), field="number")
    try:
        year = int(year)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The year must be a number."), field="year") from e
    if not 1800 <= year <= 2100:
        raise Invalid(_("The year is not plausible."), field="year")
    return number, year


# --- the seed ------------------------------------------------------------------------------------


@transaction.atomic
def load_seed(user=None, path: Path = SEED) -> dict[str, int]:
    """Load (or refresh) the bundled library: regulations with summaries and article headings, their
    relations, the KUHP mapping and the FAQ. Idempotent. Articles of a regulation whose official text
    was imported are left alone; FAQ entries are added only when their question is new."""
    _check_writer(user)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    now = timezone.now()
    counts = {"regulations": 0, "articles": 0, "relations": 0, "kuhp": 0, "faq": 0}
    by_slug: dict[str, Regulation] = {}
    for r in data["regulations"]:
        kind = _check_kind(r["kind"])
        number, year = _check_number_year(r["number"], r["year"])
        reg, _created = Regulation.objects.update_or_create(
            kind=kind,
            number=number,
            year=year,
            defaults={
                "slug": regulation_slug(kind, number, year),
                "title": r["title"],
                "short_name": r.get("short_name", ""),
                "status": r.get("status", RegulationStatus.IN_FORCE),
                "enacted": _date(r.get("enacted")),
                "effective": _date(r.get("effective")),
                "summary": r.get("summary", ""),
                "source": r.get("source", ""),
                "updated_at": now,
            },
        )
        by_slug[reg.slug] = reg
        counts["regulations"] += 1
        if reg.full_text:
            continue
        reg.articles.all().delete()
        rows = []
        for i, a in enumerate(r.get("articles", [])):
            rows.append(
                Article(
                    regulation=reg,
                    number=a["number"],
                    order=i + 1,
                    bab=a.get("bab", ""),
                    bab_title=a.get("bab_title", ""),
                    bagian=a.get("bagian", ""),
                    bagian_title=a.get("bagian_title", ""),
                    heading=a.get("heading", ""),
                    text=parser.clean_text(a.get("text", "")),
                    is_summary=True,
                    label=article_label(reg, a["number"], a.get("heading", "")),
                )
            )
        Article.objects.bulk_create(rows)
        counts["articles"] += len(rows)
    for rel in data.get("relations", []):
        src, dst = by_slug[rel["source"]], by_slug[rel["target"]]
        Relation.objects.update_or_create(
            source=src,
            target=dst,
            kind=rel["kind"],
            defaults={"effective": _date(rel.get("effective")), "note": rel.get("note", "")},
        )
        counts["relations"] += 1
    for i, m in enumerate(data.get("kuhp", [])):
        KuhpMapping.objects.update_or_create(
            old_number=m["old"],
            new_number=m["new"],
            defaults={
                "offence": m["offence"],
                "note": m.get("note", ""),
                "source": m["source"],
                "verified": bool(m.get("verified")),
                "order": i + 1,
            },
        )
        counts["kuhp"] += 1
    known = set(FaqEntry.objects.values_list("question", flat=True))
    for i, f in enumerate(data.get("faq", [])):
        if f["question"] in known:
            continue
        FaqEntry.objects.create(
            topic=f["topic"],
            question=f["question"],
            answer=f["answer"],
            references=f.get("references", ""),
            order=i + 1,
            created_at=now,
            updated_at=now,
        )
        counts["faq"] += 1
    publish(Event("legal.library.seeded", LIBRARY, "seed", data=counts))
    return counts


# --- imports -------------------------------------------------------------------------------------


@transaction.atomic
def import_text(
    user,
    text: str,
    *,
    kind: str,
    number: Any,
    year: Any,
    title: str = "",
    short_name: str = "",
) -> Regulation:
    """Replace a regulation's articles with the official text parsed from plain text ("BAB I",
    "Pasal 1", "(1)"). Creates the regulation when it is new (then `title` is required)."""
    _check_writer(user)
    kind = _check_kind(kind)
    number, year = _check_number_year(number, year)
    if len(text.encode("utf-8", "ignore")) > MAX_IMPORT_BYTES:
        raise Invalid(_("The text is larger than 5 MB."), field="text")
    doc = parser.parse(text)
    if not doc.pasal:
        raise Invalid(_("No article found: the text needs lines such as 'Pasal 1'."), field="text")
    if len(doc.pasal) > MAX_ARTICLES:
        raise Invalid(_("More than 3,000 articles."), field="text")
    seen: set[str] = set()
    for p in doc.pasal:
        if p.number in seen:
            raise Invalid(_("Pasal %(n)s appears twice.") % {"n": p.number}, field="text")
        seen.add(p.number)
    title = " ".join(str(title or "").split())[:300]
    reg = Regulation.objects.filter(kind=kind, number=number, year=year).first()
    now = timezone.now()
    if reg is None:
        if not title:
            raise Invalid(_("A new regulation needs its title."), field="title")
        reg = Regulation.objects.create(
            slug=regulation_slug(kind, number, year),
            kind=kind,
            number=number,
            year=year,
            title=title,
            short_name=short_name[:80],
            updated_at=now,
        )
    else:
        if title:
            reg.title = title
        if short_name:
            reg.short_name = short_name[:80]
    headings = dict(reg.articles.values_list("number", "heading"))  # keep our subject lines
    reg.articles.all().delete()
    rows = [
        Article(
            regulation=reg,
            number=p.number,
            order=i + 1,
            bab=p.bab,
            bab_title=p.bab_title,
            bagian=p.bagian,
            bagian_title=p.bagian_title,
            paragraf=p.paragraf,
            paragraf_title=p.paragraf_title,
            heading=headings.get(p.number, ""),
            text=p.body(),
            is_summary=False,
            label=article_label(reg, p.number, headings.get(p.number, "")),
        )
        for i, p in enumerate(doc.pasal)
    ]
    Article.objects.bulk_create(rows, batch_size=500)
    reg.full_text, reg.updated_at = True, now
    reg.save()
    publish(
        Event(
            "legal.regulation.imported",
            LIBRARY,
            reg.pk,
            after={"slug": reg.slug, "articles": len(rows)},
        )
    )
    return reg


@transaction.atomic
def set_status(user, slug: str, status: str) -> Regulation:
    _check_writer(user)
    if status not in RegulationStatus.values:
        raise Invalid(_("Choose in force, amended or revoked."), field="status")
    reg = Regulation.objects.select_for_update().filter(slug=slug).first()
    if reg is None:
        raise NotFound(_("No regulation has this address."))
    before = reg.status
    reg.status, reg.updated_at = status, timezone.now()
    reg.save(update_fields=["status", "updated_at"])
    publish(
        Event(
            "legal.regulation.status_set",
            LIBRARY,
            reg.pk,
            before={"status": before},
            after={"status": status},
        )
    )
    return reg


# --- FAQ -----------------------------------------------------------------------------------------


def check_topic(topic: Any) -> str:
    if topic not in Topic.values:
        raise Invalid(_("Choose a topic from the list."), field="topic")
    return topic


def _faq_text(value: Any, field: str, lo: int, hi: int) -> str:
    value = str(value or "").strip()
    if len(value) < lo:
        raise Invalid(_("Write at least %(n)d characters.") % {"n": lo}, field=field)
    if len(value) > hi:
        raise Invalid(_("At most %(n)d characters.") % {"n": hi}, field=field)
    return value


@transaction.atomic
def save_faq(
    user,
    *,
    topic: str,
    question: str,
    answer: str,
    references: str = "",
    published: bool = True,
    pk: int | None = None,
    consultation=None,
) -> FaqEntry:
    _check_writer(user)
    topic = check_topic(topic)
    question = _faq_text(question, "question", 10, 2000)
    answer = _faq_text(answer, "answer", 10, 8000)
    references = " ".join(str(references or "").split())[:300]
    now = timezone.now()
    if pk is not None:
        f = FaqEntry.objects.select_for_update().filter(pk=pk).first()
        if f is None:
            raise NotFound(_("Not found."))
    else:
        f = FaqEntry(created_at=now, order=(FaqEntry.objects.count() + 1))
    f.topic, f.question, f.answer, f.references = topic, question, answer, references
    f.published, f.updated_at = bool(published), now
    if consultation is not None:
        f.consultation = consultation
    f.save()
    publish(
        Event(
            "legal.faq.saved",
            LIBRARY,
            f.pk,
            after={"topic": topic, "published": f.published, "consultation": f.consultation_id},
        )
    )
    return f


# --- reads ---------------------------------------------------------------------------------------


def regulation(slug: str) -> Regulation:
    reg = Regulation.objects.filter(slug=slug).first()
    if reg is None:
        raise NotFound(_("No regulation has this address."))
    return reg


def article(slug: str, number: str) -> Article:
    a = (
        Article.objects.select_related("regulation")
        .filter(regulation__slug=slug, number__iexact=str(number or "").strip())
        .first()
    )
    if a is None:
        raise NotFound(_("This regulation has no such article in the library."))
    return a


def structure(reg: Regulation) -> list[dict[str, Any]]:
    """Articles grouped by bab for the regulation page (bagian/paragraf shown inline)."""
    groups: list[dict[str, Any]] = []
    for a in reg.articles.all():
        key = (a.bab, a.bab_title)
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "bab": a.bab, "title": a.bab_title, "articles": []})
        groups[-1]["articles"].append(a)
    return groups


def normalise_pasal(value: Any) -> str:
    s = str(value or "").strip().upper()
    for prefix in ("PASAL", "PS."):
        if s.startswith(prefix):
            s = s[len(prefix) :].strip()
    s = s.replace(" ", "")
    if not parser.PASAL_NUMBER_RE.match(s):
        raise Invalid(_("Write an article number such as 363."), field="pasal")
    return s


def kuhp_lookup(old: Any = None, new: Any = None) -> list[dict[str, Any]]:
    """Mapping rows for an old KUHP article (or, with `new`, for a UU 1/2023 article), each with both
    articles from the library when present."""
    qs = KuhpMapping.objects.all()
    if old not in (None, ""):
        qs = qs.filter(old_number=normalise_pasal(old))
    if new not in (None, ""):
        qs = qs.filter(new_number=normalise_pasal(new))
    rows = list(qs)
    olds = {
        a.number: a
        for a in Article.objects.filter(
            regulation__kind=OLD_KUHP[0], regulation__number=OLD_KUHP[1], regulation__year=OLD_KUHP[2]
        ).select_related("regulation")
    }
    news = {
        a.number: a
        for a in Article.objects.filter(
            regulation__kind=NEW_KUHP[0], regulation__number=NEW_KUHP[1], regulation__year=NEW_KUHP[2]
        ).select_related("regulation")
    }
    return [{"map": m, "old": olds.get(m.old_number), "new": news.get(m.new_number)} for m in rows]


def mappings_for(a: Article) -> list[dict[str, Any]]:
    """The other side of the mapping for an article of either KUHP (empty for other regulations)."""
    key = (a.regulation.kind, a.regulation.number, a.regulation.year)
    if key == OLD_KUHP:
        return kuhp_lookup(old=a.number)
    if key == NEW_KUHP:
        return kuhp_lookup(new=a.number)
    return []


def new_article_for_old(old_number: Any) -> list[str]:
    """UU 1/2023 article numbers for an old KUHP article: what incidents use to store both."""
    return [r["map"].new_number for r in kuhp_lookup(old=old_number)]
