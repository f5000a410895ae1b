"""Secrets handling: argon2id password hashes, random tokens, API keys and CSRF tokens.

Only hashes are stored: argon2id for passwords (slow on purpose), SHA-256 for high-entropy random tokens
(session tokens and API keys, where a slow hash buys nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = [
    "API_KEY_PREFIX",
    "Passwords",
    "csrf_token",
    "csrf_valid",
    "new_api_key",
    "new_token",
    "password_problems",
    "token_hash",
]

API_KEY_PREFIX = "xck_"


class Passwords:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        # Verifying a password for an unknown user costs the same as for a known one (no user enumeration).
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def password_problems(password: str) -> list[str]:
    """Message keys for what is wrong with a new password (empty when acceptable)."""
    problems = []
    if len(password) < 10:
        problems.append("identity.password.too_short")
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < 3:
        problems.append("identity.password.too_simple")
    return problems


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def csrf_token(key: bytes, binding: str) -> str:
    """A CSRF token bound to the session (or to the anonymous nonce cookie) — signed double submit."""
    return hmac.new(key, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_valid(key: bytes, binding: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(key, binding), presented or "")
