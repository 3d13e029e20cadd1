# Two entry points (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast setup setup-test browser nginx ocr postgres lint clean

$(BIN)/kb: pyproject.toml setup.py kb/engine/native.c kb/analysis/native_text.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/kb

setup: $(BIN)/kb

browser:
	bash scripts/setup-browser.sh

## Debian's nginx, for the production test (tests/test_deploy_nginx.py).
nginx:
	sh scripts/setup-nginx.sh

## Debian's tesseract with Swedish: the opt-in OCR of scanned PDFs (KB_OCR=1) and its test.
ocr:
	bash scripts/setup-ocr.sh

## Set up, build the shipped knowledge base (index + site) and run a first search.
run: setup
	$(BIN)/kb build
	$(BIN)/kb search "återbruk möbler" --limit 5

## Debian's PostgreSQL on 127.0.0.1:54329 and a streaming replica of it on :54330, for the PostgreSQL
## engine's tests (tests/test_engine_postgres*.py).
postgres:
	sh scripts/setup-postgres.sh
	sh scripts/setup-postgres-replica.sh

## Set up (venv, test tools, Chromium, nginx, tesseract and PostgreSQL for their tests) and run lint + all tests.
test: setup browser nginx ocr postgres
	$(BIN)/ruff check kb tests benchmarks scripts
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

## The quick loop while coding: everything but the browser, server and slow (marked) tests.
test-fast: setup
	$(BIN)/python -m pytest -q -n 2 -m "not browser and not server and not slow"

lint: setup
	$(BIN)/ruff check kb tests benchmarks scripts

clean:
	rm -rf build site .pytest_cache
