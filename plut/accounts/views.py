from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cooperatives.selectors import cooperatives_visible_to, enterprises_visible_to
from mentoring.selectors import bookings_visible_to, sessions_visible_to
from plut.accounts.decorators import role_required
from plut.accounts.forms import LoginForm
from plut.accounts.models import Role


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
    """An owner's own enterprises, cooperatives, bookings and sessions."""
    user = request.user
    return render(
        request,
        "accounts/me.html",
        {
            "enterprises": enterprises_visible_to(user),
            "cooperatives": cooperatives_visible_to(user),
            "bookings": bookings_visible_to(user).order_by("-starts_at")[:20],
            "sessions": sessions_visible_to(user)[:20],
        },
    )


class LoginView(auth_views.LoginView):
    """Django's login, with "Ingat saya".

    Unticked, the session ends when the browser closes: staff often sign in on a shared
    computer at the centre. Ticked, it lasts SESSION_COOKIE_AGE (two weeks), set explicitly so a
    later SESSION_EXPIRE_AT_BROWSER_CLOSE cannot silently undo the choice.
    """

    form_class = LoginForm

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        if form.cleaned_data["remember_me"]:
            self.request.session.set_expiry(settings.SESSION_COOKIE_AGE)
        else:
            self.request.session.set_expiry(0)
        return response
