"""The desk in the user's language (catalogues), times in the tenant's zone and the user's locale."""

from __future__ import annotations

import re
from typing import Any

from console_helpers import Stage, ok, sign_in, until

from frontdoor_console.i18n.catalogues import COUNTRY_LOCALES


def test_the_desk_in_norwegian(browser: Any, console: str, api: Stage) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, console, "Sindre Fjellheim", language="nb")
        assert page.get_attribute("html", "lang") == "nb"
        assert page.inner_text("#status-h") == "Min status"
        assert page.inner_text("#colleagues-h") == "Kolleger"
        assert "Logg ut av køene mine" in page.inner_text("#status-panel")
        # Times are the tenant's (Oslo) in Norwegian form: 24-hour "HH:MM".
        page.wait_for_selector(".colleagues td")
        assert re.search(r"\b\d{2}:\d{2}\b", page.inner_text(".colleagues"))
        # The choice outlives the session: signed in again, the desk is still Norwegian.
        page.click("form[action='/signout'] button")
        sign_in(page, console, "Sindre Fjellheim", language=None)
        assert page.get_attribute("html", "lang") == "nb"
        # And back to English.
        page.select_option("#language-choice", "en")
        page.click("form.language button[type=submit]")
        until(page, "document.documentElement.lang === 'en'")
        assert page.inner_text("#status-h") == "My status"
    finally:
        context.close()


def test_a_user_who_never_chose_sees_the_tenants_language(browser: Any, console: str, api: Stage) -> None:
    country = ok(api.agents.get("/v1/settings"))["country"]
    context = browser.new_context(locale="nl-NL")  # the browser's own language is not the tenant's
    page = context.new_page()
    try:
        sign_in(page, console, "Magnus Tveitå", language=None)
        assert page.get_attribute("html", "lang") == COUNTRY_LOCALES.get(country, "en")
    finally:
        context.close()


def test_the_sign_in_page_speaks_the_browsers_language(browser: Any, console: str) -> None:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    try:
        page.goto(console + "/signin")
        assert page.get_attribute("html", "lang") == "da"
        assert page.inner_text("h1") == "Log ind på Frontdoor"
    finally:
        context.close()
