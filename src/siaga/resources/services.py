"""Every write to resources: personnel (bulk load and linking to a login).

Bulk loads validate the whole batch first, write it in one transaction and publish ONE summarising
event (one audit row), so a bad row changes nothing and a 2,000-row load is one line in the trail.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from siaga.core.errors import Invalid
from siaga.core.events import Event, publish

from .models import RANKS, Function, Personnel

NRP_RE = re.compile(r"^\d{8}$")
_FIELDS = ("nrp", "name", "rank", "function", "position", "polsek", "kelurahan_code", "active", "synthetic")


def _polsek_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(getattr(value, "pk", value))


def _clean_rows(polres, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    from siaga.territory.models import Polsek

    polsek_ids = set(Polsek.objects.filter(polres=polres).values_list("pk", flat=True))
    region_prefix = f"{polres.region_id}."
    ranks, functions = set(RANKS), set(Function.values)
    clean: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        where = f"row {i + 1}"
        unknown = set(row) - set(_FIELDS)
        if unknown:
            raise Invalid(f"{where}: unknown field(s) {', '.join(sorted(unknown))}.")
        nrp = str(row.get("nrp", "")).strip()
        if not NRP_RE.match(nrp):
            raise Invalid(f"{where}: NRP must be 8 digits, got {nrp!r}.", field="nrp")
        month = int(nrp[2:4])
        if not 1 <= month <= 12:
            raise Invalid(f"{where}: NRP {nrp} does not start with a birth YYMM.", field="nrp")
        name = str(row.get("name", "")).strip()
        if not name or len(name) > 120:
            raise Invalid(f"{where}: a name (1-120 characters) is required.", field="name")
        rank = row.get("rank")
        if rank not in ranks:
            raise Invalid(f"{where}: unknown rank {rank!r} (Perkap 3/2016).", field="rank")
        function = row.get("function")
        if function not in functions:
            raise Invalid(f"{where}: unknown function {function!r}.", field="function")
        polsek_id = _polsek_id(row.get("polsek"))
        if polsek_id is not None and polsek_id not in polsek_ids:
            raise Invalid(f"{where}: the Polsek does not belong to {polres}.", field="polsek")
        kel = str(row.get("kelurahan_code", "") or "")
        if kel and not (kel.startswith(region_prefix) and len(kel) == 13):
            raise Invalid(f"{where}: kelurahan {kel!r} is not in {polres}'s area.", field="kelurahan_code")
        clean.append(
            {
                "nrp": nrp,
                "name": name,
                "rank": rank,
                "function": function,
                "position": str(row.get("position", "") or "")[:120],
                "polsek_id": polsek_id,
                "kelurahan_code": kel,
                "active": bool(row.get("active", True)),
                "synthetic": bool(row.get("synthetic", False)),
            }
        )
    if not clean:
        raise Invalid("No personnel to create.")
    dup = [n for n, c in Counter(r["nrp"] for r in clean).items() if c > 1]
    if dup:
        raise Invalid(f"Duplicate NRP in the batch: {', '.join(dup[:5])}.", field="nrp")
    nrps = [r["nrp"] for r in clean]
    taken: list[str] = []
    for start in range(0, len(nrps), 900):  # stay under SQLite's variable limit
        taken += Personnel.objects.filter(nrp__in=nrps[start : start + 900]).values_list("nrp", flat=True)
    if taken:
        raise Invalid(f"NRP already registered: {', '.join(sorted(taken)[:5])}.", field="nrp")
    return clean


@transaction.atomic
def bulk_create_personnel(polres, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 1000) -> int:
    """Create many personnel of one Polres. Rows: nrp, name, rank, function, [position, polsek,
    kelurahan_code, active, synthetic]. All or nothing; one audit row summarising the batch."""
    clean = _clean_rows(polres, rows)
    Personnel.objects.bulk_create([Personnel(polres_id=polres.pk, **r) for r in clean], batch_size=batch_size)
    by_function = Counter(r["function"] for r in clean)
    by_rank = Counter(r["rank"] for r in clean)
    publish(
        Event(
            "resources.personnel.bulk_created",
            "resources.personnel",
            f"polres:{polres.pk}",
            polres_id=polres.pk,
            after={
                "count": len(clean),
                "by_function": dict(sorted(by_function.items())),
                "by_rank": {r: by_rank[r] for r in RANKS if by_rank[r]},
                "synthetic": sum(r["synthetic"] for r in clean),
            },
            data={"count": len(clean)},
        )
    )
    return len(clean)


@transaction.atomic
def link_user(personnel: Personnel, user) -> Personnel:
    """Attach a login to a member (or detach it with user=None)."""
    if user is not None and user.polres_id not in (None, personnel.polres_id):
        raise Invalid("The login belongs to another Polres.", field="user")
    if user is not None and Personnel.objects.filter(user=user).exclude(pk=personnel.pk).exists():
        raise Invalid("The login is already linked to another member.", field="user")
    before = {"user": personnel.user_id}
    personnel.user = user
    personnel.save(update_fields=["user"])
    publish(
        Event(
            "resources.personnel.user_linked",
            "resources.personnel",
            personnel.pk,
            polres_id=personnel.polres_id,
            before=before,
            after={"user": personnel.user_id},
        )
    )
    return personnel
