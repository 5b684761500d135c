import time
import uuid

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.models import Device

SESSION_KEY = "_siaga_2fa"
RECHECK_S = 60  # a device enrolled or removed by another process is seen within this time


def _stamp_key(user_id) -> str:
    return f"siaga:2fa-stamp:{user_id}"


def device_stamp(user_id) -> str:
    """A token that changes whenever one of the user's OTP devices is saved or deleted in this process
    (or the cache forgets it): the session's remembered answer is valid only with the same stamp."""
    key = _stamp_key(user_id)
    stamp = cache.get(key)
    if stamp is None:
        cache.add(key, uuid.uuid4().hex, None)
        stamp = cache.get(key) or ""
    return stamp


@receiver(post_save)
@receiver(post_delete)
def _device_changed(sender, instance, **kwargs):
    if isinstance(instance, Device) and instance.user_id:
        cache.delete(_stamp_key(instance.user_id))


def has_confirmed_device(request, user) -> bool:
    """user_has_device(user, confirmed=True), remembered in the session: the device tables are asked
    once per session (and again after a device change, or RECHECK_S), not on every request."""
    session = getattr(request, "session", None)
    if session is None:
        return user_has_device(user, confirmed=True)
    stamp = device_stamp(user.pk)
    cached = session.get(SESSION_KEY)
    now = time.time()
    if (
        isinstance(cached, list)
        and len(cached) == 4
        and cached[0] == user.pk
        and cached[1] == stamp
        and now - cached[2] < RECHECK_S
    ):
        return bool(cached[3])
    has = user_has_device(user, confirmed=True)
    session[SESSION_KEY] = [user.pk, stamp, now, has]
    return has


class SecondFactorMiddleware:
    """A signed-in user with a TOTP device (or required to have one) gets no page until verified.

    The API answers 401 instead of redirecting. The log-in/2FA pages and static files stay reachable.
    """

    OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.OPEN_PREFIXES)
            and not user.is_verified()
        ):
            has_device = has_confirmed_device(request, user)
            if has_device or user.require_2fa:
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"detail": "Two-factor verification required.", "code": "2fa_required"}, status=401
                    )
                target = "accounts:otp_verify" if has_device else "accounts:otp_setup"
                return redirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """What a signed-in user is shown (pages and API answers) carries personal and operational data: no
    browser or proxy may keep a copy, so Back after log-out shows nothing. A response that sets its own
    Cache-Control (a public feed, the service worker) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
