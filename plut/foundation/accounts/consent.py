"""The data-processing consent owners accept when they book (UU 27/2022 on personal data).

The text is reference data that ships with the code: a change of wording is a new version
here, never an edit of an accepted one, and every booking keeps the version its owner agreed
to. ``consent_current`` makes sure the current version exists in the database.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_noop

from plut.foundation.accounts.models import ConsentText

CURRENT_CONSENT_VERSION = "2026-11"

# Stored as data, in Bahasa Indonesia: it is the text the owner agreed to, word for word. Marked
# for the catalogue so a reader of another language also gets a translation, shown beside this
# binding text (templates/accounts/_consent.html); the stored text is the msgid, so a new
# version stays untranslated until someone translates it.
CURRENT_CONSENT_BODY = gettext_noop("""\
Dengan mengirim pemesanan ini, saya menyetujui pemrosesan data pribadi saya sebagai berikut.

Data yang dikumpulkan: nama saya, nomor telepon/WhatsApp dan/atau alamat email, nama usaha, \
NIB (jika diisi), kabupaten/kota, uraian kebutuhan konsultasi, serta jadwal dan catatan \
konsultasi.

Tujuan: melayani konsultasi yang saya pesan, menghubungi saya tentang jadwal dan tindak \
lanjutnya, serta menyusun laporan dan statistik layanan PLUT KUMKM.

Penyimpanan: data disimpan oleh PLUT KUMKM yang saya pilih (di bawah Dinas Koperasi dan UKM \
setempat) dan oleh Kementerian Koperasi dan UKM, hanya selama diperlukan untuk tujuan tersebut.

Hak saya menurut Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi: meminta \
akses atas data saya, meminta perbaikan data yang keliru, menarik persetujuan ini, dan meminta \
penghapusan data saya, dengan menghubungi PLUT tempat saya memesan.
""")


def consent_current() -> ConsentText:
    """The consent text owners accept now; created on first use from the text above."""
    consent, _created = ConsentText.objects.get_or_create(
        version=CURRENT_CONSENT_VERSION,
        defaults={"body": CURRENT_CONSENT_BODY, "published_at": timezone.now()},
    )
    return consent
