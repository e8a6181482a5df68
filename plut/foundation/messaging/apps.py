from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_beat_schedule(**kwargs: object) -> None:
    from plut.foundation.messaging.beat import beat_schedule_sync

    beat_schedule_sync()


class MessagingConfig(AppConfig):
    name = "plut.foundation.messaging"
    label = "messaging"
    verbose_name = _("Pesan keluar")

    def ready(self) -> None:
        # After every migrate, so a fresh install (and `make run`) has the periodic tasks.
        post_migrate.connect(_sync_beat_schedule, sender=self, dispatch_uid="beat-schedule-sync")
