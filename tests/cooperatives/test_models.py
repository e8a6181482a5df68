from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cooperatives.models import Cooperative, Enterprise, Gender, Person, Scale
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db

MILIAR = 1_000_000_000


@pytest.mark.parametrize(
    ("capital", "turnover", "scale"),
    [
        # By annual turnover when it is known (PP 7/2021 art. 35)...
        (None, 2 * MILIAR, Scale.MICRO),
        (None, 2 * MILIAR + 1, Scale.SMALL),
        (None, 15 * MILIAR, Scale.SMALL),
        (None, 15 * MILIAR + 1, Scale.MEDIUM),
        (None, 50 * MILIAR, Scale.MEDIUM),
        (None, 50 * MILIAR + 1, Scale.LARGE),
        (9 * MILIAR, 1 * MILIAR, Scale.MICRO),  # turnover wins over capital
        # ...otherwise by capital excluding land and buildings.
        (1 * MILIAR, None, Scale.MICRO),
        (1 * MILIAR + 1, None, Scale.SMALL),
        (5 * MILIAR, None, Scale.SMALL),
        (5 * MILIAR + 1, None, Scale.MEDIUM),
        (10 * MILIAR, None, Scale.MEDIUM),
        (10 * MILIAR + 1, None, Scale.LARGE),
        (None, None, ""),
    ],
)
def test_scale_is_derived_by_the_database(reference_data, capital, turnover, scale):
    enterprise = EnterpriseFactory(business_capital=capital, annual_turnover=turnover)
    enterprise.refresh_from_db()
    assert enterprise.scale == scale
    # Filterable, because the database stores it.
    assert Enterprise.objects.filter(scale=scale, pk=enterprise.pk).exists()


def test_scale_follows_a_changed_turnover(reference_data):
    enterprise = EnterpriseFactory(annual_turnover=1 * MILIAR)
    Enterprise.objects.filter(pk=enterprise.pk).update(annual_turnover=20 * MILIAR)
    enterprise.refresh_from_db()
    assert enterprise.scale == Scale.MEDIUM


@pytest.mark.parametrize(
    ("factory", "field", "message"),
    [
        (EnterpriseFactory, "nib", "NIB ini sudah terdaftar untuk usaha lain."),
        (PersonFactory, "nik", "NIK ini sudah terdaftar untuk orang lain."),
        (CooperativeFactory, "number", "Nomor Induk Koperasi ini sudah terdaftar."),
    ],
)
def test_duplicate_identifiers_are_refused_by_the_database_and_explained(
    reference_data, factory, field, message
):
    first = factory()
    second = factory.build(**{field: getattr(first, field)})
    if hasattr(second, "owner_id") and second.owner_id is None:
        second.owner = PersonFactory()
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert error.value.message_dict[field] == [message]
    with pytest.raises(IntegrityError), transaction.atomic():
        type(second).objects.bulk_create([second])


def test_blank_identifiers_do_not_collide(reference_data):
    for _ in range(2):
        person = PersonFactory.build(nik="")
        person.full_clean()
        person.save()
    assert Person.objects.filter(nik__isnull=True).count() == 2


def test_gender_must_match_the_nik(reference_data):
    person = PersonFactory.build(nik="1871015205850002", gender=Gender.MALE)
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "Jenis kelamin tidak sesuai dengan NIK" in error.value.message_dict["gender"][0]
    person.gender = Gender.FEMALE
    person.full_clean()


@time_machine.travel(datetime.date(2026, 11, 27))
def test_a_cooperative_is_active_with_a_rat_inside_the_window(reference_data, settings):
    recent = CooperativeFactory(last_rat_on=datetime.date(2023, 11, 27))
    stale = CooperativeFactory(last_rat_on=datetime.date(2023, 11, 26))
    never = CooperativeFactory(last_rat_on=None)
    assert (recent.is_active, stale.is_active, never.is_active) == (True, False, False)
    assert set(Cooperative.objects.active()) == {recent}
    annotated = {c.pk: c.is_active_now for c in Cooperative.objects.with_is_active()}
    assert annotated == {recent.pk: True, stale.pk: False, never.pk: False}

    settings.COOPERATIVE_ACTIVE_RAT_YEARS = 1
    assert not recent.is_active
    assert not Cooperative.objects.active().exists()


@time_machine.travel(datetime.date(2028, 2, 29))
def test_rat_window_from_a_leap_day(reference_data):
    coop = CooperativeFactory.build(last_rat_on=datetime.date(2025, 2, 28))
    assert coop.is_active


def test_rat_date_cannot_be_in_the_future(reference_data):
    coop = CooperativeFactory.build(last_rat_on=datetime.date.today() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        coop.full_clean()
    assert "last_rat_on" in error.value.message_dict
