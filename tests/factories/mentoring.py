import datetime

import factory
from django.utils import timezone

from clinics.models import ServiceArea
from mentoring.models import Booking, FollowUp, MentoringSession, Mode, Outcome


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MentoringSession
        skip_postgeneration_save = True

    centre = factory.LazyAttribute(lambda o: o.consultant.staff_membership.centre)
    service_area = factory.LazyFunction(lambda: ServiceArea.objects.get(code="financing"))
    mode = Mode.IN_PERSON
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=3))
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
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
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

    recorded_on = factory.LazyFunction(timezone.localdate)
    turnover = 600_000_000
    employees = 4
