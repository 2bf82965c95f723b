"""The replacement tables used by ``codegen/gen_sync.py``.

Keys are exact identifiers or exact whole string literals: unasync never matches a dotted path or a
part of a name. Add an entry only when the async code uses the name; the generator fails on unused
entries. An identity entry (``"AsyncThing": "AsyncThing"``) protects a name that only looks async.
"""

from __future__ import annotations

SRC_REPLACEMENTS: dict[str, str] = {
    # our public twins, and httpx's (unasync's default prefix rule would give Sync*)
    "AsyncClient": "Client",
    "AsyncStream": "Stream",
    "AsyncBatchStream": "BatchStream",
    # httpx's byte streams (a response's ``stream``)
    "AsyncByteStream": "SyncByteStream",
    # httpx's a-prefixed methods
    "aclose": "close",
    "aiter_bytes": "iter_bytes",
    "aiter_raw": "iter_raw",
    # a generator's "a consumer is inside it" flag
    "ag_running": "gi_running",
    # the seam for sleep / gather / locks / blocking calls
    "_async_compat": "_sync_compat",
    # Runnable-style names
    "ainvoke": "invoke",
    "abatch": "batch",
    "abatch_as_completed": "batch_as_completed",
    "astream": "stream",
    "agenerate": "generate",
    "astream_events": "stream_events",
}

# Tests use TEST_REPLACEMENTS = SRC_REPLACEMENTS | TEST_ONLY_REPLACEMENTS.
TEST_ONLY_REPLACEMENTS: dict[str, str] = {
    # the facade takes one client per twin
    "http_async_client": "http_client",
    "adispatch_custom_event": "dispatch_custom_event",
    # the twin's own modules (tests patch `sleep` in `rillet._async.http`, call stream_response)
    "_async": "_sync",
    # what a test counts to prove nothing is left running: tasks, or the sync twin's threads
    "living_tasks": "living_threads",
    # a hang fails the test: a cancel scope in async tests, SIGALRM in the sync twin
    "hard_timeout": "hard_timeout_sync",
}
