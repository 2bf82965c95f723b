"""Chat messages: what a chat model reads and what it streams back (pure, msgspec structs).

    SystemMessage / HumanMessage / ToolMessage    input turns           frozen values
    AIMessage                                     a finished reply      frozen value
    AIMessageChunk                                one streamed delta    frozen value, adds with ``+``

Content is a ``str`` or a list of typed blocks: ``TextBlock`` (with the ``Citation``s of its
text, when the provider cites sources), ``ImageBlock`` (input; output of Ollama), and, from a model,
``ReasoningBlock``, ``RedactedThinkingBlock`` (Anthropic's encrypted reasoning) and
``RefusalBlock`` (OpenAI's refusal message). ``.text`` is always a ``str`` and is the text blocks
only (never reasoning or a refusal); ``.reasoning`` is the reasoning text. Every message takes its content positionally
(``HumanMessage("hi")``) and encodes with ``msgspec.json.encode`` in LangChain's JSON shape
(``{"type": "human", "content": "hi", ...}``).

Adding chunks (LangChain's rules, typed): content and reasoning concatenate (adjacent blocks of
the same kind merge, text blocks' citations concatenate; a refusal's fragments merge; a redacted
thinking or image block never merges; a str next to blocks becomes a ``TextBlock``), tool-call fragments merge by
``index`` unless their ids disagree (then a parallel call starts), usage is a delta on every chunk
and sums, ``response_metadata`` fields are set, last writer wins (never string-concatenated), the
first provider id wins over an ``lc_`` id, and ``chunk_position="last"`` is sticky.

Why ``full = full + chunk`` over N chunks costs O(total), not O(N²): a chunk made by ``+`` does not
hold its joined text. It holds a *view* of an append-only accumulator (fragment lists per content
block and per tool call) plus how many fragments of each it covers. ``a + b`` where ``a`` is the
newest view of its accumulator (the usual loop) appends ``b``'s fragments in place and returns the
next view: O(size of b). Adding to an older view copies its fragments into a fresh accumulator
first (correct, just not free). The text is joined once, when a field of the sum is first read
(``__getattr__`` on the unset fields), and cached in the struct. ``repr``, ``==``, ``hash``,
copy and pickle materialize first; ``msgspec.json.encode`` reads the struct's slots directly, so
encode a sum after reading it, or encode ``.to_message()``.

``AIMessageChunk.tool_calls`` parses each call's arguments received so far, lazily, with jiter's
partial mode: a growing call is always a valid partial value (an unfinished string shows its
prefix; a number that may still grow is left out, never 3 before 30). Only a finished stream
(``chunk_position == "last"``, or ``to_message()``) decides a call is invalid JSON; then it is an
``InvalidToolCall`` with the parser's error. ``ToolCall.parse(T)`` converts the arguments to ``T``
or raises ``ToolCallParseError``.

Every ``ToolCall`` has a ``str`` id (a ``ToolMessage`` answers it by that id). A provider that
sends none (Ollama; OpenAI-compatible servers; a custom model's fragments) gets
``default_call_id(message id, index)``: ``call_`` and 24 hex digits of a hash of the message's id
and the call's index. Deterministic: a streamed sum, its every prefix and ``to_message()`` give
the same id, and so does ``invoke`` with the same run id (a chat model's message id is the
provider's, else ``lc_run--<run id>``); unique across turns (each message id is); 29 characters
of ``[a-z0-9_]`` (within OpenAI's 40 and Anthropic's id pattern).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias, TypeVar, Union, cast, overload

import msgspec

from .errors import InvalidInputError, ToolCallParseError
from .inputs import PromptValue

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "AnyMessage",
    "ChunkAccumulator",
    "Citation",
    "ContentBlock",
    "HumanMessage",
    "ImageBlock",
    "InputTokenDetails",
    "InvalidToolCall",
    "MessageLike",
    "OutputTokenDetails",
    "ReasoningBlock",
    "RedactedThinkingBlock",
    "RefusalBlock",
    "ResponseMetadata",
    "SystemMessage",
    "TextBlock",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "UsageMetadata",
    "buffer_string",
    "coerce_message",
    "coerce_messages",
    "default_call_id",
]

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# content blocks


class Citation(msgspec.Struct, frozen=True, omit_defaults=True):
    """A source that a text block's text cites, as the provider sent it.

    ``type`` is the provider's kind (Anthropic: ``char_location``, ``page_location``,
    ``content_block_location``, ``web_search_result_location``, ``search_result_location``;
    OpenAI: ``url_citation``), ``cited_text`` the quoted source text when there is one, and
    ``details`` every other field of the provider's object (``document_index``, ``url``,
    ``title``, ``start_char_index``...), sent back to the same provider unchanged.
    """

    type: str
    cited_text: str | None = None
    details: dict[str, object] = {}


class TextBlock(msgspec.Struct, frozen=True, omit_defaults=True, tag="text", tag_field="type"):
    """Plain text; ``citations``: the sources it cites (Anthropic citations, OpenAI annotations)."""

    text: str
    citations: list[Citation] = []


class ImageBlock(msgspec.Struct, frozen=True, omit_defaults=True, tag="image", tag_field="type"):
    """An image: a ``url`` (http(s) or data URL), or ``base64`` data with its ``mime_type``. An
    input, or output of a model that makes images (Ollama's ``message.images``)."""

    url: str | None = None
    base64: str | None = None
    mime_type: str | None = None

    def __post_init__(self) -> None:
        if (self.url is None) == (self.base64 is None):
            raise InvalidInputError(
                "an ImageBlock takes exactly one of url=... or base64=... (with mime_type=...)"
            )
        if self.base64 is not None and self.mime_type is None:
            raise InvalidInputError(
                "an ImageBlock with base64 data needs its mime_type, e.g. mime_type='image/png'"
            )


class ReasoningBlock(
    msgspec.Struct, frozen=True, omit_defaults=True, tag="reasoning", tag_field="type"
):
    """Reasoning ("thinking") a model streamed before its answer; never part of ``.text``.

    ``signature`` is the provider's opaque signature (Anthropic; OpenRouter's
    ``reasoning_details``), to send back unchanged.
    """

    reasoning: str
    signature: str | None = None


class RedactedThinkingBlock(msgspec.Struct, frozen=True, tag="redacted_thinking", tag_field="type"):
    """Reasoning the provider encrypted (Anthropic's ``redacted_thinking``, OpenRouter's
    ``reasoning.encrypted``): no text to show, only ``data`` to send back unchanged in the next
    turn (to Anthropic). Never part of ``.text`` or ``.reasoning``."""

    data: str


class RefusalBlock(msgspec.Struct, frozen=True, tag="refusal", tag_field="type"):
    """The model's refusal to answer (OpenAI's ``refusal``), instead of text: not part of
    ``.text``."""

    refusal: str


ContentBlock: TypeAlias = (
    TextBlock | ImageBlock | ReasoningBlock | RedactedThinkingBlock | RefusalBlock
)
_BLOCK_TYPES: tuple[type, ...] = (
    TextBlock,
    ImageBlock,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
)


def _text_of(content: str | list[ContentBlock]) -> str:
    if isinstance(content, str):
        return content
    return "".join([b.text for b in content if type(b) is TextBlock])


def _reasoning_of(content: str | list[ContentBlock]) -> str:
    if isinstance(content, str):
        return ""
    return "".join([b.reasoning for b in content if type(b) is ReasoningBlock])


class _Readable:
    """``.text`` and ``.reasoning`` for every message type."""

    __slots__ = ()
    content: str | list[ContentBlock]

    @property
    def text(self) -> str:
        """The text content: the str, or the text blocks joined (reasoning and images left out)."""
        content = self.content
        if content.__class__ is str:  # the common case, without a call (read once per chunk)
            return content
        return _text_of(content)

    @property
    def reasoning(self) -> str:
        """The reasoning blocks' text joined ("" when the model streamed no reasoning)."""
        return _reasoning_of(self.content)


def _check_content(owner: str, content: object) -> None:
    if isinstance(content, str):
        return
    if isinstance(content, list) and all(type(b) in _BLOCK_TYPES for b in content):
        return
    raise InvalidInputError(
        f"{owner} content must be a str or a list of content blocks (TextBlock, ImageBlock, "
        f"ReasoningBlock, RedactedThinkingBlock, RefusalBlock), got {content!r}"
    )


# ---------------------------------------------------------------------------------------------
# usage and response metadata


def _add_opt(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _field(struct: msgspec.Struct, key: str) -> object:
    """A metadata struct read as LangChain's dict: a field by name, else KeyError."""
    if key in struct.__struct_fields__:
        return getattr(struct, key)
    raise KeyError(key)


def _field_or(struct: msgspec.Struct, key: str, default: object) -> object:
    value = getattr(struct, key, None) if key in struct.__struct_fields__ else None
    return default if value is None else value


MetadataKey: TypeAlias = Literal[
    "finish_reason",
    "model_name",
    "id",
    "system_fingerprint",
    "service_tier",
    "stop_sequence",
    "model_provider",
]
"""The keys of ``ResponseMetadata`` read as a dict."""


class InputTokenDetails(msgspec.Struct, frozen=True, omit_defaults=True):
    """Breakdown of input tokens (LangChain's keys); ``None`` where the provider said nothing."""

    audio: int | None = None
    cache_creation: int | None = None
    cache_read: int | None = None

    def __getitem__(self, key: Literal["audio", "cache_creation", "cache_read"]) -> int | None:
        """LangChain's dict reading (``details["cache_read"]``); an unknown key is a KeyError."""
        return cast("int | None", _field(self, key))

    @overload
    def get(self, key: Literal["audio", "cache_creation", "cache_read"]) -> int | None: ...
    @overload
    def get(self, key: Literal["audio", "cache_creation", "cache_read"], default: T) -> int | T: ...
    def get(self, key: str, default: object = None) -> object:
        """``details.get("cache_read")``: the value, or ``default`` where it is None/unknown."""
        return _field_or(self, key, default)

    def __add__(self, other: InputTokenDetails) -> InputTokenDetails:
        return InputTokenDetails(
            _add_opt(self.audio, other.audio),
            _add_opt(self.cache_creation, other.cache_creation),
            _add_opt(self.cache_read, other.cache_read),
        )


class OutputTokenDetails(msgspec.Struct, frozen=True, omit_defaults=True):
    """Breakdown of output tokens (LangChain's keys); ``None`` where the provider said nothing."""

    audio: int | None = None
    reasoning: int | None = None

    def __getitem__(self, key: Literal["audio", "reasoning"]) -> int | None:
        """LangChain's dict reading (``details["reasoning"]``); an unknown key is a KeyError."""
        return cast("int | None", _field(self, key))

    @overload
    def get(self, key: Literal["audio", "reasoning"]) -> int | None: ...
    @overload
    def get(self, key: Literal["audio", "reasoning"], default: T) -> int | T: ...
    def get(self, key: str, default: object = None) -> object:
        """``details.get("reasoning")``: the value, or ``default`` where it is None/unknown."""
        return _field_or(self, key, default)

    def __add__(self, other: OutputTokenDetails) -> OutputTokenDetails:
        return OutputTokenDetails(
            _add_opt(self.audio, other.audio), _add_opt(self.reasoning, other.reasoning)
        )


def _add_details(a: T | None, b: T | None) -> T | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b  # type: ignore[operator, no-any-return]  # only called with the details structs


class UsageMetadata(msgspec.Struct, frozen=True, omit_defaults=True):
    """Token counts. On a chunk it is always a delta (what this chunk adds); ``+`` sums."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: InputTokenDetails | None = None
    output_token_details: OutputTokenDetails | None = None

    @overload
    def __getitem__(self, key: Literal["input_tokens", "output_tokens", "total_tokens"]) -> int: ...
    @overload
    def __getitem__(self, key: Literal["input_token_details"]) -> InputTokenDetails | None: ...
    @overload
    def __getitem__(self, key: Literal["output_token_details"]) -> OutputTokenDetails | None: ...
    def __getitem__(self, key: str) -> object:
        """LangChain's dict reading (``usage["total_tokens"]``); an unknown key is a KeyError."""
        return _field(self, key)

    @overload
    def get(
        self, key: Literal["input_tokens", "output_tokens", "total_tokens"], default: object = None
    ) -> int: ...
    @overload
    def get(self, key: Literal["input_token_details"]) -> InputTokenDetails | None: ...
    @overload
    def get(self, key: Literal["output_token_details"]) -> OutputTokenDetails | None: ...
    def get(self, key: str, default: object = None) -> object:
        """``usage.get("total_tokens")``: the value, or ``default`` where it is None/unknown."""
        return _field_or(self, key, default)

    def __add__(self, other: UsageMetadata) -> UsageMetadata:
        if not isinstance(other, UsageMetadata):
            return NotImplemented
        return UsageMetadata(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.total_tokens + other.total_tokens,
            _add_details(self.input_token_details, other.input_token_details),
            _add_details(self.output_token_details, other.output_token_details),
        )


def _add_usage(a: UsageMetadata | None, b: UsageMetadata | None) -> UsageMetadata | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class ResponseMetadata(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the provider said about the reply. Adding chunks: a field set later wins."""

    finish_reason: str | None = None
    model_name: str | None = None
    id: str | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    stop_sequence: str | None = None
    model_provider: str | None = None

    def __getitem__(self, key: MetadataKey) -> str | None:
        """LangChain's dict reading (``meta["finish_reason"]``); an unknown key is a KeyError."""
        return cast("str | None", _field(self, key))

    @overload
    def get(self, key: MetadataKey) -> str | None: ...
    @overload
    def get(self, key: MetadataKey, default: T) -> str | T: ...
    def get(self, key: str, default: object = None) -> object:
        """``meta.get("finish_reason")``: the value, or ``default`` where it is None/unknown."""
        return _field_or(self, key, default)

    def merge(self, other: ResponseMetadata) -> ResponseMetadata:
        """``self`` with every field ``other`` sets (not None) replaced by ``other``'s."""
        if other is _NO_METADATA:
            return self
        if self is _NO_METADATA:
            return other
        return ResponseMetadata(
            *[
                b if b is not None else a
                for a, b in zip(
                    msgspec.structs.astuple(self), msgspec.structs.astuple(other), strict=True
                )
            ]
        )


_NO_METADATA = ResponseMetadata()


# ---------------------------------------------------------------------------------------------
# tool calls


def default_call_id(message_id: str | None, index: int) -> str:
    """The id of a tool call its provider sent without one: ``call_`` + 24 hex digits of a hash
    of the message's id and the call's index (see the module docstring)."""
    digest = hashlib.sha256(f"{message_id or ''}/{index}".encode()).hexdigest()
    return f"call_{digest[:24]}"


class ToolCall(msgspec.Struct, frozen=True, tag="tool_call", tag_field="type"):
    """A call the model asked for: the tool's ``name``, its parsed ``args``, the call ``id``
    (always set: a provider's own, else ``default_call_id``)."""

    name: str
    args: dict[str, object]
    id: str

    def parse(self, schema: type[T]) -> T:
        """The arguments as ``schema`` (a msgspec Struct, dataclass, TypedDict, ...).

        Raises ``ToolCallParseError`` when they do not fit, saying which field is wrong.
        """
        try:
            return msgspec.convert(self.args, schema)
        except msgspec.ValidationError as exc:
            raise ToolCallParseError(
                f"the arguments of tool call {self.name!r} ({self.id}) do not fit "
                f"{getattr(schema, '__name__', schema)}: {exc}; got {self.args!r}",
                name=self.name,
                args=self.args,
            ) from None


class ToolCallChunk(msgspec.Struct, frozen=True, tag="tool_call_chunk", tag_field="type"):
    """A fragment of a tool call as it streams: ``args`` is a piece of JSON text.

    Fragments with the same ``index`` belong to one call (``+`` joins them).
    """

    name: str | None = None
    args: str | None = None
    id: str | None = None
    index: int | None = None


class InvalidToolCall(msgspec.Struct, frozen=True, tag="invalid_tool_call", tag_field="type"):
    """A finished tool call whose arguments are not a JSON object; ``error`` says why."""

    name: str | None = None
    args: str | None = None
    id: str | None = None
    error: str | None = None


_JSON = msgspec.json.Decoder()


def _call_id(chunk: ToolCallChunk, message_id: str | None, position: int) -> str:
    if chunk.id is not None:
        return chunk.id
    return default_call_id(message_id, chunk.index if chunk.index is not None else position)


def _final_call(
    chunk: ToolCallChunk, message_id: str | None, position: int
) -> ToolCall | InvalidToolCall:
    """A finished call: all of its arguments have arrived."""
    args = chunk.args
    call_id = _call_id(chunk, message_id, position)
    if args is None or not args.strip():
        return ToolCall(chunk.name or "", {}, call_id)  # a call without arguments
    try:
        value = _JSON.decode(args)
    except msgspec.DecodeError as exc:
        error = f"the arguments are not valid JSON: {exc}"
    else:
        if isinstance(value, dict):
            return ToolCall(chunk.name or "", value, call_id)
        error = f"the arguments are JSON {type(value).__name__}, not an object"
    return InvalidToolCall(chunk.name, args, call_id, error)


_GROWING_NUMBER = frozenset("0123456789.eE+-")


def _partial_call(chunk: ToolCallChunk, message_id: str | None, position: int) -> ToolCall | None:
    """A call still streaming: its arguments so far as a valid partial value, or None."""
    text = chunk.args or ""
    # A trailing number may still grow (3 -> 30): leave it out until something follows it.
    end = len(text)
    while end and text[end - 1] in _GROWING_NUMBER:
        end -= 1
    if not text[:end].strip():
        return ToolCall(chunk.name or "", {}, _call_id(chunk, message_id, position))
    import jiter  # here, not at the top: `import rillet` need not load it

    try:
        value = jiter.from_json(text[:end].encode(), partial_mode="trailing-strings")
    except ValueError:
        return None  # not JSON so far; decided when the stream finishes
    if not isinstance(value, dict):
        return None
    return ToolCall(chunk.name or "", value, _call_id(chunk, message_id, position))


# ---------------------------------------------------------------------------------------------
# messages


class SystemMessage(_Readable, msgspec.Struct, frozen=True, tag="system", tag_field="type"):
    """Instructions for the model."""

    content: str | list[ContentBlock]
    name: str | None = None
    id: str | None = None
    type: ClassVar[Literal["system"]] = "system"

    def __post_init__(self) -> None:
        _check_content("SystemMessage", self.content)


class HumanMessage(_Readable, msgspec.Struct, frozen=True, tag="human", tag_field="type"):
    """A user turn: text, or text and images."""

    content: str | list[ContentBlock]
    name: str | None = None
    id: str | None = None
    type: ClassVar[Literal["human"]] = "human"

    def __post_init__(self) -> None:
        _check_content("HumanMessage", self.content)


class ToolMessage(_Readable, msgspec.Struct, frozen=True, tag="tool", tag_field="type"):
    """The result of a tool call, answering the call ``tool_call_id``."""

    content: str | list[ContentBlock]
    tool_call_id: str
    status: Literal["success", "error"] = "success"
    name: str | None = None
    id: str | None = None
    type: ClassVar[Literal["tool"]] = "tool"

    def __post_init__(self) -> None:
        _check_content("ToolMessage", self.content)
        if not isinstance(self.tool_call_id, str):
            raise InvalidInputError(
                f"ToolMessage.tool_call_id must be the str id of the call it answers, "
                f"got {self.tool_call_id!r}"
            )


class AIMessage(_Readable, msgspec.Struct, frozen=True, tag="ai", tag_field="type"):
    """A finished model reply (what ``invoke`` returns)."""

    content: str | list[ContentBlock] = ""
    tool_calls: list[ToolCall] = []
    invalid_tool_calls: list[InvalidToolCall] = []
    usage_metadata: UsageMetadata | None = None
    response_metadata: ResponseMetadata = _NO_METADATA
    name: str | None = None
    id: str | None = None
    type: ClassVar[Literal["ai"]] = "ai"

    def __post_init__(self) -> None:
        _check_content("AIMessage", self.content)
        if self.tool_calls or self.invalid_tool_calls:
            _check_calls(self.tool_calls, self.invalid_tool_calls)


def _check_calls(tool_calls: Sequence[object], invalid_tool_calls: Sequence[object]) -> None:
    for call in tool_calls:
        if not isinstance(call, ToolCall):
            _wrong_tool_call(call)
    for bad in invalid_tool_calls:
        if not isinstance(bad, InvalidToolCall):
            raise InvalidInputError(
                f"AIMessage invalid_tool_calls must be InvalidToolCall values, got {bad!r}"
            )


def _wrong_tool_call(call: object) -> None:
    """LangChain's dict tool calls (``{"name", "args", "id"}``) are ``ToolCall`` structs here."""
    if isinstance(call, Mapping):
        fields = ", ".join(f"{k}={call[k]!r}" for k in ("name", "args", "id") if k in call)
        raise InvalidInputError(
            f"AIMessage tool_calls must be ToolCall values, got the dict {dict(call)!r}: use "
            f"ToolCall({fields or 'name=..., args={...}, id=...'}) (the id is required: the "
            "ToolMessage answering the call names it)"
        )
    raise InvalidInputError(f"AIMessage tool_calls must be ToolCall values, got {call!r}")


_LAZY_FIELDS = frozenset(("content", "tool_call_chunks"))


class AIMessageChunk(
    _Readable, msgspec.Struct, frozen=True, dict=True, tag="AIMessageChunk", tag_field="type"
):
    """One streamed piece of a reply; ``a + b`` is the reply so far (see the module docstring)."""

    content: str | list[ContentBlock] = ""
    tool_call_chunks: list[ToolCallChunk] = []
    usage_metadata: UsageMetadata | None = None
    response_metadata: ResponseMetadata = _NO_METADATA
    name: str | None = None
    id: str | None = None
    chunk_position: Literal["last"] | None = None
    type: ClassVar[Literal["AIMessageChunk"]] = "AIMessageChunk"

    # -- the lazy fields of a sum ------------------------------------------------------------

    if not TYPE_CHECKING:  # hidden from type checkers: they must still catch misspelt names

        def __getattr__(self, name: str) -> object:
            # Only reached for an unset slot, i.e. a sum whose text is not joined yet.
            if name in _LAZY_FIELDS:
                view = self.__dict__.get("_view")
                if view is not None:
                    self._materialize(view)
                    return getattr(self, name)
            raise AttributeError(f"'AIMessageChunk' object has no attribute {name!r}")

    def _materialize(self, view: _View) -> None:
        content, tool_call_chunks = view.build()
        msgspec.structs.force_setattr(self, "content", content)
        msgspec.structs.force_setattr(self, "tool_call_chunks", tool_call_chunks)
        del self.__dict__["_view"]
        self.__dict__["_acc"] = view  # still the accumulator's tip: a later + appends to it

    def _ready(self) -> AIMessageChunk:
        _ = self.content  # a lazy sum joins here (via __getattr__); a plain slot read otherwise
        return self

    def __repr__(self) -> str:
        return msgspec.Struct.__repr__(self._ready())

    def __rich_repr__(self) -> list[tuple[str, object]]:
        return msgspec.Struct.__rich_repr__(self._ready())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AIMessageChunk):
            other._ready()
        return msgspec.Struct.__eq__(self._ready(), other)

    def __hash__(self) -> int:
        return msgspec.Struct.__hash__(self._ready())

    def __copy__(self) -> AIMessageChunk:
        return msgspec.structs.replace(self._ready())

    def __reduce__(self) -> str | tuple[Any, ...]:
        return msgspec.Struct.__reduce__(self._ready())

    # -- adding -------------------------------------------------------------------------------

    def __add__(self, other: AIMessageChunk) -> AIMessageChunk:
        if not isinstance(other, AIMessageChunk):
            return NotImplemented
        content = other.content  # joins a lazy ``other`` first
        own = self.__dict__
        state = own.get("_view") or own.get("_acc")
        # The newest view appends in place; any other chunk starts a fresh accumulator.
        if state is not None and state.version == state.acc.version:
            acc = state.acc
        else:
            acc = _Acc.start(self, state)
        acc.add(content, other.tool_call_chunks)
        # The common case costs no call: other has no usage, no metadata, the same id.
        usage, metadata, ids = self.usage_metadata, self.response_metadata, self.id
        if other.usage_metadata is not None:
            usage = _add_usage(usage, other.usage_metadata)
        if other.response_metadata is not _NO_METADATA:
            metadata = metadata.merge(other.response_metadata)
        if other.id != ids:
            ids = _merge_id(ids, other.id)
        result = AIMessageChunk(
            "",
            [],
            usage,
            metadata,
            self.name if self.name is not None else other.name,
            ids,
            "last" if self.chunk_position == "last" or other.chunk_position == "last" else None,
        )
        _CONTENT_SLOT.__delete__(result)  # unset: joined on first read
        _TOOL_CHUNKS_SLOT.__delete__(result)
        result.__dict__["_view"] = acc.view()
        return result

    # -- reading ------------------------------------------------------------------------------

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The calls so far: arguments parsed partially while streaming, fully once finished."""
        return self._calls()[0]

    @property
    def invalid_tool_calls(self) -> list[InvalidToolCall]:
        """Calls whose arguments are not a JSON object; decided only once the stream finished."""
        return self._calls()[1]

    def _calls(self) -> tuple[list[ToolCall], list[InvalidToolCall]]:
        chunks = self.tool_call_chunks
        if not chunks:
            return [], []
        cached: tuple[list[ToolCall], list[InvalidToolCall]] | None = self.__dict__.get("_parsed")
        if cached is not None:  # a frozen chunk parses its arguments once
            return list(cached[0]), list(cached[1])
        calls: list[ToolCall] = []
        invalid: list[InvalidToolCall] = []
        finished = self.chunk_position == "last"
        message_id = self.id
        for position, chunk in enumerate(chunks):
            if finished:
                call = _final_call(chunk, message_id, position)
                if isinstance(call, ToolCall):
                    calls.append(call)
                else:
                    invalid.append(call)
            elif (partial := _partial_call(chunk, message_id, position)) is not None:
                calls.append(partial)
        self.__dict__["_parsed"] = (calls, invalid)
        return list(calls), list(invalid)

    def to_message(self) -> AIMessage:
        """The finished reply these chunks add up to (tool calls parsed as finished)."""
        calls: list[ToolCall] = []
        invalid: list[InvalidToolCall] = []
        for position, chunk in enumerate(self.tool_call_chunks):
            call = _final_call(chunk, self.id, position)
            if isinstance(call, ToolCall):
                calls.append(call)
            else:
                invalid.append(call)
        return AIMessage(
            copy.copy(self.content) if isinstance(self.content, list) else self.content,
            calls,
            invalid,
            self.usage_metadata,
            self.response_metadata,
            self.name,
            self.id,
        )


_CONTENT_SLOT = AIMessageChunk.__dict__["content"]
_TOOL_CHUNKS_SLOT = AIMessageChunk.__dict__["tool_call_chunks"]


def _merge_id(left: str | None, right: str | None) -> str | None:
    """LangChain's rule: a provider id wins over an ``lc_run-`` id, which wins over other ``lc_``."""
    if left is None or left == right:
        return right
    if right is None:
        return left
    for candidate in (left, right):
        if not candidate.startswith("lc_"):
            return candidate
    for candidate in (left, right):
        if candidate.startswith("lc_run-"):
            return candidate
    return left


# ---------------------------------------------------------------------------------------------
# the append-only accumulator behind AIMessageChunk.__add__

_TEXT, _REASONING, _OPAQUE, _REFUSAL = 0, 1, 2, 3


class _Parts:
    """Fragments appended one by one, and the join of the first ``njoined`` (cached: reading a
    growing sum after every step joins each fragment once, not once per read)."""

    __slots__ = ("joined", "njoined", "parts")

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts
        self.joined = ""
        self.njoined = 0

    def join(self, n: int, acc: _Acc) -> str:
        """The first ``n`` fragments joined."""
        done = self.njoined
        if done == n:
            return self.joined
        parts = self.parts
        if done < n:  # the newest view (or a newer one): extend the cached join
            acc.work += n - done
            text = self.joined + "".join(parts[done:n]) if done else "".join(parts[:n])
            self.joined = text
            self.njoined = n
            return text
        acc.work += n  # an older view than the cache
        return "".join(parts[:n])


class _Seg(_Parts):
    """One content block being built: its fragments (text, reasoning or a refusal) and a text
    block's citations, or an opaque block."""

    __slots__ = ("block", "citations", "kind", "signature")

    def __init__(
        self,
        kind: int,
        parts: list[str],
        signature: str | None,
        block: ContentBlock | None,
        citations: list[Citation] | None = None,
    ) -> None:
        super().__init__(parts)
        self.kind = kind
        self.signature = signature
        self.block = block
        self.citations = citations  # None until a text block brings some


class _Tool(_Parts):
    """One tool call being built from its fragments."""

    __slots__ = ("id", "index", "name")

    def __init__(self, chunk: ToolCallChunk) -> None:
        super().__init__([] if chunk.args is None else [chunk.args])
        self.index = chunk.index
        self.id = chunk.id
        self.name = chunk.name


_NO_TOOLS: tuple[tuple[str | None, str | None], ...] = ()


class _Acc:
    """Fragments of a growing message; only ever appended to. ``version`` counts the appends, so
    a view knows whether it is the newest one (the only one allowed to append in place).
    ``tool_lens`` counts each call's fragments (a view copies it in one C call);
    ``tool_meta`` holds each call's ``(id, name)``, replaced (never mutated) when one changes."""

    __slots__ = (
        "by_index",
        "is_str",
        "segs",
        "tool_lens",
        "tool_meta",
        "tools",
        "version",
        "work",
    )

    def __init__(self) -> None:
        self.segs: list[_Seg] = []
        self.tools: list[_Tool] = []
        self.tool_lens: list[int] = []
        self.tool_meta = _NO_TOOLS
        self.by_index: dict[int, int] = {}  # tool-call index -> position of its newest call
        self.is_str = True
        self.version = 0
        self.work = 0  # fragments copied (from an older view) or joined (on read)

    @classmethod
    def start(cls, chunk: AIMessageChunk, state: _View | None) -> _Acc:
        """A fresh accumulator holding ``chunk``: its fields, or an older view's fragments."""
        acc = cls()
        if state is None:
            acc.is_str = isinstance(chunk.content, str)
            acc.add(chunk.content, [])
            for tool_chunk in chunk.tool_call_chunks:
                acc._new_tool(_Tool(tool_chunk))
        else:
            state.copy_into(acc)
        return acc

    def add(self, content: str | list[ContentBlock], tool_call_chunks: list[ToolCallChunk]) -> None:
        self.version += 1
        segs = self.segs
        if isinstance(content, str):
            if segs and segs[-1].kind == _TEXT:
                if content:  # an empty fragment changes nothing (every tool-call chunk has one)
                    segs[-1].parts.append(content)
            elif content or self.is_str:
                segs.append(_Seg(_TEXT, [content], None, None))
        else:
            self.is_str = False
            for block in content:
                kind = type(block)
                last = segs[-1] if segs else None
                if kind is TextBlock:
                    assert isinstance(block, TextBlock)
                    if last is not None and last.kind == _TEXT:
                        last.parts.append(block.text)
                    else:
                        last = _Seg(_TEXT, [block.text], None, None)
                        segs.append(last)
                    if block.citations:
                        if last.citations is None:
                            last.citations = []
                        last.citations.extend(block.citations)
                elif kind is RefusalBlock:
                    assert isinstance(block, RefusalBlock)
                    if last is not None and last.kind == _REFUSAL:
                        last.parts.append(block.refusal)
                    else:
                        segs.append(_Seg(_REFUSAL, [block.refusal], None, None))
                elif kind is ReasoningBlock:
                    assert isinstance(block, ReasoningBlock)
                    if last is not None and last.kind == _REASONING:
                        last.parts.append(block.reasoning)
                        if block.signature is not None:
                            last.signature = block.signature  # replaced, never appended
                    else:
                        segs.append(_Seg(_REASONING, [block.reasoning], block.signature, None))
                else:
                    segs.append(_Seg(_OPAQUE, [], None, block))
        if tool_call_chunks:
            tools = self.tools
            if len(tool_call_chunks) == 1 and tools:
                chunk = tool_call_chunks[0]
                last_tool = tools[-1]
                if (
                    chunk.id is None
                    and chunk.name is None
                    and chunk.args is not None
                    and chunk.index is not None
                    and chunk.index == last_tool.index
                ):
                    # The hot path: the next argument fragment of the newest call.
                    last_tool.parts.append(chunk.args)
                    self.tool_lens[-1] += 1
                    return
            for chunk in tool_call_chunks:
                self._add_tool(chunk)

    def _add_tool(self, chunk: ToolCallChunk) -> None:
        index = chunk.index
        if index is not None:
            position = self.by_index.get(index)
            if position is not None:
                tool = self.tools[position]
                if not chunk.id or not tool.id or chunk.id == tool.id:
                    if (tool.id is None and chunk.id is not None) or (
                        tool.name is None and chunk.name is not None
                    ):
                        tool.id = tool.id if tool.id is not None else chunk.id
                        tool.name = tool.name if tool.name is not None else chunk.name
                        self.tool_meta = tuple((t.id, t.name) for t in self.tools)
                    if chunk.args is not None:
                        tool.parts.append(chunk.args)
                        self.tool_lens[position] += 1
                    return
        self._new_tool(_Tool(chunk))

    def _new_tool(self, tool: _Tool) -> None:
        if tool.index is not None:
            self.by_index[tool.index] = len(self.tools)
        self.tools.append(tool)
        self.tool_lens.append(len(tool.parts))
        self.tool_meta = (*self.tool_meta, (tool.id, tool.name))

    def view(self) -> _View:
        return _View(self)


class _View:
    """What one sum covers of an accumulator: counts taken when it was made (O(blocks + calls),
    the calls' in one C call: see ``_Acc``)."""

    __slots__ = (
        "acc",
        "is_str",
        "lens",
        "meta",
        "ncites",
        "nlast",
        "nsegs",
        "signature",
        "version",
    )

    def __init__(self, acc: _Acc) -> None:
        self.acc = acc
        self.version = acc.version
        self.is_str = acc.is_str
        segs = acc.segs
        if segs:
            last = segs[-1]
            self.nsegs = len(segs)
            self.nlast = len(last.parts)
            self.signature = last.signature
            cites = last.citations
            self.ncites = len(cites) if cites is not None else 0
        else:
            self.nsegs = self.nlast = self.ncites = 0
            self.signature = None
        meta = self.meta = acc.tool_meta
        self.lens = tuple(acc.tool_lens) if meta else ()

    def is_tip(self) -> bool:
        return self.version == self.acc.version

    def _count(self, i: int) -> int:
        return self.nlast if i == self.nsegs - 1 else len(self.acc.segs[i].parts)

    def _citations(self, i: int) -> list[Citation]:
        cites = self.acc.segs[i].citations
        if cites is None:
            return []
        return cites[: self.ncites] if i == self.nsegs - 1 else list(cites)

    def build(self) -> tuple[str | list[ContentBlock], list[ToolCallChunk]]:
        acc = self.acc
        content: str | list[ContentBlock]
        if self.is_str:
            content = acc.segs[0].join(self.nlast, acc) if self.nsegs else ""
        else:
            content = []
            for i in range(self.nsegs):
                seg = acc.segs[i]
                if seg.kind == _TEXT:
                    text = seg.join(self._count(i), acc)
                    cites = self._citations(i)
                    if cites:
                        content.append(TextBlock(text, cites))
                    elif text:
                        content.append(TextBlock(text))
                elif seg.kind == _REFUSAL:
                    content.append(RefusalBlock(seg.join(self._count(i), acc)))
                elif seg.kind == _REASONING:
                    signature = self.signature if i == self.nsegs - 1 else seg.signature
                    content.append(ReasoningBlock(seg.join(self._count(i), acc), signature))
                else:
                    assert seg.block is not None
                    content.append(seg.block)
        tools = [
            ToolCallChunk(name, tool.join(n, acc) if n else None, id_, tool.index)
            for tool, n, (id_, name) in zip(
                acc.tools, self.lens, self.meta, strict=False
            )  # newer calls: not ours
        ]
        return content, tools

    def copy_into(self, target: _Acc) -> None:
        """Fill an empty accumulator with this view's fragments (adding to an older sum)."""
        source = self.acc
        target.is_str = self.is_str
        for i in range(self.nsegs):
            seg = source.segs[i]
            parts = seg.parts[: self._count(i)]
            source.work += len(parts)
            signature = self.signature if i == self.nsegs - 1 else seg.signature
            cites = self._citations(i) if seg.citations is not None else None
            target.segs.append(_Seg(seg.kind, parts, signature, seg.block, cites))
        for tool, n, (id_, name) in zip(source.tools, self.lens, self.meta, strict=False):
            copy_ = _Tool(ToolCallChunk(name, None, id_, tool.index))
            copy_.parts = tool.parts[:n]
            source.work += n
            target._new_tool(copy_)


class ChunkAccumulator:
    """Adds up a stream's chunks without making a chunk per step: what ``+`` over the whole
    stream gives, built on the same append-only accumulator (for runnables summing a stream)."""

    __slots__ = ("_acc", "_first", "_id", "_metadata", "_name", "_position", "_usage")

    def __init__(self) -> None:
        self._first: AIMessageChunk | None = None  # while it is the only one: the sum is itself
        self._acc: _Acc | None = None
        self._usage: UsageMetadata | None = None
        self._metadata = _NO_METADATA
        self._name: str | None = None
        self._id: str | None = None
        self._position: Literal["last"] | None = None

    def add(self, chunk: AIMessageChunk) -> None:
        content = chunk.content  # joins a lazy sum first
        acc = self._acc
        if acc is None:
            if self._first is None:
                self._first = chunk
            acc = self._acc = _Acc.start(chunk, None)
        elif type(content) is str and acc.is_str and not chunk.tool_call_chunks:
            acc.segs[0].parts.append(content)  # the common case: plain text after plain text
        else:
            acc.add(content, chunk.tool_call_chunks)
        if chunk is not self._first:
            self._first = None
        usage = chunk.usage_metadata
        if usage is not None:
            self._usage = usage if self._usage is None else self._usage + usage
        if chunk.response_metadata is not _NO_METADATA:
            self._metadata = self._metadata.merge(chunk.response_metadata)
        if self._name is None:
            self._name = chunk.name
        chunk_id = chunk.id
        if chunk_id is not None and chunk_id != self._id:
            self._id = _merge_id(self._id, chunk_id)
        if chunk.chunk_position == "last":
            self._position = "last"

    def chunk(self) -> AIMessageChunk:
        """The sum so far (an empty chunk before the first)."""
        if self._first is not None:
            return self._first
        content: str | list[ContentBlock] = ""
        tools: list[ToolCallChunk] = []
        if self._acc is not None:
            content, tools = self._acc.view().build()
        return AIMessageChunk(
            content, tools, self._usage, self._metadata, self._name, self._id, self._position
        )

    def message(self) -> AIMessage:
        """The finished message the chunks add up to."""
        return self.chunk().to_message()


# ---------------------------------------------------------------------------------------------
# coercion: what a chat model accepts as messages

AnyMessage: TypeAlias = SystemMessage | HumanMessage | AIMessage | AIMessageChunk | ToolMessage
MessageLike: TypeAlias = Union[
    AnyMessage,
    str,
    "tuple[str, str | list[ContentBlock]]",
    "Mapping[str, object]",
]

_MESSAGE_TYPES = (SystemMessage, HumanMessage, AIMessage, AIMessageChunk, ToolMessage)
_ROLES = "'system', 'developer', 'human', 'user', 'ai', 'assistant' or 'tool'"
_DICT_KEYS = frozenset(("role", "type", "content", "name", "id", "tool_call_id"))


def _content(value: object, where: str) -> str | list[ContentBlock]:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        blocks: list[ContentBlock] = []
        for item in value:
            if type(item) in _BLOCK_TYPES:
                blocks.append(item)
            elif isinstance(item, str):
                blocks.append(TextBlock(item))
            elif isinstance(item, Mapping) and item.get("type") == "image_url":
                url = item.get("image_url")
                url = url.get("url") if isinstance(url, Mapping) else url
                if not isinstance(url, str):
                    raise InvalidInputError(
                        f"{where}: an image_url block needs a url, got {item!r}"
                    )
                blocks.append(ImageBlock(url=url))
            elif isinstance(item, Mapping):
                try:
                    blocks.append(msgspec.convert(item, ContentBlock))
                except (msgspec.ValidationError, InvalidInputError) as exc:
                    raise InvalidInputError(
                        f"{where}: invalid content block {item!r} ({exc}); expected "
                        '{"type": "text", "text": ...}, {"type": "image", "url": ...}, '
                        '{"type": "reasoning", "reasoning": ...}, '
                        '{"type": "redacted_thinking", "data": ...} or '
                        '{"type": "refusal", "refusal": ...}'
                    ) from None
            else:
                raise InvalidInputError(f"{where}: invalid content block {item!r}")
        return blocks
    raise InvalidInputError(
        f"{where}: content must be a str or a list of content blocks, got {type(value).__name__}"
    )


def _from_role(
    role: object, content: object, where: str, extra: Mapping[str, object] | None = None
) -> AnyMessage:
    extra = extra or {}
    body = _content(content, where)
    name = extra.get("name")
    id_ = extra.get("id")
    if not (name is None or isinstance(name, str)) or not (id_ is None or isinstance(id_, str)):
        raise InvalidInputError(f"{where}: name and id must be str")
    if role in ("human", "user"):
        return HumanMessage(body, name, id_)
    if role in ("system", "developer"):
        return SystemMessage(body, name, id_)
    if role in ("ai", "assistant"):
        return AIMessage(body, name=name, id=id_)
    if role == "tool":
        tool_call_id = extra.get("tool_call_id")
        if not isinstance(tool_call_id, str):
            raise InvalidInputError(
                f"{where}: a tool message needs the id of the call it answers; pass "
                "ToolMessage(content, tool_call_id=...) or "
                '{"role": "tool", "content": ..., "tool_call_id": ...}'
            )
        return ToolMessage(body, tool_call_id, name=name, id=id_)
    raise InvalidInputError(f"{where}: unknown role {role!r}; use one of {_ROLES}")


def coerce_message(value: object) -> AnyMessage:
    """One message from a message struct, a str (a human turn), a ``(role, content)`` tuple or a
    ``{"role": ..., "content": ...}`` dict. Anything else is an ``InvalidInputError``."""
    if isinstance(value, _MESSAGE_TYPES):
        return value
    if isinstance(value, str):
        return HumanMessage(value)
    if isinstance(value, tuple):
        if len(value) != 2:
            raise InvalidInputError(
                f"invalid message {value!r}: a tuple must be (role, content), e.g. ('human', 'hi')"
            )
        return _from_role(value[0], value[1], f"message {value!r}")
    if isinstance(value, Mapping):
        unknown = set(value) - _DICT_KEYS
        role = value.get("role", value.get("type"))
        if unknown or "content" not in value or role is None:
            raise InvalidInputError(
                f"invalid message {value!r}: a dict message has 'role' (or 'type') and 'content', "
                "optionally 'name', 'id' and 'tool_call_id'"
                + (f"; unknown keys {sorted(map(str, unknown))}" if unknown else "")
            )
        return _from_role(role, value["content"], f"message {value!r}", value)
    raise InvalidInputError(
        f"invalid message {value!r} ({type(value).__name__}): expected a message "
        "(HumanMessage, ...), a str, a (role, content) tuple or a role/content dict"
    )


def coerce_messages(value: object) -> list[AnyMessage]:
    """The message list a chat model reads: a str is one human message; a sequence is coerced
    item by item (``coerce_message``); a prompt value gives its ``to_messages()``."""
    if isinstance(value, str):
        return [HumanMessage(value)]
    to_messages = getattr(value, "to_messages", None)
    if to_messages is not None and callable(to_messages):
        value = to_messages()
    elif isinstance(value, PromptValue):  # a string prompt: one human turn
        return [HumanMessage(value.to_string())]
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return [coerce_message(item) for item in value]
    if isinstance(value, Iterable) and not isinstance(value, (Mapping, bytes, bytearray)):
        return [coerce_message(item) for item in value]
    raise InvalidInputError(
        f"invalid chat input {type(value).__name__}: a chat model takes a str, a list of "
        "messages (message structs, (role, content) tuples, role/content dicts) or a prompt value"
    )


_PREFIX = {
    "system": "System",
    "human": "Human",
    "ai": "AI",
    "AIMessageChunk": "AI",
    "tool": "Tool",
}


def buffer_string(messages: Iterable[AnyMessage]) -> str:
    """LangChain's ``get_buffer_string``: ``"System: ...\\nHuman: ..."``, one line per message,
    text only; an AI message with tool calls has their repr appended."""
    lines: list[str] = []
    for message in messages:
        line = f"{_PREFIX[message.type]}: {message.text}"
        if isinstance(message, (AIMessage, AIMessageChunk)) and message.tool_calls:
            calls = [
                {"name": c.name, "args": c.args, "id": c.id, "type": "tool_call"}
                for c in message.tool_calls
            ]
            line += str(calls)
        lines.append(line)
    return "\n".join(lines)
