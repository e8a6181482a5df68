from django.urls import path

from plut.foundation.messaging import views

app_name = "messaging"
urlpatterns = [path("", views.outbox, name="outbox")]
