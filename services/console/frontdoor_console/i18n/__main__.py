"""`python -m frontdoor_console.i18n [extract|check]`: keep the translation catalogues current.

- `extract`: read every message from the code and the templates into `locales/console.pot`,
  then merge it into each language's `console.po` (new messages arrive untranslated; the
  translator fills in `msgstr`).
- `check`: every message of the template is translated in every language (a test runs it).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from frontdoor_console.i18n.catalogues import DOMAIN, LOCALE_DIR, LOCALES

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def _pybabel(args: list[str]) -> None:
    """Babel's own command line (`pybabel ...`), untyped in Babel: called through here."""
    run: Callable[[list[str]], object] = CommandLineInterface().run
    run(args)


def extract() -> None:
    """Messages from the code and the templates into the template, then into each catalogue."""
    _pybabel(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(Path(__file__).parent / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "--sort-output",
            "--omit-header",
            "-o",
            str(TEMPLATE),
            str(PACKAGE),
        ]
    )
    for locale in LOCALES:
        if locale == "en":
            continue
        po = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        command = "update" if po.exists() else "init"
        args = ["pybabel", "-q", command, "-i", str(TEMPLATE), "-d", str(LOCALE_DIR), "-D", DOMAIN, "-l", locale]
        if command == "update":
            # the catalogue keeps its header (language, plural forms) and its 100-column lines
            args += ["--no-fuzzy-matching", "--ignore-obsolete", "--width", "100"]
        _pybabel(args)


def missing() -> dict[str, list[str]]:
    """Per language, the template's messages it does not translate."""
    with TEMPLATE.open("rb") as f:
        template = read_po(f)
    found: dict[str, list[str]] = {}
    for locale in LOCALES:
        if locale == "en":
            continue
        with (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as f:
            catalog = read_po(f, locale=locale)
        gaps = []
        for message in template:
            if not message.id:
                continue
            translated = catalog.get(message.id)
            strings = translated.string if translated else None
            values = strings if isinstance(strings, tuple | list) else (strings,)
            if translated is None or translated.fuzzy or not all(values):
                gaps.append(str(message.id if isinstance(message.id, str) else message.id[0]))
        if gaps:
            found[locale] = gaps
    return found


def main(argv: list[str] | None = None) -> int:
    """Run `extract` or `check`."""
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "extract":
        extract()
        return 0
    gaps = missing()
    for locale, messages in gaps.items():
        print(f"{locale}: {len(messages)} untranslated: " + "; ".join(messages[:5]))
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
