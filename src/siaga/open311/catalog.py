"""The Open311 services: one per category the public may report online (the portal's list), with the
report form's extra fields as service-definition attributes."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from siaga.cad.categories import BY_CODE
from siaga.core.errors import NotFound
from siaga.portal.reports import PUBLIC_CATEGORIES

# Open311 groups by the category's Bareskrim-style group
GROUPS = {
    "crime": "Kriminalitas",
    "disturbance": "Gangguan ketertiban",
    "traffic": "Lalu lintas",
    "fire": "Kebakaran",
    "humanitarian": "Kemanusiaan",
    "information": "Informasi",
}
# where a published position would point at a victim, a witness or a home: only the area is given
SENSITIVE_GROUPS = frozenset({"crime", "information"})
NO_ATTRIBUTES = frozenset({"informasi"})  # a question, not an event: nothing more to ask


def _attributes() -> list[dict[str, Any]]:
    return [
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("laporan (a report of an event) or pengaduan (a complaint)"),
            "order": 1,
            "description": _("Report or complaint"),
            "values": [
                {"key": "laporan", "name": _("Report (laporan)")},
                {"key": "pengaduan", "name": _("Complaint (pengaduan)")},
            ],
        },
        {
            "variable": True,
            "code": "rw",
            "datatype": "number",
            "required": False,
            "datatype_description": _("RW number, 1 to 999"),
            "order": 2,
            "description": _("RW (neighbourhood) of the place"),
            "values": [],
        },
        {
            "variable": True,
            "code": "rt",
            "datatype": "number",
            "required": False,
            "datatype_description": _("RT number, 1 to 999"),
            "order": 3,
            "description": _("RT (block) of the place"),
            "values": [],
        },
        {
            "variable": True,
            "code": "without_identity",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("true: nothing identifying the reporter is stored"),
            "order": 4,
            "description": _("Send without identity"),
            "values": [{"key": "true", "name": _("Yes")}, {"key": "false", "name": _("No")}],
        },
    ]


def attributes_of(code: str) -> list[dict[str, Any]]:
    return [] if code in NO_ATTRIBUTES else _attributes()


def services() -> list[dict[str, Any]]:
    out = []
    for code in PUBLIC_CATEGORIES:
        c = BY_CODE[code]
        out.append(
            {
                "service_code": code,
                "service_name": str(c.label),
                "description": str(c.label),
                "metadata": bool(attributes_of(code)),
                "type": "realtime",
                "keywords": ", ".join(dict.fromkeys([code, c.group])),
                "group": GROUPS.get(c.group, c.group),
            }
        )
    return out


def check_service(code: str) -> str:
    code = str(code or "").strip()
    if code not in PUBLIC_CATEGORIES:
        raise NotFound(_("No service has the code %(c)s.") % {"c": code[:40]}, code="service_code")
    return code


def definition(code: str) -> dict[str, Any]:
    code = check_service(code)
    return {"service_code": code, "attributes": attributes_of(code)}
