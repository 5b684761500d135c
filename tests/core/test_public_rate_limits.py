"""Rate limits on every public form and every public lookup by a secret code, and the checks on public
uploads (type by content, size), each proved over HTTP.

The endpoints come from the endpoint table (tests/core/endpoint_table.py) with the OpenAPI schema and the
URLconf: every API operation an anonymous visitor may call with an unsafe method, every page an anonymous
visitor may POST to (found by posting to it), and every endpoint with a `code` or `key` in its path must
have a row in LIMITS (or EXEMPT, with the reason), so a new public write without a limit fails
`test_every_public_form_has_a_limit_row`.

Each row is proved by `test_the_limit_holds`, with the limit lowered through its module constant:
- submissions: the limit's worth of valid submissions from one address is served, one more is refused
  (429, in the API's error shape or as a readable page) and stores nothing; another address is served;
- lookups by a secret code: the limit's worth of unknown codes (or wrong private codes) from one
  address, then even a valid lookup is refused and changes nothing; another address is served;
- SOS: never refused (an emergency is never dropped): past the per-address limit the SOS is stored but
  marked doubtful for the operator, and another address's SOS is not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from siaga.core.context import acting
from siaga.legal import consultations
from siaga.legal.models import Consultation
from siaga.open311 import keys
from siaga.permits import letters, workflow
from siaga.permits import submit as permits_submit
from siaga.permits.models import Request
from siaga.portal import common, reports, sos, sp2hp
from siaga.portal.models import Escort, Report, ReportPhoto, Sos
from tests.cad.ops_fixtures import P_S1
from tests.core.endpoint_table import TABLE
from tests.core.test_endpoint_matrix import ENDPOINTS
from tests.permits.conftest import sktlk_fields
from tests.portal.conftest import *  # noqa: F403 (the operations-room world, a clean cache per test)
from tests.portal.conftest import jpeg

pytestmark = pytest.mark.django_db

N = 3  # every limit is lowered to this many in the window
IP, OTHER_IP = "198.51.100.7", "198.51.100.8"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SECRET_PARAMS = {"code", "key"}
Q = "Apakah saya boleh memarkir motor di trotoar depan rumah sendiri?"
REFUSED_TEXT = ("Terlalu banyak percobaan", "Too many attempts")


# --- what must have a row ---------------------------------------------------------------------------------


def _anonymous(row) -> bool:
    """Reachable without a session: open to everyone, or gated by a code in the request (no role)."""
    return "PUBLIC" in row.who.split() or row.who == ""


def _url(e, row, fill: str = "NOSUCHCODE1") -> str:
    path = e.route
    for p in e.params:
        path = path.replace("{" + p + "}", str(row.params.get(p, fill)))
    return path


def public_endpoints(client: Client) -> set[str]:
    out = set()
    for k, row in TABLE.items():
        e = ENDPOINTS.get(k)
        if e is None or not _anonymous(row):
            continue
        if SECRET_PARAMS & set(e.params):
            out.add(k)
        elif e.api:
            if e.method in UNSAFE:
                out.add(k)
        elif client.post(_url(e, row), {}).status_code != 405:  # the page takes a form
            out.add(k)
    return out


# --- the world and the calls ------------------------------------------------------------------------------


@dataclass
class Ctx:
    ops: object
    capture: Callable
    seq: int = 0

    def next(self) -> int:
        self.seq += 1
        return self.seq

    def call(self, method: str, path: str, ip: str = IP, body=None, form=False, **extra):
        """One request from `ip`, its after-commit work run as it would be (rate limits count there)."""
        client = Client(raise_request_exception=False)
        kw = {"REMOTE_ADDR": ip, **extra}
        with self.capture(execute=True):
            if method == "GET":
                return client.get(path, body or {}, **kw)
            if form or body is None:
                return client.post(path, body or {}, **kw)
            return client.post(path, json.dumps(body), content_type="application/json", **kw)


def lower(monkeypatch, limit: tuple) -> None:
    """Lower a limit constant, `(count, window)` or a bare count, to N."""
    module, name = limit
    value = getattr(module, name)
    monkeypatch.setattr(module, name, (N, value[1]) if isinstance(value, tuple) else N)


def refused(resp, api: bool | str) -> bool:
    if resp.status_code != 429:
        return False
    body = resp.content.decode()
    if api == "open311":  # the spec's error list
        return resp.json()[0]["code"] == 429 and any(t in body for t in REFUSED_TEXT)
    if api:
        return resp.json().get("code") == "rate_limited"
    return "text/html" in resp["Content-Type"] and any(t in body for t in REFUSED_TEXT)


def k(n: int, kind: str = "x") -> str:
    return f"limit-{kind}-{n:06d}-abcdefgh"


# --- submissions: N served, one more refused with nothing stored, another address served ------------------


@dataclass
class Submissions:
    limit: tuple  # (module, constant) lowered to (N, window)
    send: Callable  # (ctx, n, ip) -> response of the n-th valid submission
    count: Callable  # () -> stored rows
    ok: tuple = (200, 201, 302)
    api: bool = True

    def check(self, ctx: Ctx, monkeypatch) -> None:
        lower(monkeypatch, self.limit)
        for _ in range(N):
            resp = self.send(ctx, ctx.next(), IP)
            assert resp.status_code in self.ok, resp.content[:300]
        before = self.count()
        assert before == N
        resp = self.send(ctx, ctx.next(), IP)
        assert refused(resp, self.api), (resp.status_code, resp.content[:300])
        assert self.count() == before  # nothing stored
        resp = self.send(ctx, ctx.next(), OTHER_IP)
        assert resp.status_code in self.ok and self.count() == before + 1


# --- lookups by a secret code: N misses, then even a valid lookup refused; another address served ---------


@dataclass
class Lookups:
    setup: Callable  # (ctx) -> the record looked up
    miss: Callable  # (ctx, record, ip) -> response of a miss (an unknown code, a wrong private code)
    good: Callable  # (ctx, record, ip) -> response of a valid lookup
    state: Callable = lambda rec: None  # what a refused call must leave unchanged
    miss_status: tuple = (403, 404)
    ok: tuple = (200,)
    limit: tuple = (common, "LOOKUP_MISSES")
    api: bool | str = True  # the error shape: the API's, a readable page (False) or "open311"

    def check(self, ctx: Ctx, monkeypatch) -> None:
        lower(monkeypatch, self.limit)
        rec = self.setup(ctx)
        for _ in range(N):
            resp = self.miss(ctx, rec, IP)
            assert resp.status_code in self.miss_status, (resp.status_code, resp.content[:300])
        before = self.state(rec)
        resp = self.good(ctx, rec, IP)
        assert refused(resp, self.api), (resp.status_code, resp.content[:300])
        assert self.state(rec) == before  # nothing changed
        resp = self.good(ctx, rec, OTHER_IP)
        assert resp.status_code in self.ok, (resp.status_code, resp.content[:300])


# --- SOS: never refused; past the per-address limit stored as doubtful ------------------------------------


@dataclass
class SosFlags:
    send: Callable  # (ctx, n, ip) -> response
    ok: tuple

    def check(self, ctx: Ctx, monkeypatch) -> None:
        monkeypatch.setattr(sos, "RATE_IP", N)
        for _ in range(N):
            assert self.send(ctx, ctx.next(), IP).status_code in self.ok
        assert not any("rate_ip" in s.doubt_reasons for s in Sos.objects.all())
        resp = self.send(ctx, ctx.next(), IP)
        assert resp.status_code in self.ok and Sos.objects.count() == N + 1  # stored: never dropped
        last = Sos.objects.order_by("-pk").first()
        assert last.doubtful and "rate_ip" in last.doubt_reasons
        assert self.send(ctx, ctx.next(), OTHER_IP).status_code in self.ok
        assert "rate_ip" not in Sos.objects.order_by("-pk").first().doubt_reasons


# --- the rows ---------------------------------------------------------------------------------------------


def _sos_body(n: int) -> dict:
    return {
        "key": k(n, "sos"),
        "lat": P_S1[1],
        "lon": P_S1[0],
        "phone": f"08123456{n:04d}",  # a number of its own: the per-number limit is not the one proved
        "device": f"device-{n}",
    }


def _report_form(n: int) -> dict:
    return {
        "key": k(n, "report"),
        "category": "curanmor",
        "description": "Motor saya hilang di parkiran pasar pagi ini.",
        "lat": P_S1[1],
        "lon": P_S1[0],
        "device": f"device-{n}",
    }


def _permit_form(n: int) -> dict:
    f = sktlk_fields(n)
    data = {name: v for name, v in f.items() if name != "items"}
    for i, item in enumerate(f["items"], 1):
        data[f"item_kind_{i}"], data[f"item_id_{i}"] = item["kind"], item["identifier"]
    return {**data, "key": k(n, "permit")}


def _report(ctx) -> Report:
    return reports.submit_report(
        **{**_report_form(ctx.next()), "reporter_name": "Siti", "reporter_dob": "1990-04-12"}
    )


def _sos(ctx) -> Sos:
    return sos.raise_sos(**_sos_body(ctx.next()))


def _escort(ctx) -> Escort:
    return sos.start_escort(key=k(ctx.next(), "escort"), minutes=30)


@dataclass
class Permit:
    request: Request
    secret: str


def _permit(ctx, approved: bool = False) -> Permit:
    s = permits_submit.submit(kind="sktlk", key=k(ctx.next(), "permit"), fields=sktlk_fields(ctx.seq))
    r = s.request
    if approved:
        with acting(ctx.ops.users["operator"], "test"):
            r = workflow.approve(ctx.ops.users["operator"], r.pk)
    return Permit(r, s.secret)


def _consultation(ctx) -> Consultation:
    return consultations.ask(key=k(ctx.next(), "ask"), topic="lalu_lintas", question=Q)


def _status(model):
    return lambda rec: model.objects.filter(pk=rec.pk).values_list("status", flat=True).first()


PING = {"lat": P_S1[1], "lon": P_S1[0]}
BAD_KEY = "no-such-key-0000000000"


def _open311(ctx, n, ip, api_key):
    data = {
        "api_key": api_key,
        "service_code": "curanmor",
        "lat": P_S1[1],
        "long": P_S1[0],
        "description": f"Motor hilang di parkiran pasar, laporan nomor {n}.",
        "device_id": f"device-{n}",
    }
    return ctx.call("POST", "/open311/v2/requests.json", ip, data, form=True)


@dataclass
class Open311Keys:
    """Per API key (the app's server speaks for many people): N served, one more refused, another key
    served."""

    def check(self, ctx: Ctx, monkeypatch) -> None:
        with acting(None, "test"):
            _k, mine = keys.create_key(
                None, name="Kecil", contact="a@b.id", polres=ctx.ops.polres, rate_per_hour=N
            )
            _k, other = keys.create_key(None, name="Lain", contact="c@d.id", polres=ctx.ops.polres)
        for _ in range(N):
            assert _open311(ctx, ctx.next(), IP, mine).status_code == 201
        resp = _open311(ctx, ctx.next(), IP, mine)
        assert resp.status_code == 429 and resp.json()[0]["code"] == 429 and Report.objects.count() == N
        assert _open311(ctx, ctx.next(), IP, other).status_code == 201 and Report.objects.count() == N + 1


def _open311_key(ctx):
    with acting(None, "test"):
        return keys.create_key(None, name="App", contact="a@b.id", polres=ctx.ops.polres)[1]


class Login:
    """django-axes: SIAGA_LOGIN_FAILURE_LIMIT failures for one username from one address lock it (429), even
    for the right password; the same account from another address logs in."""

    def check(self, ctx: Ctx, monkeypatch) -> None:
        limit = settings.AXES_FAILURE_LIMIT
        path = "/accounts/login/"
        user = {"username": "operator"}
        for n in range(1, limit):
            r = ctx.call("POST", path, IP, {**user, "password": f"wrong-{n}"}, form=True)
            assert r.status_code == 200
        assert ctx.call("POST", path, IP, {**user, "password": "wrong"}, form=True).status_code == 429
        client = Client()
        r = client.post(path, {**user, "password": "Sandi-Rahasia-123"}, REMOTE_ADDR=IP)
        assert r.status_code == 429 and "_auth_user_id" not in client.session
        r = client.post(path, {**user, "password": "Sandi-Rahasia-123"}, REMOTE_ADDR=OTHER_IP)
        assert r.status_code == 302 and "_auth_user_id" in client.session


def _json_post(path_of, body_of=lambda rec: {}):
    return lambda ctx, rec, ip: ctx.call("POST", path_of(rec), ip, body_of(rec))


def _get(path_of):
    return lambda ctx, rec, ip: ctx.call("GET", path_of(rec), ip)


def _form_post(path_of, body_of=lambda rec: {}):
    return lambda ctx, rec, ip: ctx.call("POST", path_of(rec), ip, body_of(rec), form=True)


def _permit_own(action: str):
    return _json_post(
        lambda p: f"/api/permits/requests/{p.request.tracking_code}/{action}",
        lambda p: {"secret": p.secret, "fields": sktlk_fields(1)},
    )


def _permit_wrong(action: str):
    return _json_post(
        lambda p: f"/api/permits/requests/{p.request.tracking_code}/{action}",
        lambda p: {"secret": "WRONGSECRET00000", "fields": sktlk_fields(1)},
    )


def _permit_state(p: Permit):
    return Request.objects.filter(pk=p.request.pk).values_list("status", "version").first()


LIMITS: dict[str, list] = {
    # portal: SOS (flagged, never refused), escort, reports, tracking, SP2HP
    "POST /api/portal/sos": [
        SosFlags(lambda ctx, n, ip: ctx.call("POST", "/api/portal/sos", ip, _sos_body(n)), (201,))
    ],
    "page portal:sos": [
        SosFlags(lambda ctx, n, ip: ctx.call("POST", "/darurat/", ip, _sos_body(n), form=True), (200,))
    ],
    "POST /api/portal/sos/{key}/location": [
        Lookups(
            _sos,
            _json_post(lambda s: f"/api/portal/sos/{BAD_KEY}/location", lambda s: PING),
            _json_post(lambda s: f"/api/portal/sos/{s.key}/location", lambda s: PING),
            state=lambda s: Sos.objects.filter(pk=s.pk).values_list("ping_count", flat=True).first(),
            miss_status=(404,),
        )
    ],
    "POST /api/portal/escort": [
        Submissions(
            (sos, "ESCORT_RATE_IP"),
            lambda ctx, n, ip: ctx.call(
                "POST", "/api/portal/escort", ip, {"key": k(n, "escort"), "minutes": 30, "device": f"d-{n}"}
            ),
            lambda: Escort.objects.count(),
        )
    ],
    **{
        f"POST /api/portal/escort/{{key}}/{action}": [
            Lookups(
                _escort,
                _json_post(lambda e, a=action: f"/api/portal/escort/{BAD_KEY}/{a}", lambda e: PING),
                _json_post(lambda e, a=action: f"/api/portal/escort/{e.key}/{a}", lambda e: PING),
                state=_status(Escort),
                miss_status=(404,),
                ok=(200, 409),  # fire before the deadline: 409 not due (served, not limited)
            )
        ]
        for action in ("cancel", "fire", "location")
    },
    "POST /api/portal/reports": [
        Submissions(
            (reports, "RATE_IP"),
            lambda ctx, n, ip: ctx.call("POST", "/api/portal/reports", ip, _report_form(n), form=True),
            lambda: Report.objects.count(),
        )
    ],
    "page portal:report": [
        Submissions(
            (reports, "RATE_IP"),
            lambda ctx, n, ip: ctx.call("POST", "/lapor/", ip, _report_form(n), form=True),
            lambda: Report.objects.count(),
            api=False,
        )
    ],
    "GET /api/portal/track/{code}": [
        Lookups(
            _report,
            _get(lambda r: "/api/portal/track/NOSUCHCODE"),
            _get(lambda r: f"/api/portal/track/{r.tracking_code}"),
        )
    ],
    "page portal:track_code": [
        Lookups(
            _report,
            _get(lambda r: "/lacak/NOSUCHCODE/"),
            _get(lambda r: f"/lacak/{r.tracking_code}/"),
            api=False,
        ),
        Lookups(  # the SP2HP form on the page: every attempt counts, per address and per report number
            lambda ctx: (_report(ctx), _report(ctx)),  # the other address asks about another number
            lambda ctx, rs, ip: ctx.call(
                "POST",
                f"/lacak/{rs[0].tracking_code}/",
                ip,
                {"name": "Orang Lain", "dob": "1990-04-12"},
                form=True,
            ),
            lambda ctx, rs, ip: ctx.call(
                "POST",
                f"/lacak/{rs[0 if ip == IP else 1].tracking_code}/",
                ip,
                {"name": "Siti", "dob": "1990-04-12"},
                form=True,
            ),
            limit=(sp2hp, "LOOKUP_LIMIT"),
            api=False,
            miss_status=(200, 404),  # the timeline with the generic no-match message
        ),
    ],
    "POST /api/portal/sp2hp/lookup": [
        Lookups(
            lambda ctx: (_report(ctx), _report(ctx)),  # the other address asks about another number
            lambda ctx, rs, ip: ctx.call(
                "POST",
                "/api/portal/sp2hp/lookup",
                ip,
                {"number": rs[0].tracking_code, "name": "X", "dob": "1990-04-12"},
            ),
            lambda ctx, rs, ip: ctx.call(
                "POST",
                "/api/portal/sp2hp/lookup",
                ip,
                {"number": rs[0 if ip == IP else 1].tracking_code, "name": "Siti", "dob": "1990-04-12"},
            ),
            limit=(sp2hp, "LOOKUP_LIMIT"),
            miss_status=(404,),
        )
    ],
    # permits
    "POST /api/permits/requests": [
        Submissions(
            (permits_submit, "RATE_IP"),
            lambda ctx, n, ip: ctx.call(
                "POST",
                "/api/permits/requests",
                ip,
                {"kind": "sktlk", "key": k(n, "permit"), "fields": sktlk_fields(n)},
            ),
            lambda: Request.objects.count(),
        )
    ],
    "page permits:form": [
        Submissions(
            (permits_submit, "RATE_IP"),
            lambda ctx, n, ip: ctx.call("POST", "/layanan/sktlk/", ip, _permit_form(n), form=True),
            lambda: Request.objects.count(),
            api=False,
        )
    ],
    "GET /api/permits/status/{code}": [
        Lookups(
            _permit,
            _get(lambda p: "/api/permits/status/NOSUCHCODE"),
            _get(lambda p: f"/api/permits/status/{p.request.tracking_code}"),
        )
    ],
    **{
        f"POST /api/permits/requests/{{code}}/{action}": [
            Lookups(
                _permit,
                _permit_wrong(action),
                _permit_own(action),
                state=_permit_state,
                ok=(200, 400),  # a correction of a request not asked to be corrected: 400 (served)
            )
        ]
        for action in ("resubmit", "cancel", "mine")
    },
    "GET /api/permits/verify/{code}": [
        Lookups(
            lambda ctx: _permit(ctx, approved=True),
            _get(lambda p: "/api/permits/verify/" + "0" * 20),
            _get(lambda p: f"/api/permits/verify/{p.request.verify_code}"),
            limit=(letters, "VERIFY_MISSES"),
            miss_status=(404,),
        )
    ],
    "page permits:status": [
        Lookups(
            _permit,
            _get(lambda p: "/layanan/status/NOSUCHCODE/"),
            _get(lambda p: f"/layanan/status/{p.request.tracking_code}/"),
            api=False,
        ),
        Lookups(  # a wrong private code in the link counts too
            _permit,
            _get(lambda p: f"/layanan/status/{p.request.tracking_code}/?s=WRONGSECRET00000"),
            _get(lambda p: f"/layanan/status/{p.request.tracking_code}/?s={p.secret}"),
            miss_status=(200,),
            api=False,
        ),
        Lookups(  # the owner's actions on the page
            _permit,
            _form_post(
                lambda p: f"/layanan/status/{p.request.tracking_code}/",
                lambda p: {"action": "cancel", "s": "WRONGSECRET00000"},
            ),
            _form_post(
                lambda p: f"/layanan/status/{p.request.tracking_code}/",
                lambda p: {"action": "cancel", "s": p.secret},
            ),
            state=_permit_state,
            ok=(302,),
            api=False,
        ),
    ],
    "page permits:letter": [
        Lookups(
            lambda ctx: _permit(ctx, approved=True),
            _get(lambda p: f"/layanan/status/{p.request.tracking_code}/surat.pdf?s=WRONGSECRET00000"),
            _get(lambda p: f"/layanan/status/{p.request.tracking_code}/surat.pdf?s={p.secret}"),
            api=False,
        )
    ],
    "page permits:verify": [
        Lookups(
            lambda ctx: _permit(ctx, approved=True),
            _get(lambda p: "/verifikasi/" + "0" * 20 + "/"),
            _get(lambda p: f"/verifikasi/{p.request.verify_code}/"),
            limit=(letters, "VERIFY_MISSES"),
            miss_status=(404,),
            api=False,
        )
    ],
    # legal
    "POST /api/legal/consultations": [
        Submissions(
            (consultations, "RATE_IP"),
            lambda ctx, n, ip: ctx.call(
                "POST",
                "/api/legal/consultations",
                ip,
                {"key": k(n, "ask"), "topic": "lalu_lintas", "question": Q, "device": f"d-{n}"},
            ),
            lambda: Consultation.objects.count(),
        )
    ],
    "page legal:consult": [
        Submissions(
            (consultations, "RATE_IP"),
            lambda ctx, n, ip: ctx.call(
                "POST",
                "/hukum/konsultasi/",
                ip,
                {"key": k(n, "ask"), "topic": "lalu_lintas", "question": Q, "device": f"d-{n}"},
                form=True,
            ),
            lambda: Consultation.objects.count(),
            api=False,
        )
    ],
    "GET /api/legal/consultations/{code}": [
        Lookups(
            _consultation,
            _get(lambda c: "/api/legal/consultations/NOSUCHCODE"),
            _get(lambda c: f"/api/legal/consultations/{c.tracking_code}"),
        )
    ],
    "page legal:consultation": [
        Lookups(
            _consultation,
            _get(lambda c: "/hukum/konsultasi/NOSUCHCODE/"),
            _get(lambda c: f"/hukum/konsultasi/{c.tracking_code}/"),
            api=False,
        )
    ],
    # Open311
    "page open311:requests": [
        Open311Keys(),
        Lookups(  # guessing API keys from one address
            _open311_key,
            lambda ctx, key, ip: _open311(ctx, ctx.next(), ip, "s311_not-a-key"),
            lambda ctx, key, ip: _open311(ctx, ctx.next(), ip, key),
            state=lambda key: Report.objects.count(),
            ok=(201,),
            api="open311",
        ),
    ],
    "page open311:request": [
        Lookups(
            _report,
            _get(lambda r: "/open311/v2/requests/NOSUCHCODE.json"),
            _get(lambda r: f"/open311/v2/requests/{r.tracking_code}.json"),
            api="open311",
        )
    ],
    # accounts
    "page accounts:login": [Login()],
}

EXEMPT = {
    "page accounts:logout": "ends the caller's own session; stores nothing",
    "page open311:root": "a redirect to the discovery document whatever the method; reads and stores nothing",
    "page open311:service": "{code} is a public service code of the catalogue, not a secret",
    "page ingest:events": "a device's endpoint: its token is the gate (ingest), never a visitor's form",
    "page ingest:osmand": "a device's endpoint: its token is the gate (ingest), never a visitor's form",
}


# --- the tests --------------------------------------------------------------------------------------------


def test_every_public_form_has_a_limit_row(ops):
    found = public_endpoints(Client(raise_request_exception=False))
    listed = set(LIMITS) | set(EXEMPT)
    assert not (found - listed), f"public writes or lookups without a limit row: {sorted(found - listed)}"
    assert not (listed - found), f"rows for no public write or lookup: {sorted(listed - found)}"
    assert not (set(LIMITS) & set(EXEMPT))


CASES = [(key, i) for key, rows in LIMITS.items() for i in range(len(rows))]


@pytest.mark.parametrize(("endpoint", "i"), CASES, ids=[f"{e}#{i}" for e, i in CASES])
def test_the_limit_holds(endpoint, i, ops, monkeypatch, django_capture_on_commit_callbacks):
    ctx = Ctx(ops, django_capture_on_commit_callbacks)
    LIMITS[endpoint][i].check(ctx, monkeypatch)


def test_one_address_shares_one_budget_of_misses_across_lookups(
    ops, monkeypatch, django_capture_on_commit_callbacks
):
    """A scanner cannot spread its guesses over the tracking page, Open311 and the permits status."""
    monkeypatch.setattr(common, "LOOKUP_MISSES", (N, 900))
    ctx = Ctx(ops, django_capture_on_commit_callbacks)
    r = _report(ctx)
    assert ctx.call("GET", "/api/portal/track/NOSUCHCODE").status_code == 404
    assert ctx.call("GET", "/open311/v2/requests/NOSUCHCODE.json").status_code == 404
    assert ctx.call("GET", "/api/permits/status/NOSUCHCODE").status_code == 404
    assert refused(ctx.call("GET", f"/api/legal/consultations/{r.tracking_code}"), api=True)


# --- uploads: type by content, size, nothing stored --------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200  # a PE header


def _upload(ctx, via: str, name: str, data: bytes, content_type: str = "image/jpeg"):
    form = {**_report_form(ctx.next()), "photos": SimpleUploadedFile(name, data, content_type=content_type)}
    path = "/api/portal/reports" if via == "api" else "/lapor/"
    return ctx.call("POST", path, IP, form, form=True)


@pytest.mark.parametrize("via", ["api", "page"])
def test_an_executable_named_jpg_is_refused_and_nothing_stored(via, ops, django_capture_on_commit_callbacks):
    ctx = Ctx(ops, django_capture_on_commit_callbacks)
    resp = _upload(ctx, via, "foto.jpg", EXE)
    assert resp.status_code == 400
    assert "JPEG" in resp.content.decode()  # "... is not a JPEG, PNG or WebP picture."
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


@pytest.mark.parametrize("via", ["api", "page"])
def test_an_over_size_photo_is_refused_and_nothing_stored(via, ops, django_capture_on_commit_callbacks):
    from siaga.portal.photos import MAX_BYTES

    ctx = Ctx(ops, django_capture_on_commit_callbacks)
    big = jpeg() + b"\x00" * (MAX_BYTES + 1)  # a real picture's bytes, padded past 5 MB
    resp = _upload(ctx, via, "besar.jpg", big)
    assert resp.status_code in (400, 413)
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_real_picture_with_a_wrong_name_and_type_is_judged_by_content(
    via, ops, django_capture_on_commit_callbacks
):
    """The other way round: the bytes decide, not the name or the browser's word."""
    ctx = Ctx(ops, django_capture_on_commit_callbacks)
    resp = _upload(ctx, via, "dokumen.exe", jpeg(fmt="PNG"), content_type="application/octet-stream")
    assert resp.status_code in (201, 302)
    assert list(ReportPhoto.objects.values_list("content_type", flat=True)) == ["image/png"]
