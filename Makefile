# Two commands a new user needs: `make replicate-2005` and `make test`.
# Each creates .venv and installs the package on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUNS_DIR ?= runs
RUNS   ?= 50
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# Numba's on-disk cache lives next to the sources (replication/__pycache__), so a
# command pays the compile time once, not on every start.

.PHONY: install test replicate-2005 replicate-2005-logic replicate-2005-retina bench

install: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

replicate-2005-logic: $(STAMP)
	$(PY) -m replication replicate original_protocol/ka2005_logic.toml \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_logic --jobs $(JOBS)
	$(PY) -m replication motif-profile $(RUNS_DIR)/ka2005_logic --size 3 --size 4
	$(PY) -m replication summary $(RUNS_DIR)/ka2005_logic --csv $(RUNS_DIR)/ka2005_logic/table.csv

replicate-2005-retina: $(STAMP)
	$(PY) -m replication replicate original_protocol/ka2005_retina.toml \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_retina --jobs $(JOBS)
	$(PY) -m replication motif-profile $(RUNS_DIR)/ka2005_retina --size 4
	$(PY) -m replication summary $(RUNS_DIR)/ka2005_retina --csv $(RUNS_DIR)/ka2005_retina/table.csv

replicate-2005: replicate-2005-logic replicate-2005-retina

bench: $(STAMP)
	$(PY) -m replication bench circuits
