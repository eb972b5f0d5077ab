"""National IDs at rest: Fernet encryption with rotatable keys (newest first)."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def _digest_key(key: str) -> bytes:
    # a key of its own per data key, so a digest never reveals anything about the Fernet key
    return hashlib.sha256(b"frontdoor-members/national-id-digest\x00" + key.encode()).digest()


class Vault:
    """Encrypts and decrypts personal identifiers; never logs what it handles."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(k) for k in keys])
        self._primary = Fernet(keys[0])
        self._digest_keys = [_digest_key(k) for k in keys]

    def digests(self, value: str) -> list[str]:
        """Keyed digests of `value` under every key, newest first: equality without decrypting."""
        return [hmac.new(k, value.encode(), hashlib.sha256).hexdigest() for k in self._digest_keys]

    def digest(self, value: str) -> str:
        """The keyed digest of `value` under the newest key (what is stored)."""
        return self.digests(value)[0]

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext (with the newest key) as text."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext of a token made with any configured key."""
        return self._fernet.decrypt(ciphertext.encode()).decode()

    def rotate(self, ciphertext: str) -> str | None:
        """The token re-encrypted with the newest key, or None when it already is."""
        try:
            self._primary.decrypt(ciphertext.encode())
            return None
        except InvalidToken:
            return self._fernet.rotate(ciphertext.encode()).decode()

    def __repr__(self) -> str:  # never show keys
        return "Vault(<keys hidden>)"
