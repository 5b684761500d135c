"""The read gate, tested from an explicit table: for each (resource, action, user), exactly which records.

The expected sets are written out by hand; they are NOT derived from POLICY, so a change to the policy
or to a model's Scope that widens or narrows what someone sees fails here until the table is updated on
purpose. A resource in POLICY, or a model carrying a `scope`, without rows in the table fails too.

World: Polda P; Polres A (Polsek S1 with kelurahan K1 and K1B, Polsek S2 with kelurahan K2) and Polres B.
Users: one per role scoped to Polres A (the bhabin is kelurahan-scoped, at K2 in S2), plus an operator
scoped to Polsek S1, a bhabin at K1, a Polda-wide commander, an installation admin, a patrol officer
of Polres B and a deactivated Polres A commander.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import override_settings

from siaga.accounts import services as accounts
from siaga.accounts.models import User
from siaga.cad.models import Call, Incident, Unit
from siaga.core.context import acting
from siaga.core.events import Event, publish
from siaga.core.models import AuditEntry
from siaga.core.permissions import POLICY, can, resource_of
from siaga.core.selectors import audit_entries
from siaga.portal.models import Report, Sos
from siaga.resources import services as resources
from siaga.resources.models import Personnel
from siaga.territory.models import Polda, Polres, Polsek, Region, Rt, Rw
from tests.core.world import ACTIVE, ALL_USERS, K1, K1B, K2, KB, NOW, ROLE_USERS, USERS_A, build_tree

PASSWORD = "matrix-test-password-7"

# --- the records, and how each is named in the table ------------------------------------------------

MODELS = {
    "cad.incident": (Incident, lambda o: o.number),
    "cad.call": (Call, lambda o: o.notes),
    "cad.unit": (Unit, lambda o: o.callsign),
    "resources.personnel": (Personnel, lambda o: o.name),
    "accounts.user": (User, lambda o: o.username),
    "core.auditentry": (AuditEntry, lambda o: o.action),
    "territory.region": (Region, lambda o: o.code),
    "territory.rw": (Rw, lambda o: o.key),
    "territory.rt": (Rt, lambda o: o.key),
    "territory.polda": (Polda, lambda o: o.code),
    "territory.polres": (Polres, lambda o: o.code),
    "territory.polsek": (Polsek, lambda o: o.code),
    "portal.report": (Report, lambda o: o.key),
    "portal.sos": (Sos, lambda o: o.key),
}


def base_queryset(resource: str):
    model = MODELS[resource][0]
    if model is AuditEntry:  # the users' own creation is audited too: look only at the markers
        return AuditEntry.objects.filter(action__startswith="matrix.")
    return model.objects.all()


# --- the expected table -------------------------------------------------------------------------------
# Each row: {named set of records: "users who see exactly that set"}. A user not named sees nothing.

# ROLE_USERS, USERS_A, ALL_USERS and ACTIVE live in tests.core.world, shared with the apps' matrix parts.

INCIDENTS = {
    "ALL": {"inc_k1", "inc_s1", "inc_k2", "inc_a", "inc_b"},
    "A": {"inc_k1", "inc_s1", "inc_k2", "inc_a"},
    "S1": {"inc_k1", "inc_s1"},
    "K1": {"inc_k1"},
    "K2": {"inc_k2"},
    "B": {"inc_b"},
}
CALLS = {k: {n.replace("inc_", "call_") for n in v} for k, v in INCIDENTS.items()}
REPORTS = {k: {n.replace("inc_", "rep_") for n in v} for k, v in INCIDENTS.items()}
SOSES = {k: {n.replace("inc_", "sos_") for n in v} for k, v in INCIDENTS.items()}
UNITS = {
    "ALL": {"unit_s1", "unit_s2", "unit_a", "unit_b"},
    "A": {"unit_s1", "unit_s2", "unit_a"},
    "S1": {"unit_s1"},
    "B": {"unit_b"},
}
PERSONNEL = {
    "ALL": {"pers_k1", "pers_s1", "pers_k2", "pers_a", "pers_b"},
    "A": {"pers_k1", "pers_s1", "pers_k2", "pers_a"},
}
USERS = {
    "ALL": set(ALL_USERS),
    "POLDA": set(ALL_USERS) - {"admin_all"},
    "A": set(USERS_A),
}
AUDIT = {
    "ALL": {"matrix.s1", "matrix.s2", "matrix.b", "matrix.installation"},
    "POLDA": {"matrix.s1", "matrix.s2", "matrix.b"},
    "A": {"matrix.s1", "matrix.s2"},
}
REGIONS = {"ALL": {"32", "32.75", "32.76", "32.75.01", "32.75.02", "32.76.01", K1, K1B, K2, KB}}
RWS = {"ALL": {f"{K1}/001", f"{KB}/001"}}
RTS = {"ALL": {f"{K1}/001/001", f"{KB}/001/001"}}
POLDAS = {"ALL": {"POLDA-MJ"}}
POLRESES = {"ALL": {"BKS", "DPK"}}
POLSEKS = {"ALL": {"S1", "S2", "SB"}}

TABLE: dict[tuple[str, str], tuple[dict[str, set[str]], dict[str, str]]] = {
    ("cad.incident", "view"): (
        INCIDENTS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol intelkam analyst lantas",
            "S1": "operator_s1",
            "K1": "bhabin_k1",
            "K2": "bhabin",
            "B": "patrol_b",
        },
    ),
    ("cad.incident", "change"): (
        INCIDENTS,
        {
            "ALL": "admin_all",
            "A": "admin kabag_ops operator dispatcher patrol",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("cad.call", "view"): (
        CALLS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher analyst",
            "S1": "operator_s1",
        },
    ),
    ("cad.call", "change"): (
        CALLS,
        {"ALL": "admin_all", "A": "admin operator dispatcher", "S1": "operator_s1"},
    ),
    ("cad.unit", "view"): (
        UNITS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol lantas staff analyst",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("cad.unit", "change"): (UNITS, {"ALL": "admin_all", "A": "admin kabag_ops dispatcher staff"}),
    ("resources.personnel", "view"): (
        PERSONNEL,
        {"ALL": "admin_all commander_polda", "A": "admin commander kabag_ops staff dispatcher"},
    ),
    ("resources.personnel", "change"): (PERSONNEL, {"ALL": "admin_all", "A": "admin staff"}),
    ("accounts.user", "view"): (
        USERS,
        {"ALL": "admin_all", "POLDA": "commander_polda", "A": "admin commander"},
    ),
    ("accounts.user", "change"): (USERS, {"ALL": "admin_all", "A": "admin"}),
    ("core.auditentry", "view"): (
        AUDIT,
        {"ALL": "admin_all", "POLDA": "commander_polda", "A": "admin commander"},
    ),
    ("core.auditentry", "change"): (AUDIT, {}),  # append-only: not even an admin
    ("territory.region", "view"): (REGIONS, {"ALL": ACTIVE}),
    ("territory.region", "change"): (REGIONS, {"ALL": "admin admin_all"}),
    ("territory.rw", "view"): (RWS, {"ALL": ACTIVE}),
    ("territory.rw", "change"): (RWS, {"ALL": "admin admin_all"}),
    ("territory.rt", "view"): (RTS, {"ALL": ACTIVE}),
    ("territory.rt", "change"): (RTS, {"ALL": "admin admin_all"}),
    ("territory.polda", "view"): (POLDAS, {"ALL": ACTIVE}),
    ("territory.polda", "change"): (POLDAS, {"ALL": "admin admin_all"}),
    ("territory.polres", "view"): (POLRESES, {"ALL": ACTIVE}),
    ("territory.polres", "change"): (POLRESES, {"ALL": "admin admin_all"}),
    ("territory.polsek", "view"): (POLSEKS, {"ALL": ACTIVE}),
    ("territory.polsek", "change"): (POLSEKS, {"ALL": "admin admin_all"}),
    ("portal.report", "view"): (
        REPORTS,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher analyst",
            "S1": "operator_s1",
        },
    ),
    ("portal.report", "change"): (
        REPORTS,
        {"ALL": "admin_all commander_polda", "A": "admin commander kabag_ops operator", "S1": "operator_s1"},
    ),
    ("portal.sos", "view"): (
        SOSES,
        {
            "ALL": "admin_all commander_polda",
            "A": "admin commander kabag_ops operator dispatcher patrol analyst",
            "S1": "operator_s1",
            "B": "patrol_b",
        },
    ),
    ("portal.sos", "change"): (
        SOSES,
        {"ALL": "admin_all", "A": "admin kabag_ops operator dispatcher", "S1": "operator_s1"},
    ),
}

# Each app that adds a scoped model or a POLICY resource brings its part of the matrix in its own test
# package, as tests/<app>/matrix.py exporting MODELS, TABLE (same shapes as here, user names from
# tests.core.world) and build(tree, users, now) that writes its records into the world.
MATRIX_PARTS = [
    "tests.permits.matrix",
    "tests.info.matrix",
    "tests.legal.matrix",
    "tests.open311.matrix",
    "tests.mapping.matrix",
    "tests.analytics.matrix",
    "tests.analytics.matrix_patrol",
    "tests.mapping.matrix_profiles",
    "tests.ingest.matrix",
    "tests.geofences.matrix",
]
PART_BUILDERS = []
for _name in MATRIX_PARTS:
    try:
        _part = importlib.import_module(_name)
    except ModuleNotFoundError as exc:
        if exc.name != _name:
            raise
        continue
    MODELS.update(_part.MODELS)
    TABLE.update(_part.TABLE)
    PART_BUILDERS.append(_part.build)


def expected(resource: str, action: str, username: str) -> set[str]:
    sets, who = TABLE[(resource, action)]
    named = [name for name, users in who.items() if username in users.split()]
    assert len(named) <= 1, f"{username} is listed twice in the row {resource} {action}"
    return set(sets[named[0]]) if named else set()


CASES = [(r, a, u) for (r, a) in TABLE for u in ALL_USERS]

# --- the world ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at the end."""
    fast = ["tests.accounts.hashers.FastArgon2PasswordHasher"]  # see conftest.fast_argon2
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        acting(None, "matrix"),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)


def _build() -> dict[str, User]:
    t = build_tree()
    users: dict[str, User] = {}

    def user(name: str, role: str, **scope) -> None:
        users[name] = accounts.create_user(name, PASSWORD, role, validate=False, **scope)

    for role in ROLE_USERS:
        user(role, role, polres=t.a)
    user("partner", "partner", polres=t.a)
    user("citizen", "citizen", polres=t.a)
    user("bhabin", "bhabin", polsek=t.s2, kelurahan_code=K2)
    user("operator_s1", "operator", polsek=t.s1)
    user("bhabin_k1", "bhabin", polsek=t.s1, kelurahan_code=K1)
    user("commander_polda", "commander", polda=t.polda)
    user("admin_all", "admin")
    user("patrol_b", "patrol", polres=t.b)
    user("inactive", "commander", polres=t.a)
    accounts.set_active(users["inactive"], False)

    # cad's services place records by point-in-polygon over real boundaries; the matrix needs records
    # at exact places in a tree without polygons, so incidents, calls and units are written directly.
    places = {
        "k1": (t.a, t.s1, K1),
        "s1": (t.a, t.s1, K1B),
        "k2": (t.a, t.s2, K2),
        "a": (t.a, None, ""),
        "b": (t.b, t.sb, KB),
    }
    for key, (polres, polsek, kel) in places.items():
        common = {"polres": polres, "polsek": polsek, "kelurahan_code": kel, "received_at": NOW}
        Incident.objects.create(number=f"inc_{key}", category="curas", created_at=NOW, **common)
        Call.objects.create(notes=f"call_{key}", **common)
        del common["received_at"]
        Report.objects.create(
            key=f"rep_{key}",
            tracking_code=f"rep_{key}",
            category="curat",
            description="matrix",
            created_at=NOW,
            updated_at=NOW,
            **common,
        )
        Sos.objects.create(key=f"sos_{key}", received_at=NOW, **common)
    for key, (polres, polsek) in {
        "s1": (t.a, t.s1),
        "s2": (t.a, t.s2),
        "a": (t.a, None),
        "b": (t.b, t.sb),
    }.items():
        Unit.objects.create(polres=polres, polsek=polsek, callsign=f"unit_{key}", kind="r4")
    row = {"rank": "Bripka", "function": "samapta"}
    resources.bulk_create_personnel(
        t.a,
        [
            {**row, "nrp": "85010001", "name": "pers_k1", "polsek": t.s1, "kelurahan_code": K1},
            {**row, "nrp": "85010002", "name": "pers_s1", "polsek": t.s1},
            {**row, "nrp": "85010003", "name": "pers_k2", "polsek": t.s2, "kelurahan_code": K2},
            {**row, "nrp": "85010004", "name": "pers_a"},
        ],
    )
    resources.bulk_create_personnel(t.b, [{**row, "nrp": "85010005", "name": "pers_b", "polsek": t.sb}])
    for build_part in PART_BUILDERS:
        build_part(t, users, NOW)

    # audit rows, appended the only way there is: events published by a write
    for name, polres in (("s1", t.a), ("s2", t.a), ("b", t.b), ("installation", None)):
        publish(Event(f"matrix.{name}", "test.marker", name, polres_id=polres.pk if polres else None))
    return users


def visible(resource: str, user, action: str) -> set[str]:
    _, label = MODELS[resource]
    return {label(o) for o in base_queryset(resource).restrict(user, action)}


# --- the tests --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "action", "username"), CASES)
def test_matrix(world, resource, action, username):
    assert visible(resource, world[username], action) == expected(resource, action, username)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ALL_USERS)
def test_audit_selector_matches_the_table(world, username):
    got = {e.action for e in audit_entries(world[username], action="matrix.")}
    assert got == expected("core.auditentry", "view", username)


def test_every_resource_and_scoped_model_has_rows_in_the_table():
    in_table = {r for r, _ in TABLE}
    for resource, actions in POLICY.items():
        for action in actions:
            assert (resource, action) in TABLE, f"POLICY grants {resource} {action}: add it to TABLE"
    for model in apps.get_models():
        if getattr(model, "scope", None) is not None:
            resource = resource_of(model)
            assert resource in in_table, f"{resource} carries a scope: add its rows to TABLE"
            assert resource in MODELS, f"{resource}: add it to MODELS with a label"
            assert hasattr(model.objects, "restrict"), f"{resource}: use RestrictedQuerySet as manager"
    for resource, action in TABLE:
        assert resource in POLICY or action == "view", f"{resource} is not in POLICY"


@pytest.mark.django_db
@pytest.mark.parametrize("resource", sorted(MODELS))
def test_can_agrees_with_restrict(world, resource):
    _, label = MODELS[resource]
    records = list(base_queryset(resource))
    assert records, f"the world has no {resource}"
    disagreements = []
    for action in ("view", "change"):
        for username in ALL_USERS:
            user = world[username]
            seen = visible(resource, user, action)
            for obj in records:
                if can(user, action, obj) != (label(obj) in seen):
                    disagreements.append((action, username, label(obj)))
    assert not disagreements


# --- the claims, stated one by one (the table above already implies each) ---------------------------------

OPERATIONAL = [
    "cad.incident",
    "cad.call",
    "cad.unit",
    "resources.personnel",
    "core.auditentry",
    "accounts.user",
]


@pytest.mark.django_db
def test_a_polsek_user_does_not_see_another_polsek(world):
    for resource in ("cad.incident", "cad.call", "cad.unit"):
        seen = visible(resource, world["operator_s1"], "view")
        assert seen and all(n.endswith(("_k1", "_s1")) for n in seen), (resource, seen)
    assert visible("cad.incident", world["bhabin_k1"], "view") == {"inc_k1"}
    assert visible("cad.incident", world["bhabin"], "view") == {"inc_k2"}


@pytest.mark.django_db
def test_polres_a_staff_do_not_see_polres_b(world):
    for username in USERS_A:
        for resource in OPERATIONAL:
            for action in ("view", "change"):
                seen = visible(resource, world[username], action)
                assert not seen & {"inc_b", "call_b", "unit_b", "pers_b", "matrix.b", "patrol_b"}
    assert visible("cad.incident", world["patrol_b"], "view") == {"inc_b"}


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["partner", "citizen"])
def test_partner_and_citizen_see_no_operational_records(world, username):
    for resource in OPERATIONAL:
        assert visible(resource, world[username], "view") == set(), resource
    assert visible("territory.polres", world[username], "view") == {"BKS", "DPK"}  # public reference


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(world):
    assert not world["inactive"].is_active
    for resource in MODELS:
        for action in ("view", "change"):
            assert visible(resource, world["inactive"], action) == set(), resource
            assert visible(resource, AnonymousUser(), action) == set(), resource
            assert visible(resource, None, action) == set(), resource
