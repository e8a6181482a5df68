from django.urls import path

from plut.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("national/", views.national, name="national"),
    path("province/<str:code>/", views.province, name="province"),
    path("centre/<int:pk>/", views.centre, name="centre"),
]
