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
from typing import ClassVar, Final, Generic, TypeVar

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
from ..._wire.reader import SSEStreamReader
from ..._wire.sse import ServerSentEvent
from .wire import (
    ChatChoice,
    CompletionChoice,
    OpenAIPayload,
    ToolCallSeen,
    chat_chunk_decoder,
    completion_chunk_decoder,
)

__all__ = [
    "ChatStreamReader",
    "CompletionsStreamReader",
    "OpenAIStreamReader",
    "chat_result",
    "completions_result",
]

Choice = TypeVar("Choice")

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


class OpenAIStreamReader(SSEStreamReader[GenerationChunk], Generic[Choice]):
    """The stream of ``/completions`` or ``/chat/completions``; subclasses name the choice."""

    terminal = "data: [DONE]"
    what: ClassVar[str]

    __slots__ = ()

    @abc.abstractmethod
    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[Choice]]: ...

    @abc.abstractmethod
    def _parts(self, choice: Choice) -> _Parts: ...

    @abc.abstractmethod
    def _plain_text(self, choice: Choice) -> str | None:
        """The text of a choice that is only a token of candidate 0 (no finish reason, no
        logprobs): the common case, which takes the fast path in ``feed``."""

    def feed(self, frame: ServerSentEvent) -> GenerationChunk | None:
        data = frame.data
        if data == _DONE:  # exact match, as the official SDKs compare it; nothing after it is read
            self.done = True
            return None
        try:
            payload = self._decoder().decode(data)
        except msgspec.DecodeError as exc:
            raise self.decode_error(self.what, data, exc) from exc
        return self._apply(payload, data)

    def feed_all(self, frames: list[ServerSentEvent], out: list[GenerationChunk]) -> None:
        # `feed` for every frame of a read, with the common frame (one plain token of candidate
        # 0, nothing else to record) handled inline; any other frame goes through `_apply`.
        builder = self.builder
        decode = self._decoder().decode
        plain = self._plain_text
        texts: list[str] | None = None  # candidate 0's texts in the builder, once it has one
        named = builder.model_name is not None  # the first frame with a model was applied
        for frame in frames:
            data = frame.data
            if data == _DONE:
                self.done = True
                return
            try:
                payload = decode(data)
            except msgspec.DecodeError as exc:
                raise self.decode_error(self.what, data, exc) from exc
            except (UnicodeDecodeError, RecursionError) as exc:  # bad UTF-8, JSON too deep
                raise self.undecodable(frame, exc) from None
            choices = payload.choices
            if (
                len(choices) == 1
                and payload.usage is None
                and payload.x_groq is None
                and payload.error is None
                and named
            ):
                text = plain(choices[0])
                if text:
                    if texts is None:
                        texts = builder.text_parts(0)
                    texts.append(text)
                    out.append(GenerationChunk(text))
                    continue
            chunk = self._apply(payload, data)
            named = builder.model_name is not None
            if chunk is not None:
                out.append(chunk)

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


class CompletionsStreamReader(OpenAIStreamReader[CompletionChoice]):
    what = "completion event"
    __slots__ = ()

    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[CompletionChoice]]:
        return completion_chunk_decoder()

    def _parts(self, choice: CompletionChoice) -> _Parts:
        return _completion_parts(choice)

    def _plain_text(self, choice: CompletionChoice) -> str | None:
        if choice.index or choice.finish_reason is not None or choice.logprobs is not None:
            return None
        return choice.text


class ChatStreamReader(OpenAIStreamReader[ChatChoice]):
    what = "chat completion chunk"
    __slots__ = ()

    def _decoder(self) -> msgspec.json.Decoder[OpenAIPayload[ChatChoice]]:
        return chat_chunk_decoder()

    def _parts(self, choice: ChatChoice) -> _Parts:
        delta = choice.delta
        if delta is not None and delta.tool_calls:
            raise tool_call_error(delta.tool_calls, self.builder.text(0))
        return _chat_delta_parts(choice)

    def _plain_text(self, choice: ChatChoice) -> str | None:
        delta = choice.delta
        if choice.index or choice.finish_reason is not None or delta is None:
            return None
        return delta.content


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
