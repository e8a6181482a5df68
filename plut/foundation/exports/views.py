"""A list's download button (``list_download``, called by each list's export view), and the
pages of the downloads written in the background: the user's own, nobody else's."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from plut.foundation.accounts.decorators import (
    STAFF_ROLES,
    AuthenticatedHttpRequest,
    role_required,
)
from plut.foundation.core.exports import (
    EXPORT_FORMATS,
    XLSX_CONTENT_TYPE,
    export_response,
    filters_refused,
)
from plut.foundation.exports.models import UNFINISHED, ExportJob, ExportStatus
from plut.foundation.exports.registry import ListExport
from plut.foundation.exports.services import (
    EXPORT_CHUNK,
    export_is_short,
    export_job_request,
    export_objects,
)

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}
# How many of a user's downloads their page lists (the rest have expired long ago).
LISTED = 30


def list_download(
    request: AuthenticatedHttpRequest, export: ListExport, fmt: str
) -> HttpResponseBase:
    """The list as shown (scope, filters, order) as a file: at once when it is short enough to
    be sent within one request, else a job, whose page the browser is sent to."""
    if fmt not in EXPORT_FORMATS:
        raise Http404
    filterset, objects = export_objects(export, request.user, request.GET)
    if not filterset.is_valid():
        return filters_refused(filterset.form)
    if export_is_short(objects):
        return export_response(
            rows=export.rows(objects.iterator(chunk_size=EXPORT_CHUNK)),
            headers=export.headers,
            filename=export.filename,
            fmt=fmt,
        )
    job = export_job_request(
        user=request.user,
        export=export,
        fmt=fmt,
        params=request.GET.urlencode(),
    )
    return redirect("exports:job", job.pk)


def _own_job(request: AuthenticatedHttpRequest, pk: int) -> ExportJob:
    # A download holds what its requester's scope showed them: theirs alone, so another user
    # (even of the same scope) gets the same 404 as for a job that does not exist.
    return get_object_or_404(ExportJob, pk=pk, user=request.user)


@require_safe
@role_required(*STAFF_ROLES)
def job_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    jobs = ExportJob.objects.filter(user=request.user)[:LISTED]
    return render(request, "exports/job_list.html", {"jobs": jobs, "zone": settings.TIME_ZONE})


@require_safe
@role_required(*STAFF_ROLES)
def job_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The job's progress; while it runs, htmx asks again for the status part alone."""
    job = _own_job(request, pk)
    # Times in the portal's zone, labelled (a staff user's centre lies in the layer above).
    context = {"job": job, "unfinished": job.status in UNFINISHED, "zone": settings.TIME_ZONE}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "exports/_job_status.html", context)
    return render(request, "exports/job_detail.html", context)


@require_safe
@role_required(*STAFF_ROLES)
def job_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The finished file, audited. Behind the production proxy the proxy sends it
    (EXPORT_SENT_BY_PROXY, X-Accel-Redirect): 150 MB to a phone take longer than a gunicorn
    worker may hold a request."""
    job = _own_job(request, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    LogEntry.objects.log_create(
        job,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=request.user,
        changes={},
        additional_data={"export": job.export, "params": job.params, "rows": job.total_rows},
    )
    if settings.EXPORT_SENT_BY_PROXY:
        response = HttpResponse(content_type=CONTENT_TYPES[job.fmt])
        response["X-Accel-Redirect"] = f"/{job.file.name}"
        response["Content-Disposition"] = content_disposition_header(True, job.filename)
        return response
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES[job.fmt],
    )
