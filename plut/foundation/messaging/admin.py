from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plut.foundation.accounts.admin import ScopedAdmin
from plut.foundation.messaging.models import Message, OptOut


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
    search_fields = ["key"]
    date_hierarchy = "created_at"
    # The full phone number stays out of the admin: the masked one identifies the row.
    exclude = [
        "recipient",
        "body",
        "html_body",
        "attachments",
        "template_parameters",
        "fallback_email",
        "last_error_texts",
    ]
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
        "template_name",
        "delivery_status",
        "delivery_error",
        "delivery_updated_at",
        "centre_id",
        "province",
        "about",
    ]

    @admin.display(description=_("penerima"))
    def masked_recipient(self, obj: Message) -> str:
        return obj.recipient_masked

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Message | None = None) -> bool:
        return False


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    """National administrators may lift an opt-out an owner asked to undo (untick "berlaku")
    or add one; the number shows masked in the list. Changes are in the audit trail."""

    list_display = ["__str__", "channel", "active", "source", "changed_at"]
    list_filter = ["channel", "active", "source"]
    search_fields = ["phone"]
