"""The crawler the walk tests share (tests/plut/test_public_crawl.py for visitors,
tests/plut/test_staff_crawl.py for each signed-in role): a parser of what a reader meets on a
page, and a breadth-first walk through every same-site link from a few front doors.

The pages are found, not listed, so a page added later is walked too once something links it.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.conf import settings
from django.test import Client

from clinics.models import Centre, StaffMembership
from plut.foundation.regions.models import Province, Regency

# Indonesian words that never occur in English prose, matched as whole words: the small
# words of any sentence, then the portal's own verbs and nouns (which label buttons and links).
INDONESIAN = re.compile(
    r"\b(yang|untuk|dengan|dan|atau|di|ke|dari|pada|ini|tidak|belum|sudah|akan|bisa|anda|"
    r"silakan|cari|pilih|lihat|kirim|ubah|hubungi|pesan|jadwal|konsultasi|waktu|hari|semua|"
    r"lain|masuk|daftar|sandi|kabupaten)\b",
    re.IGNORECASE,
)
# The accessible names and hints a reader meets besides the text itself.
TEXT_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
FILES = (settings.STATIC_URL, settings.MEDIA_URL)
REDIRECTS = (301, 302, 303, 307, 308)


class PageParser(HTMLParser):
    """The links, the layout's landmarks, the <html lang> and the text a reader meets.

    The text leaves out the elements in ``QUIET`` (scripts and styles) and anything marked
    ``lang="id"``: what is meant to be Indonesian whatever the reader's language (the binding
    consent text, the switch's "Bahasa Indonesia").
    """

    QUIET: tuple[str, ...] = ("script", "style")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.links: list[str] = []
        self.landmarks: set[str] = set()
        self.texts: list[str] = []
        self._quiet_tag: str | None = None  # the element whose text is left out, while open
        self._quiet_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = attributes.get("class", "").split()
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "a" and "href" in attributes:
            self.links.append(attributes["href"])
        if tag == "header" and "topbar" in classes:
            self.landmarks.add("header.topbar")
        if tag == "nav" and "header.topbar" in self.landmarks:
            self.landmarks.add("nav")
        if tag == "main" and attributes.get("id") == "main":
            self.landmarks.add("main#main")
        if tag == "footer" and "footer" in classes:
            self.landmarks.add("footer.footer")
        if self._quiet_depth:
            self._quiet_depth += tag == self._quiet_tag  # a div inside the quiet div
            return
        # <html lang> is the page's own language, checked apart; lang="id" inside it marks an
        # exception.
        marked = tag != "html" and attributes.get("lang", "").startswith("id")
        if tag in self.QUIET or marked:
            if tag not in VOID:
                self._quiet_tag, self._quiet_depth = tag, 1
            return
        self.texts += [attributes[name] for name in TEXT_ATTRIBUTES if attributes.get(name)]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if self._quiet_depth and tag == self._quiet_tag:
            self._quiet_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._quiet_depth and data.strip():
            self.texts.append(" ".join(data.split()))


@dataclass
class Walk:
    language: str
    pages: dict[str, PageParser] = field(default_factory=dict)  # HTML pages, by URL
    statuses: dict[str, int] = field(default_factory=dict)  # every URL asked, by URL
    redirects: dict[str, str] = field(default_factory=dict)
    found_on: dict[str, str] = field(default_factory=dict)  # the page each URL was met on
    problems: list[str] = field(default_factory=list)
    unvisited: int = 0

    def where(self, url: str) -> str:
        return f"{url} (from {self.found_on.get(url, 'the start')})"


def same_site(base: str, href: str, off_limits: tuple[str, ...]) -> str | None:
    """The local address ``href`` leads to from ``base``, or None when it leaves the walk."""
    parts = urlsplit(urljoin(f"http://testserver{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None  # tel:, mailto:, WhatsApp, maps
    if parts.path.startswith(off_limits + FILES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shape(url: str) -> tuple[str, frozenset[str]]:
    """A path and the names of its parameters: every free slot's step 2 is one form, so the
    first link of a shape stands for the others (every path is still walked)."""
    parts = urlsplit(url)
    return parts.path, frozenset(name for name, _value in parse_qsl(parts.query))


def walk(
    client: Client,
    language: str,
    starts: list[str],
    *,
    off_limits: tuple[str, ...],
    max_pages: int,
    parser: type[PageParser] = PageParser,
    shape_of: Callable[[str], Hashable] = shape,
    per_shape: int = 1,
) -> Walk:
    """Breadth first from ``starts``, in document order: the same pages every run; of each
    shape (``shape_of``) the first ``per_shape`` links met stand for the others.

    Every answer of 400 or more is a problem; a file (a CSV, a PDF) is asked for but not read.
    """
    result = Walk(language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    queue = deque(starts)
    queued = set(starts)
    shapes = Counter(shape_of(url) for url in starts)
    visited = 0
    while queue and visited < max_pages:
        url = queue.popleft()
        visited += 1
        response = client.get(url)
        result.statuses[url] = response.status_code
        found: list[str] = []
        if response.status_code in REDIRECTS:
            result.redirects[url] = response["Location"]
            found = [response["Location"]]
        elif response.status_code >= 400:
            result.problems.append(f"{result.where(url)}: answers {response.status_code}")
        elif response.get("Content-Type", "").startswith("text/html"):
            page = parser()
            page.feed(response.content.decode())
            page.close()
            result.pages[url] = page
            found = page.links
        for href in found:
            target = same_site(url, href, off_limits)
            if target is None:
                continue
            if target in queued:
                result.found_on.setdefault(target, url)  # a start, linked from a page too
                continue
            if shapes[shape_of(target)] >= per_shape:
                continue
            queued.add(target)
            shapes[shape_of(target)] += 1
            result.found_on[target] = url
            queue.append(target)
    result.unvisited = len(queue)
    return result


def data_names(extra: Iterable[str] = ()) -> re.Pattern[str]:
    """What the pages show as stored, the same in both languages: the names of places, centres
    and people, a centre's address and hours (and ``extra``). Removed from the text before the
    words are sought, so "Kabupaten Maros" or a consultant called Dan is not Indonesian prose."""
    names = [
        *Province.objects.values_list("name", flat=True),
        *Regency.objects.values_list("name", flat=True),
        *StaffMembership.objects.values_list("user__first_name", flat=True),
        *extra,
    ]
    for centre in Centre.objects.all():
        names += [centre.name, centre.city, centre.address, centre.opening_hours]
    names = sorted({name for name in names if name}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)")


def indonesian_text(
    result: Walk, *, skip: Iterable[str] = (), extra: Iterable[str] = ()
) -> dict[str, list[str]]:
    """Each text with an Indonesian word, and the pages showing it (but the pages ``skip``)."""
    data = data_names(extra)
    skipped = set(skip)
    found: dict[str, list[str]] = {}
    for url, page in result.pages.items():
        if url in skipped:
            continue
        for text in dict.fromkeys(page.texts):  # each text once per page, in page order
            if INDONESIAN.search(data.sub(" ", text)):
                found.setdefault(text, []).append(url)
    return found
