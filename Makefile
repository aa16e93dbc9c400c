# Every target installs what it needs into .venv first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install serve test lint migrate bench fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	$(BIN)/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e sdk/python  # the SDK (#17); its deps are the app's
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/rewardkit serve

migrate: $(STAMP)
	$(BIN)/rewardkit migrate

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts bench sdk
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP)
	@bash scripts/test.sh

FUZZ_EXAMPLES ?= 500
FUZZ_DB       ?= sqlite
# schemathesis over every operation with more examples than the suite's run (docs/testing.md).
fuzz: $(STAMP)
	REWARDKIT_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider --db=$(FUZZ_DB) tests/test_schemathesis.py

bench: $(STAMP)
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev,bench]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
