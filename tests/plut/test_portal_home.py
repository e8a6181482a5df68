"""The public home page's directory: the centres the API's filter finds, drawn from the rows
and cards each process keeps (clinics.centre_cache), shown afresh as soon as the centres or
who takes their bookings change."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from clinics.models import Centre, ServiceArea, WorkingHours
from clinics.selectors import centres_public
from tests.factories.clinics import StaffFactory

pytestmark = pytest.mark.django_db
# Committed writes, as in production: what a test's own transaction wrote is never kept.
committed = pytest.mark.django_db(transaction=True)

HOME = reverse("portal:home")
FILTERS = [
    {},
    {"province": "73"},
    {"province": "18", "regency": "18.71"},
    {"regency": "18.71"},
    {"area": "marketing"},
    {"province": "73", "area": "it"},
    # Invalid filters narrow nothing, as the API's FilterSet has it.
    {"province": "99", "area": "marketing"},
    {"province": "73", "regency": "18.71"},
    {"area": "nope"},
    {"utm_source": "poster"},
]


@pytest.fixture(params=[True, False], ids=["kept", "not kept"])
def kept_or_not(request, settings) -> bool:
    settings.CENTRE_CACHE = request.param
    return request.param


@pytest.fixture
def kept(settings) -> None:
    settings.CENTRE_CACHE = True


@pytest.fixture
def bookable(world) -> Centre:
    """Sulawesi Selatan's centre, where a consultant covering every area keeps hours."""
    membership = StaffFactory(centre=world.b.centre)
    WorkingHours.objects.create(
        membership=membership, weekday=0, starts=datetime.time(8), ends=datetime.time(12)
    )
    return world.b.centre


def _listed(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<h2><a href="/pusat/(\d+)/">', body)]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda filters: "&".join(filters) or "none")
def test_it_lists_the_centres_the_apis_filter_finds(client, reference_data, kept_or_not, filters):
    body = client.get(HOME, filters).content.decode()
    assert _listed(body) == [centre.pk for centre in centres_public(filters=filters).qs]
    assert _listed(client.get(HOME, filters).content.decode()) == _listed(body)  # kept, too


def test_it_counts_what_it_lists(client, reference_data):
    body = client.get(HOME, {"province": "73"}).content.decode()
    found = len(_listed(body))
    assert found >= 1
    assert f"{found} PLUT ditemukan." in body
    body = client.get(HOME, {"province": "18", "regency": "18.72"}).content.decode()
    assert "Belum ada PLUT yang cocok dengan saringan ini." in body


@committed
def test_once_kept_it_reads_nothing_however_many_centres(
    client, reference_data, kept, django_assert_num_queries
):
    lampung = Centre.objects.get(province="18", regency=None)
    for filters in ({}, {"province": "73", "area": "marketing"}):
        client.get(HOME, filters)
        with django_assert_num_queries(0):
            assert client.get(HOME, filters).status_code == 200
    Centre.objects.exclude(pk=lampung.pk).update(is_active=False)
    client.get(HOME)
    with django_assert_num_queries(0):
        assert _listed(client.get(HOME).content.decode()) == [lampung.pk]


def test_not_kept_it_reads_the_same_few_queries_however_many_centres(
    client, reference_data, django_assert_num_queries
):
    lampung = Centre.objects.get(province="18", regency=None)
    # The provinces, regencies and areas the filters offer; the centres and their areas;
    # which take bookings.
    assert not django_settings.CENTRE_CACHE
    with django_assert_num_queries(6):
        client.get(HOME)
    Centre.objects.exclude(pk=lampung.pk).update(is_active=False)
    with django_assert_num_queries(6):
        client.get(HOME)


@committed
def test_a_renamed_centre_shows_at_once(client, world, kept):
    assert world.a.centre.name in client.get(HOME).content.decode()
    world.a.centre.name = "PLUT KUMKM Lampung Baru"
    world.a.centre.save()
    assert "PLUT KUMKM Lampung Baru" in client.get(HOME).content.decode()


@committed
def test_a_centre_whose_consultants_stop_keeping_hours_stops_offering_bookings_at_once(
    client, bookable, kept
):
    start = reverse("booking:start", args=[bookable.pk])
    body = client.get(HOME).content.decode()
    assert f'href="{start}"' in body
    assert body.count("Menerima pemesanan daring") == 1
    WorkingHours.objects.all().delete()
    body = client.get(HOME).content.decode()
    assert start not in body
    assert "Menerima pemesanan daring" not in body


@committed
def test_a_centres_new_service_area_shows_at_once(client, world, kept):
    client.get(HOME)
    area = ServiceArea.objects.create(
        code="halal", name_id="Sertifikasi Halal", name_en="Halal certification", order=9
    )
    world.a.centre.service_areas.add(area)
    assert '<span class="tag">Sertifikasi Halal</span>' in client.get(HOME).content.decode()


@committed
def test_each_card_is_in_the_readers_language(client, bookable, kept):
    assert "Pesan konsultasi" in client.get(HOME).content.decode()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(HOME).content.decode()
    assert "Book a consultation" in body
    assert "Pesan konsultasi" not in body


@committed
def test_the_booking_starts_with_the_area_chosen_and_only_then(client, bookable, kept):
    start = reverse("booking:start", args=[bookable.pk])
    assert (
        f'href="{start}?area=marketing"' in client.get(HOME, {"area": "marketing"}).content.decode()
    )
    assert f'href="{start}"' in client.get(HOME).content.decode()
    # With another filter invalid, no area is carried over.
    body = client.get(HOME, {"area": "marketing", "province": "99"}).content.decode()
    assert f'href="{start}"' in body
