# Every target sets itself up: a fresh clone needs only python3 (>= 3.10) and PyPI.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install generate check-generated lint format typecheck pytest test demo bench langchain-tests clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --group dev --all-extras --python $(PYTHON)
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	UV_PROJECT_ENVIRONMENT=$(VENV) $(UV) sync --frozen --group dev --group bench --all-extras --inexact --python $(PYTHON)
	touch $(BENCH_STAMP)

install: $(STAMP)  ## virtual environment with the package, its extras and the locked dev tools

generate: install  ## regenerate src/rillet/_sync and tests/_sync from the _async trees
	$(PY) codegen/gen_sync.py

check-generated: install  ## fail if a generated file is stale, missing or stray
	$(PY) codegen/gen_sync.py --check

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install  ## fix and format, then regenerate so _sync follows the formatted _async
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	$(PY) codegen/gen_sync.py

typecheck: install  ## mypy --strict over src, tests and codegen
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: check-generated lint typecheck pytest langchain-tests  ## every check, LangChain's standard tests included

demo: install  ## the seed's examples against an embedded fake server (or OpenAI if OPENAI_API_KEY is set)
	$(PY) -m rillet.testing.demo

BENCH_ARGS ?=
bench: $(BENCH_STAMP)  ## interleaved rounds: rillet vs its transport, the floor, LangChain, openai-python (BENCH_ARGS="--rounds 3")
	$(PY) benchmarks/run.py $(BENCH_ARGS)

LC_VENV := .venv-langchain
langchain-tests: $(UV)  ## LangChain's standard tests (langchain-tests 1.1.9) against rillet.langchain, in their own venv
	UV_PROJECT_ENVIRONMENT=$(LC_VENV) $(UV) sync --frozen --group dev --group langchain-tests --all-extras --python $(PYTHON)
	$(LC_VENV)/bin/pytest -c langchain_standard/pytest.ini langchain_standard -p no:cacheprovider

clean:
	rm -rf $(VENV) $(LC_VENV) $(TOOLS) .mypy_cache .ruff_cache .pytest_cache
