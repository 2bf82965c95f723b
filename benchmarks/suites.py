"""Which approaches are measured together (suites) and the acceptance lines judged on them.

A suite is a set of rows interleaved round by round: every round runs each of its approaches
in a fresh process, in an order rotated by one each round. A ratio (``top / bottom``) is computed
inside each round, and the report gives its median over the rounds with the min-max spread. An
acceptance line judges that median (and, with ``spread=True``, the spread's far end too).

Chunk suites run a round in lockstep (``run.py``): all of the round's worker processes are set
up first, then ``runs`` steps alternate their timed runs, and the two runs of every ratio an
acceptance line judges are measured side by side (which one goes first alternates). The round's
ratio is the median of its steps' ratios. This machine's speed changes by up to 2x from one
fraction of a second to the next, so two runs seconds apart may see different machines; two
adjacent runs rarely do. ``together`` puts approaches in one process where the claim is about
two paths of the same process (tracing off vs. no tracing seam).

Adding a row (e.g. a chat model):

1. ``approaches.py``: register the approach with ``@approach("rillet.chat.astream", ...)``; its
   setup returns a runner whose ``run(n)`` streams ``n`` tokens and returns the full text.
2. Here: put its key into a suite (a new ``Suite(...)`` in ``SUITES`` if it should be compared
   with different rows), next to whatever it is compared with; ratios are only formed within a
   suite's rounds.
3. Here: add a ``Criterion`` naming the suite and the two keys of the ratio.

``python benchmarks/run.py --suites chat --rounds 3`` then measures just that suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CRITERIA", "SUITES", "Criterion", "Suite"]

Mode = Literal["chunk", "linearity", "concurrent", "imports"]


@dataclass(frozen=True)
class Suite:
    name: str
    title: str
    mode: Mode
    keys: tuple[str, ...] = ()
    rounds: int = 7  # default; --rounds overrides every suite, --quick uses 3
    n: int = 20_000  # chunks per stream (chunk mode; an approach's own n caps it)
    runs: int = 3  # timed runs per approach per round (chunk suites: steps); figure: their best
    # chunk suites: approaches measured in ONE process per round (in-process pairs, for a claim
    # about two paths of the same process); every other approach has a fresh process of its own
    together: tuple[tuple[str, ...], ...] = ()
    reference: str | None = None  # the row the "×" column divides by
    linear_ns: dict[str, tuple[int, int]] = field(default_factory=dict)  # linearity mode
    streams: int = 100  # concurrent mode
    note: str = ""
    default: bool = True  # part of a plain `make bench`


SUITES: tuple[Suite, ...] = (
    Suite(
        "core",
        "rillet astream against its transport and the floor",
        "chunk",
        ("rillet.astream", "httpx.async.aiohttp", "httpx.bytes.aiohttp", "floor.socket"),
        rounds=11,
        runs=7,
        reference="rillet.astream",
        note="all four over the same connection type: httpx-aiohttp for the three httpx clients",
    ),
    Suite(
        "events",
        "events and chains (async)",
        "chunk",
        (
            "rillet.astream",
            "rillet.astream_events.v1",
            "rillet.astream_events.v2",
            "rillet.chain.astream_events.v2",
        ),
        rounds=5,
        runs=5,
        reference="rillet.astream",
    ),
    Suite(
        "sync",
        "sync streams",
        "chunk",
        ("rillet.stream", "httpx.sync", "rillet.stream_events.v2", "rillet.chain.stream_events.v2"),
        rounds=5,
        runs=7,
        reference="rillet.stream",
    ),
    Suite(
        "peers",
        "rillet against LangChain, openai-python and httpx's own transport",
        "chunk",
        (
            "rillet.astream",
            "rillet.chain.astream_events.v2",
            "langchain.astream",
            "langchain.stream",
            "langchain.astream_events.v1",
            "langchain.astream_events.v2",
            "langchain.chain.astream_events.v2",
            "openai.async",
            "openai.sync",
            "httpx.async",
            "httpx.bytes",
        ),
        rounds=3,
        n=3_000,
        runs=2,
        reference="rillet.astream",
        note="N=3000 so a round of the slow peers stays short; every row of a round at one N; "
        "3 rounds: every line here passes by 1.5x or more",
    ),
    Suite(
        "parallel",
        "RunnableParallel of two model branches, 10 ms per token (issue 9)",
        "chunk",
        ("rillet.astream.delayed", "rillet.parallel.astream.delayed"),
        rounds=3,
        n=60,
        runs=2,
        reference="rillet.astream.delayed",
        note="each row runs its own FakeServer(s); µs/chunk over the longer branch's 60 tokens",
    ),
    Suite(
        "chat",
        "chat models (issue 12): ChatOpenAI against OpenAIChat, LangChain and httpx",
        "chunk",
        (
            "rillet.chat.astream",
            "rillet.openaichat.astream",
            "rillet.chat.astream_events.v2",
            "rillet.chat.stream",
            "httpx.sync.chat",
        ),
        rounds=5,
        n=5_000,
        runs=7,
        reference="rillet.chat.astream",
        note="one chat completion stream of N tokens (plus role, finish and usage chunks)",
    ),
    Suite(
        "chat-peers",
        "chat models (issue 12): ChatOpenAI against langchain-openai's",
        "chunk",
        ("rillet.chat.astream", "langchain.chat.astream"),
        rounds=3,
        n=5_000,
        runs=2,
        reference="rillet.chat.astream",
        note="apart from the chat suite: a LangChain run takes seconds, the chat suite's tight "
        "lines want many short steps; 3 rounds: the line passes by 2x or more",
    ),
    Suite(
        "tools",
        "tool calls (issue 13): one tool call's argument fragments against text chunks",
        "chunk",
        (
            "rillet.chat.astream",
            "rillet.chat.astream.sum",
            "rillet.chat.tool.astream",
            "rillet.chat.tool.astream.read",
            "rillet.chat.astream.1k",
            "rillet.chat.tool.astream.1k",
            "rillet.chat.tool.astream.read.1k",
        ),
        rounds=5,
        n=2_000,
        runs=5,
        reference="rillet.chat.astream",
        note="N tokens as text chunks, or as N + 2 fragments of one call's ~5 bytes/token "
        "arguments (N=2000: ~10 KB; the .1k rows: N=200, ~1 KB, against the text row of N=200)",
    ),
    Suite(
        "tools-linearity",
        "tool calls: µs/chunk at ~10 KB of arguments over ~1 KB (same process)",
        "linearity",
        ("rillet.chat.tool.astream", "rillet.chat.tool.astream.read"),
        rounds=5,
        runs=3,
        linear_ns={
            "rillet.chat.tool.astream": (200, 2000),
            "rillet.chat.tool.astream.read": (200, 2000),
        },
        note="the .read row re-parses the arguments so far on every chunk: it grows by design",
    ),
    Suite(
        "otel",
        "tracing (issue 15): ChatOpenAI astream with tracing off against the path without the seam",
        "chunk",
        ("rillet.chat.astream", "rillet.chat.astream.untraced"),
        rounds=5,
        n=5_000,
        runs=100,
        reference="rillet.chat.astream.untraced",
        together=(("rillet.chat.astream", "rillet.chat.astream.untraced"),),
        note="tracing off: one global read per call. The two rows run in ONE process, their runs "
        "alternating (100 pairs a round): they differ only by the seam, so the claim is about "
        "the same process, and the drift between two processes cannot hide or fake 2 %. One "
        "pair's ratio varies by ~±10 % on this machine, so a 2 % line needs many pairs",
    ),
    Suite(
        "otel-traced",
        "tracing (issue 15): ChatOpenAI astream with tracing on (for the record)",
        "chunk",
        ("rillet.chat.astream.untraced", "rillet.chat.astream.traced"),
        rounds=3,
        n=5_000,
        runs=3,
        reference="rillet.chat.astream.untraced",
        note="traced: an SDK TracerProvider without exporter (a process of its own: instrument() "
        "is global)",
    ),
    Suite(
        "otel-invoke",
        "tracing (issue 15): ChatOpenAI ainvoke with tracing off against the path without the seam",
        "chunk",
        ("rillet.chat.ainvoke", "rillet.chat.ainvoke.untraced"),
        rounds=5,
        n=5_000,
        runs=400,
        reference="rillet.chat.ainvoke.untraced",
        together=(("rillet.chat.ainvoke", "rillet.chat.ainvoke.untraced"),),
        note="one process, runs alternating (400 pairs a round: a reply is ~1 ms, one pair's "
        "ratio varies by ~±10 % on this machine and a 2 % line needs many pairs)",
    ),
    Suite(
        "linearity",
        "linearity (µs/chunk at the large N over the small N, same process)",
        "linearity",
        ("rillet.astream", "rillet.astream_events.v2", "langchain.astream_events.v1"),
        rounds=3,
        runs=3,
        linear_ns={
            "rillet.astream": (1000, 10000),
            "rillet.astream_events.v2": (1000, 10000),
            "langchain.astream_events.v1": (1000, 2000),
        },
    ),
    Suite(
        "concurrent",
        "100 concurrent streams (asyncio.gather), fresh process each",
        "concurrent",
        (
            "rillet.astream",
            "langchain.astream",
            "openai.async",
            "httpx.async",
            "httpx.async.aiohttp",
            "floor.socket",
        ),
        rounds=3,
        n=500,
        runs=1,
        reference="langchain.astream",
    ),
    Suite(
        "imports",
        "import time (fresh interpreter, net of its start)",
        "imports",
        rounds=5,
        runs=5,
    ),
    Suite(
        "imports-peers",
        "import time with openai and langchain_openai (seconds each)",
        "imports",
        rounds=3,
        runs=2,
        default=False,
    ),
)


@dataclass(frozen=True)
class Criterion:
    """``metric(top) / metric(bottom)`` per round in ``suite``, judged ``op threshold``.

    The metric is the suite's: µs/chunk (chunk), growth (linearity: ``top`` only), chunks/s or
    peak RSS (concurrent: ``metric="rss"``), net import ms (imports). Chunk, linearity and import
    lines are judged on the clients' own CPU time (``metric="cpu"``, the default for them): on this
    shared 2-core machine a worker's wall time is often 2-3x its CPU time, the difference being
    other processes' turns on the CPU, not the client's work; the wall-time ratio is reported
    beside it. With ``spread``, the worst round must pass as well as the median.
    """

    name: str
    suite: str
    top: str
    bottom: str | None
    op: Literal["<=", ">="]
    threshold: float
    issue: int
    spread: bool = False
    metric: Literal["default", "cpu", "wall", "rss"] = "default"


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "astream with tracing off within 2 % of the path without the tracing seam",
        "otel",
        "rillet.chat.astream",
        "rillet.chat.astream.untraced",
        "<=",
        1.02,
        15,
    ),
    Criterion(
        "ainvoke with tracing off within 2 % of the reply without the tracing seam",
        "otel-invoke",
        "rillet.chat.ainvoke",
        "rillet.chat.ainvoke.untraced",
        "<=",
        1.02,
        15,
    ),
    Criterion(
        "a tool-call stream ≤ 2× per chunk the same number of text chunks (ChatOpenAI)",
        "tools",
        "rillet.chat.tool.astream",
        "rillet.chat.astream",
        "<=",
        2,
        13,
    ),
    Criterion(
        "a tool-call stream ≤ 2× per chunk the same number of text chunks at ~1 KB (N=200)",
        "tools",
        "rillet.chat.tool.astream.1k",
        "rillet.chat.astream.1k",
        "<=",
        2,
        13,
    ),
    Criterion(
        "tool-call streaming flat from ~1 KB to ~10 KB of arguments (µs/chunk grows ≤ 1.25×)",
        "tools-linearity",
        "rillet.chat.tool.astream",
        None,
        "<=",
        1.25,
        13,
    ),
    Criterion(
        "a parallel of two delayed model branches ≤ 1.2× the longer branch alone",
        "parallel",
        "rillet.parallel.astream.delayed",
        "rillet.astream.delayed",
        "<=",
        1.2,
        9,
        metric="wall",  # latency: the branches wait on their servers, CPU time would not show it
    ),
    Criterion(
        "astream ≤ 1.0× the naive httpx-aiohttp aiter_lines + msgspec loop",
        "core",
        "rillet.astream",
        "httpx.async.aiohttp",
        "<=",
        1.0,
        16,
    ),
    Criterion(
        "astream ≤ 1.6× the lean httpx-aiohttp aiter_bytes loop",
        "core",
        "rillet.astream",
        "httpx.bytes.aiohttp",
        "<=",
        1.6,
        16,
    ),
    Criterion(
        "astream ≤ 2.5× the bare-socket floor (every round)",
        "core",
        "rillet.astream",
        "floor.socket",
        "<=",
        2.5,
        16,
        spread=True,
    ),
    Criterion(
        "astream ≥ 25× faster than langchain-openai astream",
        "peers",
        "langchain.astream",
        "rillet.astream",
        ">=",
        25,
        6,
    ),
    Criterion(
        "astream ≥ 20× faster than openai-python",
        "peers",
        "openai.async",
        "rillet.astream",
        ">=",
        20,
        6,
    ),
    Criterion(
        "astream ≥ 3× faster than the naive httpx line loop (httpx's own transport)",
        "peers",
        "httpx.async",
        "rillet.astream",
        ">=",
        3,
        6,
    ),
    Criterion(
        "3-step chain v2 events ≥ 30× faster than LangChain's",
        "peers",
        "langchain.chain.astream_events.v2",
        "rillet.chain.astream_events.v2",
        ">=",
        30,
        6,
    ),
    Criterion(
        "astream_events v2 ≤ 2× rillet's own astream",
        "events",
        "rillet.astream_events.v2",
        "rillet.astream",
        "<=",
        2,
        6,
    ),
    Criterion(
        "astream_events v2 linear from 1k to 10k chunks (µs/chunk grows ≤ 1.25×)",
        "linearity",
        "rillet.astream_events.v2",
        None,
        "<=",
        1.25,
        6,
    ),
    Criterion(
        "sync stream ≤ 1.15× the naive httpx sync line loop",
        "sync",
        "rillet.stream",
        "httpx.sync",
        "<=",
        1.15,
        6,
    ),
    Criterion(
        "chat astream ≥ 25× faster than langchain-openai's ChatOpenAI astream",
        "chat-peers",
        "langchain.chat.astream",
        "rillet.chat.astream",
        ">=",
        25,
        12,
    ),
    Criterion(
        "chat astream within 1.3× of rillet's string OpenAIChat astream",
        "chat",
        "rillet.chat.astream",
        "rillet.openaichat.astream",
        "<=",
        1.3,
        12,
    ),
    Criterion(
        "chat astream_events v2 ≤ 2× chat astream",
        "chat",
        "rillet.chat.astream_events.v2",
        "rillet.chat.astream",
        "<=",
        2,
        12,
    ),
    Criterion(
        "sync chat stream ≤ 1.15× the naive httpx sync line loop",
        "chat",
        "rillet.chat.stream",
        "httpx.sync.chat",
        "<=",
        1.15,
        12,
    ),
    Criterion(
        "100 concurrent streams ≥ 10× LangChain's total chunks/s",
        "concurrent",
        "rillet.astream",
        "langchain.astream",
        ">=",
        10,
        6,
    ),
    Criterion(
        "100 concurrent streams: peak RSS no higher than LangChain's",
        "concurrent",
        "rillet.astream",
        "langchain.astream",
        "<=",
        1.0,
        6,
        metric="rss",
    ),
    Criterion(
        "import rillet ≤ 1.2× import httpx, msgspec",
        "imports",
        "rillet",
        "httpx, msgspec",
        "<=",
        1.2,
        6,
    ),
)
