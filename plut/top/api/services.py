"""Writes for API tokens and import jobs."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clinics.models import Centre
from cooperatives.services.imports import ImportFileError, import_clients, read_table
from plut.foundation.accounts import two_factor
from plut.foundation.accounts.models import User
from plut.foundation.core.translation import every_language
from plut.top.api.models import (
    TOKEN_PREFIX,
    ApiToken,
    ImportJob,
    ImportStatus,
    owner_state,
    token_hash,
)

MAX_TOKENS_PER_USER = 20


def token_create(
    *,
    owner: User,
    name: str,
    expires_at: datetime.datetime | None = None,
    otp_code: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``owner``; returns it with the full secret, which is shown once and
    never stored (only its SHA-256 is).

    A token outlives the session that made it, so making one asks for the second factor
    again: an owner with an authenticator app gives a current code (``otp_code``), and a
    role that must use two-factor gets no token before setting it up. The token keeps the
    owner's security state (``owner_state``) and works only while it is unchanged.
    """
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Tanggal kedaluwarsa harus di masa depan.")})
    has_authenticator = two_factor.has_authenticator(owner)
    if two_factor.two_factor_required(owner) and not has_authenticator:
        raise ValidationError(
            _("Peran Anda wajib memakai verifikasi dua langkah: pasang dulu, lalu buat token.")
        )
    if ApiToken.objects.usable().filter(owner=owner).count() >= MAX_TOKENS_PER_USER:
        raise ValidationError(
            _("Anda sudah memiliki %(max)s token aktif; cabut salah satunya dulu.")
            % {"max": MAX_TOKENS_PER_USER}
        )
    # Checked last, as a right code is spent (django-otp refuses it a second time), and
    # outside a transaction, so django-otp's count of wrong codes is kept.
    if has_authenticator and not two_factor.authenticator_code_check(
        user=owner, code=otp_code or ""
    ):
        raise ValidationError(
            {"otp_code": _("Kode salah atau sudah kedaluwarsa. Coba kode terbaru.")}
        )
    prefix, secret = ApiToken.new_parts()
    token = ApiToken(
        owner=owner,
        name=name.strip(),
        prefix=prefix,
        secret_hash=token_hash(secret),
        expires_at=expires_at,
        owner_state=owner_state(owner),
    )
    token.full_clean()
    token.save()
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke one of ``by``'s own tokens (at once; a revoked token never works again)."""
    if token.owner_id != by.pk:
        raise ValidationError(_("Token ini bukan milik Anda."))
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


# --- Imports ---------------------------------------------------------------------------------


def import_payload_check(*, size: int) -> None:
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("Berkas terlalu besar (maksimum %(mb)s MB).")
            % {"mb": max(1, settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024))}
        )


# A running job shows a sign of life (heartbeat_at) at least every BATCH rows it validates,
# about a second apart; its writes, one transaction, take under two minutes at the
# IMPORT_MAX_ROWS limit. A sign older than this means its worker died (or its task was lost):
# the sweep queues it again, and the next run may take over its claim.
STALE_CLAIM = datetime.timedelta(minutes=10)
# Runs a job may start. A run killed mid-way wrote nothing (the writes are one transaction)
# and a re-run matches what is stored (cooperatives/services/imports.py), so resuming is safe; but a
# file that kills its worker every time (memory) must end as a failure someone sees.
MAX_ATTEMPTS = 3
# The upload holds NIKs and phone numbers: deleted as soon as the job ends, and by the sweep
# from every job, ended or not, once it is this old.
PAYLOAD_RETENTION = datetime.timedelta(hours=24)


def import_job_create(
    *, user: User, centre: Centre, kind: str, mode: str, filename: str, data: bytes
) -> ImportJob:
    """Check the file, then import it now (small files) or queue it (large ones).

    The whole file is read here, once, so an unreadable file or a missing column is an
    immediate error, never a job that fails later.
    """
    try:
        import_payload_check(size=len(data))
        table = read_table(data, kind)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    except ImportFileError as error:
        raise ValidationError({"file": str(error)}) from error
    background = len(table) > settings.IMPORT_BACKGROUND_ROWS
    job = ImportJob(
        created_by=user,
        centre=centre,
        kind=kind,
        mode=mode,
        filename=filename[:200],
        payload=data,
        total_rows=len(table),
        # A small file runs now, in this request: claimed as a worker would claim it, so a
        # request killed mid-way leaves a job the sweep resumes.
        status=ImportStatus.PENDING if background else ImportStatus.RUNNING,
        attempts=0 if background else 1,
        heartbeat_at=timezone.now(),
    )
    job.full_clean(exclude=["payload"])
    job.save()
    if background:
        _queue(job.pk)
    else:
        _run(job, table)
    return job


def _queue(job_id: int) -> None:
    from plut.top.api.tasks import import_run

    transaction.on_commit(lambda: import_run.delay(job_id))


def _progress_saver(job: ImportJob):
    def save(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, heartbeat_at=timezone.now())

    return save


def _run(job: ImportJob, table: list) -> None:
    result = import_clients(
        centre=job.centre,
        kind=job.kind,
        table=table,
        mode=job.mode,
        progress=_progress_saver(job),
        actor=job.created_by,
    )
    job.processed_rows = result.total
    job.created_count, job.updated_count = result.created, result.updated
    job.unchanged_count = result.unchanged
    job.errors = [error.as_dict() for error in result.errors]
    job.status = ImportStatus.DONE if result.applied else ImportStatus.FAILED
    # Replaces what an earlier, interrupted run said.
    job.message = {}
    if not result.applied:
        job.message = every_language(
            gettext_noop("Tidak ada yang diimpor: %(rows)s baris tidak valid."),
            rows=result.invalid_rows,
        )
    elif result.errors:
        job.message = every_language(
            gettext_noop("%(rows)s baris tidak valid dilewati."), rows=result.invalid_rows
        )
    # The file holds personal data; once imported it is no longer needed.
    job.payload = b""
    job.finished_at = timezone.now()
    job.save()


def _claim(job_id: int) -> bool:
    """Take the job for this run: one conditional update, so two runs never both import it.
    A job whose worker died (no sign of life for STALE_CLAIM) may be taken over."""
    now = timezone.now()
    return bool(
        ImportJob.objects.filter(
            Q(status=ImportStatus.PENDING)
            | Q(status=ImportStatus.RUNNING, heartbeat_at__lt=now - STALE_CLAIM),
            pk=job_id,
            attempts__lt=MAX_ATTEMPTS,
        ).update(status=ImportStatus.RUNNING, heartbeat_at=now, attempts=F("attempts") + 1)
    )


def import_job_run(*, job_id: int) -> None:
    """Run a queued job once: a second delivery of the task finds it already taken."""
    if not _claim(job_id):
        return
    job = ImportJob.objects.select_related("centre", "created_by").get(pk=job_id)
    try:
        table = read_table(bytes(job.payload), job.kind)
    except ImportFileError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=error.every_language(),
            payload=b"",
            finished_at=timezone.now(),
        )
        return
    try:
        _run(job, table)
    except Exception:
        # Told on the job at once: otherwise it would look busy until the sweep gave up.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            message=every_language(
                gettext_noop(
                    "Impor gagal karena kesalahan di server. Unggah ulang berkasnya: baris yang "
                    "sudah tersimpan tidak akan digandakan."
                )
            ),
            payload=b"",
            finished_at=timezone.now(),
        )
        raise


def import_jobs_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Reclaim jobs whose worker died or whose task was lost, and delete old uploads.

    - a job without a sign of life for STALE_CLAIM is queued again (``resumed``), or, once it
      has started MAX_ATTEMPTS runs, failed with a message on the job (``failed``);
    - a job still unfinished PAYLOAD_RETENTION after its upload is failed (``expired``), and
      every job's upload is deleted at that age.

    Each change is a conditional update, so two sweeps at once (or one run twice) act once.
    """
    now = now or timezone.now()
    stale, expired = now - STALE_CLAIM, now - PAYLOAD_RETENTION
    unfinished = Q(status__in=[ImportStatus.PENDING, ImportStatus.RUNNING])
    silent = Q(unfinished) & (
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale)
    )
    counts = {
        "expired": _jobs_fail(
            Q(unfinished, created_at__lt=expired),
            now,
            every_language(
                gettext_noop(
                    "Impor dibatalkan: berkas tidak selesai diproses dalam %(hours)s jam, lalu "
                    "dihapus untuk melindungi data pribadi di dalamnya. Unggah ulang berkasnya."
                ),
                hours=int(PAYLOAD_RETENTION.total_seconds() // 3600),
            ),
        ),
        "failed": _jobs_fail(
            Q(silent, attempts__gte=MAX_ATTEMPTS),
            now,
            every_language(
                gettext_noop(
                    "Impor gagal: proses di server berhenti %(attempts)s kali sebelum selesai. "
                    "Bagi berkas menjadi beberapa berkas yang lebih kecil, lalu unggah ulang: "
                    "baris yang sudah tersimpan tidak akan digandakan."
                ),
                attempts=MAX_ATTEMPTS,
            ),
        ),
        "resumed": 0,
    }
    ImportJob.objects.filter(created_at__lt=expired).exclude(payload=b"").update(payload=b"")
    resumable = Q(silent, attempts__lt=MAX_ATTEMPTS)
    for job_id, status in ImportJob.objects.filter(resumable).values_list("pk", "status"):
        changes: dict[str, Any] = {"status": ImportStatus.PENDING, "heartbeat_at": now}
        if status == ImportStatus.RUNNING:
            # A pending job's task was only lost; a running one's worker died, which the
            # uploader is told until the next run ends.
            changes["message"] = every_language(
                gettext_noop("Proses impor terhenti sebelum selesai; impor dilanjutkan otomatis.")
            )
        if ImportJob.objects.filter(resumable, pk=job_id).update(**changes):
            _queue(job_id)
            counts["resumed"] += 1
    return counts


def _jobs_fail(condition: Q, now: datetime.datetime, message: dict[str, str]) -> int:
    """Fail the jobs that meet ``condition`` and delete their uploads."""
    return ImportJob.objects.filter(condition).update(
        status=ImportStatus.FAILED, message=message, payload=b"", finished_at=now
    )
