"""Tenants' gateway secrets at rest: Fernet with rotatable keys (SURVEYS_SMS_SECRET_KEYS, newest first)."""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet

from frontdoor_surveys.settings import Settings


class SecretBox:
    """Encrypts and decrypts webhook secrets and provider tokens; never logs or shows them."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def of(cls, settings: Settings) -> SecretBox:
        """The box for the service's configured keys."""
        return cls(settings.sms_secret_keys)

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext with the newest key, as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext of a token made with any configured key."""
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def __repr__(self) -> str:  # never show keys
        return "SecretBox(<keys hidden>)"
