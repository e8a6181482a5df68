from django.urls import path

from clinics import views

app_name = "clinics"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("invite/", views.team_invite, name="team_invite"),
    path("<int:pk>/", views.team_member, name="team_member"),
]
