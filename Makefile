# Two commands on a fresh machine with Python 3.10+ and pip:  make bench  |  make test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= quick

# Deliberate, reproducible settings: a project-local numba cache; threads default to all cores.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: bench bench-full test test-gpu lint clean

$(VENV)/.stamp-%: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$*]"
	@touch $@

bench: $(VENV)/.stamp-bench  ## quick benchmark suite, speedup table + plots in benchmarks/results/<machine>/
	$(PY) -m benchmarks run --profile $(PROFILE)

bench-full: PROFILE = full
bench-full: bench  ## the full size sweep (much longer)

test: $(VENV)/.stamp-test  ## the test suite on every backend usable here
	$(PY) -m pytest -q

.PHONY: fuzz
fuzz: $(VENV)/.stamp-test  ## the op fuzzer, thorough: over 10,000 random op cases per backend (slow; XNN_TEST_BACKENDS narrows)
	XNN_HYPOTHESIS_PROFILE=thorough $(PY) -m pytest -q tests/test_ops_fuzz.py

test-gpu: $(VENV)/.stamp-test  ## only the GPU tests (needs cupy and a CUDA device)
	$(PY) -m pytest -q -m gpu

lint: $(VENV)/.stamp-dev
	$(PY) -m ruff check backends xnn benchmarks tests
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .numba_cache .pytest_cache .hypothesis .benchmarks *.egg-info

.PHONY: gpu-check
gpu-check: $(VENV)/.stamp-test  ## on a fresh NVIDIA GPU machine: cuda extra, pytest -m gpu, GPU benchmarks (< 8 min); DRY_RUN=1: numpy only
	$(PY) scripts/gpu_check.py $(if $(DRY_RUN),--dry-run)
