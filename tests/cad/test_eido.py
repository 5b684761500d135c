"""cad.eido: a full incident as a NENA EIDO document with every required field and resolvable references."""

from __future__ import annotations

import json

import pytest

from siaga.cad import dispatching, incidents, intake
from siaga.cad.eido import incident_to_eido
from siaga.core.context import acting

from .ops_fixtures import *  # noqa: F403
from .ops_fixtures import P_S1, refresh

pytestmark = pytest.mark.django_db

PROLOGUE = ("$id", "lastUpdateTimeStamp", "updatedByAgencyReference")
COMPONENTS = (
    "agencyComponent",
    "callComponent",
    "dispatchComponent",
    "emergencyResourceComponent",
    "locationComponent",
    "notesComponent",
    "personComponent",
    "vehicleComponent",
)


@pytest.fixture
def full(ops):
    op, d = ops.u("operator"), ops.u("dispatcher")
    with acting(None, "telephony"):
        call = intake.ring(ops.polres, "081234567890", call_id="pbx-42")
    intake.answer(op, call)
    i = incidents.create_incident(
        op,
        category="curas",
        lat=P_S1[1],
        lon=P_S1[0],
        call=call,
        summary="Jambret di depan minimarket",
        address="Jl. Juanda",
    )
    intake.close_call(op, call, "incident")
    incidents.add_note(op, i, "Pelaku 2 orang, motor hitam")
    incidents.add_person(
        op, i, role="victim", name="Siti Aminah", nik="3275014101900001", phone="081298765432"
    )
    incidents.add_person(op, i, role="reporter", name="Budi")
    incidents.add_vehicle(op, i, plate="B 1234 KZX", kind="motor", role="suspect", description="hitam")
    dispatching.dispatch(d, i, ops.units["S1-R4"])
    dispatching.dispatch(d, i, ops.units["S1-R2"])
    dispatching.set_unit_status(d, ops.units["S1-R4"], "en_route")
    dispatching.set_unit_status(d, ops.units["S1-R2"], "cleared")
    return refresh(i)


def ids_and_refs(doc):
    ids, refs = [], []

    def walk(x):
        if isinstance(x, dict):
            if "$id" in x:
                ids.append(x["$id"])
            if set(x) == {"$ref"}:
                refs.append(x["$ref"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return ids, refs


def test_required_fields_present_for_a_full_incident(ops, full):
    doc = incident_to_eido(full, ops.u("operator"))
    json.dumps(doc)  # plain JSON
    for key in (*PROLOGUE, "eidoVersion", "issuingElementIdentification", "agencyComponent"):
        assert doc[key], key
    assert doc["eidoVersion"] == "1.0"
    for name in COMPONENTS:
        assert doc[name], name
        for comp in doc[name]:
            for key in PROLOGUE:
                assert comp.get(key), (name, key)
    inc = doc["incidentComponent"]
    for key in (
        *PROLOGUE,
        "incidentTypeCommonRegistryText",
        "incidentTypeInternalCode",
        "incidentTypeInternalText",
        "incidentStatusCommonRegistryText",
        "incidentPriorityInternalText",
        "internalIncidentId",
    ):
        assert inc.get(key), key
    assert (
        inc["incidentTypeCommonRegistryText"] == "LAW.Robbery" and inc["incidentTypeInternalCode"] == "curas"
    )
    assert (
        inc["internalIncidentId"] == full.number and inc["incidentStatusCommonRegistryText"] == "Dispatched"
    )
    assert inc["incidentStatusInternalText"] == ["en_route"] and inc["incidentPriorityInternalText"] == "P1"
    assert inc["beatOrDispatchGroupText"] == ops.s1.name
    call = doc["callComponent"][0]
    assert call["callIdentifier"] == "pbx-42" and call["direction"] == "Incoming"
    assert call["callStateRegistryText"] == "Terminated" and call["callStartTimestamp"].endswith("Z")
    assert call["standardPrimaryCallType"] and call["deviceCallBackInformationUrl"] == ["tel:081234567890"]
    units = {u["enforcementUnitName"]: u for u in doc["emergencyResourceComponent"]}
    for u in units.values():
        for key in (
            "agentReference",
            "emergencyResourceTypeCommonRegistryText",
            "primaryUnitStatusRegistryText",
            "secondaryUnitStatusRegistryText",
            "resourceAttributeRegistryText",
        ):
            assert u.get(key), key
    assert units["S1-R4"]["primaryUnitStatusRegistryText"] == "Enroute"
    assert units["S1-R4"]["activeOnIncidentId"] == full.number
    assert (
        units["S1-R2"]["primaryUnitStatusRegistryText"] == "Cleared"
        and "activeOnIncidentId" not in units["S1-R2"]
    )
    loc = doc["locationComponent"][0]
    assert loc["locationTypeDescriptionRegistryText"] and "<gml:pos>" in loc["locationByValue"]
    assert (
        loc["geoJson"]["coordinates"] == [full.lon, full.lat]
        and "Jl. Juanda" in loc["locationDescriptionText"]
    )
    assert doc["notesComponent"][0]["notesActionComments"] == "Pelaku 2 orang, motor hitam"
    roles = sorted(p["personIncidentRoleRegistryText"][0] for p in doc["personComponent"])
    assert roles == ["ReportingParty", "Victim"]
    assert (
        doc["vehicleComponent"][0]["ncVehicleComponent"]["vehicleLicensePlateIdentification"] == "B 1234 KZX"
    )


def test_ids_unique_and_references_resolve(ops, full):
    doc = incident_to_eido(full, ops.u("operator"))
    ids, refs = ids_and_refs(doc)
    assert len(ids) == len(set(ids))
    dangling = {r for r in refs if r not in ids and ":agent:" not in r}  # agents are not exported
    assert dangling == set()
    assert doc["updatedByAgencyReference"]["$ref"] == doc["agencyComponent"][0]["$id"]


def test_personal_data_follows_the_readers_role(ops, full):
    as_operator = json.dumps(incident_to_eido(full, ops.u("operator")))
    as_dispatcher = json.dumps(incident_to_eido(full, ops.u("dispatcher")))
    assert "3275014101900001" in as_operator and "3275014101900001" not in as_dispatcher
    assert "081298765432" not in as_dispatcher


def test_minimal_incident_and_duplicate_link(ops):
    op = ops.u("operator")
    first = incidents.create_incident(op, category="keributan", lat=P_S1[1], lon=P_S1[0])
    dup = incidents.create_incident(
        op, category="keributan", lat=P_S1[1], lon=P_S1[0], link_duplicate_of=first
    )
    doc = incident_to_eido(dup, op)
    assert doc["incidentComponent"]["incidentStatusCommonRegistryText"] == "Closed"
    assert doc["linkComponent"][0]["incidentTrackingIdentification"].endswith(f":incident:{first.pk}")
    assert doc["emergencyResourceComponent"] == [] and doc["callComponent"] == []
