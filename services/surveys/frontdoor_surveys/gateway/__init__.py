"""The SMS gateway behind an interface (file or HTTP provider) and the SMS outbox sender."""
