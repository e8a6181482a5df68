"""Bulk import against PostgreSQL COPY: rows per second of ``manage.py import_clients`` (whose
``import_clients`` the API, the staff page and the Celery job share) and of a COPY of the same
rows into the same tables (people, then enterprises). The target: the import at least 25 % of
COPY's rate.

Both run inside a transaction that is rolled back, so the bench database is unchanged and a run
can be repeated (only the id sequences advance). The rows are well-formed, new enterprises of
the bench centre: their NIKs use birth years 00-59 and their NIBs start with 8, which the
generated data (years 60-99, NIBs from 9) never does.

``measure_reimport`` times a first import against importing the same file again and a file
changing every row (the target: each at least half the first import's rate), with the memory
each adds to the process at its peak (the target: not growing with the rows).
"""

from __future__ import annotations

import csv
import io
import random
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from clinics.models import Centre
from cooperatives.models import Enterprise, Person
from cooperatives.services.imports import COLUMNS, ENTERPRISES
from plut.foundation.core.copy import copy_rows
from plut.foundation.core.phone import phone_to_e164
from plut.foundation.regions.models import Regency
from plut.top.bench.data import vacuum_dead_rows

TARGET_RATIO = 0.25
REIMPORT_TARGET = 0.5  # a re-import's rate against the first import's


@dataclass
class ImportBench:
    rows: int
    repeats: int
    import_seconds: float | None = None
    copy_seconds: float | None = None
    error: str = ""

    @property
    def import_rows_per_second(self) -> float | None:
        return self.rows / self.import_seconds if self.import_seconds else None

    @property
    def copy_rows_per_second(self) -> float | None:
        return self.rows / self.copy_seconds if self.copy_seconds else None

    @property
    def ratio(self) -> float | None:
        if self.import_seconds and self.copy_seconds:
            return self.copy_seconds / self.import_seconds
        return None

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "repeats": self.repeats,
            "import_seconds": self.import_seconds,
            "copy_seconds": self.copy_seconds,
            "import_rows_per_second": self.import_rows_per_second,
            "copy_rows_per_second": self.copy_rows_per_second,
            "ratio": self.ratio,
            "target_ratio": TARGET_RATIO,
            "error": self.error,
        }


def _nik(serial: int, regency_code: str, female: bool, rng: random.Random) -> str:
    day = rng.randint(1, 28) + (40 if female else 0)
    number, district = serial % 9999 + 1, (serial // 9999) % 99 + 1
    year = (serial // (9999 * 99)) % 60
    return (
        f"{regency_code.replace('.', '')}{district:02d}{day:02d}{rng.randint(1, 12):02d}"
        f"{year:02d}{number:04d}"
    )


def build_rows(count: int, regency_codes: list[str], seed: int = 8) -> list[dict[str, str]]:
    """``count`` enterprise rows in the import template's columns, as a province's list looks:
    most with NIB and NIK, a phone, some with an email, amounts written the Indonesian way."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        regency = regency_codes[index % len(regency_codes)]
        female = rng.random() < 0.55
        capital = rng.choice([5, 20, 50, 150, 400]) * 1_000_000
        rows.append(
            {
                "nama_usaha": f"Usaha Uji Impor {index + 1}",
                "nib": f"8{index:012d}" if index % 10 else "",
                "kbli": rng.choice(["10794", "47111", "56103", "13134", ""]),
                "kode_kabupaten": regency,
                "alamat": f"Jl. Uji No. {index % 300 + 1}",
                "modal_usaha": f"{capital:,}".replace(",", "."),
                "omzet_tahunan": str(capital * rng.randint(2, 12)),
                "jumlah_tenaga_kerja": str(rng.randint(1, 30)),
                "nama_pemilik": f"Pemilik Uji {index + 1}",
                "nik_pemilik": _nik(index, regency, female, rng) if index % 7 else "",
                "jenis_kelamin": "P" if female else "L",
                "telepon_pemilik": f"0812-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "email_pemilik": f"pemilik{index + 1}@example.com" if index % 3 == 0 else "",
            }
        )
    return rows


def _as_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS[ENTERPRISES]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


class _Rollback(Exception):
    pass


def _timed_and_rolled_back(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    try:
        with transaction.atomic():
            work()
            elapsed = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    return elapsed


def _time_import(rows: list[dict[str, str]], centre: Centre) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "impor.csv"
        path.write_bytes(_as_csv(rows))
        return _timed_and_rolled_back(
            lambda: call_command(
                "import_clients", str(path), centre=centre.pk, stdout=io.StringIO()
            )
        )


def _stored(rows: list[dict[str, str]], centre: Centre) -> list[tuple[tuple, tuple]]:
    """Each row as the import stores it: (person's columns, enterprise's columns), the ids
    left out. Prepared before COPY is timed: a loader's input is already clean."""
    now = timezone.now().isoformat()
    return [
        (
            (
                row["nama_pemilik"],
                row["nik_pemilik"] or None,
                row["jenis_kelamin"],
                phone_to_e164(row["telepon_pemilik"]),
                row["email_pemilik"],
                row["kode_kabupaten"],
                centre.pk,
                now,
                now,
            ),
            (
                row["nama_usaha"],
                row["nib"] or None,
                row["kbli"],
                row["modal_usaha"].replace(".", ""),
                row["omzet_tahunan"],
                row["jumlah_tenaga_kerja"],
                row["kode_kabupaten"],
                row["alamat"],
                centre.pk,
                now,
                now,
            ),
        )
        for row in rows
    ]


def _copy(stored: list[tuple[tuple, tuple]]) -> None:
    """The rows written with COPY, people then enterprises; ids taken from the people's
    sequence first, as a loader that links owners to enterprises must."""
    people, enterprises = Person._meta.db_table, Enterprise._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{people}', 'id')) FROM generate_series(1, %s)",
            [len(stored)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    copy_rows(
        people,
        (
            "id",
            "full_name",
            "nik",
            "gender",
            "phone",
            "email",
            "regency_id",
            "centre_id",
            "created_at",
            "updated_at",
        ),
        ((pk, *person) for pk, (person, _enterprise) in zip(ids, stored, strict=True)),
    )
    copy_rows(
        enterprises,
        (
            "name",
            "nib",
            "kbli",
            "business_capital",
            "annual_turnover",
            "employees",
            "regency_id",
            "address",
            "centre_id",
            "created_at",
            "updated_at",
            "owner_id",
        ),
        ((*enterprise, pk) for pk, (_person, enterprise) in zip(ids, stored, strict=True)),
    )


def measure(
    centre: Centre, count: int, repeats: int = 3, log: Callable[[str], None] = print
) -> ImportBench:
    """Import ``count`` new enterprises into ``centre``, then COPY them, both rolled back, in
    turns ``repeats`` times; the best time of each (the machine's other load only slows)."""
    codes = list(
        Regency.objects.filter(province_id=centre.province_id)
        .order_by("code")
        .values_list("code", flat=True)
    )
    rows = build_rows(count, codes)
    stored = _stored(rows, centre)
    result = ImportBench(rows=count, repeats=repeats)
    try:
        imports, copies = [], []
        for _turn in range(repeats):
            # The last turn's rolled-back rows hold the same NIBs and NIKs: left dead in the
            # indexes, they would slow this turn's look-ups as production never sees.
            vacuum_dead_rows()
            imports.append(_time_import(rows, centre))
            copies.append(_timed_and_rolled_back(lambda: _copy(stored)))
            log(f"import {count:,} rows: {imports[-1]:.2f} s, COPY: {copies[-1]:.2f} s")
        result.import_seconds, result.copy_seconds = min(imports), min(copies)
    except Exception as error:  # a broken import is a result row, not a lost run
        result.error = f"{type(error).__name__}: {error}"[:500]
        log(f"import bench failed: {result.error}")
    return result


def table(result: ImportBench) -> str:
    """The printed "Import" block."""
    if result.error:
        return f"Import ({result.rows:,} enterprise rows): failed: {result.error}"
    ratio = result.ratio or 0
    verdict = "meets" if ratio >= TARGET_RATIO else "below"
    return "\n".join(
        [
            f"Import ({result.rows:,} enterprise rows with owners; best of {result.repeats} runs,"
            " rolled back)",
            f"  import_clients  {result.import_rows_per_second:>12,.0f} rows/s"
            f"  ({result.import_seconds:.2f} s)",
            f"  PostgreSQL COPY {result.copy_rows_per_second:>12,.0f} rows/s"
            f"  ({result.copy_seconds:.2f} s)",
            f"  import / COPY   {ratio:>12.0%}  ({verdict} the {TARGET_RATIO:.0%} target)",
        ]
    )


# --- Importing again ---------------------------------------------------------------------------


@dataclass
class ImportPhase:
    name: str
    seconds: float
    # How far the process's resident memory rose above its level when the phase began.
    peak_added_mb: float | None
    created: int
    updated: int
    unchanged: int


def _rss_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Start the kernel's peak-memory count (VmHWM) again from now; Linux only. ru_maxrss
    cannot be reset, so it is only a fallback for the whole process's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _phase(name: str, rows: list[dict[str, str]], centre: Centre) -> ImportPhase:
    from cooperatives.services.imports import ALL_OR_NOTHING, import_clients, read_table

    table = read_table(_as_csv(rows), ENTERPRISES)
    start_mb = _rss_mb("VmRSS")
    resettable = _reset_peak()
    started = time.perf_counter()
    result = import_clients(centre=centre, kind=ENTERPRISES, table=table, mode=ALL_OR_NOTHING)
    seconds = time.perf_counter() - started
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors[:3]}")
    peak = (
        _rss_mb("VmHWM")
        if resettable
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    added = peak - start_mb if peak is not None and start_mb is not None else None
    return ImportPhase(name, seconds, added, result.created, result.updated, result.unchanged)


def measure_reimport(
    centre: Centre, count: int, log: Callable[[str], None] = print
) -> list[ImportPhase]:
    """Import ``count`` new enterprises, the same file again, then a file changing two cells
    of every row (rows without NIB or NIK found by their key), in one transaction that is
    rolled back."""
    codes = list(
        Regency.objects.filter(province_id=centre.province_id)
        .order_by("code")
        .values_list("code", flat=True)
    )
    rows = build_rows(count, codes)
    changed = [
        row | {"alamat": f"{row['alamat']} (pindah)", "jumlah_tenaga_kerja": "99"} for row in rows
    ]
    phases: list[ImportPhase] = []
    vacuum_dead_rows()
    try:
        with transaction.atomic():
            for name, file_rows in (("first", rows), ("same", rows), ("changed", changed)):
                phases.append(_phase(name, file_rows, centre))
                log(f"import {name} {count:,} rows: {phases[-1].seconds:.2f} s")
            raise _Rollback
    except _Rollback:
        pass
    return phases


def reimport_table(phases: list[ImportPhase]) -> str:
    """The printed "Import again" block."""
    first = phases[0]
    lines = [f"Import again ({first.created:,} enterprise rows, rolled back)"]
    for phase in phases:
        rows = phase.created + phase.updated + phase.unchanged
        ratio = first.seconds / phase.seconds
        memory = f"{phase.peak_added_mb:,.0f} MB" if phase.peak_added_mb is not None else "?"
        lines.append(
            f"  {phase.name:<8} {rows / phase.seconds:>10,.0f} rows/s  ({phase.seconds:.2f} s,"
            f" {ratio:.0%} of the first's rate, peak +{memory};"
            f" {phase.created:,} new, {phase.updated:,} changed, {phase.unchanged:,} unchanged)"
        )
    return "\n".join(lines)
