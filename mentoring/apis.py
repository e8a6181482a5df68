"""API for sessions, follow-ups, outcomes and bookings, and a centre's free booking slots.

Reads go through the UI's selectors (the user's scope). Bookings change only through explicit
actions that call the same services as the pages: ``booking_request`` to create,
``booking_reschedule``, ``booking_cancel_by_owner`` / ``booking_cancel_by_staff``,
``booking_confirm`` and ``booking_no_show``; their refusals (ValidationError, PermissionDenied,
SlotTaken) become the API's 400, 403 and 409.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinics.models import Centre, ServiceArea
from cooperatives.selectors import enterprises_visible_to
from mentoring.models import (
    Booking,
    BookingStatus,
    FollowUp,
    MentoringSession,
    Mode,
    Outcome,
    OutcomeSource,
)
from mentoring.selectors.bookings import BOOKING_DAYS, slots_for
from mentoring.selectors.records import (
    attach_client_ids,
    bookings_visible_to,
    follow_ups_visible_to,
    outcomes_visible_to,
    overdue,
    sessions_visible_to,
)
from mentoring.services.booking_actions import (
    CANCEL,
    booking_can,
    booking_cancel_by_staff,
    booking_confirm,
    booking_no_show,
)
from mentoring.services.bookings import (
    booking_cancel_by_owner,
    booking_request,
    booking_reschedule,
)
from plut.foundation.accounts.consent import consent_current
from plut.foundation.accounts.models import CENTRE_ROLES, Role
from plut.foundation.accounts.scope import scope_of
from plut.foundation.core.dates import OUT_OF_RANGE, BoundedDateFilter, validate_date_in_range
from plut.foundation.rest.filters import ApiFilterSet, MomentFilter
from plut.foundation.rest.permissions import IsCentreStaffOrOwner

BOOKABLE_MODES = [
    (Mode.IN_PERSON.value, Mode.IN_PERSON.label),
    (Mode.ONLINE.value, Mode.ONLINE.label),
]


# --- Serializers -----------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    consultant = serializers.IntegerField(source="consultant_id", read_only=True)
    service_area = serializers.CharField(source="service_area.code", read_only=True)
    # Given by attach_client_ids() (SessionViewSet), not read through a manager per row.
    enterprises = serializers.ListField(
        source="enterprise_ids", child=serializers.IntegerField(), read_only=True
    )
    cooperatives = serializers.ListField(
        source="cooperative_ids", child=serializers.IntegerField(), read_only=True
    )

    class Meta:
        model = MentoringSession
        fields = [
            "id",
            "centre",
            "consultant",
            "service_area",
            "mode",
            "format",
            "starts_at",
            "ends_at",
            "topic",
            "problems",
            "advice",
            "contact_minutes",
            "preparation_minutes",
            "travel_minutes",
            "enterprises",
            "cooperatives",
            "created_at",
            "updated_at",
        ]


class FollowUpSerializer(serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id", read_only=True)
    assignee = serializers.IntegerField(source="assignee_id", read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "session",
            "action",
            "due_on",
            "assignee",
            "done_at",
            "done_note",
            "created_at",
            "updated_at",
        ]


class OutcomeSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="enterprise_id", read_only=True)
    sessions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "enterprise",
            "recorded_on",
            "turnover",
            "employees",
            "financing_amount",
            "financing_source",
            "obtained_nib",
            "obtained_pirt",
            "obtained_halal",
            "obtained_sni",
            "support_kind",
            "support_description",
            "new_markets",
            "sessions",
            "source",
            "created_at",
            "updated_at",
        ]


class BookingSerializer(serializers.ModelSerializer):
    enterprise = serializers.IntegerField(source="enterprise_id", read_only=True)
    centre = serializers.IntegerField(source="centre_id", read_only=True)
    service_area = serializers.CharField(source="service_area.code", read_only=True)
    consultant = serializers.IntegerField(source="consultant_id", read_only=True, allow_null=True)
    session = serializers.IntegerField(source="session_id", read_only=True, allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "enterprise",
            "centre",
            "service_area",
            "consultant",
            "mode",
            "starts_at",
            "ends_at",
            "status",
            "description",
            "status_reason",
            "session",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SlotStartField(serializers.DateTimeField):
    """A slot's start (ISO 8601) in the years the portal processes (plut.foundation.core.dates);
    past the last moment Python can write on the server's clock, the same message."""

    default_error_messages = {"overflow": OUT_OF_RANGE}
    default_validators = [validate_date_in_range]


class BookingCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1, help_text=_("ID UMKM dalam cakupan Anda."))
    centre = serializers.IntegerField(min_value=1, help_text=_("ID PLUT tujuan."))
    service_area = serializers.SlugField(help_text=_("Kode bidang layanan."))
    mode = serializers.ChoiceField(choices=BOOKABLE_MODES)
    starts_at = SlotStartField(
        help_text=_("Awal salah satu slot dari /centres/{id}/slots/ (ISO 8601).")
    )
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")
    consent = serializers.BooleanField(
        help_text=_("Pemilik usaha menyetujui pemrosesan data pribadi (UU 27/2022).")
    )

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Persetujuan data pribadi wajib diberikan."))
        return value


class RescheduleSerializer(serializers.Serializer):
    starts_at = SlotStartField(help_text=_("Awal slot baru (ISO 8601)."))


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, allow_blank=True, default="")


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class SlotsSerializer(serializers.Serializer):
    centre = serializers.IntegerField()
    service_area = serializers.CharField()
    timezone = serializers.CharField()
    routable = serializers.BooleanField(
        help_text=_("False: tidak ada konsultan yang menangani bidang ini, jadi tidak ada slot.")
    )
    slots = SlotSerializer(many=True)


# --- Filters ---------------------------------------------------------------------------------


def _area_filter(path: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(field_name=path, label=_("Kode bidang layanan"))


class SessionFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="centre__province", label=_("Kode provinsi"))
    regency = django_filters.CharFilter(
        method="by_client_regency", label=_("Kode kabupaten/kota UMKM")
    )
    area = _area_filter("service_area__code")
    consultant = django_filters.NumberFilter(field_name="consultant", label=_("ID konsultan"))
    mode = django_filters.ChoiceFilter(choices=Mode.choices, label=_("Cara"))
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte", label=_("Mulai sejak"))
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt", label=_("Mulai sebelum"))
    enterprise = django_filters.NumberFilter(field_name="enterprises", label=_("ID UMKM"))

    class Meta:
        model = MentoringSession
        fields: list[str] = []

    def by_client_regency(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A subquery keeps each session once however many of its enterprises match.
        matching = MentoringSession.objects.filter(enterprises__regency_id=value).values("pk")
        return queryset.filter(pk__in=matching)


FOLLOW_UP_STATUSES = [
    ("open", _("Belum selesai")),
    ("done", _("Selesai")),
    ("overdue", _("Lewat tenggat")),
]


class FollowUpFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="centre__province", label=_("Kode provinsi"))
    area = _area_filter("session__service_area__code")
    assignee = django_filters.NumberFilter(field_name="assignee", label=_("ID penanggung jawab"))
    status = django_filters.ChoiceFilter(
        choices=FOLLOW_UP_STATUSES, method="by_status", label=_("Status")
    )
    due_after = BoundedDateFilter(field_name="due_on", lookup_expr="gte", label=_("Tenggat sejak"))
    due_before = BoundedDateFilter(
        field_name="due_on", lookup_expr="lte", label=_("Tenggat sampai")
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def by_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        if value == "overdue":
            return queryset.filter(overdue())
        return queryset.filter(done_at__isnull=True)


class OutcomeFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="enterprise__centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(
        field_name="enterprise__regency__province", label=_("Kode provinsi")
    )
    regency = django_filters.CharFilter(
        field_name="enterprise__regency", label=_("Kode kabupaten/kota")
    )
    area = django_filters.CharFilter(method="by_area", label=_("Kode bidang layanan sesi"))
    enterprise = django_filters.NumberFilter(field_name="enterprise", label=_("ID UMKM"))
    source = django_filters.ChoiceFilter(choices=OutcomeSource.choices, label=_("Sumber data"))
    recorded_after = BoundedDateFilter(
        field_name="recorded_on", lookup_expr="gte", label=_("Dicatat sejak")
    )
    recorded_before = BoundedDateFilter(
        field_name="recorded_on", lookup_expr="lte", label=_("Dicatat sampai")
    )

    class Meta:
        model = Outcome
        fields: list[str] = []

    def by_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        matching = Outcome.objects.filter(sessions__service_area__code=value).values("pk")
        return queryset.filter(pk__in=matching)


class BookingFilter(ApiFilterSet):
    centre = django_filters.NumberFilter(field_name="centre", label=_("ID PLUT"))
    province = django_filters.CharFilter(field_name="centre__province", label=_("Kode provinsi"))
    regency = django_filters.CharFilter(
        field_name="enterprise__regency", label=_("Kode kabupaten/kota UMKM")
    )
    area = _area_filter("service_area__code")
    status = django_filters.MultipleChoiceFilter(choices=BookingStatus.choices, label=_("Status"))
    consultant = django_filters.NumberFilter(field_name="consultant", label=_("ID konsultan"))
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte", label=_("Mulai sejak"))
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt", label=_("Mulai sebelum"))

    class Meta:
        model = Booking
        fields: list[str] = []


# --- Read-only lists -------------------------------------------------------------------------

ORDERING = ["id", "updated_at"]


SESSION_EXAMPLE = OpenApiExample(
    "Sesi",
    response_only=True,
    value={
        "id": 88,
        "centre": 1,
        "consultant": 5,
        "service_area": "financing",
        "mode": "in_person",
        "format": "individual",
        "starts_at": "2026-11-24T09:00:00+07:00",
        "ends_at": "2026-11-24T10:00:00+07:00",
        "topic": "Pengajuan KUR",
        "problems": "Laporan keuangan belum ada.",
        "advice": "Susun laporan laba rugi tiga bulan terakhir.",
        "contact_minutes": 60,
        "preparation_minutes": 15,
        "travel_minutes": 0,
        "enterprises": [12],
        "cooperatives": [],
        "created_at": "2026-11-24T10:05:00+07:00",
        "updated_at": "2026-11-24T10:05:00+07:00",
    },
)
FOLLOW_UP_EXAMPLE = OpenApiExample(
    "Tindak lanjut",
    response_only=True,
    value={
        "id": 40,
        "session": 88,
        "action": "Lengkapi dokumen KUR",
        "due_on": "2026-12-01",
        "assignee": 5,
        "done_at": None,
        "done_note": "",
        "created_at": "2026-11-24T10:05:00+07:00",
        "updated_at": "2026-11-24T10:05:00+07:00",
    },
)
OUTCOME_EXAMPLE = OpenApiExample(
    "Hasil",
    response_only=True,
    value={
        "id": 21,
        "enterprise": 12,
        "recorded_on": "2026-11-25",
        "turnover": 750000000,
        "employees": 5,
        "financing_amount": 50000000,
        "financing_source": "kur",
        "obtained_nib": True,
        "obtained_pirt": True,
        "obtained_halal": False,
        "obtained_sni": False,
        "support_kind": "",
        "support_description": "",
        "new_markets": "Lokapasar",
        "sessions": [88],
        "source": "staff",
        "created_at": "2026-11-25T09:00:00+07:00",
        "updated_at": "2026-11-25T09:00:00+07:00",
    },
)


def _read_examples(example: OpenApiExample) -> Any:
    return extend_schema_view(
        list=extend_schema(examples=[example]), retrieve=extend_schema(examples=[example])
    )


@_read_examples(SESSION_EXAMPLE)
class SessionViewSet(viewsets.ReadOnlyModelViewSet):
    """Mentoring sessions in the user's scope."""

    serializer_class = SessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ORDERING

    def get_queryset(self) -> QuerySet:
        # Only what the serializer writes: the related rows' ids, the area's code. Full
        # enterprise, cooperative, centre and consultant rows were most of the response time.
        return (
            sessions_visible_to(self.request.user)
            .select_related(None)
            .select_related("service_area")
        )

    def paginate_queryset(self, queryset: QuerySet) -> list[MentoringSession] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_client_ids(page)
        return page

    def get_object(self) -> MentoringSession:
        session = super().get_object()
        attach_client_ids([session])
        return session


@_read_examples(FOLLOW_UP_EXAMPLE)
class FollowUpViewSet(viewsets.ReadOnlyModelViewSet):
    """Follow-ups of the sessions in the user's scope."""

    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ORDERING

    def get_queryset(self) -> QuerySet:
        return follow_ups_visible_to(self.request.user)


@_read_examples(OUTCOME_EXAMPLE)
class OutcomeViewSet(viewsets.ReadOnlyModelViewSet):
    """Outcomes (turnover, jobs, certificates, financing) of enterprises in scope."""

    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    ordering_fields = ORDERING

    def get_queryset(self) -> QuerySet:
        return outcomes_visible_to(self.request.user).prefetch_related("sessions")


# --- Bookings --------------------------------------------------------------------------------

BOOKING_EXAMPLE = OpenApiExample(
    "Pemesanan",
    response_only=True,
    value={
        "id": 31,
        "enterprise": 12,
        "centre": 1,
        "service_area": "marketing",
        "consultant": 5,
        "mode": "in_person",
        "starts_at": "2026-12-02T02:00:00Z",
        "ends_at": "2026-12-02T03:00:00Z",
        "status": "confirmed",
        "description": "Ingin memasarkan keripik lewat lokapasar.",
        "status_reason": "",
        "session": None,
        "created_at": "2026-11-27T09:00:00Z",
        "updated_at": "2026-11-27T09:00:00Z",
    },
)


def _booking_action_schema(summary: str, request: Any = None) -> Any:
    return extend_schema(
        summary=summary,
        request=request,
        responses={200: BookingSerializer},
        examples=[BOOKING_EXAMPLE],
    )


@extend_schema_view(
    list=extend_schema(examples=[BOOKING_EXAMPLE]),
    retrieve=extend_schema(examples=[BOOKING_EXAMPLE]),
    create=extend_schema(
        request=BookingCreateSerializer,
        responses={201: BookingSerializer},
        summary="Pesan konsultasi",
        description=(
            "Sama dengan halaman pemesanan publik (booking_request): slot diperiksa lagi di "
            "dalam transaksi; slot yang baru saja diambil orang lain memberi 409. Pemilik "
            "memesan untuk UMKM-nya sendiri; manajer dan konsultan untuk klien PLUT-nya."
        ),
        examples=[
            OpenApiExample(
                "Pesan",
                request_only=True,
                value={
                    "enterprise": 12,
                    "centre": 1,
                    "service_area": "marketing",
                    "mode": "in_person",
                    "starts_at": "2026-12-02T02:00:00Z",
                    "description": "Ingin memasarkan keripik lewat lokapasar.",
                    "consent": True,
                },
            ),
            BOOKING_EXAMPLE,
        ],
    ),
)
class BookingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bookings in the user's scope; changes only through the actions below."""

    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    ordering_fields = [*ORDERING, "starts_at"]

    def get_queryset(self) -> QuerySet:
        return bookings_visible_to(self.request.user)

    def get_permissions(self) -> list[Any]:
        if self.action in ("create", "reschedule", "cancel", "confirm", "no_show"):
            # Managers, consultants and owners change bookings; officers and the ministry read.
            return [IsCentreStaffOrOwner()]
        return super().get_permissions()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = request.user
        enterprise = get_object_or_404(
            enterprises_visible_to(user).select_related("owner"), pk=values["enterprise"]
        )
        centre = get_object_or_404(Centre.objects.filter(is_active=True), pk=values["centre"])
        if user.role in CENTRE_ROLES and scope_of(user).centre_id != centre.pk:
            raise ValidationError({"centre": _t("Staf hanya memesan di PLUT tempatnya bekerja.")})
        area = get_object_or_404(
            ServiceArea.objects.filter(is_active=True, centres=centre), code=values["service_area"]
        )
        owner = enterprise.owner
        # Filed under the enterprise chosen, which the scope proved the user may book for;
        # never looked up again by its NIB or contact.
        booking = booking_request(
            centre=centre,
            area=area,
            mode=values["mode"],
            starts_at=values["starts_at"],
            client={
                "name": enterprise.name,
                "nib": enterprise.nib,
                "regency": enterprise.regency,
                "owner_name": owner.full_name,
                "phone": owner.phone,
                "email": owner.email,
            },
            description=values["description"].strip(),
            consent=consent_current(),
            enterprise=enterprise,
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    def _owns(self, booking: Booking) -> bool:
        return self.request.user.role == Role.OWNER and booking.enterprise.owner.user_id == (
            self.request.user.pk
        )

    def _refreshed(self, booking: Booking) -> Response:
        fresh = self.get_queryset().get(pk=booking.pk)
        return Response(BookingSerializer(fresh).data)

    @_booking_action_schema("Ubah jadwal", RescheduleSerializer)
    @action(detail=True, methods=["post"])
    def reschedule(self, request: Request, pk: str | None = None) -> Response:
        """Move to another free slot (booking_reschedule): the owner until the centre's
        cut-off, or the centre's staff who may cancel it."""
        booking = self.get_object()
        data = RescheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owns = self._owns(booking)
        if not owns and not booking_can(user=request.user, booking=booking, action=CANCEL):
            raise PermissionDenied
        booking = booking_reschedule(
            booking=booking, starts_at=data.validated_data["starts_at"], by_owner=owns
        )
        return self._refreshed(booking)

    @_booking_action_schema("Batalkan", CancelSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """The owner cancels (booking_cancel, until the cut-off); staff cancel with a reason
        the owner will read (booking_cancel_by_staff)."""
        booking = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        if self._owns(booking):
            booking = booking_cancel_by_owner(booking=booking, reason=reason)
        else:
            booking = booking_cancel_by_staff(
                booking=booking, reason=reason.strip(), by=request.user
            )
        return self._refreshed(booking)

    @_booking_action_schema("Konfirmasi")
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """A requested booking becomes confirmed (booking_confirm)."""
        return self._refreshed(booking_confirm(booking=self.get_object(), by=request.user))

    @_booking_action_schema("Tandai tidak hadir")
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, pk: str | None = None) -> Response:
        """The owner did not come to a confirmed booking (booking_no_show)."""
        return self._refreshed(booking_no_show(booking=self.get_object(), by=request.user))


# --- Free slots (public) ---------------------------------------------------------------------


class SlotQuerySerializer(serializers.Serializer):
    area = serializers.SlugField(help_text=_("Kode bidang layanan."))
    days = serializers.IntegerField(
        min_value=1,
        max_value=BOOKING_DAYS,
        default=BOOKING_DAYS,
        help_text=_("Berapa hari ke depan."),
    )


class CentreSlotsView(APIView):
    """Free booking slots of a centre for one service area: the same slots as the public
    booking page (``slots_for``), without who is free (consultants are not published)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[SlotQuerySerializer],
        responses={200: SlotsSerializer},
        examples=[
            OpenApiExample(
                "Slot",
                value={
                    "centre": 1,
                    "service_area": "marketing",
                    "timezone": "Asia/Jakarta",
                    "routable": True,
                    "slots": [
                        {"starts_at": "2026-12-02T02:00:00Z", "ends_at": "2026-12-02T03:00:00Z"}
                    ],
                },
            )
        ],
    )
    def get(self, request: Request, pk: int) -> Response:
        centre = get_object_or_404(Centre.objects.filter(is_active=True), pk=pk)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        area = get_object_or_404(
            ServiceArea.objects.filter(is_active=True, centres=centre),
            code=query.validated_data["area"],
        )
        offer = slots_for(centre=centre, area=area, days=query.validated_data["days"])
        body = {
            "centre": centre.pk,
            "service_area": area.code,
            "timezone": centre.timezone,
            "routable": offer.routable,
            "slots": [{"starts_at": s.starts_at, "ends_at": s.ends_at} for s in offer.slots],
        }
        return Response(SlotsSerializer(body).data)
