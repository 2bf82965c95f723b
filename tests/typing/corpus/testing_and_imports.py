"""Imports and the test helpers users reach for."""

from __future__ import annotations

import rillet
from rillet import OpenAl  # wrong: misspelled (no module __getattr__ hides it)
from rillet import Anthropic, FakeListLLM, FakeStreamingListLLM, Ollama  # ok: lazy ones too
from rillet.testing import FakeServer, Reply


def helpers() -> None:
    FakeListLLM(responses=["a", "b"])  # ok
    FakeListLLM(responses=("a",))  # ok
    FakeListLLM(responses="abc")  # wrong: three answers "a", "b", "c"
    FakeStreamingListLLM(responses="abc", sleep=0.1)  # wrong
    Reply(tokens=["Hel", "lo"])  # ok
    Reply(tokens="abc")  # wrong: three tokens
    Reply(tokens=("a",), finish_reason="length", delay=0.01)  # ok
    with FakeServer() as server:  # ok
        server.queue(Reply(tokens=["hi"]))  # ok
        Anthropic(model="m", base_url=server.root_url).invoke("x")  # ok
        Ollama(model="m", base_url=server.root_url).invoke("x")  # ok
    rillet.OpenAl  # wrong: misspelled
    rillet.Ollama  # ok
