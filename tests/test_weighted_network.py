import numpy as np
import pytest
from numba import njit

from conftest import ROOT
from replication.evolve import evolve
from replication.genomes import genome_model
from replication.genomes.weighted_network import N_IN, WeightedNetworkModel, simplified_edges
from replication.protocol import load_protocol
from replication.rng import seed_numba

C13 = ROOT / "original_protocol" / "clune2013_retina.toml"


@pytest.fixture
def model():
    m = genome_model(load_protocol(C13, "pcc"))
    assert type(m) is WeightedNetworkModel
    return m


def float_outputs(m, g):
    """The float model: y = tanh(20 (W y + b)), 6 synchronous steps, as the authors' code."""
    w = np.zeros((m.n_nodes, m.n_nodes))
    for k, (s, d) in enumerate(zip(m.src, m.dst)):
        if g[k]:
            w[s, d] = m.weights[g[k] - 1]
    b = np.array([m.biases[g[m.n_conn + v]] for v in range(m.n_nodes - N_IN)], float)
    out = np.empty(256)
    for s in range(256):
        y = np.zeros(m.n_nodes)
        y[:N_IN] = [1 if s >> i & 1 else -1 for i in range(N_IN)]
        for _ in range(6):
            ny = y.copy()
            ny[N_IN:] = np.tanh(20 * (y @ w[:, N_IN:] + b))
            y = ny
        out[s] = y[-1]
    return out


def test_integer_evaluation_equals_float_tanh_model(model):
    seed_numba(1, "generation", 0)
    pop = model.random(30)
    for _ in range(20):
        model.vary(pop)
    outs = model.evaluate(pop, model.targets(["L & R"])).outputs
    for k in range(len(pop)):
        assert (float_outputs(model, pop[k]) == outs[k]).all()     # exactly -1, 0 or +1


def test_objects_and_targets(model):
    assert bin(model.left).count("1") == 8 * 16 and bin(model.right).count("1") == 8 * 16
    assert model.targets(["L & R"])[0].sum() == 64 and model.targets(["L | R"])[0].sum() == 192
    t = model.targets(["L & R", "L | R"])
    assert t.shape == (2, 256) and t.dtype == np.bool_
    assert t[0].tolist() == [bool(model.left >> s & 1 and model.right >> s & 1) for s in range(256)]


# Two-layer object detectors found by exhaustive search over units with weights in
# {-2,-1,0,1,2} and biases in {-2..2} (a single unit cannot detect either object):
# (first-layer units as (weights on the half's 4 inputs, bias)), (second-layer weights, bias)
LEFT_DETECTOR = ([((-2, -2, -2, -2), 1), ((-2, 1, -2, 1), 1)], (-2, -2), 1)
RIGHT_DETECTOR = ([((-2, -2, -2, -2), 1), ((-2, 1, -2, 2), -2)], (-2, 1), 2)


def modular_network(model, or_goal=False):
    """Hand-built modular network: hidden nodes 8, 9 -> 16 detect the left object, 10, 11 -> 17
    the right one; 20 and 21 pass them on; the output's bias makes it AND (-1) or OR (+1)."""
    g = np.zeros(model.n_conn + model.n_nodes - N_IN, np.int8)
    conn = {(int(s), int(d)): k for k, (s, d) in enumerate(zip(model.src, model.dst))}
    w_index = {w: i + 1 for i, w in enumerate(model.weights)}
    b_index = {b: i for i, b in enumerate(model.biases)}
    g[model.n_conn:] = b_index[0]

    def connect(a, b, w):
        if w:
            g[conn[(a, b)]] = w_index[w]

    for (units, w2, b2), inputs, hidden, h2, h3 in ((LEFT_DETECTOR, range(0, 4), (8, 9), 16, 20),
                                                   (RIGHT_DETECTOR, range(4, 8), (10, 11), 17, 21)):
        for (ws, b), h in zip(units, hidden):
            for i, w in zip(inputs, ws):
                connect(i, h, w)
            g[model.n_conn + h - N_IN] = b_index[b]
        for h, w in zip(hidden, w2):
            connect(h, h2, w)
        g[model.n_conn + h2 - N_IN] = b_index[b2]
        connect(h2, h3, 1)
        connect(h3, 22, 1)
    g[model.n_conn + 22 - N_IN] = b_index[1 if or_goal else -1]
    return g


@pytest.fixture
def paper_model():
    """The paper's weight list {-2, -1, 1, 2}, which the hand-built detectors need (the code's
    default {2, -1, 1, 2} has no -2)."""
    return genome_model(load_protocol(C13, "pcc", [("network.weights", [-2, -1, 1, 2])]))


def test_hand_built_modular_network_solves_and_and_or(paper_model):
    model = paper_model
    targets = model.targets(["L & R", "L | R"])
    g_and, g_or = modular_network(model), modular_network(model, or_goal=True)
    correct = model.evaluate(g_and[None, :], targets).correct
    assert correct[0, 0] == 256
    correct = model.evaluate(g_or[None, :], targets).correct
    assert correct[0, 1] == 256
    assert (g_and != g_or).sum() == 1                              # only the output bias
    subs = model.sub_solutions(g_and)
    assert 16 in subs["left"] and 17 in subs["right"]
    d = model.describe(g_and)                   # the pcc protocol's [analysis] recipe
    assert d["sub_solution_pair"] and d["left_right_split"]
    assert d["q"] > 0.3


def test_optimal_placement_matches_brute_force(model):
    from scipy.optimize import minimize
    seed_numba(3, "generation", 0)
    pop = model.random(8)
    costs = model.costs(pop, "length-optimal")
    for k in range(len(pop)):
        keep, nodes = simplified_edges(pop[k], model.src, model.dst, model.n_nodes)
        hidden = [v for v in range(N_IN, model.n_nodes - 1) if nodes[v]]

        def total(z):
            px, py = model.xs.copy(), model.ys.copy()
            for i, v in enumerate(hidden):
                px[v], py[v] = z[2 * i], z[2 * i + 1]
            return sum((px[a] - px[b]) ** 2 + (py[a] - py[b]) ** 2
                       for a, b in zip(model.src[keep], model.dst[keep]))
        best = minimize(total, np.zeros(2 * len(hidden)), method="BFGS").fun if hidden else total([])
        assert costs[k] == pytest.approx(best, abs=1e-6)
        assert costs[k] <= model.costs(pop[k:k + 1], "length-fixed")[0] + 1e-9
        assert model.costs(pop[k:k + 1], "connections")[0] == keep.sum()


def test_mutation_rates(model):
    seed_numba(4, "generation", 0)
    pop = model.random(4000)
    n_conn = model.n_conn
    before = pop.copy()
    model.vary(pop)
    edges_before = (before[:, :n_conn] != 0).sum(axis=1)
    edges_after = (pop[:, :n_conn] != 0).sum(axis=1)
    delta = edges_after - edges_before
    assert set(np.unique(delta)) <= {-1, 0, 1}
    # add and remove each with probability 0.2 (an add may find the network full: rare here)
    # in networks neither empty nor full: net +1 w.p. 0.2 x 0.8, -1 w.p. 0.8 x 0.2 (an add and a
    # remove in the same step cancel)
    room = (edges_before > 0) & (edges_before < n_conn)
    assert 0.14 < (delta[room] == 1).mean() < 0.18 and 0.14 < (delta[room] == -1).mean() < 0.18
    bias_changed = (pop[:, n_conn:] != before[:, n_conn:]).sum(axis=1)
    assert 0.45 < bias_changed.mean() < 0.55      # 15 nodes x 1/24 x 4/5 (a re-draw may repeat the value)
    assert pop[:, :n_conn].max() <= 4 and pop[:, n_conn:].max() <= 4
    assert (pop[:, :n_conn] >= 0).all()


def test_seeded_run_is_deterministic_and_resumable(tmp_path):
    p = load_protocol(C13, "pcc", [("run.max_generations", 60), ("selection.population", 100),
                                   ("run.checkpoint_every", 20), ("run.log_every", 1),
                                   ("analysis.q_every", 10)])
    whole = evolve(p, 1, tmp_path / "a")
    assert evolve(p, 1, tmp_path / "b", halt_after=47) is None
    resumed = evolve(p, 1, tmp_path / "b")
    whole.pop("wall_seconds"), resumed.pop("wall_seconds")
    assert whole == resumed
    assert (tmp_path / "a/log.csv").read_text() == (tmp_path / "b/log.csv").read_text()
    for key in ("q", "cost", "n_connections", "left_right_split", "performance"):
        assert key in whole


def test_added_connections_pick_a_layer_pair_uniformly(model):
    # the authors' _add_conn: layer pair uniform (1/4 each), then source and target uniform
    from replication.genomes.weighted_network import _add_connection
    seed_numba(8, "generation", 0)
    counts = np.zeros(model.n_conn)
    for _ in range(20000):
        g = np.zeros(model.n_conn + model.n_nodes - N_IN, np.int8)
        assert _add_connection(g, model.pair_start, model.pair_size, model.n_nodes)
        counts += g[:model.n_conn] != 0
    per_pair = [counts[s:s + n].sum() / 20000 for s, n in zip(model.pair_start, model.pair_size)]
    assert np.allclose(per_pair, 0.25, atol=0.02)
    assert counts[-2:].sum() / 20000 == pytest.approx(0.25, abs=0.02)     # the 2 slots into the output


# ----- the NSGA-II loop's kernels give what the plain kernels give, bit for bit
PROBLEMS = [(C13, "pcc"), (ROOT / "original_protocol" / "clune2013_xor5.toml", "pcc"),
            (ROOT / "original_protocol" / "clune2013_hxor.toml", "pcc")]


@pytest.mark.parametrize("path,treatment", PROBLEMS)
def test_children_objectives_equal_the_plain_kernels(path, treatment):
    from replication.genomes.weighted_network import (RULES, children_objectives_2013, evaluate_2013,
                                                      new_cost_memo, population_costs)
    m = genome_model(load_protocol(path, treatment))
    targets = m.targets(list(m._goals.values()))
    rng = np.random.default_rng(0)
    moved = m.xs.copy()
    moved[:m.n_in] = rng.uniform(-4, 4, m.n_in)                # P&CC-randcoords
    for rule in RULES:
        m.output_rule = rule
        for xs, acc in ((m.xs, None), (moved, np.int16)):      # int16: the accumulator's other type
            arrays = m.loop_arrays(targets, xs)
            if acc is not None:
                arrays["weights"] = arrays["weights"].astype(acc)
            seed_numba(7, "init")
            parents = m.random(120)
            memos = {kind: new_cost_memo(m.n_conn, 64) for kind in (0, 1, 2)}
            for step in range(6):
                plain = evaluate_2013(parents, m.src, m.dst, m.layer_end, m.n_nodes, m.weights, m.biases,
                                      m.inputs, targets, m.n_out, RULES[rule])[0]
                of = rng.integers(0, 120, 120)
                children = parents[of].copy()
                m.vary(children)
                want = evaluate_2013(children, m.src, m.dst, m.layer_end, m.n_nodes, m.weights, m.biases,
                                     m.inputs, targets, m.n_out, RULES[rule])[0]
                for kind in (0, 1, 2):
                    p_cost = population_costs(parents, m.src, m.dst, m.n_nodes, xs, m.ys, kind, m.n_in, m.n_out)
                    p_words = np.zeros((120, (m.n_conn + 63) // 64), np.uint64)
                    scratch = np.zeros_like(plain), np.zeros(120)
                    children_objectives_2013(parents, np.full(120, -1), parents, plain, p_cost, p_words,
                                             *arrays.values(), kind, *scratch, p_words, *memos[kind])
                    assert np.array_equal(scratch[0], plain)
                    assert np.array_equal(scratch[1].view(np.int64), p_cost.view(np.int64))
                    correct, cost = np.zeros_like(want), np.zeros(120)
                    words = np.zeros_like(p_words)
                    children_objectives_2013(children, of, parents, plain, p_cost, p_words, *arrays.values(),
                                             kind, correct, cost, words, *memos[kind])
                    assert np.array_equal(correct, want), (rule, step, kind)
                    want_cost = population_costs(children, m.src, m.dst, m.n_nodes, xs, m.ys, kind, m.n_in, m.n_out)
                    assert np.array_equal(cost.view(np.int64), want_cost.view(np.int64)), (rule, step, kind)
                parents = children


@njit
def _reference_mutate(genomes, n_conn, n_nodes, weight_mut, bias_rate, bias_step, add_rate, del_rate,
                      n_biases, pair_start, pair_size, n_in):
    """mutate_2013 as first written: np.random for every draw, every add try drawn."""
    for k in range(genomes.shape[0]):
        g = genomes[k]
        n_edges = 0
        for c in range(n_conn):
            if g[c] != 0:
                n_edges += 1
        if n_edges > 0:
            pw = weight_mut / n_edges
            for c in range(n_conn):
                if g[c] != 0 and np.random.random() < pw:
                    step = 1 if np.random.random() < 0.5 else -1
                    v = g[c] + step
                    if 1 <= v <= 4:
                        g[c] = v
        for v in range(n_nodes - n_in):
            if np.random.random() < bias_rate:
                if bias_step:
                    b = g[n_conn + v] + (1 if np.random.random() < 0.5 else -1)
                    if 0 <= b < n_biases:
                        g[n_conn + v] = b
                else:
                    g[n_conn + v] = np.random.randint(0, n_biases)
        if np.random.random() < add_rate:
            for _ in range(n_nodes * n_nodes):
                l = np.random.randint(0, pair_start.shape[0])
                c = pair_start[l] + np.random.randint(0, pair_size[l])
                if g[c] == 0:
                    g[c] = np.random.randint(1, 5)
                    break
        if np.random.random() < del_rate and n_edges > 0:
            pick = np.random.randint(0, n_edges)
            for c in range(n_conn):
                if g[c] != 0:
                    if pick == 0:
                        g[c] = 0
                        break
                    pick -= 1


@pytest.mark.parametrize("path,treatment", PROBLEMS)
def test_mutation_draws_what_np_random_draws(path, treatment):
    """The mutation draws through a cursor and skips the draws of the add tries on a full
    network: the same genomes, and the generator left in the same state."""
    from replication.genomes.weighted_network import mutate_2013
    m = genome_model(load_protocol(path, treatment))
    seed_numba(5, "init")
    start = m.random(300)
    start[::3, :m.n_conn] = 4                   # full networks: every add try fails
    start[1::7, :m.n_conn] = 0                  # empty ones: nothing to remove
    for trial, (wm, br, step, add, rem) in enumerate([(2.0, 1 / 24, False, 0.2, 0.2), (50.0, 0.9, True, 1.0, 0.0),
                                                      (0.0, 0.0, False, 1.0, 1.0)]):
        args = (m.n_conn, m.n_nodes, wm, br, step, add, rem, len(m.biases), m.pair_start, m.pair_size, m.n_in)
        a, b = start.copy(), start.copy()
        seed_numba(trial, "generation", 3)
        _reference_mutate(a, *args)
        after_a = _draws_after()
        seed_numba(trial, "generation", 3)
        mutate_2013(b, *args)
        assert np.array_equal(a, b) and _draws_after() == after_a, trial


def _draws_after():
    from replication.rng import _draw
    return [_draw() for _ in range(3)]


@pytest.mark.parametrize("treatment,ties", [(t, "index") for t in ["pa", "pcc", "pcc-nc", "pro", "pro-fresh",
                                                                      "mvg-pcc", "pcc-randcoords"]]
                         + [("pcc", "other-objective"), ("pro", "other-objective")])
def test_fused_generation_equals_the_steps(treatment, ties):
    """A generation in one numba call (with its parent and memo shortcuts) leaves the state the
    step-by-step generation leaves, bit for bit, generation after generation."""
    from replication.algorithms import make_algorithm
    from replication.tasks import schedule_from
    p = load_protocol(C13, treatment, [("selection.population", 60), ("schedule.epoch", 3),
                                       ("selection.crowding_ties", ties)])
    m = genome_model(p)
    goals = list(dict.fromkeys(p.schedule.goals))
    runs = []
    for fused in (False, True):
        algo = make_algorithm(p, m, goals, seed=3)
        algo.fused = fused
        seed_numba(3, "init")
        state = algo.initial(m.random(60))
        seen = []
        for g in range(25):
            seed_numba(3, "generation", g)
            algo.assess(g, goals.index(schedule_from(p).goal_at(g)), state)
            seen.append({k: v.copy() for k, v in state.items()})
        runs.append(seen)
    for g, (a, b) in enumerate(zip(*runs)):
        for key in ("population", "correct", "cost", "crowd"):
            assert np.array_equal(np.asarray(a[key]).view(np.uint8), np.asarray(b[key]).view(np.uint8)), (g, key)
