"""The API's addresses: /api/v1/ (router and the views beside it), the schema and docs, and
the pages for tokens and imports."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from mentoring.apis import CentreSlotsView
from plut.top.api import endpoints, views
from plut.top.api.dashboard import DashboardView
from plut.top.api.router import router
from plut.top.api.schema import SchemaView

api_v1 = [
    path("centres/<int:pk>/slots/", CentreSlotsView.as_view(), name="centre-slots"),
    path("dashboard/", DashboardView.as_view(), name="dashboard"),
    path("open/", endpoints.OpenDataView.as_view(), name="open-data"),
    path(
        "imports/template/<str:kind>.<str:fmt>",
        endpoints.ImportTemplateView.as_view(),
        name="import-template",
    ),
    *router.urls,
    # Last: anything else ending in a slash (without one, Django first adds the slash).
    re_path(r"^.*/$", endpoints.NotFoundView.as_view(), name="not-found"),
]

api = [
    path("v1/", include((api_v1, "api"))),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's set-up script as a file: no inline script (CSP).
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

pages = [
    path("accounts/api-tokens/", views.tokens, name="tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("staff/imports/", views.import_upload, name="import_upload"),
    path("staff/imports/<int:pk>/", views.import_detail, name="import_detail"),
]
