from __future__ import annotations

from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import user_has_device

from plut.foundation.accounts import lockout, services, two_factor
from plut.foundation.accounts.consent import consent_current
from plut.foundation.accounts.decorators import AuthenticatedHttpRequest, role_required
from plut.foundation.accounts.forms import (
    EmailForm,
    LoginForm,
    OwnerSignupForm,
    TwoFactorCodeForm,
)
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.tokens import email_verification_read, magic_link_token_generator
from plut.foundation.core.ratelimit import hit

# Owners have no other backend; naming it keeps login() working if another is ever added.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
HOUR = 3600


@login_required
def landing(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where a login lands: each role on its own home."""
    role = request.user.role
    if request.user.is_superuser or role in (Role.NATIONAL, Role.PROVINCIAL):
        return redirect("dashboards:home")
    if role in (Role.MANAGER, Role.CONSULTANT):
        return redirect("mentoring:staff_home")
    return redirect("owner:home")


# --- Rate limits ------------------------------------------------------------------------------


def _limit(name: str, default: int) -> int:
    """A limit from settings (RATELIMIT_*), or its default."""
    return int(getattr(settings, name, default))


def _client_ip(request: HttpRequest) -> str:
    # The address as the login lockout sees it: behind the proxy, the client's, not the proxy's.
    return get_client_ip_address(request) or ""


def _within_limits(counters: list[tuple[str, int]], *, window_seconds: int) -> bool:
    """Count one hit on every key (even once one is over, so a blocked sender stays blocked);
    True while all stay within their limits."""
    allowed = [hit(key, limit=limit, window_seconds=window_seconds) for key, limit in counters]
    return all(allowed)


def _rate_limited(
    request: HttpRequest, *, window_seconds: int, message: str | None = None
) -> HttpResponse:
    return lockout.too_many_attempts(request, window_seconds=window_seconds, message=message)


class LoginView(auth_views.LoginView):
    """Django's login, with "Ingat saya", the lockout and the second factor.

    Unticked, the session ends when the browser closes: staff often sign in on a shared
    computer at the centre. Ticked, it lasts SESSION_COOKIE_AGE (two weeks), set explicitly so a
    later SESSION_EXPIRE_AT_BROWSER_CLOSE cannot silently undo the choice.

    Failed passwords are counted by django-axes (plut/foundation/accounts/lockout.py), per account
    and per address; once either is over its limit even the right password is refused, so guessing
    learns nothing. A staff member with a confirmed authenticator is then asked for a code
    (plut/foundation/accounts/two_factor.py) before the session counts as verified.
    """

    form_class = LoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data["remember_me"]:
            self.request.session.set_expiry(settings.SESSION_COOKIE_AGE)
        else:
            self.request.session.set_expiry(0)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot password", throttled, with links built from SITE_URL.

    Each request may send an email, so requests are counted per address and per email (whether
    or not it has an account: a limit that only counted real accounts would tell which exist).
    The link in the email is built from SITE_URL, never from the request's Host header, which
    a sender could forge to receive the reset token on their own site.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        counters = [
            (
                f"password-reset:ip:{_client_ip(request)}",
                _limit("RATELIMIT_PASSWORD_RESET_PER_IP", 10),
            )
        ]
        valid = form.is_valid()
        if valid:
            email = form.cleaned_data["email"].strip().lower()
            counters.append(
                (f"password-reset:email:{email}", _limit("RATELIMIT_PASSWORD_RESET_PER_EMAIL", 3))
            )
        if not _within_limits(counters, window_seconds=HOUR):
            message = _(
                "Permintaan kata sandi baru sudah terlalu sering, untuk email ini atau dari "
                "jaringan ini. Periksa email yang sudah kami kirim (juga folder spam), atau "
                "coba lagi dalam %(minutes)s menit."
            ) % {"minutes": HOUR // 60}
            return _rate_limited(request, window_seconds=HOUR, message=message)
        return self.form_valid(form) if valid else self.form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        # Django's email context gives domain and protocol from the request; these win over
        # them (extra_email_context is applied last), and the template uses site_url.
        scheme, _sep, host = settings.SITE_URL.partition("://")
        self.extra_email_context = {
            "site_url": settings.SITE_URL,
            "domain": host,
            "protocol": scheme,
        }
        return super().form_valid(form)


# --- Owner sign-up and email verification ---------------------------------------------------


def _link_invalid(request: HttpRequest, *, reason: str, status: int = 400) -> HttpResponse:
    return render(request, "accounts/link_invalid.html", {"reason": reason}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def owner_signup(request: HttpRequest) -> HttpResponse:
    """An owner opens an account; their past bookings join it once the email is verified."""
    if request.user.is_authenticated:
        return redirect("accounts:landing")
    consent = consent_current()
    posted = request.POST if request.method == "POST" else None
    form = OwnerSignupForm(posted, consent_text=consent)
    if request.method == "POST":
        counters = [(f"signup:ip:{_client_ip(request)}", _limit("RATELIMIT_SIGNUP_PER_IP", 10))]
        valid = form.is_valid()
        if valid:
            # Each sign-up sends an email, to a new address or to the owner who has it.
            email = form.cleaned_data["email"]
            counters.append((f"signup:email:{email}", _limit("RATELIMIT_SIGNUP_PER_EMAIL", 3)))
        if not _within_limits(counters, window_seconds=HOUR):
            return _rate_limited(request, window_seconds=HOUR)
        if valid:
            data = form.cleaned_data
            try:
                # The phone is checked but not kept: there is no field for it on the account,
                # and it could not be verified anyway (no SMS or WhatsApp gateway yet).
                services.owner_signup_request(
                    email=data["email"],
                    name=data["name"],
                    password=data["password1"],
                    consent=consent,
                    language=request.LANGUAGE_CODE,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                # The same answer whether the address was new or already registered: no
                # session, only the email, which says which. The owner signs in from the link.
                request.session["signup_email"] = data["email"]
                return redirect("accounts:owner_signup_sent")
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
@require_safe
def owner_signup_sent(request: HttpRequest) -> HttpResponse:
    """After a sign-up: "check your email", the same whatever the email said."""
    return render(
        request, "accounts/signup_sent.html", {"email": request.session.get("signup_email", "")}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the verification email: a page with a button, so a mail scanner that
    opens links changes nothing; the button verifies and links the owner's past records.

    Only the account that signed up may use it (it must be signed in): otherwise whoever
    opened an account with someone else's address could have that person's records linked
    to it by tricking them into one click.
    """
    try:
        user_pk, email = email_verification_read(token)
    except signing.SignatureExpired:
        return _link_invalid(request, reason="verify_expired")
    except signing.BadSignature:
        return _link_invalid(request, reason="verify_invalid")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = request.user
    if user.pk != user_pk:
        return _link_invalid(request, reason="other_account", status=403)
    if (user.email or "").lower() != email:
        return _link_invalid(request, reason="verify_invalid")
    if request.method == "POST":
        linked = services.owner_email_verify(user=user, email=email)
        messages.success(request, _("Terima kasih, email Anda sudah terverifikasi."))
        if linked:
            messages.success(
                request, _("Pemesanan dan konsultasi Anda sebelumnya sekarang tampil di sini.")
            )
        return redirect("accounts:landing")
    return render(request, "accounts/verify_email.html", {"email": email})


@require_POST
@role_required(Role.OWNER, superuser=False)
def verify_email_resend(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if not user.email or user.email_verified_at is not None:
        return redirect("owner:home")
    counters = [(f"verify-resend:user:{user.pk}", _limit("RATELIMIT_VERIFY_RESEND_PER_USER", 3))]
    if not _within_limits(counters, window_seconds=HOUR):
        return _rate_limited(request, window_seconds=HOUR)
    services.owner_verification_email_send(user=user)
    messages.success(
        request, _("Email verifikasi sudah dikirim ulang ke %(email)s.") % {"email": user.email}
    )
    return redirect("owner:home")


# --- Signing in with a one-time link -----------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def magic_link_request(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link. The answer is the same whether the address has an account or
    not, so the page cannot be used to find out who is registered."""
    form = EmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        counters = [
            (f"magic-link:ip:{_client_ip(request)}", _limit("RATELIMIT_MAGIC_LINK_PER_IP", 10))
        ]
        valid = form.is_valid()
        if valid:
            email = form.cleaned_data["email"]
            counters.append(
                (f"magic-link:email:{email}", _limit("RATELIMIT_MAGIC_LINK_PER_EMAIL", 3))
            )
        if not _within_limits(counters, window_seconds=HOUR):
            return _rate_limited(request, window_seconds=HOUR)
        if valid:
            services.owner_magic_link_request(email=email)
            return render(request, "accounts/magic_link_sent.html", {"email": email})
    return render(request, "accounts/magic_link_request.html", {"form": form})


def _magic_link_user(uidb64: str, token: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = User.objects.get(pk=pk, role=Role.OWNER, is_active=True)
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None
    return user if magic_link_token_generator.check_token(user, token) else None


@never_cache
@require_http_methods(["GET", "POST"])
def magic_link_login(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links; they must not spend them); POST signs in.
    Signing in moves last_login, which the token covers, so the link works once."""
    # Wrong tokens from one address are counted; past the limit even a right one waits.
    if lockout.bad_tokens_exceeded(request):
        return lockout.bad_tokens_refused(request)
    user = _magic_link_user(uidb64, token)
    if user is None:
        lockout.bad_token_seen(request)
        return _link_invalid(request, reason="magic_link")
    if request.method == "POST":
        login(request, user, backend=MODEL_BACKEND)
        request.session.set_expiry(0)
        # Opening the link proved the owner reads this mailbox.
        services.owner_magic_link_used(user=user)
        return redirect("owner:home")
    return render(request, "accounts/magic_link_login.html", {"email": user.email})


# --- Two-factor authentication (staff) ----------------------------------------------------------


def _staff_only(request: AuthenticatedHttpRequest) -> None:
    if not two_factor.is_staff_user(request.user):
        raise PermissionDenied


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pair an authenticator app (QR code), confirm it with a code, receive backup codes."""
    _staff_only(request)
    # A session that owes a code must give it first: pairing a new app here would let a
    # stolen password replace the owner's authenticator.
    if two_factor.owed(request) == two_factor.VERIFY:
        return redirect("accounts:two_factor_verify")
    user = request.user
    has_device = user_has_device(user, confirmed=True)
    if has_device:
        return render(
            request,
            "accounts/two_factor_setup.html",
            {"active": True, "required": two_factor.two_factor_required(user)},
        )
    device = two_factor.totp_device_pending(user=user)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.totp_device_confirm(
                request=request, device=device, token=form.cleaned_data["code"]
            )
        except ValueError:
            form.add_error("code", _("Kode salah atau sudah kedaluwarsa. Coba kode terbaru."))
        else:
            return render(request, "accounts/two_factor_codes.html", {"codes": codes})
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr": two_factor.qr_data_uri(device), "secret": device.config_url},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The second step of a staff login: a code from the app, or a backup code."""
    if two_factor.owed(request) != two_factor.VERIFY:
        return redirect(_safe_next(request))
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Codes are counted per account; six digits must not be guessable by brute force.
        counters = [(f"2fa:user:{request.user.pk}", _limit("RATELIMIT_TWO_FACTOR_PER_USER", 10))]
        if not _within_limits(counters, window_seconds=15 * 60):
            return _rate_limited(request, window_seconds=15 * 60)
        if two_factor.two_factor_verify(request=request, token=form.cleaned_data["code"]):
            return redirect(_safe_next(request))
        form.add_error("code", _("Kode tidak cocok."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _safe_next(request)}
    )


@require_POST
@login_required
def two_factor_disable(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    if two_factor.two_factor_required(request.user):
        raise PermissionDenied
    two_factor.two_factor_disable(user=request.user)
    messages.success(request, _("Verifikasi dua langkah dimatikan."))
    return redirect("accounts:two_factor_setup")


# --- Sessions -----------------------------------------------------------------------------------


@require_POST
@login_required
def logout_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """End this user's sessions on every device, this one included."""
    services.user_sessions_end_all(user=request.user)
    logout(request)
    messages.success(request, _("Anda sudah keluar dari semua perangkat."))
    return redirect("login")


# --- Locked-out logins --------------------------------------------------------------------------
