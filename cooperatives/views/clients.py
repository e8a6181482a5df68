"""Finding and registering clients from the session form (htmx) or on their own page, and
correcting a client's record (a person, an enterprise, a cooperative) in the workspace."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import IntegerField, Model, PositiveBigIntegerField
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from clinics.selectors import centre_of
from cooperatives.apis import identity_visible
from cooperatives.forms import (
    DUPLICATE,
    CooperativeEditForm,
    EnterpriseEditForm,
    EnterpriseRegisterForm,
    PersonEditForm,
    VersionedForm,
)
from cooperatives.masking import nik_mask
from cooperatives.models import Cooperative, Enterprise, Person
from cooperatives.selectors import (
    clients_search,
    cooperatives_visible_to,
    enterprise_possible_duplicates,
    enterprises_visible_to,
    identifier_holder,
    persons_visible_to,
)
from cooperatives.services.records import (
    RecordChanged,
    cooperative_correct,
    enterprise_correct,
    person_correct,
)
from cooperatives.services.records import enterprise_register as enterprise_register_service
from plut.foundation.accounts.decorators import STAFF_ROLES, role_required
from plut.foundation.accounts.models import CENTRE_ROLES, Role
from plut.foundation.core.phone import phone_mask
from plut.foundation.core.tables import integer
from plut.foundation.core.templatetags.plut import rupiah


@require_safe
@role_required(*STAFF_ROLES)
def client_search(request: HttpRequest) -> HttpResponse:
    enterprises, cooperatives = clients_search(request.user, request.GET.get("q", ""))
    return render(
        request,
        "cooperatives/_client_results.html",
        {"enterprises": enterprises, "cooperatives": cooperatives, "q": request.GET.get("q", "")},
    )


@require_http_methods(["GET", "POST"])
@role_required(*CENTRE_ROLES)
def enterprise_register(request: HttpRequest) -> HttpResponse:
    """Register a new enterprise at the user's centre, pointing out likely duplicates first."""
    centre = centre_of(request.user)
    if centre is None:
        raise PermissionDenied
    form = EnterpriseRegisterForm(request.POST or None, province_id=centre.province_id)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["confirm_new"]:
            duplicates = enterprise_possible_duplicates(
                request.user,
                name=form.cleaned_data["name"],
                regency_id=form.cleaned_data["regency"].pk,
                nik=form.cleaned_data["owner_nik"],
            )
        if not duplicates:
            try:
                enterprise = enterprise_register_service(
                    centre=centre,
                    enterprise=form.enterprise_values(),
                    owner=form.owner_values(),
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                if request.htmx:
                    return render(
                        request, "cooperatives/_registered.html", {"enterprise": enterprise}
                    )
                return redirect(reverse("mentoring:enterprise_profile", args=[enterprise.pk]))
    context = {"form": form, "duplicates": duplicates}
    if request.htmx:
        return render(request, "cooperatives/_register_fields.html", context)
    return render(request, "cooperatives/enterprise_register.html", context)


# --- Correcting a record ----------------------------------------------------------------------
#
# Whoever may see a client's record in the workspace may correct it: the serving centre's
# manager and consultants, the province's officers, national users. The scope decides
# (``*_visible_to``), so a record outside it is a 404 like on its profile, and an owner, whose
# scope holds their own records, is kept out by the role check (403).

STALE = gettext_lazy(
    "Data ini baru saja diubah oleh staf lain. Isian Anda belum disimpan: periksa data terbaru "
    "di bawah, lalu simpan lagi bila isian Anda tetap benar."
)


def _province_of(record: Any) -> str | None:
    """The province whose regencies the form offers: the record's own (a centre's clients live
    in its province)."""
    return record.regency.province_id if record.regency_id else None


def _shown(record: Model, name: str, value: Any) -> str:
    """A value for the "changed meanwhile" notice, personal identifiers masked."""
    if value in (None, ""):
        return "–"
    if name == "nik":
        return nik_mask(value)
    if name == "phone":
        return phone_mask(value)
    field = record._meta.get_field(name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, PositiveBigIntegerField):  # the model's money fields: whole Rupiah
        return rupiah(value)
    if isinstance(field, IntegerField):  # counts: members, workforce, employees
        return integer(value)
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    return str(value)


def _meanwhile(current: Model, values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value on record now) for each field where the record now differs from what
    the user typed: what the other staff member changed, to compare before saving again."""
    rows = []
    for name, typed in values.items():
        field = current._meta.get_field(name)
        now = getattr(current, name)
        if (now.pk if isinstance(now, Model) else now) != (
            typed.pk if isinstance(typed, Model) else typed
        ):
            rows.append((capfirst(str(field.verbose_name)), _shown(current, name, now)))
    return rows


def _has_duplicate(form: VersionedForm) -> bool:
    return any(
        error.code == DUPLICATE for errors in form.errors.as_data().values() for error in errors
    )


def _edit(
    request: HttpRequest,
    *,
    form: VersionedForm,
    save: Callable[..., tuple[Model, list[str]]],
    holder_links: Callable[[str], list[tuple[str, str]]],
    identifier: str,
    back: str,
    **page: Any,
) -> HttpResponse:
    """The edit page (GET), or a correction validated and saved (POST), then back to ``back``.

    A refused identifier another record holds is pointed at that record only for users who may
    open it (``holder_links``, through their scope); a record saved by someone else since the
    form was loaded is not overwritten: the user's input stays, with what changed meanwhile.
    """
    context: dict[str, Any] = {"form": form, "back": back, "meanwhile": [], "holder_links": []}
    if request.method == "POST" and form.is_valid():
        try:
            _record, changed = save(loaded_at=form.cleaned_data["loaded_at"], values=form.values())
        except RecordChanged as stale:
            form.add_error(None, STALE)
            context["meanwhile"] = _meanwhile(stale.current, form.values())
            # The next submit is a deliberate save over the newer record.
            form.loaded_at_set(stale.current)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if changed:
                messages.success(request, _("Perubahan data tersimpan."))
            else:
                messages.info(request, _("Tidak ada perubahan; data tetap seperti semula."))
            return redirect(back)
    if request.method == "POST" and _has_duplicate(form):
        typed = (form.data.get(form.add_prefix(identifier)) or "").strip()
        context["holder_links"] = holder_links(typed)
    return render(request, "cooperatives/record_edit.html", {**context, **page})


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = get_object_or_404(
        enterprises_visible_to(request.user).select_related(None).select_related("regency"),
        pk=pk,
    )

    def holder_links(nib: str) -> list[tuple[str, str]]:
        other = identifier_holder(request.user, Enterprise, "nib", nib, besides=enterprise)
        if other is None:
            return []
        links = [
            (
                _("Buka UMKM yang sudah memakai NIB ini"),
                reverse("mentoring:enterprise_profile", args=[other.pk]),
            )
        ]
        # Merging is for the centre's manager and national users (mentoring.services.merge,
        # which this app does not import; the merge page checks again): anyone else would
        # only meet a refusal there.
        user = request.user
        may_merge = user.is_superuser or user.role in (Role.MANAGER, Role.NATIONAL)
        if may_merge and other.centre_id is not None and other.centre_id == enterprise.centre_id:
            merge = reverse("mentoring:enterprise_merge", args=[enterprise.pk])
            links.append((_("Gabungkan duplikat"), f"{merge}?remove={other.pk}"))
        return links

    return _edit(
        request,
        form=EnterpriseEditForm(
            request.POST or None, enterprise=enterprise, province_id=_province_of(enterprise)
        ),
        save=partial(enterprise_correct, enterprise=enterprise),
        holder_links=holder_links,
        identifier="nib",
        back=reverse("mentoring:enterprise_profile", args=[enterprise.pk]),
        title=_("Ubah data UMKM"),
        record_name=enterprise.name,
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def cooperative_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cooperative = get_object_or_404(
        cooperatives_visible_to(request.user).select_related(None).select_related("regency"),
        pk=pk,
    )

    def holder_links(number: str) -> list[tuple[str, str]]:
        other = identifier_holder(request.user, Cooperative, "number", number, besides=cooperative)
        if other is None:
            return []
        return [
            (
                _("Buka koperasi yang sudah memakai nomor ini"),
                reverse("mentoring:cooperative_profile", args=[other.pk]),
            )
        ]

    return _edit(
        request,
        form=CooperativeEditForm(
            request.POST or None, cooperative=cooperative, province_id=_province_of(cooperative)
        ),
        save=partial(cooperative_correct, cooperative=cooperative),
        holder_links=holder_links,
        identifier="number",
        back=reverse("mentoring:cooperative_profile", args=[cooperative.pk]),
        title=_("Ubah data koperasi"),
        record_name=cooperative.name,
    )


def _back_to(request: HttpRequest, fallback: str) -> str:
    """The page the edit was opened from (``next``, a path on this site), else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an owner or board member. A person has no page of their own: the edit is opened
    from their enterprise's profile, and ``next`` brings the user back there."""
    person = get_object_or_404(persons_visible_to(request.user), pk=pk)

    def holder_links(nik: str) -> list[tuple[str, str]]:
        other = identifier_holder(request.user, Person, "nik", nik, besides=person)
        enterprise = (
            enterprises_visible_to(request.user).select_related(None).filter(owner=other).first()
            if other is not None
            else None
        )
        if enterprise is None:
            return []
        return [
            (
                _("Buka UMKM milik orang yang sudah memakai NIK ini"),
                reverse("mentoring:enterprise_profile", args=[enterprise.pk]),
            )
        ]

    back = _back_to(request, reverse("cooperatives:enterprise_list"))
    return _edit(
        request,
        form=PersonEditForm(
            request.POST or None,
            person=person,
            province_id=_province_of(person),
            # The full phone only to those who may read it (as the API does); the full NIK to
            # no one: it is typed only to change it.
            phone_shown=identity_visible(request.user, person),
        ),
        save=partial(person_correct, person=person),
        holder_links=holder_links,
        identifier="nik",
        back=back,
        title=_("Ubah data orang"),
        record_name=person.full_name,
        next=back,
        nik_masked=nik_mask(person.nik),
    )
