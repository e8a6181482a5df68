"""The booking flow and the session form, completed with the keyboard alone: only Tab,
Shift+Tab, Enter, Space, the arrow keys and typing; never a click. Focus must reach every
field in order and always be somewhere a sighted keyboard user can see."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from mentoring.models import Booking, MentoringSession
from tests.browser.pages import PHONE, log_in, open_desk

pytestmark = pytest.mark.django_db(transaction=True)

# What the focused element is called: its label, its aria-label, or its own text.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {name: "", id: "", visible: false};
    const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return {
        name: (label || el.getAttribute("aria-label") || el.innerText || el.value || "").trim(),
        id: el.id,
        field: el.name || "",
        visible: box.width > 0 && box.height > 0 && style.visibility !== "hidden"
                 && style.outlineStyle !== "none",
    };
}"""


class Keyboard:
    """Moves focus like a person with a keyboard, and remembers where focus has been."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.visited: list[dict] = []

    def focused(self) -> dict:
        return self.page.evaluate(FOCUSED)

    def tab_to(self, name: str = "", *, field: str = "", limit: int = 60) -> None:
        """Tab until the focused element is called ``name`` (or is the form field ``field``)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.focused()
            self.visited.append(focused)
            if (field and focused["field"] == field) or (name and name in focused["name"]):
                # A focus ring must be drawn: the portal's :focus-visible outline.
                assert focused["visible"], f"focus on {name!r} is not visible"
                return
        names = [f["name"][:40] for f in self.visited[-limit:]]
        raise AssertionError(f"Tab never reached {name!r}; focus went through {names}")

    def arrow_to(self, name: str, *, limit: int = 12) -> None:
        """In a radio group: arrow down until the wanted option is the chosen one."""
        for _ in range(limit):
            if name in self.focused()["name"]:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"the arrow keys never reached {name!r}")

    def type_into(self, name: str, text: str) -> None:
        self.tab_to(name)
        self.page.keyboard.type(text)


@pytest.fixture
def desk(world):
    open_desk(world)
    cache.clear()
    yield world
    cache.clear()


def test_an_owner_books_with_the_keyboard_alone(page: Page, live_server, desk):
    page.set_viewport_size(PHONE)
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/pesan/{desk.a.centre.pk}/")

    # Step 1: the area (arrow keys within the group), the mode (Space), then the first slot.
    keys.tab_to(field="area")
    keys.arrow_to("Pemasaran / Kemitraan Usaha")
    keys.tab_to("Di PLUT")
    page.keyboard.press("Space")
    expect(page.get_by_role("heading", name="Pilih waktu")).to_be_visible()
    keys.tab_to("WIB")
    page.keyboard.press("Enter")

    # Step 2: every field reached in order and filled by typing.
    expect(page.get_by_role("heading", name="Data pemesanan")).to_be_visible()
    keys.type_into("Nama usaha", "Keripik Pisang Bu Sari")
    keys.tab_to("Kabupaten/kota tempat usaha")
    page.keyboard.type("Kota Bandar Lampung")  # a closed <select> picks by typed letters
    keys.type_into("Nama Anda", "Sari Wulandari")
    keys.type_into("Nomor WhatsApp / telepon", "0812 7000 1234")
    keys.type_into("Alamat email", "sari@example.id")
    keys.type_into("Apa yang ingin Anda konsultasikan?", "Pemasaran ke toko oleh-oleh")
    keys.tab_to("Saya sudah membaca dan menyetujui")
    page.keyboard.press("Space")
    keys.tab_to("Kirim pemesanan")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Pemesanan terkirim")).to_be_visible()
    booking = Booking.objects.get(enterprise__name="Keripik Pisang Bu Sari")
    assert booking.enterprise.regency.name == "Kota Bandar Lampung"
    assert booking.service_area.code == "marketing"
    # The bots' trap is out of the tab order: a keyboard user never lands in it.
    assert "id_website" not in {focused["id"] for focused in keys.visited}


def test_a_consultant_logs_a_session_with_the_keyboard_alone(page: Page, live_server, world):
    page.set_viewport_size(PHONE)
    log_in(page.context, live_server, world.a.consultant)
    keys = Keyboard(page)
    page.goto(f"{live_server.url}/staff/sessions/new/")
    enterprise = world.a.enterprise

    keys.type_into("Cari UMKM atau koperasi", enterprise.nib)
    expect(page.get_by_role("button", name=f"Tambah: {enterprise.name}")).to_be_visible()
    keys.tab_to(f"Tambah: {enterprise.name}")
    page.keyboard.press("Enter")
    expect(page.locator("#chosen")).to_contain_text(enterprise.name)

    keys.type_into("Topik", "Label kemasan dan PIRT")
    keys.type_into("Saran yang diberikan", "Urus PIRT di Dinas Kesehatan")
    keys.type_into("Tindak lanjut", "Kirim contoh label")
    keys.type_into("Tenggat", "12312099")  # a date field takes its parts as typed digits
    keys.tab_to("Simpan sesi")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Label kemasan dan PIRT")).to_be_visible()
    session = MentoringSession.objects.get(topic="Label kemasan dan PIRT")
    assert list(session.enterprises.all()) == [enterprise]
    follow_up = session.follow_ups.get()
    assert (follow_up.action, follow_up.due_on.isoformat()) == ("Kirim contoh label", "2099-12-31")


def test_a_table_wider_than_the_phone_can_be_scrolled_with_the_keyboard(
    page: Page, live_server, world
):
    page.set_viewport_size(PHONE)
    log_in(page.context, live_server, world.a.consultant)
    page.goto(f"{live_server.url}/staff/sessions/")
    table = page.locator("main table").first
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # it does scroll at 360 px
    keys = Keyboard(page)
    for _ in range(60):
        page.keyboard.press("Tab")
        if table.evaluate("t => t === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the scrolling table")
    page.keyboard.press("ArrowRight")
    # Arrow keys scroll smoothly: wait for the movement rather than read it at once.
    page.wait_for_function("t => t.scrollLeft > 0", arg=table.element_handle(), timeout=5000)
    assert keys.focused()["visible"]  # the focus ring shows which table the arrows move
