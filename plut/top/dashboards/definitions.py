"""What each dashboard indicator counts, in words an officer can quote (the in-app definitions
page, linked from every KPI card; docs/dashboards.md gives the same with the fields behind them).
Indonesian, translated like every string."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

KPI_EXPLAINED: dict[str, Any] = {
    "sessions": _(
        "Sesi pendampingan dalam cakupan yang dimulai dalam periode, menurut tanggal setempat PLUT."
    ),
    "contact_hours": _("Jumlah waktu kontak sesi-sesi itu dengan pelaku usaha, dalam jam."),
    "preparation_hours": _("Jumlah waktu persiapan konsultan untuk sesi-sesi itu, dalam jam."),
    "travel_hours": _("Jumlah waktu perjalanan konsultan untuk sesi-sesi itu, dalam jam."),
    "enterprises": _(
        "UMKM berbeda yang hadir dalam sedikitnya satu sesi dalam periode; satu UMKM dihitung "
        "sekali, berapa pun sesinya."
    ),
    "enterprises_new": _("UMKM yang hadir dalam periode dan belum pernah hadir sebelumnya."),
    "enterprises_returning": _(
        "UMKM yang hadir dalam periode dan sudah pernah hadir dalam sesi sebelum periode."
    ),
    "cooperatives": _("Koperasi berbeda yang dilayani dalam sesi pada periode."),
    "bookings": _("Pemesanan konsultasi (semua status) yang jadwalnya dalam periode."),
    "no_show_rate": _(
        "Pemesanan yang tidak dihadiri dibagi pemesanan yang selesai atau tidak dihadiri; "
        "pemesanan batal atau yang masih terbuka tidak dihitung."
    ),
    "satisfaction": _(
        "Rata-rata nilai (1 sampai 5) survei kepuasan yang dijawab tentang sesi dalam periode."
    ),
    "satisfaction_responses": _("Jumlah survei kepuasan yang dijawab."),
    "financing": _("Jumlah pembiayaan (Rupiah) yang diperoleh UMKM, dicatat dalam periode."),
    "jobs": _(
        "Untuk setiap hasil yang dicatat dalam periode: jumlah tenaga kerja dikurangi jumlah "
        "pada pengukuran sebelumnya. Neto: pekerjaan yang hilang ikut mengurangi; pengukuran "
        "pertama tidak menambah."
    ),
    "permits": _(
        "NIB, PIRT, sertifikat halal dan SNI yang diperoleh, dicatat dalam periode; setiap izin "
        "dihitung satu."
    ),
    "turnover_increase": _(
        "Indikator kementerian. Untuk UMKM dampingan (hadir dalam sedikitnya satu sesi dalam "
        "cakupan) yang memiliki omzet awal dan omzet yang dicatat kemudian dalam periode: "
        "(jumlah omzet terbaru − jumlah omzet awal) ÷ jumlah omzet awal × 100. Omzet awal adalah "
        "omzet tahunan yang diisi saat UMKM didaftarkan atau diterima, atau, bila kosong, omzet "
        "pertama yang dicatat. Ditimbang menurut omzet: UMKM besar lebih berpengaruh daripada "
        "UMKM kecil."
    ),
    "turnover_enterprises": _(
        "Jumlah UMKM yang menjadi dasar indikator kenaikan omzet: yang memiliki omzet awal dan "
        "omzet yang dicatat kemudian dalam periode."
    ),
}

GENERAL = [
    _(
        "Periode dihitung menurut tanggal setempat setiap PLUT (WIB, WITA, WIT). Setiap angka "
        "dibandingkan dengan periode sebelumnya yang sama panjang dan dengan periode yang sama "
        "setahun sebelumnya."
    ),
    _(
        "Cakupan: seluruh Indonesia bagi kementerian, satu provinsi bagi petugas provinsi, satu "
        "PLUT bagi manajernya. Saringan bidang, cara, PLUT dan kabupaten/kota mempersempit sesi."
    ),
    _(
        "Hasil (pembiayaan, lapangan kerja, izin, omzet) dihitung per PLUT pendamping UMKM; "
        "saringan bidang dan cara tidak berlaku untuknya. Hasil yang dilaporkan pelaku usaha "
        "sendiri dihitung seperti yang dicatat staf."
    ),
]
