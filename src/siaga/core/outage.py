"""The database out of reach (restarting, crashed, failing over, out of connections) answered as what it is:
a short outage. The client gets 503 with Retry-After (the API's JSON error body under /api/, a small page
elsewhere) instead of a 500 and a traceback, nothing was committed by the refused request, and the next
request connects again by itself (connections are opened per request: nothing stale is kept).

Where the error surfaces decides who answers: inside an API operation, siaga.api's error handler; anywhere
else (a page, the session or login middleware before any view, the session saved after it) Django's
handler500, which is `server_error` here. Any other error is still a server error (500).
"""

from __future__ import annotations

import logging
import sys

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

log = logging.getLogger("siaga.outage")

RETRY_AFTER_S = 5  # a PostgreSQL restart or crash recovery takes seconds
# SQLSTATEs of a server that is there but takes no work: admin_shutdown, crash_shutdown, cannot_connect_now
# (starting up, shutting down, in recovery), too_many_connections; class 08 is "connection exception".
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _psycopg_error(exc: BaseException | None):
    """The psycopg error that Django wrapped in `exc`, or None (SQLite, or psycopg not installed)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover (installed with the project; SQLite-only sites may lack it)
        return None
    cause = getattr(exc, "__cause__", None)
    return cause if isinstance(cause, psycopg.Error) else None


def database_unavailable(exc: BaseException | None) -> bool:
    """True when `exc` says the database cannot be reached or takes no connections now (not a bad query).

    Django wraps the driver's error: an InterfaceError is a connection already closed or broken; an
    OperationalError from psycopg without an SQLSTATE is a connection refused, cut or timed out on the
    client's side, and with one, the states above. SQLite's errors are never an outage (its busy case is
    `database_busy`)."""
    from django.db import InterfaceError, OperationalError

    if isinstance(exc, InterfaceError):
        return True
    cause = _psycopg_error(exc)
    if not isinstance(exc, OperationalError) or cause is None:
        return False
    state = cause.sqlstate
    return state is None or state.startswith("08") or state in UNAVAILABLE_SQLSTATES


def database_busy(exc: BaseException | None) -> bool:
    """A write that lost a race for locks and was rolled back whole, safe to retry: SQLite's single writer
    waited past its busy timeout ("database is locked"), or PostgreSQL broke a deadlock or a serialization
    conflict (SQLSTATE class 40). Matched by SQLSTATE on PostgreSQL: its messages say "blocked by process"."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = _psycopg_error(exc)
    if cause is not None:
        return (cause.sqlstate or "").startswith("40")
    return "locked" in str(exc).lower()


def refusal(exc: BaseException | None) -> tuple[str, str, int] | None:
    """(code, message, Retry-After seconds) when `exc` is a transient database condition, else None."""
    if database_busy(exc):
        log.warning("database busy: %s", _first_line(exc))
        return "busy", _("The server is busy. Try again in a moment."), 1
    if database_unavailable(exc):
        log.warning("database unavailable: %s", _first_line(exc))
        return "unavailable", _("The service is briefly unavailable. Try again in a moment."), RETRY_AFTER_S
    return None


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def api_response(code: str, detail: str, retry_after: int) -> JsonResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=503)
    response["Retry-After"] = str(retry_after)
    return response


def page_response(request, retry_after: int) -> HttpResponse:
    """A page that needs nothing but itself (no session, no database, no base layout), and asks again by
    itself after Retry-After seconds when it answered a GET."""
    html = render_to_string(
        "core/unavailable.html",
        {"refresh": retry_after if request.method in ("GET", "HEAD") else None},
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request, *args, **kwargs):
    """handler500: an unavailable (or busy) database is a 503, in the API's shape under /api/; anything
    else is Django's usual 500 page. Django calls this inside its `except` block, so the error in hand is
    the one that failed the request."""
    found = refusal(sys.exc_info()[1])
    if found is None:
        return defaults.server_error(request, *args, **kwargs)
    code, detail, retry_after = found
    if request.path.startswith("/api/"):
        return api_response(code, detail, retry_after)
    return page_response(request, retry_after)


class OutageLogFilter(logging.Filter):
    """On the "django.request" logger: drop the server-error record (with its traceback) of a request
    refused because the database is out of reach or busy; `refusal` has logged it as one warning line
    already. An outage of a minute under load was otherwise thousands of tracebacks burying everything
    else. Every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or not (database_busy(exc) or database_unavailable(exc))
