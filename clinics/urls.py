from django.urls import path

from clinics import availability_views, centre_views, views

app_name = "clinics"
urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("invite/", views.team_invite, name="team_invite"),
    path("<int:pk>/", views.team_member, name="team_member"),
    path("<int:pk>/move/", views.team_move, name="team_move"),
    path("centres/", centre_views.centre_list, name="centres"),
    path("centres/<int:pk>/", centre_views.centre_edit, name="centre_edit"),
    path("centres/<int:pk>/staff/", centre_views.centre_staff, name="centre_staff"),
    path("availability/", availability_views.availability, name="availability"),
    path(
        "availability/<int:user_pk>/",
        availability_views.availability_member,
        name="availability_member",
    ),
    path("booking-policy/", availability_views.booking_policy, name="booking_policy"),
]
