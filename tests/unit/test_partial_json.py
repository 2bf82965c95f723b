"""Partial JSON while it streams: every prefix is a valid partial of the final value."""

from __future__ import annotations

import itertools
import json
from typing import Annotated

import msgspec
import pytest
from hypothesis import given, settings, strategies as st

from rillet._parsers import NOTHING
from rillet._values.errors import StructuredOutputError
from rillet._values.structured import StructuredParse, partial_json

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ARGUMENTS = st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=5)


def is_partial(part: object, whole: object) -> bool:
    """``part`` is what a prefix of ``whole``'s JSON may show: the same scalars (never a number
    cut short), a prefix of a string, containers with a prefix of the members."""
    if isinstance(whole, dict):
        return isinstance(part, dict) and all(
            k in whole and is_partial(v, whole[k]) for k, v in part.items()
        )
    if isinstance(whole, list):
        return (
            isinstance(part, list)
            and len(part) <= len(whole)
            and all(is_partial(p, w) for p, w in zip(part, whole, strict=False))
        )
    if isinstance(whole, str):
        return isinstance(part, str) and whole.startswith(part)
    return type(part) is type(whole) and part == whole


def split(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(ARGUMENTS, st.booleans(), st.booleans(), st.lists(st.integers(min_value=0), max_size=40))
def test_every_prefix_is_a_valid_partial(
    arguments: dict[str, object], ascii_only: bool, spaced: bool, cuts: list[int]
) -> None:
    text = json.dumps(arguments, ensure_ascii=ascii_only, separators=None if spaced else (",", ":"))
    received = ""
    last: dict[bool, object] = {True: NOTHING, False: NOTHING}
    for fragment in split(text, cuts):
        received += fragment
        for strings in (True, False):
            value = partial_json(received, strings=strings)
            assert value is NOTHING or is_partial(value, arguments), (received, value)
            # and it never shrinks: the last value is a partial of this one
            assert last[strings] is NOTHING or is_partial(last[strings], value), (received, value)
            if value is not NOTHING:
                last[strings] = value
    assert partial_json(text) == arguments
    assert partial_json(text, strings=False) == arguments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 3', {}),
        ('{"a": 30', {}),
        ('{"a": 30,', {"a": 30}),
        ('{"a": 30 ', {"a": 30}),
        ('{"a": "x1', {"a": "x"}),
        ('{"a": "x:12', {"a": "x:"}),
        ('{"a": "x:12 ', {"a": "x:12 "}),
        ('{"a": [1, 2', {"a": [1]}),
        ('{"a": 1e1', {}),
        ('{"a": tru', {}),
        ('{"a": true', {}),
        ('{"a": true}', {"a": True}),
        ("12", NOTHING),
        ('"ab1', "ab"),
        ("", NOTHING),
        ("  ", NOTHING),
    ],
)
def test_growing_numbers_wait_strings_show(text: str, expected: object) -> None:
    assert partial_json(text) == expected


class Joke(msgspec.Struct):
    setup: str
    punchline: Annotated[str, msgspec.Meta(min_length=0)]
    rating: int = 0


def test_structured_parse_streams_the_struct_once_it_decodes() -> None:
    parse = StructuredParse(Joke)
    text = '```json\n{"setup": "Why did", "punchline": "Because", "rating": 10}\n```'
    outputs = [parse.feed_text(char) for char in text]
    values = [o for o in outputs if o is not NOTHING]
    assert values[0] == Joke("Why did", "")
    assert values[-1] == Joke("Why did", "Because", 10)
    assert all(isinstance(v, Joke) for v in values)
    # never 1 before 10
    assert [v.rating for v in values if isinstance(v, Joke)] == [0] * (len(values) - 1) + [10]
    assert parse.finish_text() == Joke("Why did", "Because", 10)


def test_structured_parse_final_errors_are_typed() -> None:
    parse = StructuredParse(Joke)
    parse.feed_text('{"setup": "x"')
    with pytest.raises(StructuredOutputError, match="not valid JSON for Joke") as info:
        parse.finish_text()
    assert info.value.text == '{"setup": "x"'
    assert info.value.schema is Joke
    parse = StructuredParse(Joke)
    parse.feed_text('{"setup": 1, "punchline": "p"}')
    with pytest.raises(StructuredOutputError, match="does not match Joke"):
        parse.finish_text()


def test_structured_parse_from_values() -> None:
    parse = StructuredParse(Joke)
    assert parse.feed_value({"setup": "a"}) is NOTHING
    assert parse.feed_value({"setup": "a", "punchline": ""}) == Joke("a", "")
    assert parse.feed_value({"setup": "a", "punchline": ""}) is NOTHING  # unchanged
    assert parse.decode({"setup": "a", "punchline": "b"}, "") == Joke("a", "b")
