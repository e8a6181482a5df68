from django.core.management.base import BaseCommand

from plut.messaging.beat import beat_schedule_sync


class Command(BaseCommand):
    help = "Copy CELERY_BEAT_SCHEDULE into django-celery-beat, keeping entries edited in the admin."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Overwrite entries edited in the admin too."
        )

    def handle(self, *args, **options):
        for name, what in beat_schedule_sync(force=options["force"]).items():
            self.stdout.write(f"{name}: {what}")
