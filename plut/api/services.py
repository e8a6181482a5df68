"""Writes for API tokens and import jobs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics.models import Centre
from cooperatives.imports import ImportFileError, import_clients, read_table
from plut.accounts import two_factor
from plut.accounts.models import User
from plut.api.models import (
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
    job = ImportJob(
        created_by=user,
        centre=centre,
        kind=kind,
        mode=mode,
        filename=filename[:200],
        payload=data,
        total_rows=len(table),
    )
    job.full_clean(exclude=["payload"])
    job.save()
    if len(table) > settings.IMPORT_BACKGROUND_ROWS:
        from plut.api.tasks import import_run

        transaction.on_commit(lambda: import_run.delay(job.pk))
    else:
        _run(job, table)
    return job


def _progress_saver(job: ImportJob):
    def save(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

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
    job.errors = [error.as_dict() for error in result.errors]
    job.status = ImportStatus.DONE if result.applied else ImportStatus.FAILED
    if not result.applied:
        job.message = _("Tidak ada yang diimpor: %(rows)s baris tidak valid.") % {
            "rows": result.invalid_rows
        }
    elif result.errors:
        job.message = _("%(rows)s baris tidak valid dilewati.") % {"rows": result.invalid_rows}
    # The file holds personal data; once imported it is no longer needed.
    job.payload = b""
    job.finished_at = timezone.now()
    job.save()


def import_job_run(*, job_id: int) -> None:
    """Run a queued job once: a second delivery of the task finds it already taken."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING
    ):
        return
    job = ImportJob.objects.select_related("centre").get(pk=job_id)
    try:
        table = read_table(bytes(job.payload), job.kind)
    except ImportFileError as error:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, message=str(error), payload=b"", finished_at=timezone.now()
        )
        return
    _run(job, table)
