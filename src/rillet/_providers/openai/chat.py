"""Chat completions as a chat model (``ChatOpenAI``): messages in, ``AIMessageChunk``s out.

Pure: no I/O. ``ChatCompletionsApi`` is the endpoint as a ``ChatHTTPApi``; the I/O is
``_async/chat_provider.py``'s. Serves OpenAI and every compatible server (vLLM, llama.cpp, Groq,
Together, OpenRouter, Novita, DeepSeek, Ollama's ``/v1``...).

Reading a chunk (https://platform.openai.com/docs/api-reference/chat-streaming):

| wire                                                   | chunk                                   |
| ------------------------------------------------------ | --------------------------------------- |
| ``delta.content``                                      | ``content`` (a str)                     |
| ``delta.reasoning_content`` (DeepSeek, older vLLM,     | ``content=[ReasoningBlock]``, never     |
| llama.cpp) / ``delta.reasoning`` (OpenRouter, vLLM,    | text                                    |
| Ollama ``/v1``)                                        |                                         |
| OpenRouter's ``delta.reasoning_details[]``: the text   | its text is ``reasoning``'s (read only  |
| (``reasoning.text``/``.summary``), a ``signature``,    | when ``reasoning`` is absent); a        |
| encrypted reasoning (``reasoning.encrypted``)          | signature: ``ReasoningBlock.signature``;|
|                                                        | encrypted: ``RedactedThinkingBlock``;   |
|                                                        | other types: ``UnsupportedOutputError`` |
| ``delta.refusal``                                      | ``content=[RefusalBlock]``, never text  |
| ``delta.annotations[]`` (search models)                | ``content=[TextBlock("", citations)]``  |
| ``delta.tool_calls[]``                                 | ``tool_call_chunks`` by ``index``       |
| ``usage`` (one final chunk, the finish chunk, or every | ``usage_metadata`` as a delta           |
| chunk as a running total), Groq ``x_groq.usage``       |                                         |
| ``id``, ``model``, ``system_fingerprint``,             | ``response_metadata`` of the first      |
| ``service_tier``                                       | chunk                                   |
| ``finish_reason``                                      | ``response_metadata`` of that chunk     |
| ``error`` inside a 200 stream                          | ``StreamProviderError``                 |
| ``delta.audio``, ``delta.function_call``,              | ``UnsupportedOutputError`` (never       |
| ``choice.logprobs`` (asked for by the caller)          | dropped)                                |

Only choice 0 is read (a chat model streams one message). Models that write ``<think>`` tags
inside ``content`` (DeepSeek-R1 through Together) keep them in the text, as LangChain does: the
wire does not say it is reasoning. With ``reasoning_tags`` (``ChatOpenAI(extract_reasoning=
True)``) the ``TaggedReasoningReader`` splits them off into ``ReasoningBlock``s
(``reasoning_tags.TagSplitter``). A whole response reads the same fields of ``message``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Final, Literal

import msgspec

from ..._values.errors import UnsupportedOutputError
from ..._values.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    Citation,
    ContentBlock,
    HumanMessage,
    ImageBlock,
    InputTokenDetails,
    OutputTokenDetails,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    ResponseMetadata,
    SystemMessage,
    TextBlock,
    ToolCallChunk,
    ToolMessage,
    UsageMetadata,
)
from ..._values.options import CallOptions, ChatOpenAICallOptions
from ..._values.outputs import GenerationBuilder
from ..._wire.reader import RAW_LIMIT, SSEStreamReader, StreamReader
from ..._wire.sse import ServerSentEvent
from ..base import Stop
from ..chat_base import ChatHTTPApi, UsageDeltas, whole_reply
from ..reasoning_tags import TagSplitter
from ..settings import encode_body, stop_list
from .api import OpenAISettings, openai_headers
from .wire import ErrorBody

__all__ = [
    "ChatCompletionsApi",
    "ChatCompletionsReader",
    "ChatPayload",
    "TaggedReasoningReader",
    "chat_payload_decoder",
    "completion_message",
    "openai_messages",
]

PROVIDER: Final = "openai"
_DONE: Final = b"[DONE]"

# -- wire structs ----------------------------------------------------------------------------------


class FunctionDelta(msgspec.Struct, frozen=True, gc=False):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(msgspec.Struct, frozen=True, gc=False):
    """One fragment of a streamed tool call: the first names ``id`` and ``function.name`` (with
    ``arguments: ""``), the next ones only ``index`` and an ``arguments`` fragment."""

    index: int | None = None
    id: str | None = None
    function: FunctionDelta | None = None


class ReasoningDetail(msgspec.Struct, frozen=True, gc=False):
    """One item of OpenRouter's ``reasoning_details``
    (https://openrouter.ai/docs/use-cases/reasoning-tokens): ``reasoning.text`` (``text``, and a
    ``signature`` for models that sign their reasoning), ``reasoning.summary`` (``summary``) or
    ``reasoning.encrypted`` (``data``). Its ``id``, ``format`` and ``index`` are not read."""

    type: str = ""
    text: str | None = None
    summary: str | None = None
    signature: str | None = None
    data: str | None = None


class ChatDelta(msgspec.Struct, frozen=True, gc=False):
    content: str | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    reasoning_details: list[ReasoningDetail] | None = None
    tool_calls: list[ToolCallDelta] | None = None
    refusal: str | None = None
    annotations: list[dict[str, object]] | None = None
    # Output rillet cannot represent: an UnsupportedOutputError when present (never dropped).
    audio: object = None
    function_call: object = None


class FunctionCall(msgspec.Struct, frozen=True, gc=False):
    name: str = ""
    arguments: str = ""


class ToolCallOut(msgspec.Struct, frozen=True, gc=False):
    id: str | None = None
    function: FunctionCall = FunctionCall()


class ChatMessageOut(msgspec.Struct, frozen=True, gc=False):
    """The assistant message of a whole response (``content`` is null for a tool call)."""

    content: str | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    reasoning_details: list[ReasoningDetail] | None = None
    tool_calls: list[ToolCallOut] | None = None
    refusal: str | None = None
    annotations: list[dict[str, object]] | None = None
    audio: object = None
    function_call: object = None


class ChatChoice(msgspec.Struct, frozen=True, gc=False):
    index: int = 0
    delta: ChatDelta | None = None
    message: ChatMessageOut | None = None
    finish_reason: str | None = None
    logprobs: object = None


class PromptTokensDetails(msgspec.Struct, frozen=True, gc=False):
    cached_tokens: int | None = None
    audio_tokens: int | None = None
    cache_write_tokens: int | None = None


class CompletionTokensDetails(msgspec.Struct, frozen=True, gc=False):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None


class ChatUsage(msgspec.Struct, frozen=True, gc=False):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class XGroq(msgspec.Struct, frozen=True, gc=False):
    """Groq's vendor object: its finish chunk reports usage here, not in ``usage``."""

    usage: ChatUsage | None = None


class ChatPayload(msgspec.Struct, frozen=True, gc=False):
    """A streamed chunk or a whole response of ``/chat/completions``; vendors' extra fields are
    ignored (OpenRouter's ``provider``, Novita's ``sla_metrics``, OpenAI's ``obfuscation``...)."""

    choices: list[ChatChoice] = []
    id: str = ""
    model: str = ""
    usage: ChatUsage | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    error: ErrorBody | None = None
    x_groq: XGroq | None = None

    @property
    def reported_usage(self) -> ChatUsage | None:
        if self.usage is not None:
            return self.usage
        return self.x_groq.usage if self.x_groq is not None else None


# -- the common chunk, decoded in one step ---------------------------------------------------------
# Past its first chunk nearly every chunk of a stream is one token of text of choice 0 and nothing
# else. `PlainChatPayload` is `ChatPayload` narrowed to exactly that: `content` a str, every other
# field the reader reads typed `None` (present and null, or absent), one choice, of index 0. A
# chunk it decodes, `ChatPayload` decodes to a payload whose chunk is `AIMessageChunk(content)`
# (or none, for ""); a chunk it refuses (any decode error) goes through `ChatPayload`, which says
# what it is. So the reader tells the common chunk from the others in msgspec, not in Python.


class PlainChatDelta(msgspec.Struct, frozen=True, gc=False):
    """A ``ChatDelta`` of text only."""

    content: str
    reasoning_content: None = None
    reasoning: None = None
    reasoning_details: None = None
    tool_calls: None = None
    refusal: None = None
    annotations: None = None
    audio: None = None
    function_call: None = None


class PlainChatChoice(msgspec.Struct, frozen=True, gc=False):
    """A ``ChatChoice`` of choice 0 with a ``PlainChatDelta`` and no finish reason."""

    delta: PlainChatDelta
    index: Literal[0] = 0
    message: None = None
    finish_reason: None = None
    logprobs: None = None


class PlainChatPayload(msgspec.Struct, frozen=True, gc=False):
    """A ``ChatPayload`` that is one token of text of choice 0 and nothing else (its ``id``,
    ``model``... are not read: only the first chunk's are, never decoded with this)."""

    choices: tuple[PlainChatChoice]
    usage: None = None
    error: None = None
    x_groq: None = None


@cache
def plain_chat_payload_decoder() -> msgspec.json.Decoder[PlainChatPayload]:
    return msgspec.json.Decoder(PlainChatPayload)


_MISSES: Final = 16
"""Chunks past the first that ``PlainChatPayload`` may refuse (normally the finish and usage
chunks) before it is no longer tried: a stream of other chunks (tool-call fragments, reasoning,
usage in every chunk) then costs one decode per chunk, not two."""


@cache
def chat_payload_decoder() -> msgspec.json.Decoder[ChatPayload]:
    """The decoder of a chat completion chunk (and of a whole answer), built on first use."""
    return msgspec.json.Decoder(ChatPayload)


def usage_metadata(usage: ChatUsage) -> UsageMetadata:
    """LangChain's mapping (langchain-openai ``_create_usage_metadata``): cached prompt tokens
    are ``cache_read``, reasoning tokens ``reasoning``; missing details stay None."""
    prompt = usage.prompt_tokens_details
    completion = usage.completion_tokens_details
    total = usage.total_tokens
    return UsageMetadata(
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        total_tokens=total if total is not None else usage.prompt_tokens + usage.completion_tokens,
        input_token_details=None
        if prompt is None
        else InputTokenDetails(
            audio=prompt.audio_tokens,
            cache_read=prompt.cached_tokens,
            cache_creation=prompt.cache_write_tokens,
        ),
        output_token_details=None
        if completion is None
        else OutputTokenDetails(
            audio=completion.audio_tokens, reasoning=completion.reasoning_tokens
        ),
    )


# -- reading ---------------------------------------------------------------------------------------


class ChatCompletionsReader(SSEStreamReader[AIMessageChunk]):
    """Reads a chat completions stream into ``AIMessageChunk``s (choice 0)."""

    terminal = "data: [DONE]"
    __slots__ = (
        "_decode",
        "_decode_plain",
        "_finish_reason",
        "_misses",
        "_started",
        "_texts",
        "_usage",
    )

    def __init__(self, *, url: str) -> None:
        super().__init__(GenerationBuilder(), url=url)
        self._decode = chat_payload_decoder().decode
        self._decode_plain = plain_chat_payload_decoder().decode
        self._misses = 0  # chunks PlainChatPayload refused since the first: see _MISSES
        self._texts = self.builder.text_parts(0)
        self._started = False
        self._finish_reason: str | None = None
        self._usage = UsageDeltas()

    def feed(self, frame: ServerSentEvent) -> AIMessageChunk | None:
        out: list[AIMessageChunk] = []
        # This class's loop, not `self.feed_datas`: a subclass's may call `feed`.
        ChatCompletionsReader.feed_datas(self, [frame.data], out)
        return out[0] if out else None

    def feed_all(self, frames: list[ServerSentEvent], out: list[AIMessageChunk]) -> None:
        ChatCompletionsReader.feed_datas(self, [frame.data for frame in frames], out)

    def feed_datas(self, datas: list[bytes], out: list[AIMessageChunk]) -> None:
        """``feed`` for each event of one read, given as its data (the only field this reader
        reads), in order; stops after ``[DONE]``. The common frames are read inline, without a
        call per frame but the decoder's: one token of text (past the first chunk, decoded as a
        ``PlainChatPayload`` in one step) or one argument fragment of a tool call; every other
        frame goes through ``_slow``, whose chunk for a common frame is the same
        (``tests/unit/test_chat_reader_batches.py``)."""
        decode = self._decode
        plain = self._decode_plain
        decode_plain = plain if self._misses < _MISSES and self._started else None
        texts = self._texts
        for data in datas:
            if data == _DONE:
                self.done = True
                return
            if decode_plain is None and self._started and self._misses < _MISSES:
                decode_plain = plain  # the first chunk was read just now
            if decode_plain is not None:
                try:
                    token = decode_plain(data).choices[0].delta.content
                except (ValueError, RecursionError):  # not one plain token: decoded in full below
                    self._misses += 1
                    if self._misses >= _MISSES:
                        decode_plain = None
                else:
                    if token:
                        texts.append(token)
                        out.append(AIMessageChunk(token))
                    continue
            try:
                payload = decode(data)
            except msgspec.DecodeError as exc:
                raise self.decode_error("chat completion chunk", data, exc) from exc
            except (UnicodeDecodeError, RecursionError) as exc:  # bad UTF-8, JSON too deep
                raise self.decode_error("event", data[:RAW_LIMIT], exc) from None  # = undecodable
            choices = payload.choices
            if len(choices) == 1 and self._started:
                choice = choices[0]
                delta = choice.delta
                if (
                    delta is not None
                    and choice.finish_reason is None
                    and choice.index == 0
                    and payload.usage is None
                    and payload.x_groq is None
                    and payload.error is None
                    and delta.reasoning_content is None
                    and delta.reasoning is None
                    and delta.reasoning_details is None
                    and delta.refusal is None
                    and delta.annotations is None
                    and delta.audio is None
                    and delta.function_call is None
                    and choice.logprobs is None
                ):
                    calls = delta.tool_calls
                    if calls is None:
                        text = delta.content
                        if text:
                            texts.append(text)
                            out.append(AIMessageChunk(text))
                        continue
                    if len(calls) == 1 and not delta.content:
                        # One argument fragment of a tool call (issue 13).
                        call = calls[0]
                        function = call.function
                        if call.id is None and function is not None and function.name is None:
                            fragment = ToolCallChunk(None, function.arguments, None, call.index)
                            out.append(AIMessageChunk("", [fragment]))
                            continue
            chunk = self._slow(payload, data)
            if chunk is not None:
                out.append(chunk)

    def _slow(self, payload: ChatPayload, data: bytes) -> AIMessageChunk | None:
        if payload.error is not None:
            error = payload.error
            reported = payload.reported_usage  # OpenRouter's usage rides on its error chunk
            raise self.provider_error(
                error.message,
                body=msgspec.to_builtins(error),
                raw=data,
                usage=usage_metadata(reported) if reported is not None else None,
            )
        builder = self.builder
        metadata: ResponseMetadata | None = None
        if not self._started and (payload.model or payload.choices):
            # The first chunk that says something (Azure opens with `choices: []`, no model).
            self._started = True
            builder.model_name = payload.model or None
            metadata = ResponseMetadata(
                model_name=payload.model or None,
                id=payload.id or None,
                system_fingerprint=payload.system_fingerprint or None,
                service_tier=payload.service_tier,
                model_provider=PROVIDER,
            )
        usage: UsageMetadata | None = None
        reported = payload.reported_usage
        if reported is not None:
            usage = self._usage.delta(usage_metadata(reported))
        text = ""
        reasoning: str | None = None
        details = _NO_DETAILS
        refusal: str | None = None
        citations: list[Citation] = []
        tool_chunks: list[ToolCallChunk] = []
        for choice in payload.choices:
            if choice.index != 0:
                continue
            reason = choice.finish_reason
            if reason is not None and reason != self._finish_reason:
                # Reported once (OpenRouter repeats it on the chunks that follow).
                builder.finish(0, reason)
                self._finish_reason = reason
                finish = ResponseMetadata(finish_reason=reason)
                metadata = finish if metadata is None else _with_finish(metadata, finish)
            delta = choice.delta
            if delta is None:
                continue
            unsupported = _unsupported(delta, choice.logprobs)
            if unsupported is not None:
                raise UnsupportedOutputError(
                    f"the stream from {self.url} carries {unsupported}, which rillet's chat "
                    "models cannot represent; drop the request option that asks for it",
                    what=unsupported,
                    partial_text=builder.text(0),
                )
            text = delta.content or ""
            reasoning = delta.reasoning_content or delta.reasoning
            if delta.reasoning_details:
                details = _details(delta.reasoning_details, reasoning)
                reasoning = details.reasoning
            refusal = delta.refusal or None
            citations = _citations(delta.annotations)
            for call in delta.tool_calls or ():
                function = call.function
                tool_chunks.append(
                    ToolCallChunk(
                        name=function.name if function is not None else None,
                        args=function.arguments if function is not None else None,
                        id=call.id,
                        index=call.index,
                    )
                )
        if text:
            self._texts.append(text)
        if not (
            text
            or reasoning
            or details.signature
            or details.encrypted
            or refusal
            or citations
            or tool_chunks
            or usage is not None
            or metadata is not None
        ):
            return None
        return AIMessageChunk(
            content=_blocks(text, reasoning, refusal, citations, details),
            tool_call_chunks=tool_chunks,
            usage_metadata=usage,
            response_metadata=metadata if metadata is not None else ResponseMetadata(),
        )

    def produced_nothing(self) -> bool:
        return not self._started

    def _complete_without_terminal(self) -> bool:
        # Some llama.cpp builds end without [DONE]: a stream whose choice finished lost nothing.
        return self._finish_reason is not None


class TaggedReasoningReader(ChatCompletionsReader):
    """A ``ChatCompletionsReader`` for models that write their reasoning into ``content``
    between tags (``<think>...</think>``): the tagged reasoning comes out as ``ReasoningBlock``s,
    the rest as text (``TagSplitter``); the partial text of an error is the answer only."""

    __slots__ = ("_splitter",)

    # Every frame goes through `feed` below, never through a faster loop of the base reader.
    feed_all = StreamReader.feed_all
    feed_datas = SSEStreamReader.feed_datas

    def __init__(self, *, url: str, tags: tuple[str, str]) -> None:
        super().__init__(url=url)
        self._splitter = TagSplitter(tags)

    def feed(self, frame: ServerSentEvent) -> AIMessageChunk | None:
        texts = self._texts
        before = len(texts)
        chunk = super().feed(frame)
        ending = self.done or self._finish_reason is not None
        if self._splitter.passing or (chunk is None and not ending):
            return chunk
        del texts[before:]  # the raw text; the answer part goes back below
        blocks: list[ContentBlock] = []
        if chunk is not None:
            got = chunk.content
            for block in [TextBlock(got)] if isinstance(got, str) else got:
                if type(block) is TextBlock:
                    self._split(block.text, block.citations, blocks)
                else:
                    blocks.append(block)
        if ending:
            reasoning, answer = self._splitter.flush()
            self._add(reasoning, answer, [], blocks)
        plain = all(type(b) is TextBlock and not b.citations for b in blocks)
        text = "".join(b.text for b in blocks if type(b) is TextBlock) if plain else ""
        content: str | list[ContentBlock] = text if plain else blocks
        if chunk is None:
            return AIMessageChunk(content) if content else None
        if (
            not content
            and not chunk.tool_call_chunks
            and chunk.usage_metadata is None
            and chunk.response_metadata == _NO_METADATA
        ):
            return None  # a piece of a tag, held back
        return AIMessageChunk(
            content=content,
            tool_call_chunks=chunk.tool_call_chunks,
            usage_metadata=chunk.usage_metadata,
            response_metadata=chunk.response_metadata,
        )

    def _split(self, text: str, citations: list[Citation], out: list[ContentBlock]) -> None:
        reasoning, answer = self._splitter.feed(text)
        self._add(reasoning, answer, citations, out)

    def _add(
        self, reasoning: str, answer: str, citations: list[Citation], out: list[ContentBlock]
    ) -> None:
        if reasoning:
            out.append(ReasoningBlock(reasoning))
        if answer or citations:
            if answer:
                self._texts.append(answer)
            out.append(TextBlock(answer, citations))


_NO_METADATA: Final = ResponseMetadata()


def split_tagged(text: str, tags: tuple[str, str]) -> tuple[str, str]:
    """The tagged reasoning and the answer of a whole reply's text."""
    splitter = TagSplitter(tags)
    reasoning, answer = splitter.feed(text)
    rest_reasoning, rest_answer = splitter.flush()
    return reasoning + rest_reasoning, answer + rest_answer


def _unsupported(delta: ChatDelta | ChatMessageOut, logprobs: object) -> str | None:
    """The wire field of ``delta`` (or its choice) that rillet cannot represent, if any."""
    if delta.audio is not None:
        return "audio output (`audio`)"
    if delta.function_call is not None:
        return "a legacy `function_call` (use tools instead of functions)"
    if logprobs is not None:
        return "`logprobs`"
    for detail in delta.reasoning_details or ():
        if detail.type not in _DETAIL_TYPES:
            return f"a {detail.type!r} item of `reasoning_details`"
    return None


_DETAIL_TYPES: Final = frozenset({"reasoning.text", "reasoning.summary", "reasoning.encrypted"})


class _Details(msgspec.Struct, frozen=True, gc=False):
    """What a ``reasoning_details`` list adds to a delta or message."""

    reasoning: str | None = None
    signature: str | None = None
    encrypted: tuple[str, ...] = ()


_NO_DETAILS: Final = _Details()


def _details(details: list[ReasoningDetail], reasoning: str | None) -> _Details:
    """OpenRouter's structured reasoning beside its plain ``reasoning``: the text items repeat
    that text (read only when ``reasoning`` is absent, never counted twice); a signature is kept
    (the last one, as Anthropic's ``signature_delta`` replaces); each encrypted item is a
    ``RedactedThinkingBlock``'s data. Types rillet does not know were refused by
    ``_unsupported``."""
    texts: list[str] = []
    signature: str | None = None
    encrypted: list[str] = []
    for detail in details:
        if detail.type == "reasoning.encrypted":
            if detail.data:
                encrypted.append(detail.data)
            continue
        texts.append((detail.text if detail.type == "reasoning.text" else detail.summary) or "")
        if detail.signature:
            signature = detail.signature
    return _Details(reasoning or "".join(texts) or None, signature, tuple(encrypted))


def _citations(annotations: list[dict[str, object]] | None) -> list[Citation]:
    """OpenAI's ``annotations`` (``{"type": "url_citation", "url_citation": {url, title,
    start_index, end_index}}``) as citations: the nested object's fields are the details."""
    citations: list[Citation] = []
    for annotation in annotations or ():
        kind = str(annotation.get("type", ""))
        nested = annotation.get(kind)
        details = (
            {str(k): v for k, v in nested.items()}
            if isinstance(nested, dict)
            else {k: v for k, v in annotation.items() if k != "type"}
        )
        citations.append(Citation(kind, None, details))
    return citations


def _blocks(
    text: str,
    reasoning: str | None,
    refusal: str | None,
    citations: list[Citation],
    details: _Details = _NO_DETAILS,
) -> str | list[ContentBlock]:
    """A delta's (or a message's) content: a plain str unless it has more than text."""
    if not (reasoning or refusal or citations or details.signature or details.encrypted):
        return text
    blocks: list[ContentBlock] = []
    if reasoning or details.signature:
        blocks.append(ReasoningBlock(reasoning or "", details.signature))
    blocks.extend(RedactedThinkingBlock(data) for data in details.encrypted)
    if refusal:
        blocks.append(RefusalBlock(refusal))
    if text or citations:
        blocks.append(TextBlock(text, citations))
    return blocks


def _with_finish(first: ResponseMetadata, finish: ResponseMetadata) -> ResponseMetadata:
    return msgspec.structs.replace(first, finish_reason=finish.finish_reason)


def completion_message(
    payload: ChatPayload, reasoning_tags: tuple[str, str] | None = None
) -> AIMessage | AIMessageChunk:
    """The message of a whole (non-streamed) response: choice 0's; with ``reasoning_tags``, the
    reasoning between them at the start of the text is split off (``split_tagged``)."""
    choice = next((c for c in payload.choices if c.index == 0), None)
    out = choice.message if choice is not None else None
    if out is not None and choice is not None:
        unsupported = _unsupported(out, choice.logprobs)
        if unsupported is not None:
            raise UnsupportedOutputError(
                f"the chat completion carries {unsupported}, which rillet's chat models cannot "
                "represent; drop the request option that asks for it",
                what=unsupported,
            )
    text = (out.content or "") if out is not None else ""
    reasoning = (out.reasoning_content or out.reasoning) if out is not None else None
    details = _NO_DETAILS
    if out is not None and out.reasoning_details:
        details = _details(out.reasoning_details, reasoning)
        reasoning = details.reasoning
    if reasoning_tags is not None:
        tagged, text = split_tagged(text, reasoning_tags)
        reasoning = (reasoning or "") + tagged or None
    refusal = out.refusal if out is not None else None
    citations = _citations(out.annotations) if out is not None else []
    calls = [
        ToolCallChunk(call.function.name, call.function.arguments, call.id, index)
        for index, call in enumerate((out.tool_calls or ()) if out is not None else ())
    ]
    reported = payload.reported_usage
    content = _blocks(text, reasoning, refusal, citations, details)
    if (
        (reasoning or details.signature or details.encrypted)
        and isinstance(content, list)
        and not any(isinstance(b, TextBlock) for b in content)
    ):
        content.append(TextBlock(text))  # as before: reasoning, then the (empty) answer
    return whole_reply(
        AIMessageChunk(
            content=content,
            tool_call_chunks=calls,
            usage_metadata=usage_metadata(reported) if reported is not None else None,
            response_metadata=ResponseMetadata(
                finish_reason=choice.finish_reason if choice is not None else None,
                model_name=payload.model or None,
                id=payload.id or None,
                system_fingerprint=payload.system_fingerprint or None,
                service_tier=payload.service_tier,
                model_provider=PROVIDER,
            ),
            chunk_position="last",
        )
    )


# -- requests --------------------------------------------------------------------------------------


def _image_url(block: ImageBlock) -> str:
    if block.url is not None:
        return block.url
    return f"data:{block.mime_type};base64,{block.base64}"


def _content(content: str | Sequence[object]) -> str | list[dict[str, object]]:
    """Message content in chat completions' shape: a str, or text and ``image_url`` parts
    (reasoning, redacted thinking and citations are never sent back; a refusal goes to the
    assistant message's ``refusal``)."""
    if isinstance(content, str):
        return content
    parts: list[dict[str, object]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
        elif isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            parts.append({"type": "image_url", "image_url": {"url": _image_url(block)}})
    if all(part["type"] == "text" for part in parts):
        return "".join(str(part["text"]) for part in parts)
    return parts


def _refusal_of(content: str | Sequence[object]) -> str:
    if isinstance(content, str):
        return ""
    return "".join(block.refusal for block in content if isinstance(block, RefusalBlock))


def openai_messages(messages: Sequence[AnyMessage]) -> list[dict[str, object]]:
    """``messages`` as chat completions' ``messages``."""
    out: list[dict[str, object]] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append({"role": "system", "content": _content(message.content)})
        elif isinstance(message, HumanMessage):
            out.append({"role": "user", "content": _content(message.content)})
        elif isinstance(message, (AIMessage, AIMessageChunk)):
            entry: dict[str, object] = {"role": "assistant", "content": _content(message.content)}
            refusal = _refusal_of(message.content)
            if refusal:
                entry["refusal"] = refusal
            if message.tool_calls:  # the round trip of tool calls (issue 13 adds bind_tools)
                entry["tool_calls"] = [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {
                            "name": call.name,
                            "arguments": msgspec.json.encode(call.args).decode(),
                        },
                    }
                    for call in message.tool_calls
                ]
            out.append(entry)
        elif isinstance(message, ToolMessage):
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_call_id,
                    "content": _content(message.content),
                }
            )
    return out


class ChatCompletionsApi(ChatHTTPApi[OpenAISettings, ServerSentEvent, ChatPayload]):
    """``POST {base_url}/chat/completions`` with a message list."""

    call_options = CallOptions(ChatOpenAICallOptions)

    path = "/chat/completions"
    what = "a chat completion"
    provider = PROVIDER

    def __init__(
        self, settings: OpenAISettings, *, reasoning_tags: tuple[str, str] | None = None
    ) -> None:
        super().__init__(settings)
        self.reasoning_tags = reasoning_tags
        """The tags a model writes its reasoning between, inside its text, to split off."""

    def headers(self, *, stream: bool) -> dict[str, str]:
        return openai_headers(self.settings, stream=stream)

    def body(
        self,
        messages: Sequence[AnyMessage],
        stop: Stop,
        overrides: Mapping[str, object],
        *,
        stream: bool,
    ) -> bytes:
        settings = self.settings
        body: dict[str, object] = {"model": settings.model, "messages": openai_messages(messages)}
        if stream:
            # Usage is then reported at the end of the stream (a `choices: []` chunk).
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        optional: dict[str, object | None] = {
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "top_p": settings.top_p,
            "frequency_penalty": settings.frequency_penalty,
            "presence_penalty": settings.presence_penalty,
            "seed": settings.seed,
            "logit_bias": settings.logit_bias,
            "stop": (stop_list(stop) if stop is not None else settings.stop) or None,
        }
        return encode_body(body, optional, extra_body=settings.extra_body, overrides=overrides)

    def reader(self) -> ChatCompletionsReader:
        if self.reasoning_tags is not None:
            return TaggedReasoningReader(url=self.url, tags=self.reasoning_tags)
        return ChatCompletionsReader(url=self.url)

    def decode(self, content: bytes) -> ChatPayload:
        return chat_payload_decoder().decode(content)

    def message(self, payload: ChatPayload) -> AIMessage | AIMessageChunk:
        return completion_message(payload, self.reasoning_tags)
