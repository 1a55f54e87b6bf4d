# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LINK := .collections/ansible_collections/refarch/network
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(BIN):$(PATH)

help:
	@echo "make demo   - build the three demo environments in a local AWS emulator; ends with build/report.html"
	@echo "make test   - everything CI runs (unit, integration, molecule, lint, sanity, docs, EE)"
	@echo "make bench  - speed against one amazon.aws task per resource (build/bench/results.json)"
	@echo "make reliability - faults, interruptions, foreign resources, bad input, security baseline"
	@echo "make test-oldest - unit tests + one molecule scenario on the oldest ansible-core meta/runtime.yml declares"

# ansible-core 2.21 (requirements.txt) needs Python 3.12+: the first such interpreter found
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3 \
	$$HOME/.pyenv/versions/3.13*/bin/python3 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "$(VENV) is $$($(PY) -V 2>&1); ansible-core 2.21 needs 3.12+: rm -rf $(VENV) && make venv" >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn ../../.. $(LINK)

venv: $(STAMP) $(LINK)

unit: venv
	$(BIN)/pytest -q tests/unit

integration: venv
	$(BIN)/pytest -q -n 2 --dist loadgroup tests/integration

molecule: venv
	bash tools/molecule_all.sh

lint: venv
	$(BIN)/ansible-lint --profile production

sanity: venv
	bash tools/sanity.sh

build-test: venv
	$(BIN)/pytest -q tests/integration/packaging

ee: venv
	bash tools/ee_create.sh

docs: venv
	bash tools/docs.sh

changelog: venv
	bash tools/changelog.sh

# shellcheck lets ansible-test sanity run its shell test; without it that one test is skipped.
# chromium (headless) opens the run report in the report's browser test (tests/browser.py).
tools-apt:
	command -v shellcheck >/dev/null || { apt-get update -qq && apt-get install -y -qq shellcheck; } || true
	command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; } || true

# etcd and kube-apiserver for tests/integration/eks/test_apply_cluster.py: Debian packages and a build
# from Debian's kubernetes sources, cached in ~/.cache/refarch-network (about 3 min once, then 0 s)
tools-kube:
	bash tools/kube_tools.sh

# the apply path against a real API server alone
test-apply: venv tools-kube
	$(BIN)/pytest -q tests/integration/eks/test_apply_cluster.py

test: venv tools-apt tools-kube
	@echo "[$$(date +%T)] pytest"
	$(BIN)/pytest -q -n 2 --dist loadgroup tests/unit tests/integration
	@echo "[$$(date +%T)] molecule beside the static checks (each about one core; output per stage when it ends)"
	$(MAKE) --no-print-directory -j2 --output-sync=target test-molecule test-static
	@echo "[$$(date +%T)] reliability.py --quick"
	$(PY) tools/reliability.py --quick
	@echo "[$$(date +%T)] make test done"

test-molecule:
	bash tools/molecule_all.sh
	@echo "[$$(date +%T)] molecule done"

test-static:
	$(BIN)/ansible-lint --profile production
	bash tools/sanity.sh
	bash tools/docs.sh --check
	bash tools/changelog.sh
	bash tools/ee_create.sh
	@echo "[$$(date +%T)] static checks done"

# the oldest ansible-core meta/runtime.yml declares, in its own venv (.venv-oldest/)
test-oldest:
	bash tools/test_oldest.sh

reliability: venv
	$(PY) tools/reliability.py

bench: venv
	$(PY) benchmarks/bench.py

bench-quick: venv
	$(PY) benchmarks/bench.py --quick

demo: venv
	$(PY) tools/emulator.py run -- bash tools/demo.sh

.PHONY: help venv unit integration molecule lint sanity build-test ee docs changelog tools-apt tools-kube test test-molecule test-static test-oldest test-apply demo bench bench-quick reliability
