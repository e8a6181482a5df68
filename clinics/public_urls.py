"""The public centre directory's pages (the list itself is the home page)."""

from django.urls import path

from clinics import public_views

app_name = "directory"
urlpatterns = [
    path("pusat/<int:pk>/", public_views.centre_detail, name="centre_detail"),
]
