"""The providers' webhooks, mounted at /webhooks/ by plut/urls.py (no login: signed)."""

from django.urls import path

from plut.foundation.messaging import webhooks

app_name = "messaging_webhooks"
urlpatterns = [
    path("whatsapp/", webhooks.whatsapp_webhook, name="whatsapp"),
    path("twilio/status/", webhooks.twilio_status, name="twilio_status"),
    path("twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
]
