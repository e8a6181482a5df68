from django.urls import path

from clinics.views import availability, centres, team

app_name = "clinics"
urlpatterns = [
    path("", team.team_list, name="team_list"),
    path("invite/", team.team_invite, name="team_invite"),
    path("<int:pk>/", team.team_member, name="team_member"),
    path("<int:pk>/move/", team.team_move, name="team_move"),
    path("centres/", centres.centre_list, name="centres"),
    path("centres/<int:pk>/", centres.centre_edit, name="centre_edit"),
    path("centres/<int:pk>/staff/", centres.centre_staff, name="centre_staff"),
    path("centres/<int:pk>/whatsapp/", centres.centre_whatsapp, name="centre_whatsapp"),
    path("availability/", availability.availability, name="availability"),
    path(
        "availability/<int:user_pk>/",
        availability.availability_member,
        name="availability_member",
    ),
    # Staff who failed to log in too often (docs/security.md): unlocked by their managers.
    path("terkunci/", team.lockouts, name="lockouts"),
    path("booking-policy/", availability.booking_policy, name="booking_policy"),
]
