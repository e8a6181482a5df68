"""Forms for signing in."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Username and password, plus whether to stay signed in after the browser closes."""

    remember_me = forms.BooleanField(label=_("Ingat saya"), required=False)
