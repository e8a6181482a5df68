"""Each kind of message in words, for the people who read the outbox.

The kind is a slug the sender chose (``booking-received``, ``check-in-3m``): a key for code and
for the admin's filter, not for a manager. The senders live in the apps above messaging; their
kinds are named here so the outbox can read them without knowing those apps. A kind not listed
shows as its slug, so a new sender's messages still appear, only less readably.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KIND_LABELS: dict[str, Promise] = {
    # mentoring: the owner's booking and what follows it
    "booking-received": _("Pemesanan diterima"),
    "booking-confirmed": _("Pemesanan dikonfirmasi"),
    "booking-rescheduled": _("Jadwal pemesanan diubah"),
    "booking-cancelled": _("Pemesanan dibatalkan"),
    "booking-declined": _("Pemesanan ditolak"),
    "reminder-24h": _("Pengingat sehari sebelumnya"),
    "reminder-2h": _("Pengingat dua jam sebelumnya"),
    "agenda": _("Agenda harian staf"),
    "unconfirmed-nudge": _("Pengingat pemesanan yang belum dikonfirmasi"),
    "survey": _("Survei kepuasan"),
    "check-in-3m": _("Kabar usaha 3 bulan setelah sesi"),
    "check-in-6m": _("Kabar usaha 6 bulan setelah sesi"),
    # dashboards, reports, exports
    "underuse_digest": _("Ringkasan PLUT yang jarang dipakai"),
    "monthly_report": _("Laporan bulanan"),
    "export-ready": _("Unduhan siap"),
}


def kind_label(kind: str) -> str:
    """``booking-received`` -> "Pemesanan diterima" (in the reader's language); an unknown
    kind -> itself."""
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind
