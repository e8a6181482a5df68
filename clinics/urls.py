from django.urls import path

from clinics import availability_views, views

app_name = "clinics"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("invite/", views.team_invite, name="team_invite"),
    path("<int:pk>/", views.team_member, name="team_member"),
    path("availability/", availability_views.availability, name="availability"),
    path(
        "availability/<int:user_pk>/",
        availability_views.availability_member,
        name="availability_member",
    ),
    path("booking-policy/", availability_views.booking_policy, name="booking_policy"),
]
