"""Tool-call chunks as they stream: random arguments split into random fragments, several calls
in parallel; every prefix's ``tool_calls`` is a valid partial of the final arguments (never an
invalid call), and the finished message holds exactly the original arguments."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings, strategies as st

from rillet._values.messages import AIMessageChunk, ToolCallChunk
from tests.unit.test_partial_json import ARGUMENTS, is_partial, split


@settings(max_examples=100, deadline=None)
@given(
    st.lists(ARGUMENTS, min_size=1, max_size=3),
    st.booleans(),
    st.lists(st.lists(st.integers(min_value=0), max_size=30), min_size=3, max_size=3),
    st.randoms(use_true_random=False),
)
def test_every_prefix_of_parallel_calls_is_a_valid_partial(
    calls: list[dict[str, object]], ascii_only: bool, cuts: list[list[int]], rng: random.Random
) -> None:
    texts = [json.dumps(args, ensure_ascii=ascii_only) for args in calls]
    # The first fragment of each call carries its id and name and empty arguments (OpenAI and
    # Anthropic both do this); the fragments of parallel calls interleave at random.
    queues = [
        [ToolCallChunk(name=f"tool{i}", args="", id=f"call_{i}", index=i)]
        + [ToolCallChunk(args=piece, index=i) for piece in split(text, cuts[i])]
        for i, text in enumerate(texts)
    ]
    chunks: list[AIMessageChunk] = []
    while any(queues):
        open_queues = [q for q in queues if q]
        queue = open_queues[rng.randrange(len(open_queues))]
        chunks.append(AIMessageChunk(tool_call_chunks=[queue.pop(0)]))
    full: AIMessageChunk | None = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
        assert full.invalid_tool_calls == []
        for call in full.tool_calls:
            index = int(call.name.removeprefix("tool"))
            assert call.id == f"call_{index}"
            assert is_partial(call.args, calls[index]), (call, calls[index])
    assert full is not None
    expected = sorted((f"tool{i}", f"call_{i}", args) for i, args in enumerate(calls))
    last = full + AIMessageChunk(chunk_position="last")
    assert last.invalid_tool_calls == []
    assert sorted((c.name, c.id, c.args) for c in last.tool_calls) == expected
    message = full.to_message()
    assert sorted((c.name, c.id, c.args) for c in message.tool_calls) == expected
