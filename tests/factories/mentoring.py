import datetime

import factory
from django.db import connection
from django.utils import timezone

from clinics.models import ServiceArea
from mentoring.models import Booking, FollowUp, MentoringSession, Mode, Outcome
from tests.factories import calendar
from tests.factories.clinics import StaffFactory


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentoringSession
        skip_postgeneration_save = True

    centre = factory.LazyAttribute(lambda o: o.consultant.staff_membership.centre)
    service_area = factory.LazyFunction(lambda: ServiceArea.objects.get(code="financing"))
    mode = Mode.IN_PERSON
    # Earlier in the centre's week: "this week" lists show it whatever the day of the week
    # (tests/factories/calendar.py; a test of a month's figures places its own rows).
    starts_at = factory.LazyAttribute(lambda o: calendar.earlier_this_week(o.centre))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    topic = "Pengajuan KUR"
    contact_minutes = 60
    created_by = factory.SelfAttribute("consultant")

    @factory.post_generation
    def enterprises(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.enterprises.add(*extracted)


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    action = "Lengkapi dokumen KUR"
    due_on = factory.LazyAttribute(
        lambda o: calendar.local_today(o.session.centre) + datetime.timedelta(days=7)
    )
    assignee = factory.SelfAttribute("session.consultant")


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    centre = factory.SelfAttribute("enterprise.centre")
    service_area = factory.LazyFunction(lambda: ServiceArea.objects.get(code="marketing"))
    # Every active booking holds a consultant of its centre (migration 0015): a colleague of
    # their own unless the test names one.
    consultant = factory.LazyAttribute(lambda o: StaffFactory(centre=o.centre).user)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))
    held_until = factory.LazyAttribute(
        lambda o: o.ends_at + datetime.timedelta(minutes=o.centre.buffer_minutes)
    )


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    recorded_on = factory.LazyAttribute(lambda o: calendar.local_today(o.enterprise.centre))
    turnover = 600_000_000
    employees = 4


def unassigned_booking(**kwargs) -> Booking:
    """An active booking without a consultant, as the portal made them before migration 0015
    (which assigns those it can and keeps the rest for the manager). PostgreSQL refuses new
    ones: the check is lifted inside the test's transaction only, so it comes back after."""
    assert connection.in_atomic_block, "outside a test's transaction the check would stay off"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # PostgreSQL alters no table while the transaction has foreign-key checks queued.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE mentoring_booking DROP CONSTRAINT IF EXISTS booking_active_has_consultant"
            )
    return BookingFactory(consultant=None, **kwargs)
