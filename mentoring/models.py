"""The work of a centre: mentoring sessions, follow-ups, bookings, and the outcomes they lead to."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Centre, CentreKey
from plut.foundation.core.calendar import today_in
from plut.foundation.core.dates import TimeZone
from plut.foundation.core.models import ScopePaths, TimestampedModel
from plut.foundation.messaging.models import Channel


class Mode(models.TextChoices):
    IN_PERSON = "in_person", _("Tatap muka di PLUT")
    ONLINE = "online", _("Daring (video)")
    FIELD_VISIT = "field_visit", _("Kunjungan lapangan")


class SessionFormat(models.TextChoices):
    INDIVIDUAL = "individual", _("Individu")
    GROUP = "group", _("Kelompok (pelatihan, lokakarya)")


class MentoringSession(TimestampedModel):
    centre = CentreKey(
        "clinics.Centre", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("PLUT")
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sessions_led",
        verbose_name=_("konsultan"),
    )
    co_consultants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sessions_assisted",
        verbose_name=_("konsultan pendamping lain"),
    )
    service_area = models.ForeignKey(
        "clinics.ServiceArea",
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("bidang layanan"),
    )
    mode = models.CharField(_("cara"), max_length=20, choices=Mode.choices)
    format = models.CharField(
        _("bentuk"), max_length=20, choices=SessionFormat.choices, default=SessionFormat.INDIVIDUAL
    )
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    meeting_link = models.URLField(_("tautan pertemuan daring"), blank=True)
    topic = models.CharField(_("topik"), max_length=200)
    # Written by the database, not by Django (triggers of migration 0010): the topic and each
    # client's name and owner's name, one per line. The list's search reads this one column
    # and its trigram index instead of every session's participants (docs/performance.md).
    search_text = models.TextField(_("teks pencarian"), default="", editable=False)
    problems = models.TextField(_("masalah yang ditemukan"), blank=True)
    advice = models.TextField(_("saran yang diberikan"), blank=True)
    # Advising centres report these three separately (contact vs. the work around it).
    contact_minutes = models.PositiveIntegerField(_("waktu kontak (menit)"), default=0)
    preparation_minutes = models.PositiveIntegerField(_("waktu persiapan (menit)"), default=0)
    travel_minutes = models.PositiveIntegerField(_("waktu perjalanan (menit)"), default=0)
    enterprises = models.ManyToManyField(
        "cooperatives.Enterprise",
        through="SessionEnterprise",
        blank=True,
        related_name="sessions",
        verbose_name=_("UMKM"),
    )
    cooperatives = models.ManyToManyField(
        "cooperatives.Cooperative",
        blank=True,
        related_name="sessions",
        verbose_name=_("koperasi"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    # Set by the form when it is first shown: a second submit of the same form (double click,
    # back button, retry on a bad connection, an offline draft synced twice) finds this key
    # taken and gets the session already saved instead of creating another.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    scope_paths = ScopePaths(
        province="centre__province", centre="centre", owner="enterprises__owner__user"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("sesi pendampingan")
        verbose_name_plural = _("sesi pendampingan")
        indexes = [
            models.Index(fields=["centre", "-starts_at", "-id"]),
            # The national and provincial lists (no one centre): newest first without sorting
            # millions of rows; also the keyset cursor's seek (docs/performance.md).
            models.Index(fields=["-starts_at", "-id"], name="session_newest_first"),
            models.Index(fields=["consultant", "-starts_at"]),
            models.Index(fields=["service_area", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("Waktu selesai harus setelah waktu mulai."),
            ),
        ]

    def __str__(self) -> str:
        return self.topic

    def clean(self) -> None:
        if self.mode == Mode.ONLINE and not self.meeting_link:
            raise ValidationError(
                {"meeting_link": _("Sesi daring wajib memiliki tautan pertemuan.")}
            )
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("Waktu selesai harus setelah waktu mulai.")})


class SessionEnterprise(models.Model):
    """An enterprise at a session; in a group session, whether it actually came."""

    session = models.ForeignKey(MentoringSession, on_delete=models.CASCADE)
    enterprise = models.ForeignKey("cooperatives.Enterprise", on_delete=models.PROTECT)
    attended = models.BooleanField(_("hadir"), default=True)

    class Meta:
        verbose_name = _("peserta sesi")
        verbose_name_plural = _("peserta sesi")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "enterprise"], name="session_enterprise_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} @ {self.session_id}"


class FollowUp(TimestampedModel):
    session = models.ForeignKey(
        MentoringSession,
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("sesi"),
    )
    action = models.CharField(_("tindak lanjut"), max_length=300)
    due_on = models.DateField(_("tenggat"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("penanggung jawab"),
    )
    done_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    done_note = models.TextField(_("catatan penyelesaian"), blank=True)
    # Its session's centre, copied onto the row so that a centre's or a province's follow-ups
    # are read in due order from an index of their own, not found through their sessions (half
    # a million follow-ups among five million sessions: docs/performance.md, session 14: the
    # workspace). A new follow-up takes it in save(); the database keeps it equal to the
    # session's afterwards, when a session moves to another centre (triggers of migration
    # 0017). Its index is the list's (centre, due_on, id).
    centre = CentreKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("PLUT"),
        editable=False,
        db_index=False,
    )

    scope_paths = ScopePaths(
        province="centre__province",
        centre="centre",
        owner="session__enterprises__owner__user",
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("tindak lanjut")
        verbose_name_plural = _("tindak lanjut")
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"]),
            # The lists in due order: a centre's (and each centre of a province's), and the
            # national one (docs/performance.md, session 14: the workspace).
            models.Index(fields=["centre", "due_on", "id"], name="follow_up_centre_due"),
            models.Index(fields=["due_on", "id"], name="follow_up_due"),
        ]

    def __str__(self) -> str:
        return self.action

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.centre_id is None:
            self.centre_id = self.session.centre_id
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        """Open past its due day on its centre's own calendar."""
        return self.done_at is None and self.due_on < today_in(self.centre.timezone)


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Diajukan")
    CONFIRMED = "confirmed", _("Dikonfirmasi")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")
    NO_SHOW = "no_show", _("Tidak hadir")


# The lifecycle, in one place: which status may follow which.
BOOKING_TRANSITIONS: dict[str, frozenset[str]] = {
    BookingStatus.REQUESTED: frozenset({BookingStatus.CONFIRMED, BookingStatus.CANCELLED}),
    BookingStatus.CONFIRMED: frozenset(
        {BookingStatus.COMPLETED, BookingStatus.CANCELLED, BookingStatus.NO_SHOW}
    ),
    BookingStatus.COMPLETED: frozenset(),
    BookingStatus.CANCELLED: frozenset(),
    BookingStatus.NO_SHOW: frozenset(),
}
ACTIVE_BOOKING_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
CLOSED_BOOKING_STATUSES = tuple(
    status for status in BookingStatus if status not in ACTIVE_BOOKING_STATUSES
)
# What staff must act on: a request to confirm or decline, or an active booking nobody holds.
BOOKING_NEEDS_ACTION = models.Q(status=BookingStatus.REQUESTED) | models.Q(
    status__in=ACTIVE_BOOKING_STATUSES, consultant__isnull=True
)


class Booking(TimestampedModel):
    enterprise = models.ForeignKey(
        "cooperatives.Enterprise",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("UMKM"),
    )
    centre = CentreKey(
        "clinics.Centre", on_delete=models.PROTECT, related_name="bookings", verbose_name=_("PLUT")
    )
    service_area = models.ForeignKey(
        "clinics.ServiceArea",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("bidang layanan"),
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("konsultan"),
    )
    mode = models.CharField(_("cara"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    # The consultant's time the booking holds: its end plus the centre's buffer when it was
    # placed. PostgreSQL's exclusion constraint (migration 0015) keeps the held ranges of one
    # consultant's active bookings apart, so no race can put two bookings closer than the
    # buffer.
    held_until = models.DateTimeField(_("konsultan ditahan sampai"))
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    description = models.TextField(_("uraian masalah"), blank=True)
    status_reason = models.TextField(_("alasan perubahan status"), blank=True)
    session = models.OneToOneField(
        MentoringSession,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="booking",
        verbose_name=_("sesi yang dihasilkan"),
    )
    consent = models.ForeignKey(
        "accounts.ConsentText",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        verbose_name=_("persetujuan data yang disetujui"),
    )
    # The contact typed with this booking. Notices go here, not to the details stored on the
    # enterprise it was filed under: knowing someone's NIB or phone must not redirect their
    # mail, nor send a stranger's booking to them.
    contact_phone = models.CharField(_("telepon pemesan"), max_length=16, blank=True)
    contact_email = models.EmailField(_("email pemesan"), blank=True)
    # The rest of what was typed with a public booking. The booking is filed under records
    # of its own (unless a signed-in owner proved the business is theirs), and staff may later
    # link it to a record they recognise: the owner's pages, messages and calendar file show
    # these, so they never show what someone else registered. Empty for bookings staff made.
    # A database default too, for writers that name their columns (the demo's COPY).
    contact_name = models.CharField(
        _("nama pemesan"), max_length=200, blank=True, default="", db_default=""
    )
    contact_business = models.CharField(
        _("nama usaha yang diketik"), max_length=200, blank=True, default="", db_default=""
    )
    contact_nib = models.CharField(
        _("NIB yang diketik"), max_length=13, blank=True, default="", db_default=""
    )
    # How the owner wants reminders (email, WhatsApp, SMS), and in which language: a booking
    # made without an account has no user to carry either, so it keeps what was active then.
    preferred_channel = models.CharField(
        _("kirim pemberitahuan lewat"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.EMAIL,
    )
    language = models.CharField(
        _("bahasa"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    # The .ics SEQUENCE (RFC 5545): raised by every change the owner's calendar must take over
    # (a move, a confirmation, a cancellation), so a calendar replaces its entry. A clock was
    # not enough: two changes within one second carried the same number.
    calendar_sequence = models.PositiveIntegerField(
        _("urutan kalender"), default=0, db_default=0, editable=False
    )
    # For online bookings; when staff leave it empty the reminder carries a room of its own
    # (mentoring.services.notifications.booking_video_link).
    meeting_link = models.URLField(_("tautan pertemuan daring"), blank=True)

    scope_paths = ScopePaths(
        province="centre__province", centre="centre", owner="enterprise__owner__user"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("pemesanan konsultasi")
        verbose_name_plural = _("pemesanan konsultasi")
        indexes = [
            models.Index(fields=["centre", "starts_at"]),
            models.Index(fields=["consultant", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            # The inbox's tabs and Hari ini for an officer (every centre at once), the active
            # bookings ahead, and what needs action, a centre's and everyone's: each read in
            # date order without the rest of the table (docs/performance.md, session 14: the
            # workspace).
            models.Index(fields=["starts_at", "id"], name="booking_starts"),
            models.Index(
                fields=["starts_at", "id"],
                condition=models.Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_active",
            ),
            models.Index(
                fields=["starts_at", "id"],
                condition=BOOKING_NEEDS_ACTION,
                name="booking_needs_action",
            ),
            models.Index(
                fields=["centre", "starts_at", "id"],
                condition=BOOKING_NEEDS_ACTION,
                name="booking_centre_needs_action",
            ),
            # The cap on open bookings per contact, asked at every public booking: only the
            # active ones, a small share of the table.
            models.Index(
                fields=["contact_phone"],
                condition=models.Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_active_phone",
            ),
            models.Index(
                Upper("contact_email"),
                condition=models.Q(status__in=ACTIVE_BOOKING_STATUSES),
                name="booking_active_email",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="booking_ends_after_start",
                violation_error_message=_("Waktu selesai harus setelah waktu mulai."),
            ),
            models.CheckConstraint(
                condition=models.Q(held_until__gte=models.F("ends_at")),
                name="booking_held_through_end",
            ),
        ]

    def __str__(self) -> str:
        # The audit trail keeps this text for good: the start on a named clock, the centre's
        # when it is at hand (no query from here), else the server's (WIB).
        zone = settings.TIME_ZONE
        if Booking.centre.is_cached(self) and Centre.province.is_cached(self.centre):
            zone = self.centre.province.timezone
        local = timezone.localtime(self.starts_at, ZoneInfo(zone))
        label = TimeZone(zone).label if zone in TimeZone.values else zone
        return f"{self.enterprise} · {local:%Y-%m-%d %H:%M} {label}"

    def can_become(self, status: str) -> bool:
        return status in BOOKING_TRANSITIONS[self.status]

    @property
    def booker_name(self) -> str:
        """Whom messages about the booking greet: the name typed with it, else the owner on
        file (bookings staff made)."""
        return self.contact_name or self.enterprise.owner.full_name

    @property
    def business_name(self) -> str:
        """The business as the owner's pages show it: as typed, else the one on file."""
        return self.contact_business or self.enterprise.name


class FinancingSource(models.TextChoices):
    KUR = "kur", _("KUR (Kredit Usaha Rakyat)")
    BANK = "bank", _("Kredit bank lain")
    COOPERATIVE = "cooperative", _("Koperasi simpan pinjam")
    LPDB = "lpdb", _("LPDB-KUMKM")
    GRANT = "grant", _("Hibah / bantuan pemerintah")
    INVESTOR = "investor", _("Investor / modal ventura")
    OTHER = "other", _("Lainnya")


class SupportKind(models.TextChoices):
    CAPITAL = "capital", _("Perkuatan permodalan")
    EQUIPMENT = "equipment", _("Peralatan (mis. Gerobak Sayur Pesan Kirim)")
    COMPETENCY = "competency", _("Sertifikat uji kompetensi manajer")
    VIDEO = "video", _("Konsultasi video")
    TRAINING = "training", _("Pelatihan")
    OTHER = "other", _("Lainnya")


class OutcomeSource(models.TextChoices):
    STAFF = "staff", _("Dicatat staf")
    SELF_REPORTED = "self_reported", _("Dilaporkan sendiri oleh pelaku usaha")


class Outcome(TimestampedModel):
    """A dated change in an enterprise, measured or reported after mentoring."""

    enterprise = models.ForeignKey(
        "cooperatives.Enterprise",
        on_delete=models.CASCADE,
        related_name="outcomes",
        verbose_name=_("UMKM"),
    )
    recorded_on = models.DateField(_("tanggal"))
    turnover = models.PositiveBigIntegerField(_("omzet tahunan (Rp)"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("jumlah tenaga kerja"), null=True, blank=True)
    financing_amount = models.PositiveBigIntegerField(
        _("pembiayaan diperoleh (Rp)"), null=True, blank=True
    )
    financing_source = models.CharField(
        _("sumber pembiayaan"), max_length=20, choices=FinancingSource.choices, blank=True
    )
    # The formalisation ladder: NIB, then PIRT, then halal, then SNI (then financing).
    obtained_nib = models.BooleanField(_("memperoleh NIB"), default=False)
    obtained_pirt = models.BooleanField(_("memperoleh PIRT"), default=False)
    obtained_halal = models.BooleanField(_("memperoleh sertifikat halal"), default=False)
    obtained_sni = models.BooleanField(_("memperoleh SNI"), default=False)
    support_kind = models.CharField(
        _("dukungan diterima"), max_length=20, choices=SupportKind.choices, blank=True
    )
    support_description = models.CharField(_("uraian dukungan"), max_length=300, blank=True)
    new_markets = models.CharField(_("pasar baru"), max_length=300, blank=True)
    sessions = models.ManyToManyField(
        MentoringSession,
        blank=True,
        related_name="outcomes",
        verbose_name=_("sesi yang berkontribusi"),
    )
    source = models.CharField(
        _("sumber data"), max_length=20, choices=OutcomeSource.choices, default=OutcomeSource.STAFF
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dilaporkan oleh"),
    )
    # Self-reported outcomes (the owner's check-in answers) count once staff have checked them.
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diverifikasi oleh"),
    )
    verified_at = models.DateTimeField(_("diverifikasi pada"), null=True, blank=True)

    scope_paths = ScopePaths(
        province="enterprise__regency__province",
        centre="enterprise__centre",
        owner="enterprise__owner__user",
    )

    class Meta:
        ordering = ["-recorded_on", "-id"]
        verbose_name = _("hasil pendampingan")
        verbose_name_plural = _("hasil pendampingan")
        indexes = [models.Index(fields=["enterprise", "-recorded_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.recorded_on}"

    def clean(self) -> None:
        if self.financing_amount and not self.financing_source:
            raise ValidationError(
                {"financing_source": _("Sebutkan sumber pembiayaan yang diperoleh.")}
            )


class SatisfactionSurvey(TimestampedModel):
    """One owner's rating of one logged session, asked through a signed link (no login)."""

    session = models.ForeignKey(
        MentoringSession,
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("sesi"),
    )
    enterprise = models.ForeignKey(
        "cooperatives.Enterprise",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("UMKM"),
    )
    score = models.PositiveSmallIntegerField(
        _("nilai (1-5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("komentar"), blank=True)
    sent_at = models.DateTimeField(_("dikirim pada"), null=True, blank=True)
    answered_at = models.DateTimeField(_("dijawab pada"), null=True, blank=True)

    scope_paths = ScopePaths(
        province="session__centre__province",
        centre="session__centre",
        owner="enterprise__owner__user",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survei kepuasan")
        verbose_name_plural = _("survei kepuasan")
        constraints = [
            models.UniqueConstraint(fields=["session", "enterprise"], name="survey_once"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} @ {self.session_id}"


class OutcomeCheckIn(TimestampedModel):
    """A question to the owner, 3 or 6 months after the first session: what has changed?

    Answered once, through a signed link; the answer becomes a self-reported ``Outcome``.
    """

    enterprise = models.ForeignKey(
        "cooperatives.Enterprise",
        on_delete=models.CASCADE,
        related_name="check_ins",
        verbose_name=_("UMKM"),
    )
    months = models.PositiveSmallIntegerField(_("bulan setelah sesi pertama"))
    sent_at = models.DateTimeField(_("dikirim pada"), null=True, blank=True)
    answered_at = models.DateTimeField(_("dijawab pada"), null=True, blank=True)
    outcome = models.OneToOneField(
        Outcome,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="check_in",
        verbose_name=_("hasil yang dilaporkan"),
    )

    scope_paths = ScopePaths(
        province="enterprise__regency__province",
        centre="enterprise__centre",
        owner="enterprise__owner__user",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tanya kabar hasil")
        verbose_name_plural = _("tanya kabar hasil")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "months"], name="check_in_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} +{self.months}"
