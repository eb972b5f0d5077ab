"""What the survey says, in Danish, Norwegian, Dutch and English, and the words that mean STOP."""

from __future__ import annotations

LANGUAGES = ("da", "no", "nl", "en")

_ALIASES = {"nb": "no", "nn": "no", "nor": "no", "dan": "da", "nld": "nl", "dut": "nl", "eng": "en"}

# Replying any of these (in any language, any case, with or without punctuation) opts out.
STOP_WORDS = frozenset(
    {
        "stop",
        "stopp",
        "unsubscribe",
        "afmeld",
        "frameld",
        "avmeld",
        "avslutt",
        "afmelden",
        "uitschrijven",
    }
)

TEXTS: dict[str, dict[str, str]] = {
    "da": {
        "intro": "Tak for din henvendelse. Vil du hjælpe os med {n} korte spørgsmål? "
        "Svar med et tal fra 1 (dårligst) til 5 (bedst). Svar STOP for at framelde.",
        "question": "Spørgsmål {i}/{n}: {text}",
        "clarify": "Vi forstod ikke dit svar. Svar venligst med et tal fra 1 til 5.",
        "comment": "Tak for dine svar! Har du en kommentar, så skriv den gerne som svar. Ellers behøver du ikke svare.",
        "thanks": "Tak for din kommentar.",
        "opted_out": "Du er nu frameldt og modtager ikke flere spørgeskemaer fra os.",
    },
    "no": {
        "intro": "Takk for at du kontaktet oss. Vil du svare på {n} korte spørsmål? "
        "Svar med et tall fra 1 (dårligst) til 5 (best). Svar STOPP for å melde deg av.",
        "question": "Spørsmål {i}/{n}: {text}",
        "clarify": "Vi forsto ikke svaret ditt. Svar med et tall fra 1 til 5.",
        "comment": "Takk for svarene! Har du en kommentar, kan du skrive den som svar. Ellers trenger du ikke svare.",
        "thanks": "Takk for kommentaren din.",
        "opted_out": "Du er nå meldt av og får ikke flere undersøkelser fra oss.",
    },
    "nl": {
        "intro": "Bedankt voor uw contact met ons. Wilt u {n} korte vragen beantwoorden? "
        "Antwoord met een cijfer van 1 (slechtst) tot 5 (best). Antwoord STOP om u af te melden.",
        "question": "Vraag {i}/{n}: {text}",
        "clarify": "We begrepen uw antwoord niet. Antwoord alstublieft met een cijfer van 1 tot 5.",
        "comment": "Bedankt voor uw antwoorden! Heeft u een opmerking, stuur die dan als antwoord. "
        "Anders hoeft u niet te antwoorden.",
        "thanks": "Bedankt voor uw opmerking.",
        "opted_out": "U bent afgemeld en ontvangt geen enquêtes meer van ons.",
    },
    "en": {
        "intro": "Thank you for contacting us. Would you answer {n} short questions? "
        "Reply with a number from 1 (worst) to 5 (best). Reply STOP to opt out.",
        "question": "Question {i}/{n}: {text}",
        "clarify": "We did not understand your reply. Please answer with a number from 1 to 5.",
        "comment": "Thank you for your answers! If you have a comment, reply with it. Otherwise no need to reply.",
        "thanks": "Thank you for your comment.",
        "opted_out": "You have opted out and will get no more surveys from us.",
    },
}


def language_or_default(language: str | None, default: str = "en") -> str:
    """A supported language code for `language` (nb/nn -> no), else `default`."""
    if language:
        code = language.strip().lower().replace("_", "-").split("-")[0]
        code = _ALIASES.get(code, code)
        if code in TEXTS:
            return code
    return default if default in TEXTS else "en"


def text(language: str, key: str, **values: object) -> str:
    """A message in `language`."""
    return TEXTS[language_or_default(language)][key].format(**values)
