"""The personal-data pages' parts on their own: who gets the privacy scopes, how the retention
form is read, which field a members' refusal names, and the pages' texts in every language."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.datastructures import FormData

from frontdoor_common.events.privacy import RETENTION_KINDS
from frontdoor_console.auth.roles import ROLES, scopes_for
from frontdoor_console.i18n.catalogues import load_catalogues
from frontdoor_console.privacy.endpoints import _kind_of, submitted_windows, windows_of

PRIVACY_SCOPES = ("privacy:export", "privacy:erase")


@pytest.mark.parametrize("role", ROLES)
def test_only_administrators_tokens_carry_the_privacy_scopes(role: str) -> None:
    carried = [s for s in PRIVACY_SCOPES if s in scopes_for(role)]
    assert carried == (list(PRIVACY_SCOPES) if role == "administrator" else [])
    assert "privacy:unseal" not in scopes_for(role)  # the services' own, never a person's


def test_the_retention_form_sends_the_filled_kinds_and_leaves_the_empty_ones_out() -> None:
    form = FormData(
        [("call_records", " 30 "), ("callbacks", ""), ("sms_bodies", "abc"), ("bookings", "0"), ("junk", "5")]
    )
    windows, typed = submitted_windows(form)
    # a non-number is passed on as typed, for members to name in its 422; an unknown field is not sent
    assert windows == {"call_records": 30, "sms_bodies": "abc", "bookings": 0}
    assert set(typed) == set(RETENTION_KINDS) and typed["call_records"] == "30" and typed["callbacks"] == ""


def test_the_windows_members_answers_are_kept_to_the_known_kinds() -> None:
    assert windows_of({"windows": {"call_records": 30, "recordings": 5, "messages": "x"}}) == {"call_records": 30}
    assert windows_of(None) == {} and windows_of({"windows": None}) == {}


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("windows.call_records", "call_records"),
        ("call_records", "call_records"),
        ("windows.recordings", None),
        ("windows", None),
        (None, None),
        ("body.windows.bookings", "bookings"),
    ],
)
def test_a_refusal_is_shown_beside_the_kind_it_names(field: str | None, kind: str | None) -> None:
    assert _kind_of(field) == kind


@pytest.mark.parametrize("locale", ["nb", "da", "nl"])
def test_the_pages_texts_are_translated(locale: str) -> None:
    catalogue = load_catalogues()[locale]
    for message in ("Download access report", "Erase personal data", "Erasure requests", "Survey answers"):
        assert catalogue.gettext(message) != message, (locale, message)


async def test_the_report_is_passed_on_chunk_by_chunk_and_the_upstream_closed() -> None:
    import httpx

    from frontdoor_console.privacy.endpoints import _passed_on

    made: list[int] = []

    async def body() -> Any:
        for n in range(3):
            made.append(n)
            yield f'{{"n": {n}}}\n'.encode()

    upstream = httpx.Response(200, content=body())
    passed = _passed_on(upstream)
    first = await passed.__anext__()
    assert first == b'{"n": 0}\n' and made == [0]  # the first chunk is out before the second is made
    await passed.aclose()  # the browser went away
    assert upstream.is_closed and made == [0]
