# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_ARTICLE ?= evals/attacks/articles/004_9ea864399c76523a.txt

.PHONY: demo test lint pytest record bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# llama-cpp-python builds from source the first time (several minutes on 2 cores); pip caches the wheel.
	$(BIN)/python -m pip install --quiet -e '.[local,dev]'
	touch $(STAMP)

## Set up, then extract events from a seed article with the embedded Qwen model (pulled on first use).
demo: $(STAMP)
	$(BIN)/extractor extract $(DEMO_ARTICLE) --out runs/demo.jsonl

## Set up, then lint, type-check and run every test (offline: cassettes replay; the smoke test runs SmolLM2 for real).
test: $(STAMP)
	$(BIN)/extractor models pull smollm2-135m-instruct
	$(MAKE) lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

## Record missing cassettes for every prompt version on the corpus with the embedded model.
record: $(STAMP)
	for v in $$($(BIN)/python -c "from extractor.prompts import list_versions; from extractor.tasks import ATTACKS; print(' '.join(list_versions(ATTACKS.prompts_dir)))"); do \
	  $(BIN)/extractor eval --prompt $$v --record || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
