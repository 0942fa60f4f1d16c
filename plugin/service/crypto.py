"""Encryption of REDCap tokens at rest, with a key from ``QISCAN_SECRET_KEY``.

A token is a password: the service stores it only as Fernet ciphertext (AES-128-CBC with an
HMAC, from the ``cryptography`` package) under a key derived from the service's secret key, and
never returns it. API keys are stored as SHA-256 hashes: they are only ever compared.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken


class SecretKeyError(RuntimeError):
    """The secret key cannot decrypt what was stored: it changed, or the data is damaged."""


def fernet(secret_key: str) -> Fernet:
    """The Fernet cipher whose key is derived from the service's secret key."""
    digest = hashlib.sha256(("qiscan-token-encryption:" + secret_key).encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret_key: str, text: str) -> str:
    return fernet(secret_key).encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(secret_key: str, cipher: str) -> str:
    """The text ``cipher`` holds; SecretKeyError when the secret key is not the one it was encrypted
    with, or the cipher is damaged."""
    try:
        return fernet(secret_key).decrypt(cipher.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise SecretKeyError(
            "a stored REDCap token cannot be decrypted: QISCAN_SECRET_KEY is not the key it was "
            "stored with; restore that key or register the project again"
        ) from None


def hash_key(key: str) -> str:
    """The SHA-256 hex digest an API key or trigger secret is stored as."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def same_hash(key: str, stored: str) -> bool:
    """Whether ``key`` hashes to ``stored``, compared in constant time."""
    return hmac.compare_digest(hash_key(key), stored)


def new_key(prefix: str = "qk") -> str:
    """A new API key (or trigger secret): shown once, stored only as its hash."""
    return f"{prefix}_{secrets.token_urlsafe(24)}"
