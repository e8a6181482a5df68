from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.bookings import manage_token
from mentoring.models import ACTIVE_BOOKING_STATUSES
from mentoring.selectors import (
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    sessions_visible_to,
)
from plut.accounts import services
from plut.accounts.consent import consent_current
from plut.accounts.decorators import role_required
from plut.accounts.forms import EmailForm, LoginForm, OwnerSignupForm
from plut.accounts.models import Role, User
from plut.accounts.tokens import email_verification_read, magic_link_token_generator
from plut.core.ratelimit import hit

# Owners have no other backend; naming it keeps login() working if another is ever added.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
LOGIN_WINDOW_SECONDS = 15 * 60
HOUR = 3600
# Rows per list on the owner's page: enough for years of an owner's visits, and a bound.
OWNER_PAGE_ROWS = 20


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where a login lands: each role on its own home."""
    role = request.user.role
    if request.user.is_superuser or role in (Role.NATIONAL, Role.PROVINCIAL):
        return redirect("dashboards:home")
    if role in (Role.MANAGER, Role.CONSULTANT):
        return redirect("mentoring:staff_home")
    return redirect("accounts:me")


@role_required(Role.OWNER)
def me(request: HttpRequest) -> HttpResponse:
    """An owner's own records: enterprises, coming bookings, the advice received, what to do
    next, and how the business has changed. Every list comes through the owner scope."""
    user = request.user
    now = timezone.now()
    bookings = list(
        bookings_visible_to(user)
        .filter(status__in=ACTIVE_BOOKING_STATUSES, ends_at__gt=now)
        .order_by("starts_at", "id")[:OWNER_PAGE_ROWS]
    )
    for booking in bookings:
        # The same signed link the confirmation email carries; no query.
        booking.manage_token = manage_token(booking)
    return render(
        request,
        "accounts/me.html",
        {
            "enterprises": enterprises_visible_to(user),
            "cooperatives": cooperatives_visible_to(user),
            "bookings": bookings,
            "sessions": sessions_visible_to(user)
            .filter(starts_at__lt=now)
            .order_by("-starts_at", "-id")[:OWNER_PAGE_ROWS],
            "follow_ups": follow_ups_visible_to(user)
            .filter(done_at__isnull=True)
            .order_by("due_on", "id")[:OWNER_PAGE_ROWS],
            "outcomes": outcomes_visible_to(user).order_by("-recorded_on", "-id")[:OWNER_PAGE_ROWS],
            "email_unverified": bool(user.email) and user.email_verified_at is None,
        },
    )


# --- Rate limits ------------------------------------------------------------------------------


def _limit(name: str, default: int) -> int:
    """A limit from settings (RATELIMIT_*), or its default."""
    return int(getattr(settings, name, default))


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def _within_limits(counters: list[tuple[str, int]], *, window_seconds: int) -> bool:
    """Count one hit on every key (even once one is over, so a blocked sender stays blocked);
    True while all stay within their limits."""
    allowed = [hit(key, limit=limit, window_seconds=window_seconds) for key, limit in counters]
    return all(allowed)


def _rate_limited(request: HttpRequest, *, window_seconds: int) -> HttpResponse:
    response = render(
        request,
        "accounts/rate_limited.html",
        {"minutes": window_seconds // 60},
        status=429,
    )
    response["Retry-After"] = str(window_seconds)
    return response


class LoginView(auth_views.LoginView):
    """Django's login, with "Ingat saya" and a limit on attempts.

    Unticked, the session ends when the browser closes: staff often sign in on a shared
    computer at the centre. Ticked, it lasts SESSION_COOKIE_AGE (two weeks), set explicitly so a
    later SESSION_EXPIRE_AT_BROWSER_CLOSE cannot silently undo the choice.

    Attempts are counted per client address and per username before the password is checked,
    so guessing costs the same whether the guesses are right or wrong.
    """

    form_class = LoginForm

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        counters = [(f"login:ip:{_client_ip(request)}", _limit("RATELIMIT_LOGIN_PER_IP", 20))]
        username = request.POST.get("username", "").strip().lower()
        if username:
            counters.append((f"login:user:{username}", _limit("RATELIMIT_LOGIN_PER_USERNAME", 10)))
        if not _within_limits(counters, window_seconds=LOGIN_WINDOW_SECONDS):
            return _rate_limited(request, window_seconds=LOGIN_WINDOW_SECONDS)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data["remember_me"]:
            self.request.session.set_expiry(settings.SESSION_COOKIE_AGE)
        else:
            self.request.session.set_expiry(0)
        return response


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
        if not _within_limits(counters, window_seconds=HOUR):
            return _rate_limited(request, window_seconds=HOUR)
        if form.is_valid():
            data = form.cleaned_data
            try:
                # The phone is checked but not kept: there is no field for it on the account,
                # and it could not be verified anyway (no SMS or WhatsApp gateway yet).
                user = services.owner_signup(
                    email=data["email"],
                    name=data["name"],
                    password=data["password1"],
                    consent=consent,
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                services.owner_verification_email_send(user=user)
                login(request, user, backend=MODEL_BACKEND)
                # As an unticked "Ingat saya": the phone may be shared, or a warnet's computer.
                request.session.set_expiry(0)
                messages.success(
                    request,
                    # Owners sign in with their email: say so, in the form it is stored.
                    _("Akun Anda sudah dibuat. Untuk masuk, pakai email Anda: %(email)s.")
                    % {"email": user.email},
                )
                return redirect("accounts:me")
    return render(request, "accounts/signup.html", {"form": form})


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
@role_required(Role.OWNER)
def verify_email_resend(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.email or user.email_verified_at is not None:
        return redirect("accounts:me")
    counters = [(f"verify-resend:user:{user.pk}", _limit("RATELIMIT_VERIFY_RESEND_PER_USER", 3))]
    if not _within_limits(counters, window_seconds=HOUR):
        return _rate_limited(request, window_seconds=HOUR)
    services.owner_verification_email_send(user=user)
    messages.success(
        request, _("Email verifikasi sudah dikirim ulang ke %(email)s.") % {"email": user.email}
    )
    return redirect("accounts:me")


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
    user = _magic_link_user(uidb64, token)
    if user is None:
        return _link_invalid(request, reason="magic_link")
    if request.method == "POST":
        login(request, user, backend=MODEL_BACKEND)
        request.session.set_expiry(0)
        # Opening the link proved the owner reads this mailbox.
        services.owner_magic_link_used(user=user)
        return redirect("accounts:me")
    return render(request, "accounts/magic_link_login.html", {"email": user.email})
