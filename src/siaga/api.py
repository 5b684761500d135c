"""The JSON API at /api/ (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from django.db import DataError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from siaga.core.errors import ServiceError
from siaga.core.outage import refusal

# Every operation may answer with these, whatever its own declared responses: the body cannot be parsed
# (400), the input breaks the schema (422), the session is missing (401, where auth applies) or the
# database is busy or out of reach (503). Documented once here so clients (and the schema fuzzer) know them.
COMMON_ERRORS = {
    "400": "The request body cannot be read, or the service refused the input.",
    "401": "Authentication required.",
    "422": "The input does not match the schema (the errors list says where).",
    "503": "The server is busy or its database briefly unavailable; retry after the Retry-After seconds.",
}
ERROR_BODY = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


class SiagaAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema.get("paths", {}).values():
            for op in item.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                for status, text in COMMON_ERRORS.items():
                    if status == "401" and not op.get("security"):
                        continue
                    op["responses"].setdefault(
                        status,
                        {"description": text, "content": {"application/json": {"schema": ERROR_BODY}}},
                    )
        return schema


api = SiagaAPI(
    title="Siaga API",
    version="1",
    description="Smart-policing platform for a Polres. Session authentication (log in at /accounts/login/).",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=exc.status)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request, {"detail": _("Authentication required."), "code": "unauthenticated"}, status=401
    )


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    return api.create_response(
        request, {"detail": _("Invalid input."), "code": "invalid", "errors": exc.errors}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """The framework's own refusals (a body that is not JSON or not form data) in our error shape."""
    code = "malformed" if exc.status_code == 400 else f"http_{exc.status_code}"
    detail = _("The request body cannot be read.") if exc.status_code == 400 else str(exc.message)
    return api.create_response(request, {"detail": detail, "code": code}, status=exc.status_code)


@api.exception_handler(RawPostDataException)
def form_instead_of_document(request, exc):
    """An operation that takes a raw document (CAP XML, a CSV) was sent a form: the form parser (CSRF
    check) has read the stream already. The client's fault: say what to send instead."""
    return api.create_response(
        request,
        {"detail": _("Send the document itself as the request body, not as a form."), "code": "malformed"},
        status=400,
    )


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number or text larger than the database can hold (an id past 2^63 on SQLite, a value out of a
    PostgreSQL column's range): the input's fault, refused as such; the transaction rolled back."""
    return api.create_response(
        request, {"detail": _("A value is out of range."), "code": "invalid"}, status=422
    )


@api.exception_handler(InterfaceError)
@api.exception_handler(OperationalError)
def database_busy(request, exc: OperationalError | InterfaceError):
    """A transient database condition is refused cleanly (503 + Retry-After) instead of an HTML 500:
    a write that lost a lock race ("busy": SQLite's single writer past its busy timeout, a PostgreSQL
    deadlock or serialization failure) or a database out of reach, restarting or out of connections
    ("unavailable"); see core/outage.py. The transaction rolled back, and a retry with the same
    Idempotency-Key creates the record once. Any other database error is still a server error."""
    found = refusal(exc)
    if found is None:
        raise exc
    code, detail, retry_after = found
    response = api.create_response(request, {"detail": detail, "code": code}, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def _mount() -> None:
    from siaga.accounts.api import router as accounts_router
    from siaga.analytics.api import router as analytics_router
    from siaga.cad.api import router as cad_router
    from siaga.core.api import router as core_router
    from siaga.geofences.api import router as geofences_router
    from siaga.info.api import router as info_router
    from siaga.ingest.api import router as ingest_router
    from siaga.legal.api import router as legal_router
    from siaga.mapping.api import router as mapping_router
    from siaga.permits.api import router as permits_router
    from siaga.portal.api import router as portal_router
    from siaga.territory.api import router as territory_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/cad", cad_router)
    api.add_router("/core", core_router)
    api.add_router("/territory", territory_router)
    api.add_router("/portal", portal_router)
    api.add_router("/permits", permits_router)
    api.add_router("/info", info_router)
    api.add_router("/legal", legal_router)
    api.add_router("/mapping", mapping_router)
    api.add_router("/analytics", analytics_router)
    api.add_router("/ingest", ingest_router)
    api.add_router("/geofences", geofences_router)


def not_found(request, *args, **kwargs):
    """Any /api/ address no operation matches (an id that is not a number, a path that does not exist):
    a JSON 404 in the error shape, not the site's HTML page."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


_mount()
