from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "mentoring"
    verbose_name = _("Pendampingan")

    def ready(self) -> None:
        # The lists' downloads, by name: a worker writing a large one rebuilds it from its name.
        import mentoring.exports  # noqa: F401
        from clinics.signals import staff_member_moving
        from mentoring.receivers import bookings_held_at_the_old_centre

        staff_member_moving.connect(
            bookings_held_at_the_old_centre, dispatch_uid="mentoring:bookings_held"
        )
