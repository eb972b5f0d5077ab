"""Jinja2 templates, one environment per locale (each with its gettext catalogue installed)."""

from __future__ import annotations

import gettext
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from frontdoor_console.i18n.names import NAMES
from frontdoor_console.settings import Locale

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@cache
def static_url(path: str) -> str:
    """The URL of a static file, with a content hash so browsers never run a stale script."""
    data = (STATIC_DIR / path).read_bytes()
    return f"/static/{path}?v={hashlib.sha256(data).hexdigest()[:12]}"


def _environment(translations: gettext.NullTranslations) -> Environment:
    env = Environment(
        loader=PackageLoader("frontdoor_console", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]

    def label(kind: str, code: object) -> str:
        """A code's name in this language (the code itself when no name is known)."""
        text = NAMES.get(kind, {}).get(str(code))
        return translations.gettext(text) if text else str(code)

    env.globals.update(
        static_url=static_url,
        label=label,
        role_name=lambda role: label("role", role),
        service_name=lambda service: label("service", service),
    )
    return env


class Templates:
    """Renders a template in a locale."""

    def __init__(self, catalogues: dict[Locale, gettext.NullTranslations]) -> None:
        self.catalogues = catalogues
        self.envs = {locale: _environment(t) for locale, t in catalogues.items()}

    def render(self, name: str, locale: Locale, /, **context: Any) -> str:
        """The template `name` rendered in `locale`."""
        return self.envs[locale].get_template(name).render(**context)

    def gettext(self, locale: Locale, message: str) -> str:
        """One message in `locale` (for text made in code, e.g. a service's fault)."""
        return self.catalogues[locale].gettext(message)
