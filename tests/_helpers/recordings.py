"""The recorded provider streams in tests/fixtures/ and what SOURCES.md says they decode to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rillet.testing import Reply

FIXTURES = Path(__file__).parent.parent / "fixtures"


@dataclass(frozen=True)
class Recording:
    name: str
    body: bytes
    text: str
    finish_reason: str | None
    usage: tuple[int, int] | None
    """(prompt tokens, completion tokens), from whichever fact the provider's section uses."""
    error: str | None
    """The message of the error the stream carries, if any."""
    reasoning: str | None
    """The reasoning text SOURCES.md gives (extracted with jq), None where it gives none."""
    tagged: dict[str, str] | None
    """Together's DeepSeek-R1: the reasoning and text with the ``<think>`` tags split off
    (``{"reasoning", "text"}``, extracted with jq), None for the other recordings."""
    facts: dict[str, Any]
    """Every other decoded fact of SOURCES.md (tool calls, blocks...)."""


@cache
def _sections() -> dict[str, str]:
    text = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    details = text.split("## Details", 1)[1]
    out: dict[str, str] = {}
    for section in re.split(r"(?m)^### ", details)[1:]:
        out[section.split("`")[1]] = section
    return out


def recording(name: str) -> Recording:
    section = _sections()[name]
    blocks = re.findall(r"```json\n(.*?)\n```", section, flags=re.DOTALL)
    text = json.loads(blocks[0])
    facts = json.loads(blocks[1]) if len(blocks) > 1 else {}
    final = facts.get("final", {})  # Ollama: the done line
    errors = facts.get("errors") or [{}]
    tagged = re.search(r"With the tags split off.*?```json\n(.*?)\n```", section, flags=re.DOTALL)
    return Recording(
        name=name,
        body=(FIXTURES / name).read_bytes(),
        text=text,
        finish_reason=facts.get(
            "finish_reason", facts.get("stop_reason", final.get("done_reason"))
        ),
        usage=_usage(facts),
        error=errors[0].get("message"),
        reasoning=json.loads(blocks[2]) if len(blocks) > 2 else None,
        tagged=json.loads(tagged[1]) if tagged is not None else None,
        facts=facts,
    )


def _usage(facts: dict[str, Any]) -> tuple[int, int] | None:
    if "usage_merged" in facts:  # Anthropic: message_start + message_delta
        merged = facts["usage_merged"]
        return merged["input_tokens"], merged["output_tokens"]
    if "final" in facts:  # Ollama: eval counts of the done line
        return facts["final"]["prompt_eval_count"], facts["final"]["eval_count"]
    usage = facts.get("usage")
    if usage is None:
        return None
    usage = usage.get("x_groq.usage", usage)  # Groq reports it under x_groq
    return usage["prompt_tokens"], usage["completion_tokens"]


def recordings(prefix: str) -> list[str]:
    return sorted(name for name in _sections() if name.startswith(prefix))


SPLITS = ("per-event", "1-byte", "random-1", "random-2", "random-3")
"""How a recorded body is cut into HTTP chunks: one event (or line) each, one byte each, or
reproducibly random sizes of 1 to 64 bytes."""


def reply_for(rec: Recording, split: str) -> Reply:
    """A fake-server reply sending ``rec``'s body cut as ``split`` says."""
    if split == "per-event":
        return Reply(body=rec.body)
    if split == "1-byte":
        return Reply(body=rec.body, chunk_sizes=[1])
    return Reply(body=rec.body, random_chunks=int(split.removeprefix("random-")))
