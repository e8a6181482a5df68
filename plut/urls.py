from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from mentoring.views.offline import offline_pages
from plut.foundation.accounts.language import language_set
from plut.foundation.accounts.views import LoginView, PasswordResetView
from plut.foundation.core.pwa import favicon, service_worker, web_manifest
from plut.top.api import urls as api_urls

urlpatterns = [
    path("", include("plut.top.portal.urls")),
    path("", include("clinics.public_urls")),
    path("", include("mentoring.public_urls")),
    # Our login (with "remember me") and password reset (throttled, links from SITE_URL) shadow
    # the stock ones; the rest of auth.urls is Django's.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("plut.foundation.accounts.urls")),
    path("accounts/", include("mentoring.owner_urls")),
    # The clinic workspace: sessions and profiles (mentoring), client lists (cooperatives),
    # the centre's team (clinics).
    path("staff/", include("mentoring.urls")),
    path("staff/", include("cooperatives.urls")),
    path("staff/team/", include("clinics.urls")),
    path("staff/outbox/", include("plut.foundation.messaging.urls")),
    path("staff/unduhan/", include("plut.foundation.exports.urls")),
    # Delivery receipts and owners' replies from WhatsApp and Twilio (signed, no login).
    path("webhooks/", include("plut.foundation.messaging.webhook_urls")),
    path("dashboard/", include("plut.top.dashboards.urls")),
    path("privasi/", include("plut.top.privacy.urls")),
    path("api/", RedirectView.as_view(url="/api/v1/", permanent=False), name="api-root"),
    path("api/", include(api_urls.api)),
    path("", include((api_urls.pages, "api_pages"))),
    # The language switch (Django's set_language, remembered on the account too).
    path("i18n/setlang/", language_set, name="set_language"),
    # Installs the staff workspace on a phone's home screen (linked from staff pages).
    path("manifest.webmanifest", web_manifest, name="web_manifest"),
    path("favicon.ico", favicon, name="favicon"),
    # Keeps a few staff pages on the phone for visits without signal (docs/workspace.md).
    path("sw.js", service_worker, name="service_worker"),
    path("staff/offline/pages/", offline_pages, name="offline_pages"),
    path("admin/", admin.site.urls),
]

# The portal's own error page; a database outage answers 503 with Retry-After.
handler500 = "plut.foundation.core.views.server_error"
