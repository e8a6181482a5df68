"""The one door for COPY (plut/foundation/core/copy.py): values in COPY's text format arrive as
written, a failure leaves none of the rows, and the copied table's data version moves (the SQL
watcher of plut/foundation/core/versions.py never sees a COPY)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cooperatives.models import Enterprise, Person
from plut.foundation.core import versions
from plut.foundation.core.copy import copy_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; CI runs these there")


COLUMNS = (
    *("id", "full_name", "nik", "gender", "phone", "email", "centre_id"),
    *("from_public_booking", "created_at", "updated_at"),
)


def _person(pk: int, name: str, *, public: bool = False) -> tuple:
    now = timezone.now()
    return (pk, name, None, "F", "", "", None, public, now, now)


def test_text_with_tabs_line_breaks_and_backslashes_arrives_as_written(world):
    awkward = "Siti\tAminah\\Dewi\r\nbaris kedua"
    copy_rows(Person._meta.db_table, COLUMNS, [_person(900001, awkward, public=True)])
    person = Person.objects.get(pk=900001)
    assert (person.full_name, person.nik, person.from_public_booking) == (awkward, None, True)


def test_a_bad_row_leaves_none_of_them(world):
    rows = [_person(900002, "Ani"), _person(900002, "Ani lagi")]  # the same id twice
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(Person._meta.db_table, COLUMNS, rows)
    assert not Person.objects.filter(pk=900002).exists()


def test_the_copied_tables_data_version_moves(world):
    now = timezone.now()
    dashboards = versions.version("dashboards")  # counts enterprises, not people
    copy_rows(Person._meta.db_table, COLUMNS, [_person(900003, "Budi")])
    assert versions.version("dashboards") == dashboards
    enterprise = {
        "name": "Kopi Budi",
        "kbli": "",
        "address": "",
        "owner_id": 900003,
        "centre_id": world.a.centre.pk,
        "regency_id": world.a.enterprise.regency_id,
        "employees": 1,
        "created_at": now,
        "updated_at": now,
    }
    copy_rows(Enterprise._meta.db_table, list(enterprise), [list(enterprise.values())])
    assert versions.version("dashboards") != dashboards
