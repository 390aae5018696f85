VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Exact versions, every file checked against its hash: requirements-dev.lock for .venv
# (the app, its tests and tools), requirements.lock for the image (deploy/Dockerfile).
LOCK := requirements-dev.lock
PIP_TOOLS := pip-tools==7.6.2
COMPILE := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	--no-emit-find-links

.PHONY: run test lint fmt bench clean lock

# One step installs everything, from a fresh clone, exactly as locked; it reruns when the lock
# or pyproject.toml changes. The project itself goes in without its dependencies (they are
# all in the lock) and without build isolation (setuptools is in the lock too).
$(STAMP): pyproject.toml $(LOCK)
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh both locks to the newest versions pyproject.toml allows; commit the result.
lock:
	python3 -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND="make lock" .venv-lock/bin/pip-compile $(COMPILE) --upgrade --build-deps-for=wheel \
		-o requirements.lock pyproject.toml
	CUSTOM_COMPILE_COMMAND="make lock" .venv-lock/bin/pip-compile $(COMPILE) --upgrade --extra=dev --build-deps-for=editable \
		-o requirements-dev.lock pyproject.toml

run: $(STAMP)
	$(VENV)/bin/sts run

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) bench/cold_ask.py
	$(PY) bench/km.py

clean:
	rm -rf $(VENV) .venv-lock out .pytest_cache .ruff_cache
