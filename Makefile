# Baton developer entry points. `make run` and `make test` work on a fresh Debian machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
VENDOR := web/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: help install install-system vendor run test clean distclean

help:
	@echo "make run             install what is missing, then start Baton on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test            install what is missing, then run the test suite (PYTEST_ARGS=... passes options)"
	@echo "make install         virtualenv in $(VENV) + editable install + system packages + $(VENDOR)"
	@echo "make install-system  apt-get install redis-server / postgresql / nodejs npm / chromium if they are missing"
	@echo "make vendor          npm ci, then copy bpmn-js and form-js into $(VENDOR)"
	@echo "make clean           remove caches and build artefacts (distclean: also $(VENV) and var/)"

install: install-system $(STAMP) $(VENDOR_STAMP)

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

# Re-install only when pyproject.toml changed since the last successful install.
$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --disable-pip-version-check -q -e '.[test]'
	@touch $@

vendor: $(VENDOR_STAMP)

# The pages use the prebuilt browser bundles that bpmn-js and form-js publish on npm, so copying
# them is the whole build. --ignore-scripts: nothing from npm runs here (one dependency phones home).
$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bpmn-js $(VENDOR)/form-js
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js node_modules/bpmn-js/LICENSE \
	   node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets/bpmn-font $(VENDOR)/bpmn-js/
	cp node_modules/@bpmn-io/form-js/dist/form-viewer.umd.js node_modules/@bpmn-io/form-js/LICENSE \
	   node_modules/@bpmn-io/form-js/dist/assets/form-js.css $(VENDOR)/form-js/
	@touch $@

# Idempotent: installs Debian packages only when they are missing.
install-system:
	@set -e; \
	missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	{ command -v node && command -v npm; } >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "install-system: need root or sudo to install:$$missing" >&2; exit 1; fi; \
	echo "install-system: installing$$missing"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

run: install
	scripts/run.sh

test: install
	$(VENV_PY) -m pytest -q $(PYTEST_ARGS)

clean:
	rm -rf build dist *.egg-info .pytest_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var node_modules $(VENDOR)
