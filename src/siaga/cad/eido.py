"""An incident as a NENA EIDO (NENA-STA-021.1, Emergency Incident Data Object) JSON document.

Every component carries `$id`, `lastUpdateTimeStamp` and `updatedByAgencyReference` (a reference to the
agency component of the Polres). Ids are URNs unique per installation and record:
`urn:siaga:<polres code>:<kind>:<pk>`. Registry texts use the NENA registries' values where a clear
mapping exists; the Polri category and status travel beside them as the internal code/text.
Personal data follows the reader's role (see cad.incidents.person_view): the export never carries more
than the user may see on screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .categories import BY_CODE
from .incidents import person_view
from .models import Assignment, Incident, IncidentStatus, UnitStatus

EIDO_VERSION = "1.0"
ISSUER = "siaga.cad"

# Polri category group -> NENA Incident Type registry text (law enforcement / fire / EMS branches)
INCIDENT_TYPE = {
    "crime": "LAW",
    "disturbance": "LAW.Disturbance",
    "traffic": "LAW.TrafficCrash",
    "fire": "FIRE",
    "humanitarian": "EMS",
    "information": "LAW.Information",
    "prank": "LAW.Information",
}
INCIDENT_TYPE_BY_CODE = {
    "curat": "LAW.Burglary",
    "curas": "LAW.Robbery",
    "curanmor": "LAW.VehicleTheft",
    "pencurian": "LAW.Theft",
    "penipuan": "LAW.Fraud",
    "penganiayaan": "LAW.Assault",
    "anirat": "LAW.Assault",
    "pembunuhan": "LAW.Homicide",
    "perkosaan": "LAW.SexualAssault",
    "kdrt": "LAW.DomesticViolence",
    "narkoba": "LAW.Narcotics",
    "judi": "LAW.Gambling",
    "tawuran": "LAW.Fight",
    "keributan": "LAW.Disturbance",
}
INCIDENT_STATUS = {
    IncidentStatus.RECEIVED: "Received",
    IncidentStatus.ANSWERED: "Received",
    IncidentStatus.CREATED: "Pending",
    IncidentStatus.DISPATCHED: "Dispatched",
    IncidentStatus.EN_ROUTE: "Dispatched",
    IncidentStatus.ON_SCENE: "OnScene",
    IncidentStatus.CLEARED: "Cleared",
    IncidentStatus.CLOSED: "Closed",
}
UNIT_STATUS = {
    UnitStatus.AVAILABLE: "Available",
    UnitStatus.DISPATCHED: "Dispatched",
    UnitStatus.EN_ROUTE: "Enroute",
    UnitStatus.ON_SCENE: "OnScene",
    UnitStatus.OFF_DUTY: "OutOfService",
    UnitStatus.OUT_OF_SERVICE: "OutOfService",
}
UNIT_TYPE = {
    "r4": "LawPatrolCar",
    "r2": "LawMotorcycle",
    "foot": "LawFootPatrol",
    "post": "LawPost",
    "team": "LawSpecialTeam",
}
PERSON_ROLE = {"reporter": "ReportingParty", "victim": "Victim", "suspect": "Suspect", "witness": "Witness"}
VEHICLE_ROLE = {
    "involved": "Involved",
    "stolen": "Stolen",
    "suspect": "Suspect",
    "victim": "Victim",
    "witness": "Witness",
}
CALL_STATE = {"ringing": "Ringing", "answered": "Connected", "ended": "Terminated"}


def _ts(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != []}


def _pidf_point(lat: float, lon: float) -> str:
    """A PIDF-LO (RFC 5491) GML point, the by-value location form EIDO expects."""
    return (
        '<gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326">'
        f"<gml:pos>{lat:.6f} {lon:.6f}</gml:pos></gml:Point>"
    )


def incident_to_eido(incident: Incident, user=None) -> dict[str, Any]:
    """The EIDO document of one incident (the caller has checked that `user` may see it)."""
    i = incident
    polres = i.polres
    base = f"urn:siaga:{polres.code.lower()}"
    agency_id = f"{base}:agency"
    updated = max(
        [
            t
            for t in (
                i.received_at,
                i.answered_at,
                i.created_at,
                i.dispatched_at,
                i.en_route_at,
                i.on_scene_at,
                i.cleared_at,
                i.closed_at,
                i.reopened_at,
            )
            if t
        ]
    )
    agency_ref = {"$ref": agency_id}

    def prologue(kind: str, pk: Any, at: dt.datetime | None) -> dict[str, Any]:
        return {
            "$id": f"{base}:{kind}:{pk}",
            "lastUpdateTimeStamp": _ts(at or updated),
            "updatedByAgencyReference": agency_ref,
        }

    agencies = [
        {
            **prologue("agency", polres.pk, updated),
            "$id": agency_id,
            "agencyRoleDescriptionRegistryText": "Primary",
            "incidentOwningAgencyIndicator": True,
            "agencyTypeRegistryText": ["Police"],
            "organizationIdentification": f"{polres.code.lower()}.polri.go.id",
            "agencyName": polres.name,
        }
    ]
    if i.polsek_id:
        agencies.append(
            {
                **prologue("polsek", i.polsek_id, updated),
                "agencyRoleDescriptionRegistryText": "Responding",
                "incidentOwningAgencyIndicator": False,
                "agencyTypeRegistryText": ["Police"],
                "organizationIdentification": f"{i.polsek.code.lower()}.{polres.code.lower()}.polri.go.id",
                "agencyName": i.polsek.name,
            }
        )

    location_id = f"{base}:location:{i.pk}"
    locations = []
    if i.lat is not None and i.lon is not None:
        area = ", ".join(
            x
            for x in (
                f"RT {i.rt:03d}/RW {i.rw:03d}" if i.rt and i.rw else "",
                f"kelurahan {i.kelurahan_code}" if i.kelurahan_code else "",
                f"kecamatan {i.kecamatan_code}" if i.kecamatan_code else "",
            )
            if x
        )
        locations.append(
            _drop_none(
                {
                    **prologue("location", i.pk, i.created_at),
                    "locationTypeDescriptionRegistryText": "Incident",
                    "locationByValue": _pidf_point(i.lat, i.lon),
                    "locationDescriptionText": "; ".join(x for x in (i.address, area) if x) or None,
                    "geoJson": {"type": "Point", "coordinates": [i.lon, i.lat]},
                }
            )
        )

    notes = [
        _drop_none(
            {
                **prologue("note", n.pk, n.created_at),
                "notesActionComments": n.text,
                "agentReference": {"$ref": f"{base}:agent:{n.author_id}"} if n.author_id else None,
            }
        )
        for n in i.notes.order_by("created_at", "pk")
    ]
    persons = []
    for p in i.persons.order_by("pk"):
        shown = person_view(p, user)
        persons.append(
            _drop_none(
                {
                    **prologue("person", p.pk, p.created_at),
                    "personIncidentRoleRegistryText": [PERSON_ROLE.get(p.role, "Other")],
                    "ncPersonComponent": _drop_none(
                        {
                            "personFullName": shown["name"],
                            "personNationalIdentification": shown["nik"] or None,
                            "personTelephoneNumber": shown["phone"] or None,
                        }
                    ),
                }
            )
        )
    vehicles = [
        _drop_none(
            {
                **prologue("vehicle", v.pk, v.created_at),
                "vehicleRelationshipType": [VEHICLE_ROLE.get(v.role, "Involved")],
                "vehicleRelationshipTimeStamp": _ts(v.created_at),
                "ncVehicleComponent": _drop_none(
                    {
                        "vehicleLicensePlateIdentification": v.plate or None,
                        "vehicleCategoryText": v.kind or None,
                        "vehicleDescriptionText": v.description or None,
                    }
                ),
            }
        )
        for v in i.vehicles.order_by("pk")
    ]

    resources = []
    for a in Assignment.objects.filter(incident=i).select_related("unit").order_by("dispatched_at", "pk"):
        u = a.unit
        primary = UNIT_STATUS.get(u.status, "Dispatched") if a.active else "Cleared"
        last = max(t for t in (a.dispatched_at, a.en_route_at, a.on_scene_at, a.cleared_at) if t)
        resources.append(
            _drop_none(
                {
                    **prologue("unit", u.pk, last),
                    "agentReference": [{"$ref": f"{base}:agent:unit-{u.pk}"}],
                    "emergencyResourceTypeCommonRegistryText": UNIT_TYPE.get(u.kind, "LawPatrolCar"),
                    "emergencyResourceTypeInternalText": u.get_kind_display(),
                    "enforcementUnitName": u.callsign,
                    "enforcementUnitIdentification": str(u.pk),
                    "primaryUnitStatusRegistryText": primary,
                    "secondaryUnitStatusRegistryText": ["Assigned"] if a.active else ["Released"],
                    "unitStatusInternal": [u.status if a.active else "cleared"],
                    "resourceAttributeRegistryText": sorted(u.capabilities or []) or ["Patrol"],
                    "activeOnIncidentId": i.number if a.active else None,
                    "dispatchTimestamp": _ts(a.dispatched_at),
                    "enRouteTimestamp": _ts(a.en_route_at),
                    "onSceneTimestamp": _ts(a.on_scene_at),
                    "clearedTimestamp": _ts(a.cleared_at),
                }
            )
        )
    if i.panic:
        unit_state = {"severity": "Emergency", "startTimestamp": _ts(i.created_at)}
        if resources:
            resources[0]["unitEmergencyState"] = unit_state
    dispatches = (
        [
            {
                **prologue("dispatch", i.pk, i.dispatched_at),
                "organizationIdentification": f"{polres.code.lower()}.polri.go.id",
                "emergencyResourceReference": [{"$ref": r["$id"]} for r in resources],
            }
        ]
        if resources
        else []
    )

    calls = []
    for c in i.calls.order_by("received_at", "pk"):
        calls.append(
            _drop_none(
                {
                    **prologue("call", c.pk, c.ended_at or c.answered_at or c.received_at),
                    "callIdentifier": c.idempotency_key or f"{base}:call:{c.pk}",
                    "callStateRegistryText": CALL_STATE.get(c.status, "Terminated"),
                    "callStatusRegistryText": CALL_STATE.get(c.status, "Terminated"),
                    "callTypeDescriptionRegistryText": "Emergency",
                    "standardPrimaryCallType": "Voice",
                    "direction": "Incoming",
                    "callStartTimestamp": _ts(c.received_at),
                    "answerDate": _ts(c.answered_at),
                    "activityDateRange": _drop_none(
                        {"startDate": _ts(c.received_at), "endDate": _ts(c.ended_at)}
                    ),
                    "deviceCallBackInformationUrl": [f"tel:{c.caller_number}"] if c.caller_number else None,
                    "queueIdentifier": c.escalation_level or "desk",
                    "locationReference": [{"$ref": location_id}] if locations else None,
                }
            )
        )

    cat = BY_CODE.get(i.category)
    incident_component = _drop_none(
        {
            **prologue("incident", i.pk, updated),
            "incidentTypeCommonRegistryText": INCIDENT_TYPE_BY_CODE.get(
                i.category, INCIDENT_TYPE.get(cat.group if cat else "", "LAW")
            ),
            "incidentTypeInternalCode": i.category,
            "incidentTypeInternalText": str(cat.label) if cat else i.category,
            "incidentStatusCommonRegistryText": INCIDENT_STATUS.get(i.status, "Pending"),
            "incidentStatusInternalText": [i.status],
            "internalIncidentId": i.number,
            "incidentPriorityInternalText": f"P{i.priority}",
            "incidentCommonPriorityNumber": i.priority,
            "beatOrDispatchGroupText": i.polsek.name if i.polsek_id else None,
            "dispositionComponent": [
                {
                    **prologue("disposition", i.pk, i.closed_at),
                    "dispositionCommonRegistryCode": "Duplicate",
                    "dispositionPrimaryIndicator": True,
                }
            ]
            if i.duplicate_of_id
            else None,
            "locationReference": [{"$ref": location_id}] if locations else None,
            "personReference": [{"$ref": p["$id"]} for p in persons],
            "vehicleReference": [{"$ref": v["$id"]} for v in vehicles],
            "notesReference": [{"$ref": n["$id"]} for n in notes],
            "incidentSummaryText": i.summary or None,
        }
    )
    doc = {
        "$id": f"{base}:eido:{i.pk}:v{i.version}",
        "lastUpdateTimeStamp": _ts(updated),
        "updatedByAgencyReference": agency_ref,
        "eidoVersion": EIDO_VERSION,
        "incidentTrackingIdentifier": f"{base}:incident:{i.pk}",
        "reasonForIssueRegistryText": "Update",
        "issuingElementIdentification": f"{ISSUER}.{polres.code.lower()}",
        "agencyComponent": agencies,
        "incidentComponent": incident_component,
        "callComponent": calls,
        "dispatchComponent": dispatches,
        "emergencyResourceComponent": resources,
        "locationComponent": locations,
        "notesComponent": notes,
        "personComponent": persons,
        "vehicleComponent": vehicles,
    }
    if i.duplicate_of_id:
        doc["linkComponent"] = [
            {
                **prologue("link", i.duplicate_of_id, i.created_at),
                "incidentTrackingIdentification": f"{base}:incident:{i.duplicate_of_id}",
                "linkDirectionCode": "RELATED",
                "transactionReasonText": "Duplicate",
            }
        ]
    return doc
