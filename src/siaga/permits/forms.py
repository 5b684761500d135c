"""Turn a posted form into the services' `fields` (no validation here: the services validate), and a
stored request back into form values for its correction."""

from __future__ import annotations

import zoneinfo
from typing import Any

from .models import Kind, Request

ITEM_ROWS = 5
COMMON = ("name", "nik", "email", "phone", "office")
BY_KIND = {
    Kind.SKTLK: ("lost_on", "lost_place", "chronology"),
    Kind.SKCK: ("slot", "dob", "purpose", "purpose_note"),
    Kind.CROWD: (
        "title",
        "organiser",
        "place",
        "lat",
        "lon",
        "starts_at",
        "ends_at",
        "scale",
        "participants",
        "political",
        "description",
    ),
    Kind.DEMO: (
        "purpose",
        "place",
        "route",
        "lat",
        "lon",
        "starts_at",
        "ends_at",
        "form",
        "coordinator",
        "organisation",
        "props",
        "participants",
        "indoor",
        "scale",
    ),
}


def fields_from_post(kind: str, post) -> dict[str, Any]:
    out = {k: post.get(k, "") for k in (*COMMON, *BY_KIND.get(kind, ()))}
    if kind == Kind.SKTLK:
        out["items"] = [
            {"kind": post.get(f"item_kind_{i}", ""), "identifier": post.get(f"item_id_{i}", "")}
            for i in range(1, ITEM_ROWS + 1)
        ]
    return out


def _local(r: Request, v) -> str:
    if v is None:
        return ""
    return v.astimezone(zoneinfo.ZoneInfo(r.polres.timezone or "Asia/Jakarta")).strftime("%Y-%m-%dT%H:%M")


def form_values(r: Request) -> dict[str, Any]:
    """The request as its form shows it (for the requester's correction)."""
    d = dict(r.details)
    out: dict[str, Any] = {"name": r.name, "nik": r.nik, "email": r.email, "phone": r.phone}
    out["office"] = f"polsek-{r.polsek_id}" if r.polsek_id else f"polres-{r.polres_id}"
    for k, v in d.items():
        if k != "items":
            out[k] = "1" if v is True else ("" if v is False else v)
    for i, item in enumerate(d.get("items", []), 1):
        out[f"item_kind_{i}"], out[f"item_id_{i}"] = item["kind"], item["identifier"]
    if r.dob:
        out["dob"] = r.dob.isoformat()
    if r.slot_id:
        out["slot"] = str(r.slot_id)
    out.update(starts_at=_local(r, r.starts_at), ends_at=_local(r, r.ends_at), scale=r.scale)
    if r.lat is not None:
        out.update(lat=f"{r.lat:.6f}", lon=f"{r.lon:.6f}")
    return out


def item_rows(values: dict) -> list[tuple[int, str, str]]:
    return [
        (i, values.get(f"item_kind_{i}", ""), values.get(f"item_id_{i}", "")) for i in range(1, ITEM_ROWS + 1)
    ]
