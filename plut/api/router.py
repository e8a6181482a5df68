"""The REST API's router: version 1 lives under /api/v1/."""

from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from clinics.apis import CentreViewSet, ServiceAreaViewSet
from plut.regions.apis import ProvinceViewSet, RegencyViewSet


class PublicAPIRootView(APIRootView):
    """The index of endpoints is public; each endpoint guards itself."""

    permission_classes = [AllowAny]


router = DefaultRouter()
router.APIRootView = PublicAPIRootView
router.register("provinces", ProvinceViewSet, basename="province")
router.register("regencies", RegencyViewSet, basename="regency")
router.register("service-areas", ServiceAreaViewSet, basename="service-area")
router.register("centres", CentreViewSet, basename="centre")
