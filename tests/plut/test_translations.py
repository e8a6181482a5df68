"""The English message catalogue: complete, compiled, and actually used by the pages.

The source strings are Bahasa Indonesia; `make messages` refreshes locale/en after a change.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_FILE = CATALOGUE / "django.po"
MO_FILE = CATALOGUE / "django.mo"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    """One message of a .po file (obsolete `#~` entries are left out)."""

    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # the field that continuation lines extend
    pending_flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            # A new entry starts at msgctxt, or at a msgid that does not follow a msgctxt.
            if keyword == "msgctxt" or (keyword == "msgid" and target != ("msgctxt", 0)):
                current = Entry(line=number, flags=pending_flags)
                entries.append(current)
                pending_flags = set()
            assert current is not None, f"{path}:{number}: {keyword} outside an entry"
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                current.msgstr[target[1]] = value
            else:
                target = (keyword, 0)
                setattr(current, keyword, value)
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
            continue
        raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: run `make messages`"
    return parse_po(PO_FILE)


def _where(entry: Entry) -> str:
    return f"{PO_FILE.name}:{entry.line} {entry.msgid!r}"


def test_the_parser_reads_the_catalogue(entries):
    # Guards the checks below against a parser that silently finds nothing.
    assert entries[0].is_header
    assert sum(1 for entry in entries if entry.is_header) == 1
    messages = {entry.msgid: entry for entry in entries}
    assert messages["Cari PLUT"].msgstr == {0: "Find a PLUT"}
    plural = messages["%(counter)s PLUT ditemukan."]
    assert plural.msgid_plural == "%(counter)s PLUT ditemukan."
    assert set(plural.msgstr) == {0, 1}
    assert len(entries) > 200


def test_the_header_declares_english_utf8_and_two_plural_forms(entries):
    header = entries[0].msgstr[0]
    fields = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
    assert fields.get("Language") == "en"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_every_message_is_translated(entries):
    untranslated = []
    for entry in entries:
        if entry.is_header:
            continue
        expected_forms = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected_forms or not all(
            text.strip() for text in entry.msgstr.values()
        ):
            untranslated.append(_where(entry))
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(entries):
    fuzzy = [_where(entry) for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy messages (check and remove the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders(entries):
    wrong = []
    for entry in entries:
        if entry.is_header:
            continue
        expected = sorted(_PLACEHOLDER.findall(entry.msgid))
        for text in entry.msgstr.values():
            if sorted(_PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{_where(entry)} -> {text!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt (Debian package gettext) is needed to check the compiled catalogue"
    assert MO_FILE.is_file(), f"{MO_FILE} is missing: run `make messages`"
    fresh = tmp_path / "django.mo"
    # compilemessages runs `msgfmt --check-format`; --check adds the header and domain checks
    # and writes the same bytes.
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(fresh), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert fresh.read_bytes() == MO_FILE.read_bytes(), (
        "django.mo is stale: run `make messages` and commit both files"
    )


def test_gettext_follows_the_active_language():
    with translation.override("en"):
        assert translation.gettext("Cari PLUT") == "Find a PLUT"
        assert translation.gettext("Koperasi aktif (RAT)").endswith("RAT)")
        counted = "%(counter)s PLUT ditemukan."
        assert translation.ngettext(counted, counted, 1) == "%(counter)s PLUT found."
        assert translation.ngettext(counted, counted, 2) == "%(counter)s PLUTs found."
    with translation.override("id"):
        assert translation.gettext("Cari PLUT") == "Cari PLUT"


@pytest.mark.django_db
def test_the_home_page_speaks_english_when_chosen(client, reference_data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert "<h1>Free business consulting at PLUT KUMKM</h1>" in page
    assert "Konsultasi usaha gratis" not in page
    assert '<html lang="en">' in page


@pytest.mark.django_db
def test_the_home_page_stays_indonesian_by_default(client, reference_data):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Konsultasi usaha gratis di PLUT KUMKM</h1>" in page
    assert "Free business consulting" not in page
