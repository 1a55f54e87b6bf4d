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
	@echo "make demo   - build the three demo environments in a local AWS emulator and print a summary"
	@echo "make test   - everything CI runs (unit, integration, molecule, lint)"

$(STAMP): requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
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
	$(BIN)/pytest -q -n 2 tests/integration

molecule: venv
	bash tools/molecule_all.sh

lint: venv
	$(BIN)/ansible-lint --profile production

test: venv
	$(BIN)/pytest -q -n 2 tests/unit tests/integration
	bash tools/molecule_all.sh
	$(BIN)/ansible-lint --profile production

demo: venv
	$(PY) tools/emulator.py run -- bash tools/demo.sh

.PHONY: help venv unit integration molecule lint test demo
