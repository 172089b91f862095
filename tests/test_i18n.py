"""Japanese first, English second: the committed ja catalogue is complete, the committed .mo
matches it, and a request picks Japanese by default and English by the language cookie.

The .po is parsed here with a few lines of our own (no polib at runtime) so the test checks the
very file translators edit; the .mo is read through the standard library's gettext."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from tests.auth import login_staff
from tests.factories import CompanyAdminFactory

CATALOGUE = settings.BASE_DIR / "locale" / "ja" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}|</?(?:a|strong|em|b|i|br|p|span)\b[^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


def _parse_po(text: str) -> list[Entry]:
    """Entries of a .po file (obsolete `#~` entries and the header are left out)."""
    entries, current, target = [], Entry(), None
    for line in [*text.splitlines(), ""]:
        if not line.strip():
            if target is not None:
                entries.append(current)
            current, target = Entry(), None
        elif line.startswith("#,"):
            current.fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(target, int):
                current.msgstr[target] += value
            else:
                setattr(current, target, getattr(current, target) + value)
        else:
            keyword, value = line.split(" ", 1)
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                target = int(keyword[7:-1]) if "[" in keyword else 0
                current.msgstr[target] = value
            else:
                target = keyword
                setattr(current, keyword, value)
    return [e for e in entries if e.msgid]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return _parse_po((CATALOGUE / "django.po").read_text(encoding="utf-8"))


def test_catalogue_has_no_untranslated_or_fuzzy_entries(entries):
    assert len(entries) > 500
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_translations_keep_placeholders_and_markup(entries):
    wrong = [
        (e.msgid, s) for e in entries for s in e.msgstr.values()
        if sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
    ]
    assert wrong == []


def test_compiled_catalogue_matches_the_po(entries):
    """A stale .mo (po edited, compilemessages forgotten) would ship old or English text."""
    with open(CATALOGUE / "django.mo", "rb") as fp:
        mo = gettext.GNUTranslations(fp)
    stale = []
    for e in entries:
        if e.msgid_plural:
            got = mo.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1) if e.msgctxt else mo.ngettext(
                e.msgid, e.msgid_plural, 1)
        else:
            got = mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt else mo.gettext(e.msgid)
        if got != e.msgstr[0]:
            stale.append(e.msgid)
    assert stale == []
    assert mo.info()["plural-forms"] == "nplurals=1; plural=0;"


def test_key_strings_render_in_japanese_and_english():
    with translation.override("ja"):
        assert _("Vehicles") == "車両"
        assert _("Shaken") == "車検"
        assert _("Recall") == "リコール"
        assert translation.ngettext("%(n)s open warning", "%(n)s open warnings", 3) % {"n": 3} == "未解除の警告 3 件"
    with translation.override("en"):
        assert _("Vehicles") == "Vehicles"


@pytest.mark.django_db
def test_login_page_is_japanese_by_default_and_english_by_cookie(client):
    page = client.get("/accounts/login/").content.decode()
    assert "サインイン" in page
    assert 'lang="ja"' in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert "Sign In" in page
    assert "サインイン" not in page


@pytest.mark.django_db
def test_portal_follows_the_language_switch(client):
    alice = CompanyAdminFactory()
    login_staff(client, alice)
    page = client.get("/today/").content.decode()
    assert "フォローアップ" in page and "車両" in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/today/"})
    assert response.status_code == 302
    page = client.get("/today/").content.decode()
    assert "Follow-ups" in page and "Vehicles" in page
    assert "フォローアップ" not in page
