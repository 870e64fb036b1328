"""Authenticated encryption (AES-256-GCM) for the authenticator secrets we keep.

A TOTP secret must be read back to check each code, so unlike a password it cannot be
hashed. Encrypted with a key kept outside the database, a copied table or backup gives
nobody the codes. The "context" (the account) is bound in as associated data: a sealed
secret copied into another account's row does not open there.

Several keys may be set, newest first: the newest seals, any of them opens (each sealed
value names its key by a short fingerprint), so a key can be replaced without a flag day.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
_NONCE_BYTES = 12


class SecretBoxError(ValueError):
    """A key setting that cannot work, or a sealed value that does not open."""


def _fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"record-cpd secret box" + key).hexdigest()[:8]


class SecretBox:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys or any(len(key) != KEY_BYTES for key in keys):
            raise SecretBoxError(f"each key must be {KEY_BYTES} bytes")
        self.keys = keys
        self._by_fingerprint = {_fingerprint(key): key for key in keys}

    @classmethod
    def from_setting(cls, setting: str) -> SecretBox:
        """Keys written as hex (64 characters each), separated by commas, newest first."""
        try:
            keys = [bytes.fromhex(part.strip()) for part in setting.split(",") if part.strip()]
        except ValueError:
            raise SecretBoxError("keys must be written as hex") from None
        return cls(keys)

    @classmethod
    def derived_from(cls, secret_key: str) -> SecretBox:
        """For local runs and tests only: a key derived from SECRET_KEY, so `make run`
        works with nothing set. Production sets its own (see README)."""
        key = HKDF(
            algorithm=SHA256(), length=KEY_BYTES, salt=None, info=b"record-cpd two-step"
        ).derive(secret_key.encode())
        return cls([key])

    def seal(self, plaintext: str, *, context: str) -> str:
        key = self.keys[0]
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
        return f"{_fingerprint(key)}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, context: str) -> str:
        fingerprint, _, body = sealed.partition(":")
        key = self._by_fingerprint.get(fingerprint)
        if key is None:
            raise SecretBoxError("sealed with a key that is not set")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
            opened = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, ValueError):
            raise SecretBoxError("the sealed value does not open") from None
        return opened.decode()
