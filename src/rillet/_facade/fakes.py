"""In-process fake models for users' tests: scripted answers, no network.

The LLM fakes are custom LLMs (``rillet.LLM``) and the chat fakes custom chat models
(``rillet.BaseChatModel``), so they run through the same runnable logic as every other model:
``invoke``/``stream``/``batch``/``generate``, their async twins, events and chains.
For fakes that go over real HTTP, see ``rillet.testing.FakeServer``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import overload

import msgspec

from .._async_compat import sleep as async_sleep
from .._values.errors import ConfigError, FakeListChatModelError, FakeListLLMError
from .._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    ReasoningBlock,
    TextBlock,
    ToolCallChunk,
)
from .._values.options import SequenceNotStr
from .chat_model import BaseChatModel
from .llm import LLM

__all__ = [
    "FakeListChatModel",
    "FakeListLLM",
    "FakeStreamingListLLM",
    "GenericFakeChatModel",
]

Stop = list[str] | None


class FakeListLLM(LLM):
    """Answers with ``responses`` in turn, whatever the prompt, starting over after the last.

    It does not stream: ``stream`` gives the whole response as one chunk (the documented fallback
    of a model that cannot stream). ``i`` is the index of the next response.
    """

    def __init__(self, *, responses: SequenceNotStr[str], name: str | None = None) -> None:
        given: object = responses  # typed not-a-str; checked for untyped callers too
        if isinstance(given, str) or not all(isinstance(r, str) for r in responses):
            raise ConfigError(f"responses must be a list of str, got {responses!r}")
        if not responses:
            raise ConfigError("responses must not be empty: give at least one answer")
        super().__init__(name=name)
        self.responses: tuple[str, ...] = tuple(responses)
        self.i = 0
        self._lock = threading.Lock()  # sync batches run calls on worker threads

    def _next_response(self) -> str:
        with self._lock:
            response = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return response

    def _call(self, prompt: str, stop: Stop = None) -> str:
        return self._next_response()

    async def _acall(self, prompt: str, stop: Stop = None) -> str:
        return self._next_response()


class FakeStreamingListLLM(FakeListLLM):
    """As ``FakeListLLM``, streaming each response character by character.

    ``sleep``: seconds to wait before each character. ``error_on_chunk_number``: raise
    ``FakeListLLMError`` instead of yielding that character (0-based), to test error handling.
    """

    def __init__(
        self,
        *,
        responses: SequenceNotStr[str],
        sleep: float | None = None,
        error_on_chunk_number: int | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(responses=responses, name=name)
        if sleep is not None and sleep < 0:
            raise ConfigError(f"sleep must be >= 0 seconds or None, got {sleep!r}")
        self.sleep = sleep
        self.error_on_chunk_number = error_on_chunk_number

    def _chars(self) -> Iterator[str]:
        for index, char in enumerate(self._next_response()):
            if index == self.error_on_chunk_number:
                raise FakeListLLMError(f"{self.get_name()}: scripted error at chunk {index}")
            yield char

    def _stream(self, prompt: str, stop: Stop = None) -> Iterator[str]:
        for char in self._chars():
            if self.sleep:
                time.sleep(self.sleep)
            yield char

    async def _astream(self, prompt: str, stop: Stop = None) -> AsyncIterator[str]:
        for char in self._chars():
            if self.sleep:
                await async_sleep(self.sleep)
            yield char


class FakeListChatModel(BaseChatModel):
    """A chat model answering ``responses`` in turn, streamed character by character, starting
    over after the last (LangChain's ``FakeListChatModel``).

    ``sleep``: seconds to wait before each character. ``error_on_chunk_number``: raise
    ``FakeListChatModelError`` instead of yielding that character (0-based).
    """

    def __init__(
        self,
        *,
        responses: SequenceNotStr[str],
        sleep: float | None = None,
        error_on_chunk_number: int | None = None,
        name: str | None = None,
    ) -> None:
        given: object = responses  # typed not-a-str; checked for untyped callers too
        if isinstance(given, str) or not all(isinstance(r, str) for r in responses):
            raise ConfigError(f"responses must be a list of str, got {responses!r}")
        if not responses:
            raise ConfigError("responses must not be empty: give at least one answer")
        if sleep is not None and sleep < 0:
            raise ConfigError(f"sleep must be >= 0 seconds or None, got {sleep!r}")
        super().__init__(name=name)
        self.responses: tuple[str, ...] = tuple(responses)
        self.sleep = sleep
        self.error_on_chunk_number = error_on_chunk_number
        self.i = 0
        self._lock = threading.Lock()  # sync batches run calls on worker threads

    def _next_response(self) -> str:
        with self._lock:
            response = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return response

    def _chunks(self) -> Iterator[AIMessageChunk]:
        response = self._next_response()
        for index, char in enumerate(response):
            if index == self.error_on_chunk_number:
                raise FakeListChatModelError(f"{self.get_name()}: scripted error at chunk {index}")
            yield AIMessageChunk(
                char, chunk_position="last" if index == len(response) - 1 else None
            )

    def _stream(
        self, messages: list[AnyMessage], stop: list[str] | None = None
    ) -> Iterator[AIMessageChunk]:
        for chunk in self._chunks():
            if self.sleep:
                time.sleep(self.sleep)
            yield chunk

    async def _astream(
        self, messages: list[AnyMessage], stop: list[str] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in self._chunks():
            if self.sleep:
                await async_sleep(self.sleep)
            yield chunk


class GenericFakeChatModel(BaseChatModel):
    """A chat model replying with the scripted ``messages`` in order (LangChain's
    ``GenericFakeChatModel``), each streamed token by token: the text is split on whitespace,
    keeping it (``"The sky"`` -> ``"The"``, ``" "``, ``"sky"``); reasoning blocks are streamed
    first the same way; tool calls, ``usage_metadata`` and ``response_metadata`` come on the
    last chunk, so the chunks add up to the scripted message.
    """

    # Two overloads, not a union: each gives the argument a context (``iter([...])`` infers).
    @overload
    def __init__(self, *, messages: Iterator[AIMessage | str], name: str | None = None) -> None: ...

    @overload
    def __init__(
        self, *, messages: SequenceNotStr[AIMessage | str], name: str | None = None
    ) -> None: ...

    def __init__(
        self,
        *,
        messages: Iterator[AIMessage | str] | SequenceNotStr[AIMessage | str],
        name: str | None = None,
    ) -> None:
        """``messages``: an iterator (LangChain's ``iter([...])``) or a list of replies; a str
        is refused (it is not one reply per character)."""
        if isinstance(messages, str):
            raise ConfigError("messages must be an iterable of AIMessage or str, got a str")
        super().__init__(name=name)
        self._messages = iter(messages)
        self._lock = threading.Lock()

    def _next_message(self) -> AIMessage:
        with self._lock:
            try:
                message = next(self._messages)
            except StopIteration:
                raise FakeListChatModelError(
                    f"{self.get_name()} has no scripted message left: give it more messages"
                ) from None
        if isinstance(message, str):
            return AIMessage(message)
        if not isinstance(message, AIMessage):
            raise ConfigError(f"messages must be AIMessage or str, got {message!r}")
        return message

    def _chunks(self) -> Iterator[AIMessageChunk]:
        message = self._next_message()
        pieces: list[AIMessageChunk] = []
        if isinstance(message.content, str):
            pieces += [AIMessageChunk(t, id=message.id) for t in _tokens(message.content)]
        else:
            for block in message.content:
                if isinstance(block, ReasoningBlock):
                    tokens = _tokens(block.reasoning) or [""]
                    pieces += [AIMessageChunk([ReasoningBlock(t)], id=message.id) for t in tokens]
                    if block.signature is not None:
                        pieces.append(
                            AIMessageChunk([ReasoningBlock("", block.signature)], id=message.id)
                        )
                elif isinstance(block, TextBlock):
                    pieces += [AIMessageChunk(t, id=message.id) for t in _tokens(block.text)]
                else:
                    pieces.append(AIMessageChunk([block], id=message.id))
        tool_call_chunks = [
            ToolCallChunk(c.name, msgspec.json.encode(c.args).decode(), c.id, i)
            for i, c in enumerate(message.tool_calls)
        ]
        last = pieces.pop() if pieces else AIMessageChunk("", id=message.id)
        pieces.append(
            AIMessageChunk(
                last.content,
                tool_call_chunks,
                message.usage_metadata,
                message.response_metadata,
                message.name,
                message.id,
                "last",
            )
        )
        yield from pieces

    def _stream(
        self, messages: list[AnyMessage], stop: list[str] | None = None
    ) -> Iterator[AIMessageChunk]:
        return self._chunks()

    async def _astream(
        self, messages: list[AnyMessage], stop: list[str] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        for chunk in self._chunks():
            yield chunk


def _tokens(text: str) -> list[str]:
    """LangChain's split: on whitespace, keeping each whitespace character as a token."""
    return re.split(r"(\s)", text) if text else []
