"""Constructor arguments that are also call options are type-checked at construction, by the
call options' own spec (``ChatOpenAI(temperature="hot")`` fails before any request)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from rillet import (
    Anthropic,
    ChatAnthropic,
    ChatOllama,
    ChatOpenAI,
    ConfigError,
    InvalidOptionError,
    Ollama,
    OpenAI,
    OpenAIChat,
)

Make = Callable[..., object]

MODELS: dict[str, Make] = {
    "ChatOpenAI": lambda **kw: ChatOpenAI(model="m", api_key="sk-test", **kw),
    "OpenAI": lambda **kw: OpenAI(api_key="sk-test", **kw),
    "OpenAIChat": lambda **kw: OpenAIChat(api_key="sk-test", **kw),
    "ChatAnthropic": lambda **kw: ChatAnthropic(model="m", api_key="sk-test", **kw),
    "Anthropic": lambda **kw: Anthropic(model="m", api_key="sk-test", **kw),
    "ChatOllama": lambda **kw: ChatOllama(model="m", **kw),
    "Ollama": lambda **kw: Ollama(model="m", **kw),
}
WITH_SEED = {"ChatOpenAI", "OpenAI", "OpenAIChat", "ChatOllama", "Ollama"}

WRONG: list[tuple[str, object, str]] = [
    ("temperature", "hot", "Expected `float`, got `str` - at `$.temperature`"),
    ("top_p", [1], "Expected `float`, got `array` - at `$.top_p`"),
    ("seed", "x", "Expected `int`, got `str` - at `$.seed`"),
    ("temperature", True, "Expected `float`, got `bool` - at `$.temperature`"),
]


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize(("name", "value", "message"), WRONG)
def test_an_ill_typed_option_fails_at_construction(
    model: str, name: str, value: object, message: str
) -> None:
    if name == "seed" and model not in WITH_SEED:
        pytest.skip(f"{model} takes no seed")
    with pytest.raises(InvalidOptionError) as caught:
        MODELS[model](**{name: value})
    assert isinstance(caught.value, ConfigError)
    assert message in str(caught.value)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_well_typed_options_are_taken(model: str) -> None:
    kw: dict[str, object] = {"temperature": 0, "top_p": 0.5}  # an int is a float
    if model in WITH_SEED:
        kw["seed"] = 7
    MODELS[model](**kw)


@pytest.mark.parametrize(
    ("make", "name", "value"),
    [
        (MODELS["ChatOpenAI"], "frequency_penalty", "0"),
        (MODELS["ChatOpenAI"], "logit_bias", {"50256": "x"}),
        (MODELS["OpenAI"], "logprobs", 1.5),
        (MODELS["OpenAI"], "best_of", "2"),
        (MODELS["ChatAnthropic"], "top_k", 2.5),
        (MODELS["ChatOllama"], "repeat_penalty", "1"),
        (MODELS["Ollama"], "keep_alive", [5]),
    ],
)
def test_every_request_option_is_typed(make: Make, name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=name):
        make(**{name: value})
