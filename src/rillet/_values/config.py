"""``RunnableConfig``: LangChain's per-call config dict, validated and merged here (no I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Final, Literal, TypedDict

from .errors import ConfigError
from .options import SequenceNotStr

__all__ = [
    "CONFIG_KEYS",
    "RunSink",
    "RunnableConfig",
    "child_config",
    "config_list",
    "ensure_config",
    "merge_configs",
]


class RunSink:
    """The run a function's config belongs to (``config["callbacks"]``; opaque to users).

    A ``RunnableLambda`` whose function takes ``config`` passes it one; a runnable invoked or
    streamed with that config runs as a child of the lambda's run and puts its events here, and
    the lambda's run hands them on, in order, when the function next yields or returns. That is
    all rillet needs instead of LangChain's callback managers: events still flow inline.
    """

    __slots__ = ("emit", "events", "parent_ids", "version")

    def __init__(
        self,
        *,
        parent_ids: tuple[str, ...],
        emit: bool,
        version: Literal["v1", "v2"],
        events: list[object],
    ) -> None:
        self.parent_ids = parent_ids
        self.emit = emit
        self.version: Literal["v1", "v2"] = version
        self.events = events


# Tags a parent gives one child run only (LangChain adds them to the child's callback manager,
# not to its config): they are never inherited by the child's own children.
LOCAL_TAG_PREFIXES: Final = ("seq:step:", "map:key:", "retry:attempt:", "condition:", "branch:")


class RunnableConfig(TypedDict, total=False):
    """Per-call options, as in LangChain: ``llm.invoke(x, config={"tags": ["a"]})``.

    - ``tags`` / ``metadata``: inherited by every child run and reported in events.
    - ``run_name``: the name this run has in events (default: the runnable's name).
    - ``max_concurrency``: how many inputs of a ``batch`` run at once (default: all).
    - ``run_id``: the id of this run (default: a fresh UUID).
    - ``configurable``: free-form values for configurable runnables; unknown keys land here.
    - ``recursion_limit``: accepted for compatibility.
    - ``callbacks``: set by rillet in the config a function receives; pass the config on as it
      is, so runnables it invokes report their events as children of the function's run.
    """

    tags: SequenceNotStr[str]
    metadata: Mapping[str, object]
    run_name: str
    max_concurrency: int | None
    run_id: uuid.UUID | None
    recursion_limit: int
    configurable: Mapping[str, object]
    callbacks: RunSink | None


CONFIG_KEYS = frozenset(RunnableConfig.__annotations__)


def ensure_config(config: RunnableConfig | Mapping[str, object] | None = None) -> RunnableConfig:
    """A complete, private copy of ``config``; bad values raise ``ConfigError``.

    As in LangChain, unknown keys move into ``configurable``. ``callbacks`` holds only the
    ``RunSink`` rillet gives a function; rillet has no callback handlers: events come from
    ``astream_events``/``stream_events``.
    """
    out = RunnableConfig(tags=[], metadata={}, configurable={}, recursion_limit=25)
    if config is None:
        return out
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"config must be a dict (RunnableConfig), got {type(config).__name__}: "
            'pass e.g. {"tags": ["x"], "max_concurrency": 4}'
        )
    for key, value in config.items():
        if key == "tags":
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise ConfigError(f"config['tags'] must be a list of str, got {value!r}")
            out["tags"] = [str(tag) for tag in value]
        elif key == "metadata":
            if not isinstance(value, Mapping):
                raise ConfigError(f"config['metadata'] must be a dict, got {value!r}")
            out["metadata"] = dict(value)
        elif key == "run_name":
            if not isinstance(value, str):
                raise ConfigError(f"config['run_name'] must be a str, got {value!r}")
            out["run_name"] = value
        elif key == "max_concurrency":
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(
                    f"config['max_concurrency'] must be a positive int or None, got {value!r}"
                )
            out["max_concurrency"] = value
        elif key == "run_id":
            if value is not None and not isinstance(value, uuid.UUID):
                raise ConfigError(f"config['run_id'] must be a uuid.UUID, got {value!r}")
            out["run_id"] = value
        elif key == "recursion_limit":
            if not isinstance(value, int):
                raise ConfigError(f"config['recursion_limit'] must be an int, got {value!r}")
            out["recursion_limit"] = value
        elif key == "configurable":
            if not isinstance(value, Mapping):
                raise ConfigError(f"config['configurable'] must be a dict, got {value!r}")
            out["configurable"] = {**out.get("configurable", {}), **value}
        elif key == "callbacks":
            if isinstance(value, RunSink):
                out["callbacks"] = value
            elif value is not None:
                raise ConfigError(
                    "rillet has no callback handlers: use astream_events()/stream_events() "
                    "to observe runs (config['callbacks'] only passes on the config a function "
                    "received)"
                )
        else:
            out["configurable"] = {**out.get("configurable", {}), key: value}
    assert out.keys() <= CONFIG_KEYS
    return out


def config_list(
    config: RunnableConfig | Sequence[RunnableConfig] | None, length: int
) -> list[RunnableConfig]:
    """One config per batch input: a single config is shared, a list must match ``length``.

    A shared ``run_id`` applies to the first input only (ids must be unique).
    """
    if config is None or isinstance(config, Mapping):
        base = ensure_config(config)
        configs = [ensure_config(base) for _ in range(length)]
        if base.get("run_id") is not None:
            for later in configs[1:]:
                later["run_id"] = None
        return configs
    if len(config) != length:
        raise ConfigError(
            f"config must be one dict or a list of the same length as inputs, "
            f"got {len(config)} configs for {length} inputs"
        )
    return [ensure_config(c) for c in config]


def child_config(
    parent: RunnableConfig, *, tags: Sequence[str] = (), run_name: str | None = None
) -> RunnableConfig:
    """The config a child run gets: its own ``tags`` (``seq:step:N``...: for this child only)
    first, then the parent's inheritable tags, as LangChain orders them; inherited metadata;
    its own run id and name."""
    inherited = [t for t in parent.get("tags", ()) if not t.startswith(LOCAL_TAG_PREFIXES)]
    child = RunnableConfig(
        tags=[*tags, *(t for t in inherited if t not in tags)],
        metadata=dict(parent.get("metadata", {})),
        configurable=dict(parent.get("configurable", {})),
        recursion_limit=parent.get("recursion_limit", 25),
    )
    if "max_concurrency" in parent:
        child["max_concurrency"] = parent["max_concurrency"]
    if run_name is not None:
        child["run_name"] = run_name
    return child


def merge_configs(bound: RunnableConfig, call: RunnableConfig) -> RunnableConfig:
    """``with_config``'s config under a call's: tags add up (the call's tags for this run only
    first, then the others sorted, as LangChain's merge sorts them), metadata and configurable
    merge (the call wins on conflicts), and the call's run name, run id and concurrency win."""
    out = ensure_config(bound)
    call_tags = call.get("tags", ())
    local = [t for t in call_tags if t.startswith(LOCAL_TAG_PREFIXES)]
    rest = {*out.get("tags", ()), *(t for t in call_tags if t not in local)}
    out["tags"] = [*local, *sorted(rest)]
    out["metadata"] = {**out.get("metadata", {}), **call.get("metadata", {})}
    out["configurable"] = {**out.get("configurable", {}), **call.get("configurable", {})}
    for key in ("run_name", "run_id", "max_concurrency", "recursion_limit", "callbacks"):
        if call.get(key) is not None:
            out[key] = call[key]
    return out
