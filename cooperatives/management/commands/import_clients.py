"""python manage.py import_clients FILE --centre ID [--kind enterprises|cooperatives]
[--mode all_or_nothing|valid_rows]: the bulk import of the API and the staff page, from a
shell (for a province's first load). Row errors are printed, one per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinics.models import Centre
from cooperatives.services.imports import (
    ALL_OR_NOTHING,
    COLUMNS,
    ENTERPRISES,
    VALID_ROWS,
    ImportFileError,
    import_clients,
    read_table,
)


class Command(BaseCommand):
    help = "Impor UMKM atau koperasi dari berkas CSV/XLSX sesuai templat (docs/api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--centre", type=int, required=True, help="ID PLUT tujuan.")
        parser.add_argument("--kind", choices=list(COLUMNS), default=ENTERPRISES)
        parser.add_argument("--mode", choices=[ALL_OR_NOTHING, VALID_ROWS], default=ALL_OR_NOTHING)

    def handle(self, *args: Any, **options: Any) -> None:
        centre = Centre.objects.filter(pk=options["centre"]).first()
        if centre is None:
            raise CommandError(f"PLUT {options['centre']} tidak ditemukan.")
        try:
            table = read_table(options["file"].read_bytes(), options["kind"])
        except OSError as error:
            raise CommandError(str(error)) from error
        except ImportFileError as error:
            raise CommandError(str(error)) from error

        def progress(done: int) -> None:
            self.stdout.write(f"{done}/{len(table)}")

        result = import_clients(
            centre=centre,
            kind=options["kind"],
            table=table,
            mode=options["mode"],
            progress=progress,
        )
        for error in result.errors:
            self.stdout.write(f"baris {error.row}, {error.field or '-'}: {error.message}")
        if not result.applied:
            raise CommandError(
                f"Tidak ada yang diimpor: {result.invalid_rows} baris tidak valid "
                f"(dari {result.total})."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} baru, {result.updated} diperbarui, "
                f"{result.unchanged} tidak berubah, {result.invalid_rows} baris dilewati."
            )
        )
