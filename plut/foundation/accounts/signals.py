"""What an account's change means to the apps above, without accounts importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``user`` and the ``email`` they have just proven, inside the verification's
# transaction. Each receiver links the owner's past records found by that address and returns
# how many (cooperatives.receivers.past_records_link).
owner_email_verified = Signal()
