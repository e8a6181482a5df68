"""The indexes of the workspace's follow-up and booking lists (docs/performance.md, session
14: the workspace), built CONCURRENTLY on PostgreSQL: half a million follow-ups and a million
bookings at national scale, which go on being written meanwhile."""

from django.db import migrations, models

from plut.foundation.core.indexes import AddIndexConcurrently


ACTIVE = ("requested", "confirmed")  # mentoring.models.ACTIVE_BOOKING_STATUSES
# A request to act on, or an active booking nobody holds (mentoring.models.BOOKING_NEEDS_ACTION).
NEEDS_ACTION = models.Q(status="requested") | models.Q(consultant__isnull=True, status__in=ACTIVE)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("mentoring", "0017_follow_up_centre"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="followup",
            index=models.Index(fields=["centre", "due_on", "id"], name="follow_up_centre_due"),
        ),
        AddIndexConcurrently(
            model_name="followup",
            index=models.Index(fields=["due_on", "id"], name="follow_up_due"),
        ),
        AddIndexConcurrently(
            model_name="booking",
            index=models.Index(fields=["starts_at", "id"], name="booking_starts"),
        ),
        AddIndexConcurrently(
            model_name="booking",
            index=models.Index(
                condition=models.Q(status__in=ACTIVE),
                fields=["starts_at", "id"],
                name="booking_active",
            ),
        ),
        AddIndexConcurrently(
            model_name="booking",
            index=models.Index(
                condition=NEEDS_ACTION, fields=["starts_at", "id"], name="booking_needs_action"
            ),
        ),
        AddIndexConcurrently(
            model_name="booking",
            index=models.Index(
                condition=NEEDS_ACTION,
                fields=["centre", "starts_at", "id"],
                name="booking_centre_needs_action",
            ),
        ),
    ]
