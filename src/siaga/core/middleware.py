from django.utils.deprecation import MiddlewareMixin

from . import context


class RequestContextMiddleware(MiddlewareMixin):
    """Give every request an id (kept from X-Request-ID when a proxy sends a sane one).

    The context variables are overwritten at the start of every request rather than reset at the end:
    under ASGI the response hook may run in another context, where resetting a token raises.
    """

    def process_request(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else None
        request.request_id = rid or context.new_request_id()
        context._request_id.set(request.request_id)
        context._actor.set(None)

    def process_response(self, request, response):
        if rid := getattr(request, "request_id", None):
            response["X-Request-ID"] = rid
        return response


class ActorMiddleware(MiddlewareMixin):
    """After authentication: the audit trail reads the acting user from here."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        context._actor.set(user if user is not None and user.is_authenticated else None)
