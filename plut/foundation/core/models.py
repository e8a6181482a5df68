from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScopePaths(NamedTuple):
    """ORM lookups from a model to its province code, its centre id and its owners' user ids:
    what every scoped model declares as ``scope_paths``, for ``plut.foundation.accounts.scope``.

    ``None`` means no user of that kind sees the model through this path.
    """

    province: str | None
    centre: str | None
    owner: str | None


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """``model``'s own field ``name`` (not a reverse relation), for code that reads its column,
    attname or messages."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a reverse relation, not a field")
    return field


class TimestampedModel(models.Model):
    """Creation and change times; ``updated_at`` is indexed so integrations can sync by it."""

    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the beat's heartbeat task; read by /healthz."""

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("detak pekerja latar")
        verbose_name_plural = _("detak pekerja latar")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
