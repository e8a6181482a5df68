import factory

from clinics.models import Centre, ServiceArea, StaffMembership
from tests.factories.accounts import UserFactory


class StaffFactory(factory.django.DjangoModelFactory):
    """A manager or consultant placed at a centre."""

    class Meta:
        model = StaffMembership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role="consultant")
    # Round the known centres, read afresh each time: transactional tests reload the reference
    # data with new ids, and a factory.Iterator would keep handing out the deleted rows.
    centre = factory.Sequence(lambda n: Centre.objects.order_by("pk")[n % Centre.objects.count()])

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):
        if create:
            obj.areas.set(extracted if extracted is not None else ServiceArea.objects.all())
