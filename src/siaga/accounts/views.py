"""Login (argon2, lockout by django-axes), optional TOTP second step for staff (django-otp)."""

import base64
import io

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device

from siaga.core.errors import Invalid

from . import services


class SiagaLoginView(LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_success_url(self):
        user = self.request.user
        if user_has_device(user, confirmed=True):
            return reverse("accounts:otp_verify") + "?" + urlencode({"next": super().get_success_url()})
        if user.require_2fa:
            return reverse("accounts:otp_setup")
        return super().get_success_url()


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """The current password and the new one twice. A wrong current password counts as a failed log-in
    (the same lockout); on success the other sessions of the user end and this one stays."""
    error, status = None, 200
    if request.method == "POST":
        user = request.user
        old = request.POST.get("old_password", "")
        current = authenticate(request, username=user.get_username(), password=old)
        if current is None or current.pk != user.pk:
            error, status = _("Your current password is not right."), 400
        else:
            try:
                services.change_password(
                    user, request.POST.get("new_password1", ""), request.POST.get("new_password2", "")
                )
            except Invalid as e:
                error, status = e.message, 400
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed."))
                return redirect("web:home")
    return render(request, "accounts/password_change.html", {"error": error}, status=status)


def _safe_next(request, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or default
    return nxt if url_has_allowed_host_and_scheme(nxt, {request.get_host()}) else default


@login_required
def otp_verify(request):
    if request.method == "POST":
        device = services.match_totp(request.user, request.POST.get("token", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request, reverse("web:home")))
        messages.error(request, _("That code is not valid. Try the current code from your app."))
    return render(request, "accounts/otp_verify.html", {"next": _safe_next(request, reverse("web:home"))})


@login_required
def otp_setup(request):
    # Enrolling a new device must not replace the second factor of someone who has one: without
    # this, a password alone would let an attacker enrol their own authenticator and get in.
    if user_has_device(request.user, confirmed=True) and not request.user.is_verified():
        return redirect(reverse("accounts:otp_verify") + "?" + urlencode({"next": reverse("web:home")}))
    device = services.pending_totp(request.user)
    if request.method == "POST":
        if services.confirm_totp(request.user, device, request.POST.get("token", "")):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("web:home")
        messages.error(request, _("That code is not valid. Try the current code from your app."))
    img = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buf = io.BytesIO()
    img.save(buf)
    qr = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
    return render(
        request, "accounts/otp_setup.html", {"qr": qr, "secret": base64.b32encode(device.bin_key).decode()}
    )
