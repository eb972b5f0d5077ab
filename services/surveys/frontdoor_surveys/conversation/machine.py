"""The survey conversation as a pure state machine.

Given a survey's state and an inbound text (and the time, as an argument), `reply` returns
the new state, the messages to send and what happened. No I/O: the service stores the
state, queues the messages and publishes events for the effects.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from frontdoor_surveys.conversation.texts import STOP_WORDS, text

Status = Literal["scheduled", "asking", "completed", "expired", "opted_out", "failed"]
ACTIVE: frozenset[str] = frozenset({"scheduled", "asking"})
MIN_ANSWER, MAX_ANSWER = 1, 5
COMMENT_MAX_CHARS = 1000

_NUMBER = re.compile(r"\s*(\d{1,6})\s*[.!,)]*\s*")


@dataclass(frozen=True)
class SurveyState:
    """Where a survey's conversation stands."""

    status: Status
    language: str
    questions: tuple[str, ...]
    answers: tuple[int, ...] = ()
    clarified_step: int | None = None  # the question a clarifying message was already sent for
    awaiting_comment: bool = False
    comment: str | None = None
    expires_at: datetime | None = None

    @property
    def step(self) -> int:
        """0-based index of the question being asked."""
        return len(self.answers)

    @property
    def is_active(self) -> bool:
        """Still waiting to be sent or for answers."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class Answered:
    """A question (1-based) got a valid answer."""

    question: int
    value: int


@dataclass(frozen=True)
class Completed:
    """The last question was answered."""


@dataclass(frozen=True)
class Commented:
    """The optional comment arrived."""


@dataclass(frozen=True)
class OptedOut:
    """The member replied STOP."""


@dataclass(frozen=True)
class Expired:
    """The survey ran out of time unanswered."""


@dataclass(frozen=True)
class Clarified:
    """A reply that is not an answer got its one clarifying message."""


@dataclass(frozen=True)
class Ignored:
    """A reply that changes nothing (and why)."""

    reason: str


Effect = Answered | Completed | Commented | OptedOut | Expired | Clarified | Ignored


@dataclass(frozen=True)
class Outcome:
    """The new state, the messages to send (in order) and what happened."""

    state: SurveyState
    messages: tuple[str, ...] = ()
    effects: tuple[Effect, ...] = ()


def is_stop(reply: str) -> bool:
    """Whether a reply means STOP (STOP, STOPP, AFMELD, ... in any case, punctuation ignored)."""
    folded = unicodedata.normalize("NFKC", reply).casefold()
    word = re.sub(r"[^\w]+", " ", folded).strip()
    return word in STOP_WORDS


def parse_number(reply: str) -> int | None:
    """The number a reply consists of ("4", " 5. "), or None if it is not just a number."""
    match = _NUMBER.fullmatch(unicodedata.normalize("NFKC", reply))
    return int(match.group(1)) if match else None


def question_message(state: SurveyState) -> str:
    """The text asking the current question."""
    n = len(state.questions)
    return text(state.language, "question", i=state.step + 1, n=n, text=state.questions[state.step])


def start(language: str, questions: tuple[str, ...]) -> Outcome:
    """A new survey: scheduled, with its first message (the introduction and question 1)."""
    if not questions:
        raise ValueError("a survey needs at least one question")
    state = SurveyState(status="scheduled", language=language, questions=questions)
    first = f"{text(language, 'intro', n=len(questions))}\n{question_message(state)}"
    return Outcome(state, (first,))


def sent(state: SurveyState, now: datetime, expiry: timedelta) -> SurveyState:
    """The first message left: the survey asks, and expires after `expiry` without answers."""
    if state.status != "scheduled":
        return state
    return replace(state, status="asking", expires_at=now + expiry)


def reply(state: SurveyState, reply_text: str, now: datetime, expiry: timedelta) -> Outcome:
    """Apply one inbound text to the survey."""
    if is_stop(reply_text):
        return _opt_out(state)
    if state.is_active and state.expires_at is not None and now >= state.expires_at:
        expired = expire(state, now)
        return Outcome(expired.state, (), (*expired.effects, Ignored("expired")))
    if state.status == "asking":
        return _answer(state, reply_text, now, expiry)
    if state.status == "completed" and state.awaiting_comment:
        if state.expires_at is not None and now >= state.expires_at:
            return Outcome(replace(state, awaiting_comment=False), (), (Ignored("comment_window_closed"),))
        comment = reply_text.strip()[:COMMENT_MAX_CHARS]
        if not comment:
            return Outcome(state, (), (Ignored("empty"),))
        new = replace(state, awaiting_comment=False, comment=comment)
        return Outcome(new, (text(state.language, "thanks"),), (Commented(),))
    return Outcome(state, (), (Ignored(f"survey_{state.status}"),))


def expire(state: SurveyState, now: datetime) -> Outcome:
    """Close a survey whose time ran out (an open comment window just closes)."""
    if state.expires_at is None or now < state.expires_at:
        return Outcome(state)
    if state.status == "asking":
        return Outcome(replace(state, status="expired"), (), (Expired(),))
    if state.status == "completed" and state.awaiting_comment:
        return Outcome(replace(state, awaiting_comment=False))
    return Outcome(state)


def _opt_out(state: SurveyState) -> Outcome:
    confirmation = (text(state.language, "opted_out"),)
    if state.is_active:
        return Outcome(replace(state, status="opted_out", awaiting_comment=False), confirmation, (OptedOut(),))
    return Outcome(replace(state, awaiting_comment=False), confirmation, (OptedOut(),))


def _answer(state: SurveyState, reply_text: str, now: datetime, expiry: timedelta) -> Outcome:
    value = parse_number(reply_text)
    if value is None or not MIN_ANSWER <= value <= MAX_ANSWER:
        if state.clarified_step == state.step:
            return Outcome(state, (), (Ignored("not_an_answer"),))
        clarified = replace(state, clarified_step=state.step)
        return Outcome(clarified, (f"{text(state.language, 'clarify')}\n{question_message(state)}",), (Clarified(),))
    answered = replace(state, answers=(*state.answers, value), expires_at=now + expiry)
    effects: tuple[Effect, ...] = (Answered(question=state.step + 1, value=value),)
    if answered.step < len(state.questions):
        return Outcome(answered, (question_message(answered),), effects)
    done = replace(answered, status="completed", awaiting_comment=True)
    return Outcome(done, (text(state.language, "comment"),), (*effects, Completed()))


def score(answers: tuple[int, ...] | list[int]) -> float | None:
    """The survey's index: the mean of its answers rescaled to 0-100 ((answer - 1) / 4 * 100)."""
    if not answers:
        return None
    span = MAX_ANSWER - MIN_ANSWER
    return sum((a - MIN_ANSWER) / span * 100 for a in answers) / len(answers)
