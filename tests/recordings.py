"""The recorded provider streams in tests/fixtures/ and what SOURCES.md says they decode to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Recording:
    name: str
    body: bytes
    text: str
    finish_reason: str | None


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
    return Recording(
        name=name,
        body=(FIXTURES / name).read_bytes(),
        text=text,
        finish_reason=facts.get("finish_reason"),
    )


def recordings(prefix: str) -> list[str]:
    return sorted(name for name in _sections() if name.startswith(prefix))
