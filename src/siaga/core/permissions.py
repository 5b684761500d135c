"""The single read gate: `restrict(queryset, user, action)`.

Two questions, answered in one place:
1. Role: may this role perform `action` on this kind of record at all? (POLICY below)
2. Jurisdiction: which records fall inside the user's scope? Each scoped model declares a
   `Scope` naming the fields that hold its Polda, Polres, Polsek and kelurahan; the user's scope is
   the narrowest of polda / polres / polsek / kelurahan set on the account.

Writes ask the same gate (`can`) so that what a user may change is always a subset of what they may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet

from .roles import STAFF_ROLES, Role

R = Role
ALL_STAFF = frozenset(STAFF_ROLES)
EVERYONE = frozenset(Role)
OPS = frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.DISPATCHER, R.PATROL})

# resource -> action -> roles allowed. Admin is allowed everything (within its own scope).
# A resource missing here is denied to every role but admin: new models start closed.
POLICY: dict[str, dict[str, frozenset[Role]]] = {
    "territory.region": {"view": EVERYONE, "change": frozenset()},
    "territory.rw": {"view": EVERYONE, "change": frozenset()},
    "territory.rt": {"view": EVERYONE, "change": frozenset()},
    "territory.polda": {"view": EVERYONE, "change": frozenset()},
    "territory.polres": {"view": EVERYONE, "change": frozenset()},
    "territory.polsek": {"view": EVERYONE, "change": frozenset()},
    "cad.incident": {
        "view": OPS | {R.BHABIN, R.INTELKAM, R.ANALYST, R.LANTAS},
        "change": frozenset({R.OPERATOR, R.DISPATCHER, R.PATROL, R.KABAG_OPS}),
    },
    "cad.call": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.DISPATCHER, R.ANALYST}),
        "change": frozenset({R.OPERATOR, R.DISPATCHER}),
    },
    "cad.unit": {
        "view": OPS | {R.LANTAS, R.STAFF, R.ANALYST},
        "change": frozenset({R.DISPATCHER, R.KABAG_OPS, R.STAFF}),
    },
    "resources.personnel": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.STAFF, R.DISPATCHER}),
        "change": frozenset({R.STAFF}),
    },
    "portal.report": {  # SPKT back office; the public reads only through portal's public views
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.DISPATCHER, R.ANALYST}),
        "change": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR}),
    },
    "portal.sos": {"view": OPS | {R.ANALYST}, "change": frozenset({R.OPERATOR, R.DISPATCHER, R.KABAG_OPS})},
    # Online administration (permits app): SKTLK by SPKT, SKCK / crowd permits / STTP by Intelkam, signed
    # by the commander; which role acts on which kind of request is the permits service's rule.
    "permits.request": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.INTELKAM}),
        "change": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.INTELKAM}),
    },
    "permits.slot": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.INTELKAM}),
        "change": frozenset({R.INTELKAM}),
    },
    # Information (info app): bulletins and CAP alerts written by Humas and the command; public reads go
    # through the info app's public views, which show only published records.
    "info.bulletin": {"view": ALL_STAFF, "change": frozenset({R.COMMANDER, R.KABAG_OPS, R.HUMAS})},
    "info.alert": {"view": ALL_STAFF, "change": frozenset({R.COMMANDER, R.KABAG_OPS, R.HUMAS})},
    # Legal service (legal app): the library is public; consultations are answered by Si Kum.
    "legal.regulation": {"view": EVERYONE, "change": frozenset({R.LEGAL})},
    "legal.consultation": {"view": frozenset({R.COMMANDER, R.LEGAL}), "change": frozenset({R.LEGAL})},
    # Open311 (open311 app): API keys for third-party apps, issued by the administrator only.
    "open311.apikey": {"view": frozenset(), "change": frozenset()},
    # Territory mapping (mapping app, Tahap I): problems, potentials, visits and partners are read by the
    # command, operations, Binmas, Intelkam and analysts; Bhabinkamtibmas and Intelkam write them.
    "mapping.problem": {
        "view": frozenset(
            {R.COMMANDER, R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.ANALYST, R.OPERATOR, R.DISPATCHER}
        ),
        "change": frozenset({R.BHABIN, R.INTELKAM, R.KABAG_OPS}),
    },
    "mapping.visit": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.ANALYST}),
        "change": frozenset({R.BHABIN}),
    },
    "mapping.potential": {
        "view": frozenset(
            {R.COMMANDER, R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.ANALYST, R.OPERATOR, R.DISPATCHER}
        ),
        "change": frozenset({R.BHABIN, R.INTELKAM, R.KABAG_OPS}),
    },
    "mapping.partner": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.HUMAS}),
        "change": frozenset({R.BHABIN, R.INTELKAM, R.HUMAS}),
    },
    # Informants: Intelkam only (UU 14/2008 Pasal 17(a)); every view of an identity is audited.
    "mapping.informant": {"view": frozenset({R.INTELKAM}), "change": frozenset({R.INTELKAM})},
    # Risk classes per area: read by the command staff and the area officers; thresholds set by Ops/analysts.
    "analytics.risksnapshot": {
        "view": frozenset(
            {R.COMMANDER, R.KABAG_OPS, R.ANALYST, R.INTELKAM, R.BHABIN, R.OPERATOR, R.DISPATCHER}
        ),
        "change": frozenset(),
    },
    "analytics.riskconfig": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.ANALYST}),
        "change": frozenset({R.KABAG_OPS, R.ANALYST}),
    },
    # Patrol plans per shift (analytics.patrol): drawn up by Ops and analysts, read by whoever patrols.
    "analytics.patrolplan": {
        "view": OPS | {R.ANALYST, R.BHABIN},
        "change": frozenset({R.KABAG_OPS, R.ANALYST, R.DISPATCHER}),
    },
    # Problem-oriented case files (SARA) of Tahap III.
    "mapping.casefile": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.ANALYST}),
        "change": frozenset({R.KABAG_OPS, R.BHABIN, R.INTELKAM, R.ANALYST}),
    },
    # Unit tracks: telemetry written by the device gateway and the officer view, never edited.
    "cad.unitposition": {"view": OPS | {R.ANALYST}, "change": frozenset()},
    # Device gateway (ingest): devices registered by Kabag Ops; device alerts handled in the room.
    "ingest.device": {
        "view": frozenset({R.COMMANDER, R.KABAG_OPS, R.OPERATOR, R.DISPATCHER}),
        "change": frozenset({R.KABAG_OPS}),
    },
    "ingest.devicealert": {
        "view": OPS | {R.LANTAS},
        "change": frozenset({R.OPERATOR, R.DISPATCHER, R.KABAG_OPS}),
    },
    "ingest.anprread": {"view": frozenset({R.COMMANDER, R.KABAG_OPS, R.LANTAS}), "change": frozenset()},
    # Geofences: drawn by Kabag Ops and Lantas; their alerts go to the room.
    "geofences.geofence": {
        "view": OPS | {R.LANTAS, R.ANALYST},
        "change": frozenset({R.KABAG_OPS, R.LANTAS}),
    },
    "accounts.user": {"view": frozenset({R.COMMANDER}), "change": frozenset()},
    "core.auditentry": {"view": frozenset({R.COMMANDER}), "change": frozenset()},
}

# (resource -> actions) that no role may perform, admin included: the audit trail is append-only,
# written only by core.audit inside a service's transaction.
SEALED: dict[str, frozenset[str]] = {"core.auditentry": frozenset({"add", "change", "delete"})}


@dataclass(frozen=True)
class Scope:
    """Field paths (Django lookups) from a model to its place in the command hierarchy."""

    polda: str | None = None
    polres: str | None = None
    polsek: str | None = None
    kelurahan: str | None = None  # a Kemendagri kelurahan code field


def resource_of(model: type[Model]) -> str:
    return getattr(model, "resource", f"{model._meta.app_label}.{model._meta.model_name}")


def role_allows(user, resource: str, action: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action in SEALED.get(resource, ()):
        return False
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return True
    return role in POLICY.get(resource, {}).get(action, frozenset())


def jurisdiction_filter(user, scope: Scope | None) -> Q | None:
    """Q limiting a scoped model to the user's jurisdiction; None means no limit; Q(pk__in=[]) none."""
    if scope is None:  # reference data without a place in the hierarchy (e.g. the wilayah list)
        return None
    nothing = Q(pk__in=[])
    if user.kelurahan_code:
        if scope.kelurahan:
            return Q(**{scope.kelurahan: user.kelurahan_code})
        # a kelurahan-scoped user (Bhabinkamtibmas) sees Polsek-level records of the Polsek over it
        return Q(**{scope.polsek: user.polsek_id}) if scope.polsek and user.polsek_id else nothing
    if user.polsek_id:
        return Q(**{scope.polsek: user.polsek_id}) if scope.polsek else nothing
    if user.polres_id:
        return Q(**{scope.polres: user.polres_id}) if scope.polres else nothing
    if user.polda_id:
        if scope.polda:
            return Q(**{scope.polda: user.polda_id})
        if scope.polres:  # e.g. the audit trail, which carries only a Polres id
            from django.apps import apps

            polres_ids = apps.get_model("territory", "Polres").objects.filter(polda_id=user.polda_id)
            return Q(**{f"{scope.polres}__in": polres_ids.values("pk")})
        return nothing
    # no scope at all: installation-wide admin only; anyone else sees nothing scoped
    return None if getattr(user, "role", None) == Role.ADMIN else nothing


def restrict(queryset: QuerySet, user, action: str = "view") -> QuerySet:
    model = queryset.model
    if not role_allows(user, resource_of(model), action):
        return queryset.none()
    q = jurisdiction_filter(user, getattr(model, "scope", None))
    return queryset if q is None else queryset.filter(q)


def visible_one(queryset: QuerySet, user, pk: Any, action: str = "view", missing: str = "") -> Model:
    """The record `pk` of `queryset` if `user` may `action` it, else NotFound (with `missing` as the
    message): an id that is not a whole number, does not exist, or lies outside the user's role or
    jurisdiction all answer alike, so a refusal never tells that a record exists."""
    from django.utils.translation import gettext as _

    from .errors import NotFound

    try:
        pk = int(pk)
    except (TypeError, ValueError) as e:
        raise NotFound(missing or _("Not found.")) from e
    obj = restrict(queryset, user, action).filter(pk=pk).first()
    if obj is None:
        raise NotFound(missing or _("Not found."))
    return obj


def can(user, action: str, obj: Model) -> bool:
    """May `user` perform `action` on this saved object? Same gate as reads."""
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


class RestrictedQuerySet(QuerySet):
    def restrict(self, user, action: str = "view") -> QuerySet:
        return restrict(self, user, action)
