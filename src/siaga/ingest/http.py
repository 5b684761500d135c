"""HTTP adapters: Traccar's OsmAnd protocol at /ingest/osmand and the generic JSON webhook at
/ingest/events. Machines, not people: no session, no CSRF; a device proves itself with its token
(`Authorization: Bearer …`, or `token=` for OsmAnd clients that cannot set headers). They only read the
transport; pipeline.accept validates, stores and routes, and answers only once the message is durable.

Answers: OsmAnd 200 with an empty body when accepted (or a duplicate: the device may stop resending),
400 + reason when refused, 401 for an unknown device or a wrong token, 403 for a deactivated device,
503 + Retry-After when the database stayed busy (nothing stored: the device resends).
The webhook answers one object with {"status", "reason", "routed"} and the same codes; a list with 200
and {"results": [...]} holding one outcome per message, in order.
"""

from __future__ import annotations

import json
from collections import Counter

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .parsers import Reason
from .pipeline import Inbound, Outcome, accept, count_rejects

MAX_BODY = 1_000_000  # bytes
MAX_ITEMS = 1000  # messages per webhook call
STATUS = {Reason.UNKNOWN_DEVICE: 401, Reason.BAD_CREDENTIAL: 401, Reason.INACTIVE_DEVICE: 403}
OSMAND_PARAMS = ("lat", "lon", "timestamp", "speed", "bearing", "altitude", "accuracy", "batt")


def _bearer(request: HttpRequest) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def _status(o: Outcome) -> int:
    return 200 if o.status != "rejected" else STATUS.get(o.reason, 400)


def _refuse(reason: str, status: int = 400) -> JsonResponse:
    count_rejects(Counter({(0, reason): 1}), timezone.now().date())  # no device known yet: Polres 0
    return JsonResponse({"status": "rejected", "reason": reason, "routed": []}, status=status)


def _busy() -> HttpResponse:
    """The database stayed busy through the pipeline's retries: nothing was stored, the device resends."""
    response = HttpResponse("busy", status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "2"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def osmand(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
        params.update(request.POST)
    ref = params.get("id") or params.get("deviceid") or ""
    payload = {k: params.get(k) for k in OSMAND_PARAMS if params.get(k) not in (None, "")}
    token = _bearer(request) or params.get("token")
    try:
        [outcome] = accept([Inbound("http", "osmand", ref[:120], payload, timezone.now(), None, token)])
    except OperationalError:
        return _busy()
    status = _status(outcome)
    if status == 200:
        return HttpResponse(status=200)
    return HttpResponse(outcome.reason, status=status, content_type="text/plain; charset=utf-8")


def _outcome(o: Outcome) -> dict:
    return {"status": o.status, "reason": o.reason, "routed": o.routed}


@csrf_exempt
@require_http_methods(["POST"])
def events(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BODY:
        return _refuse("too_large", 413)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _refuse(Reason.MALFORMED)
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not items:
        return _refuse(Reason.MALFORMED)
    if len(items) > MAX_ITEMS:
        return _refuse("too_many", 413)
    token, now = _bearer(request), timezone.now()
    outcomes: list[Outcome] = [Outcome("rejected", Reason.MALFORMED) for _ in items]
    objects = [i for i, item in enumerate(items) if isinstance(item, dict)]
    if len(objects) < len(items):
        count_rejects(Counter({(0, Reason.MALFORMED): len(items) - len(objects)}), now.date())
    batch = []
    for i in objects:
        ref = items[i].get("device")
        batch.append(
            Inbound("http", "generic", ref if isinstance(ref, str) else "", items[i], now, None, token)
        )
    try:
        accepted = accept(batch)
    except OperationalError:
        return _busy()
    for i, o in zip(objects, accepted, strict=True):
        outcomes[i] = o
    if single:
        return JsonResponse(_outcome(outcomes[0]), status=_status(outcomes[0]))
    return JsonResponse({"results": [_outcome(o) for o in outcomes]})
