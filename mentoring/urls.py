from django.urls import path

from mentoring.views import corrections, inbox, lists, profiles, sessions, today, verification

app_name = "mentoring"
urlpatterns = [
    path("", today.staff_home, name="staff_home"),
    path("sessions/", lists.session_list, name="session_list"),
    path("sessions/export.<str:fmt>", lists.session_export, name="session_export"),
    path(
        "sessions/filter-options/",
        lists.session_filter_options,
        name="session_filter_options",
    ),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_update, name="session_update"),
    path("sessions/<int:pk>/delete/", corrections.session_delete_view, name="session_delete"),
    path("follow-ups/", lists.follow_up_list, name="follow_up_list"),
    path("follow-ups/export.<str:fmt>", lists.follow_up_export, name="follow_up_export"),
    path("follow-ups/<int:pk>/done/", lists.follow_up_done, name="follow_up_done"),
    path("follow-ups/<int:pk>/delete/", corrections.follow_up_delete_view, name="follow_up_delete"),
    path("enterprises/<int:pk>/", profiles.enterprise_profile, name="enterprise_profile"),
    path("enterprises/<int:pk>/outcomes/new/", profiles.outcome_create, name="outcome_create"),
    path("enterprises/<int:pk>/merge/", profiles.enterprise_merge, name="enterprise_merge"),
    path("outcomes/<int:pk>/verify/", verification.outcome_verify_view, name="outcome_verify"),
    path("outcomes/<int:pk>/edit/", corrections.outcome_update_view, name="outcome_update"),
    path("outcomes/<int:pk>/delete/", corrections.outcome_delete_view, name="outcome_delete"),
    path("cooperatives/<int:pk>/", profiles.cooperative_profile, name="cooperative_profile"),
    path("bookings/", inbox.inbox, name="inbox"),
    path("bookings/<int:pk>/", inbox.booking_detail, name="booking_detail"),
    # Before the actions: deleting is a page of its own, not one of the actions posted there.
    path("bookings/<int:pk>/delete/", corrections.booking_delete_view, name="booking_delete"),
    path("bookings/<int:pk>/<str:action>/", inbox.booking_action, name="booking_action"),
]
