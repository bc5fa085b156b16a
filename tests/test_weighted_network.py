import numpy as np
import pytest

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


def test_hand_built_modular_network_solves_and_and_or(model):
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
