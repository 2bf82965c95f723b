"""``Secret``: an API key that never shows itself in a repr, a str, a log line or an event; and
``Redactor``, which takes any credential a request carried out of what a server sent back.

A key lives in a ``Secret`` from the moment the settings are resolved; only the request headers
hold it in clear. A server may still echo it (a 401 body quoting the key, a proxy's error page), so
the errors built from a response pass its text through a ``Redactor`` made from the request's
credential headers: the key never reaches an exception message, its ``body`` or its ``raw`` bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["REDACTED", "Redactor", "Secret", "credentials", "is_credential"]

REDACTED: Final = "**********"

# Header names whose values are credentials: Authorization (Bearer/Basic), OpenAI's and Azure's
# api-key, Anthropic's x-api-key, Google's x-goog-api-key, and any custom *-token / *-secret.
# Patterns as strings: `re` compiles and caches them on first use, not at `import rillet`.
_CREDENTIAL_HEADER: Final = r"(?i)authorization|api[-_]?key|token|secret|password"
_AUTH_SCHEME: Final = r"(?i)^(?:bearer|basic|token)\s+"
_MIN_SECRET: Final = 8  # shorter values are not keys worth hiding, and would mangle messages


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The key in clear, for the one place that needs it: the request headers."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{REDACTED}')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def is_credential(header_name: str) -> bool:
    """Whether a header of this name carries a credential (its value is a secret)."""
    return re.search(_CREDENTIAL_HEADER, header_name) is not None


def credentials(headers: Iterable[tuple[str, str]]) -> list[str]:
    """The credential values among request headers (``Authorization: Bearer k`` gives ``k``
    and the whole value), longest first, so a longer one is redacted before its parts."""
    found: set[str] = set()
    for name, value in headers:
        if not re.search(_CREDENTIAL_HEADER, name):
            continue
        for candidate in (value, re.sub(_AUTH_SCHEME, "", value)):
            candidate = candidate.strip()
            if len(candidate) >= _MIN_SECRET:
                found.add(candidate)
    return sorted(found, key=len, reverse=True)


class Redactor:
    """Replaces every given secret with ``**********`` in text, bytes and decoded JSON values."""

    __slots__ = ("_bytes", "_text")

    def __init__(self, secrets: Iterable[str]) -> None:
        self._text = [secret for secret in secrets if secret]
        self._bytes = [secret.encode("utf-8") for secret in self._text]

    @classmethod
    def for_headers(cls, headers: Iterable[tuple[str, str]]) -> Redactor:
        return cls(credentials(headers))

    def __bool__(self) -> bool:
        return bool(self._text)

    def text(self, value: str) -> str:
        for secret in self._text:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def bytes(self, value: bytes) -> bytes:
        for secret in self._bytes:
            if secret in value:
                value = value.replace(secret, REDACTED.encode())
        return value

    def value(self, value: object) -> object:
        """A decoded JSON value (str, list, dict...) with the secrets replaced in every string."""
        if not self._text:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value
