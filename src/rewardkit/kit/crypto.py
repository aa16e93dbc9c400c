"""Secrets at rest: HMAC for lookups (API keys, link tokens), AES-GCM with a key id for voucher codes.

A keyring holds several keys; the first encrypts and hashes, all of them decrypt and verify, so a key
can be rotated in without breaking what was written under the old one. What each domain stores
encrypted is declared as `Sealed` columns (its module.py), so `rewardkit secrets reencrypt`
(kit/rekey.py) can move all of it under the active key, after which an old key can be removed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


@dataclass(frozen=True)
class _Key:
    kid: str
    mac: bytes
    enc: AESGCM


@dataclass(frozen=True)
class Sealed:
    """Columns of one table that hold keyring ciphertexts (`kid:…`), and the HMAC columns computed from
    the plaintext of one of them (hash column -> the encrypted column it is the HMAC of), which must be
    recomputed under the new key too, or lookups by them would fail once the old key is gone."""

    table: type  # an ORM model with a single-column primary key
    columns: tuple[str, ...]
    hashes: Mapping[str, str] = field(default_factory=dict)


class Keyring:
    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._keys = [
            _Key(kid, _derive(raw, b"rewardkit/hmac"), AESGCM(_derive(raw, b"rewardkit/aes-gcm"))) for kid, raw in keys
        ]
        self._by_kid = {k.kid: k for k in self._keys}

    @classmethod
    def from_spec(cls, spec: str) -> Keyring:
        """Parse "kid:secret,kid2:secret2"."""
        keys = []
        for part in spec.split(","):
            kid, sep, raw = part.strip().partition(":")
            if not sep or not kid or len(raw) < 32:
                raise ValueError("secret keys must look like 'k1:<at least 32 characters>'")
            keys.append((kid, raw.encode()))
        return cls(keys)

    @classmethod
    def from_file(cls, path: str) -> Keyring:
        """Development only: a random key created on first use and kept beside the SQLite file."""
        p = Path(path)
        if not p.exists():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"dev:{secrets.token_urlsafe(48)}\n")
            p.chmod(0o600)
        return cls.from_spec(p.read_text().strip())

    @property
    def active_kid(self) -> str:
        return self._keys[0].kid

    @property
    def kids(self) -> list[str]:
        return [k.kid for k in self._keys]

    @staticmethod
    def kid_of(token: str) -> str:
        """The key id a ciphertext was written under."""
        return token.partition(":")[0]

    def hashes(self, value: str) -> list[str]:
        """Every key's HMAC of value: look a secret up under the active key and the retired ones."""
        return [hmac.new(k.mac, value.encode(), hashlib.sha256).hexdigest() for k in self._keys]

    def hash(self, value: str) -> str:
        return self.hashes(value)[0]

    def encrypt(self, plaintext: str) -> str:
        key = self._keys[0]
        nonce = os.urandom(12)
        ct = key.enc.encrypt(nonce, plaintext.encode(), key.kid.encode())
        return f"{key.kid}:{base64.urlsafe_b64encode(nonce + ct).decode()}"

    def decrypt(self, token: str) -> str:
        kid, _, data = token.partition(":")
        key = self._by_kid.get(kid)
        if key is None:
            raise ValueError(f"no key {kid!r} in the keyring")
        raw = base64.urlsafe_b64decode(data)
        return key.enc.decrypt(raw[:12], raw[12:], kid.encode()).decode()
