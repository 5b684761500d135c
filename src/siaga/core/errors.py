"""Errors a service raises for bad input or forbidden actions; the API and pages turn them into 4xx."""


class ServiceError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class Invalid(ServiceError):
    status = 400


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


def check_version(current: int, sent, stale_message: str) -> None:
    """Optimistic locking for an edit form or API call: `sent` is the version the client read (None or ""
    when it did not say); a different one means someone changed the record since, and nothing is written."""
    from django.utils.translation import gettext as _

    if sent in (None, ""):
        return
    try:
        sent = int(sent)
    except (TypeError, ValueError) as e:
        raise Invalid(_("The version must be a whole number."), field="version") from e
    if sent != current:
        raise Conflict(stale_message, code="stale_version")
