"""Importing a file again is idempotent: rows with and without NIB, NIK or Nomor Induk
Koperasi find what the first import stored (rows without one by their documented key), a
changed cell updates its record, and the same row twice in one file is reported."""

from __future__ import annotations

from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.services.imports import (
    ALL_OR_NOTHING,
    COLUMNS,
    COOPERATIVES,
    ENTERPRISES,
    VALID_ROWS,
    ImportResult,
    import_clients,
    read_table,
)
from tests.api.test_imports import NIK_FEMALE, as_csv, row
from tests.conftest import World

ENTERPRISE_ROWS = [
    row(nama_usaha="Keripik Barokah", nib="9120000000001", nik_pemilik=NIK_FEMALE),
    row(nama_usaha="Batik Tulis", nib="9120000000002", nama_pemilik="Budi"),
    row(nama_usaha="Kopi Robusta", nama_pemilik="Siti", nik_pemilik="1871011208900002"),
    row(nama_usaha="Warung Sate", nama_pemilik="Ahmad", telepon_pemilik="0812-1111-2222"),
    row(nama_usaha="Tenun Ikat", nama_pemilik="Rina"),
]
NAMES = [values["nama_usaha"] for values in ENTERPRISE_ROWS]


def _import(world: World, rows: list[dict[str, str]], kind: str = ENTERPRISES, **options):
    header = list(COLUMNS[kind])
    table = read_table(as_csv(rows, header), kind)
    options.setdefault("mode", ALL_OR_NOTHING)
    return import_clients(centre=world.a.centre, kind=kind, table=table, **options)


def _counts(result: ImportResult) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


def _stored(world: World) -> list[tuple]:
    return list(
        Enterprise.objects.filter(centre=world.a.centre, name__in=NAMES)
        .order_by("pk")
        .values_list("pk", "name", "nib", "owner_id", "owner__nik", "employees", "updated_at")
    )


def test_importing_the_same_file_twice_yields_the_same_rows(world: World) -> None:
    first = _import(world, ENTERPRISE_ROWS)
    assert _counts(first) == (5, 0, 0)
    stored, people = _stored(world), Person.objects.count()
    again = _import(world, ENTERPRISE_ROWS)
    assert not again.errors, again.errors
    assert _counts(again) == (0, 0, 5)
    # The same records, not even their time stamps moved, and no owner added.
    assert _stored(world) == stored
    assert Person.objects.count() == people


def test_a_changed_cell_in_the_second_run_updates_its_row(world: World) -> None:
    _import(world, ENTERPRISE_ROWS)
    changed = [dict(values) for values in ENTERPRISE_ROWS]
    changed[3] |= {"jumlah_tenaga_kerja": "9", "telepon_pemilik": "0813-3333-4444"}
    changed[4] |= {"alamat": "Jl. Baru 1"}
    again = _import(world, changed)
    assert _counts(again) == (0, 2, 3)
    sate = Enterprise.objects.select_related("owner").get(name="Warung Sate")
    assert (sate.employees, sate.owner.phone) == (9, "+6281333334444")
    assert Enterprise.objects.get(name="Tenun Ikat").address == "Jl. Baru 1"
    assert Enterprise.objects.filter(name__in=NAMES).count() == 5


def test_the_key_ignores_case_and_surrounding_spaces(world: World) -> None:
    _import(world, [row(nama_usaha="Warung Sate", nama_pemilik="Ahmad")])
    again = _import(world, [row(nama_usaha=" WARUNG sate ", nama_pemilik="ahmad ")])
    assert _counts(again) == (0, 1, 0)  # found, and renamed as the file writes it
    assert Enterprise.objects.get(name__iexact="warung sate").name == "WARUNG sate"


def test_another_owner_or_regency_is_another_business(world: World) -> None:
    _import(world, [row(nama_usaha="Warung Sate", nama_pemilik="Ahmad")])
    again = _import(
        world,
        [
            row(nama_usaha="Warung Sate", nama_pemilik="Budi"),
            row(nama_usaha="Warung Sate", nama_pemilik="Ahmad", kode_kabupaten="18.01"),
        ],
    )
    assert _counts(again) == (2, 0, 0)


def test_a_nib_or_nik_added_later_goes_to_the_record_found_by_key(world: World) -> None:
    _import(world, [row(nama_usaha="Warung Sate", nama_pemilik="Siti")])
    again = _import(
        world,
        [
            row(
                nama_usaha="Warung Sate",
                nama_pemilik="Siti",
                nib="9120000000007",
                nik_pemilik=NIK_FEMALE,
            )
        ],
    )
    assert _counts(again) == (0, 1, 0)
    business = Enterprise.objects.select_related("owner").get(name="Warung Sate")
    assert (business.nib, business.owner.nik) == ("9120000000007", NIK_FEMALE)
    assert Person.objects.filter(full_name="Siti").count() == 1


def test_a_business_with_another_nib_is_not_taken_by_key(world: World) -> None:
    _import(world, [row(nama_usaha="Warung Sate", nib="9120000000007")])
    again = _import(world, [row(nama_usaha="Warung Sate", nib="9120000000008")])
    assert _counts(again) == (1, 0, 0)


def test_the_same_business_twice_in_one_file_is_reported(world: World) -> None:
    rows = [row(nama_usaha="Warung Sate"), row(nama_usaha="warung sate", alamat="Jl. Lain")]
    result = _import(world, rows, mode=VALID_ROWS)
    assert [(error.row, error.field) for error in result.errors] == [(3, "nama_usaha")]
    assert "baris 2" in result.errors[0].message
    assert result.created == 1


# --- Cooperatives -----------------------------------------------------------------------------


def _cooperative(**values: str) -> dict[str, str]:
    return {
        "nama_koperasi": "Kop Tani Makmur",
        "nomor_induk_koperasi": "",
        "nomor_badan_hukum": "",
        "jenis": "produsen",
        "kode_kabupaten": "18.71",
        "jumlah_anggota": "120",
    } | values


COOPERATIVE_ROWS = [
    _cooperative(nomor_induk_koperasi="1871010000000001", nama_koperasi="Kop Nomor"),
    _cooperative(nama_koperasi="Kop Badan Hukum", nomor_badan_hukum="AHU-0001234.AH.01.26.2020"),
    _cooperative(nama_koperasi="Kop Tanpa Nomor"),
]


def test_cooperatives_imported_twice_are_not_duplicated(world: World) -> None:
    assert _counts(_import(world, COOPERATIVE_ROWS, kind=COOPERATIVES)) == (3, 0, 0)
    changed = [dict(values) for values in COOPERATIVE_ROWS]
    changed[2]["jumlah_anggota"] = "150"
    again = _import(world, changed, kind=COOPERATIVES)
    assert _counts(again) == (0, 1, 2)
    assert Cooperative.objects.filter(name__startswith="Kop ").count() == 3
    assert Cooperative.objects.get(name="Kop Tanpa Nomor").members == 150


def test_a_renamed_cooperative_is_found_by_its_legal_entity_number(world: World) -> None:
    _import(world, COOPERATIVE_ROWS[1:2], kind=COOPERATIVES)
    renamed = COOPERATIVE_ROWS[1] | {
        "nama_koperasi": "Kop Baru",
        "nomor_badan_hukum": "ahu-0001234.AH.01.26.2020 ",
    }
    again = _import(world, [renamed], kind=COOPERATIVES)
    assert _counts(again) == (0, 1, 0)
    assert (
        Cooperative.objects.get(
            legal_entity_number__iexact=renamed["nomor_badan_hukum"].strip()
        ).name
        == "Kop Baru"
    )


def test_a_cooperative_in_another_regency_is_another(world: World) -> None:
    _import(world, [_cooperative()], kind=COOPERATIVES)
    again = _import(world, [_cooperative(kode_kabupaten="18.01")], kind=COOPERATIVES)
    assert _counts(again) == (1, 0, 0)


def test_a_cooperative_of_another_legal_entity_is_another(world: World) -> None:
    _import(world, [_cooperative(nomor_badan_hukum="AHU-0001234.AH.01.26.2020")], kind=COOPERATIVES)
    again = _import(
        world, [_cooperative(nomor_badan_hukum="AHU-0009999.AH.01.26.2021")], kind=COOPERATIVES
    )
    assert _counts(again) == (1, 0, 0)
