"""The portal's navigation (base.html): every link with the page it opens.

A link is offered only to a user the page itself lets in: the rule is read from the view
(``role_required`` keeps it on the view as ``role_rule``), not written a second time here, so
the navigation cannot offer a page that answers 403. URL names are plain strings: this module
imports nothing from the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import resolve, reverse
from django.utils.translation import gettext_lazy as _

from plut.foundation.accounts.decorators import RoleRule
from plut.foundation.accounts.models import Role, User
from plut.foundation.accounts.two_factor import is_staff_user


@dataclass(frozen=True)
class NavLink:
    url_name: str
    label: Any  # a lazy translated string
    primary: bool = False  # the page's main action: a button, kept in reach on a phone
    public: bool = False  # for visitors who are not signed in too
    role_labels: Mapping[str, Any] = field(default_factory=dict)  # a clearer name for a role
    # Only for a page that checks the user in its own body instead of with role_required.
    allows: Callable[[User], bool] | None = None

    def label_for(self, user: User | AnonymousUser) -> Any:
        return self.role_labels.get(getattr(user, "role", ""), self.label)


@dataclass(frozen=True)
class ShownLink:
    url: str
    label: Any
    primary: bool


TOP = (
    NavLink("portal:home", _("Cari PLUT"), public=True),
    NavLink("owner:home", _("Akun saya")),
    NavLink("mentoring:staff_home", _("Ruang kerja")),
    NavLink("dashboards:home", _("Dasbor")),
    NavLink("password_change", _("Ubah kata sandi")),
    NavLink("api_pages:tokens", _("Token API")),
    # two_factor_setup refuses other users in its body, with this test.
    NavLink("accounts:two_factor_setup", _("Keamanan"), allows=is_staff_user),
)

STAFF = (
    NavLink("mentoring:staff_home", _("Hari ini")),
    NavLink("mentoring:session_create", _("Catat sesi"), primary=True),
    NavLink("mentoring:session_list", _("Sesi")),
    NavLink("cooperatives:enterprise_list", _("UMKM")),
    NavLink("cooperatives:cooperative_list", _("Koperasi")),
    NavLink("mentoring:follow_up_list", _("Tindak lanjut")),
    NavLink("mentoring:inbox", _("Pemesanan")),
    # What the portal told owners, with WhatsApp's and SMS's delivery receipts.
    NavLink("messaging:outbox", _("Pesan keluar")),
    NavLink("clinics:availability", _("Jadwal saya")),
    NavLink("clinics:team_list", _("Tim")),
    NavLink("clinics:booking_policy", _("Aturan pemesanan")),
    NavLink("api_pages:import_upload", _("Impor data")),
    # A manager has one centre and goes straight to its profile; the others choose one.
    NavLink("clinics:centres", _("PLUT"), role_labels={Role.MANAGER: _("Profil PLUT")}),
)

GROUPS = {"top": TOP, "staff": STAFF}


def _rule(link: NavLink) -> Callable[[User], bool]:
    if link.allows is not None:
        return link.allows
    rule: RoleRule | None = getattr(resolve(reverse(link.url_name)).func, "role_rule", None)
    if rule is None:
        return lambda user: True  # a page for anyone signed in
    return rule.allows


def may_open(user: User | AnonymousUser, link: NavLink) -> bool:
    if link.public:
        return True
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return _rule(link)(user)


def links_for(user: User | AnonymousUser, group: str) -> list[ShownLink]:
    """The links of one group (``GROUPS``) this user may open, in order.

    Two reverse() and a resolve() a link: base.html draws them once per role and language
    (the ``fragments`` cache), not on every page."""
    return [
        ShownLink(reverse(link.url_name), link.label_for(user), link.primary)
        for link in GROUPS[group]
        if may_open(user, link)
    ]
