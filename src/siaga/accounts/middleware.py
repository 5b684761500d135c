from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device


class SecondFactorMiddleware:
    """A signed-in user with a TOTP device (or required to have one) gets no page until verified.

    The API answers 401 instead of redirecting. The log-in/2FA pages and static files stay reachable.
    """

    OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.OPEN_PREFIXES):
            verified = user.is_verified()
            has_device = user_has_device(user, confirmed=True)
            if not verified and (has_device or user.require_2fa):
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"detail": "Two-factor verification required.", "code": "2fa_required"}, status=401
                    )
                target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
                return redirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
