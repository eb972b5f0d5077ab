"""The four default questions (after HK's practice), in Danish, Norwegian, Dutch and English."""

from __future__ import annotations

DEFAULT_QUESTIONS: dict[str, tuple[str, ...]] = {
    "da": (
        "Hvor tilfreds er du samlet set med din henvendelse?",
        "Hvor let var det at komme igennem til os?",
        "Hvor godt forstod medarbejderen dit spørgsmål?",
        "I hvilken grad fik du svar på dit spørgsmål?",
    ),
    "no": (
        "Hvor fornøyd er du alt i alt med henvendelsen din?",
        "Hvor lett var det å komme gjennom til oss?",
        "Hvor godt forsto medarbeideren spørsmålet ditt?",
        "I hvilken grad fikk du svar på spørsmålet ditt?",
    ),
    "nl": (
        "Hoe tevreden bent u in het algemeen over uw contact met ons?",
        "Hoe makkelijk was het om ons te bereiken?",
        "Hoe goed begreep de medewerker uw vraag?",
        "In hoeverre is uw vraag beantwoord?",
    ),
    "en": (
        "Overall, how satisfied are you with your contact with us?",
        "How easy was it to get through to us?",
        "How well did our staff member understand your question?",
        "To what degree was your question answered?",
    ),
}
