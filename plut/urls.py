from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from plut.accounts.views import LoginView
from plut.api.router import router

urlpatterns = [
    path("", include("plut.core.urls")),
    path("", include("clinics.public_urls")),
    path("", include("mentoring.public_urls")),
    # Our login (with "remember me") shadows the stock one; the rest of auth.urls is Django's.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("plut.accounts.urls")),
    # The clinic workspace: sessions and profiles (mentoring), client lists (cooperatives),
    # the centre's team (clinics).
    path("staff/", include("mentoring.urls")),
    path("staff/", include("cooperatives.urls")),
    path("staff/team/", include("clinics.urls")),
    path("dashboard/", include("plut.dashboards.urls")),
    path("api/", RedirectView.as_view(url="/api/v1/", permanent=False), name="api-root"),
    path("api/v1/", include((router.urls, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
