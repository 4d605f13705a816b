"""Dutch first, then French, German and English: every text of the web app translated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from domain.db import db
from tests.factories import make_bin, make_web_user
from tests.web_support import post_form, sign_in

CATALOGS = Path(__file__).resolve().parents[3] / "ivr" / "translations"


def test_every_text_has_a_dutch_french_and_german_translation():
    for lang in ("nl", "fr", "de"):
        with open(CATALOGS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            # Read as compiled: the catalogues have no header, so two plural forms each
            # (babel's French locale alone would ask three).
            catalog = read_po(f)
        untranslated = [m.id for m in catalog if m.id and (
            not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
        assert untranslated == [], f"{lang}: untranslated {untranslated}"
        assert not [m.id for m in catalog if m.id and m.fuzzy], f"{lang}: fuzzy entries"


def test_the_sign_in_page_is_dutch_unless_the_browser_asks_french_or_german(client):
    assert "Aanmelden" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en"})
    assert "Aanmelden" in english.get_data(as_text=True)
    french = client.get("/login", headers={"Accept-Language": "fr-BE,fr"})
    assert "Se connecter" in french.get_data(as_text=True)


def test_the_language_switch_changes_the_pages_and_is_stored(app, client):
    user = make_web_user(db, "coordinator", bins=[make_bin(db)])
    sign_in(client, user)
    assert 'lang="nl"' in client.get("/logout").get_data(as_text=True)
    post_form(client, "/language", {"language": "de", "next": "/logout"})
    page = client.get("/logout").get_data(as_text=True)
    assert 'lang="de"' in page and "Abmelden" in page
    db.session.refresh(user)
    assert user.language == "de"


def test_error_pages_speak_the_readers_language_and_show_no_trace(client):
    page = client.get("/no/such/page", headers={"Accept-Language": "fr"})
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "Page introuvable" in text and "Traceback" not in text
