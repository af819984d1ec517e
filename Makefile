# The README's two commands are `make demo` and `make test`; .ci/run calls `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_ARTICLE ?= evals/attacks/articles/004_9ea864399c76523a.txt

.PHONY: demo test lint pytest record bench clean amx-check

# llama.cpp is compiled for the CPU it is built on (-march=native), but never with AMX:
# some VMs advertise amx_tile/amx_int8 without enabling the tile state, and an AMX
# build then dies at the first completion (ldtilecfg, general protection fault).
# GCC honours an explicit -mno-* over -march=native; AVX-512 stays.
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CFLAGS      := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
# The wheel is cached under a key of version, flags and CPU, never in pip's own cache,
# so a wheel built with other flags (or on another CPU) is never reused silently.
LLAMA_KEY   := $(shell printf '%s|%s|%s|%s' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CFLAGS)' '$(CMAKE_ARGS)' "$$(grep -m1 '^flags' /proc/cpuinfo)" | sha256sum | cut -c1-16)
WHEEL_DIR   := $(or $(EXTRACTOR_CACHE_DIR),$(HOME)/.cache/extractor)/wheels/llama-cpp-python-$(LLAMA_KEY)
LLAMA_WHEEL := $(WHEEL_DIR)/.built

$(LLAMA_WHEEL):
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	@echo "building llama-cpp-python $(LLAMA_CPP_VERSION) without AMX (5-12 minutes on 2 cores, once per machine)"
	$(PYTHON) -m venv $(WHEEL_DIR)/.venv
	CFLAGS='$(LLAMA_CFLAGS)' CXXFLAGS='$(LLAMA_CFLAGS)' $(WHEEL_DIR)/.venv/bin/python -m pip wheel --quiet \
	  --no-cache-dir --no-deps --no-binary llama-cpp-python -w $(WHEEL_DIR) 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	rm -rf $(WHEEL_DIR)/.venv
	touch $(LLAMA_WHEEL)

$(STAMP): pyproject.toml $(LLAMA_WHEEL)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The AMX-free wheel first, by file, so pip never builds or picks another one.
	$(BIN)/python -m pip install --quiet --force-reinstall --no-deps $(WHEEL_DIR)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(BIN)/python -m pip install --quiet -e '.[local,dev,ray]'
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
	for v in $$($(BIN)/python -c "from extractor.extraction.prompts import list_versions; from extractor.tasks import ATTACKS; print(' '.join(list_versions(ATTACKS.prompts_dir)))"); do \
	  $(BIN)/extractor eval --prompt $$v --record || exit 1; \
	done

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
