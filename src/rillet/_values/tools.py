"""Tool specs (pure): what a tool is called, what it does, and the JSON schema of its arguments,
made from a msgspec Struct type, a typed function or a JSON-schema dict; and each provider's
wire shape for tools and ``tool_choice``.

Schemas come from ``msgspec.json.schema`` only: a function's signature becomes a Struct with
``msgspec.defstruct`` (its Google-style ``Args:`` docstring lines become ``Meta`` descriptions),
and that Struct's schema is the tool's. There is no hand-written schema generator here; this
module only reshapes what msgspec produces (the root ``$ref`` resolved, non-recursive refs
inlined, ``title`` keys dropped, OpenAI's ``strict`` rules applied).
"""

from __future__ import annotations

import copy
import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final, Literal, Protocol, TypeAlias

import msgspec

from .errors import ConfigError, InvalidInputError, ToolCallParseError, ToolDefinitionError
from .messages import ContentBlock, ToolCall, ToolMessage

__all__ = [
    "DEFAULT_METHOD",
    "TOOL_FORMATS",
    "StructuredMethod",
    "ToolChoice",
    "ToolFormat",
    "ToolLike",
    "ToolRun",
    "ToolSpec",
    "anthropic_output_schema",
    "anthropic_tool",
    "anthropic_tool_choice",
    "function_struct",
    "ollama_tool",
    "ollama_tool_choice",
    "openai_tool",
    "openai_tool_choice",
    "parse_docstring",
    "strict_schema",
    "structured_overrides",
    "tool_overrides",
    "tool_spec",
    "tool_specs",
]

JsonSchema: TypeAlias = dict[str, Any]


class ToolSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A tool as a model sees it: ``name``, ``description`` and the JSON schema of its
    arguments (``parameters``, always an object schema).

    ``args_type`` is the Struct type the arguments decode into (the Struct itself, or the one
    built from a function's signature); None for a tool given as a JSON-schema dict.
    """

    name: str
    description: str
    parameters: dict[str, object]
    args_type: type[msgspec.Struct] | None = None


class HasToolSpec(Protocol):
    """Anything that knows its tool spec (a ``@tool``)."""

    @property
    def tool_spec(self) -> ToolSpec: ...


ToolLike: TypeAlias = (
    type[msgspec.Struct] | Callable[..., object] | Mapping[str, object] | ToolSpec | HasToolSpec
)
"""What ``bind_tools`` accepts: a Struct type, a typed function, a ``@tool``, a JSON-schema
dict (an OpenAI tool or function, an Anthropic tool, or a schema with a top-level ``title``),
or a ``ToolSpec``."""

ToolChoice: TypeAlias = str | bool | Mapping[str, object] | None
"""``"auto"``, ``"none"``, ``"any"``/``"required"``/``True`` (some tool must be called), a tool
name (that tool must be called), or a provider's own dict (sent as is)."""

# OpenAI: ^[a-zA-Z0-9_-]{1,64}$ (Anthropic allows up to 128 characters; the stricter rule wins so
# that one tool list works with every provider).
# Patterns as strings: `re` compiles and caches them on first use, not at `import rillet`.
_NAME: Final = r"[a-zA-Z0-9_-]{1,64}"


def _check_name(name: object, what: str) -> str:
    if not isinstance(name, str) or not re.fullmatch(_NAME, name):
        raise ToolDefinitionError(
            f"{what}: the tool name {name!r} is not valid; a tool name is 1 to 64 letters, digits, "
            "'_' or '-' (rename the function or class, or give name=...)"
        )
    return name


# -- docstrings ---------------------------------------------------------------------------------

_SECTION: Final = (
    r"^(Args|Arguments|Parameters|Params|Returns|Return|Yields|Raises|Examples?|Notes?|"
    r"Attributes|See Also|Warnings?|Todo|References?)\s*:\s*$"
)
_ARG_LINE: Final = r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$"


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """A Google-style docstring's summary (paragraphs joined with a space, as LangChain does)
    and its ``Args:`` descriptions by parameter name (continuation lines joined)."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    args: dict[str, list[str]] = {}
    section: str | None = None
    current: str | None = None
    arg_indent = -1
    for line in lines:
        stripped = line.strip()
        header = re.match(_SECTION, stripped)
        if header and (line == stripped):
            section = header.group(1)
            current = None
            arg_indent = -1
            continue
        if section is None:
            summary.append(stripped)
            continue
        if section not in ("Args", "Arguments", "Parameters", "Params") or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        match = re.match(_ARG_LINE, stripped)
        if match and (arg_indent < 0 or indent <= arg_indent):
            arg_indent = indent
            current = match.group(1)
            args[current] = [match.group(2).strip()] if match.group(2).strip() else []
        elif current is not None:
            args[current].append(stripped)
    paragraphs = " ".join(p for p in summary if p)
    return paragraphs, {name: " ".join(words) for name, words in args.items()}


# -- schemas ------------------------------------------------------------------------------------

# Keys of a JSON schema whose values are schemas (or maps/lists of schemas); everything else
# (``enum``, ``default``, ``const``, ``examples``...) is data and is never rewritten.
_SCHEMA_MAPS: Final = ("properties", "patternProperties", "$defs", "definitions")
_SCHEMA_LISTS: Final = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_ONE: Final = ("items", "additionalProperties", "not", "contains")
_REF_PREFIX: Final = "#/$defs/"


def _inline_refs(schema: JsonSchema) -> JsonSchema:
    """The root ``$ref`` resolved, every non-recursive ref inlined, ``title`` keys dropped; a
    recursive type keeps its ``$ref`` with the ``$defs`` it needs (OpenAI and Anthropic accept
    that)."""
    defs: JsonSchema = schema.get("$defs", {})
    needed: dict[str, JsonSchema] = {}
    pending: list[str] = []

    def walk(node: object, stack: tuple[str, ...]) -> object:
        if isinstance(node, list):
            return [walk(item, stack) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            name = ref[len(_REF_PREFIX) :]
            siblings = {
                k: walk_value(k, v, stack)
                for k, v in node.items()
                if k not in ("$ref", "$defs", "title")
            }
            if name in stack:
                if name not in needed:
                    needed[name] = {}
                    pending.append(name)
                return {"$ref": ref, **siblings}
            target = walk(defs[name], (*stack, name))
            assert isinstance(target, dict)
            return {**target, **siblings}
        return {k: walk_value(k, v, stack) for k, v in node.items() if k not in ("title", "$defs")}

    def walk_value(key: str, value: object, stack: tuple[str, ...]) -> object:
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            return {name: walk(sub, stack) for name, sub in value.items()}
        if key in _SCHEMA_LISTS or key in _SCHEMA_ONE:
            return walk(value, stack)
        return value

    root = walk(schema, ())
    assert isinstance(root, dict)
    while pending:
        name = pending.pop()
        body = walk(defs[name], (name,))
        assert isinstance(body, dict)
        needed[name] = body
    if needed:
        root["$defs"] = needed
    return root


def _object_schema(struct: type[msgspec.Struct], what: str) -> tuple[JsonSchema, str]:
    """The arguments schema of a Struct type (without its description) and that description."""
    try:
        raw = msgspec.json.schema(struct)
    except TypeError as exc:
        raise ToolDefinitionError(
            f"{what}: msgspec cannot make a JSON schema of {struct.__name__} ({exc}); use types "
            "msgspec supports (str, int, float, bool, list, dict, Literal, Struct, ...)"
        ) from None
    schema = _inline_refs(raw)
    if schema.get("type") != "object":
        raise ToolDefinitionError(
            f"{what}: the arguments of a tool must be a JSON object, but {struct.__name__} "
            f"encodes as {schema.get('type', 'something else')!r} (drop array_like=True or tag=...)"
        )
    description = schema.pop("description", "")
    assert isinstance(description, str)
    return schema, inspect.cleandoc(description)


def function_struct(
    fn: Callable[..., object], *, name: str | None = None
) -> tuple[type[msgspec.Struct], str]:
    """A Struct type whose fields are ``fn``'s parameters (types from its annotations, defaults,
    ``Args:`` docstring descriptions as ``Meta``), and the docstring's summary.

    ``fn`` must annotate every parameter and take no ``*args``/``**kwargs``.
    """
    what = f"the function {getattr(fn, '__qualname__', fn)!r}"
    summary, arg_docs = parse_docstring(inspect.getdoc(fn))
    try:
        signature = inspect.signature(fn)
        hints = typing.get_type_hints(fn, include_extras=True)
    except (TypeError, ValueError, NameError) as exc:
        raise ToolDefinitionError(f"{what}: cannot read its signature ({exc})") from None
    fields: list[tuple[str, object] | tuple[str, object, object]] = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"{what}: a tool cannot take *{parameter.name} or **{parameter.name}; "
                "name every argument the model may pass"
            )
        if parameter.name not in hints:
            raise ToolDefinitionError(
                f"{what}: the parameter {parameter.name!r} has no type annotation; annotate it "
                "(e.g. `city: str`) so the model knows what to send"
            )
        kind: object = hints[parameter.name]
        described = arg_docs.get(parameter.name)
        if described:
            kind = typing.Annotated[kind, msgspec.Meta(description=described)]
        if parameter.default is parameter.empty:
            fields.append((parameter.name, kind))
        else:
            default = parameter.default
            if isinstance(default, (list, dict, set)) and default:
                default = msgspec.field(default_factory=partial(copy.deepcopy, default))
            fields.append((parameter.name, kind, default))
    struct_name = str(name or getattr(fn, "__name__", None) or "tool")
    struct = msgspec.defstruct(struct_name, fields, kw_only=True)
    return struct, summary


def _is_struct_type(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, msgspec.Struct)


def _from_struct(
    struct: type[msgspec.Struct], name: str | None, description: str | None
) -> ToolSpec:
    what = f"the tool {struct.__name__}"
    schema, doc = _object_schema(struct, what)
    return ToolSpec(
        name=_check_name(name or struct.__name__, what),
        description=doc if description is None else description,
        parameters=schema,
        args_type=struct,
    )


def _from_function(
    fn: Callable[..., object], name: str | None, description: str | None
) -> ToolSpec:
    struct, summary = function_struct(fn, name=name)
    what = f"the function {getattr(fn, '__qualname__', fn)!r}"
    schema, _ = _object_schema(struct, what)
    return ToolSpec(
        name=_check_name(name or getattr(fn, "__name__", None), what),
        description=summary if description is None else description,
        parameters=schema,
        args_type=struct,
    )


def _from_dict(tool: Mapping[str, object]) -> ToolSpec:
    what = "a tool dict"
    body: Mapping[str, object] = tool
    if tool.get("type") == "function" and isinstance(tool.get("function"), Mapping):
        body = tool["function"]  # type: ignore[assignment]  # checked just above
    if "name" in body and ("parameters" in body or "input_schema" in body or len(body) <= 2):
        schema = body.get(
            "parameters", body.get("input_schema", {"type": "object", "properties": {}})
        )
        name = body["name"]
        description = body.get("description", "")
    elif "title" in body and body.get("type") == "object":
        schema = {k: v for k, v in body.items() if k not in ("title", "description")}
        name = body["title"]
        description = body.get("description", "")
    else:
        raise ToolDefinitionError(
            f"{what} needs a name: give an OpenAI tool ({{'type': 'function', 'function': {{'name', "
            "'description', 'parameters'}}}}), an Anthropic tool ({'name', 'description', "
            f"'input_schema'}}) or a JSON schema with a top-level 'title'; got keys {sorted(tool)}"
        )
    if not isinstance(schema, Mapping) or schema.get("type", "object") != "object":
        raise ToolDefinitionError(f"{what} {name!r}: the arguments schema must be an object schema")
    if not isinstance(description, str):
        raise ToolDefinitionError(f"{what} {name!r}: the description must be a str")
    return ToolSpec(
        name=_check_name(name, f"{what} {name!r}"),
        description=description,
        parameters=_inline_refs(dict(schema)),
    )


def tool_spec(
    tool: ToolLike, *, name: str | None = None, description: str | None = None
) -> ToolSpec:
    """The spec of one tool (see ``ToolLike``); ``name``/``description`` override."""
    if isinstance(tool, ToolSpec):
        spec = tool
    elif _is_struct_type(tool):
        return _from_struct(tool, name, description)  # type: ignore[arg-type]  # a Struct type
    elif isinstance(getattr(tool, "tool_spec", None), ToolSpec):
        spec = tool.tool_spec  # type: ignore[union-attr]  # checked just above
    elif isinstance(tool, Mapping):
        spec = _from_dict(tool)
    elif isinstance(tool, type):
        raise ToolDefinitionError(
            f"the class {tool.__name__} is not a tool: use a msgspec.Struct subclass (its fields "
            "are the arguments), a typed function, or a JSON-schema dict"
        )
    elif callable(tool):
        return _from_function(tool, name, description)
    else:
        raise ToolDefinitionError(
            f"{tool!r} is not a tool: use a msgspec.Struct type, a typed function, a @tool or a "
            "JSON-schema dict"
        )
    if name is None and description is None:
        return spec
    return msgspec.structs.replace(
        spec,
        name=_check_name(name, f"the tool {spec.name!r}") if name is not None else spec.name,
        description=description if description is not None else spec.description,
    )


def tool_specs(tools: typing.Sequence[ToolLike]) -> list[ToolSpec]:
    """Specs of several tools; two tools of the same name are an error (the model could not
    tell them apart)."""
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, typing.Sequence):
        raise ToolDefinitionError(
            f"tools must be a list of tools, got {type(tools).__name__}: wrap one tool in a list"
        )
    specs = [tool_spec(t) for t in tools]
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            raise ToolDefinitionError(
                f"two tools are named {spec.name!r}: give one of them another name"
            )
        seen.add(spec.name)
    return specs


# -- provider wire shapes -----------------------------------------------------------------------


def _strict_schema(node: object) -> object:
    """OpenAI's strict mode: every object closed (``additionalProperties: false``) and every
    property required (as LangChain's ``convert_to_openai_tool(strict=True)`` does)."""
    if isinstance(node, list):
        return [_strict_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: JsonSchema = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {k: _strict_schema(v) for k, v in value.items()}
        elif key in _SCHEMA_LISTS or key in _SCHEMA_ONE:
            out[key] = _strict_schema(value)
        else:
            out[key] = value
    if out.get("type") == "object":
        properties = out.get("properties", {})
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def strict_schema(schema: Mapping[str, object]) -> dict[str, object]:
    result = _strict_schema(dict(schema))
    assert isinstance(result, dict)
    return result


def openai_tool(spec: ToolSpec, *, strict: bool | None = None) -> dict[str, object]:
    """``{"type": "function", "function": {name, description, parameters, strict?}}``."""
    function: dict[str, object] = {"name": spec.name}
    if spec.description:
        function["description"] = spec.description
    function["parameters"] = strict_schema(spec.parameters) if strict else spec.parameters
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def _choice_name(choice: str, names: typing.Sequence[str], provider: str) -> str:
    if choice not in names:
        raise ConfigError(
            f"tool_choice={choice!r} names no bound tool; expected 'auto', 'none', 'any', "
            f"'required' or one of {list(names)} ({provider})"
        )
    return choice


def openai_tool_choice(
    choice: ToolChoice, names: typing.Sequence[str]
) -> str | dict[str, object] | None:
    """OpenAI's ``tool_choice``: ``"auto"``/``"none"``/``"required"`` (``"any"`` and ``True``
    mean ``"required"``), a tool name -> ``{"type": "function", "function": {"name"}}``, a dict
    as is."""
    if choice is None or choice is False:
        return None if choice is None else "none"
    if choice is True or choice == "any":
        return "required"
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        return {"type": "function", "function": {"name": _choice_name(choice, names, "OpenAI")}}
    if isinstance(choice, Mapping):
        return dict(choice)
    raise ConfigError(f"tool_choice must be a str, a bool or a dict, got {choice!r}")


def anthropic_tool(spec: ToolSpec) -> dict[str, object]:
    """``{name, description, input_schema}``."""
    tool: dict[str, object] = {"name": spec.name}
    if spec.description:
        tool["description"] = spec.description
    tool["input_schema"] = spec.parameters
    return tool


def anthropic_tool_choice(
    choice: ToolChoice, names: typing.Sequence[str], *, parallel_tool_calls: bool | None
) -> dict[str, object] | None:
    """Anthropic's ``tool_choice``: ``{"type": "auto"|"any"|"none"}`` or ``{"type": "tool",
    "name"}`` (``"required"`` and ``True`` mean ``any``); ``parallel_tool_calls=False`` adds
    ``disable_parallel_tool_use: true`` (on ``auto`` when no choice was given)."""
    out: dict[str, object] | None
    if choice is None:
        out = None
    elif choice is False or choice == "none":
        out = {"type": "none"}
    elif choice is True or choice in ("any", "required"):
        out = {"type": "any"}
    elif choice == "auto":
        out = {"type": "auto"}
    elif isinstance(choice, str):
        out = {"type": "tool", "name": _choice_name(choice, names, "Anthropic")}
    elif isinstance(choice, Mapping):
        out = dict(choice)
    else:
        raise ConfigError(f"tool_choice must be a str, a bool or a dict, got {choice!r}")
    if parallel_tool_calls is False:
        if out is None:
            out = {"type": "auto"}
        if out.get("type") == "none":
            return out  # Anthropic rejects the flag on "none"; no call is parallel anyway
        out["disable_parallel_tool_use"] = True
    return out


# Anthropic's structured outputs (``output_config.format``) take a subset of JSON schema: these
# keywords as they are, string formats from this list, ``minItems`` of 0 or 1; every object
# closed. What else a schema says is kept for the model as text in the description, as
# Anthropic's own SDK does (anthropic ``transform_schema``); a value with no type is refused.
_ANTHROPIC_FORMATS: Final = frozenset(
    ("date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid")
)
_PRIMITIVE = (str, int, float, bool, type(None))


def anthropic_output_schema(schema: Mapping[str, object]) -> dict[str, object]:
    """``schema`` as Anthropic's structured outputs take it (see the comment above)."""
    rest = dict(schema)
    out: JsonSchema = {}
    defs = rest.pop("$defs", None)
    if isinstance(defs, Mapping):
        out["$defs"] = {name: anthropic_output_schema(node) for name, node in defs.items()}
    ref = rest.pop("$ref", None)
    if ref is not None:
        out["$ref"] = ref
        return out
    kind = rest.pop("type", None)
    any_of, one_of, all_of = (
        rest.pop("anyOf", None),
        rest.pop("oneOf", None),
        rest.pop("allOf", None),
    )
    enum = rest.get("enum")
    if isinstance(enum, list) and enum and all(isinstance(v, _PRIMITIVE) for v in enum):
        out["enum"] = rest.pop("enum")
    if "const" in rest and isinstance(rest["const"], _PRIMITIVE):
        out["const"] = rest.pop("const")
    literal = "enum" in out or "const" in out
    if literal:
        kind = None
    variants = any_of if isinstance(any_of, list) else one_of  # oneOf is taken as anyOf
    if isinstance(variants, list):
        out["anyOf"] = [anthropic_output_schema(node) for node in variants]
    elif isinstance(all_of, list):
        out["allOf"] = [anthropic_output_schema(node) for node in all_of]
    elif not literal:
        if kind is None:
            raise ToolDefinitionError(
                f"Anthropic's structured outputs need a type for every value; {dict(schema)!r} "
                "has none (give the field a type, or use method='function_calling')"
            )
        out["type"] = kind
    for key in ("description", "title"):
        if key in rest:
            out[key] = rest.pop(key)
    if kind == "object":
        properties = rest.pop("properties", {})
        out["properties"] = {
            name: anthropic_output_schema(node)
            for name, node in (properties.items() if isinstance(properties, Mapping) else ())
        }
        rest.pop("additionalProperties", None)
        out["additionalProperties"] = False
        if "required" in rest:
            out["required"] = rest.pop("required")
    elif kind == "string":
        if rest.get("format") in _ANTHROPIC_FORMATS:
            out["format"] = rest.pop("format")
    elif kind == "array":
        items = rest.pop("items", None)
        if isinstance(items, Mapping):
            out["items"] = anthropic_output_schema(items)
        if rest.get("minItems") in (0, 1):
            out["minItems"] = rest.pop("minItems")
    if rest:  # what Anthropic does not enforce: said to the model instead
        said = ", ".join(f"{key}: {rest[key]}" for key in sorted(rest))
        description = out.get("description")
        out["description"] = (
            f"{description}\n\n" if description is not None else ""
        ) + f"{{{said}}}"
    return out


def ollama_tool(spec: ToolSpec) -> dict[str, object]:
    """Ollama's ``tools`` entries have OpenAI's function shape (no ``strict``)."""
    return openai_tool(spec, strict=None)


def ollama_tool_choice(choice: ToolChoice, *, parallel_tool_calls: bool | None) -> None:
    """Ollama has no ``tool_choice`` and no parallel switch: only the defaults are accepted."""
    if choice not in (None, "auto"):
        raise ConfigError(
            f"Ollama's /api/chat has no tool_choice, so tool_choice={choice!r} cannot be honoured; "
            "leave it unset (the model chooses), or use with_structured_output to force a shape"
        )
    if parallel_tool_calls is not None:
        raise ConfigError("Ollama's /api/chat has no parallel_tool_calls switch; leave it unset")


# -- running a tool ------------------------------------------------------------------------------


def _stringify(output: object) -> str | list[ContentBlock]:
    """A tool's result as ToolMessage content: a str or content blocks as they are, anything
    else as JSON (LangChain: ``json.dumps(..., ensure_ascii=False)``, else ``str``)."""
    if isinstance(output, str):
        return output
    if isinstance(output, list) and output and all(isinstance(b, ContentBlock) for b in output):
        return output
    try:
        return json.dumps(msgspec.to_builtins(output), ensure_ascii=False)
    except (TypeError, ValueError):
        return str(output)


class ToolRun:
    """The pure half of running a tool: a call's arguments checked against the tool's Struct
    and split into the function's positional/keyword arguments; the result, or a ToolMessage
    answering the call."""

    __slots__ = ("_positional", "spec")

    def __init__(self, spec: ToolSpec, fn: Callable[..., object]) -> None:
        self.spec = spec
        self._positional = tuple(
            p.name
            for p in inspect.signature(fn).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_ONLY
        )

    def arguments(self, input: object) -> tuple[tuple[object, ...], dict[str, object], str | None]:
        """``(args, kwargs, call_id)`` from a dict of arguments or a ``ToolCall`` (or
        LangChain's tool-call dict: ``{"name", "args", "id", "type": "tool_call"}``)."""
        call_id: str | None = None
        if isinstance(input, ToolCall):
            raw: object = input.args
            call_id = input.id
        elif isinstance(input, Mapping) and input.get("type") == "tool_call" and "args" in input:
            raw = input["args"]
            found = input.get("id")
            call_id = found if isinstance(found, str) else None
        elif isinstance(input, Mapping):
            raw = input
        else:
            raise InvalidInputError(
                f"the tool {self.spec.name!r} takes a dict of arguments or a ToolCall, "
                f"got {type(input).__name__}"
            )
        args_type = self.spec.args_type
        assert args_type is not None  # a ToolRun is made from a function
        if isinstance(raw, Mapping):
            unknown = [key for key in raw if key not in args_type.__struct_fields__]
            if unknown:
                expected = ", ".join(map(repr, args_type.__struct_fields__)) or "none"
                raise ToolCallParseError(
                    f"tool {self.spec.name!r} got unknown argument(s) "
                    f"{', '.join(map(repr, unknown))}; it takes: {expected}",
                    name=self.spec.name,
                    args=raw,
                )
        try:
            value = msgspec.convert(raw, args_type, strict=False)
        except msgspec.ValidationError as exc:
            raise ToolCallParseError(
                f"the arguments of tool {self.spec.name!r} do not fit its signature: {exc}; "
                f"got {raw!r}",
                name=self.spec.name,
                args=raw,
            ) from None
        fields = {f: getattr(value, f) for f in args_type.__struct_fields__}
        positional = tuple(fields.pop(name) for name in self._positional)
        return positional, fields, call_id

    def result(self, output: object, call_id: str | None) -> object:
        """The function's result; for a ToolCall, a ``ToolMessage`` answering it."""
        if call_id is None:
            return output
        return ToolMessage(_stringify(output), tool_call_id=call_id, name=self.spec.name)


# -- what bind_tools and with_structured_output add to a chat request ---------------------------

ToolFormat: TypeAlias = Literal["openai", "anthropic", "ollama"]
"""The tool wire shape a chat model speaks (OpenAI-compatible servers speak ``openai``)."""

TOOL_FORMATS: Final[Mapping[str, ToolFormat]] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
}
"""A chat provider's name (``ChatHTTPApi.provider``) -> the tool shape its API speaks."""

StructuredMethod: TypeAlias = Literal["json_schema", "function_calling", "json_mode"]

DEFAULT_METHOD: Final[Mapping[str, StructuredMethod]] = {
    # as langchain-openai / -anthropic / -ollama default
    "openai": "json_schema",
    "anthropic": "function_calling",
    "ollama": "json_schema",
}


def tool_overrides(
    fmt: ToolFormat,
    specs: typing.Sequence[ToolSpec],
    *,
    tool_choice: ToolChoice,
    parallel_tool_calls: bool | None,
    strict: bool | None,
) -> dict[str, object]:
    """The request fields that offer ``specs`` to the model, in ``fmt``'s shape."""
    names = [spec.name for spec in specs]
    out: dict[str, object] = {}
    if fmt == "openai":
        out["tools"] = [openai_tool(spec, strict=strict) for spec in specs]
        choice = openai_tool_choice(tool_choice, names)
        if choice is not None:
            out["tool_choice"] = choice
        if parallel_tool_calls is not None:
            out["parallel_tool_calls"] = parallel_tool_calls
        return out
    if strict is not None:
        raise ConfigError(
            f"strict= is OpenAI's switch for tool schemas; the {fmt} API has none: leave it unset"
        )
    if fmt == "anthropic":
        out["tools"] = [anthropic_tool(spec) for spec in specs]
        anthropic_choice = anthropic_tool_choice(
            tool_choice, names, parallel_tool_calls=parallel_tool_calls
        )
        if anthropic_choice is not None:
            out["tool_choice"] = anthropic_choice
        return out
    ollama_tool_choice(tool_choice, parallel_tool_calls=parallel_tool_calls)
    out["tools"] = [ollama_tool(spec) for spec in specs]
    return out


def structured_overrides(
    fmt: ToolFormat, spec: ToolSpec, method: StructuredMethod, *, strict: bool | None
) -> tuple[dict[str, object], str | None]:
    """The request fields that ask for output shaped as ``spec``, and the name of the tool that
    carries it (``function_calling``) or None (the JSON is the text)."""
    if method == "function_calling":
        choice: ToolChoice = None if fmt == "ollama" else spec.name  # Ollama cannot force one
        overrides = tool_overrides(
            fmt,
            [spec],
            tool_choice=choice,
            parallel_tool_calls=False if fmt == "openai" else None,
            strict=strict,
        )
        return overrides, spec.name
    if fmt == "anthropic":
        if method == "json_mode":
            raise ConfigError(
                "ChatAnthropic has no method='json_mode' (Anthropic's API has no JSON mode without "
                "a schema): use method='json_schema' (Anthropic's structured outputs) or "
                "'function_calling' (the default)"
            )
        if method != "json_schema":
            raise ConfigError(
                f"method must be 'json_schema' or 'function_calling' for ChatAnthropic, "
                f"got {method!r}"
            )
        if strict is not None:
            raise ConfigError(
                "strict= is OpenAI's switch; Anthropic's structured outputs always follow the "
                "schema: leave it unset"
            )
        schema = dict(spec.parameters)
        if spec.description and "description" not in schema:
            schema["description"] = spec.description  # the Struct's docstring, as LangChain's
        output = {"type": "json_schema", "schema": anthropic_output_schema(schema)}
        return {"output_config": {"format": output}}, None
    if method == "json_mode":
        if strict is not None:
            raise ConfigError("strict= does not apply to method='json_mode' (no schema is sent)")
        if fmt == "openai":
            return {"response_format": {"type": "json_object"}}, None
        return {"format": "json"}, None
    if method != "json_schema":
        raise ConfigError(
            f"method must be 'json_schema', 'function_calling' or 'json_mode', got {method!r}"
        )
    if fmt == "ollama":
        return {"format": spec.parameters}, None
    strict_on = strict is not False  # langchain-openai sends strict=True unless told otherwise
    json_schema: dict[str, object] = {"name": spec.name}
    if spec.description:
        json_schema["description"] = spec.description
    json_schema["schema"] = strict_schema(spec.parameters) if strict_on else spec.parameters
    json_schema["strict"] = strict_on
    return {"response_format": {"type": "json_schema", "json_schema": json_schema}}, None
