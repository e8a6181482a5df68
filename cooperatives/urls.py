from django.urls import path

from cooperatives.views import clients, lists

app_name = "cooperatives"
urlpatterns = [
    path("enterprises/", lists.enterprise_list, name="enterprise_list"),
    path("enterprises/export.<str:fmt>", lists.enterprise_export, name="enterprise_export"),
    path(
        "enterprises/filter-options/",
        lists.enterprise_filter_options,
        name="enterprise_filter_options",
    ),
    path("enterprises/new/", clients.enterprise_register, name="enterprise_register"),
    path("enterprises/<int:pk>/edit/", clients.enterprise_edit, name="enterprise_edit"),
    path("cooperatives/", lists.cooperative_list, name="cooperative_list"),
    path("cooperatives/export.<str:fmt>", lists.cooperative_export, name="cooperative_export"),
    path(
        "cooperatives/filter-options/",
        lists.cooperative_filter_options,
        name="cooperative_filter_options",
    ),
    path("cooperatives/<int:pk>/edit/", clients.cooperative_edit, name="cooperative_edit"),
    path("persons/<int:pk>/edit/", clients.person_edit, name="person_edit"),
    path("clients/search/", clients.client_search, name="client_search"),
]
