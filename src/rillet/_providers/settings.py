"""What every provider's settings share: argument checks, environment fallbacks, headers, bodies.

Pure: no I/O. Each provider's ``api.py`` (``openai``, ``anthropic``, ``ollama``) resolves its own
settings struct with these helpers, so a rule (what a valid ``base_url`` is, how a call's
``stop`` replaces the instance's, that ``extra_body`` and call overrides are merged last) lives in
one place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import msgspec

from .._values.errors import ConfigError
from .._values.secret import Secret

__all__ = [
    "USER_AGENT",
    "check_int",
    "encode_body",
    "env",
    "http_url",
    "json_headers",
    "resolve_key",
    "stop_list",
]

USER_AGENT = "rillet/0.1"


def env(*names: str) -> str | None:
    """The first of these environment variables that is set and not empty."""
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def check_int(name: str, value: object, *, minimum: int, optional: bool = False) -> None:
    """Raise ConfigError unless ``value`` is an int >= ``minimum`` (or None when ``optional``)."""
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        expected = f"an int >= {minimum}" + (" or None" if optional else "")
        raise ConfigError(f"{name} must be {expected}, got {value!r}")


def stop_list(stop: str | Sequence[str] | None, where: str = "stop") -> list[str] | None:
    """``stop`` as a list of str (a lone str becomes a list of one), or None."""
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    items = list(stop)
    if not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where} must be a str or a list of str, got {stop!r}")
    return items


def http_url(url: str, *, name: str, example: str) -> str:
    """``url`` without trailing slashes, checked to be an absolute http(s) URL."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} must be an absolute http(s) URL such as {example!r}, got {url!r}"
        )
    return url


def resolve_key(
    api_key: str | Secret | None, *, env_names: Sequence[str], url: str, required_for: str
) -> Secret | None:
    """The API key from the argument, else the environment.

    It is required only when ``url`` is the vendor's own host ``required_for``: local and
    self-hosted compatible servers usually need none.
    """
    if isinstance(api_key, Secret):
        return api_key
    raw = api_key or env(*env_names)
    if raw:
        return Secret(raw)
    if urlsplit(url).hostname == required_for:
        raise ConfigError(
            f"no API key: pass api_key=... or set {env_names[0]} "
            "(or point base_url at a server that needs none)"
        )
    return None


def json_headers(
    *, accept: str, auth: Mapping[str, str], default_headers: Mapping[str, str]
) -> dict[str, str]:
    """The request headers: JSON in, ``accept`` out, the provider's ``auth`` headers, then the
    user's ``default_headers`` (applied last, so they win)."""
    headers = {"content-type": "application/json", "user-agent": USER_AGENT, "accept": accept}
    headers.update(auth)
    headers.update(default_headers)
    return headers


def encode_body(
    body: dict[str, object],
    optional: Mapping[str, object | None],
    *,
    extra_body: Mapping[str, object] | None,
    overrides: Mapping[str, object],
) -> bytes:
    """``body`` plus the ``optional`` parameters that are set (None means "leave it to the
    server", not ``null``), then ``extra_body``, then the call's ``overrides``, as JSON."""
    body.update((key, value) for key, value in optional.items() if value is not None)
    if extra_body:
        body.update(extra_body)
    body.update(overrides)
    return msgspec.json.encode(body)
