"""The fused 2005 loops (replication.fused: circuits, retina) give exactly what the step-by-step loop gives.

Every check compares against an independent reference: NumPy's own mean and merge sort, the
Python splitmix64 of rng.derive, the plain-Python row-by-row circuit simulation, and the same
run made one Python step per generation (evolve.FUSED = False).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from replication import evolve as loop
from replication.fused import new_memo, numpy_mean, splitmix_seed
from replication.genomes.nand_circuit import (TERNARY, evaluate_population, evaluate_rows, python_reference_output)
from replication.protocol import load_protocol
from replication.rng import derive
from replication.selection.ka2005 import stable_argsort
from replication.tasks import input_masks

ROOT = Path(__file__).parent.parent
LOGIC = ROOT / "original_protocol" / "ka2005_logic.toml"
sys.path.insert(0, str(Path(__file__).parent / "golden"))
from make_golden import pinned_files  # noqa: E402


def test_numpy_mean_is_numpys_pairwise_mean():
    rng = np.random.default_rng(0)
    for n in list(range(1, 40)) + [127, 128, 129, 255, 256, 257, 999, 1000, 1001, 4097]:
        a = rng.normal(size=n) * 10.0 ** rng.integers(-4, 6, size=n)    # order matters at this spread
        assert numpy_mean(a) == a.mean(), n


def test_the_naive_mean_would_differ():
    """The property above is not trivial: a left-to-right sum differs from NumPy's on such data."""
    rng = np.random.default_rng(1)
    diffs = 0
    for _ in range(50):
        a = rng.normal(size=1000) * 10.0 ** rng.integers(-4, 6, size=1000)
        naive = 0.0
        for v in a:
            naive += v
        diffs += naive / len(a) != a.mean()
    assert diffs > 0


def test_splitmix_seed_matches_rng_derive():
    for seed in (0, 1, 7, 123456, 1_000_000, 1_000_099, 2**31 + 5):
        for g in (0, 1, 2, 99, 4999, 100_000):
            assert splitmix_seed(seed, g) == derive(seed, "generation", g)


@pytest.mark.parametrize("kind", ["few", "many", "signed-zero", "inf", "nan", "ints"])
def test_stable_argsort_is_the_merge_sort(kind):
    rng = np.random.default_rng(2)
    for n in (1, 2, 7, 100, 1000, 3001):
        keys = {"few": np.round(rng.random(n) * 16) / 16 - 0.01 * rng.integers(0, 5, n),
                "many": rng.random(n),                                    # > 256 distinct: merge sort
                "signed-zero": rng.choice([0.0, -0.0, 1.0], n),
                "inf": rng.choice([np.inf, -np.inf, 0.5], n),
                "nan": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 3, n).astype(float)),
                "ints": rng.integers(0, 300, n).astype(float)}[kind]
        assert np.array_equal(stable_argsort(keys), np.argsort(keys, kind="mergesort"))


@pytest.mark.parametrize("sweeps,initial", [(0, 0), (1, 1), (2, 0), (3, 1), (12, 0), (12, 1), (13, 0),
                                            (0, TERNARY), (12, TERNARY)])
def test_evaluation_matches_the_python_reference(sweeps, initial):
    """Random genomes are mostly cyclic: they exercise the sweeps, the 2-cycle shortcut and the
    unsettled rows; subsets evaluated in place equal the whole-population evaluation."""
    n_inputs, n_gates = 4, 12
    rng = np.random.default_rng(sweeps * 2 + initial)
    pop = rng.integers(0, n_inputs + n_gates, (150, 2 * n_gates + 1)).astype(np.int16)
    masks = np.array(input_masks(n_inputs), np.uint64)
    full = np.uint64(0xFFFF)
    out, ok, n_eff = evaluate_population(pop, n_inputs, n_gates, masks, full, sweeps, initial)
    for k, genome in enumerate(pop):
        bits, settled = python_reference_output([int(v) for v in genome], n_inputs, n_gates, sweeps, initial)
        ok_ref = sum(int(b) << r for r, b in enumerate(settled))         # row r is bit r of a mask
        out_ref = sum(int(b) << r for r, b in enumerate(bits))
        assert int(ok[k]) == ok_ref and int(out[k]) & ok_ref == out_ref & ok_ref
    rows_mask = rng.random(len(pop)) < 0.5
    o2, s2 = np.zeros(len(pop), np.uint64), np.zeros(len(pop), np.uint64)
    e2, b2 = np.zeros(len(pop), np.int32), np.zeros(len(pop), np.uint64)
    evaluate_rows(pop, rows_mask, n_inputs, n_gates, masks, full, sweeps, initial, o2, s2, e2, b2)
    assert np.array_equal(o2[rows_mask], out[rows_mask]) and np.array_equal(s2[rows_mask], ok[rows_mask])
    assert np.array_equal(e2[rows_mask], n_eff[rows_mask]) and not o2[~rows_mask].any()


def _files(protocol, seed, tmp_path, fused, name, halt_after=None):
    loop.FUSED = fused
    try:
        out = tmp_path / name
        if halt_after is not None:
            assert loop.evolve(protocol, seed, out, halt_after=halt_after) is None
        loop.evolve(protocol, seed, out)
        return pinned_files(out)
    finally:
        loop.FUSED = True


SMALL = [("selection.population", 120), ("selection.elite", 36)]
CASES = {
    "bitflip, random ties": ("mvg", [("variation.mutation_operator", "bitflip"), ("selection.tie_break", "random"),
                                     ("run.max_generations", 300)]),
    "bitflip-locus": ("fixed-g1", [("variation.mutation_operator", "bitflip-locus"), ("run.max_generations", 300)]),
    "mvg, never stops (re-adaptation events)": ("mvg", [("run.stop", "never"), ("run.max_generations", 900)]),
    "sustained": ("mvg-sustained", [("run.max_generations", 900)]),
    "cost": ("mvg-cost", [("run.max_generations", 300)]),
    "first-solution on Q": ("q-only", [("run.max_generations", 300)]),
    "Q of every node": ("q-only-max", [("run.max_generations", 60), ("modularity.graph_nodes", "all")]),
    "log every 7, checkpoints": ("mvg", [("run.max_generations", 400), ("run.log_every", 7),
                                         ("run.checkpoint_every", 50)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_loop_equals_step_by_step(case, tmp_path):
    treatment, sets = CASES[case]
    p = load_protocol(LOGIC, treatment, SMALL + sets)
    assert _files(p, 3, tmp_path, True, "fused") == _files(p, 3, tmp_path, False, "step")


def test_fused_run_resumes_bit_identically(tmp_path):
    p = load_protocol(LOGIC, "mvg", SMALL + [("run.max_generations", 400), ("run.checkpoint_every", 90)])
    whole = _files(p, 5, tmp_path, True, "whole")
    assert _files(p, 5, tmp_path, True, "resumed", halt_after=180) == whole
    assert _files(p, 5, tmp_path, False, "step-resumed", halt_after=270) == whole


def test_stretch_stops_before_a_watched_solution_and_is_used_only_where_it_applies():
    from replication.algorithms import make_algorithm
    from replication.genomes import genome_model
    from replication.rng import seed_numba
    from replication.tasks import schedule_from
    p = load_protocol(LOGIC, "fixed-g1", SMALL + [("run.solved_when", "accuracy"),
                                                ("run.solved_threshold", 0.0)])     # everyone solves
    model = genome_model(p)
    algo = make_algorithm(p, model, ["G1"], seed=1)
    seed_numba(1, "init")
    start = model.random(120)
    watched = {"needs_solved": [True], "readapt_epoch": 0, "watch_until": -1}
    state = {"population": start.copy()}
    g, rows, event = algo.stretch(10, 40, state, watched)                 # stops at once, no draw
    assert (g, rows) == (10, []) and event[0] == 120 and event[1][2] == 120
    assert np.array_equal(state["population"], start)
    g, rows, event = algo.stretch(10, 12, state, watched, resume_at=10)  # runs on from the event
    assert (g, [r[0] for r in rows]) == (11, [10]) and event[0] == 120
    unwatched = dict(watched, needs_solved=[False])
    g, rows, event = algo.stretch(11, 40, state, unwatched)
    assert g == 40 and event is None
    assert [r[0] for r in rows] == list(range(11, 40)) and all(r[1][2] == 120 for r in rows)
    assert algo.stretch(40, 60, state, dict(unwatched, readapt_epoch=20))[0] == 40   # an epoch start
    assert algo.stretch(41, 60, state, dict(unwatched, readapt_epoch=20))[0] == 60
    assert algo.stretch(60, 70, state, dict(unwatched, watch_until=65))[0] == 60
    nsga = load_protocol(ROOT / "original_protocol" / "clune2013_retina.toml", "pa", [])
    goals = list(dict.fromkeys(schedule_from(nsga).goals))
    assert getattr(make_algorithm(nsga, genome_model(nsga), goals, seed=1), "stretch", None) is None
    binary = load_protocol(ROOT / "original_protocol" / "ka2005_retina.toml", "fixed-and",
                           [("network.encoding", "binary")])
    assert make_algorithm(binary, genome_model(binary), ["AND"], seed=1).stretch(0, 5, {}, unwatched) is None


def test_memo_is_small():
    memo = new_memo(25)
    assert sum(a.nbytes for a in memo.values()) < 2 * 2**20


# --------------------------------------------------------------------------- the 2005 retina
RETINA = ROOT / "original_protocol" / "ka2005_retina.toml"
RETINA_SMALL = [("selection.population", 120), ("selection.elite", 30)]
# each case runs through the loop's events: first solutions, the re-adaptation record of MVG
# runs (epoch starts, unresolved epochs), the stop rules, checkpoints
RETINA_CASES = {
    "fixed-and": ("fixed-and", [("run.max_generations", 300)]),
    "fixed-and solved and stopped": ("fixed-and", [("run.solved_threshold", 0.8), ("run.post_solution_generations", 30),
                                                  ("run.max_generations", 600)]),
    "fixed-or, index ties, 'above' thresholds": ("fixed-or", [("selection.tie_break", "index"),
                                                             ("network.activation", "above"),
                                                             ("run.max_generations", 300)]),
    "mvg never stops, solved on the environment": ("mvg", [("run.stop", "never"), ("retina.solved_on", "environment"),
                                                           ("run.solved_threshold", 0.85),
                                                           ("run.max_generations", 600)]),
    "mvg never stops, solved on all patterns": ("mvg", [("run.stop", "never"), ("run.solved_threshold", 0.8),
                                                        ("run.max_generations", 600)]),
    "sustained": ("mvg", [("run.stop", "sustained"), ("run.sustained_epochs", 2), ("retina.solved_on", "environment"),
                          ("run.solved_threshold", 0.85), ("run.max_generations", 900)]),
    "cost": ("fixed-and-cost", [("run.max_generations", 300)]),
    "solved on fitness": ("fixed-or", [("run.solved_when", "fitness"), ("run.solved_threshold", 0.8),
                                       ("run.stop", "never"), ("run.max_generations", 300)]),
    "balanced patterns, uniform per-genome crossover": ("mvg", [("retina.patterns", "balanced"),
                                                                ("variation.crossover_mode", "per-genome"),
                                                                ("variation.crossover_operator", "uniform"),
                                                                ("run.max_generations", 300)]),
    "fixed patterns, one crossover per generation": ("fixed-and", [("retina.patterns", "fixed"),
                                                                   ("variation.crossover_mode", "one-per-generation"),
                                                                   ("run.max_generations", 300)]),
    "all patterns, no crossover": ("fixed-and", [("retina.patterns", "all"), ("variation.crossover_probability", 0.0),
                                                 ("run.max_generations", 300)]),
    "log every 7, checkpoints": ("mvg", [("run.max_generations", 400), ("run.log_every", 7),
                                         ("run.checkpoint_every", 50)]),
}


@pytest.mark.parametrize("case", sorted(RETINA_CASES))
def test_fused_retina_loop_equals_step_by_step(case, tmp_path):
    treatment, sets = RETINA_CASES[case]
    p = load_protocol(RETINA, treatment, RETINA_SMALL + sets)
    assert _files(p, 3, tmp_path, True, "fused") == _files(p, 3, tmp_path, False, "step")


def test_fused_retina_cases_reach_the_events(tmp_path):
    """The cases above are not vacuous: solutions, re-adaptation epochs, the latest solutions of
    each goal, the other criterion's first solutions and both stop rules occur in them."""
    import json
    runs = {}
    for case in ("mvg never stops, solved on the environment", "mvg never stops, solved on all patterns",
                 "sustained", "fixed-and solved and stopped"):
        treatment, sets = RETINA_CASES[case]
        files = _files(load_protocol(RETINA, treatment, RETINA_SMALL + sets), 3, tmp_path, True, case.replace(" ", "_"))
        runs[case] = json.loads(files["result.json"])
    env, every = runs["mvg never stops, solved on the environment"], runs["mvg never stops, solved on all patterns"]
    assert env["readaptation"]["epochs"] > 5 and every["readaptation"]["epochs"] > 5
    assert env["solution_difference"] and every["solved_generation_other"]["all_goals"] is not None
    assert runs["sustained"]["generations_run"] < 900
    stopped = runs["fixed-and solved and stopped"]
    assert stopped["generations_run"] == stopped["solved_generation"] + 30 + 1


def test_fused_retina_run_resumes_bit_identically(tmp_path):
    p = load_protocol(RETINA, "mvg", RETINA_SMALL + [("run.max_generations", 400), ("run.checkpoint_every", 90),
                                                     ("run.stop", "never"), ("retina.solved_on", "environment"),
                                                     ("run.solved_threshold", 0.85)])
    whole = _files(p, 5, tmp_path, True, "whole")
    assert _files(p, 5, tmp_path, True, "resumed", halt_after=180) == whole
    assert _files(p, 5, tmp_path, False, "step-resumed", halt_after=270) == whole
    assert _files(p, 5, tmp_path, True, "fused-after-step", halt_after=95) == whole


def test_fused_retina_record_is_every_neurons_value():
    """After fused generations, the record of every network (each neuron's value, through the
    store, its effective neurons and connections) equals a fresh evaluation of the population."""
    from replication.algorithms import make_algorithm
    from replication.genomes import genome_model
    from replication.genomes.threshold_network import neuron_values
    from replication.rng import seed_numba
    p = load_protocol(RETINA, "mvg", RETINA_SMALL)
    model = genome_model(p)
    algo = make_algorithm(p, model, ["AND", "OR"], seed=4)
    seed_numba(4, "init")
    state = algo.initial(model.random(120))
    watch = {"needs_solved": [False, False], "readapt_epoch": 0, "watch_until": -1}
    for start in (0, 150):
        assert algo.stretch(start, start + 150, state, watch)[0] == start + 150
        c, pop = algo._cache, state["population"]
        values = c["store"]["values"][c["nptr"]]
        assert np.array_equal(values[:, 8:], neuron_values(pop, model.pixels, model.layer_start, model.neuron_layer, True))
        assert np.array_equal(values[:, :8], np.broadcast_to(model.pixels, (120, 8, 4)))
        ev = model.evaluate(pop, model.targets(["L & R"]))
        assert np.array_equal(c["rec"][:, 0], ev.n_effective)
        assert c["rec"][:, 1].tolist() == [len(model.edges(g)) for g in pop]


def test_retina_stretch_stops_before_a_watched_solution_and_is_used_only_where_it_applies():
    from replication.algorithms import make_algorithm
    from replication.genomes import genome_model
    from replication.rng import seed_numba
    p = load_protocol(RETINA, "fixed-and", RETINA_SMALL + [("run.solved_threshold", 0.0)])   # everyone solves
    model = genome_model(p)
    algo = make_algorithm(p, model, ["AND"], seed=1)
    seed_numba(1, "init")
    start = model.random(120)
    watched = {"needs_solved": [True], "readapt_epoch": 0, "watch_until": -1}
    state = algo.initial(start.copy())
    g, rows, event = algo.stretch(10, 40, state, watched)                 # stops at once
    assert (g, rows) == (10, []) and event[0] == 120 and event[1][2] == 120
    assert np.array_equal(state["population"], start)
    g, rows, event = algo.stretch(10, 12, state, watched, resume_at=10)  # runs on from the event
    assert (g, [r[0] for r in rows]) == (11, [10]) and event[0] == 120
    unwatched = dict(watched, needs_solved=[False])
    assert algo.stretch(11, 40, state, unwatched)[0] == 40
    assert algo.stretch(40, 60, state, dict(unwatched, readapt_epoch=20))[0] == 40   # an epoch start
    assert algo.stretch(41, 60, state, dict(unwatched, readapt_epoch=20))[0] == 60
    assert algo.stretch(60, 70, state, dict(unwatched, watch_until=65))[0] == 60

    def fused(treatment, sets):
        q = load_protocol(RETINA, treatment, RETINA_SMALL + sets)
        return make_algorithm(q, genome_model(q), ["AND", "OR"] if treatment == "mvg" else ["AND"], seed=1)._fused
    assert fused("mvg", [])[0] == "retina" and fused("fixed-and", [])[0] == "retina"
    assert fused("fixed-and", [("network.encoding", "binary")]) is None
    assert fused("fixed-and", [("selection.scheme", "ka2005-elite-offspring")]) is None
