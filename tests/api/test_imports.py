"""Bulk import: every bad row reported on its row, nothing half-imported, duplicates updated,
CSV and XLSX by content, the API, the background job, the command and the staff page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.services.imports import (
    ALL_OR_NOTHING,
    COLUMNS,
    COOPERATIVES,
    ENTERPRISES,
    VALID_ROWS,
    import_clients,
    read_table,
)
from plut.top.api.models import ImportJob, ImportStatus
from tests.conftest import World
from tests.factories.cooperatives import EnterpriseFactory

HEADER = list(COLUMNS[ENTERPRISES])
NIK_FEMALE = "1871014507850001"  # born 05-07-1985, a woman (+40)


def row(**values: str) -> dict[str, str]:
    base = {
        "nama_usaha": "Keripik Barokah",
        "nib": "",
        "kbli": "",
        "kode_kabupaten": "18.71",
        "alamat": "",
        "modal_usaha": "",
        "omzet_tahunan": "",
        "jumlah_tenaga_kerja": "2",
        "nama_pemilik": "Siti",
        "nik_pemilik": "",
        "jenis_kelamin": "",
        "telepon_pemilik": "",
        "email_pemilik": "",
    }
    return base | values


def as_csv(rows: list[dict[str, str]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def as_xlsx(rows: list[dict[str, str]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append([values.get(name, "") for name in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BAD_ROWS = [
    # (row values, the column its error names)
    (row(nib="123"), "nib"),
    (row(nik_pemilik="1871019999850001"), "nik_pemilik"),
    (row(telepon_pemilik="12345"), "telepon_pemilik"),
    (row(kode_kabupaten="73.71"), "kode_kabupaten"),  # Makassar: not the centre's province
    (row(jumlah_tenaga_kerja="-3"), "jumlah_tenaga_kerja"),
    (row(omzet_tahunan="banyak"), "omzet_tahunan"),
    (row(nama_usaha=""), "nama_usaha"),
    (row(kbli="12"), "kbli"),
    (row(nik_pemilik=NIK_FEMALE, jenis_kelamin="L"), "jenis_kelamin"),
    (row(email_pemilik="bukan-email"), "email_pemilik"),
]


def _import(world: World, data: bytes, mode: str = ALL_OR_NOTHING, kind: str = ENTERPRISES):
    return import_clients(centre=world.a.centre, kind=kind, table=read_table(data, kind), mode=mode)


def test_a_file_of_bad_rows_imports_nothing_and_reports_every_row(world: World) -> None:
    before = (Enterprise.objects.count(), Person.objects.count())
    good = row(nama_usaha="Usaha Baik", nib="9120000000001")
    rows = [good] + [values for values, _column in BAD_ROWS]
    result = _import(world, as_csv(rows))
    assert not result.applied
    assert (Enterprise.objects.count(), Person.objects.count()) == before
    # The header is row 1, the good row is row 2; bad row i is spreadsheet row i + 3.
    reported = {(error.row, error.field) for error in result.errors}
    for index, (_values, column) in enumerate(BAD_ROWS):
        assert (index + 3, column) in reported, (index + 3, column, result.errors)
    assert result.invalid_rows == len(BAD_ROWS)
    assert all(error.message for error in result.errors)
    # Indonesian, from the shared validators.
    assert any("NIB harus terdiri dari 13 angka" in error.message for error in result.errors)


def test_valid_rows_mode_imports_the_good_rows_only(world: World) -> None:
    rows = [
        row(nama_usaha="Usaha Baik", nib="9120000000001", nik_pemilik=NIK_FEMALE),
        row(nib="123"),
        row(nama_usaha="Usaha Kedua", telepon_pemilik="0812-3456-7890", omzet_tahunan="1.500.000"),
    ]
    result = _import(world, as_csv(rows), mode=VALID_ROWS)
    assert result.applied
    assert (result.created, result.updated, result.invalid_rows) == (2, 0, 1)
    first = Enterprise.objects.get(nib="9120000000001")
    assert first.owner.nik == NIK_FEMALE
    assert first.centre == world.a.centre
    second = Enterprise.objects.get(name="Usaha Kedua")
    assert second.owner.phone == "+6281234567890"
    assert second.annual_turnover == 1_500_000
    assert second.scale == "micro"


def test_duplicates_update_instead_of_duplicating(world: World) -> None:
    known = EnterpriseFactory(centre=world.a.centre, nib="9120000000009", employees=1)
    known.owner.nik = NIK_FEMALE
    known.owner.phone = "+6281234567890"
    known.owner.gender = "P"
    known.owner.save()
    rows = [
        row(nama_usaha="Nama Baru", nib="9120000000009", jumlah_tenaga_kerja="7"),
        # The same owner (by NIK) with a second business: one person, two enterprises.
        row(nama_usaha="Usaha Lain", nama_pemilik="Siti Aminah", nik_pemilik=NIK_FEMALE),
    ]
    count = Enterprise.objects.count()
    result = _import(world, as_csv(rows))
    assert not result.errors, result.errors
    assert (result.created, result.updated) == (1, 1)
    assert Enterprise.objects.count() == count + 1
    known.refresh_from_db()
    assert (known.name, known.employees) == ("Nama Baru", 7)
    other = Enterprise.objects.get(name="Usaha Lain")
    assert other.owner_id == known.owner_id
    owner = Person.objects.get(nik=NIK_FEMALE)
    # Both rows name her (the first through her business): the first row's details win.
    assert owner.full_name == "Siti"
    # An empty cell does not erase what the centre already holds.
    assert owner.phone == "+6281234567890"
    # Importing the same file again finds both rows (the second by its key) and changes nothing.
    again = _import(world, as_csv(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Enterprise.objects.count() == count + 1


def test_identifiers_of_another_centre_are_refused(world: World) -> None:
    world.b.enterprise.nib = "9120000000005"
    world.b.enterprise.save()
    rows = [row(nib="9120000000005"), row(nib="9120000000006"), row(nib="9120000000006")]
    result = _import(world, as_csv(rows), mode=VALID_ROWS)
    messages = {(error.row, error.field): error.message for error in result.errors}
    assert "PLUT lain" in messages[(2, "nib")]
    assert "baris 3" in messages[(4, "nib")]  # the same NIB twice in one file
    assert result.created == 1


def test_cooperatives_import_and_update_by_number(world: World) -> None:
    header = list(COLUMNS[COOPERATIVES])
    rows = [
        {
            "nama_koperasi": "Kop Tani",
            "nomor_induk_koperasi": "1871010000000001",
            "jenis": "produsen",
            "kode_kabupaten": "18.71",
            "jumlah_anggota": "120",
            "tanggal_rat_terakhir": "2026-03-20",
        },
        {
            "nama_koperasi": "Kop Salah",
            "nomor_induk_koperasi": "12",
            "jenis": "bank",
            "kode_kabupaten": "18.71",
            "tanggal_rat_terakhir": "2099-01-01",
        },
    ]
    result = _import(world, as_csv(rows, header), mode=VALID_ROWS, kind=COOPERATIVES)
    columns = {error.field for error in result.errors if error.row == 3}
    assert {"nomor_induk_koperasi", "jenis"} <= columns
    assert result.created == 1
    rows[0]["jumlah_anggota"] = "150"
    again = _import(world, as_csv(rows[:1], header), kind=COOPERATIVES)
    assert (again.created, again.updated) == (0, 1)
    assert Cooperative.objects.get(number="1871010000000001").members == 150
    future = _import(
        world, as_csv([rows[0] | {"tanggal_rat_terakhir": "2099-01-01"}], header), kind=COOPERATIVES
    )
    assert [error.field for error in future.errors] == ["tanggal_rat_terakhir"]


def test_xlsx_and_semicolon_csv_are_read_by_content(world: World) -> None:
    rows = [row(nama_usaha="Dari Excel", nib="9120000000002")]
    assert _import(world, as_xlsx(rows)).created == 1
    rows = [row(nama_usaha="Dari CSV titik koma", nib="9120000000003")]
    assert _import(world, as_csv(rows, delimiter=";")).created == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "CSV (UTF-8) atau XLSX"),
        (b"PK\x03\x04 not really a zip", "tidak dapat dibaca sebagai XLSX"),
        ("nama;alamat\nA;B\n".encode("utf-16"), "CSV (UTF-8) atau XLSX"),
        (b"", "kosong"),
        (b"nama_usaha,nib\nA,1\n", "Kolom wajib tidak ada"),
        (",".join(HEADER).encode() + b"\n", "tidak berisi baris"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(db, data: bytes, message: str) -> None:
    from cooperatives.services.imports import ImportFileError

    with pytest.raises(ImportFileError, match=re.escape(message)):
        read_table(data, ENTERPRISES)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_imports_its_own_example(client, world: World, fmt: str) -> None:
    response = client.get(f"/api/v1/imports/template/enterprises.{fmt}")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        assert [cell.value for cell in sheet[1]] == HEADER
    result = _import(world, data)
    assert result.applied, result.errors
    assert result.created == 1


# --- API, background job, command, page -------------------------------------------------------


def _upload(data: bytes, name: str = "umkm.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_api_import_reports_row_errors(as_user, world: World) -> None:
    client = as_user("manager_a")
    data = as_csv([row(nib="9120000000001"), row(nib="123")])
    response = client.post(
        "/api/v1/imports/",
        {"file": _upload(data), "kind": ENTERPRISES, "mode": ALL_OR_NOTHING},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == ImportStatus.FAILED
    assert job["errors"] == [
        {"row": 3, "field": "nib", "message": "NIB harus terdiri dari 13 angka."}
    ]
    assert not Enterprise.objects.filter(nib="9120000000001").exists()
    # The job is visible to the centre's manager and the province, not to side b.
    assert client.get(f"/api/v1/imports/{job['id']}/").status_code == 200
    assert as_user("officer_a").get(f"/api/v1/imports/{job['id']}/").status_code == 200
    assert as_user("manager_b").get(f"/api/v1/imports/{job['id']}/").status_code == 404
    # The file is not kept once imported (personal data).
    assert bytes(ImportJob.objects.get(pk=job["id"]).payload) == b""


def test_api_refuses_a_file_that_is_not_a_spreadsheet(as_user, world: World) -> None:
    response = as_user("manager_a").post(
        "/api/v1/imports/",
        {"file": _upload(b"\x89PNG\r\n\x1a\n\x00\x00", "umkm.csv"), "kind": ENTERPRISES},
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]
    assert not ImportJob.objects.exists()


def test_api_refuses_a_file_over_the_size_limit(as_user, world: World, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    data = as_csv([row() for _ in range(5)])
    response = as_user("manager_a").post(
        "/api/v1/imports/", {"file": _upload(data), "kind": ENTERPRISES}, format="multipart"
    )
    assert response.status_code == 400
    assert "terlalu besar" in response.json()["error"]["fields"]["file"][0]


def test_large_files_run_in_the_background_with_progress(
    as_user, world: World, settings, django_capture_on_commit_callbacks
) -> None:
    settings.IMPORT_BACKGROUND_ROWS = 3
    settings.CELERY_TASK_ALWAYS_EAGER = True
    data = as_csv([row(nama_usaha=f"Usaha {n}", nib=f"91200000001{n:02d}") for n in range(10)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = as_user("manager_a").post(
            "/api/v1/imports/", {"file": _upload(data), "kind": ENTERPRISES}, format="multipart"
        )
    job = response.json()
    assert job["status"] == ImportStatus.PENDING
    assert (job["total_rows"], job["progress"]) == (10, 0)
    assert len(callbacks) == 1
    callbacks[0]()  # the worker runs the task
    done = as_user("manager_a").get(f"/api/v1/imports/{job['id']}/").json()
    assert (done["status"], done["progress"], done["created_count"]) == (ImportStatus.DONE, 100, 10)
    # A second delivery of the same task does nothing.
    from plut.top.api.services import import_job_run

    import_job_run(job_id=job["id"])
    assert Enterprise.objects.filter(name__startswith="Usaha ").count() == 10


def test_command_imports_and_reports(world: World, tmp_path, capsys) -> None:
    path = tmp_path / "umkm.csv"
    path.write_bytes(as_csv([row(nib="9120000000001"), row(nib="123")]))
    with pytest.raises(CommandError, match="Tidak ada yang diimpor"):
        call_command("import_clients", str(path), "--centre", str(world.a.centre.pk))
    assert "baris 3, nib: NIB harus terdiri dari 13 angka." in capsys.readouterr().out
    out = io.StringIO()
    call_command(
        "import_clients",
        str(path),
        "--centre",
        str(world.a.centre.pk),
        "--mode",
        VALID_ROWS,
        stdout=out,
    )
    assert "1 baru, 0 diperbarui, 0 tidak berubah, 1 baris dilewati." in out.getvalue()


def test_upload_page_for_managers(client, world: World) -> None:
    client.force_login(world.a.consultant)
    assert client.get("/staff/imports/").status_code == 403
    client.force_login(world.a.manager)
    page = client.get("/staff/imports/")
    assert page.status_code == 200
    assert b"/api/v1/imports/template/enterprises.xlsx" in page.content
    response = client.post(
        "/staff/imports/",
        {"file": _upload(as_csv([row(nib="123")])), "kind": ENTERPRISES, "mode": VALID_ROWS},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert b"NIB harus terdiri dari 13 angka." in detail.content
    bad = client.post(
        "/staff/imports/", {"file": _upload(b"\x00\x01"), "kind": ENTERPRISES, "mode": VALID_ROWS}
    )
    assert bad.status_code == 200
    assert "CSV (UTF-8) atau XLSX" in bad.content.decode()


def test_import_writes_in_bulk(world: World, django_assert_max_num_queries) -> None:
    """Not a query per row: 300 rows (new and updated) in a bounded number of queries."""
    EnterpriseFactory(centre=world.a.centre, nib="9120000000300")
    rows = [row(nama_usaha=f"Usaha {n}", nib=f"9120000000{n:03d}") for n in range(1, 301)]
    table = read_table(as_csv(rows), ENTERPRISES)
    # On SQLite inserts are split by its limit on query parameters; still far from 600.
    with django_assert_max_num_queries(40):
        result = import_clients(
            centre=world.a.centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING
        )
    assert (result.created, result.updated) == (299, 1)
