"""Public booking pages for owners (no account needed), mounted at the site root."""

from django.urls import path

from mentoring.views import booking_public, feedback

app_name = "booking"
urlpatterns = [
    path("pesan/<int:centre_pk>/", booking_public.booking_start, name="start"),
    path("pesan/<int:centre_pk>/data/", booking_public.booking_details, name="details"),
    path("pesan/selesai/<str:token>/", booking_public.booking_done, name="done"),
    path("pemesanan/<str:token>/", booking_public.booking_manage, name="manage"),
    path("pemesanan/<str:token>/kalender.ics", booking_public.booking_calendar, name="calendar"),
    path("survei/<str:token>/", feedback.survey, name="survey"),
    path("kabar-usaha/<str:token>/", feedback.check_in, name="check_in"),
]
