"""Kamtibmas bulletins and safety tips: draft → published → archived, written by Humas and the command
(POLICY "info.bulletin"). Bodies are plain text (paragraphs separated by blank lines), escaped when shown.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Invalid, NotFound
from siaga.core.events import Event, publish

from .common import (
    check_may_write,
    check_version,
    clean_area_codes,
    clean_text,
    default_polres,
    ensure_in_scope,
    for_change,
)
from .models import Bulletin, BulletinCategory, BulletinKind, BulletinStatus

St = BulletinStatus
NEXT = {
    St.DRAFT: frozenset({St.PUBLISHED, St.ARCHIVED}),
    St.PUBLISHED: frozenset({St.ARCHIVED}),
    St.ARCHIVED: frozenset({St.PUBLISHED}),  # back on the public list, same address
}
TITLE_MAX, SUMMARY_MAX, BODY_MIN, BODY_MAX = 160, 300, 20, 20000


def _snapshot(b: Bulletin) -> dict[str, Any]:
    return {
        "slug": b.slug,
        "kind": b.kind,
        "category": b.category,
        "title": b.title,
        "status": b.status,
        "area_codes": b.area_codes,
        "version": b.version,
    }


def _publish(name: str, b: Bulletin, before=None) -> None:
    publish(Event(name, "info.bulletin", b.pk, b.polres_id, before=before, after=_snapshot(b)))


def _clean(polres, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in BulletinKind.values:
            raise Invalid(_("Choose bulletin or safety tip."), field="kind")
        out["kind"] = data["kind"]
    if "category" in data:
        if data["category"] not in BulletinCategory.values:
            raise Invalid(_("Choose a category from the list."), field="category")
        out["category"] = data["category"]
    if "title" in data:
        out["title"] = clean_text(data["title"], "title", max_len=TITLE_MAX, min_len=5, label=_("Title"))
    if "summary" in data:
        out["summary"] = clean_text(data["summary"], "summary", max_len=SUMMARY_MAX, label=_("Summary"))
    if "body" in data:
        out["body"] = clean_text(
            data["body"], "body", max_len=BODY_MAX, min_len=BODY_MIN, multiline=True, label=_("Text")
        )
    if "area_codes" in data:
        out["area_codes"] = clean_area_codes(polres, data["area_codes"])
    return out


def _new_slug(title: str) -> str:
    base = slugify(title)[:70].strip("-") or "info"
    for _attempt in range(10):
        slug = f"{base}-{secrets.token_hex(3)}"
        if not Bulletin.objects.filter(slug=slug).exists():
            return slug
    raise Conflict(_("Could not make a unique address; try again."))


def create_bulletin(
    actor,
    *,
    title: str,
    body: str,
    category: str,
    kind: str = BulletinKind.BULLETIN,
    summary: str = "",
    area_codes: Any = None,
    polres=None,
    publish_now: bool = False,
    at=None,
) -> Bulletin:
    check_may_write(actor, "info.bulletin")
    polres = default_polres(actor, polres)
    fields = _clean(
        polres,
        {
            "title": title,
            "body": body,
            "category": category,
            "kind": kind,
            "summary": summary,
            "area_codes": area_codes,
        },
    )
    now = at or timezone.now()
    with transaction.atomic():
        b = Bulletin.objects.create(
            polres=polres,
            slug=_new_slug(fields["title"]),
            author=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            updated_at=now,
            **fields,
        )
        ensure_in_scope(actor, b)
        _publish("info.bulletin.created", b)
        if publish_now:
            b = _transition(actor, b, St.PUBLISHED, now)
    return b


def edit_bulletin(actor, pk: Any, *, version: Any = None, at=None, **changes) -> Bulletin:
    """Change the text, category or areas of a draft or published bulletin (its address stays)."""
    check_may_write(actor, "info.bulletin")
    allowed = {"title", "body", "category", "kind", "summary", "area_codes"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(_("Unknown field: %(f)s") % {"f": ", ".join(sorted(unknown))})
    with transaction.atomic():
        b = for_change(Bulletin.objects.all(), actor, pk)
        check_version(b, version)
        if b.status == St.ARCHIVED:
            raise Conflict(_("An archived bulletin cannot be edited; publish it again first."))
        before = _snapshot(b)
        for k, v in _clean(b.polres, changes).items():
            setattr(b, k, v)
        b.updated_at = at or timezone.now()
        b.version += 1
        b.save()
        _publish("info.bulletin.edited", b, before)
    return b


def _transition(actor, b: Bulletin, to: str, now) -> Bulletin:
    if to not in NEXT[b.status]:
        raise Conflict(
            _("A bulletin that is %(a)s cannot become %(b)s.") % {"a": St(b.status).label, "b": St(to).label},
            code="transition",
        )
    before = _snapshot(b)
    b.status = to
    if to == St.PUBLISHED:
        b.published_at = b.published_at or now
        b.archived_at = None
    else:
        b.archived_at = now
    b.updated_at = now
    b.version += 1
    b.save()
    _publish(f"info.bulletin.{'published' if to == St.PUBLISHED else 'archived'}", b, before)
    return b


def publish_bulletin(actor, pk: Any, *, version: Any = None, at=None) -> Bulletin:
    check_may_write(actor, "info.bulletin")
    with transaction.atomic():
        b = for_change(Bulletin.objects.all(), actor, pk)
        check_version(b, version)
        return _transition(actor, b, St.PUBLISHED, at or timezone.now())


def archive_bulletin(actor, pk: Any, *, version: Any = None, at=None) -> Bulletin:
    check_may_write(actor, "info.bulletin")
    with transaction.atomic():
        b = for_change(Bulletin.objects.all(), actor, pk)
        check_version(b, version)
        return _transition(actor, b, St.ARCHIVED, at or timezone.now())


# --- public reads ---------------------------------------------------------------------------------


def _covers(b: Bulletin, area: str) -> bool:
    """Whole-Polres bulletins cover every area; otherwise a code matches itself, its kecamatan and
    its kelurahan."""
    if not b.area_codes:
        return True
    return any(c == area or c.startswith(area + ".") or area.startswith(c + ".") for c in b.area_codes)


def public_list(category: str = "", area: str = "", kind: str = "", limit: int = 200) -> list[Bulletin]:
    qs = Bulletin.objects.filter(status=St.PUBLISHED).order_by("-published_at", "-pk")
    if category:
        qs = qs.filter(category=category)
    if kind:
        qs = qs.filter(kind=kind)
    rows = list(qs[:1000])
    if area:
        rows = [b for b in rows if _covers(b, area)]
    return rows[:limit]


def public_get(slug: str) -> Bulletin:
    b = Bulletin.objects.filter(slug=slug, status=St.PUBLISHED).first()
    if b is None:
        raise NotFound(_("No published bulletin has this address."))
    return b
