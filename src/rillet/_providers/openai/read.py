"""Reading OpenAI-style payloads (completions and chat, from OpenAI or a compatible server):
streamed chunks into a ``GenerationBuilder``, whole responses into an ``LLMResult``.

Pure: no I/O. Every server quirk is absorbed in one of two places: the envelope struct
(``_schema.OpenAIPayload``: ignored vendor fields, ``reported_usage``) and
``OpenAIStreamReader.feed`` below:

| quirk (seen in the recordings of tests/fixtures/)       | handled                          |
| ------------------------------------------------------ | -------------------------------- |
| ``data:`` without a space, ``:`` comment keep-alives    | the SSE decoder (WHATWG rules)   |
| vLLM ``stop_reason`` / llama.cpp ``timings``             | ignored fields                   |
| ``"usage": null`` in every chunk (vLLM, Together)        | a null usage changes nothing     |
| usage on the finish chunk (Together), in ``choices: []`` | the last usage reported wins     |
| Groq ``x_groq.usage``                                   | ``OpenAIPayload.reported_usage`` |
| errors inside a 200 stream (OpenRouter, vLLM, llama.cpp) | ``StreamProviderError``          |
| empty text (``""``, ``delta: {}``, llama.cpp's finish)   | recorded, never yielded          |
| no ``[DONE]`` (llama.cpp forks) after every finish_reason | a complete stream                |
| ``n > 1``: choices interleaved by ``index``               | one candidate per index          |
"""

from __future__ import annotations

import abc
from operator import attrgetter
from typing import Any, ClassVar, Final, Generic, TypeVar

import msgspec

from ..._values.errors import UnexpectedToolCallError
from ..._values.outputs import (
    Generation,
    GenerationBuilder,
    GenerationChunk,
    GenerationInfo,
    LLMOutput,
    LLMResult,
    Logprobs,
)
from ..._wire.reader import RAW_LIMIT, SSEStreamReader
from ..._wire.sse import ServerSentEvent
from .wire import (
    ChatChoice,
    CompletionChoice,
    OpenAIPayload,
    PlainChatChoice,
    PlainCompletionChoice,
    PlainPayload,
    ToolCallSeen,
    chat_chunk_decoder,
    completion_chunk_decoder,
    plain_chat_chunk_decoder,
    plain_completion_chunk_decoder,
)

__all__ = [
    "ChatStreamReader",
    "ChatTextReader",
    "CompletionsStreamReader",
    "CompletionsTextReader",
    "OpenAIStreamReader",
    "chat_result",
    "completions_result",
]

Choice = TypeVar("Choice")
Out = TypeVar("Out")

_DONE: Final = b"[DONE]"


class _Parts(msgspec.Struct, frozen=True, gc=False, array_like=True):
    index: int
    text: str | None
    finish_reason: str | None
    logprobs: Logprobs | None


def _completion_parts(choice: CompletionChoice) -> _Parts:
    return _Parts(choice.index, choice.text, choice.finish_reason, choice.logprobs)


def _chat_delta_parts(choice: ChatChoice) -> _Parts:
    delta = choice.delta
    return _Parts(choice.index, delta.content if delta else None, choice.finish_reason, None)


def _chat_message_parts(choice: ChatChoice) -> _Parts:
    message = choice.message
    if message is not None and message.tool_calls:
        raise tool_call_error(message.tool_calls, "")
    return _Parts(choice.index, message.content if message else None, choice.finish_reason, None)


def tool_call_error(calls: list[ToolCallSeen], partial_text: str) -> UnexpectedToolCallError:
    """A string LLM's reply holds a tool call: never dropped in silence."""
    name = next((c.function.name for c in calls if c.function and c.function.name), None)
    return UnexpectedToolCallError(
        tool_name=name, llm="OpenAIChat", chat_model="ChatOpenAI", partial_text=partial_text
    )


def _info(parts: _Parts) -> GenerationInfo | None:
    if parts.finish_reason is None and parts.logprobs is None:
        return None
    return GenerationInfo(parts.finish_reason, parts.logprobs)


class OpenAIStreamReader(SSEStreamReader[Out], Generic[Choice, Out]):
    """The stream of ``/completions`` or ``/chat/completions``; subclasses name the choice
    (``_Completions``, ``_Chat``) and what is yielded: ``GenerationChunk``s or, for ``astream``,
    candidate 0's text itself (``_Chunks``, ``_Texts``)."""

    terminal = "data: [DONE]"
    what: ClassVar[str]
    _text_of: ClassVar[attrgetter[str]]
    """The text of a plain choice (``PlainPayload``'s)."""

    __slots__ = ("_misses",)

    def __init__(self, builder: GenerationBuilder, *, url: str) -> None:
        super().__init__(builder, url=url)
        self._misses = 0  # chunks the plain decoder refused: past _MISSES, it is not tried

    @abc.abstractmethod
    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[Choice]]: ...

    @abc.abstractmethod
    def _plain_decoder(self) -> msgspec.json.Decoder[PlainPayload[Any]]: ...

    @abc.abstractmethod
    def _parts(self, choice: Choice) -> _Parts: ...

    @abc.abstractmethod
    def _plain_text(self, choice: Choice) -> str | None:
        """The text of a choice that is only a token of candidate 0 (no finish reason, no
        logprobs, no tool call), or None."""

    @abc.abstractmethod
    def _emit(self, chunk: GenerationChunk, out: list[Out]) -> None:
        """Append what is yielded for ``chunk`` (candidate 0's, with text) to ``out``."""

    @abc.abstractmethod
    def _emit_texts(self, texts: list[str], out: list[Out]) -> None:
        """Append what is yielded for these plain texts of candidate 0 to ``out``."""

    def feed(self, frame: ServerSentEvent) -> Out | None:
        out: list[Out] = []
        self._feed_data(frame.data, out)
        return out[0] if out else None

    def feed_all(self, frames: list[ServerSentEvent], out: list[Out]) -> None:
        self.feed_datas([frame.data for frame in frames], out)  # only the data is read

    def feed_datas(self, datas: list[bytes], out: list[Out]) -> None:
        # The hot path: a chunk the plain decoder accepts is one token of candidate 0 and
        # nothing else (see `PlainPayload`); the texts of a run of them are recorded and emitted
        # together. Any other chunk goes through `_feed_data`, after the run before it.
        builder = self.builder
        decode_plain = self._plain_decoder().decode if self._misses < _MISSES else None
        text_of = self._text_of
        named = builder.model_name is not None
        texts: list[str] = []
        for data in datas:
            if decode_plain is not None:
                try:
                    payload = decode_plain(data)
                except (ValueError, RecursionError):  # not a plain token: `_feed_data` says what
                    self._misses += 1
                    if self._misses >= _MISSES:
                        decode_plain = None
                else:
                    if named or not payload.model:  # else the first model: `_apply` records it
                        text = text_of(payload.choices[0])
                        if text:
                            texts.append(text)
                        continue
            if texts:
                self._record(texts, out)
                texts = []
            self._feed_data(data, out)
            if self.done:
                return
            named = builder.model_name is not None
        if texts:
            self._record(texts, out)

    def _record(self, texts: list[str], out: list[Out]) -> None:
        self.builder.text_parts(0).extend(texts)
        self._emit_texts(texts, out)

    def _feed_data(self, data: bytes, out: list[Out]) -> None:
        """Apply one event's data, whatever it holds."""
        if data == _DONE:  # exact match, as the official SDKs compare it; nothing after it is read
            self.done = True
            return
        try:
            payload = self._decoder().decode(data)
        except msgspec.DecodeError as exc:
            raise self.decode_error(self.what, data, exc) from exc
        except (UnicodeDecodeError, RecursionError) as exc:  # bad UTF-8, JSON too deep
            raise self.decode_error("event", data[:RAW_LIMIT], exc) from None
        chunk = self._apply(payload, data)
        if chunk is not None:
            self._emit(chunk, out)

    def _apply(self, payload: OpenAIPayload[Choice], data: bytes) -> GenerationChunk | None:
        """Record one decoded frame (``data`` its bytes) in the builder; its chunk, or None."""
        if payload.error is not None:
            error = payload.error
            raise self.provider_error(error.message, body=msgspec.to_builtins(error), raw=data)
        builder = self.builder
        usage = payload.reported_usage
        if usage is not None:  # a running total where it repeats (vLLM continuous usage)
            builder.usage = usage
        if builder.model_name is None and payload.model:
            builder.model_name = payload.model
            builder.system_fingerprint = payload.system_fingerprint
        choices = payload.choices
        if len(choices) == 1:
            text = self._plain_text(choices[0])
            if text:
                builder.add_text(0, text)
                return GenerationChunk(text)
        out: GenerationChunk | None = None
        for choice in choices:
            parts = self._parts(choice)
            info = _info(parts)
            if not parts.text and info is None:
                continue
            chunk = GenerationChunk(parts.text or "", info)
            builder.add_chunk(parts.index, chunk)
            if parts.index == 0 and parts.text:
                out = chunk
        return out

    def _complete_without_terminal(self) -> bool:
        # Some llama.cpp builds end without [DONE]: a stream whose every choice has finished
        # lost nothing.
        return self.builder.finished


_MISSES: Final = 16
"""Chunks a stream may send that the plain decoder refuses (normally its first, finish, usage
and [DONE] chunks) before it is no longer tried: a stream of other chunks (``n > 1``, logprobs,
usage in every chunk) then costs one decode per chunk, not two."""


class _Completions(OpenAIStreamReader[CompletionChoice, Out]):
    what = "completion event"
    _text_of = attrgetter("text")
    __slots__ = ()

    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[CompletionChoice]]:
        return completion_chunk_decoder()

    def _plain_decoder(self) -> msgspec.json.Decoder[PlainPayload[PlainCompletionChoice]]:
        return plain_completion_chunk_decoder()

    def _parts(self, choice: CompletionChoice) -> _Parts:
        return _completion_parts(choice)

    def _plain_text(self, choice: CompletionChoice) -> str | None:
        if choice.index or choice.finish_reason is not None or choice.logprobs is not None:
            return None
        return choice.text


class _Chat(OpenAIStreamReader[ChatChoice, Out]):
    what = "chat completion chunk"
    _text_of = attrgetter("delta.content")
    __slots__ = ()

    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[ChatChoice]]:
        return chat_chunk_decoder()

    def _plain_decoder(self) -> msgspec.json.Decoder[PlainPayload[PlainChatChoice]]:
        return plain_chat_chunk_decoder()

    def _parts(self, choice: ChatChoice) -> _Parts:
        delta = choice.delta
        if delta is not None and delta.tool_calls:
            raise tool_call_error(delta.tool_calls, self.builder.text(0))
        return _chat_delta_parts(choice)

    def _plain_text(self, choice: ChatChoice) -> str | None:
        delta = choice.delta
        if choice.index or choice.finish_reason is not None or delta is None or delta.tool_calls:
            return None
        return delta.content


class _Chunks:
    """Yields ``GenerationChunk``s (events, generating by streaming, custom callers)."""

    __slots__ = ()

    def _emit(self, chunk: GenerationChunk, out: list[GenerationChunk]) -> None:
        out.append(chunk)

    def _emit_texts(self, texts: list[str], out: list[GenerationChunk]) -> None:
        out.extend(map(GenerationChunk, texts))


class _Texts:
    """Yields candidate 0's text itself (``astream``: no chunk struct per token)."""

    __slots__ = ()

    def _emit(self, chunk: GenerationChunk, out: list[str]) -> None:
        out.append(chunk.text)

    def _emit_texts(self, texts: list[str], out: list[str]) -> None:
        out.extend(texts)


class CompletionsStreamReader(_Chunks, _Completions[GenerationChunk]):
    """A ``/completions`` stream, as ``GenerationChunk``s."""

    __slots__ = ()


class CompletionsTextReader(_Texts, _Completions[str]):
    """A ``/completions`` stream, as candidate 0's text."""

    __slots__ = ()


class ChatStreamReader(_Chunks, _Chat[GenerationChunk]):
    """A ``/chat/completions`` stream read by a string LLM, as ``GenerationChunk``s."""

    __slots__ = ()


class ChatTextReader(_Texts, _Chat[str]):
    """A ``/chat/completions`` stream read by a string LLM, as candidate 0's text."""

    __slots__ = ()


def _output(payload: OpenAIPayload[Choice]) -> LLMOutput:
    return LLMOutput(
        token_usage=payload.reported_usage,
        model_name=payload.model or None,
        system_fingerprint=payload.system_fingerprint,
    )


def completions_result(payload: OpenAIPayload[CompletionChoice], prompts: int, n: int) -> LLMResult:
    """A whole completions response for ``prompts`` prompts with ``n`` choices each: choice
    ``index`` belongs to prompt ``index // n``."""
    groups: list[list[Generation]] = [[] for _ in range(prompts)]
    for choice in sorted(payload.choices, key=lambda c: c.index):
        parts = _completion_parts(choice)
        slot = min(choice.index // n, prompts - 1)
        groups[slot].append(Generation(parts.text or "", _info(parts)))
    return LLMResult(generations=groups, llm_output=_output(payload))


def chat_result(payload: OpenAIPayload[ChatChoice]) -> LLMResult:
    """A whole chat response: one generation per choice, in ``index`` order."""
    builder = GenerationBuilder()
    for choice in payload.choices:
        parts = _chat_message_parts(choice)
        builder.add_chunk(parts.index, GenerationChunk(parts.text or "", _info(parts)))
    return LLMResult(generations=[builder.generations()], llm_output=_output(payload))
