"""Combining streamed chunks into one value (LangChain's ``+`` on chunks), in O(N)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._values.errors import InvalidInputError
from ._values.messages import AIMessageChunk, ChunkAccumulator
from ._values.outputs import GenerationBuilder, GenerationChunk

__all__ = ["aggregate"]


def aggregate(chunks: Sequence[object]) -> object:
    """One value from the chunks of a stream.

    One chunk is itself; strings concatenate; GenerationChunks concatenate their text and keep
    the last finish reason; dicts merge key by key, combining the values of a key the same way
    (the ``{key: chunk}`` pieces a RunnableParallel streams). Anything else that has ``+`` is
    summed. Chunks that cannot be combined raise ``InvalidInputError`` rather than dropping data.
    """
    if not chunks:
        return None
    if len(chunks) == 1:
        return chunks[0]
    first = chunks[0]
    if isinstance(first, str) and all(isinstance(c, str) for c in chunks):
        return "".join(chunks)  # type: ignore[arg-type]  # all str, checked above
    if isinstance(first, GenerationChunk) and all(isinstance(c, GenerationChunk) for c in chunks):
        builder = GenerationBuilder()
        for chunk in chunks:
            builder.add_chunk(0, chunk)  # type: ignore[arg-type]  # all GenerationChunk
        generation = builder.generations()[0]
        return GenerationChunk(generation.text, generation.generation_info)
    if isinstance(first, AIMessageChunk) and all(isinstance(c, AIMessageChunk) for c in chunks):
        accumulator = (
            ChunkAccumulator()
        )  # LangChain's + on message chunks, without a chunk per step
        for chunk in chunks:
            accumulator.add(chunk)  # type: ignore[arg-type]  # all AIMessageChunk
        return accumulator.chunk()
    if isinstance(first, Mapping) and all(isinstance(c, Mapping) for c in chunks):
        grouped: dict[object, list[object]] = {}
        for chunk in chunks:
            for key, value in chunk.items():  # type: ignore[attr-defined]  # all Mapping
                grouped.setdefault(key, []).append(value)
        return {key: aggregate(values) for key, values in grouped.items()}
    total = first
    try:
        for chunk in chunks[1:]:
            total = total + chunk  # type: ignore[operator]  # checked by the except below
    except TypeError:
        kinds = sorted({type(c).__name__ for c in chunks})
        raise InvalidInputError(
            f"cannot combine {len(chunks)} streamed chunks of type {', '.join(kinds)} into one "
            "input: the step before produced several chunks that have no '+'"
        ) from None
    return total
