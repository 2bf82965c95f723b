"""Run in a subprocess by tests/test_hostile_memory.py: one warm-up stream, then one call against
an attack, and print how much the process's peak memory grew (``ru_maxrss``) during the attack.

    python -m tests._helpers.memory_probe <sync|asyncio> <provider> <base_url> <stream|invoke>

Prints one JSON line: {"baseline_kib" (resident memory before the attack), "peak_kib" (the
peak resident memory after it: ``VmHWM``, else ``ru_maxrss``), "error"}. The server runs in the parent
(the test), so only the client's memory is measured.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys

from rillet import Anthropic, BaseLLM, Ollama, OpenAI, OpenAIChat, RilletError


def model(provider: str, url: str) -> BaseLLM:
    if provider == "completions":
        return OpenAI(base_url=url, api_key="sk-probe", max_retries=0, timeout=20)
    if provider == "chat":
        return OpenAIChat(base_url=url, api_key="sk-probe", max_retries=0, timeout=20)
    if provider == "anthropic":
        return Anthropic(
            model="claude-test", base_url=url, api_key="sk-probe", max_retries=0, timeout=20
        )
    return Ollama(model="llama-test", base_url=url, max_retries=0, timeout=20)


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def peak_kib() -> int:
    """This process's peak resident memory so far (KiB).

    Linux's ``VmHWM`` (the high-water mark of this process's own memory map) when there is one:
    ``getrusage``'s ``ru_maxrss`` keeps, across ``exec``, the peak of the process that spawned it
    (``subprocess`` forks the pytest process, which may be far larger than this one).
    """
    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def resident_kib() -> int:
    """This process's resident memory now (KiB): the baseline the attack's peak is compared to
    (not the peak so far, which start-up may have set higher than the attack reaches)."""
    resident = _status_kib("VmRSS")
    return resident if resident is not None else peak_kib()


def run_sync(llm: BaseLLM, how: str) -> str:
    "".join(llm.stream("warm up"))
    baseline = resident_kib()
    try:
        if how == "stream":
            for _ in llm.stream("attack"):
                pass
        else:
            llm.invoke("attack")
        error = ""
    except RilletError as exc:
        error = type(exc).__name__
    llm.close()
    return json.dumps({"baseline_kib": baseline, "peak_kib": peak_kib(), "error": error})


async def run_async(llm: BaseLLM, how: str) -> str:
    async for _ in llm.astream("warm up"):
        pass
    baseline = resident_kib()
    try:
        if how == "stream":
            async for _ in llm.astream("attack"):
                pass
        else:
            await llm.ainvoke("attack")
        error = ""
    except RilletError as exc:
        error = type(exc).__name__
    await llm.aclose()
    return json.dumps({"baseline_kib": baseline, "peak_kib": peak_kib(), "error": error})


def main() -> None:
    mode, provider, url, how = sys.argv[1:5]
    llm = model(provider, url)
    if mode == "sync":
        print(run_sync(llm, how))
    else:
        print(asyncio.run(run_async(llm, how)))


if __name__ == "__main__":
    main()
