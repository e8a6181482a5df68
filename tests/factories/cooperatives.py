import datetime

import factory

from cooperatives.models import Cooperative, CooperativeType, Enterprise, Gender, Person
from plut.foundation.regions.models import Regency


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Faker("name", locale="id_ID")
    gender = Gender.MALE
    # 18.71 Kota Bandar Lampung, district 01, born 12-05-1985, serial from the sequence.
    nik = factory.Sequence(lambda n: f"187101120585{n + 1:04d}")
    phone = factory.Sequence(lambda n: f"+62812{10_000_000 + n}")
    regency = factory.LazyAttribute(
        lambda o: (
            Regency.objects.filter(province=o.centre.province).first()
            if o.centre
            else Regency.objects.get(code="18.71")
        )
    )
    centre = None


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"Keripik Pisang {n}")
    nib = factory.Sequence(lambda n: f"{8_000_000_000_000 + n}")
    kbli = "10794"
    annual_turnover = 500_000_000
    employees = 3
    centre = None
    regency = factory.LazyAttribute(
        lambda o: (
            Regency.objects.filter(province=o.centre.province).first()
            if o.centre
            else Regency.objects.get(code="18.71")
        )
    )
    owner = factory.SubFactory(PersonFactory, centre=factory.SelfAttribute("..centre"))


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative

    name = factory.Sequence(lambda n: f"Koperasi Serba Usaha {n}")
    number = factory.Sequence(lambda n: f"1871{n + 1:012d}")
    type = CooperativeType.SAVINGS_LOANS
    centre = None
    regency = factory.LazyAttribute(
        lambda o: (
            Regency.objects.filter(province=o.centre.province).first()
            if o.centre
            else Regency.objects.get(code="18.71")
        )
    )
    members = 100
    workforce = 5
    last_rat_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=200))
