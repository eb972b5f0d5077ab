"""Keywords of one text, in the tenant's language: YAKE (1-2 word phrases) with Danish, Norwegian,
Dutch or English stop words. Pure and synchronous: the worker runs it in a thread, never on the
event loop, on a text already cut to a bounded length (the cost grows with the text)."""

from __future__ import annotations

import functools
import threading
from typing import Any

from frontdoor_members.keywords.stopwords import SNOWBALL

# the tenant's country -> YAKE's language
LANGUAGES = {"NO": "no", "DK": "da", "NL": "nl"}
MAX_KEYWORD_CHARS = 100
_LOCK = threading.Lock()


def language_of(country: str | None) -> str:
    """YAKE's language for a tenant's country: Norwegian, Danish, Dutch, else English."""
    return LANGUAGES.get((country or "").upper(), "en")


def _yake() -> Any:
    import yake  # imported on first use: the service starts without numpy and networkx loaded

    return yake


@functools.cache
def stopwords(language: str) -> frozenset[str]:
    """YAKE's stop words for the language, with Snowball's (YAKE's Danish and Norwegian lists are thin)."""
    with _LOCK:
        own = _yake().KeywordExtractor(lan=language).stopword_set
    return frozenset(w.strip().lower() for w in own if w.strip()) | SNOWBALL.get(language, frozenset())


def _usable(keyword: str, stop: frozenset[str]) -> bool:
    words = keyword.split()
    return (
        0 < len(words) <= 2
        and 2 <= len(keyword) <= MAX_KEYWORD_CHARS
        # no numbers: phone numbers, national IDs and dates are personal data, not trends
        and not any(c.isdigit() for c in keyword)
        and all(w not in stop and any(c.isalpha() for c in w) for w in words)
    )


def keywords(
    text: str, language: str, *, top: int = 5, max_chars: int = 4000, exclude: frozenset[str] = frozenset()
) -> list[str]:
    """Up to `top` lower-cased keywords (one or two words) of the first `max_chars` characters of
    `text`, most relevant first; no stop word, no digits, no word of `exclude` (the member's names),
    each once."""
    text = text[:max_chars]
    if not text.strip():
        return []
    stop = stopwords(language) | exclude
    extractor = _yake().KeywordExtractor(lan=language, n=2, top=top * 3, stopwords=set(stop))
    found: list[str] = []
    for phrase, _score in extractor.extract_keywords(text):
        keyword = " ".join(str(phrase).lower().split())
        if keyword not in found and _usable(keyword, stop):
            found.append(keyword)
        if len(found) == top:
            break
    return found
