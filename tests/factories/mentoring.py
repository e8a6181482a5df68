import datetime

import factory
from django.utils import timezone

from clinics.models import ServiceArea
from mentoring.models import Booking, FollowUp, MentoringSession, Mode, Outcome
from tests.factories import calendar


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
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=1))


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    recorded_on = factory.LazyAttribute(lambda o: calendar.local_today(o.enterprise.centre))
    turnover = 600_000_000
    employees = 4
