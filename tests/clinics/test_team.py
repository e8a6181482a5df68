"""A centre manager manages the centre's team: list, invite, areas, deactivate."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from clinics.models import ServiceArea, StaffMembership
from clinics.services.centres import (
    staff_member_deactivate,
    staff_member_invite,
    staff_member_reactivate,
    staff_member_set_areas,
)
from plut.foundation.accounts.models import Role, User
from tests.factories.clinics import StaffFactory

PASSWORD = "rahasia-123"  # tests.factories.accounts.UserFactory
NEW_PASSWORD = "padi-sawah-lampung-71"


def _url(world, where: str) -> str:
    return {
        "list": reverse("clinics:team_list"),
        "invite": reverse("clinics:team_invite"),
        "member_a": reverse("clinics:team_member", args=[world.a.consultant.pk]),
    }[where]


# Only a manager manages a team; a national administrator has no centre to pick here (403).
# A manager of another centre does not find centre a's staff at all (404).
TABLE = [
    *[("anonymous", where, 302) for where in ("list", "invite", "member_a")],
    *[
        (user, where, 403)
        for user in ("owner_a", "consultant_a", "officer_a", "national")
        for where in ("list", "invite", "member_a")
    ],
    *[("manager_a", where, 200) for where in ("list", "invite", "member_a")],
    ("manager_b", "list", 200),
    ("manager_b", "member_a", 404),
]


@pytest.mark.parametrize(("user_name", "where", "status"), TABLE)
def test_team_permissions(client, world, user_name, where, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(_url(world, where))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


def test_manager_b_cannot_change_a_member_of_centre_a(client, world):
    client.force_login(world.b.manager)
    url = _url(world, "member_a")
    assert client.post(url, {"action": "deactivate"}).status_code == 404
    world.a.consultant.refresh_from_db()
    assert world.a.consultant.is_active


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_the_centres_staff_and_nobody_elses(client, world):
    world.a.consultant.email = "konsultan.a@plut.id"
    world.a.consultant.save()
    client.force_login(world.a.manager)
    page = client.get(_url(world, "list")).content.decode()
    assert world.a.consultant.get_full_name() in page
    assert "konsultan.a@plut.id" in page
    assert "Konsultan pendamping" in page
    assert "Akses Pembiayaan" in page  # StaffFactory covers every area
    assert world.b.consultant.get_full_name() not in page
    assert world.b.manager.get_full_name() not in page


def test_the_list_says_who_is_inactive(client, world):
    world.a.consultant.is_active = False
    world.a.consultant.save()
    client.force_login(world.a.manager)
    page = client.get(_url(world, "list")).content.decode()
    assert "<strong>Tidak</strong>" in page


@pytest.mark.parametrize("staff", [1, 20])
def test_the_list_query_count_does_not_grow_with_staff(
    client, world, django_assert_num_queries, staff
):
    # The world already has a manager and a consultant at centre a.
    for _ in range(staff - 1):
        StaffFactory(centre=world.a.centre)
    client.force_login(world.a.manager)
    # session, user, membership (scope), centre, the list, its areas
    with django_assert_num_queries(6):
        response = client.get(_url(world, "list"))
    assert response.status_code == 200
    assert len(response.context["members"]) == staff + 1


# --- Inviting ---------------------------------------------------------------------------------


def _areas(*codes: str) -> list[ServiceArea]:
    return list(ServiceArea.objects.filter(code__in=codes).order_by("code"))


def _invite(client, world, **overrides):
    data = {
        "first_name": "Siti",
        "last_name": "Rahmawati",
        "email": "Siti.Rahmawati@Plut-Lampung.go.id",
        "role": Role.CONSULTANT,
        "areas": [area.pk for area in _areas("financing", "marketing")],
        **overrides,
    }
    client.force_login(world.a.manager)
    return client.post(_url(world, "invite"), data)


def _link_in(body: str) -> str:
    match = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_the_invitation_link_is_built_from_site_url_never_the_host_header(
    client, world, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://plut.example.id"
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(world.a.manager)
        client.post(
            _url(world, "invite"),
            {
                "email": "rudi@contoh.id",
                "first_name": "Rudi",
                "last_name": "",
                "role": Role.CONSULTANT,
            },
            HTTP_HOST="evil.example.com",
        )
    body = mailoutbox[0].body
    assert "https://plut.example.id/accounts/reset/" in body
    assert "evil.example.com" not in body


def test_an_invitation_creates_the_member_at_the_managers_centre(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world)
    assert response["Location"] == reverse("clinics:team_list")
    assert User.objects.count() == users_before + 1
    user = User.objects.get(username="siti.rahmawati@plut-lampung.go.id")
    assert user.email == "Siti.Rahmawati@plut-lampung.go.id"
    assert (user.first_name, user.last_name, user.role) == ("Siti", "Rahmawati", Role.CONSULTANT)
    assert user.is_active
    assert not user.has_usable_password()
    membership = user.staff_membership
    assert membership.centre == world.a.centre
    assert list(membership.areas.order_by("code")) == _areas("financing", "marketing")


def test_the_invitation_email_lets_them_choose_a_password(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["Siti.Rahmawati@plut-lampung.go.id"]
    assert mail.subject == f"Undangan bergabung di Portal PLUT KUMKM: {world.a.centre.name}"
    assert "Halo Siti Rahmawati," in mail.body
    assert f"sebagai Konsultan pendamping di {world.a.centre.name}" in mail.body
    assert "masuk dengan nama pengguna siti.rahmawati@plut-lampung.go.id" in mail.body

    client.logout()
    response = client.get(_link_in(mail.body))
    assert response.status_code == 302
    response = client.post(
        response["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert client.login(username="siti.rahmawati@plut-lampung.go.id", password=NEW_PASSWORD)
    assert client.get("/accounts/", follow=True).redirect_chain[-1][0] == "/staff/"


def test_the_invitation_is_indonesian_whatever_the_manager_reads(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world)
    assert "Pilih kata sandi Anda melalui tautan berikut:" in mailoutbox[0].body


@pytest.mark.parametrize(
    "existing_email", ["siti.rahmawati@plut-lampung.go.id", "SITI.RAHMAWATI@PLUT-LAMPUNG.GO.ID"]
)
def test_an_email_already_in_use_is_refused_and_nothing_is_saved(
    client, world, mailoutbox, django_capture_on_commit_callbacks, existing_email
):
    # Any existing account, here an owner in another province.
    world.b.owner.email = existing_email
    world.b.owner.save()
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'role="alert"[^>]*>Email ini sudah dipakai oleh akun lain.', page)
    assert User.objects.count() == users_before
    assert mailoutbox == []


def test_an_email_used_as_someones_username_is_refused(client, world, mailoutbox):
    world.b.owner.username = "siti.rahmawati@plut-lampung.go.id"
    world.b.owner.save()
    response = _invite(client, world)
    assert "Email ini sudah dipakai oleh akun lain." in response.content.decode()


def test_an_area_the_centre_does_not_offer_is_an_invalid_choice(client, world, mailoutbox):
    export = ServiceArea.objects.create(code="export", name_id="Ekspor", name_en="Export")
    world.b.centre.service_areas.add(export)
    users_before = User.objects.count()
    response = _invite(client, world, areas=[export.pk])
    assert response.status_code == 200
    assert "Masukkan pilihan yang valid" in response.content.decode()
    assert "Ekspor" not in response.content.decode()  # never offered as a checkbox
    assert User.objects.count() == users_before


def test_an_owner_role_cannot_be_invited(client, world):
    users_before = User.objects.count()
    response = _invite(client, world, role=Role.OWNER)
    assert response.status_code == 200
    assert User.objects.count() == users_before


def test_a_failure_half_way_leaves_nothing_behind(
    world, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_place(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("clinics.services.centres.staff_member_place", broken_place)
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        staff_member_invite(
            centre=world.a.centre,
            email="rudi@contoh.id",
            first_name="Rudi",
            last_name="",
            role=Role.CONSULTANT,
            areas=[],
            invited_by=world.a.manager,
        )
    assert User.objects.count() == users_before
    assert mailoutbox == []


def test_the_service_refuses_areas_the_centre_does_not_offer(world):
    export = ServiceArea.objects.create(code="export", name_id="Ekspor", name_en="Export")
    with pytest.raises(Exception, match="tidak dilayani"):
        staff_member_set_areas(membership=world.a.consultant.staff_membership, areas=[export])


# --- One member: areas, deactivate, reactivate ---------------------------------------------------


def test_the_manager_changes_the_areas_a_consultant_covers(client, world):
    client.force_login(world.a.manager)
    areas = _areas("hr", "it")
    response = client.post(
        _url(world, "member_a"), {"action": "areas", "areas": [a.pk for a in areas]}
    )
    assert response["Location"] == _url(world, "member_a")
    membership = StaffMembership.objects.get(user=world.a.consultant)
    assert list(membership.areas.order_by("code")) == areas


def test_the_member_page_ticks_the_areas_they_cover(client, world):
    staff_member_set_areas(
        membership=world.a.consultant.staff_membership, areas=_areas("financing")
    )
    client.force_login(world.a.manager)
    page = client.get(_url(world, "member_a")).content.decode()
    financing = ServiceArea.objects.get(code="financing")
    hr = ServiceArea.objects.get(code="hr")
    assert re.search(
        rf'<input type="checkbox" name="areas" value="{financing.pk}"[^>]* checked', page
    )
    assert not re.search(rf'<input type="checkbox" name="areas" value="{hr.pk}"[^>]* checked', page)


def test_a_deactivated_member_can_no_longer_log_in(client, world):
    client.force_login(world.a.manager)
    response = client.post(_url(world, "member_a"), {"action": "deactivate"})
    assert response["Location"] == _url(world, "member_a")
    world.a.consultant.refresh_from_db()
    assert not world.a.consultant.is_active
    client.logout()
    assert client.login(username="consultant_a", password=PASSWORD) is False


def test_deactivation_ends_a_session_already_open(client, world):
    client.force_login(world.a.consultant)
    assert client.get("/staff/").status_code == 200
    staff_member_deactivate(user=world.a.consultant, by=world.a.manager)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_manager_cannot_deactivate_themselves(client, world):
    client.force_login(world.a.manager)
    url = reverse("clinics:team_member", args=[world.a.manager.pk])
    page = client.get(url).content.decode()
    assert 'value="deactivate"' not in page
    response = client.post(url, {"action": "deactivate"})
    assert response.status_code == 200
    assert re.search(
        r'role="alert">Anda tidak dapat menonaktifkan akun Anda sendiri.', response.content.decode()
    )
    world.a.manager.refresh_from_db()
    assert world.a.manager.is_active


def test_a_deactivated_member_is_reactivated(client, world):
    staff_member_deactivate(user=world.a.consultant, by=world.a.manager)
    client.force_login(world.a.manager)
    response = client.post(_url(world, "member_a"), {"action": "reactivate"})
    assert response["Location"] == _url(world, "member_a")
    world.a.consultant.refresh_from_db()
    assert world.a.consultant.is_active
    assert client.login(username="consultant_a", password=PASSWORD)


def test_reactivate_service_round_trip(world):
    user = staff_member_deactivate(user=world.a.consultant, by=world.a.manager)
    assert not User.objects.get(pk=user.pk).is_active
    staff_member_reactivate(user=user)
    assert User.objects.get(pk=user.pk).is_active


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world)
    user = User.objects.get(username="siti.rahmawati@plut-lampung.go.id")
    url = reverse("clinics:team_member", args=[user.pk])
    assert 'value="resend"' in client.get(url).content.decode()
    response = client.post(url, {"action": "resend"})
    assert response["Location"] == url
    assert len(mailoutbox) == 2
    assert _link_in(mailoutbox[1].body).startswith("/accounts/reset/")
    # Someone who already has a password has nothing to resend.
    assert client.post(_url(world, "member_a"), {"action": "resend"}).status_code == 400
    assert len(mailoutbox) == 2


def test_an_unknown_action_is_a_bad_request(client, world):
    client.force_login(world.a.manager)
    assert client.post(_url(world, "member_a"), {"action": "delete"}).status_code == 400
