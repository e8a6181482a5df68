"""The reader's language: Indonesian first, English by choice; the choice is remembered on the
account, and numbers, Rupiah and dates follow the language being read."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from plut.foundation.accounts.models import User
from plut.foundation.accounts.services import owner_verification_email_send
from plut.foundation.core.templatetags.plut import in_zone, rupiah, rupiah_short

PASSWORD = "rahasia-123"  # tests.factories.accounts.UserFactory
MOMENT = datetime.datetime(2017, 8, 9, 2, 0, tzinfo=datetime.UTC)
COOKIE = settings.LANGUAGE_COOKIE_NAME


# ---- Numbers, money and dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "value", "text"),
    [
        ("id", 3_900_000_000, "Rp 3.900.000.000"),
        ("en", 3_900_000_000, "Rp 3,900,000,000"),
        ("en", 950, "Rp 950"),
    ],
)
def test_rupiah_in_full_groups_thousands_the_readers_way(language, value, text):
    with translation.override(language):
        assert rupiah(value) == text


@pytest.mark.parametrize(
    ("language", "value", "text"),
    [
        ("id", 3_900_000_000, "Rp 3,9 miliar"),
        ("en", 3_900_000_000, "Rp 3.9 billion"),
        ("id", 20_000_000_000, "Rp 20 miliar"),
        ("en", 29_450_000, "Rp 29.5 million"),
        ("en", 1_200_000_000_000, "Rp 1.2 trillion"),
        ("id", 1_250_000_000_000_000, "Rp 1.250 triliun"),
        ("en", 1_250_000_000_000_000, "Rp 1,250 trillion"),
        ("en", 950_000, "Rp 950,000"),
    ],
)
def test_rupiah_short_uses_the_readers_decimal_mark_and_words(language, value, text):
    with translation.override(language):
        assert rupiah_short(value) == text


@pytest.mark.parametrize(("language", "text"), [("id", "12.345"), ("en", "12,345")])
def test_counts_group_thousands_the_readers_way(language, text):
    with translation.override(language):
        assert intcomma(12345) == text


def test_ids_and_years_in_templates_stay_ungrouped():
    # USE_THOUSAND_SEPARATOR stays off: it would print value="1.234" into forms and links.
    assert not settings.USE_THOUSAND_SEPARATOR
    with translation.override("id"):
        assert Template("{{ pk }} {{ year }}").render(Context({"pk": 1234, "year": 2017})) == (
            "1234 2017"
        )


@pytest.mark.parametrize(("language", "text"), [("id", "9 Agustus 2017"), ("en", "9 August 2017")])
def test_dates_name_the_month_in_the_readers_language(language, text):
    with translation.override(language):
        rendered = Template('{{ day|date:"j F Y" }}').render(Context({"day": MOMENT.date()}))
        assert rendered == text


@pytest.mark.parametrize(
    ("language", "zone", "text"),
    [
        ("en", "Asia/Jakarta", "9 Aug 2017 09:00 WIB"),
        ("en", "Asia/Makassar", "9 Aug 2017 10:00 WITA"),
        ("id", "Asia/Jayapura", "9 Agu 2017 11:00 WIT"),
    ],
)
def test_times_keep_the_zone_label_in_both_languages(language, zone, text):
    with translation.override(language):
        assert in_zone(MOMENT, zone) == text


# ---- The switch and the remembered choice --------------------------------------------------


def _switch(client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


@pytest.mark.django_db
def test_every_page_offers_the_other_language_named_in_itself(client, reference_data):
    page = client.get("/").content.decode()
    assert 'name="language" value="en" lang="en"' in page
    assert ">English</button>" in page
    client.cookies[COOKIE] = "en"
    page = client.get("/").content.decode()
    assert 'value="id" lang="id"' in page
    assert ">Bahasa Indonesia</button>" in page


@pytest.mark.django_db
def test_an_anonymous_choice_lives_in_the_cookie(client, reference_data):
    response = _switch(client, "en", "/pusat/")
    assert response.status_code == 302
    assert response["Location"] == "/pusat/"
    assert client.cookies[COOKIE].value == "en"
    page = client.get("/")
    assert page["Content-Language"] == "en"
    assert "Cookie" in page["Vary"]  # a shared cache must not serve it to Indonesian readers


@pytest.mark.django_db
def test_a_logged_in_users_choice_is_kept_on_the_account(client, world):
    client.force_login(world.a.consultant)
    _switch(client, "en")
    world.a.consultant.refresh_from_db()
    assert world.a.consultant.language == "en"
    _switch(client, "id")
    world.a.consultant.refresh_from_db()
    assert world.a.consultant.language == "id"


@pytest.mark.django_db
def test_switching_to_an_unknown_language_changes_nothing(client, world):
    client.force_login(world.a.consultant)
    _switch(client, "fr")
    world.a.consultant.refresh_from_db()
    assert world.a.consultant.language == "id"
    assert client.cookies[COOKIE].value == "id"  # the account's language, kept in step


@pytest.mark.django_db
def test_the_accounts_language_applies_on_a_new_device_and_after_logout(client, world):
    User.objects.filter(pk=world.a.consultant.pk).update(language="en")
    # A fresh browser: no cookie. The login response hands over the account's language...
    response = client.post(reverse("login"), {"username": "consultant_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    home = client.get(reverse("mentoring:staff_home"))
    assert home["Content-Language"] == "en"
    # ...and the account wins over a cookie left by someone else on a shared phone.
    client.cookies[COOKIE] = "id"
    assert client.get(reverse("mentoring:staff_home"))["Content-Language"] == "en"
    client.post(reverse("logout"))
    assert client.get("/")["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_language_is_read_without_an_extra_query(client, world, django_assert_num_queries):
    # The user is loaded for the page anyway; the stored language costs no query of its own.
    client.force_login(world.a.consultant)
    client.get("/")  # warm the session
    with django_assert_num_queries(2):  # session, user
        response = client.get(reverse("set_language"))
    assert response.status_code == 405


@pytest.mark.django_db
def test_an_owner_who_signs_up_in_english_gets_english(client, reference_data):
    from plut.foundation.accounts.consent import consent_current

    assert consent_current() is not None
    client.cookies[COOKIE] = "en"
    response = client.post(
        reverse("accounts:owner_signup"),
        {
            "name": "Sari",
            "email": "sari@example.id",
            "phone": "0812 7000 1234",
            "password1": "kopi-robusta-tanggamus-9",
            "password2": "kopi-robusta-tanggamus-9",
            "consent": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="sari@example.id").language == "en"
    (message,) = mail.outbox
    assert message.subject == "Verify the email address of your PLUT KUMKM Portal account"


@pytest.mark.django_db
def test_account_emails_are_in_the_recipients_language(world):
    owner = world.a.owner
    owner.email, owner.language = "owner@example.id", "en"
    owner.save()
    with translation.override("id"):  # the language of whoever triggered the email
        owner_verification_email_send(user=owner)
    (message,) = mail.outbox
    assert message.subject == "Verify the email address of your PLUT KUMKM Portal account"
    assert "Terima kasih" not in message.body
