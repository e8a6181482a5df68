from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from plut.api import router

urlpatterns = [
    path("", include("plut.core.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("plut.accounts.urls")),
    path("staff/", include("mentoring.urls")),
    path("dashboard/", include("plut.dashboards.urls")),
    path("api/", RedirectView.as_view(url="/api/v1/", permanent=False), name="api-root"),
    path("api/v1/", include((router.urls, "api"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
