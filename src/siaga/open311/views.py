"""GeoReport v2 endpoints at /open311/v2/: every resource in XML (required by the spec) and JSON.

No cookie, no session: the API key (POST only) is the credential, so POST needs no CSRF token.
Errors follow the spec: a list of {code, description} with HTTP 400, 403, 404 (429 past a rate limit).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from lxml import etree

from siaga.core.errors import ServiceError
from siaga.portal.common import client_ip, limit_or_raise

from . import catalog, georeport

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+07:00"  # when the list of services or their definitions last changed
RATE_READ_IP = (600, 60)  # GETs per address per minute
# list element -> its item element, for XML
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _xml_fill(el, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_fill(etree.SubElement(el, k), v)
    elif isinstance(value, list):
        item = ITEM.get(el.tag, "item")
        for v in value:
            _xml_fill(etree.SubElement(el, item), v)
    else:
        el.text = _text(value)


def render(fmt: str, root: str, value: Any, status: int = 200) -> HttpResponse:
    """`value` as JSON (as is) or XML (under `root`, list items named by ITEM), UTF-8."""
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False)
        return HttpResponse(body.encode(), status=status, content_type="application/json; charset=utf-8")
    el = etree.Element(root)
    _xml_fill(el, value)
    body = etree.tostring(el, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, message: str) -> HttpResponse:
    return render(fmt, "errors", [{"code": status, "description": message}], status=status)


def api(view):
    """Turn service errors into the spec's error list; a read rate limit per client address."""

    def wrapped(request, *args, fmt: str = "json", **kwargs):
        fmt = "xml" if fmt == "xml" else "json"
        try:
            if request.method == "GET":
                limit_or_raise("open311-read", client_ip(request), *RATE_READ_IP)
            return view(request, *args, fmt=fmt, **kwargs)
        except ServiceError as e:
            return error(fmt, e.status, e.message)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(
        require_http_methods(["GET", "POST"] if view.__name__ == "requests_view" else ["GET"])(wrapped)
    )


@api
def discovery(request, fmt: str):
    base = request.build_absolute_uri(reverse("open311:root"))
    contact = getattr(settings, "SIAGA_CONTACT", "") or _("The Polres public relations office (Humas)")
    doc = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": _("Ask the Polres administrator for an API key (needed only to submit requests)."),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", doc)


@api
def services(request, fmt: str):
    return render(fmt, "services", catalog.services())


@api
def service_definition(request, code: str, fmt: str):
    return render(fmt, "service_definition", catalog.definition(code))


@api
def requests_view(request, fmt: str):
    if request.method == "POST":
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return error(fmt, 400, _("Send the request form-encoded (application/x-www-form-urlencoded)."))
        data = {k: request.POST.getlist(k) for k in request.POST}
        header = request.headers.get("X-Idempotency-Key", "") or request.headers.get("Idempotency-Key", "")
        r, created = georeport.submit(data, idempotency_header=header, client=client_ip(request))
        out = [{"service_request_id": r.tracking_code, "service_notice": _notice(), "account_id": ""}]
        return render(fmt, "service_requests", out, status=201 if created else 200)
    return render(fmt, "service_requests", georeport.list_requests(request.GET, now=timezone.now()))


def _notice() -> str:
    return _("Follow this report at /lacak/ with its tracking code; for an emergency call 110.")


@api
def request_detail(request, code: str, fmt: str):
    return render(fmt, "service_requests", [georeport.get_request(code, client=client_ip(request))])


def root(request):
    """The endpoint's base address (named in discovery): points to the discovery document."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"fmt": "json"}))
