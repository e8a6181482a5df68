"""A consultant in the field corrects an owner's phone number from the enterprise's profile."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cooperatives.models import Person
from tests.browser.pages import (
    PHONE,
    axe_violations,
    broken_references,
    describe,
    log_in,
    sideways_overflow,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_consultant_corrects_an_owners_phone_on_a_phone(page: Page, live_server, world):
    enterprise, person = world.a.enterprise, world.a.person
    page.set_viewport_size(PHONE)
    log_in(page.context, live_server, world.a.consultant)
    page.goto(f"{live_server.url}/staff/enterprises/{enterprise.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(enterprise.name)

    page.get_by_role("link", name="Ubah data pemilik").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ubah data orang")
    assert sideways_overflow(page) == []
    violations = axe_violations(page)
    assert not violations, describe(violations)
    # The NIK is not in the form: typed only to change it.
    expect(page.get_by_label("NIK baru")).to_have_value("")
    assert person.nik not in page.content()

    page.get_by_label("Telepon / WhatsApp").fill("0813 5555 1212")
    page.get_by_role("button", name="Simpan perubahan").click()

    expect(page).to_have_url(f"{live_server.url}/staff/enterprises/{enterprise.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Perubahan data tersimpan")
    expect(page.locator("main")).to_contain_text("+62813****1212")
    assert Person.objects.get(pk=person.pk).phone == "+6281355551212"


def test_the_edit_pages_pass_axe_and_fit_a_phone_with_their_errors_shown(
    page: Page, live_server, world
):
    page.set_viewport_size(PHONE)
    log_in(page.context, live_server, world.a.manager)
    for url in [
        f"/staff/enterprises/{world.a.enterprise.pk}/edit/",
        f"/staff/cooperatives/{world.a.cooperative.pk}/edit/",
        f"/staff/persons/{world.a.person.pk}/edit/",
    ]:
        page.goto(live_server.url + url)
        first = page.locator("main input:not([type=hidden]), main textarea").first
        first.fill("")
        page.get_by_role("button", name="Simpan perubahan").click()
        expect(page.locator("main .errors").first).to_contain_text("Bidang ini harus diisi.")
        assert sideways_overflow(page) == [], url
        assert broken_references(page) == [], url
        violations = axe_violations(page)
        assert not violations, f"{url}\n{describe(violations)}"
