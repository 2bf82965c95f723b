"""What an LLM run produces: chunks while it streams, generations and an ``LLMResult`` at the end.

The shapes follow LangChain's (``generation_info`` with ``finish_reason`` and ``logprobs``;
``llm_output`` with ``token_usage`` and ``model_name``) so the JSON encoding of a result looks the
same, but every field is typed. Values are frozen structs. A chat model's ``ChatResult`` is in
``chat_outputs.py`` (it holds messages, which load with the first chat model).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

import msgspec

__all__ = [
    "Generation",
    "GenerationBuilder",
    "GenerationChunk",
    "GenerationInfo",
    "LLMOutput",
    "LLMResult",
    "Logprobs",
    "RunInfo",
    "TokenUsage",
    "combine_results",
]


class Logprobs(msgspec.Struct, frozen=True):
    """Completions-style log probabilities (present when ``logprobs`` was requested)."""

    tokens: list[str] = []
    token_logprobs: list[float | None] = []
    top_logprobs: list[dict[str, float] | None] | None = None
    text_offset: list[int] = []


class GenerationInfo(msgspec.Struct, frozen=True):
    """Provider extras of one generation (LangChain's ``generation_info`` dict)."""

    finish_reason: str | None = None
    logprobs: Logprobs | None = None


class TokenUsage(msgspec.Struct, frozen=True):
    """Token counts as the provider reported them."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class GenerationChunk(msgspec.Struct, frozen=True, gc=False):
    """One streamed piece of a generation."""

    # gc=False: one is made per token, and it holds a str and a frozen info struct, never itself
    # (no cycle to collect): cheaper to make and never scanned by the cycle collector.

    text: str
    generation_info: GenerationInfo | None = None
    type: Literal["Generation"] = "Generation"

    def __add__(self, other: GenerationChunk) -> GenerationChunk:
        """Concatenate (LangChain compatible). Accumulating many chunks: use GenerationBuilder."""
        if not isinstance(other, GenerationChunk):
            return NotImplemented
        info = _merge_info(self.generation_info, other.generation_info)
        return GenerationChunk(self.text + other.text, info)


class Generation(msgspec.Struct, frozen=True):
    """One finished candidate text."""

    text: str
    generation_info: GenerationInfo | None = None
    type: Literal["Generation"] = "Generation"


class LLMOutput(msgspec.Struct, frozen=True):
    """Provider-level output: usage and model, known at the end of a run (streams included)."""

    token_usage: TokenUsage | None = None
    model_name: str | None = None
    system_fingerprint: str | None = None


class RunInfo(msgspec.Struct, frozen=True):
    run_id: uuid.UUID


class LLMResult(msgspec.Struct, frozen=True):
    """``generations[i][j]``: candidate ``j`` of prompt ``i``."""

    generations: list[list[Generation]]
    llm_output: LLMOutput | None = None
    run: list[RunInfo] | None = None
    type: Literal["LLMResult"] = "LLMResult"


def _merge_info(left: GenerationInfo | None, right: GenerationInfo | None) -> GenerationInfo | None:
    # The later non-null value wins. (LangChain's merge_dicts concatenates equal strings,
    # turning a repeated "stop" into "stopstop"; we do not reproduce that bug.)
    if left is None:
        return right
    if right is None:
        return left
    finish_reason = right.finish_reason or left.finish_reason
    logprobs = _merge_logprobs(left.logprobs, right.logprobs)
    return GenerationInfo(finish_reason=finish_reason, logprobs=logprobs)


def _merge_logprobs(left: Logprobs | None, right: Logprobs | None) -> Logprobs | None:
    if left is None:
        return right
    if right is None:
        return left
    top: list[dict[str, float] | None] | None = None
    if left.top_logprobs is not None or right.top_logprobs is not None:
        top = [*(left.top_logprobs or ()), *(right.top_logprobs or ())]
    return Logprobs(
        tokens=[*left.tokens, *right.tokens],
        token_logprobs=[*left.token_logprobs, *right.token_logprobs],
        top_logprobs=top,
        text_offset=[*left.text_offset, *right.text_offset],
    )


class _Candidate:
    __slots__ = ("finish_reason", "logprobs", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.finish_reason: str | None = None
        self.logprobs: list[Logprobs] = []


class GenerationBuilder:
    """Accumulates a streamed run in O(N): texts per candidate index, finish reasons, usage.

    Providers feed it as chunks arrive; ``result()`` builds the ``LLMResult`` at the end and
    ``text(0)`` is the partial text when the stream fails.
    """

    __slots__ = ("_candidates", "model_name", "system_fingerprint", "usage")

    def __init__(self) -> None:
        self._candidates: dict[int, _Candidate] = {}
        self.usage: TokenUsage | None = None
        self.model_name: str | None = None
        self.system_fingerprint: str | None = None

    def _candidate(self, index: int) -> _Candidate:
        candidate = self._candidates.get(index)
        if candidate is None:
            candidate = self._candidates[index] = _Candidate()
        return candidate

    def add_text(self, index: int, text: str) -> None:
        self._candidate(index).texts.append(text)

    def text_parts(self, index: int = 0) -> list[str]:
        """The live list of candidate ``index``'s text fragments: a reader on the hot path
        appends to it directly."""
        return self._candidate(index).texts

    def add_chunk(self, index: int, chunk: GenerationChunk) -> None:
        candidate = self._candidate(index)
        if chunk.text:
            candidate.texts.append(chunk.text)
        info = chunk.generation_info
        if info is not None:
            if info.finish_reason is not None:
                candidate.finish_reason = info.finish_reason
            if info.logprobs is not None:
                candidate.logprobs.append(info.logprobs)

    def finish(self, index: int, finish_reason: str) -> None:
        self._candidate(index).finish_reason = finish_reason

    def text(self, index: int = 0) -> str:
        candidate = self._candidates.get(index)
        return "".join(candidate.texts) if candidate is not None else ""

    @property
    def finished(self) -> bool:
        """True once every candidate seen so far has a finish reason."""
        return bool(self._candidates) and all(
            c.finish_reason is not None for c in self._candidates.values()
        )

    def generations(self) -> list[Generation]:
        out: list[Generation] = []
        for index in sorted(self._candidates) or [0]:
            candidate = self._candidates.get(index) or _Candidate()
            logprobs: Logprobs | None = None
            for piece in candidate.logprobs:
                logprobs = _merge_logprobs(logprobs, piece)
            info = None
            if candidate.finish_reason is not None or logprobs is not None:
                info = GenerationInfo(finish_reason=candidate.finish_reason, logprobs=logprobs)
            out.append(Generation("".join(candidate.texts), info))
        return out

    def llm_output(self) -> LLMOutput:
        return LLMOutput(
            token_usage=self.usage,
            model_name=self.model_name,
            system_fingerprint=self.system_fingerprint,
        )

    def result(self) -> LLMResult:
        return LLMResult(generations=[self.generations()], llm_output=self.llm_output())


def combine_results(results: Sequence[LLMResult]) -> LLMResult:
    """The results of several requests as one: generations in order, usage summed, the first
    model name and fingerprint."""
    if len(results) == 1:
        return results[0]
    usage: TokenUsage | None = None
    model_name: str | None = None
    fingerprint: str | None = None
    for result in results:
        output = result.llm_output
        if output is None:
            continue
        if output.token_usage is not None:
            usage = output.token_usage if usage is None else usage + output.token_usage
        model_name = model_name or output.model_name
        fingerprint = fingerprint or output.system_fingerprint
    return LLMResult(
        generations=[generations for result in results for generations in result.generations],
        llm_output=LLMOutput(
            token_usage=usage, model_name=model_name, system_fingerprint=fingerprint
        ),
    )
