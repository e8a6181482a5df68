from django.urls import path
from django.views.generic import RedirectView

from plut.foundation.accounts import views

# Mounted at /accounts/ after django.contrib.auth.urls: these paths must not collide with
# login/, logout/, password_change/, password_reset/ and reset/<uidb64>/<token>/.
app_name = "accounts"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("daftar/", views.owner_signup, name="owner_signup"),
    path("daftar/terkirim/", views.owner_signup_sent, name="owner_signup_sent"),
    # Before verifikasi/<token>/, which would otherwise take "kirim-ulang" for a token.
    path("verifikasi/kirim-ulang/", views.verify_email_resend, name="verify_email_resend"),
    path("verifikasi/<str:token>/", views.verify_email, name="verify_email"),
    path("tautan-masuk/", views.magic_link_request, name="magic_link_request"),
    path(
        "tautan-masuk/<str:uidb64>/<str:token>/",
        views.magic_link_login,
        name="magic_link_login",
    ),
]
urlpatterns += [
    # Staff security: two-factor authentication and sessions (docs/security.md).
    path("dua-langkah/", views.two_factor_setup, name="two_factor_setup"),
    path("dua-langkah/verifikasi/", views.two_factor_verify, name="two_factor_verify"),
    path("dua-langkah/matikan/", views.two_factor_disable, name="two_factor_disable"),
    path("keluar-semua/", views.logout_everywhere, name="logout_everywhere"),
    # The lockouts page moved to the team pages; old bookmarks still arrive.
    path("terkunci/", RedirectView.as_view(pattern_name="clinics:lockouts", permanent=True)),
]
