"""``AIMessageChunk`` + as a law: for random streams, the lazy, append-only ``+`` (folded left,
as a tree, through ``ChunkAccumulator``, from older sums) equals a plain eager reference of
LangChain's rules, and every intermediate sum keeps its own value."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
from hypothesis import given, settings, strategies as st

from rillet import (
    AIMessageChunk,
    Citation,
    ContentBlock,
    ImageBlock,
    OutputTokenDetails,
    ReasoningBlock,
    RedactedThinkingBlock,
    RefusalBlock,
    ResponseMetadata,
    TextBlock,
    ToolCallChunk,
    UsageMetadata,
)
from rillet._values.messages import ChunkAccumulator

# -- an eager reference: the rules written out plainly ------------------------------------------


@dataclass
class _Tool:
    name: str | None
    args: str | None
    id: str | None
    index: int | None


@dataclass
class _Ref:
    is_str: bool = True
    # [kind, text, signature, block, citations]
    segs: list[list[object]] = field(default_factory=list)
    tools: list[_Tool] = field(default_factory=list)
    by_index: dict[int, int] = field(default_factory=dict)
    usage: UsageMetadata | None = None
    meta: ResponseMetadata = field(default_factory=ResponseMetadata)
    name: str | None = None
    id: str | None = None
    last: bool = False

    def add_text(self, text: str, *, from_str: bool, citations: tuple[Citation, ...] = ()) -> None:
        if self.segs and self.segs[-1][0] == "text":
            self.segs[-1][1] = str(self.segs[-1][1]) + text
            self.segs[-1][4] = (*self.segs[-1][4], *citations)  # type: ignore[misc]  # a tuple
        elif not from_str or text or self.is_str:
            self.segs.append(["text", text, None, None, citations])

    def content(self, chunk: AIMessageChunk, *, first: bool) -> None:
        if isinstance(chunk.content, str):
            self.add_text(chunk.content, from_str=True)
            return
        self.is_str = False
        for block in chunk.content:
            if isinstance(block, TextBlock):
                self.add_text(block.text, from_str=False, citations=tuple(block.citations))
            elif isinstance(block, RefusalBlock):
                if self.segs and self.segs[-1][0] == "refusal":
                    self.segs[-1][1] = str(self.segs[-1][1]) + block.refusal
                else:
                    self.segs.append(["refusal", block.refusal, None, None, ()])
            elif isinstance(block, ReasoningBlock):
                if self.segs and self.segs[-1][0] == "reasoning":
                    self.segs[-1][1] = str(self.segs[-1][1]) + block.reasoning
                    if block.signature is not None:
                        self.segs[-1][2] = block.signature
                else:
                    self.segs.append(["reasoning", block.reasoning, block.signature, None, ()])
            else:  # an image or a redacted thinking block: never merged
                self.segs.append(["block", "", None, block, ()])

    def tool(self, chunk: ToolCallChunk, *, merge: bool) -> None:
        if merge and chunk.index is not None and chunk.index in self.by_index:
            tool = self.tools[self.by_index[chunk.index]]
            if not chunk.id or not tool.id or chunk.id == tool.id:
                tool.id = tool.id if tool.id is not None else chunk.id
                tool.name = tool.name if tool.name is not None else chunk.name
                if chunk.args is not None:
                    tool.args = (tool.args or "") + chunk.args
                return
        if chunk.index is not None:
            self.by_index[chunk.index] = len(self.tools)
        self.tools.append(_Tool(chunk.name, chunk.args, chunk.id, chunk.index))

    def result(self) -> AIMessageChunk:
        content: str | list[ContentBlock]
        if self.is_str:
            content = "".join(str(s[1]) for s in self.segs)
        else:
            content = []
            for kind, text, signature, block, citations in self.segs:
                if kind == "text" and (text or citations):
                    content.append(TextBlock(str(text), list(citations)))  # type: ignore[call-overload]  # a tuple of citations
                elif kind == "refusal":
                    content.append(RefusalBlock(str(text)))
                elif kind == "reasoning":
                    content.append(ReasoningBlock(str(text), signature))  # type: ignore[arg-type]  # str | None
                elif kind == "block":
                    content.append(block)  # type: ignore[arg-type]  # a ContentBlock
        tools = [ToolCallChunk(t.name, t.args, t.id, t.index) for t in self.tools]
        return AIMessageChunk(
            content,
            tools,
            self.usage,
            self.meta,
            self.name,
            self.id,
            "last" if self.last else None,
        )


def _merge_id(left: str | None, right: str | None) -> str | None:
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


def reference(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    if len(chunks) == 1:
        return chunks[0]  # a sum of one chunk is that chunk
    ref = _Ref(is_str=isinstance(chunks[0].content, str))
    for position, chunk in enumerate(chunks):
        ref.content(chunk, first=position == 0)
        for tool in chunk.tool_call_chunks:
            ref.tool(tool, merge=position > 0)
        if chunk.usage_metadata is not None:
            ref.usage = (
                chunk.usage_metadata if ref.usage is None else ref.usage + chunk.usage_metadata
            )
        ref.meta = ResponseMetadata(
            *[
                b if b is not None else a
                for a, b in zip(
                    msgspec.structs.astuple(ref.meta),
                    msgspec.structs.astuple(chunk.response_metadata),
                    strict=True,
                )
            ]
        )
        ref.name = ref.name if ref.name is not None else chunk.name
        ref.id = chunk.id if position == 0 else _merge_id(ref.id, chunk.id)
        ref.last = ref.last or chunk.chunk_position == "last"
    return ref.result()


# -- random streams --------------------------------------------------------------------------------

_text = st.sampled_from(["", "a", "bc", " ", "é"])
_citation = st.builds(
    Citation,
    st.sampled_from(["char_location", "url_citation"]),
    st.sampled_from([None, "quote"]),
    st.sampled_from([{}, {"document_index": 0}, {"url": "https://a"}]),
)
_block = st.one_of(
    st.builds(TextBlock, _text),
    st.builds(TextBlock, _text, st.lists(_citation, max_size=2)),
    st.builds(ReasoningBlock, _text, st.sampled_from([None, "s1", "s2"])),
    st.builds(RefusalBlock, _text),
    st.builds(RedactedThinkingBlock, st.sampled_from(["enc1", "enc2"])),
    st.just(ImageBlock(url="u")),
)
_tool = st.builds(
    ToolCallChunk,
    st.sampled_from([None, "f", "g"]),
    st.sampled_from([None, "", "{", '"k"', ": 1}"]),
    st.sampled_from([None, "", "a", "b"]),
    st.sampled_from([None, 0, 1]),
)
_chunk = st.builds(
    AIMessageChunk,
    st.one_of(_text, st.lists(_block, max_size=3)),
    st.lists(_tool, max_size=2),
    st.one_of(
        st.none(),
        st.builds(
            UsageMetadata,
            st.integers(0, 3),
            st.integers(0, 3),
            st.integers(0, 6),
            st.none(),
            st.one_of(st.none(), st.builds(OutputTokenDetails, reasoning=st.integers(0, 2))),
        ),
    ),
    st.builds(
        ResponseMetadata,
        finish_reason=st.sampled_from([None, "stop"]),
        model_name=st.sampled_from([None, "m"]),
    ),
    st.sampled_from([None, "n"]),
    st.sampled_from([None, "lc_run--1", "lc_2", "chatcmpl-1"]),
    st.sampled_from([None, "last"]),
)
_stream = st.lists(_chunk, min_size=1, max_size=8)


def _tree(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    if len(chunks) == 1:
        return chunks[0]
    middle = len(chunks) // 2
    return _tree(chunks[:middle]) + _tree(chunks[middle:])


@settings(max_examples=300, deadline=None)
@given(_stream)
def test_every_way_of_adding_equals_the_reference(chunks: list[AIMessageChunk]) -> None:
    expected = reference(chunks)
    sums = [chunks[0]]
    for chunk in chunks[1:]:
        sums.append(sums[-1] + chunk)
    accumulator = ChunkAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    assert sums[-1] == expected
    assert accumulator.chunk() == expected
    # Every older sum still reads its own prefix, after newer sums grew the shared fragments.
    for length, partial in enumerate(sums, start=1):
        assert partial == reference(chunks[:length])


@settings(max_examples=200, deadline=None)
@given(_stream, _stream, st.integers(0, 7))
def test_adding_to_an_older_sum_branches_correctly(
    chunks: list[AIMessageChunk], more: list[AIMessageChunk], cut: int
) -> None:
    sums = [chunks[0]]
    for chunk in chunks[1:]:
        sums.append(sums[-1] + chunk)
    cut = min(cut, len(sums) - 1)
    branch = sums[cut]
    for chunk in more:
        branch = branch + chunk  # from a sum that is no longer the newest: a copy, then appends
    assert branch == reference(chunks[: cut + 1] + more)
    assert sums[-1] == reference(chunks)


@settings(max_examples=200, deadline=None)
@given(_stream)
def test_tree_shaped_sums_agree_on_text_reasoning_and_usage(chunks: list[AIMessageChunk]) -> None:
    expected = reference(chunks)
    tree = _tree(chunks)
    assert (tree.text, tree.reasoning, tree.usage_metadata) == (
        expected.text,
        expected.reasoning,
        expected.usage_metadata,
    )
    assert tree.response_metadata == expected.response_metadata
    assert tree.chunk_position == expected.chunk_position


@settings(max_examples=200, deadline=None)
@given(st.data(), _stream)
def test_sums_read_in_any_order_and_while_growing_keep_their_values(
    data: st.DataObject, chunks: list[AIMessageChunk]
) -> None:
    # The join of a growing fragment list is cached and only ever extended: sums read while
    # the stream grows (a UI), then in a random order (older ones below the cache), each still
    # reads its own prefix.
    sums = [chunks[0]]
    for length, chunk in enumerate(chunks[1:], start=2):
        sums.append(sums[-1] + chunk)
        if data.draw(st.booleans()):
            assert (sums[-1].content, sums[-1].tool_call_chunks) == (
                (expected := reference(chunks[:length])).content,
                expected.tool_call_chunks,
            )
    for position in data.draw(st.permutations(range(len(sums)))):
        assert sums[position] == reference(chunks[: position + 1])
