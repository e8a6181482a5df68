from django.urls import include, path

from plut.top.dashboards import views

app_name = "dashboards"

SECTION = "<slug:section>/"
EXPORT = "<slug:section>/export.<str:fmt>"

urlpatterns = [
    path("", views.home, name="home"),
    path("definisi/", views.definitions, name="definitions"),
    path("reports/", include("plut.top.reports.urls")),
    path("national/", views.dashboard, {"level": "national"}, name="national"),
    path("national/" + SECTION, views.dashboard, {"level": "national"}, name="national"),
    path(
        "national/" + EXPORT,
        views.dashboard_export,
        {"level": "national"},
        name="national_export",
    ),
    path("province/<str:key>/", views.dashboard, {"level": "province"}, name="province"),
    path("province/<str:key>/" + SECTION, views.dashboard, {"level": "province"}, name="province"),
    path(
        "province/<str:key>/" + EXPORT,
        views.dashboard_export,
        {"level": "province"},
        name="province_export",
    ),
    path("centre/<int:key>/", views.dashboard, {"level": "centre"}, name="centre"),
    path("centre/<int:key>/" + SECTION, views.dashboard, {"level": "centre"}, name="centre"),
    path(
        "centre/<int:key>/" + EXPORT,
        views.dashboard_export,
        {"level": "centre"},
        name="centre_export",
    ),
]
