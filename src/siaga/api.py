"""The JSON API at /api/ (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from django.db import OperationalError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from siaga.core.errors import ServiceError

api = NinjaAPI(
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


@api.exception_handler(OperationalError)
def database_busy(request, exc: OperationalError):
    """SQLite's single writer: a write that waited past the busy timeout is refused cleanly (503 +
    Retry-After) instead of an HTML 500; its transaction rolled back, and a retry with the same
    Idempotency-Key creates the record once. Any other database error is still a server error."""
    if "locked" not in str(exc).lower():
        raise exc
    response = api.create_response(
        request, {"detail": _("The server is busy. Try again in a moment."), "code": "busy"}, status=503
    )
    response["Retry-After"] = "1"
    return response


def _mount() -> None:
    from siaga.accounts.api import router as accounts_router
    from siaga.analytics.api import router as analytics_router
    from siaga.cad.api import router as cad_router
    from siaga.core.api import router as core_router
    from siaga.info.api import router as info_router
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


_mount()
