# The two commands of the README: `make run` and `make test`. Set-up is idempotent: the venv and
# the editable install are redone only when pyproject.toml changes (stamp file).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.xxgk-installed
SHARED_CORPUS := $(wildcard ../shared/corpus)

.PHONY: setup deps run test eval bench bench-scale clean

setup: $(STAMP)

# System packages (LibreOffice, Chromium, CJK fonts): installed when missing and possible.
deps:
	@bash scripts/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dask]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/xxgk run data/samples --out data/out

test: $(STAMP) deps
	$(BIN)/pytest -q

eval: $(STAMP)
	$(BIN)/python -m pipeline.evaluate $(SHARED_CORPUS) data/samples

# Figures of issue 5 (speed, re-run, memory, Prefect overhead); BENCH_N=3000 scales the corpus.
bench: $(STAMP)
	$(BIN)/python -m pipeline.bench --json tmp/bench/bench.json

# Memory and speed at 10^4 reports (first run + unchanged re-run); BENCH_N changes the size.
bench-scale: $(STAMP)
	$(BIN)/python -m pipeline.bench --scale --json tmp/bench/scale.json

clean:
	rm -rf data/out .pytest_cache
