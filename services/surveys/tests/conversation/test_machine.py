"""The conversation state machine, without fakes: one question at a time, one clarification, STOP, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from frontdoor_surveys.conversation import machine
from frontdoor_surveys.conversation.machine import (
    Answered,
    Clarified,
    Commented,
    Completed,
    Expired,
    Ignored,
    OptedOut,
    SurveyState,
)
from frontdoor_surveys.policy.defaults import DEFAULT_QUESTIONS

T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
QUESTIONS = DEFAULT_QUESTIONS["en"]


def asking() -> SurveyState:
    return machine.sent(machine.start("en", QUESTIONS).state, T0, DAY)


def test_the_first_message_introduces_the_survey_and_asks_only_the_first_question() -> None:
    outcome = machine.start("no", DEFAULT_QUESTIONS["no"])
    assert outcome.state.status == "scheduled"
    [message] = outcome.messages
    assert "STOPP" in message
    assert "Spørsmål 1/4" in message and DEFAULT_QUESTIONS["no"][0] in message
    assert DEFAULT_QUESTIONS["no"][1] not in message


def test_sending_starts_the_expiry_clock() -> None:
    state = asking()
    assert state.status == "asking"
    assert state.expires_at == T0 + DAY


def test_each_answer_asks_the_next_question_and_the_last_one_invites_a_comment() -> None:
    state = asking()
    for i, value in enumerate([5, 4, 3], start=1):
        outcome = machine.reply(state, str(value), T0 + timedelta(minutes=i), DAY)
        assert outcome.effects == (Answered(question=i, value=value),)
        assert outcome.messages == (f"Question {i + 1}/4: {QUESTIONS[i]}",)
        state = outcome.state
    last = machine.reply(state, " 2. ", T0 + timedelta(minutes=5), DAY)
    assert last.effects == (Answered(question=4, value=2), Completed())
    assert last.state.status == "completed" and last.state.answers == (5, 4, 3, 2)
    assert "comment" in last.messages[0]
    commented = machine.reply(last.state, "  Very helpful, thanks!  ", T0 + timedelta(minutes=6), DAY)
    assert commented.effects == (Commented(),)
    assert commented.state.comment == "Very helpful, thanks!"
    assert commented.messages == ("Thank you for your comment.",)
    after = machine.reply(commented.state, "one more thing", T0 + timedelta(minutes=7), DAY)
    assert after.effects == (Ignored("survey_completed"),) and after.messages == ()


@pytest.mark.parametrize("reply", ["0", "6", "45", "five", "4 or 5", "", "👍"])
def test_a_reply_that_is_not_an_answer_gets_exactly_one_clarifying_message(reply: str) -> None:
    state = asking()
    first = machine.reply(state, reply, T0, DAY)
    assert first.effects == (Clarified(),)
    assert "1 to 5" in first.messages[0] and "Question 1/4" in first.messages[0]
    again = machine.reply(first.state, reply, T0, DAY)
    assert again.effects == (Ignored("not_an_answer"),) and again.messages == ()
    assert again.state.answers == ()
    answered = machine.reply(again.state, "3", T0, DAY)
    assert answered.effects == (Answered(question=1, value=3),)


def test_the_next_question_may_be_clarified_once_again() -> None:
    state = machine.reply(machine.reply(asking(), "x", T0, DAY).state, "4", T0, DAY).state
    assert machine.reply(state, "x", T0, DAY).effects == (Clarified(),)


@pytest.mark.parametrize("word", ["STOP", "stopp", "Stop!", "AFMELD", "avmeld", "afmelden", "unsubscribe"])
def test_stop_in_any_of_the_languages_opts_out_and_confirms(word: str) -> None:
    outcome = machine.reply(asking(), word, T0, DAY)
    assert outcome.effects == (OptedOut(),)
    assert outcome.state.status == "opted_out"
    assert outcome.messages == ("You have opted out and will get no more surveys from us.",)


def test_stop_after_completion_keeps_the_answers_but_opts_out() -> None:
    state = asking()
    for value in "5555":
        state = machine.reply(state, value, T0, DAY).state
    outcome = machine.reply(state, "stop", T0, DAY)
    assert outcome.effects == (OptedOut(),)
    assert outcome.state.status == "completed" and not outcome.state.awaiting_comment


def test_a_survey_expires_a_day_after_the_last_answer() -> None:
    state = machine.reply(asking(), "4", T0 + timedelta(hours=20), DAY).state
    assert machine.expire(state, T0 + timedelta(hours=30)).effects == ()
    outcome = machine.expire(state, T0 + timedelta(hours=44))
    assert outcome.effects == (Expired(),) and outcome.state.status == "expired"


def test_a_reply_after_the_deadline_expires_the_survey_instead_of_counting() -> None:
    outcome = machine.reply(asking(), "5", T0 + DAY, DAY)
    assert outcome.effects == (Expired(), Ignored("expired"))
    assert outcome.state.answers == ()


def test_the_comment_window_closes_quietly_at_expiry() -> None:
    state = asking()
    for value in "4444":
        state = machine.reply(state, value, T0, DAY).state
    outcome = machine.expire(state, T0 + DAY)
    assert outcome.effects == () and outcome.state.status == "completed"
    assert not outcome.state.awaiting_comment


def test_the_score_rescales_the_mean_answer_to_0_100() -> None:
    assert machine.score([5, 5, 5, 5]) == 100
    assert machine.score([1, 1, 1, 1]) == 0
    assert machine.score([5, 4, 4, 3]) == 75
    assert machine.score([]) is None
