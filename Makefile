# Every target creates the virtualenv on first use, so a fresh clone needs nothing else.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: venv crawl test lint demo import-corpus serve bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

venv: $(BIN)/.installed

## The main job: an incremental, polite crawl into ./data/ (SQLite archive + embedded search).
crawl: venv
	$(BIN)/thaigov crawl

## The whole test suite (services it finds through THAIGOV_TEST_* variables; see .ci/run).
test: venv
	$(BIN)/python -m pytest

## The whole static gate: ruff, mypy (strict for the pure core layers) and the layer contract.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Offline tour: serve the local replica of the site, crawl it with the real spider, show the archive.
demo: venv
	$(BIN)/python -m tests.replica.demo

## Backfill history from the public-domain corpus (CORPUS=path to dir or .tar.gz).
CORPUS ?= ../shared/corpus/thaigov-v2-corpus-2020-2023.tar.gz
import-corpus: venv
	$(BIN)/thaigov import-corpus $(CORPUS)

serve: venv
	$(BIN)/thaigov serve

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
