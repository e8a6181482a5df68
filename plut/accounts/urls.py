from django.urls import path

from plut.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("me/", views.me, name="me"),
]
