"""Ollama's native generate API (``POST {base_url}/api/generate``): settings and requests.

Pure: no I/O. ``GenerateApi`` is the API as an ``HTTPApi`` (``_providers/base.py``), spoken by
``_async/provider.py``; its stream is read by ``read.py``'s ``OllamaReader``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict
from urllib.parse import urlsplit

import msgspec

from ..._values.errors import ConfigError
from ..._values.inputs import ChatInput, to_prompt
from ..._values.options import OLLAMA_HINT, CallOptions, OllamaCallOptions
from ..._values.outputs import (
    GenerationBuilder,
    LLMResult,
)
from ..._values.secret import Secret
from ..base import HTTPApi, Stop
from ..settings import (
    check_int,
    check_option_types,
    default_header_dict,
    encode_body,
    env,
    http_url,
    json_headers,
    stop_list,
)
from .read import OllamaReader, generate_result
from .wire import OllamaLine, line_decoder

__all__ = [
    "GenerateApi",
    "OllamaSettings",
    "merge_options",
    "ollama_headers",
    "ollama_host",
    "resolve_ollama_settings",
]


DEFAULT_HOST = "http://127.0.0.1:11434"
DEFAULT_PORT = 11434


class OllamaSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a request needs, fixed at construction. ``options`` is the request's
    ``options`` object (sampling and runtime parameters), already merged."""

    model: str
    base_url: str
    options: dict[str, object]
    system: str | None
    keep_alive: float | str | None
    max_retries: int
    default_headers: dict[str, str | Secret]
    extra_body: dict[str, object] | None
    streaming: bool


def ollama_host(value: str) -> str:
    """``OLLAMA_HOST`` as a URL, the way the Ollama CLI reads it: ``http://`` when no scheme is
    given, port 11434 when an http URL names none (``0.0.0.0`` -> ``http://0.0.0.0:11434``)."""
    if "://" not in value:
        value = f"http://{value}"
    parts = urlsplit(value.rstrip("/"))
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"OLLAMA_HOST has an invalid port: {value!r}") from exc
    if port is None and parts.scheme == "http" and parts.netloc:
        parts = parts._replace(netloc=f"{parts.netloc}:{DEFAULT_PORT}")
    return parts.geturl()


class OllamaSampling(TypedDict, total=False):
    """The types of the sampling parameters the Ollama constructors name (they go into the
    request's ``options``), and of ``keep_alive``."""

    temperature: float
    top_p: float
    top_k: int
    num_predict: int
    num_ctx: int
    repeat_penalty: float
    seed: int
    keep_alive: str | float


def resolve_ollama_settings(
    *,
    model: str,
    base_url: str | None,
    temperature: float | None,
    top_p: float | None,
    top_k: int | None,
    num_predict: int | None,
    num_ctx: int | None,
    repeat_penalty: float | None,
    seed: int | None,
    stop: str | Sequence[str] | None,
    options: Mapping[str, object] | None,
    system: str | None,
    keep_alive: float | str | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    extra_body: Mapping[str, object] | None,
    streaming: bool,
) -> OllamaSettings:
    """Validate the constructor arguments. ``base_url`` falls back to ``$OLLAMA_HOST`` (read as
    the Ollama CLI reads it), then ``http://127.0.0.1:11434``. The named sampling parameters go
    into ``options`` on top of the ``options`` mapping."""
    if not isinstance(model, str) or not model:
        raise ConfigError(f"model must be a non-empty str such as 'llama3.2', got {model!r}")
    named: dict[str, object | None] = {
        "temperature": temperature,
        "top_p": top_p,
        "top_k": top_k,
        "num_predict": num_predict,
        "num_ctx": num_ctx,
        "repeat_penalty": repeat_penalty,
        "seed": seed,
    }
    check_option_types(OllamaSampling, {**named, "keep_alive": keep_alive})
    check_int("num_predict", num_predict, minimum=-2, optional=True)  # -1 endless, -2 fill ctx
    check_int("num_ctx", num_ctx, minimum=1, optional=True)
    check_int("top_k", top_k, minimum=1, optional=True)
    check_int("max_retries", max_retries, minimum=0)
    host = env("OLLAMA_HOST")
    raw_url = base_url or (ollama_host(host) if host else DEFAULT_HOST)
    url = http_url(
        raw_url,
        name="base_url",
        example=DEFAULT_HOST,
    )
    named["stop"] = stop_list(stop)
    merged = dict(options or {})
    merged.update((key, value) for key, value in named.items() if value is not None)
    return OllamaSettings(
        model=model,
        base_url=url,
        options=merged,
        system=system,
        keep_alive=keep_alive,
        max_retries=max_retries,
        default_headers=default_header_dict(default_headers, url=raw_url),
        extra_body=dict(extra_body) if extra_body is not None else None,
        streaming=streaming,
    )


def ollama_headers(settings: OllamaSettings, *, stream: bool) -> dict[str, str]:
    """The headers of Ollama's native API (generate and chat): no auth."""
    return json_headers(
        accept="application/x-ndjson" if stream else "application/json",
        auth={},
        default_headers=settings.default_headers,
    )


def merge_options(
    options: Mapping[str, object], overrides: Mapping[str, object]
) -> tuple[dict[str, object], Mapping[str, object]]:
    """The model's ``options`` with a call's ``options=...`` merged over them, and the call's
    other overrides (the top-level keys)."""
    merged = dict(options)
    call_options = overrides.get("options")
    if isinstance(call_options, Mapping):
        merged.update(call_options)
        overrides = {k: v for k, v in overrides.items() if k != "options"}
    return merged, overrides


class GenerateApi(HTTPApi[OllamaSettings, bytes, OllamaLine]):
    """``POST {base_url}/api/generate``: one prompt per request."""

    path = "/api/generate"
    call_options = CallOptions(OllamaCallOptions, hint=OLLAMA_HINT)
    what = "an Ollama generate response"

    def headers(self, *, stream: bool) -> dict[str, str]:
        return ollama_headers(self.settings, stream=stream)

    def body(
        self, prompt: ChatInput, stop: Stop, overrides: Mapping[str, object], *, stream: bool
    ) -> bytes:
        """``stream`` is always sent: Ollama streams by default. A call's ``stop`` replaces the
        instance's (inside ``options``); a call's ``options=...`` is merged over the instance's;
        ``extra_body`` and the other call-time ``overrides`` are top-level keys."""
        settings = self.settings
        options, overrides = merge_options(settings.options, overrides)
        if stop is not None:
            options["stop"] = stop_list(stop)
        body: dict[str, object] = {
            "model": settings.model,
            "prompt": to_prompt(prompt),
            "stream": stream,
        }
        optional: dict[str, object | None] = {
            "options": options or None,
            "system": settings.system,
            "keep_alive": settings.keep_alive,
        }
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)

    def reader(self, builder: GenerationBuilder) -> OllamaReader:
        return OllamaReader(builder, url=self.url)

    def decode(self, content: bytes) -> OllamaLine:
        return line_decoder.decode(content)

    def result(self, payload: OllamaLine, prompts: int) -> LLMResult:
        return generate_result(payload)
