"""``TagSplitter``: reasoning written between tags at the start of a reply's text, split off
however the text is cut into pieces."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from rillet import ConfigError
from rillet._providers.reasoning_tags import THINK_TAGS, TagSplitter, reasoning_tags


def reference(text: str) -> tuple[str, str]:
    """(reasoning, answer) of a whole text, by string slicing."""
    body = text.lstrip()
    if not body.startswith("<think>"):
        return "", text
    space = text[: len(text) - len(body)]
    inside = body[len("<think>") :]
    end = inside.find("</think>")
    if end < 0:
        return inside, space
    return inside[:end], space + inside[end + len("</think>") :]


def split(pieces: list[str]) -> tuple[str, str]:
    splitter = TagSplitter(THINK_TAGS)
    reasoning: list[str] = []
    answer: list[str] = []
    for piece in pieces:
        r, a = splitter.feed(piece)
        reasoning.append(r)
        answer.append(a)
    r, a = splitter.flush()
    return "".join([*reasoning, r]), "".join([*answer, a])


TEXTS = [
    "<think>\nStep one.\n</think>\n\nThe answer.",
    "  \n<think>x</think>y",
    "no tags at all",
    "An answer that mentions <think> later",
    "<thin",
    "<think>never closed",
    "<think></think>",
    "<think>a</think>b</think>c",
    "<think>a</thinkb</think>c",
    "<<think>x</think>",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_whole_and_one_character_at_a_time(text: str) -> None:
    assert split([text]) == reference(text)
    assert split(list(text)) == reference(text)


@given(st.sampled_from(TEXTS), st.lists(st.integers(0, 60), max_size=8))
def test_any_cut_gives_the_same_split(text: str, cuts: list[int]) -> None:
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[i:j] for i, j in zip([0, *points], [*points, len(text)], strict=True)]
    assert split(pieces) == reference(text)


def test_a_piece_never_shows_half_a_tag() -> None:
    splitter = TagSplitter(THINK_TAGS)
    assert splitter.feed("<th") == ("", "")
    assert splitter.feed("ink>Hmm</th") == ("Hmm", "")
    assert splitter.feed("ink>\nYes") == ("", "\nYes")
    assert splitter.passing
    assert splitter.feed("<think>") == ("", "<think>")  # after the reasoning: text


def test_extract_reasoning_argument() -> None:
    assert reasoning_tags(True) == THINK_TAGS
    assert reasoning_tags(False) is None
    assert reasoning_tags(("<r>", "</r>")) == ("<r>", "</r>")
    for wrong in ("yes", ("<r>",), ("<r>", ""), None, 1):
        with pytest.raises(ConfigError, match="extract_reasoning must be"):
            reasoning_tags(wrong)
