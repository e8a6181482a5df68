"""The owner's own pages, mounted under /accounts/ beside the account pages."""

from django.urls import path

from mentoring.views import owner_home

app_name = "owner"
urlpatterns = [
    path("me/", owner_home.owner_home, name="home"),
]
