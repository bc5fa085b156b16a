# Two commands a new user needs: `make replicate-2005` and `make test`.
# Each creates .venv and installs the package on first use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
RUNS_DIR ?= runs
RUNS   ?= 50
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# A reduced RUNS= (anything but the papers' 50) also reduces what else runs many times: the
# treatments with their own run count (decay-g2, mvg-sustained) run RUNS runs, and the Qmax
# calibration runs QMAX_RUNS evolutions instead of the protocol's modularity.qmax_runs (100);
# qmax.json then records "reduced": true and says from how many.  QMAX_RUNS= sets it directly.
REDUCED   := $(filter-out 50,$(RUNS))
QMAX_RUNS ?= $(if $(REDUCED),10,)
RUNS_SET  := $(if $(REDUCED),--runs $(RUNS),)
# ka2005_logic6 runs 20 (its own run.runs) unless RUNS= is reduced below that
RUNS6_SET := $(if $(REDUCED),--runs $(shell [ $(RUNS) -lt 20 ] && echo $(RUNS) || echo 20),)
LOGIC_CONTROLS ?= rvg-g1-random rvg-random rvg-random-redraw q-only
QMAX_SET  := $(if $(QMAX_RUNS),--runs $(QMAX_RUNS),)
# Numba's on-disk cache lives next to the sources (replication/__pycache__), so a
# command pays the compile time once, not on every start.

.PHONY: install test multiverse replicate-2005 replicate-2005-logic replicate-2005-logic6 replicate-2005-retina replicate-2013 bench figures

install: $(STAMP)

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

replicate-2005-logic: $(STAMP)
	$(PY) -m replication replicate original_protocol/ka2005_logic.toml \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication replicate original_protocol/ka2005_logic.toml -t decay-g2 -t mvg-sustained \
	    $(RUNS_SET) --jobs $(JOBS) --out $(RUNS_DIR)
	# the controls of the 2005 paper: random goals (three readings) and Q-only fitness
	$(PY) -m replication replicate original_protocol/ka2005_logic.toml $(foreach t,$(LOGIC_CONTROLS),-t $(t)) \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication calibrate original_protocol/ka2005_logic.toml -t fixed-g1 -t decay-g2 --out $(RUNS_DIR) $(QMAX_SET) --jobs $(JOBS)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_logic
	$(PY) -m replication motif-profile $(RUNS_DIR)/ka2005_logic --size 3 --size 4
	$(PY) -m replication summary $(RUNS_DIR)/ka2005_logic --csv $(RUNS_DIR)/ka2005_logic/table.csv

# Fig. 4: 6-input, 3-output circuits under MVG (20 runs: the legend gives no number)
replicate-2005-logic6: $(STAMP)
	$(PY) -m replication replicate original_protocol/ka2005_logic6.toml -t mvg \
	    $(RUNS6_SET) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication calibrate original_protocol/ka2005_logic6.toml -t mvg --out $(RUNS_DIR) $(QMAX_SET) --jobs $(JOBS)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_logic6

replicate-2005-retina: $(STAMP)
	$(PY) -m replication replicate original_protocol/ka2005_retina.toml \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	# the switching regime after both goals are solved (re-adaptation after a switch)
	$(PY) -m replication replicate original_protocol/ka2005_retina.toml -t mvg-sustained \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication calibrate original_protocol/ka2005_retina.toml --out $(RUNS_DIR) $(QMAX_SET) --jobs $(JOBS)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_retina
	$(PY) -m replication motif-profile $(RUNS_DIR)/ka2005_retina --size 4
	$(PY) -m replication summary $(RUNS_DIR)/ka2005_retina --csv $(RUNS_DIR)/ka2005_retina/table.csv

replicate-2005: replicate-2005-logic replicate-2005-logic6 replicate-2005-retina
	$(MAKE) figures

# ---- Clune, Mouret & Lipson 2013 -----------------------------------------------------
C13        := original_protocol/clune2013_retina.toml
C13_MAIN   ?= pa pcc pcc-nc pro pro-fresh mvg-pa mvg-pcc pcc-randcoords pa-or pcc-or
C13_SWEEP  ?= mvg-pa-e10 mvg-pa-e100 mvg-pa-e1000 mvg-pa-e10000 mvg-pcc-e10 mvg-pcc-e100 mvg-pcc-e1000 mvg-pcc-e10000
GENERATIONS ?=
GEN_SET    := $(if $(GENERATIONS),--set run.max_generations=$(GENERATIONS),)
REPLICATES ?= 50
ADAPT_GENERATIONS ?= 5000
ADAPT_NETWORKS ?= 50
ADAPT_OPTS  = --replicates $(REPLICATES) --networks $(ADAPT_NETWORKS) --fill \
              --max-generations $(ADAPT_GENERATIONS) --jobs $(JOBS)
# Fig. 5: the non-modular retina, five XORs (code's 10 hidden nodes and the paper's 8), nested XOR
C13_OTHER  ?= clune2013_nonmodular:pa,pcc clune2013_xor5:pa,pcc,pcc-nc,pa-h8,pcc-h8 clune2013_hxor:pa,pcc,pcc-nc
# Fig. 3: the MOLE map at the size of the authors' code (30 runs, 10,000 generations, 1000, 200 x 200)
MOLE_RUNS ?= 30
MOLE_GENERATIONS ?= 10000
MOLE_POPULATION ?= 1000
MOLE_BINS ?= 200
# readings the 2013 multiverse runs for PA and P&CC (and their L-OR-R twins, the sources of the
# OR -> AND adaptations): the paper's weight list {-2, -1, 1, 2} (the default is the code's
# {2, -1, 1, 2}), the crowding sorts' order among equals, the paper's +-1 bias steps and its
# >= 0 output rule; MULTIVERSE_ADAPT adaptation runs from each perfect network of a reading
C13_MULTIVERSE_KEYS ?= network.weights selection.crowding_ties mutation.bias_mutation network.output_rule
MULTIVERSE_ADAPT ?= 5
# executor options for replicate, multiverse, mole and adapt (with JOBS=1), e.g. EXECUTOR='--cluster-config cluster.toml' JOBS=1
EXECUTOR ?=

replicate-2013: $(STAMP)
	$(PY) -m replication replicate $(C13) $(foreach t,$(C13_MAIN) $(C13_SWEEP),-t $(t)) \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR) $(GEN_SET) $(EXECUTOR)
	$(foreach e,$(C13_OTHER),$(PY) -m replication replicate original_protocol/$(firstword $(subst :, ,$(e))).toml \
	    $(foreach t,$(subst $(comma), ,$(lastword $(subst :, ,$(e)))),-t $(t)) \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR) $(GEN_SET) $(EXECUTOR) &&) true
	$(PY) -m replication mole $(C13) -t pcc --runs $(MOLE_RUNS) --generations $(MOLE_GENERATIONS) \
	    --population $(MOLE_POPULATION) --bins $(MOLE_BINS) --jobs $(JOBS) --out $(RUNS_DIR) $(EXECUTOR)
	# adaptation: additional trials until ADAPT_NETWORKS runs have a perfect network, then
	# REPLICATES adaptation runs from each (the paper: 50 x 50)
	$(PY) -m replication adapt $(C13) -t pa  --from AND --to OR $(ADAPT_OPTS) --out $(RUNS_DIR) $(EXECUTOR)
	$(PY) -m replication adapt $(C13) -t pcc --from AND --to OR $(ADAPT_OPTS) --out $(RUNS_DIR) $(EXECUTOR)
	$(PY) -m replication adapt $(C13) -t pa  --source-treatment pa-or  --from OR --to AND $(ADAPT_OPTS) \
	    --out $(RUNS_DIR) $(EXECUTOR)
	$(PY) -m replication adapt $(C13) -t pcc --source-treatment pcc-or --from OR --to AND $(ADAPT_OPTS) \
	    --out $(RUNS_DIR) $(EXECUTOR)
	# the multiverse after the adaptations: its default reading reuses their runs
	$(PY) -m replication multiverse $(C13) $(foreach k,$(C13_MULTIVERSE_KEYS),--key $(k)) \
	    -t pa -t pcc -t pa-or -t pcc-or --adapt-replicates $(MULTIVERSE_ADAPT) \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR) $(if $(GENERATIONS),--set run.max_generations=$(GENERATIONS),) \
	    $(EXECUTOR)
	# connection cost under the 2005 selection scheme
	$(PY) -m replication replicate original_protocol/ka2005_logic.toml -t fixed-g1-cost -t mvg-cost \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication replicate original_protocol/ka2005_retina.toml -t fixed-and-cost \
	    --runs $(RUNS) --jobs $(JOBS) --out $(RUNS_DIR)
	$(PY) -m replication calibrate original_protocol/ka2005_logic.toml -t fixed-g1 -t decay-g2 --out $(RUNS_DIR) $(QMAX_SET) --jobs $(JOBS)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_logic
	$(PY) -m replication calibrate original_protocol/ka2005_retina.toml --out $(RUNS_DIR) $(QMAX_SET) --jobs $(JOBS)
	$(PY) -m replication analyse $(RUNS_DIR)/ka2005_retina
	$(PY) -m replication summary $(RUNS_DIR)/clune2013_retina --csv $(RUNS_DIR)/clune2013_retina/table.csv
	$(foreach e,clune2013_nonmodular clune2013_xor5 clune2013_hxor,$(PY) -m replication summary $(RUNS_DIR)/$(e) \
	    --csv $(RUNS_DIR)/$(e)/table.csv &&) true
	$(MAKE) figures

# ---- figures and report ---------------------------------------------------------------
# One stamp per experiment: its figures are rebuilt only when its run results (or motif
# profiles) changed; the report is rebuilt when any stamp changed.
comma := ,
EXPERIMENTS := ka2005_logic ka2005_logic6 ka2005_retina clune2013_retina clune2013_nonmodular clune2013_xor5 clune2013_hxor
FIG_ONLY_ka2005_logic    := ka2005_fig1ab ka2005_fig1cd ka2005_fig2 ka2005_fig3 ka2005_logic_qm
FIG_ONLY_ka2005_logic6   := ka2005_fig4
FIG_ONLY_ka2005_retina   := ka2005_retina_fitness ka2005_fig5d ka2005_fig5bc ka2005_retina_qm
FIG_ONLY_clune2013_retina := clune2013_fig2cd clune2013_fig2ef clune2013_fig2gh clune2013_fig4a \
                             clune2013_fig3 clune2013_fig6
FIG_ONLY_clune2013_nonmodular := clune2013_fig5
FIG_ONLY_clune2013_xor5   := clune2013_fig5
FIG_ONLY_clune2013_hxor   := clune2013_fig5

.SECONDEXPANSION:
figures/.%.stamp: $$(wildcard $(RUNS_DIR)/$$*/*/seed-*/result.json $(RUNS_DIR)/$$*/motifs.json $(RUNS_DIR)/$$*/tables/*.csv) | $(STAMP)
	@mkdir -p figures
	$(PY) -m replication figures --runs $(RUNS_DIR) --out figures $(foreach f,$(FIG_ONLY_$*),--only $(f))
	@touch $@

figures/REPORT.md: $(foreach e,$(EXPERIMENTS),figures/.$(e).stamp)
	$(PY) -m replication report --runs $(RUNS_DIR) --out figures

figures: figures/REPORT.md

# ---- the multiverse: every published claim under every reading (`[alternatives]`) ---------
# What the committed report's "Does the conclusion depend on our choices?" sections ran (the 2013
# retina's is part of replicate-2013); run after the replicate targets, whose runs are each
# experiment's default reading.  MULTIVERSE_RUNS runs per reading and treatment.
MULTIVERSE_RUNS ?= 20
MULTIVERSE_FEW  ?= 10
L05 := original_protocol/ka2005_logic.toml
R05 := original_protocol/ka2005_retina.toml
MV  = $(PY) -m replication multiverse
MV_OPTS = --jobs $(JOBS) --out $(RUNS_DIR) $(EXECUTOR)
L05_TREATMENTS := fixed-g1 mvg mvg-sustained $(LOGIC_CONTROLS)
C13_OTHER_KEYS := mutation.bias_mutation selection.crowding_ties network.output_rule

multiverse: $(STAMP)
	$(MV) $(L05) --key selection.tie_break --key variation.mutation_operator --key circuit.initial_state \
	    --key circuit.feedback_rule --key circuit.output_source --key run.stop $(foreach t,$(L05_TREATMENTS),-t $(t)) -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	$(MV) $(L05) --key modularity.include_inputs --key modularity.qrand_method \
	    $(foreach t,$(L05_TREATMENTS),-t $(t)) -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	# the exact (integer-program) Q for the contrast's circuits only: Qrand takes 1,000 exact solves
	# per circuit, hours more for the controls
	$(MV) $(L05) --key modularity.method -t fixed-g1 -t mvg -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	# "perfect" read as all rows right whatever the size: the controls neither stop on it nor
	# are solved by it, so only the contrast's treatments
	$(MV) $(L05) --key run.solved_when -t fixed-g1 -t mvg -t mvg-sustained -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	$(MV) original_protocol/ka2005_logic6.toml --key selection.tie_break --key circuit.initial_state \
	    --key circuit.feedback_rule --key circuit.output_source --key run.stop --key modularity.include_inputs \
	    -n $(MULTIVERSE_FEW) $(MV_OPTS)
	$(MV) original_protocol/ka2005_logic6.toml --key variation.mutation_operator --key fitness.free_gates \
	    -n $(MULTIVERSE_FEW) $(MV_OPTS)
	$(MV) $(R05) --key retina.patterns --key retina.solved_on --key variation.crossover_mode \
	    --key network.activation --key network.threshold_min --key network.threshold_max \
	    --key variation.crossover_operator --key selection.tie_break --key run.stop --key modularity.qrand_null \
	    -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	$(MV) $(R05) --key retina.solved_on --key retina.patterns --pairs retina.solved_on --pairs retina.patterns \
	    -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	$(MV) $(R05) --key selection.scheme --key network.encoding -n 6 --set run.max_generations=20000 $(MV_OPTS)
	$(MV) original_protocol/clune2013_nonmodular.toml --key network.weights $(foreach k,$(C13_OTHER_KEYS),--key $(k)) \
	    -t pa -t pcc -n $(MULTIVERSE_RUNS) $(MV_OPTS)
	$(foreach e,clune2013_xor5 clune2013_hxor,$(MV) original_protocol/$(e).toml $(foreach k,$(C13_OTHER_KEYS),--key $(k)) \
	    -t pa -t pcc -n $(MULTIVERSE_RUNS) $(MV_OPTS) &&) true
	$(PY) -m replication report --runs $(RUNS_DIR) --out figures

bench: $(STAMP)
	$(PY) -m replication bench all
