from django.urls import path

from plut.foundation.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/berkas/", views.job_download, name="download"),
]
