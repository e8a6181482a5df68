"""Recording an outcome from the enterprise profile: who may, what is accepted, what is saved."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring.forms.profiles import RupiahField
from mentoring.models import Outcome, OutcomeSource
from mentoring.services.outcomes import outcome_record
from tests.factories.cooperatives import EnterpriseFactory
from tests.factories.mentoring import SessionFactory

pytestmark = pytest.mark.django_db


def _url(enterprise) -> str:
    return reverse("mentoring:outcome_create", args=[enterprise.pk])


def _valid(world, **overrides):
    data = {
        "recorded_on": timezone.localdate().isoformat(),
        "turnover": "Rp 750.000.000",
        "employees": "5",
        "financing_amount": "",
        "financing_source": "",
        "support_kind": "",
        "support_description": "",
        "new_markets": "",
        "sessions": [world.a.session.pk],
    }
    data.update(overrides)
    return data


# Staff of the enterprise's centre and national admins record; an officer reads the profile but
# may not record (403); an owner never uses staff pages (403); other centres' staff: 404.
TABLE = [
    ("anonymous", 302),
    ("owner_a", 403),
    ("officer_a", 403),
    ("national", 200),
    ("manager_a", 200),
    ("consultant_a", 200),
    ("officer_b", 404),
    ("manager_b", 404),
    ("consultant_b", 404),
]


@pytest.mark.parametrize(("user_name", "status"), TABLE)
def test_who_may_open_the_outcome_form(client, world, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    response = client.get(_url(world.a.enterprise))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("user_name", "status"), [(u, 302 if s == 200 else s) for u, s in TABLE])
def test_who_may_record_an_outcome(client, world, user_name, status):
    user = world.user(user_name)
    if user:
        client.force_login(user)
    before = Outcome.objects.count()
    response = client.post(_url(world.a.enterprise), _valid(world))
    assert response.status_code == status
    saved = Outcome.objects.count() - before
    if user is not None and status == 302:
        assert saved == 1
        assert response["Location"] == reverse(
            "mentoring:enterprise_profile", args=[world.a.enterprise.pk]
        )
    else:
        assert saved == 0


def test_a_valid_outcome_is_saved_once_with_its_sessions_and_reporter(client, world):
    other = SessionFactory(consultant=world.a.consultant, enterprises=[world.a.enterprise])
    client.force_login(world.a.consultant)
    response = client.post(
        _url(world.a.enterprise),
        _valid(
            world,
            financing_amount="Rp 3.900.000",
            financing_source="kur",
            obtained_halal="on",
            sessions=[world.a.session.pk, other.pk],
        ),
        follow=True,
    )
    outcome = Outcome.objects.exclude(pk=world.a.outcome.pk).get(enterprise=world.a.enterprise)
    assert (outcome.turnover, outcome.employees) == (750_000_000, 5)
    assert (outcome.financing_amount, outcome.financing_source) == (3_900_000, "kur")
    assert outcome.obtained_halal and not outcome.obtained_pirt
    assert set(outcome.sessions.all()) == {world.a.session, other}
    assert outcome.reported_by == world.a.consultant
    assert outcome.source == OutcomeSource.STAFF
    assert "Hasil pendampingan tersimpan." in response.content.decode()


def test_the_form_offers_only_this_enterprises_sessions(client, world):
    elsewhere = SessionFactory(
        consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
    )
    client.force_login(world.a.consultant)
    response = client.get(_url(world.a.enterprise))
    choices = list(response.context["form"].fields["sessions"].queryset)
    assert choices == [world.a.session]
    assert f'value="{elsewhere.pk}"' not in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("Rp 3.900.000", 3_900_000),
        ("3.900.000.000", 3_900_000_000),
        ("rp3900000", 3_900_000),
        ("Rp. 1.500", 1_500),
        (" 3 900 000 ", 3_900_000),
        ("750", 750),
        ("0", 0),
        ("", None),
    ],
)
def test_rupiah_is_read_as_indonesians_write_it(typed, amount):
    assert RupiahField(required=False).clean(typed) == amount


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3,5", "tanpa koma atau desimal"),
        ("Rp 3.900.000,00", "tanpa koma atau desimal"),
        ("-500.000", "tidak boleh negatif"),
        ("3.9", "pemisah ribuan"),
        ("39.00", "pemisah ribuan"),
        ("tiga juta", "angka Rupiah"),
        ("3.900.000.000.000.000.000", "terlalu besar"),
    ],
)
def test_rupiah_refuses_what_it_cannot_read_exactly(typed, message):
    with pytest.raises(forms.ValidationError) as error:
        RupiahField().clean(typed)
    assert message in " ".join(error.value.messages)


def _refused(client, world, data, field):
    client.force_login(world.a.consultant)
    before = Outcome.objects.count()
    response = client.post(_url(world.a.enterprise), data)
    assert response.status_code == 200
    assert Outcome.objects.count() == before
    errors = response.context["form"].errors
    assert field in errors, errors
    body = response.content.decode()
    assert 'role="alert"' in body
    return errors, body


def test_a_decimal_amount_is_refused_in_indonesian(client, world):
    errors, body = _refused(client, world, _valid(world, turnover="3,5", employees=""), "turnover")
    assert "tanpa koma atau desimal" in errors["turnover"][0]
    assert "tanpa koma atau desimal" in body
    # The amount was typed, just not readably: no "fill in at least one measure" on top.
    assert "__all__" not in errors


def test_an_empty_outcome_is_refused(client, world):
    data = _valid(world, turnover="", employees="", sessions=[])
    errors, _body = _refused(client, world, data, "__all__")
    assert "Isi minimal satu hasil yang terukur" in errors["__all__"][0]


def test_zero_employees_is_a_measurement(client, world):
    client.force_login(world.a.consultant)
    response = client.post(_url(world.a.enterprise), _valid(world, turnover="", employees="0"))
    assert response.status_code == 302


def test_financing_needs_its_source(client, world):
    data = _valid(world, financing_amount="25.000.000", financing_source="")
    errors, _body = _refused(client, world, data, "financing_source")
    assert "Sebutkan sumber pembiayaan" in errors["financing_source"][0]


def test_a_source_needs_its_amount(client, world):
    data = _valid(world, financing_amount="", financing_source="kur")
    errors, _body = _refused(client, world, data, "financing_amount")
    assert "Isi jumlah pembiayaan" in errors["financing_amount"][0]


def test_a_session_of_another_enterprise_cannot_be_linked(client, world):
    other = SessionFactory(
        consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
    )
    _refused(client, world, _valid(world, sessions=[other.pk]), "sessions")
    assert not other.outcomes.exists()


def test_an_outcome_cannot_be_dated_in_the_future(client, world):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    errors, _body = _refused(client, world, _valid(world, recorded_on=tomorrow), "recorded_on")
    assert "masa depan" in errors["recorded_on"][0]


def test_the_date_defaults_to_today(client, world):
    client.force_login(world.a.consultant)
    form = client.get(_url(world.a.enterprise)).context["form"]
    assert form["recorded_on"].value() == form.today


def test_the_service_refuses_a_session_the_enterprise_did_not_attend(world):
    other = SessionFactory(
        consultant=world.a.consultant, enterprises=[EnterpriseFactory(centre=world.a.centre)]
    )
    before = Outcome.objects.count()
    with pytest.raises(ValidationError):
        outcome_record(
            enterprise=world.a.enterprise,
            reported_by=world.a.consultant,
            data={"recorded_on": timezone.localdate(), "employees": 6},
            sessions=[world.a.session, other],
        )
    assert Outcome.objects.count() == before


def test_the_service_validates_the_model_rules(world):
    before = Outcome.objects.count()
    with pytest.raises(ValidationError) as error:
        outcome_record(
            enterprise=world.a.enterprise,
            reported_by=world.a.consultant,
            data={"recorded_on": timezone.localdate(), "financing_amount": 1_000_000},
            sessions=[],
        )
    assert "financing_source" in error.value.message_dict
    assert Outcome.objects.count() == before


def test_every_field_has_a_label_and_the_page_has_no_inline_script_or_style(client, world):
    client.force_login(world.a.consultant)
    response = client.get(_url(world.a.enterprise))
    body = response.content.decode()
    for field in response.context["form"]:
        if field.name != "sessions":
            assert f'for="{field.id_for_label}"' in body, field.name
    assert "<legend>Sesi yang berkontribusi</legend>" in body
    assert "style=" not in body
    assert "<script>" not in body
