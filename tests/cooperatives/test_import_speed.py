"""The bulk import at scale: a fixed number of queries whatever the file's length, values that
survive the fast write path, and an audit entry for every record it changes."""

from __future__ import annotations

import csv
import io

import pytest
from auditlog.models import LogEntry
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cooperatives.models import Enterprise, Person
from cooperatives.services.imports import (
    ALL_OR_NOTHING,
    COLUMNS,
    ENTERPRISES,
    VALID_ROWS,
    import_clients,
    read_table,
)
from plut.top.bench import imports as import_bench
from tests.conftest import World
from tests.factories.cooperatives import EnterpriseFactory


def _nik(n: int) -> str:
    return f"187101450790{n:04d}"  # a woman born 05-07-1990 in Bandar Lampung, serial n


def _nib(n: int) -> str:
    return f"91200001{n:05d}"


def _row(n: int, **values: str) -> dict[str, str]:
    return {
        "nama_usaha": f"Usaha {n}",
        "nib": _nib(n),
        "kbli": "10794",
        "kode_kabupaten": "18.71",
        "alamat": f"Jl. Uji {n}",
        "modal_usaha": "Rp 25.000.000",
        "omzet_tahunan": "300000000",
        "jumlah_tenaga_kerja": "3",
        "nama_pemilik": f"Pemilik {n}",
        "nik_pemilik": _nik(n),
        "jenis_kelamin": "P",
        "telepon_pemilik": f"0812-3456-{n:04d}",
        "email_pemilik": f"pemilik{n}@example.com",
    } | values


def _table(rows: list[dict[str, str]]) -> list:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS[ENTERPRISES]))
    writer.writeheader()
    writer.writerows(rows)
    return read_table(out.getvalue().encode(), ENTERPRISES)


def _queries_of_import(world: World, first: int, count: int) -> int:
    """Queries of importing ``count`` rows, the first half already registered (updated by NIB,
    their owners by NIK), the rest new."""
    for n in range(first, first + count // 2):
        EnterpriseFactory(centre=world.a.centre, nib=_nib(n), owner__nik=_nik(n))
    table = _table([_row(n) for n in range(first, first + count)])
    with CaptureQueriesContext(connection) as queries:
        result = import_clients(
            centre=world.a.centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING
        )
    assert not result.errors, result.errors[:3]
    assert (result.created, result.updated) == (count - count // 2, count // 2)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(world: World) -> None:
    small = _queries_of_import(world, 1, 10)
    large = _queries_of_import(world, 1000, 200)
    # PostgreSQL: the same queries. SQLite splits an INSERT at 999 parameters (about 70
    # rows of these tables), hence a few more statements for 200 rows than for 10.
    allowance = 0 if connection.vendor == "postgresql" else 8
    assert small <= large <= small + allowance, (small, large)
    assert large < 40


def test_values_survive_the_bulk_write(world: World) -> None:
    address = "Jl. Kenanga\nBlok\tC \\ 5, \\N"
    table = _table([_row(1, alamat=address, email_pemilik=""), _row(2, nik_pemilik="")])
    result = import_clients(
        centre=world.a.centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING
    )
    assert (result.created, result.updated) == (2, 0)
    first = Enterprise.objects.select_related("owner").get(nib=_nib(1))
    assert first.address == address
    assert (first.business_capital, first.scale, first.centre) == (
        25_000_000,
        "micro",
        world.a.centre,
    )
    assert (first.owner.nik, first.owner.phone, first.owner.email) == (
        _nik(1),
        "+6281234560001",
        "",
    )
    assert first.created_at is not None and first.updated_at is not None
    second = Enterprise.objects.select_related("owner").get(nib=_nib(2))
    assert second.owner.nik is None  # NULL, not "": the unique NIK allows many without one
    assert second.owner_id != first.owner_id
    # New rows take ids the ORM goes on with.
    assert EnterpriseFactory(centre=world.a.centre).pk > second.pk


def test_a_repeated_cell_is_cleaned_once_and_judged_on_every_row(world: World, monkeypatch) -> None:
    cleaned = []
    clean = forms.IntegerField.clean
    monkeypatch.setattr(
        forms.IntegerField,
        "clean",
        lambda field, value: cleaned.append(value) or clean(field, value),
    )
    table = _table(
        [
            _row(1, kode_kabupaten="99.99", modal_usaha="Rp 1.500.000"),
            _row(2, kode_kabupaten="99.99", modal_usaha="Rp 1.500.000"),
            _row(3, modal_usaha="Rp 1.500.000"),
            _row(4, jumlah_tenaga_kerja="-1"),
            _row(5, jumlah_tenaga_kerja="-1"),
        ]
    )
    result = import_clients(centre=world.a.centre, kind=ENTERPRISES, table=table, mode=VALID_ROWS)

    # Three amount and count columns, five rows: each distinct text cleaned once.
    assert sorted(cleaned) == sorted(["1500000", "25000000", "300000000", "3", "-1"])
    assert [(error.row, error.field) for error in result.errors] == [
        (2, "kode_kabupaten"),
        (3, "kode_kabupaten"),
        (5, "jumlah_tenaga_kerja"),
        (6, "jumlah_tenaga_kerja"),
    ]
    assert result.errors[0].message == result.errors[1].message
    assert "99.99" in result.errors[0].message
    assert result.created == 1
    assert Enterprise.objects.get(nib=_nib(3)).business_capital == 1_500_000


def test_changed_records_are_audited_by_the_importer(world: World) -> None:
    known = EnterpriseFactory(centre=world.a.centre, nib=_nib(1), owner__nik=_nik(1), employees=1)
    stamp = known.updated_at
    LogEntry.objects.all().delete()
    table = _table([_row(1, jumlah_tenaga_kerja="9", telepon_pemilik="")])
    result = import_clients(
        centre=world.a.centre,
        kind=ENTERPRISES,
        table=table,
        mode=ALL_OR_NOTHING,
        actor=world.a.manager,
    )
    assert (result.created, result.updated) == (0, 1)
    known.refresh_from_db()
    assert known.employees == 9
    assert known.updated_at > stamp  # integrations sync by it
    entry = LogEntry.objects.get_for_object(known).get()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == world.a.manager
    assert entry.changes["employees"] == ["1", "9"]
    assert entry.changes["name"][1] == "Usaha 1"
    owner_entry = LogEntry.objects.get_for_object(Person.objects.get(nik=_nik(1))).get()
    assert owner_entry.changes["full_name"][1] == "Pemilik 1"
    assert "phone" not in owner_entry.changes  # an empty cell keeps the stored number
    # Importing the same file again changes nothing, not even the time stamp: no entry.
    LogEntry.objects.all().delete()
    stamp = Enterprise.objects.get(pk=known.pk).updated_at
    again = import_clients(
        centre=world.a.centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING
    )
    assert (again.updated, again.unchanged) == (0, 1)
    assert not LogEntry.objects.exists()
    assert Enterprise.objects.get(pk=known.pk).updated_at == stamp


# --- The benchmark (plut/top/bench/imports.py) ----------------------------------------------------


def test_the_benchmark_rows_are_valid_new_clients(world: World) -> None:
    rows = import_bench.build_rows(60, ["18.71", "18.01"])
    table = _table(rows)
    result = import_clients(
        centre=world.a.centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING
    )
    assert not result.errors, result.errors[:3]
    assert (result.created, result.updated) == (60, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL COPY")
def test_the_benchmark_times_import_and_copy_and_leaves_no_rows(world: World) -> None:
    before = (Enterprise.objects.count(), Person.objects.count(), LogEntry.objects.count())
    result = import_bench.measure(world.a.centre, 40, repeats=1, log=lambda line: None)
    assert not result.error, result.error
    assert result.import_rows_per_second > 0 and result.copy_rows_per_second > 0
    assert result.as_dict()["ratio"] == pytest.approx(result.copy_seconds / result.import_seconds)
    assert (Enterprise.objects.count(), Person.objects.count(), LogEntry.objects.count()) == before
    printed = import_bench.table(result)
    assert "import_clients" in printed and "PostgreSQL COPY" in printed and "25%" in printed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench runs on PostgreSQL")
def test_the_reimport_benchmark_finds_every_row_again_and_leaves_no_rows(world: World) -> None:
    before = (Enterprise.objects.count(), Person.objects.count(), LogEntry.objects.count())
    phases = import_bench.measure_reimport(world.a.centre, 40, log=lambda line: None)
    assert [(p.name, p.created, p.updated, p.unchanged) for p in phases] == [
        ("first", 40, 0, 0),
        ("same", 0, 0, 40),
        ("changed", 0, 40, 0),
    ]
    assert (Enterprise.objects.count(), Person.objects.count(), LogEntry.objects.count()) == before
    assert "of the first's rate" in import_bench.reimport_table(phases)
