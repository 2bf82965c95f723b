"""How streamed chunks combine into one value (DESIGN.md decision 10), in O(N).

Every runnable states how its chunks combine:

- **deltas add**: each chunk is a piece of the output (``str``, ``GenerationChunk``, the
  ``{key: chunk}`` pieces of a parallel, anything with ``+``); the output is their sum;
- **snapshots replace**: each chunk is the whole output so far (a JSON parser's partial values);
  the output is the last chunk.

``combine(chunks, snapshots=...)`` applies the rule. A value that has no ``+`` (a plain dict, a
Struct, None) is a whole value: a later one replaces it, as LangChain's chunk accumulation does.
``AddableDict`` is the dict piece of a parallel: it adds key by key and remembers which keys hold
snapshots, so ``final = final + piece`` gives the parallel's output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Generic, TypeAlias

from typing_extensions import TypeVar as DefaultTypeVar

from ._values.errors import InvalidInputError
from ._values.outputs import GenerationBuilder, GenerationChunk

__all__ = ["AddableDict", "Rule", "add", "aggregate", "combine", "pick_rule"]

Rule: TypeAlias = "bool | Mapping[str, Rule]"
"""How a stream's chunks combine: False (deltas), True (snapshots), or a mapping for a stream of
``AddableDict`` pieces (they add up as deltas), from each key to the rule of that key's values."""


def pick_rule(rule: Rule, key: str) -> Rule:
    """The rule of one key's values in a stream of dict chunks."""
    if isinstance(rule, Mapping):
        return rule.get(key, False)
    return rule


V = DefaultTypeVar("V", default=object)


class AddableDict(dict[str, V], Generic[V]):
    """A dict chunk that adds with ``+`` (LangChain's ``AddableDict``): key by key, the values of
    a key add up, except under ``snapshot_keys`` (keys whose chunks are snapshots), where the
    later value replaces the earlier one.

    ``AddableDict[V]``: a parallel's output, ``V`` its branches' outputs joined (``AddableDict``
    alone: values typed object)."""

    __slots__ = ("snapshot_keys",)

    def __init__(
        self,
        items: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        /,
        *,
        snapshot_keys: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(items)
        self.snapshot_keys = snapshot_keys

    def __add__(self, other: Mapping[str, V]) -> AddableDict[V]:
        if not isinstance(other, Mapping):
            return NotImplemented
        out: AddableDict[Any] = AddableDict(
            self, snapshot_keys=self.snapshot_keys | _snapshot_keys(other)
        )
        for key, value in other.items():
            out[key] = _add_value(out.get(key), value, key in out.snapshot_keys)
        return out

    def __radd__(self, other: Mapping[str, V] | None) -> AddableDict[V]:
        if other is None:
            return self
        if not isinstance(other, Mapping):
            return NotImplemented
        left: AddableDict[V] = AddableDict(other, snapshot_keys=_snapshot_keys(other))
        return left + self


def _snapshot_keys(mapping: Mapping[str, Any]) -> frozenset[str]:
    return mapping.snapshot_keys if isinstance(mapping, AddableDict) else frozenset()


def _add_value(left: object, right: object, snapshot: bool) -> object:
    if left is None:
        return right
    if right is None:
        return left
    return right if snapshot else add(left, right)


def add(left: object, right: object) -> object:
    """``left + right`` for two delta chunks; a ``left`` without ``+`` is a whole value that
    ``right`` replaces. Chunks that have ``+`` but cannot be added raise ``InvalidInputError``."""
    if not hasattr(type(left), "__add__"):
        return right
    try:
        return left + right  # type: ignore[operator]  # checked: left has __add__
    except TypeError:
        raise InvalidInputError(
            f"cannot combine streamed chunks of types {type(left).__name__} and "
            f"{type(right).__name__}: a step streamed chunks that do not add up"
        ) from None


def combine(chunks: Sequence[object], rule: Rule) -> object:
    """The one value a stream of ``chunks`` combining by ``rule`` stands for (None for none)."""
    if not chunks:
        return None
    if rule is True:
        return chunks[-1]
    return aggregate(chunks)


def aggregate(chunks: Sequence[object]) -> object:
    """The sum of delta chunks, in O(N): strings join, GenerationChunks concatenate their text
    (keeping the last finish reason), dict pieces merge key by key, anything else adds with ``+``.
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
    from ._values.messages import AIMessageChunk, ChunkAccumulator  # chat: loaded on first use

    if isinstance(first, AIMessageChunk) and all(isinstance(c, AIMessageChunk) for c in chunks):
        accumulator = ChunkAccumulator()  # LangChain's + on message chunks, one chunk at the end
        for chunk in chunks:
            accumulator.add(chunk)  # type: ignore[arg-type]  # all AIMessageChunk
        return accumulator.chunk()
    if isinstance(first, AddableDict) and all(isinstance(c, AddableDict) for c in chunks):
        return _merge_pieces(chunks)  # type: ignore[arg-type]  # all AddableDict
    total = first
    for chunk in chunks[1:]:
        total = add(total, chunk)
    return total


def _merge_pieces(pieces: Sequence[AddableDict]) -> AddableDict:
    grouped: dict[str, list[object]] = {}
    snapshot_keys: frozenset[str] = frozenset()
    for piece in pieces:
        snapshot_keys |= piece.snapshot_keys
        for key, value in piece.items():
            if value is not None:
                grouped.setdefault(key, []).append(value)
            else:
                grouped.setdefault(key, [])
    return AddableDict(
        {key: combine(values, key in snapshot_keys) for key, values in grouped.items()},
        snapshot_keys=snapshot_keys,
    )
