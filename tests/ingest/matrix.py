"""The ingest app's part of the permission matrix (tests/core/test_permission_matrix.py), and the unit
track (cad.unitposition) that the device gateway writes.

Devices sit in Polsek S1 (dev_s1), S2 (dev_s2), at Polres A level (dev_a, no Polsek) and in Polres B
(dev_b); each has one alert and one ANPR read named after it. Track points belong to the matrix's units
unit_s1, unit_s2, unit_a and unit_b. Devices are managed by Kabag Ops and seen by the command and the
room; alerts are handled by the room and seen by operations and Lantas; ANPR reads are seen by the
command and Lantas; nobody but the administrator changes reads or track points.
"""

from __future__ import annotations

from siaga.cad.models import Unit, UnitPosition
from siaga.ingest.models import AnprRead, Device, DeviceAlert

MODELS = {
    "ingest.device": (Device, lambda o: o.name),
    "ingest.devicealert": (DeviceAlert, lambda o: o.title),
    "ingest.anprread": (AnprRead, lambda o: o.plate_text),
    "cad.unitposition": (UnitPosition, lambda o: o.source),
}


def _sets(prefix: str) -> dict[str, set[str]]:
    return {
        "ALL": {f"{prefix}_s1", f"{prefix}_s2", f"{prefix}_a", f"{prefix}_b"},
        "A": {f"{prefix}_s1", f"{prefix}_s2", f"{prefix}_a"},
        "S1": {f"{prefix}_s1"},
        "B": {f"{prefix}_b"},
    }


DEV, ALERT, ANPR, POS = _sets("dev"), _sets("alert"), _sets("anpr"), _sets("pos")

TABLE = {
    ("ingest.device", "view"): (
        DEV,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher",
            "S1": "operator_s1",
        },
    ),
    ("ingest.device", "change"): (DEV, {"ALL": "admin_all", "A": "admin kabag_ops"}),
    ("ingest.devicealert", "view"): (
        ALERT,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol lantas",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("ingest.devicealert", "change"): (
        ALERT,
        {"ALL": "admin_all", "A": "admin kabag_ops operator dispatcher", "S1": "operator_s1"},
    ),
    ("ingest.anprread", "view"): (
        ANPR,
        {"ALL": "admin_all commander_polda", "A": "admin commander kabag_ops lantas"},
    ),
    ("ingest.anprread", "change"): (ANPR, {"ALL": "admin_all", "A": "admin"}),
    ("cad.unitposition", "view"): (
        POS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol analyst",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("cad.unitposition", "change"): (POS, {"ALL": "admin_all", "A": "admin"}),
}


def build(tree, users, now) -> None:
    places = {"s1": (tree.a, tree.s1), "s2": (tree.a, tree.s2), "a": (tree.a, None), "b": (tree.b, tree.sb)}
    for key, (polres, polsek) in places.items():
        d = Device.objects.create(
            polres=polres, polsek=polsek, name=f"dev_{key}", kind="cctv", ref=f"matrix-{key}",
            lat=-6.2, lon=107.0, created_at=now,
        )  # fmt: skip
        DeviceAlert.objects.create(
            polres=polres, kind="cctv.fire", title=f"alert_{key}", at=now, created_at=now, device=d
        )
        AnprRead.objects.create(polres=polres, device=d, plate="B1234XYZ", plate_text=f"anpr_{key}", at=now)
        unit = Unit.objects.get(callsign=f"unit_{key}")
        UnitPosition.objects.create(
            unit=unit, polres=polres, lat=-6.2, lon=107.0, at=now, source=f"pos_{key}"
        )
