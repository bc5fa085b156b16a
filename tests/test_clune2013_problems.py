"""Issue 15: the 2013 networks on other problems ([task]: non-modular retina, five XORs, nested
XOR), P&RO's heritable random objective, and the MOLE map."""
from pathlib import Path

import numpy as np
import pytest

from replication.algorithms import make_algorithm
from replication.evolve import evolve
from replication.genomes import genome_model
from replication.genomes.weighted_network import task_targets
from replication.mole import cell_of, merge_maps, mole_map, novelty, read_map, write_map
from replication.protocol import ProtocolError, load_protocol
from replication.rng import seed_numba

ROOT = Path(__file__).parent.parent
P = ROOT / "original_protocol"


def _model(name, treatment="pcc", overrides=()):
    return genome_model(load_protocol(P / f"{name}.toml", treatment, list(overrides)))


def naive_outputs(model, genome):
    """Plain float reference: y = tanh(20 (sum w y + b)) layer by layer, for every pattern."""
    n_pat = model.n_patterns
    y = np.zeros((model.n_nodes, n_pat))
    s = np.arange(n_pat)
    for i in range(model.n_in):
        y[i] = np.where(s >> i & 1, 1.0, -1.0)
    w = np.zeros((model.n_nodes, model.n_nodes))
    for c, (a, b) in enumerate(zip(model.src, model.dst)):
        if genome[c]:
            w[a, b] = model.weights[genome[c] - 1]
    bias = np.concatenate([np.zeros(model.n_in), model.biases[genome[model.n_conn:model.n_conn + model.n_nodes - model.n_in]]])
    lo = model.n_in
    for hi in model.layer_end[1:]:
        for v in range(lo, hi):
            y[v] = np.tanh(20.0 * (w[:, v] @ y + bias[v]))
        lo = hi
    return y[model.n_nodes - model.n_out:]


@pytest.mark.parametrize("name", ["clune2013_xor5", "clune2013_hxor", "clune2013_nonmodular"])
def test_evaluation_matches_float_model(name):
    model = _model(name)
    seed_numba(3, "init")
    pop = model.random(30)
    goal = list(model._goals.values())[0]
    t = model.targets([goal])
    ev = model.evaluate(pop, t)
    rule = model.output_rule
    for k in range(len(pop)):
        out = naive_outputs(model, pop[k]).reshape(-1)
        want = t[0]
        if rule == "positive-true":
            right = (out > 0) == want
        else:
            right = ((out > 0) & want) | ((out < 0) & ~want)
        assert ev.correct[k, 0] == right.sum()


def test_targets_of_the_problems():
    xor5 = _model("clune2013_xor5")
    t = xor5.targets(["a0 ^ b0; a1 ^ b1; a2 ^ b2; a3 ^ b3; a4 ^ b4"])[0].reshape(5, 1024)
    s = np.arange(1024)
    for k in range(5):
        assert (t[k] == ((s >> 2 * k & 1) ^ (s >> (2 * k + 1) & 1)).astype(bool)).all()
    h = _model("clune2013_hxor").targets(["(a ^ b) ^ (c ^ d); (e ^ f) ^ (g ^ h)"])[0].reshape(2, 256)
    s = np.arange(256)
    parity = lambda x: np.array([bin(v).count("1") % 2 for v in x], bool)  # noqa: E731
    assert (h[0] == parity(s & 0x0F)).all() and (h[1] == parity(s & 0xF0)).all()
    four = _model("clune2013_nonmodular").targets(["4"])[0]
    assert four.sum() == 70 and four[0x0F] and not four[0x07]


def test_output_rules_on_constant_outputs():
    """A network without connections outputs tanh(20 b): with b = 0 every output is 0, which the
    XOR programs count as "false" (half right on XOR) and the retina's strict rule as wrong."""
    m = _model("clune2013_xor5")
    g = np.zeros((1, m.genome_length), np.int8)
    g[0, m.n_conn:] = 2                                   # bias index 2 = value 0
    t = m.targets([list(m._goals.values())[0]])
    assert m.evaluate(g, t).correct[0, 0] == m.n_rows // 2
    strict = _model("clune2013_xor5", overrides=[("network.output_rule", "strict")])
    assert strict.evaluate(g, t).correct[0, 0] == 0


def test_placement_cost_with_several_outputs_matches_least_squares():
    m = _model("clune2013_hxor")
    seed_numba(5, "init")
    pop = m.random(20)
    for g in pop:
        edges = m.edges(g)
        if not edges:
            continue
        nodes = sorted({v for e in edges for v in e})
        hidden = [v for v in nodes if m.n_in <= v < m.n_nodes - m.n_out]
        idx = {v: k for k, v in enumerate(hidden)}
        total = 0.0
        for coords in (m.xs, m.ys):
            a = np.zeros((len(edges), len(hidden)))
            b = np.zeros(len(edges))
            for r, (u, v) in enumerate(edges):
                for node, sign in ((u, 1.0), (v, -1.0)):
                    if node in idx:
                        a[r, idx[node]] += sign
                    else:
                        b[r] -= sign * coords[node]
            sol = np.linalg.lstsq(a, b, rcond=None)[0] if hidden else np.zeros(0)
            total += float(((a @ sol - b) ** 2).sum())
        assert m.costs(g[None, :], "length-optimal")[0] == pytest.approx(total, rel=1e-9, abs=1e-9)


def test_problem_groups_and_separation():
    xor5 = _model("clune2013_xor5")
    assert sorted(sorted(g) for g in xor5.problem_groups()) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    h = _model("clune2013_hxor")
    assert sorted(sorted(g) for g in h.problem_groups()) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert h.separates_problems([[0, 1, 2, 3, 9], [4, 5, 6, 7, 12]]) is True
    assert h.separates_problems([[0, 1, 2, 4], [3, 5, 6, 7]]) is False
    assert h.separates_problems([[0, 1], [2, 3], [4, 5, 6, 7]]) is False     # one problem in two modules
    assert _model("clune2013_nonmodular").separates_problems([[0, 1], [2, 3]]) is None


def test_task_targets_needs_one_expression_per_output():
    with pytest.raises(ProtocolError, match="2 expressions for 5 outputs"):
        load_protocol(P / "clune2013_xor5.toml", "pa", [("goals.XOR", "a0 ^ b0; a1 ^ b1")])


def test_task_and_retina_are_exclusive():
    with pytest.raises(ProtocolError, match="either \\[retina\\]"):
        load_protocol(P / "clune2013_retina.toml", "pa", [("task.kind", "count"),
                                                         ("task.inputs", ["a"] * 8)])
    with pytest.raises(ProtocolError, match="'task.inputs'"):
        load_protocol(P / "clune2013_hxor.toml", "pa", [("network.layers", [7, 8, 4, 4, 2])])
    with pytest.raises(ProtocolError, match="count goal"):
        load_protocol(P / "clune2013_nonmodular.toml", "pa", [("goals.FOUR", "9")])


def test_count_task_doctest_shape():
    from types import SimpleNamespace
    t = task_targets(SimpleNamespace(kind="count", inputs=tuple("abc")), ["0", "3"])
    assert t.shape == (2, 8) and t[0].tolist() == [True] + [False] * 7 and t[1, 7] and t[1].sum() == 1


# ----------------------------------------------------------------------------- P&RO
def test_heritable_random_objective_is_inherited_with_drift():
    p = load_protocol(P / "clune2013_retina.toml", "pro", [("selection.population", 40)])
    model = genome_model(p)
    algo = make_algorithm(p, model, ["AND"], seed=1)
    seed_numba(1, "init")
    state = algo.initial(model.random(40))
    start = -state["cost"].copy()
    assert ((0 <= start) & (start < 1)).all() and len(set(start)) == 40
    seed_numba(1, "generation", 0)
    algo.assess(0, 0, state)
    after = -state["cost"]
    inherited = np.isin(after, start)
    assert not inherited.all()                    # children carry new values ...
    drift = np.array([np.abs(start - v).min() for v in after[~inherited]])
    assert drift.max() < 0.6 and drift.mean() > 0.01   # ... each near a parent's (sd 0.1)


def test_fresh_random_objective_is_redrawn():
    p = load_protocol(P / "clune2013_retina.toml", "pro-fresh", [("selection.population", 40)])
    model = genome_model(p)
    algo = make_algorithm(p, model, ["AND"], seed=1)
    seed_numba(1, "init")
    state = algo.initial(model.random(40))
    seed_numba(1, "generation", 0)
    algo.assess(0, 0, state)
    assert ((0 <= -state["cost"]) & (-state["cost"] < 1)).all()


def test_heritable_pro_resumes_bit_identically(tmp_path):
    sets = [("run.max_generations", 12), ("selection.population", 40), ("run.checkpoint_every", 5),
            ("run.log_every", 1)]
    p = load_protocol(P / "clune2013_retina.toml", "pro", sets)
    whole = evolve(p, 4, tmp_path / "a", overrides=sets)
    assert evolve(p, 4, tmp_path / "b", overrides=sets, halt_after=7) is None
    resumed = evolve(p, 4, tmp_path / "b", overrides=sets)
    for key in ("genome", "q", "performance", "cost"):
        assert whole[key] == resumed[key]
    assert (tmp_path / "a" / "log.csv").read_text() == (tmp_path / "b" / "log.csv").read_text()


# ----------------------------------------------------------------------------- MOLE
def test_mole_cells_and_novelty():
    i, j = cell_of(np.array([0.05, 0.95]), np.array([10.0, 490.0]), (10, 10), 500.0)
    assert i.tolist() == [0, 9] and j.tolist() == [0, 9]
    arch = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    assert novelty(np.array([[0.0, 0.0]]), arch, 2)[0] == pytest.approx(0.5)


def test_mole_map_is_seeded_and_bounded(tmp_path):
    p = load_protocol(P / "clune2013_retina.toml", "pcc")
    a = mole_map(p, 2, 3, 16, (8, 8))
    b = mole_map(p, 2, 3, 16, (8, 8))
    assert np.array_equal(np.nan_to_num(a["best"], nan=-1), np.nan_to_num(b["best"], nan=-1))
    found = a["best"][~np.isnan(a["best"])]
    assert found.size >= 1 and (found <= 1.0).all() and (found >= 0.0).all()
    # every archived point lies in a reached cell
    i, j = cell_of(a["archive"][:, 0], a["archive"][:, 1] * 500.0, (8, 8), 500.0)
    assert not np.isnan(a["best"][i, j]).any()
    write_map(a, tmp_path / "m.json")
    back = read_map(tmp_path / "m.json")
    assert np.array_equal(np.isnan(back["best"]), np.isnan(a["best"]))
    other = {"best": np.where(np.isnan(a["best"]), 0.5, np.nan)}
    merged = merge_maps([a, other])
    assert not np.isnan(merged).any()
