"""No phone number and no SMS text in the surveys service's logs, whatever happens to the messages."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from frontdoor_common.clock import ManualClock
from frontdoor_common.testing import eventually, serve_app
from frontdoor_surveys.gateway.file import read_messages
from frontdoor_surveys.settings import Settings
from frontdoor_surveys.testing import MOBILE_NL, MOBILE_NO, SurveysHarness, resolved_call, running_surveys

A = "a1a1a1a1-0000-4000-8000-00000000000a"
B = "b2b2b2b2-0000-4000-8000-00000000000b"
UNKNOWN = "+4798765432"
COMMENT = "Hemmelig kommentar om saken min"


class Logged:
    """What was logged so far: stdlib records and structlog entries, as text."""

    def __init__(self) -> None:
        self.records: list[str] = []
        self.entries: list[Any] = []

    def lines(self) -> list[str]:
        return self.records + [json.dumps(entry, default=str) for entry in self.entries]

    def has(self, event: str) -> bool:
        return any(event in line for line in self.lines())


@contextmanager
def all_logs() -> Iterator[Logged]:
    """Everything logged, through structlog and through stdlib logging (SQLAlchemy, httpx, uvicorn)."""
    logged = Logged()

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.records.append(record.getMessage() + " " + repr(record.args) + " " + str(record.exc_info))

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with structlog.testing.capture_logs() as captured:
            logged.entries = captured
            yield logged
    finally:
        root.removeHandler(handler)


def _digits(number: str) -> str:
    return number.lstrip("+")


def assert_clean(lines: list[str], *secrets: str) -> None:
    text = "\n".join(lines)
    for secret in secrets:
        assert secret not in text, f"{secret!r} was logged"


async def test_replies_opt_outs_and_unknown_numbers_log_no_number_and_no_text(
    surveys_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    # INFO, the production default (at DEBUG aiosqlite logs statement parameters: libs/common QUIET).
    settings = surveys_settings(kafka_bootstrap_servers=None, log_level="INFO")
    async with running_surveys(settings, clock) as api:
        with all_logs() as logged:  # after the start: the start configures logging
            await _conversations(api)
    lines = logged.lines()
    sent_texts = [m["text"] for m in read_messages(settings.var_dir / settings.sms_file_name)]
    assert len(sent_texts) >= 8
    assert any("no survey" in line for line in lines), "the skipped contact's line was not captured"
    assert_clean(
        lines,
        MOBILE_NO,
        _digits(MOBILE_NO),
        MOBILE_NL,
        _digits(MOBILE_NL),
        UNKNOWN,
        _digits(UNKNOWN),
        COMMENT,
        "hei der",
        "another tenant writes",
        *sent_texts,
    )


async def _conversations(api: SurveysHarness) -> None:
    await api.finish_call(resolved_call(A, at=api.now(), language="en"))
    await api.finish_call(resolved_call(A, at=api.now(), language="en", member_id=None))  # skipped: logged
    await api.wait_for_sms(1, to=MOBILE_NO)
    await api.answer(MOBILE_NO, "5", "maybe", "4", "4", "3", COMMENT)
    assert (await api.reply(UNKNOWN, "hei der, hvem er dette")).json()["status"] == "unmatched"
    await api.finish_call(resolved_call(A, at=api.now(), language="en", caller_number=MOBILE_NL))
    await api.wait_for_sms(1, to=MOBILE_NL)
    await api.answer(MOBILE_NL, "STOP")
    body = {"from": MOBILE_NO, "text": "another tenant writes", "message_id": "x-1"}
    await api.client.post("/v1/sms/inbound", json=body, headers=api.headers(B, scopes="surveys:write"))
    await api.client.post("/v1/sms/inbound", json={"from": "+47 not valid", "text": "t", "message_id": "x"})


async def test_a_failing_or_refusing_gateway_logs_no_number_and_no_text(
    surveys_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    answers: list[int] = [400]

    async def send(request: Request) -> JSONResponse:
        payload = await request.json()
        # providers echo what they were given
        return JSONResponse({"error": f"cannot deliver {payload['text']} to {payload['to']}"}, answers.pop(0))

    provider = FastAPI()
    provider.post("/sms")(send)
    async with serve_app(provider) as url:
        settings = surveys_settings(kafka_bootstrap_servers=None, sms_gateway_allow_private=True, log_level="INFO")
        async with running_surveys(settings, clock) as harness:
            await harness.configure_gateway(A, url=f"{url}/sms")
            with all_logs() as logged:
                await harness.finish_call(resolved_call(A, at=harness.now(), language="en"))
                await eventually(lambda: logged.has("sms refused by the gateway"))
                answers.extend([503, 503])
                await harness.finish_call(resolved_call(A, at=harness.now(), caller_number=MOBILE_NL))
                await eventually(lambda: logged.has("sms gateway failed; will retry"))
    assert_clean(
        logged.lines(), MOBILE_NO, _digits(MOBILE_NO), MOBILE_NL, _digits(MOBILE_NL), "cannot deliver", "Question"
    )
