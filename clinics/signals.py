"""What other apps may say about a change to a centre's staff, without clinics importing them.

Dependencies point one way (mentoring imports clinics, never the reverse), yet moving a
consultant to another centre concerns what mentoring keeps: the bookings they hold. So clinics
asks, and the apps that know answer.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with ``membership`` (a StaffMembership, still at its old centre) before a move, and when
# the move page opens. Each receiver returns a sentence saying what must be settled at the old
# centre first, or None; any sentence refuses the move (clinics.services.staff_member_move).
staff_member_moving = Signal()
