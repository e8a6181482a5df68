from django.urls import path

from plut.top.privacy import views

app_name = "privacy"
urlpatterns = [
    # The owner: their data, and asking for erasure.
    path("data-saya/", views.my_data, name="my_data"),
    path("data-saya.json", views.my_data_json, name="my_data_json"),
    path("hapus-data/", views.erasure_request, name="erasure_request"),
    # Staff: showing a full NIK (logged), and the logs managers and administrators read.
    path("nik/<int:person_pk>/", views.nik_show, name="nik_show"),
    path("nik/", views.nik_views, name="nik_views"),
    path("jejak/", views.audit_log, name="audit_log"),
    path("penghapusan/", views.erasure_list, name="erasure_list"),
    path("penghapusan/<int:pk>/selesai/", views.erasure_complete, name="erasure_complete"),
]
