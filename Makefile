# xmix: `make demo` runs a real sweep; `make test` runs the test suite.
# Both create .venv when it is missing and install into it.
VENV ?= .venv
PY := $(VENV)/bin/python
XMIX := $(VENV)/bin/xmix
STAMP := $(VENV)/.installed
# CPU machines: torch==2.13.0 is the CPU build on local disk; any other torch
# requirement pulls a multi-GB CUDA build. On a GPU machine: make TORCH=torch install
TORCH ?= torch==2.13.0
export HF_HUB_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false

.PHONY: install demo test test-slow test-fast smoke clean browser

include cluster/mlflow.mk

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# The browser test drives Debian's Chromium (never `playwright install`: no download).
# As root, or with sudo, make installs it; otherwise it says how, before any test runs.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then APT=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then APT=sudo; \
	  else echo "make: $(CHROMIUM) is missing and this user cannot install it: run  sudo apt-get install -y chromium" >&2; exit 2; fi; \
	  echo "installing Debian's chromium for the browser test (apt-get)"; \
	  $$APT apt-get install -y -q chromium >/dev/null 2>&1 || { $$APT apt-get update -q >/dev/null && $$APT apt-get install -y -q chromium >/dev/null; }; }

demo: $(STAMP)
	$(XMIX) sweep run configs/demo.yaml

smoke: $(STAMP)
	$(XMIX) sweep run configs/smoke.yaml

test: $(STAMP) browser
	$(PY) -m pytest -q -ra -m "not slow" tests

test-slow: $(STAMP) browser
	$(PY) -m pytest -q -ra -m slow tests

test-fast: $(STAMP)
	$(PY) -m pytest -q -ra -m "not integration" tests

clean:
	rm -rf runs mlruns mlartifacts mlflow.db best.yaml best-run xmix-train test-output mlflow-server.db mlflow-artifacts
