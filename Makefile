# One-command set-up: every target installs what it needs itself.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
HOST    ?= 127.0.0.1
PORT    ?= 8080
WEB_SRC := $(wildcard web/src/*.js)

.PHONY: install run test lint typecheck bench system-deps web clean dist

install: $(VENV)/.installed web

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web: web/static/build/.built

web/static/build/.built: web/node_modules/.installed $(WEB_SRC) web/build.mjs
	cd web && node build.mjs
	touch $@

# Debian's chromium (browser tests), espeak-ng (interviewer voice) and sox (test audio).
system-deps:
	bash scripts/system-deps.sh

run: install
	@if ! command -v espeak-ng >/dev/null; then bash scripts/system-deps.sh espeak-ng || true; fi
	$(BIN)/mockroom serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check server tests bench
	$(BIN)/ruff format --check server tests bench
	$(BIN)/mypy
	cd web && npx tsc -p tsconfig.json

test: install system-deps lint
	$(BIN)/pytest

bench: install system-deps
	$(BIN)/python bench/run_all.py

# Every bench with small settings (a few minutes): checks they run and write their figures.
.PHONY: bench-quick
bench-quick: install system-deps
	$(BIN)/python bench/run_all.py --quick

# A wheel and an sdist in dist/ that carry the templates, the built bundle and the shipped banks
# (setup.py copies them in), so `pip install dist/mockroom-*.whl` needs neither Node nor the checkout.
dist: install
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	@ls dist

clean:
	rm -rf $(VENV) web/node_modules web/static/build dist
