"""What every provider's settings share: argument checks, environment fallbacks, headers, bodies.

Pure: no I/O. Each provider's ``api.py`` (``openai``, ``anthropic``, ``ollama``) resolves its own
settings struct with these helpers, so a rule (what a valid ``base_url`` is, how a call's
``stop`` replaces the instance's, that ``extra_body`` and call overrides are merged last) lives in
one place.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from urllib.parse import unquote, urlsplit, urlunsplit

import msgspec

from .._values.errors import ConfigError, InvalidInputError, InvalidOptionError
from .._values.secret import Secret, is_credential

__all__ = [
    "USER_AGENT",
    "check_int",
    "default_header_dict",
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


def check_option_types(spec: type[Mapping[str, object]], values: Mapping[str, object]) -> None:
    """Constructor arguments that are also call options, checked against the call options'
    ``TypedDict`` (``_values/options.py``) as a call's are: one rule for both. None is unset."""
    given = {name: value for name, value in values.items() if value is not None}
    try:
        msgspec.convert(given, spec)
    except msgspec.ValidationError as exc:
        raise InvalidOptionError(f"invalid constructor argument: {exc}") from None


def stop_list(stop: str | Sequence[str] | None, where: str = "stop") -> list[str] | None:
    """``stop`` as a list of str (a lone str becomes a list of one), or None."""
    if stop is None:
        return None
    if isinstance(stop, str):
        return [str.__str__(stop)]  # a str subclass goes as the plain str it is
    if not isinstance(stop, Sequence):
        raise ConfigError(f"{where} must be a str or a list of str, got {stop!r}")
    items = [str.__str__(s) if isinstance(s, str) else s for s in stop]
    if not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where} must be a str or a list of str, got {stop!r}")
    return items


def http_url(url: str, *, name: str, example: str) -> str:
    """``url`` without trailing slashes, checked to be an absolute http(s) URL, without its
    credentials (``user:password@``: they go into an ``Authorization`` header, see
    ``default_header_dict``), so that no repr, error message or ``e.url`` shows them."""
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"{name} must be an absolute http(s) URL such as {example!r}, "
            f"got {_without_credentials(url)!r}"
        )
    return _without_credentials(url)


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _basic_auth(url: str) -> str | None:
    """The ``Authorization: Basic`` value for the credentials in ``url``, or None."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return None
    pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


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
    *, accept: str, auth: Mapping[str, str], default_headers: Mapping[str, str | Secret]
) -> dict[str, str]:
    """The request headers: JSON in, ``accept`` out, the provider's ``auth`` headers, then the
    user's ``default_headers`` (applied last, so they win; ``Secret``s revealed here only)."""
    headers = {"content-type": "application/json", "user-agent": USER_AGENT, "accept": accept}
    headers.update(auth)
    for name, value in default_headers.items():
        headers[name] = value.get_secret_value() if isinstance(value, Secret) else value
    return headers


def default_header_dict(
    headers: Mapping[str, str] | None, *, url: str = ""
) -> dict[str, str | Secret]:
    """``default_headers`` as a dict, checked (HTTP header names and values are ASCII strings),
    with the credentials of ``url`` (the raw ``base_url``) as ``Authorization: Basic`` unless
    one is given; credential values (``Authorization``, ``api-key``, ``x-api-key``, ``*-token``...)
    are kept as ``Secret``s, so that no repr of the settings shows them."""
    out: dict[str, str | Secret] = {}
    basic = _basic_auth(url) if url else None
    if basic is not None:
        out["authorization"] = Secret(basic)
    if headers is None:
        return out
    if not isinstance(headers, Mapping):
        raise ConfigError(f"default_headers must be a dict of str to str, got {headers!r}")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise ConfigError(
                f"default_headers must map str to str, got {name!r}: {type(value).__name__}"
            )
        if not (name.isascii() and value.isascii()):
            raise ConfigError(
                f"default_headers[{name!r}] is not ASCII: HTTP header names and values must be "
                "(percent- or base64-encode the value)"
            )
        name = str.__str__(name)
        if basic is not None and name.lower() == "authorization":
            del out["authorization"]  # the caller's own wins over the URL's
        out[name] = Secret(str.__str__(value)) if is_credential(name) else str.__str__(value)
    return out


def _plain(value: object) -> object:
    """msgspec's hook for what it cannot encode: a str subclass goes as its plain str."""
    if isinstance(value, str):
        return str.__str__(value)
    raise TypeError(f"a value of type {type(value).__name__} cannot be sent as JSON")


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
    try:
        return msgspec.json.encode(body, enc_hook=_plain)
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"the request holds text that is not valid Unicode ({exc.reason} at index "
            f"{exc.start}: {exc.object[exc.start : exc.end]!r}): a lone surrogate cannot be "
            "sent as UTF-8; fix or drop it (e.g. text.encode('utf-8', 'replace').decode())"
        ) from None
    except TypeError as exc:
        raise InvalidInputError(f"the request cannot be encoded as JSON: {exc}") from None
