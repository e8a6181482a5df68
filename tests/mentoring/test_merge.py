"""Merging a duplicate enterprise into the record that stays."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse

from cooperatives.models import Enterprise, Person
from mentoring.models import Booking, Outcome, SessionEnterprise
from mentoring.services.merge import MERGE_NOTE_KEY, enterprise_merge
from tests.factories.cooperatives import CooperativeFactory, EnterpriseFactory
from tests.factories.mentoring import BookingFactory, OutcomeFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _url(enterprise, **query) -> str:
    url = reverse("mentoring:enterprise_merge", args=[enterprise.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.fixture
def duplicate(world) -> Enterprise:
    """A second record of side a's enterprise, at the same centre, with records of its own."""
    dup = EnterpriseFactory(
        centre=world.a.centre, name=f"{world.a.enterprise.name} (dobel)", nib=None
    )
    SessionFactory(consultant=world.a.consultant, enterprises=[dup])
    BookingFactory(enterprise=dup)
    OutcomeFactory(enterprise=dup)
    return dup


# Only the centre's manager and national admins merge; consultants and officers may open the
# profile but not this (403); owners never use staff pages (403); other centres' staff: 404.
TABLE = [
    ("anonymous", 302),
    ("owner_a", 403),
    ("consultant_a", 403),
    ("officer_a", 403),
    ("manager_a", 200),
    ("national", 200),
    ("officer_b", 404),
    ("manager_b", 404),
    ("consultant_b", 404),
]


@pytest.mark.parametrize(("user_name", "status"), TABLE)
def test_who_may_open_the_merge_page(client, world, duplicate, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(_url(world.a.enterprise, remove=duplicate.pk))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("user_name", "status"), [(u, 302 if s == 200 else s) for u, s in TABLE])
def test_who_may_merge(client, world, duplicate, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.post(_url(world.a.enterprise), {"remove": duplicate.pk})
    assert response.status_code == status
    merged = not Enterprise.objects.filter(pk=duplicate.pk).exists()
    assert merged == (user is not None and status == 302)
    if merged:
        assert response["Location"] == reverse(
            "mentoring:enterprise_profile", args=[world.a.enterprise.pk]
        )


def test_merging_moves_everything_onto_the_kept_record(client, world, duplicate):
    keep = world.a.enterprise
    session = SessionEnterprise.objects.get(enterprise=duplicate).session
    booking = Booking.objects.get(enterprise=duplicate)
    outcome = Outcome.objects.get(enterprise=duplicate)
    owner = duplicate.owner
    client.force_login(world.a.manager)
    response = client.post(_url(keep), {"remove": duplicate.pk}, follow=True)
    assert not Enterprise.objects.filter(pk=duplicate.pk).exists()
    assert set(keep.sessions.all()) == {world.a.session, session}
    assert set(keep.bookings.all()) == {world.a.booking, booking}
    assert set(keep.outcomes.all()) == {world.a.outcome, outcome}
    # The duplicate's owner is a person with personal data of their own: kept.
    assert Person.objects.filter(pk=owner.pk).exists()
    assert "digabungkan ke" in response.content.decode()


def test_a_session_both_records_attended_keeps_one_link_marked_present(world, duplicate):
    keep = world.a.enterprise
    shared = SessionFactory(consultant=world.a.consultant, enterprises=[keep, duplicate])
    SessionEnterprise.objects.filter(session=shared, enterprise=keep).update(attended=False)
    enterprise_merge(keep=keep, remove=duplicate, user=world.a.manager)
    links = SessionEnterprise.objects.filter(session=shared)
    assert [(link.enterprise_id, link.attended) for link in links] == [(keep.pk, True)]


def test_empty_fields_are_filled_from_the_duplicate_and_nib_moves(world):
    keep = EnterpriseFactory(
        centre=world.a.centre, nib=None, kbli="", address="", annual_turnover=None
    )
    cooperative = CooperativeFactory(centre=world.a.centre)
    remove = EnterpriseFactory(
        centre=world.a.centre,
        nib="8123456789012",
        kbli="10792",
        address="Jl. Pisang 1",
        business_capital=50_000_000,
        annual_turnover=900_000_000,
        cooperative=cooperative,
    )
    kept = enterprise_merge(keep=keep, remove=remove, user=world.a.manager)
    assert kept.nib == "8123456789012"
    assert (kept.kbli, kept.address, kept.business_capital) == ("10792", "Jl. Pisang 1", 50_000_000)
    assert (kept.annual_turnover, kept.cooperative) == (900_000_000, cooperative)


def test_the_kept_records_figures_are_never_overwritten(world, duplicate):
    keep = world.a.enterprise
    nib, turnover = keep.nib, keep.annual_turnover
    duplicate.nib, duplicate.annual_turnover = "8123456789012", 1
    duplicate.save()
    kept = enterprise_merge(keep=keep, remove=duplicate, user=world.a.manager)
    assert (kept.nib, kept.annual_turnover) == (nib, turnover)


def test_the_kept_records_history_shows_the_merge(client, world):
    keep = EnterpriseFactory(centre=world.a.centre, nib=None)
    remove = EnterpriseFactory(centre=world.a.centre, nib="8123456789012")
    client.force_login(world.a.manager)
    client.post(_url(keep), {"remove": remove.pk})
    updates = LogEntry.objects.get_for_object(keep).filter(action=LogEntry.Action.UPDATE)
    assert any(entry.changes_dict.get("nib") == ["None", "8123456789012"] for entry in updates)
    note = next(entry for entry in updates if MERGE_NOTE_KEY in entry.changes_dict)
    assert note.actor == world.a.manager
    assert note.additional_data["merged_enterprise"]["id"] == remove.pk
    # The duplicate's own history, and its deletion, stay in the log.
    assert LogEntry.objects.filter(
        content_type__model="enterprise", object_id=remove.pk, action=LogEntry.Action.DELETE
    ).exists()
    body = client.get(reverse("mentoring:enterprise_profile", args=[keep.pk])).content.decode()
    assert f"{remove.name} (#{remove.pk})" in body


def test_a_moved_outcome_keeps_its_history_and_records_the_move(world, duplicate):
    outcome = Outcome.objects.get(enterprise=duplicate)
    enterprise_merge(keep=world.a.enterprise, remove=duplicate, user=world.a.manager)
    entries = LogEntry.objects.get_for_object(outcome)
    assert entries.filter(action=LogEntry.Action.CREATE).exists()
    updates = entries.filter(action=LogEntry.Action.UPDATE)
    assert any("enterprise" in entry.changes_dict for entry in updates)


def test_a_record_of_another_centre_is_not_a_choice(client, world):
    client.force_login(world.national)  # sees both centres
    response = client.post(_url(world.a.enterprise), {"remove": world.b.enterprise.pk})
    assert response.status_code == 200
    assert "remove" in response.context["form"].errors
    assert "hanya UMKM di PLUT yang sama" in response.content.decode()
    assert Enterprise.objects.filter(pk=world.b.enterprise.pk).exists()
    assert Booking.objects.get(pk=world.b.booking.pk).enterprise == world.b.enterprise


def test_an_enterprise_cannot_be_merged_into_itself(client, world):
    client.force_login(world.a.manager)
    response = client.post(_url(world.a.enterprise), {"remove": world.a.enterprise.pk})
    assert "remove" in response.context["form"].errors
    with pytest.raises(ValidationError):
        enterprise_merge(keep=world.a.enterprise, remove=world.a.enterprise, user=world.national)


def test_the_service_refuses_to_merge_across_centres(world):
    with pytest.raises(ValidationError):
        enterprise_merge(keep=world.a.enterprise, remove=world.b.enterprise, user=world.national)
    assert Enterprise.objects.filter(pk=world.b.enterprise.pk).exists()


def test_a_failure_half_way_changes_nothing(world, duplicate, monkeypatch):
    keep = world.a.enterprise
    keep.nib = None
    keep.save()
    duplicate.nib = "8123456789012"
    duplicate.save()

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    # Outcomes move after the session links and bookings: those must roll back too.
    monkeypatch.setattr(Outcome, "save", broken_save)
    with pytest.raises(RuntimeError):
        enterprise_merge(keep=keep, remove=duplicate, user=world.a.manager)
    assert SessionEnterprise.objects.filter(enterprise=duplicate).count() == 1
    assert Booking.objects.filter(enterprise=duplicate).count() == 1
    assert Outcome.objects.filter(enterprise=duplicate).count() == 1
    assert Enterprise.objects.get(pk=duplicate.pk).nib == "8123456789012"
    keep.refresh_from_db()
    assert keep.nib is None


def test_the_confirmation_lists_what_will_move(client, world, duplicate):
    SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise, duplicate])
    client.force_login(world.a.manager)
    response = client.get(_url(world.a.enterprise, remove=duplicate.pk))
    counts = response.context["counts"]
    assert (counts.sessions, counts.shared_sessions, counts.bookings, counts.outcomes) == (
        2,
        1,
        1,
        1,
    )
    body = response.content.decode()
    assert "2 sesi" in body
    assert "1 pemesanan" in body
    assert "1 hasil pendampingan" in body
    assert f'name="remove" value="{duplicate.pk}"' in body
    assert 'method="post"' in body
    assert Enterprise.objects.filter(pk=duplicate.pk).exists()  # a GET never merges


def test_the_search_finds_candidates_by_name_or_nib(client, world, duplicate):
    other = EnterpriseFactory(centre=world.a.centre, name="Batik Tulis Lampung")
    elsewhere = EnterpriseFactory(centre=world.b.centre, name="Batik Tulis Makassar")
    client.force_login(world.national)
    body = client.get(_url(world.a.enterprise, q="Batik")).content.decode()
    assert f'value="{other.pk}"' in body
    assert f'value="{elsewhere.pk}"' not in body
    assert f'value="{duplicate.pk}"' not in body
    body = client.get(_url(world.a.enterprise, q=other.nib)).content.decode()
    assert f'value="{other.pk}"' in body


def test_without_a_search_it_suggests_likely_duplicates(client, world, duplicate):
    client.force_login(world.a.manager)
    response = client.get(_url(world.a.enterprise))
    body = response.content.decode()
    assert f'value="{duplicate.pk}"' in body  # a similar name in the same regency
    assert f'value="{world.a.enterprise.pk}"' not in body
    assert "style=" not in body
