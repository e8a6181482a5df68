from django.urls import path

from plut.top.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_request_view, name="request"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/<str:fmt>/", views.report_download, name="download"),
]
