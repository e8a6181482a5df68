"""The public centre directory's pages (the list itself is the home page)."""

from django.urls import path

from clinics.views import public

app_name = "directory"
urlpatterns = [
    path("pusat/<int:pk>/", public.centre_detail, name="centre_detail"),
]
