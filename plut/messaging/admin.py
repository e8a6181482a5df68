from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from plut.core.admin import ScopedAdmin
from plut.messaging.models import Message


@admin.register(Message)
class MessageAdmin(ScopedAdmin):
    """Read-only: rows change only through the outbox services (claims, retries)."""

    list_display = [
        "key",
        "kind",
        "channel",
        "masked_recipient",
        "status",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["centre"]
    search_fields = ["key"]
    date_hierarchy = "created_at"
    # The full phone number stays out of the admin: the masked one identifies the row.
    exclude = ["recipient", "body", "html_body", "attachments"]
    readonly_fields = [
        "key",
        "kind",
        "channel",
        "masked_recipient",
        "language",
        "subject",
        "status",
        "attempts",
        "last_error",
        "queued_at",
        "claimed_until",
        "next_attempt_at",
        "sent_at",
        "provider_id",
        "centre",
        "booking",
        "session",
    ]

    @admin.display(description=_("penerima"))
    def masked_recipient(self, obj: Message) -> str:
        return obj.recipient_masked

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
