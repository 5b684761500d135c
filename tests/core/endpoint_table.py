"""What each endpoint lets each role do: the table of tests/core/test_endpoint_matrix.py.

Keys: "METHOD /api/path" as in the OpenAPI schema, "page <url name>" as in the URLconf. A row names who
passes the role gate, as role codes and the named gates below (each mirrors a POLICY entry of
siaga.core.permissions, written out again on purpose: widening POLICY or an endpoint fails here until a
row says so). The administrator passes every staff gate unless `admin=False`; an inactive account is
treated as anonymous.

For an endpoint with a record in its path (`record`), the row is called twice, with the Polres A record
(kelurahan K1, else Polsek S1, else Polres level) and with the Polres B record: a user who passes the
role gate reaches the record exactly when the model matrix (tests/core/test_permission_matrix.py) lets
them `action` it, else gets `missing` (404). Denied: anonymous → 401 (API) or a redirect to the log-in
page (pages); a signed-in user outside `who` → `denied` (403 unless the row says otherwise; SEEN: 403
for a record they may see, 404 for one whose existence is not revealed). A row for a list (`lists`) also
proves that no record the model matrix hides from the user is in the response.

A new endpoint: add its row; `ENDPOINT_MATRIX_DUMP=/tmp/x.json pytest tests/core/test_endpoint_matrix.py
-k dump` writes what every user gets from every row, to compare with what the row should say.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _unit_id(callsign: str) -> int:
    from siaga.cad.models import Unit

    return Unit.objects.get(callsign=callsign).pk


# --- groups (role codes), mirroring POLICY ---------------------------------------------------------------

PUBLIC = "PUBLIC"  # everyone, anonymous included: no gate
SIGNED_IN = "SIGNED_IN"  # any active account, citizens and partners included
STAFF = "commander kabag_ops operator dispatcher patrol bhabin intelkam analyst lantas staff humas sikum"
OPS = "commander kabag_ops operator dispatcher patrol"

GROUPS = {"STAFF": STAFF, "OPS": OPS}

SEEN = "seen"  # `denied` for record endpoints: 403 when the user may see the record, else 404 (not revealed)
FILE = "file"  # `body` of an upload: a small text file as multipart form data
FORM = "form"  # pages' POST: an empty form


@dataclass(frozen=True)
class Row:
    who: str  # role codes / group names / PUBLIC / SIGNED_IN
    record: str | None = None  # resource (model-matrix name) whose id fills the path
    action: str = "view"  # the model-matrix action that decides which records a role reaches
    attr: str = "pk"  # the record's attribute that goes in the path
    params: dict = field(default_factory=dict)  # fixed path values (also for the other-jurisdiction call)
    other_params: dict | None = None  # path values of the other-jurisdiction call, when not from a record
    query: dict = field(default_factory=dict)
    lists: str | None = None  # a list response of this resource: no record the model matrix hides may show
    body: dict | list | None = None  # unsafe methods: None = the schema's least valid body
    denied: int | tuple | str = 403  # a signed-in user the row does not name (or SEEN)
    missing: int | tuple = 404  # a record out of the user's reach
    ok: tuple = ()  # statuses that count as allowed beyond 2xx/3xx and (API) 400/409/422
    anonymous: int | None = None  # default: 401 for the API, a redirect to log in for pages
    admin: bool = True  # the administrator passes this gate (False where a rule keeps even them out)
    method: str | None = None  # pages that only take a form POST: called with an empty form instead
    exceptions: dict = field(default_factory=dict)  # username -> status, for an odd one out (see note)
    xfail: str = ""  # a known bug: what is wrong, to be fixed in the app (a strict xfail)
    note: str = ""


def R(who: str = "", record: str | None = None, **kw) -> Row:
    return Row(who, record, **kw)


K1 = "32.75.01.1001"
KB = "32.76.01.1001"

# the role gates of the rows, named after the POLICY entries they mirror
INCIDENT_VIEW = "OPS bhabin intelkam analyst lantas"  # cad.incident view
INCIDENT_CHANGE = "kabag_ops operator dispatcher patrol"  # cad.incident change
UNIT_VIEW = "OPS analyst lantas staff"  # cad.unit view
UNIT_CHANGE = "kabag_ops dispatcher staff"  # cad.unit change
REPORT_VIEW = "commander kabag_ops operator dispatcher analyst"  # portal.report view
REPORT_CHANGE = "commander kabag_ops operator"  # portal.report change
SOS_VIEW = "OPS analyst"  # portal.sos view
SOS_CHANGE = "kabag_ops operator dispatcher"  # portal.sos change; ingest.devicealert change
PERMITS_VIEW = "commander kabag_ops operator intelkam"  # permits.request view
INFO_CHANGE = "commander kabag_ops humas"  # info.bulletin / info.alert change
MAPPING_VIEW = (
    "commander kabag_ops operator dispatcher bhabin intelkam analyst"  # mapping.problem, risksnapshot view
)
MAPPING_CHANGE = "kabag_ops bhabin intelkam"  # mapping.problem / potential change
CASE_VIEW = "commander kabag_ops bhabin intelkam analyst"  # mapping.casefile / visit view
CASE_CHANGE = "kabag_ops bhabin intelkam analyst"  # mapping.casefile change
PARTNER_VIEW = "commander kabag_ops bhabin intelkam humas"  # mapping.partner view
PARTNER_CHANGE = "bhabin intelkam humas"  # mapping.partner change
PATROL_VIEW = "OPS bhabin analyst"  # analytics.patrolplan view
PATROL_CHANGE = "kabag_ops dispatcher analyst"  # analytics.patrolplan change
DEVICE_VIEW = "commander kabag_ops operator dispatcher"  # ingest.device view
FENCE_VIEW = "OPS analyst lantas"  # geofences.geofence view
FENCE_CHANGE = "kabag_ops lantas"  # geofences.geofence change

TABLE: dict[str, Row] = {}

# odd ones out, each for a stated reason (a refusal that comes before the role gate, still writing nothing)
SKTLK_ONLY = {"operator": 404, "operator_s1": 404}  # SPKT handles SKTLK only; other kinds are not revealed
POLDA_ASKED_FOR_POLRES = {"commander_polda": 400}  # a Polda-wide user must name a Polres first (400)
PRIVATE_CODE = ""  # the requester's private code is the gate, never a session: 403 for everyone without it
BY_PRIVATE_CODE = {"denied": 403, "anonymous": 403, "admin": False}
DEVICES = ""  # a device token, never a session: every user and anonymous get 401
INC, CALL, UNIT, REP, SOS = "cad.incident", "cad.call", "cad.unit", "portal.report", "portal.sos"
NONE = {"pk": 999999999}

TABLE.update(
    {
        # accounts, core, territory
        "GET /api/accounts/me": R("SIGNED_IN"),
        "GET /api/core/audit": R("SIGNED_IN"),
        "GET /api/core/health": R("PUBLIC"),
        "GET /api/core/health/ready": R("PUBLIC"),
        "GET /api/territory/areas": R("SIGNED_IN"),
        "GET /api/territory/search": R("SIGNED_IN", query={"q": "Bintara"}),
        "GET /api/territory/lookup": R(
            "SIGNED_IN", ok=(404,), query={"lat": -6.25, "lon": 107.0}, note="no boundaries in the world: 404"
        ),
        "GET /api/territory/polsek": R("SIGNED_IN"),
        "GET /api/territory/polsek/areas": R("SIGNED_IN"),
        # cad
        "POST /api/cad/calls/ring": R("operator dispatcher"),
        "POST /api/cad/calls/{call_id}/answer": R(
            "operator dispatcher", denied=SEEN, record=CALL, action="change"
        ),
        "POST /api/cad/calls/{call_id}/close": R(
            "operator dispatcher", record=CALL, action="change", denied=SEEN, body={"disposition": "prank"}
        ),
        "GET /api/cad/calls/queue": R("SIGNED_IN"),
        "GET /api/cad/callers/{number}/history": R("SIGNED_IN", params={"number": "081234567890"}),
        "POST /api/cad/incidents": R(INCIDENT_CHANGE),
        "GET /api/cad/incidents": R("SIGNED_IN", lists="cad.incident"),
        "GET /api/cad/incidents/{incident_id}": R(INCIDENT_VIEW, denied=SEEN, record=INC),
        "POST /api/cad/incidents/{incident_id}/transition": R(
            INCIDENT_CHANGE, denied=SEEN, record=INC, action="change"
        ),
        "POST /api/cad/incidents/{incident_id}/reopen": R(
            INCIDENT_CHANGE, denied=SEEN, record=INC, action="change"
        ),
        "POST /api/cad/incidents/{incident_id}/notes": R(
            INCIDENT_CHANGE, record=INC, action="change", denied=SEEN, body={"text": "matrix"}
        ),
        "POST /api/cad/incidents/{incident_id}/persons": R(
            INCIDENT_CHANGE, denied=SEEN, record=INC, action="change"
        ),
        "POST /api/cad/incidents/{incident_id}/vehicles": R(
            INCIDENT_CHANGE, denied=SEEN, record=INC, action="change"
        ),
        "POST /api/cad/incidents/{incident_id}/attachments": R(
            INCIDENT_CHANGE, record=INC, action="change", denied=SEEN, body=FILE
        ),
        "GET /api/cad/incidents/{incident_id}/duplicates": R(INCIDENT_VIEW, denied=SEEN, record=INC),
        "GET /api/cad/duplicates": R("SIGNED_IN"),
        "GET /api/cad/incidents/{incident_id}/recommendations": R(INCIDENT_VIEW, denied=SEEN, record=INC),
        "POST /api/cad/incidents/{incident_id}/dispatch": R(
            "kabag_ops dispatcher",
            denied=SEEN,
            record=INC,
            action="change",
            exceptions={"patrol_b": 404},
            body=lambda: {"unit_id": _unit_id("unit_s1")},
            note="the body names a unit of Polres A: patrol_b cannot see it (404)",
        ),
        "POST /api/cad/incidents/{incident_id}/police-report": R(
            INCIDENT_CHANGE, denied=SEEN, record=INC, action="change"
        ),
        "GET /api/cad/incidents/{incident_id}/eido": R(INCIDENT_VIEW, denied=SEEN, record=INC),
        "GET /api/cad/units": R("SIGNED_IN", lists="cad.unit"),
        "GET /api/cad/units/{unit_id}": R(UNIT_VIEW, denied=SEEN, record=UNIT),
        "POST /api/cad/units/{unit_id}/status": R(UNIT_CHANGE, denied=SEEN, record=UNIT, action="change"),
        "POST /api/cad/units/{unit_id}/position": R(UNIT_CHANGE, denied=SEEN, record=UNIT, action="change"),
        "POST /api/cad/units/{unit_id}/panic": R(UNIT_CHANGE, denied=SEEN, record=UNIT, action="change"),
        "GET /api/cad/reports/response-times": R("SIGNED_IN"),
        # portal
        "POST /api/portal/sos": R("PUBLIC"),
        "POST /api/portal/sos/{key}/location": R("PUBLIC", record=SOS, attr="key"),
        "POST /api/portal/escort": R("PUBLIC"),
        "POST /api/portal/escort/{key}/cancel": R("PUBLIC", params={"key": "no-such-escort"}),
        "POST /api/portal/escort/{key}/fire": R("PUBLIC", params={"key": "no-such-escort"}),
        "POST /api/portal/escort/{key}/location": R("PUBLIC", params={"key": "no-such-escort"}),
        "GET /api/portal/stations": R("PUBLIC"),
        "POST /api/portal/reports": R("PUBLIC"),
        "GET /api/portal/reports/nearby": R("PUBLIC", query={"lat": -6.25, "lon": 107.0}),
        "GET /api/portal/track/{code}": R("PUBLIC", record=REP, attr="tracking_code"),
        "POST /api/portal/sp2hp/lookup": R("PUBLIC", ok=(404,)),
        "GET /api/portal/staff/reports": R("SIGNED_IN", lists="portal.report"),
        "POST /api/portal/staff/reports/{pk}/accept": R(
            "kabag_ops operator", denied=SEEN, record=REP, action="change"
        ),
        "POST /api/portal/staff/reports/{pk}/reject": R(
            REPORT_CHANGE, denied=SEEN, record=REP, action="change"
        ),
        "POST /api/portal/staff/reports/{pk}/notes": R(
            REPORT_CHANGE, denied=SEEN, record=REP, action="change"
        ),
        "POST /api/portal/staff/reports/{pk}/sp2hp": R(
            REPORT_CHANGE, denied=SEEN, record=REP, action="change"
        ),
        "POST /api/portal/staff/reports/{pk}/erase-identity": R(
            REPORT_CHANGE, denied=SEEN, record=REP, action="change"
        ),
        "GET /api/portal/staff/sp2hp/due": R("SIGNED_IN"),
        "GET /api/portal/staff/sos": R("SIGNED_IN", lists="portal.sos"),
        "POST /api/portal/staff/sos/{pk}/prank": R(SOS_CHANGE, denied=SEEN, record=SOS, action="change"),
        # permits
        "POST /api/permits/requests": R("PUBLIC"),
        "GET /api/permits/status/{code}": R("PUBLIC", record="permits.request", attr="tracking_code"),
        "POST /api/permits/requests/{code}/resubmit": R(
            PRIVATE_CODE, record="permits.request", attr="tracking_code", **BY_PRIVATE_CODE
        ),
        "POST /api/permits/requests/{code}/cancel": R(
            PRIVATE_CODE, record="permits.request", attr="tracking_code", **BY_PRIVATE_CODE
        ),
        "POST /api/permits/requests/{code}/mine": R(
            PRIVATE_CODE, record="permits.request", attr="tracking_code", **BY_PRIVATE_CODE
        ),
        "GET /api/permits/slots": R("PUBLIC"),
        "GET /api/permits/verify/{code}": R("PUBLIC", ok=(404,), params={"code": "NO-SUCH-CODE"}),
        "GET /api/permits/staff/requests": R("SIGNED_IN", lists="permits.request"),
        "GET /api/permits/staff/requests/{pk}": R(
            "commander kabag_ops intelkam", denied=SEEN, record="permits.request", exceptions=SKTLK_ONLY
        ),
        "POST /api/permits/staff/requests/{pk}/{action}": R(
            "commander kabag_ops intelkam",
            denied=SEEN,
            record="permits.request",
            action="change",
            params={"action": "review"},
        ),
        "GET /api/permits/staff/slots": R("SIGNED_IN"),
        "POST /api/permits/staff/slots": R("intelkam", exceptions=POLDA_ASKED_FOR_POLRES),
        # info
        "GET /api/info/bulletins": R("PUBLIC"),
        "GET /api/info/bulletins/{slug}": R("PUBLIC", ok=(404,), record="info.bulletin", attr="slug"),
        "GET /api/info/alerts": R("PUBLIC"),
        "GET /api/info/stats": R("PUBLIC"),
        "GET /api/info/staff/bulletins": R("SIGNED_IN", lists="info.bulletin"),
        "POST /api/info/staff/bulletins": R(INFO_CHANGE),
        "PATCH /api/info/staff/bulletins/{pk}": R(INFO_CHANGE, record="info.bulletin", action="change"),
        "POST /api/info/staff/bulletins/{pk}/publish": R(
            INFO_CHANGE, record="info.bulletin", action="change"
        ),
        "POST /api/info/staff/bulletins/{pk}/archive": R(
            INFO_CHANGE, record="info.bulletin", action="change"
        ),
        "GET /api/info/staff/alerts": R("SIGNED_IN", lists="info.alert"),
        "POST /api/info/staff/alerts": R(INFO_CHANGE),
        "PATCH /api/info/staff/alerts/{pk}": R(INFO_CHANGE, record="info.alert", action="change"),
        "POST /api/info/staff/alerts/{pk}/publish": R(INFO_CHANGE, record="info.alert", action="change"),
        "POST /api/info/staff/alerts/{pk}/update": R(INFO_CHANGE, record="info.alert", action="change"),
        "POST /api/info/staff/alerts/{pk}/cancel": R(
            INFO_CHANGE, record="info.alert", action="change", body={"reason": "matrix call"}
        ),
        "POST /api/info/staff/alerts/import": R(INFO_CHANGE),
        # legal
        "GET /api/legal/regulations": R("PUBLIC"),
        "GET /api/legal/regulations/{slug}": R("PUBLIC", params={"slug": "uu-2-2002"}),
        "GET /api/legal/regulations/{slug}/articles/{number}": R(
            "PUBLIC", ok=(404,), params={"slug": "uu-2-2002", "number": "1"}
        ),
        "GET /api/legal/search": R("PUBLIC", query={"q": "polisi"}),
        "GET /api/legal/kuhp": R("PUBLIC"),
        "GET /api/legal/faq": R("PUBLIC"),
        "POST /api/legal/consultations": R("PUBLIC"),
        "GET /api/legal/consultations/{code}": R("PUBLIC", record="legal.consultation", attr="tracking_code"),
        "GET /api/legal/staff/consultations": R("commander sikum", lists="legal.consultation"),
        "POST /api/legal/staff/consultations/{pk}/assign": R(
            "sikum", denied=SEEN, record="legal.consultation", action="change"
        ),
        "POST /api/legal/staff/consultations/{pk}/answer": R(
            "sikum", denied=SEEN, record="legal.consultation", action="change"
        ),
        "POST /api/legal/staff/consultations/{pk}/close": R(
            "sikum", denied=SEEN, record="legal.consultation", action="change"
        ),
        "POST /api/legal/staff/consultations/{pk}/faq": R(
            "sikum", denied=SEEN, record="legal.consultation", action="change"
        ),
        "POST /api/legal/staff/import": R("sikum"),
        # mapping
        "GET /api/mapping/problems": R(MAPPING_VIEW, lists="mapping.problem"),
        "POST /api/mapping/problems": R(MAPPING_CHANGE),
        "GET /api/mapping/problems/{pk}": R(
            MAPPING_VIEW,
            denied=SEEN,
            record="mapping.problem",
        ),
        "POST /api/mapping/problems/{pk}/change": R(
            MAPPING_CHANGE,
            record="mapping.problem",
            action="change",
            body={"parties": ["matrix"]},
        ),
        "GET /api/mapping/visits": R(CASE_VIEW, lists="mapping.visit"),
        "POST /api/mapping/visits": R("bhabin"),
        "GET /api/mapping/potentials": R(MAPPING_VIEW, lists="mapping.potential"),
        "POST /api/mapping/potentials": R(MAPPING_CHANGE),
        "GET /api/mapping/partners": R(PARTNER_VIEW, lists="mapping.partner"),
        "POST /api/mapping/partners": R(PARTNER_CHANGE),
        "GET /api/mapping/broadcasts": R(PARTNER_VIEW),
        "POST /api/mapping/broadcasts": R(PARTNER_CHANGE),
        "GET /api/mapping/informants": R("intelkam", lists="mapping.informant"),
        "POST /api/mapping/informants": R("intelkam"),
        "GET /api/mapping/informants/{pk}/identity": R(
            "intelkam",
            record="mapping.informant",
            admin=False,
            note="identities: Intelkam alone, never the admin",
        ),
        "GET /api/mapping/profiles/area/{level}/{key}": R(
            "OPS bhabin intelkam analyst lantas humas",
            params={"level": "kelurahan", "key": K1},
            other_params={"level": "kelurahan", "key": KB},
        ),
        "GET /api/mapping/profiles/groups/{group}": R(MAPPING_VIEW, params={"group": "schools"}),
        "GET /api/mapping/casefiles": R(CASE_VIEW, lists="mapping.casefile"),
        "POST /api/mapping/casefiles": R(CASE_CHANGE),
        "GET /api/mapping/casefiles/{pk}": R(CASE_VIEW, denied=SEEN, record="mapping.casefile"),
        "POST /api/mapping/casefiles/{pk}/change": R(
            CASE_CHANGE,
            record="mapping.casefile",
            action="change",
            body={"title": "matrix"},
        ),
        "POST /api/mapping/casefiles/{pk}/stage": R(
            CASE_CHANGE,
            record="mapping.casefile",
            action="change",
            body={"stage": "analysis"},
        ),
        # analytics
        "GET /api/analytics/risk": R(MAPPING_VIEW),
        "GET /api/analytics/patrol/plans": R(PATROL_VIEW, lists="analytics.patrolplan"),
        "POST /api/analytics/patrol/plans": R(PATROL_CHANGE, exceptions=POLDA_ASKED_FOR_POLRES),
        "GET /api/analytics/patrol/plans/{pk}": R(PATROL_VIEW, record="analytics.patrolplan"),
        "POST /api/analytics/patrol/plans/{pk}/publish": R(
            PATROL_CHANGE, record="analytics.patrolplan", action="change"
        ),
        "GET /api/analytics/patrol/plans/{pk}/dosage": R(PATROL_VIEW, record="analytics.patrolplan"),
        "POST /api/analytics/patrol/plans/{pk}/dosage": R(
            PATROL_CHANGE, record="analytics.patrolplan", action="change"
        ),
        "GET /api/analytics/patrol/mine": R(
            PATROL_VIEW, ok=(404,), note="404: no plan of the user's shift is published"
        ),
        "GET /api/analytics/hotspots": R(MAPPING_VIEW),
        "GET /api/analytics/hotspots/forecast": R(MAPPING_VIEW),
        # ingest
        "GET /api/ingest/devices": R(DEVICE_VIEW, lists="ingest.device"),
        "POST /api/ingest/devices": R("kabag_ops", exceptions=POLDA_ASKED_FOR_POLRES),
        "POST /api/ingest/devices/{pk}/rotate": R(
            "kabag_ops", denied=SEEN, record="ingest.device", action="change"
        ),
        "POST /api/ingest/devices/{pk}/mqtt-password": R(
            "kabag_ops", denied=SEEN, record="ingest.device", action="change"
        ),
        "POST /api/ingest/devices/{pk}/deactivate": R(
            "kabag_ops", denied=SEEN, record="ingest.device", action="change"
        ),
        "GET /api/ingest/rejections": R(DEVICE_VIEW),
        "GET /api/ingest/alerts": R("OPS lantas", lists="ingest.devicealert"),
        "POST /api/ingest/alerts/{pk}/acknowledge": R(
            SOS_CHANGE, denied=SEEN, record="ingest.devicealert", action="change"
        ),
        "POST /api/ingest/alerts/{pk}/close": R(
            SOS_CHANGE, denied=SEEN, record="ingest.devicealert", action="change"
        ),
        "GET /api/ingest/anpr": R("commander kabag_ops lantas", lists="ingest.anprread"),
        # geofences (rules are reached through their fence)
        "GET /api/geofences/": R(FENCE_VIEW, lists="geofences.geofence"),
        "POST /api/geofences/": R(FENCE_CHANGE),
        "POST /api/geofences/upload": R(FENCE_CHANGE),
        "GET /api/geofences/inside": R(FENCE_VIEW),
        "PATCH /api/geofences/rules/{rule_id}": R(FENCE_CHANGE, record="geofences.rule", action="change"),
        "DELETE /api/geofences/rules/{rule_id}": R(FENCE_CHANGE, record="geofences.rule", action="change"),
        "GET /api/geofences/{fence_id}": R(FENCE_VIEW, denied=SEEN, record="geofences.geofence"),
        "PATCH /api/geofences/{fence_id}": R(FENCE_CHANGE, record="geofences.geofence", action="change"),
        "DELETE /api/geofences/{fence_id}": R(FENCE_CHANGE, record="geofences.geofence", action="change"),
        "GET /api/geofences/{fence_id}/rules": R(FENCE_VIEW, denied=SEEN, record="geofences.geofence"),
        "POST /api/geofences/{fence_id}/rules": R(FENCE_CHANGE, record="geofences.geofence", action="change"),
    }
)

# --- pages -----------------------------------------------------------------------------------------------

TABLE.update(
    {
        "page accounts:login": R("PUBLIC", note="a signed-in user is sent on"),
        "page accounts:logout": R("PUBLIC", method="POST", ok=("login",), note="sent to the log-in page"),
        "page accounts:otp_verify": R("SIGNED_IN"),
        "page accounts:otp_setup": R("SIGNED_IN"),
        "page accounts:password_change": R("SIGNED_IN"),
        "page territory:index": R("SIGNED_IN"),
        "page core:audit": R("commander"),
        "page cad:room": R(INCIDENT_VIEW),
        "page cad:intake": R("operator dispatcher"),
        "page cad:report": R("commander kabag_ops operator dispatcher bhabin intelkam analyst lantas"),
        "page officer:officer": R(
            UNIT_CHANGE,
            note="a patrol officer gets the page through a unit crew; the world has no crews: 403",
        ),
        "page web:home": R("SIGNED_IN"),
        "page portal:home": R("PUBLIC"),
        "page portal:sos": R("PUBLIC"),
        "page portal:report": R("PUBLIC"),
        "page portal:track": R("PUBLIC"),
        "page portal:track_code": R("PUBLIC", record=REP, attr="tracking_code"),
        "page portal:stations": R("PUBLIC"),
        "page portal:offline": R("PUBLIC"),
        "page portal:sw": R("PUBLIC"),
        "page portal:manifest": R("PUBLIC"),
        "page portal:staff_queue": R(REPORT_VIEW),
        "page portal:staff_report": R(REPORT_VIEW, record=REP),
        "page portal:staff_photo": R(
            REPORT_VIEW,
            record=REP,
            params={"photo_id": 999999999},
            ok=(404,),
            note="no photo: 404",
        ),
        "page portal:staff_sp2hp": R(REPORT_VIEW),
        "page portal:staff_sos": R(SOS_VIEW),
        "page permits:index": R("PUBLIC"),
        "page permits:status_lookup": R("PUBLIC"),
        "page permits:status": R("PUBLIC", record="permits.request", attr="tracking_code"),
        "page permits:letter": R(
            PRIVATE_CODE, record="permits.request", attr="tracking_code", **BY_PRIVATE_CODE
        ),
        "page permits:form": R("PUBLIC", params={"service": "sktlk"}),
        "page permits:verify": R("PUBLIC", ok=(404,), params={"code": "NO-SUCH-CODE"}),
        "page permits:staff_queue": R(PERMITS_VIEW),
        "page permits:staff_slots": R(PERMITS_VIEW),
        "page permits:staff_request": R(
            "commander kabag_ops intelkam", record="permits.request", exceptions=SKTLK_ONLY
        ),
        "page permits:staff_letter": R(
            "commander kabag_ops intelkam",
            record="permits.request",
            ok=(404,),
            exceptions=SKTLK_ONLY,
            note="no letter yet: 404",
        ),
        "page info:index": R("PUBLIC"),
        "page info:bulletin": R("PUBLIC", ok=(404,), record="info.bulletin", attr="slug"),
        "page info:alerts": R("PUBLIC"),
        "page info:atom": R("PUBLIC"),
        "page info:cap": R("PUBLIC", ok=(404,), record="info.alert", attr="slug"),
        "page info:stats": R("PUBLIC"),
        "page info:stats_json": R("PUBLIC"),
        "page info:stats_csv": R("PUBLIC"),
        "page info:staff": R("STAFF"),
        "page info:staff_bulletin_new": R(INFO_CHANGE),
        "page info:staff_bulletin": R("STAFF", record="info.bulletin"),
        "page info:staff_alert_new": R(INFO_CHANGE),
        "page info:staff_alert": R("STAFF", record="info.alert"),
        "page legal:index": R("PUBLIC"),
        "page legal:kuhp": R("PUBLIC"),
        "page legal:faq": R("PUBLIC"),
        "page legal:consult": R("PUBLIC"),
        "page legal:consultation": R("PUBLIC", record="legal.consultation", attr="tracking_code"),
        "page legal:regulation": R("PUBLIC", params={"slug": "uu-2-2002"}),
        "page legal:article": R("PUBLIC", ok=(404,), params={"slug": "uu-2-2002", "number": "1"}),
        "page legal:staff_queue": R("commander sikum"),
        "page legal:staff_consultation": R("commander sikum", record="legal.consultation"),
        "page open311:root": R("PUBLIC"),
        "page open311:discovery": R("PUBLIC", params={"fmt": "json"}),
        "page open311:services": R("PUBLIC", params={"fmt": "json"}),
        "page open311:service": R("PUBLIC", ok=(404,), params={"fmt": "json", "code": "curat"}),
        "page open311:requests": R("PUBLIC", params={"fmt": "json"}),
        "page open311:request": R("PUBLIC", record=REP, attr="tracking_code", params={"fmt": "json"}),
        "page profiles:index": R(MAPPING_VIEW),
        "page profiles:area": R(
            "OPS bhabin intelkam analyst lantas humas",
            params={"level": "kelurahan", "key": K1},
            other_params={"level": "kelurahan", "key": KB},
        ),
        "page profiles:group": R(MAPPING_VIEW, params={"group": "schools"}),
        "page profiles:casefiles": R(CASE_VIEW),
        "page profiles:casefile_new": R(CASE_CHANGE),
        "page profiles:casefile": R(CASE_VIEW, record="mapping.casefile"),
        "page profiles:casefile_edit": R(CASE_CHANGE, record="mapping.casefile", action="change"),
        "page profiles:casefile_stage": R(
            CASE_CHANGE,
            record="mapping.casefile",
            action="change",
            method="POST",
            ok=(400,),
            note="an empty form gets past the gate and is refused as bad input: 400",
        ),
        "page mapping:index": R("commander kabag_ops operator dispatcher bhabin intelkam analyst humas"),
        "page mapping:problems": R(MAPPING_VIEW),
        "page mapping:problem_map": R(MAPPING_VIEW),
        "page mapping:problem_new": R(MAPPING_CHANGE),
        "page mapping:problem": R(MAPPING_VIEW, record="mapping.problem"),
        "page mapping:visits": R(CASE_VIEW),
        "page mapping:visit_new": R("bhabin"),
        "page mapping:potentials": R(MAPPING_VIEW),
        "page mapping:potential_map": R(MAPPING_VIEW),
        "page mapping:potential_new": R(MAPPING_CHANGE),
        "page mapping:partners": R(PARTNER_VIEW),
        "page mapping:partner_new": R(PARTNER_CHANGE),
        "page mapping:broadcast": R(PARTNER_CHANGE),
        "page mapping:informants": R("intelkam"),
        "page mapping:informant_new": R("intelkam"),
        "page patrol:list": R(PATROL_VIEW),
        "page patrol:plan": R(PATROL_VIEW, record="analytics.patrolplan"),
        "page patrol:publish": R(
            PATROL_CHANGE,
            record="analytics.patrolplan",
            action="change",
            method="POST",
            missing=302,
        ),
        "page patrol:dosage": R(
            PATROL_CHANGE,
            record="analytics.patrolplan",
            action="change",
            method="POST",
            missing=302,
        ),
        "page analytics:risk_map": R(MAPPING_VIEW),
        "page analytics:risk_area": R(
            MAPPING_VIEW, record="analytics.risksnapshot", attr="key", params={"level": "kelurahan"}
        ),
        "page analytics:hotspot": R(MAPPING_VIEW),
        "page analytics:forecast": R(MAPPING_VIEW),
        "page ingest:devices": R(DEVICE_VIEW),
        "page ingest:osmand": R(DEVICES, denied=401, anonymous=401, admin=False),
        "page ingest:events": R(
            DEVICES,
            denied=400,
            anonymous=400,
            admin=False,
            method="POST",
            note="the token is in the body: 400",
        ),
        "page geofences:index": R(FENCE_VIEW),
        "page geofences:detail": R(FENCE_VIEW, record="geofences.geofence"),
    }
)
