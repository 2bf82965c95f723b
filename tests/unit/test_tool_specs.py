"""Tool specs from Structs, functions and dicts, and each provider's wire shape.

The expected function schemas are transcribed from langchain-core 1.8.3's
``convert_to_openai_tool`` run on the same functions (see notes/issue-13.md), compared as JSON
objects (key order differs: ours follows msgspec's schema)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
import pytest

from rillet._values.errors import ConfigError, ToolDefinitionError
from rillet._values.tools import (
    ToolSpec,
    anthropic_output_schema,
    anthropic_tool,
    anthropic_tool_choice,
    ollama_tool,
    ollama_tool_choice,
    openai_tool,
    openai_tool_choice,
    parse_docstring,
    structured_overrides,
    tool_spec,
    tool_specs,
)


class GetWeather(msgspec.Struct):
    """Get the current weather in a city."""

    city: Annotated[str, msgspec.Meta(description="City name, e.g. Paris")]
    unit: str = "celsius"


class Place(msgspec.Struct):
    """A place."""

    lat: float
    lon: float


class Tree(msgspec.Struct):
    value: int
    children: list[Tree] = []


class Trip(msgspec.Struct, kw_only=True):
    """Plan a trip.

    Second paragraph."""

    to: Place
    title: str
    via: list[Place] = []
    mode: Literal["car", "train"] = "train"
    tree: Tree | None = None


def get_weather(city: str, unit: str = "c") -> str:
    """Get the weather.

    Longer text.

    Args:
        city: City name.
        unit: The unit,
            over two lines.

    Returns:
        the weather
    """
    return city


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def test_struct_schema_has_docstring_meta_and_defaults() -> None:
    spec = tool_spec(GetWeather)
    assert spec.name == "GetWeather"
    assert spec.description == "Get the current weather in a city."
    assert spec.args_type is GetWeather
    assert spec.parameters == {
        "type": "object",
        "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "default": "celsius"},
        },
        "required": ["city"],
    }


def test_struct_refs_are_inlined_titles_dropped_recursion_kept() -> None:
    spec = tool_spec(Trip)
    assert spec.description == "Plan a trip.\n\nSecond paragraph."
    place = {
        "type": "object",
        "description": "A place.",
        "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
        "required": ["lat", "lon"],
    }
    tree = {
        "type": "object",
        "properties": {
            "value": {"type": "integer"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}, "default": []},
        },
        "required": ["value"],
    }
    assert spec.parameters == {
        "type": "object",
        "properties": {
            "to": place,
            # a property named "title" is data, not a schema title: it stays
            "title": {"type": "string"},
            "via": {"type": "array", "items": place, "default": []},
            "mode": {"enum": ["car", "train"], "default": "train"},
            "tree": {"anyOf": [tree, {"type": "null"}], "default": None},
        },
        "required": ["to", "title"],
        "$defs": {"Tree": tree},
    }


def test_function_schema_matches_langchain() -> None:
    # langchain-core: convert_to_openai_tool(get_weather)
    assert openai_tool(tool_spec(get_weather)) == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather. Longer text.",
            "parameters": {
                "properties": {
                    "city": {"description": "City name.", "type": "string"},
                    "unit": {
                        "default": "c",
                        "description": "The unit, over two lines.",
                        "type": "string",
                    },
                },
                "required": ["city"],
                "type": "object",
            },
        },
    }
    # langchain-core: convert_to_openai_tool(add)
    assert openai_tool(tool_spec(add)) == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two integers.",
            "parameters": {
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                "required": ["a", "b"],
                "type": "object",
            },
        },
    }


def test_strict_closes_objects_and_requires_every_property() -> None:
    # langchain-core: convert_to_openai_tool(get_weather, strict=True)
    assert openai_tool(tool_spec(get_weather), strict=True) == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather. Longer text.",
            "parameters": {
                "properties": {
                    "city": {"description": "City name.", "type": "string"},
                    "unit": {
                        "default": "c",
                        "description": "The unit, over two lines.",
                        "type": "string",
                    },
                },
                "required": ["city", "unit"],
                "type": "object",
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    nested = openai_tool(tool_spec(Trip), strict=True)["function"]
    assert isinstance(nested, dict)
    params = nested["parameters"]
    assert params["properties"]["to"]["additionalProperties"] is False
    assert params["properties"]["via"]["items"]["required"] == ["lat", "lon"]
    assert params["$defs"]["Tree"]["additionalProperties"] is False
    # the user's spec is left as it was
    assert "additionalProperties" not in tool_spec(Trip).parameters


def test_function_struct_decodes_arguments_lax() -> None:
    spec = tool_spec(get_weather)
    assert spec.args_type is not None
    value = msgspec.convert({"city": "Paris"}, spec.args_type)
    assert msgspec.structs.asdict(value) == {"city": "Paris", "unit": "c"}
    add_args = tool_spec(add).args_type
    assert add_args is not None
    lax = msgspec.convert({"a": "2", "b": 3}, add_args, strict=False)
    assert msgspec.structs.asdict(lax) == {"a": 2, "b": 3}


def test_dict_tools_in_every_shape() -> None:
    params: dict[str, object] = {
        "type": "object",
        "properties": {"q": {"type": "string"}},
        "required": ["q"],
    }
    expected = ToolSpec(name="search", description="Search.", parameters=params)
    assert (
        tool_spec(
            {
                "type": "function",
                "function": {"name": "search", "description": "Search.", "parameters": params},
            }
        )
        == expected
    )
    assert tool_spec({"name": "search", "description": "Search.", "parameters": params}) == expected
    assert (
        tool_spec({"name": "search", "description": "Search.", "input_schema": params}) == expected
    )
    assert tool_spec({"title": "search", "description": "Search.", **params}) == expected
    assert tool_spec({"name": "ping"}) == ToolSpec(
        name="ping", description="", parameters={"type": "object", "properties": {}}
    )


def test_overrides_and_spec_passthrough() -> None:
    spec = tool_spec(add, name="plus", description="Sum.")
    assert (spec.name, spec.description) == ("plus", "Sum.")
    assert tool_spec(spec) is spec
    assert tool_spec(spec, name="other").name == "other"


def test_bad_tools_are_typed_errors_that_say_what_to_do() -> None:
    def untyped(a, b: int) -> int:  # type: ignore[no-untyped-def]  # the case under test
        return b

    def star(*args: int) -> int:
        return 0

    class Plain:
        pass

    class Listy(msgspec.Struct, array_like=True):
        a: int

    with pytest.raises(ToolDefinitionError, match="'a' has no type annotation"):
        tool_spec(untyped)
    with pytest.raises(ToolDefinitionError, match=r"cannot take \*args"):
        tool_spec(star)
    with pytest.raises(ToolDefinitionError, match=r"msgspec\.Struct subclass"):
        tool_spec(Plain)
    with pytest.raises(ToolDefinitionError, match="must be a JSON object"):
        tool_spec(Listy)
    with pytest.raises(ToolDefinitionError, match="needs a name"):
        tool_spec({"type": "object", "properties": {}})
    with pytest.raises(ToolDefinitionError, match="not valid"):
        tool_spec(add, name="two words")
    with pytest.raises(ToolDefinitionError, match="two tools are named 'add'"):
        tool_specs([add, add])
    with pytest.raises(ToolDefinitionError, match="wrap one tool in a list"):
        tool_specs(add)  # type: ignore[arg-type]  # the case under test
    assert issubclass(ToolDefinitionError, ConfigError)


def test_docstring_sections() -> None:
    assert parse_docstring(None) == ("", {})
    summary, args = parse_docstring(
        """Do it.

        Args:
            x (int): the x.
            y: the y,
                continued.
        Raises:
            ValueError: never an arg
        """
    )
    assert summary == "Do it."
    assert args == {"x": "the x.", "y": "the y, continued."}


def test_tool_choice_per_provider() -> None:
    names = ["GetWeather", "add"]
    assert openai_tool_choice(None, names) is None
    assert openai_tool_choice("auto", names) == "auto"
    assert openai_tool_choice("none", names) == "none"
    assert openai_tool_choice("any", names) == "required"
    assert openai_tool_choice(True, names) == "required"
    assert openai_tool_choice("add", names) == {"type": "function", "function": {"name": "add"}}
    with pytest.raises(ConfigError, match="names no bound tool"):
        openai_tool_choice("mul", names)

    assert anthropic_tool_choice(None, names, parallel_tool_calls=None) is None
    assert anthropic_tool_choice("auto", names, parallel_tool_calls=None) == {"type": "auto"}
    assert anthropic_tool_choice("required", names, parallel_tool_calls=None) == {"type": "any"}
    assert anthropic_tool_choice("add", names, parallel_tool_calls=False) == {
        "type": "tool",
        "name": "add",
        "disable_parallel_tool_use": True,
    }
    assert anthropic_tool_choice(None, names, parallel_tool_calls=False) == {
        "type": "auto",
        "disable_parallel_tool_use": True,
    }
    assert anthropic_tool_choice("none", names, parallel_tool_calls=False) == {"type": "none"}

    ollama_tool_choice(None, parallel_tool_calls=None)
    ollama_tool_choice("auto", parallel_tool_calls=None)
    with pytest.raises(ConfigError, match="no tool_choice"):
        ollama_tool_choice("add", parallel_tool_calls=None)
    with pytest.raises(ConfigError, match="no parallel_tool_calls"):
        ollama_tool_choice(None, parallel_tool_calls=False)


def test_wire_shapes() -> None:
    spec = tool_spec(GetWeather)
    assert anthropic_tool(spec) == {
        "name": "GetWeather",
        "description": "Get the current weather in a city.",
        "input_schema": spec.parameters,
    }
    assert ollama_tool(spec) == {
        "type": "function",
        "function": {
            "name": "GetWeather",
            "description": "Get the current weather in a city.",
            "parameters": spec.parameters,
        },
    }
    assert msgspec.json.decode(msgspec.json.encode(openai_tool(spec))) == openai_tool(spec)


class RatedJoke(msgspec.Struct):
    """A joke."""

    setup: Annotated[str, msgspec.Meta(description="The setup")]
    punchline: str
    rating: Annotated[int, msgspec.Meta(ge=1, le=10)] = 5


def test_anthropic_structured_output_schema_matches_langchain() -> None:
    # langchain-anthropic 1.7.10 (anthropic 2.14.0's transform_schema), with_structured_output(
    # <the same model as a pydantic class>, method="json_schema"), run here: output_config =
    # {"format": {"type": "json_schema", "schema": <below, plus pydantic's "title" keys>}}.
    overrides, tool_name = structured_overrides(
        "anthropic", tool_spec(RatedJoke), "json_schema", strict=None
    )
    assert tool_name is None  # the JSON is the reply's text
    assert overrides == {
        "output_config": {
            "format": {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "description": "A joke.",
                    "properties": {
                        "setup": {"type": "string", "description": "The setup"},
                        "punchline": {"type": "string"},
                        "rating": {
                            "type": "integer",
                            "description": "{default: 5, maximum: 10, minimum: 1}",
                        },
                    },
                    "additionalProperties": False,
                    "required": ["setup", "punchline"],
                },
            }
        }
    }


class Outline(msgspec.Struct):
    label: Literal["a", "b"]
    email: Annotated[str, msgspec.Meta(extra_json_schema={"format": "email"})]
    code: Annotated[str, msgspec.Meta(pattern="^[A-Z]+$")]
    tags: Annotated[list[str], msgspec.Meta(min_length=2)]
    note: str | None = None
    children: list[Outline] = []


def test_anthropic_output_schema_keeps_its_subset_and_says_the_rest() -> None:
    schema = anthropic_output_schema(tool_spec(Outline).parameters)
    properties = schema["properties"]
    assert isinstance(properties, dict)
    assert properties["label"] == {"enum": ["a", "b"]}
    assert properties["email"] == {"type": "string", "format": "email"}
    assert properties["code"] == {"type": "string", "description": "{pattern: ^[A-Z]+$}"}
    assert properties["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "description": "{minItems: 2}",
    }
    assert properties["note"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": "{default: None}",
    }
    # a recursive type keeps its $ref, and the $defs it needs are closed too
    children = properties["children"]
    assert isinstance(children, dict)
    assert children["items"] == {"$ref": "#/$defs/Outline"}
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    assert defs["Outline"]["additionalProperties"] is False
    assert anthropic_output_schema({"oneOf": [{"type": "integer"}]}) == {
        "anyOf": [{"type": "integer"}]
    }
    with pytest.raises(ToolDefinitionError, match="need a type for every value"):
        anthropic_output_schema({"type": "object", "properties": {"anything": {}}})
