"""The REST API's router: version 1 lives under /api/v1/."""

from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from clinics.apis import CentreViewSet, ServiceAreaViewSet
from cooperatives.apis import CooperativeViewSet, EnterpriseViewSet, PersonViewSet
from mentoring.apis import BookingViewSet, FollowUpViewSet, OutcomeViewSet, SessionViewSet
from plut.foundation.regions.apis import ProvinceViewSet, RegencyViewSet
from plut.top.api.endpoints import ImportJobViewSet


class PublicAPIRootView(APIRootView):
    """The index of endpoints is public; each endpoint guards itself."""

    permission_classes = [AllowAny]


router = DefaultRouter()
router.APIRootView = PublicAPIRootView
# Public reference data.
router.register("provinces", ProvinceViewSet, basename="province")
router.register("regencies", RegencyViewSet, basename="regency")
router.register("service-areas", ServiceAreaViewSet, basename="service-area")
router.register("centres", CentreViewSet, basename="centre")
# Scoped like the pages.
router.register("persons", PersonViewSet, basename="person")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("cooperatives", CooperativeViewSet, basename="cooperative")
router.register("sessions", SessionViewSet, basename="session")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("bookings", BookingViewSet, basename="booking")
router.register("imports", ImportJobViewSet, basename="import")
