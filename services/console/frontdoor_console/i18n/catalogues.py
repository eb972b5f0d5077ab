"""The translation catalogues: gettext `.po` files, compiled in memory when the console starts.

`locales/<locale>/LC_MESSAGES/console.po` holds each language (Norwegian bokmål `nb`, Danish
`da`, Dutch `nl`); English is the source text. `console.pot` is the template extracted from the
templates and the code (`python -m frontdoor_console.i18n extract`, see the README).
No compiled `.mo` file is committed or needed: Babel reads each `.po` and writes its `.mo` into
memory, so a translation edited in the `.po` is live at the next start.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path
from typing import get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from frontdoor_console.settings import Locale

LOCALES: tuple[Locale, ...] = get_args(Locale)
DOMAIN = "console"
LOCALE_DIR = Path(__file__).parent / "locales"

# What each locale is called in itself (the language picker shows these).
NATIVE_NAMES: dict[Locale, str] = {"en": "English", "nb": "Norsk (bokmål)", "da": "Dansk", "nl": "Nederlands"}
# A tenant's country gives its default language.
COUNTRY_LOCALES: dict[str, Locale] = {"NO": "nb", "DK": "da", "NL": "nl"}


def compile_catalogue(po_path: Path) -> gettext.GNUTranslations:
    """The translations of one `.po` file, compiled in memory."""
    with po_path.open("rb") as f:
        catalog = read_po(f, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def load_catalogues(directory: Path = LOCALE_DIR) -> dict[Locale, gettext.NullTranslations]:
    """Every locale's translations (English: the source text itself)."""
    found: dict[Locale, gettext.NullTranslations] = {}
    for locale in LOCALES:
        po = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        found[locale] = compile_catalogue(po) if po.exists() else gettext.NullTranslations()
    return found


def parse_locale(value: str | None) -> Locale | None:
    """A supported locale from a form value or an Accept-Language tag (None if unsupported)."""
    if not value:
        return None
    tag = value.strip().lower().replace("_", "-")
    base = tag.split("-")[0]
    if base in ("no", "nn"):  # Norwegian without a variant, or nynorsk: bokmål is what we have
        base = "nb"
    for locale in LOCALES:
        if base == locale:
            return locale
    return None
