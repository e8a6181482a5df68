from django.urls import path

from plut.top.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/kabupaten/", views.regency_options, name="regency_options"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
