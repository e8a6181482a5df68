from django.urls import path

from cooperatives import client_views, list_views

app_name = "cooperatives"
urlpatterns = [
    path("enterprises/", list_views.enterprise_list, name="enterprise_list"),
    path("enterprises/export.<str:fmt>", list_views.enterprise_export, name="enterprise_export"),
    path(
        "enterprises/filter-options/",
        list_views.enterprise_filter_options,
        name="enterprise_filter_options",
    ),
    path("enterprises/new/", client_views.enterprise_register, name="enterprise_register"),
    path("enterprises/<int:pk>/edit/", client_views.enterprise_edit, name="enterprise_edit"),
    path("cooperatives/", list_views.cooperative_list, name="cooperative_list"),
    path("cooperatives/export.<str:fmt>", list_views.cooperative_export, name="cooperative_export"),
    path(
        "cooperatives/filter-options/",
        list_views.cooperative_filter_options,
        name="cooperative_filter_options",
    ),
    path("cooperatives/<int:pk>/edit/", client_views.cooperative_edit, name="cooperative_edit"),
    path("persons/<int:pk>/edit/", client_views.person_edit, name="person_edit"),
    path("clients/search/", client_views.client_search, name="client_search"),
]
