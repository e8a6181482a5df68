"""The portal's URLs as the benchmark serves them (plut.top.bench.settings): the portal's own, plus
its floor, a logged-in page that does nothing. Production never routes it."""

from django.urls import path

from plut.top.bench.views import ping
from plut.urls import *  # noqa: F403  (the error handlers too)
from plut.urls import urlpatterns as portal

urlpatterns = [path("staff/ping/", ping, name="ping"), *portal]
