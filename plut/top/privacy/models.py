"""Owners' requests to erase their personal data (UU 27/2022). The other record the law asks
for, who opened a full NIK, is kept beside the person (``cooperatives.NikView``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plut.foundation.core.models import ScopePaths


class ErasureRequest(models.Model):
    """An owner's request to erase their personal data, and its completion.

    A centre manager or an administrator completes it (plut.top.privacy.services): erasure cannot
    be undone, and a person may still have a booking in the coming days or a session the centre
    must report, so a human looks first. The law's 3 x 24 hours is shown on the list.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("diminta")
        COMPLETED = "completed", _("selesai")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("diminta oleh"),
    )
    # The centre that serves the owner (their first person record's), for the manager's list.
    centre = models.ForeignKey(
        "clinics.Centre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("PLUT"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.TextField(_("alasan"), blank=True)
    requested_at = models.DateTimeField(_("diminta pada"), default=timezone.now)
    completed_at = models.DateTimeField(_("selesai pada"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diselesaikan oleh"),
    )
    # What was anonymised (row counts per kind), kept as the record of completion.
    summary = models.JSONField(_("ringkasan"), default=dict, blank=True)

    scope_paths = ScopePaths(province="centre__province", centre="centre", owner="requested_by")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("permintaan penghapusan data")
        verbose_name_plural = _("permintaan penghapusan data")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="requested", completed_at__isnull=True)
                    | models.Q(status="completed", completed_at__isnull=False)
                ),
                name="erasure_completed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"
