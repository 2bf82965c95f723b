"""An async function as a tool: the async methods run it; the sync ones say to use them
(LangChain raises NotImplementedError there)."""

from __future__ import annotations

import pytest

from rillet import ConfigError, ToolCall, ToolMessage, tool


@tool
async def aadd(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@pytest.mark.anyio
async def test_async_tool_runs_on_the_async_methods() -> None:
    assert await aadd.ainvoke({"a": 1, "b": 2}) == 3
    assert await aadd.ainvoke(ToolCall("aadd", {"a": 1, "b": 2}, "c1")) == ToolMessage(
        "3", tool_call_id="c1", name="aadd"
    )
    assert [c async for c in aadd.astream({"a": 1, "b": 2})] == [3]


def test_async_tool_on_the_sync_methods_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'aadd' is an async function: use ainvoke"):
        aadd.invoke({"a": 1, "b": 2})
