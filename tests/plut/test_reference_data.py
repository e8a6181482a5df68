from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from clinics.models import Centre, ServiceArea
from clinics.services.centres import centres_load, service_areas_load
from plut.foundation.core.dates import TimeZone
from plut.foundation.core.reference import LoadResult
from plut.foundation.regions.models import Province, Regency
from plut.foundation.regions.services import regions_load

pytestmark = pytest.mark.django_db


def test_reference_counts_are_the_published_ones(reference_data):
    assert Province.objects.count() == 38
    assert Regency.objects.count() == 514
    assert ServiceArea.objects.count() == 6
    # 72 centres named in sources; 3 of them shown only as funded or planned (SOURCES.md).
    assert Centre.objects.count() == 72
    assert set(Centre.objects.filter(is_active=False).values_list("name", flat=True)) == {
        "PLUT KUMKM Kabupaten Minahasa Selatan",
        "PLUT KUMKM Kabupaten Mamuju Tengah",
        "PLUT KUMKM Kabupaten Kepulauan Anambas",
    }


def test_contact_details_come_with_their_source(reference_data):
    padang = Centre.objects.get(name="PLUT KUMKM Provinsi Sumatera Barat")
    assert (padang.phone, padang.email) == ("+6282140006621", "plutsumbar@gmail.com")
    assert padang.address.startswith("Jl. Hiu No. 3, Transito")
    # The row's own source, then where its contact details were read.
    sources = padang.source_url.split(" ; ")
    assert sources[0].startswith("https://bisniskumkm.com/") and len(sources) > 1
    assert Centre.objects.exclude(address="").count() == 22


def test_a_reload_fills_empty_contacts_and_keeps_what_a_manager_wrote(reference_data):
    padang = Centre.objects.get(name="PLUT KUMKM Provinsi Sumatera Barat")
    batam = Centre.objects.get(name="PLUT KUMKM Kota Batam")
    Centre.objects.filter(pk=padang.pk).update(phone="+6275112345", email="")
    Centre.objects.filter(pk=batam.pk).update(address="")
    Centre.objects.filter(name="PLUT KUMKM Kabupaten Mamuju Tengah").update(is_active=True)
    assert centres_load() == LoadResult(0, 2)
    padang.refresh_from_db()
    batam.refresh_from_db()
    assert (padang.phone, padang.email) == ("+6275112345", "plutsumbar@gmail.com")
    assert batam.address == "Kawasan Golden City, Bengkong"
    # An administrator confirmed it opened: a reload does not take that back.
    assert Centre.objects.get(name="PLUT KUMKM Kabupaten Mamuju Tengah").is_active


def test_loading_twice_changes_nothing(reference_data):
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    assert out.getvalue().splitlines() == [
        "regions: 0 created, 0 updated",
        "service areas: 0 created, 0 updated",
        "centres: 0 created, 0 updated",
    ]


def test_a_changed_row_is_restored_and_counted(reference_data):
    Province.objects.filter(code="18").update(name="Lampoeng")
    assert regions_load().updated == 1
    assert Province.objects.get(code="18").name == "Lampung"


@pytest.mark.parametrize(
    ("code", "zone", "label"),
    [
        ("18", TimeZone.WIB, "WIB"),
        ("73", TimeZone.WITA, "WITA"),
        ("91", TimeZone.WIT, "WIT"),
        ("96", TimeZone.WIT, "WIT"),
        ("51", TimeZone.WITA, "WITA"),
        ("61", TimeZone.WIB, "WIB"),
    ],
)
def test_each_province_has_its_time_zone(reference_data, code, zone, label):
    province = Province.objects.get(code=code)
    assert province.timezone == zone
    assert province.timezone_label == label


def test_regencies_belong_to_their_province(reference_data):
    city = Regency.objects.get(code="18.71")
    assert city.name == "Kota Bandar Lampung"
    assert city.province_id == "18"
    assert city.is_city
    assert Regency.objects.filter(province_id="35").count() == 38


def test_centres_take_time_zone_from_their_province(reference_data):
    lampung = Centre.objects.get(name="PLUT KUMKM Provinsi Lampung")
    assert (lampung.level, lampung.city, lampung.timezone_label) == (
        "province",
        "Bandar Lampung",
        "WIB",
    )
    biak = Centre.objects.get(name="PLUT KUMKM Kabupaten Biak Numfor")
    assert (biak.regency_id, biak.timezone, biak.timezone_label) == (
        "91.06",
        "Asia/Jayapura",
        "WIT",
    )
    assert lampung.service_areas.count() == 6


def test_a_seventh_area_and_a_new_centre_are_data_not_code(reference_data):
    network = ServiceArea.objects.create(
        code="network", name_id="Pengembangan Jaringan Kerja Sama", name_en="Network development"
    )
    centre = Centre.objects.get(name="PLUT KUMKM Provinsi Lampung")
    centre.service_areas.add(network)
    Centre.objects.create(
        name="PLUT KUMKM Kota Palopo", level="regency", province_id="73", regency_id="73.73"
    )
    # Reloading the seed neither removes the new area nor undoes the administrator's choices.
    service_areas_load()
    centres_load()
    assert ServiceArea.objects.count() == 7
    assert centre.service_areas.filter(code="network").exists()
    assert Centre.objects.count() == 73


def test_area_names_follow_the_active_language(reference_data):
    from django.utils import translation

    area = ServiceArea.objects.get(code="financing")
    with translation.override("id"):
        assert area.name == "Akses Pembiayaan"
    with translation.override("en"):
        assert area.name == "Access to financing"


def test_data_ships_with_its_licence_notice():
    from plut.foundation.core.reference import REFERENCE_DIR

    notice = (REFERENCE_DIR / "NOTICE").read_text()
    assert "Copyright (c) 2017 Cahya DSN" in notice
    assert (REFERENCE_DIR / "SOURCES.md").exists()
