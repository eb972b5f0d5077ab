"""A field with a hint and an error names both in one aria-describedby: a second attribute on the
same element is dropped by the browser, and a screen reader then never hears the error."""

from __future__ import annotations

import gettext
import re

import pytest

from frontdoor_console.web.templating import _environment


class _Outcome:
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors

    def error(self, name: str) -> str | None:
        return self.errors.get(name)


def _input(errors: dict[str, str], hint: str | None) -> str:
    env = _environment(gettext.NullTranslations())
    template = env.from_string(
        '{% from "admin/_macros.html" import described %}<input id="f"{{ described(outcome, "languages", hint) }}>'
    )
    return template.render(outcome=_Outcome(errors), hint=hint)


@pytest.mark.parametrize(
    ("errors", "hint", "described_by", "invalid"),
    [
        ({}, "f-hint", "f-hint", False),
        ({"languages": "Not a language."}, "f-hint", "f-hint err-languages", True),
        ({"languages": "Not a language."}, None, "err-languages", True),
        ({}, None, None, False),
    ],
)
def test_one_aria_describedby_names_the_hint_and_the_error(
    errors: dict[str, str], hint: str | None, described_by: str | None, invalid: bool
) -> None:
    html = _input(errors, hint)
    found = re.findall(r'aria-describedby="([^"]*)"', html)
    assert found == ([described_by] if described_by else []), html
    assert ('aria-invalid="true"' in html) is invalid


@pytest.mark.parametrize("template", ["admin/_person_form.html", "admin/_queue_form.html"])
def test_the_admin_forms_leave_describedby_to_the_macro(template: str) -> None:
    source = _environment(gettext.NullTranslations()).loader.get_source(  # type: ignore[union-attr]
        _environment(gettext.NullTranslations()), template
    )[0]
    for tag in re.findall(r"<input[^>]*>", source):
        if "described(" in tag:
            assert "aria-describedby" not in tag, tag
