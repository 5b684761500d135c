"""The gate as the outside sees it: every API operation and every page × every user of the permission
matrix's world (tests/core/world.py) × an own and an other-jurisdiction record, against the table in
tests/core/endpoint_table.py.

The operations come from the OpenAPI schema and the pages from the URLconf, so a new endpoint without a
row, or a row whose endpoint is gone, fails `test_every_endpoint_has_a_row`. Safe methods are called for
real; unsafe ones with the row's body (by default one built from the schema's required fields, so the
call reaches the role and record checks) inside a savepoint that is rolled back, and a refused call must
leave the audit trail as it was. Which records a user may reach behind an id comes from the model
matrix (tests/core/test_permission_matrix.py): the endpoint table names only who passes the role gate.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from siaga.api import api
from siaga.core.context import acting
from siaga.core.models import AuditEntry
from siaga.geofences.models import GeofenceRule
from tests.core import endpoint_table as table
from tests.core.test_permission_matrix import MODELS, _build, base_queryset, expected
from tests.core.world import ALL_USERS, NOW

USERS = [*ALL_USERS, "anonymous"]
SKIPPED_PAGES = {"set_language", "javascript-catalog", None}  # framework internals, the /api/ catch-all


@dataclass(frozen=True)
class Endpoint:
    key: str  # "GET /api/cad/incidents/{incident_id}" or "page cad:room"
    method: str
    route: str  # the path with {name} placeholders
    params: tuple[str, ...]
    api: bool
    body_schema: dict | None = field(default=None, compare=False)
    query_schema: dict | None = field(default=None, compare=False)


# --- the endpoints, discovered ---------------------------------------------------------------------------


def _resolve(schema: dict, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def api_endpoints() -> list[Endpoint]:
    schema = api.get_openapi_schema()
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            content = (op.get("requestBody") or {}).get("content", {})
            body = _resolve(schema, content.get("application/json", {}).get("schema"))
            found.append(
                Endpoint(
                    f"{method.upper()} {path}",
                    method.upper(),
                    path,
                    tuple(re.findall(r"{(\w+)}", path)),
                    True,
                    _minimal_components(schema, body) if body else None,
                    {
                        p["name"]: _least(schema, p["schema"])
                        for p in op.get("parameters", [])
                        if p["in"] == "query" and p.get("required")
                    },
                )
            )
    return found


def _pattern_route(pattern) -> str:
    text = str(pattern).lstrip("^").rstrip("$")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)  # re_path groups first: they hold <name> too
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)
    return text.replace("\\.", ".")


def page_endpoints() -> list[Endpoint]:
    def walk(patterns, prefix: str, namespace: str | None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else p.namespace or namespace
                yield from walk(p.url_patterns, prefix + _pattern_route(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                yield "/" + prefix + _pattern_route(p.pattern), name

    found = []
    for route, name in walk(get_resolver().url_patterns, "", None):
        if route.startswith("/api/") or name in SKIPPED_PAGES:
            continue
        found.append(Endpoint(f"page {name}", "GET", route, tuple(re.findall(r"{(\w+)}", route)), False))
    return found


def _minimal_components(schema: dict, node) -> dict:
    """The smallest object the schema accepts: required fields only, each at its least value."""
    node = _resolve(schema, node)
    return {name: _least(schema, node["properties"][name]) for name in node.get("required", [])}


def _least(schema: dict, prop):
    prop = _resolve(schema, prop)
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in prop:
            return _least(schema, prop[combined][0])
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "object":
        return _minimal_components(schema, prop) if "properties" in prop else {}
    if kind == "array":
        return [_least(schema, prop["items"]) for _ in range(prop.get("minItems", 0))]
    if kind in ("integer", "number"):
        return prop.get("minimum", prop.get("exclusiveMinimum", 0) + 1 if "exclusiveMinimum" in prop else 1)
    if kind == "boolean":
        return False
    if prop.get("format") == "date-time":
        return NOW.isoformat()
    if prop.get("format") == "date":
        return NOW.date().isoformat()
    return "x" * max(1, prop.get("minLength", 1))


ENDPOINTS = {e.key: e for e in api_endpoints() + page_endpoints()}


# --- the world ------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict
    own: dict  # resource -> the Polres A record (kelurahan K1, else Polsek S1, else Polres level)
    other: dict  # resource -> the Polres B record


def _pick(resource: str, suffixes: tuple[str, ...]):
    _, label = MODELS[resource]
    records = {label(o): o for o in base_queryset(resource)}
    for suffix in suffixes:
        for name, obj in records.items():
            if name.endswith(suffix):
                return obj
    return None


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    fast = ["tests.accounts.hashers.FastArgon2PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        acting(None, "endpoint-matrix"),
        transaction.atomic(),
    ):
        users = _build()
        own = {r: _pick(r, ("_k1", "_s1", "_a", "BKS", K1_CODE)) for r in MODELS}
        other = {r: _pick(r, ("_b", "DPK")) for r in MODELS}
        # public look-ups go by tracking code: give the picked records codes in the format people type
        for side, records in (("A", own), ("B", other)):
            for resource in ("portal.report", "permits.request", "legal.consultation"):
                obj = records[resource]
                type(obj).objects.filter(pk=obj.pk).update(tracking_code=f"TRK{side}0001")
                obj.refresh_from_db()
        for name, fence in (("own", own["geofences.geofence"]), ("other", other["geofences.geofence"])):
            rule = GeofenceRule.objects.create(geofence=fence, trigger="enter", created_at=NOW)
            (own if name == "own" else other)["geofences.rule"] = rule
        yield World(users, own, other)
        transaction.set_rollback(True)


K1_CODE = "32.75.01.1001"


# --- one call --------------------------------------------------------------------------------------------

LOGIN = "/accounts/login/"
RULE_FENCE = {"geofences.rule": "geofences.geofence"}  # a rule is reached through its fence


def _client(world: World, username: str) -> Client:
    client = Client(raise_request_exception=False)
    if username != "anonymous":
        client.force_login(world.users[username])
    return client


def variants(world: World, row: table.Row) -> list[tuple[str, object, dict]]:
    """(name, record, path values): the own call, and the other-jurisdiction call where there is one."""
    if row.record:
        return [("own", world.own[row.record], row.params), ("other", world.other[row.record], row.params)]
    if row.other_params is not None:
        return [("own", None, row.params), ("other", None, row.other_params)]
    return [("", None, row.params)]


def fill(endpoint: Endpoint, row: table.Row, record, params: dict) -> str:
    path = endpoint.route
    for name in endpoint.params:
        if name in params:
            value = params[name]
        elif record is not None:
            value = getattr(record, row.attr)
        else:
            raise AssertionError(f"{endpoint.key}: no value for {{{name}}}: give the row params or a record")
        path = path.replace("{" + name + "}", str(value))
    return path


def call(client: Client, endpoint: Endpoint, row: table.Row, path: str) -> tuple[int | str, int, object]:
    """(status, audit rows appended, response): unsafe calls run in a savepoint that is rolled back."""
    cache.clear()  # rate limits and lockouts count per client address: every call starts afresh
    before = AuditEntry.objects.count()
    method = row.method or endpoint.method
    if method == "GET":
        response = client.get(path, row.query or endpoint.query_schema or {})
        return _status(response), AuditEntry.objects.count() - before, response
    body = row.body if row.body is not None else (endpoint.body_schema or {})
    if callable(body):  # ids of the world's records differ per database (sequences are not reset)
        body = body()
    if not endpoint.api:  # a page's form: empty fields, so nothing is accepted
        body = table.FORM
    with transaction.atomic():
        if body == table.FORM:
            response = client.post(path, {})
        elif body == table.FILE:  # a multipart upload: one small text file
            response = client.post(path, {"file": SimpleUploadedFile("matrix.txt", b"matrix", "text/plain")})
        else:
            response = getattr(client, method.lower())(path, body, content_type="application/json")
        written = AuditEntry.objects.count() - before
        transaction.set_rollback(True)
    return _status(response), written, response


def _status(response) -> int | str:
    if response.status_code in (302, 303) and response["Location"].startswith(LOGIN):
        return "login"
    return response.status_code


def observe(world: World, key: str) -> dict[tuple[str, str], tuple]:
    endpoint, row = ENDPOINTS[key], table.TABLE[key]
    seen = {}
    for username in USERS:
        client = _client(world, username)
        for variant, record, params in variants(world, row):
            seen[(username, variant)] = call(client, endpoint, row, fill(endpoint, row, record, params))[:2]
    return seen


# --- what the table expects -------------------------------------------------------------------------------

ROLE_OF = {u: u for u in ALL_USERS}
ROLE_OF.update(
    bhabin="bhabin",
    operator_s1="operator",
    bhabin_k1="bhabin",
    commander_polda="commander",
    admin_all="admin",
)
ROLE_OF.update(patrol_b="patrol", inactive=None, anonymous=None, partner="partner", citizen="citizen")


COVERS_B = {"admin_all", "commander_polda", "patrol_b"}  # whose jurisdiction holds Polres B
COVERS_K1 = set(ALL_USERS) - {"bhabin", "patrol_b", "inactive"}  # ... and kelurahan K1 of Polres A


def roles_of(who: str) -> set[str]:
    roles = set()
    for word in who.split():
        roles |= set(table.GROUPS[word].split()) if word in table.GROUPS else {word}
    return roles


def passes_gate(row: table.Row, username: str) -> bool:
    role = ROLE_OF[username]
    if row.who == table.PUBLIC:
        return True
    if role is None:  # anonymous, or an account switched off
        return False
    if role == "admin":
        return row.admin
    return row.who == table.SIGNED_IN or role in roles_of(row.who)


def reaches(row: table.Row, username: str, record, action: str | None = None) -> bool:
    if record is None or row.who == table.PUBLIC:
        return True
    resource = RULE_FENCE.get(row.record, row.record)
    obj = record.geofence if row.record in RULE_FENCE else record
    return MODELS[resource][1](obj) in expected(resource, action or row.action, username)


def _as_set(value) -> set:
    return set(value) if isinstance(value, tuple) else {value}


def is_allowed(endpoint: Endpoint, row: table.Row, status) -> bool:
    if status in row.ok:
        return True
    if status == "login" or not isinstance(status, int):
        return False
    if endpoint.api:
        return 200 <= status < 300 or status in (400, 409, 422)
    return 200 <= status < 400


def expectation(endpoint: Endpoint, row: table.Row, username: str, record, variant: str):
    """'allowed', or the set of statuses that say no."""
    if username in row.exceptions:
        return {row.exceptions[username]}
    if not passes_gate(row, username):
        if ROLE_OF[username] is None:
            return {row.anonymous or (401 if endpoint.api else "login")}
        if row.denied == table.SEEN:  # 403 for a record the user may see, 404 for one they may not
            return {403} if record is not None and reaches(row, username, record, "view") else {404}
        return _as_set(row.denied)
    if record is None and variant:  # a place, not a record: kelurahan K1 of Polres A, or one of Polres B
        inside = username in (COVERS_B if variant == "other" else COVERS_K1)
        return "allowed" if inside else _as_set(row.missing)
    return "allowed" if reaches(row, username, record) else _as_set(row.missing)


def mismatches(world: World, key: str) -> list[str]:
    endpoint, row = ENDPOINTS[key], table.TABLE[key]
    wrong = []
    for username in USERS:
        # a page's POST may end the session (log out): those get a client of their own
        client = _client(world, username) if row.method else CLIENTS[username]
        for variant, record, params in variants(world, row):
            status, written, response = call(client, endpoint, row, fill(endpoint, row, record, params))
            want = expectation(endpoint, row, username, record, variant)
            ok = is_allowed(endpoint, row, status) if want == "allowed" else status in want
            if not ok:
                wrong.append(f"{username} {variant or ''}: expected {want}, got {status}".replace("  ", " "))
            if row.lists and status == 200:
                wrong += [
                    f"{username}: lists {leak}, outside their view" for leak in leaks(row, username, response)
                ]
            if want != "allowed" and written:
                wrong.append(f"{username} {variant}: refused with {status} but wrote {written} audit rows")
    return wrong


def _items(body) -> list:
    if isinstance(body, dict):
        body = body.get("items", body.get("results", body.get("features", [])))
    return body if isinstance(body, list) else []


def listed(resource: str, response) -> set[str]:
    """The world's records of `resource` that a list response names (by id)."""
    ids = [i for i in (item.get("id") for item in _items(response.json()) if isinstance(item, dict))]
    label = MODELS[resource][1]
    return {label(o) for o in base_queryset(resource).filter(pk__in=[i for i in ids if isinstance(i, int)])}


def leaks(row: table.Row, username: str, response) -> set[str]:
    """The listed records that the model matrix hides from the user."""
    return listed(row.lists, response) - expected(row.lists, "view", username)


CLIENTS: dict[str, Client] = {}


@pytest.fixture(scope="module")
def clients(world):
    for username in USERS:
        CLIENTS[username] = _client(world, username)
    yield CLIENTS
    CLIENTS.clear()


# --- the tests --------------------------------------------------------------------------------------------


def _param(key: str):
    row = table.TABLE.get(key)
    marks = [pytest.mark.xfail(reason=row.xfail, strict=True)] if row and row.xfail else []
    return pytest.param(key, marks=marks, id=key)


def test_every_endpoint_has_a_row():
    missing = sorted(set(ENDPOINTS) - set(table.TABLE))
    gone = sorted(set(table.TABLE) - set(ENDPOINTS))
    assert not missing, f"endpoints without a row in tests/core/endpoint_table.py: {missing}"
    assert not gone, f"rows whose endpoint no longer exists: {gone}"


def test_discovered_routes_are_plain_templates():
    assert len([e for e in ENDPOINTS.values() if e.api]) > 100 and len(ENDPOINTS) > 200
    for endpoint in ENDPOINTS.values():
        assert not set("()^$?\\<>") & set(endpoint.route), endpoint


def test_every_row_names_known_roles_and_records():
    known = {r for u, r in ROLE_OF.items() if r} | set(table.GROUPS) | {table.PUBLIC, table.SIGNED_IN}
    for key, row in table.TABLE.items():
        assert set(row.who.split()) <= known, f"{key}: unknown role or group in {row.who!r}"
        assert row.record is None or row.record in MODELS or row.record in RULE_FENCE, key


@pytest.mark.django_db
@pytest.mark.parametrize("key", [_param(k) for k in sorted(ENDPOINTS) if k in table.TABLE])
def test_endpoint(world, clients, key):
    wrong = mismatches(world, key)
    assert not wrong, "\n".join([key, *wrong])


@pytest.mark.skipif(not os.environ.get("ENDPOINT_MATRIX_DUMP"), reason="writes the observed statuses")
@pytest.mark.django_db
def test_dump_observed(world):
    out = {}
    for key in ENDPOINTS:
        if key in table.TABLE:
            out[key] = {f"{u}|{v}": list(s) for (u, v), s in observe(world, key).items()}
    Path(os.environ["ENDPOINT_MATRIX_DUMP"]).write_text(json.dumps(out, indent=0))


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(k for k, row in table.TABLE.items() if row.lists))
def test_the_leak_check_reads_the_list(world, clients, key):
    """The installation admin's call lists world records: the ids are where `leaks` looks for them."""
    endpoint, row = ENDPOINTS[key], table.TABLE[key]
    status, _, response = call(CLIENTS["admin_all"], endpoint, row, endpoint.route)
    assert status == 200
    assert listed(row.lists, response), f"{key}: no record of {row.lists} found by id in the response"
