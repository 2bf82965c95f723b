"""OpenAI completions: settings resolved from arguments and the environment, request bodies.

Pure: no I/O. The async provider (``_async/openai.py``) sends what this builds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

import msgspec

from ._errors import ConfigError
from ._secret import Secret

__all__ = ["OpenAISettings", "completions_body", "request_headers", "resolve_settings"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
USER_AGENT = "rillet/0.1"


class OpenAISettings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a request needs, fixed at construction (one immutable config per model)."""

    model: str
    base_url: str
    api_key: Secret | None
    organization: str | None
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    n: int
    best_of: int | None
    frequency_penalty: float | None
    presence_penalty: float | None
    seed: int | None
    logprobs: int | None
    logit_bias: dict[str, int] | None
    stop: list[str] | None
    max_retries: int
    default_headers: dict[str, str]
    extra_body: dict[str, object] | None
    streaming: bool
    batch_size: int


def _env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _stop_list(stop: str | Sequence[str] | None, where: str) -> list[str] | None:
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    items = list(stop)
    if not all(isinstance(s, str) for s in items):
        raise ConfigError(f"{where} must be a str or a list of str, got {stop!r}")
    return items


def resolve_settings(
    *,
    model: str,
    base_url: str | None,
    api_key: str | Secret | None,
    organization: str | None,
    temperature: float | None,
    max_tokens: int | None,
    top_p: float | None,
    n: int,
    best_of: int | None,
    frequency_penalty: float | None,
    presence_penalty: float | None,
    seed: int | None,
    logprobs: int | None,
    logit_bias: Mapping[str, int] | None,
    stop: str | Sequence[str] | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, object] | None,
    streaming: bool,
    batch_size: int,
) -> OpenAISettings:
    """Validate the constructor arguments and fill the rest from the environment.

    ``api_key`` falls back to ``OPENAI_API_KEY``; ``base_url`` to ``OPENAI_BASE_URL`` (then
    LangChain's ``OPENAI_API_BASE``); ``organization`` to ``OPENAI_ORG_ID``. A key is required only
    for api.openai.com: local OpenAI-compatible servers (vLLM, llama.cpp, Ollama...) need none.
    """
    if not isinstance(model, str) or not model:
        raise ConfigError(f"model must be a non-empty str, got {model!r}")
    if not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be an int >= 1, got {n!r}")
    if streaming and (n > 1 or (best_of or 1) > 1):
        raise ConfigError("streaming=True cannot be combined with n > 1 or best_of > 1")
    if not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigError(f"max_retries must be an int >= 0, got {max_retries!r}")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise ConfigError(
            f"max_tokens must be a positive int or None, got {max_tokens!r}"
            + (" (-1, 'the rest of the context', is not supported)" if max_tokens == -1 else "")
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be an int >= 1, got {batch_size!r}")
    url = (base_url or _env("OPENAI_BASE_URL", "OPENAI_API_BASE") or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base_url must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}, got {url!r}"
        )
    key: Secret | None
    if isinstance(api_key, Secret):
        key = api_key
    else:
        raw_key = api_key or _env("OPENAI_API_KEY")
        key = Secret(raw_key) if raw_key else None
    if key is None and parts.hostname == "api.openai.com":
        raise ConfigError(
            "no API key: pass api_key=... or set OPENAI_API_KEY "
            "(or point base_url at a server that needs none)"
        )
    return OpenAISettings(
        model=model,
        base_url=url,
        api_key=key,
        organization=organization or _env("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
        temperature=temperature,
        max_tokens=max_tokens,
        top_p=top_p,
        n=n,
        best_of=best_of,
        frequency_penalty=frequency_penalty,
        presence_penalty=presence_penalty,
        seed=seed,
        logprobs=logprobs,
        logit_bias=dict(logit_bias) if logit_bias is not None else None,
        stop=_stop_list(stop, "stop"),
        max_retries=max_retries,
        default_headers=dict(default_headers or {}),
        extra_body=dict(extra_body) if extra_body is not None else None,
        streaming=streaming,
        batch_size=batch_size,
    )


def request_headers(settings: OpenAISettings, *, stream: bool) -> dict[str, str]:
    headers = {"content-type": "application/json", "user-agent": USER_AGENT}
    headers["accept"] = "text/event-stream" if stream else "application/json"
    if settings.api_key is not None:
        headers["authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    if settings.organization:
        headers["openai-organization"] = settings.organization
    headers.update(settings.default_headers)
    return headers


def completions_body(
    settings: OpenAISettings,
    prompt: str | list[str],
    *,
    stop: str | Sequence[str] | None,
    stream: bool,
    overrides: Mapping[str, object],
) -> bytes:
    """The JSON body of ``POST /completions``.

    Unset (None) parameters are omitted rather than sent as ``null``. A call's ``stop`` replaces
    the instance's; ``extra_body`` and then call-time ``overrides`` are merged last. Streams ask for
    ``stream_options.include_usage`` so usage is known at the end.
    """
    body: dict[str, object] = {"model": settings.model, "prompt": prompt}
    optional: dict[str, object | None] = {
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "top_p": settings.top_p,
        "frequency_penalty": settings.frequency_penalty,
        "presence_penalty": settings.presence_penalty,
        "seed": settings.seed,
        "logprobs": settings.logprobs,
        "logit_bias": settings.logit_bias,
    }
    body.update((k, v) for k, v in optional.items() if v is not None)
    if settings.n != 1:
        body["n"] = settings.n
    if settings.best_of is not None and settings.best_of > 1:
        body["best_of"] = settings.best_of
    stops = _stop_list(stop, "stop") if stop is not None else settings.stop
    if stops:
        body["stop"] = stops
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    if settings.extra_body:
        body.update(settings.extra_body)
    body.update(overrides)
    return msgspec.json.encode(body)
