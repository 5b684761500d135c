"""Shared by the info app's services: text cleaning, the write gate, optimistic versions, areas."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from siaga.core.errors import Conflict, Forbidden, Invalid, NotFound
from siaga.core.permissions import can, restrict, role_allows

# characters XML 1.0 cannot carry (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(
    value: Any, field: str, *, max_len: int, min_len: int = 0, multiline: bool = False, label: str = ""
) -> str:
    """Plain text as stored: characters XML cannot carry removed, lines normalised, trimmed."""
    s = _NOT_XML.sub("", str(value if value is not None else ""))
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        s = "\n".join(line.rstrip() for line in s.split("\n"))
        s = re.sub(r"\n{3,}", "\n\n", s).strip()
    else:
        s = " ".join(s.split())
    label = label or field
    if len(s) < min_len:
        if min_len <= 1:
            raise Invalid(_("%(f)s is required.") % {"f": label}, field=field)
        raise Invalid(_("%(f)s needs at least %(n)d characters.") % {"f": label, "n": min_len}, field=field)
    if len(s) > max_len:
        raise Invalid(_("%(f)s is longer than %(n)d characters.") % {"f": label, "n": max_len}, field=field)
    return s


def check_may_write(actor, resource: str) -> None:
    if not role_allows(actor, resource, "change"):
        raise Forbidden(_("Your role may not write this."))


def for_change(qs: QuerySet, actor, pk: Any) -> Model:
    """The record `pk` locked for a write, if the actor may change it (404 if not even visible)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as e:
        raise NotFound(_("Not found.")) from e
    obj = restrict(qs, actor, "change").select_for_update().filter(pk=pk).first()
    if obj is None:
        if restrict(qs, actor, "view").filter(pk=pk).exists():
            raise Forbidden(_("Your role may not write this."))
        raise NotFound(_("Not found."))
    return obj


def ensure_in_scope(actor, obj: Model) -> None:
    """After creating inside the transaction: the actor must be able to change what they made."""
    if not can(actor, "change", obj):
        raise Forbidden(_("This Polres is outside your jurisdiction."))


def check_version(obj: Model, version: Any) -> None:
    if version in (None, ""):
        return
    try:
        v = int(version)
    except (TypeError, ValueError) as e:
        raise Invalid(_("Invalid version."), field="version") from e
    if v != obj.version:
        raise Conflict(_("Someone else changed this in the meantime. Reload and try again."))


def default_polres(actor, polres=None):
    from siaga.territory.models import Polres

    if polres is not None:
        return polres
    if getattr(actor, "polres_id", None):
        return actor.polres
    if getattr(actor, "polsek_id", None):
        return actor.polsek.polres
    p = Polres.objects.order_by("pk").first()
    if p is None:
        raise Invalid(_("No Polres is set up yet."))
    return p


def clean_area_codes(polres, codes: Any, field: str = "area_codes") -> list[str]:
    """Kecamatan / kelurahan codes of the Polres's kab/kota, deduplicated, in code order."""
    from siaga.territory.models import Level, Region

    if codes in (None, ""):
        return []
    if isinstance(codes, str):
        codes = re.split(r"[\s,;]+", codes)
    wanted = sorted({str(c).strip() for c in codes if str(c).strip()})
    if len(wanted) > 50:
        raise Invalid(_("Choose at most 50 areas."), field=field)
    found = set(
        Region.objects.filter(
            code__in=wanted,
            code__startswith=f"{polres.region_id}.",
            level__in=(Level.KECAMATAN, Level.KELURAHAN),
        ).values_list("code", flat=True)
    )
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise Invalid(
            _("Unknown area code for this Polres: %(c)s") % {"c": ", ".join(unknown[:5])}, field=field
        )
    return wanted


def area_names(codes: list[str]) -> dict[str, str]:
    from siaga.territory.models import Region

    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
