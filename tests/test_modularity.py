import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import modular_gates
from replication import modularity as M
from replication import calibration, parallel
from replication.cli import main
from replication.genomes import genome_model as make_model
from replication.genomes.nand_circuit import genome_from_gates

# A compact, non-modular 10-gate solution of G1 found by a fixed-goal run (seed 100).
COMPACT_G1 = [5, 14, 6, 8, 9, 2, 13, 0, 3, 9, 1, 0, 6, 0, 12, 7, 4, 4, 2, 3, 15, 7, 13, 1, 12]


def random_graph(rng, n=14, m=24, directed=False):
    g = nx.gnm_random_graph(n, m, seed=int(rng.integers(1 << 30)), directed=directed)
    return nx.DiGraph(g)


@pytest.mark.parametrize("directed", [False, True])
def test_q_of_partition_equals_networkx(directed):
    rng = np.random.default_rng(0)
    for _ in range(30):
        g = random_graph(rng, directed=directed)
        g.remove_nodes_from([v for v in list(g) if g.degree(v) == 0])
        nodes, a = M.adjacency(g, directed)
        labels = rng.integers(0, 4, len(nodes))
        comms = M.communities_from_labels(nodes, labels)
        ref_graph = g if directed else nx.Graph(g.to_undirected())
        ref = nx.community.modularity(ref_graph, comms, weight=None)
        assert M.q_of_partition(a, labels) == pytest.approx(ref, abs=1e-12)


def test_karate_club_known_values():
    g = nx.DiGraph(nx.karate_club_graph())
    q_exact, parts = M.best_partition(g, "exact", directed=False)
    assert q_exact == pytest.approx(0.4197896, abs=1e-6)       # Brandes et al. 2008 optimum
    assert len(parts) == 4
    # Newman 2004 greedy (Clauset-Newman-Moore): same value as networkx's implementation
    und = nx.karate_club_graph()
    ref = nx.community.modularity(und, nx.community.greedy_modularity_communities(und), weight=None)
    assert M.best_partition(g, "greedy", False)[0] == pytest.approx(ref, abs=1e-12)
    assert M.best_partition(g, "spectral", False)[0] == pytest.approx(0.3934, abs=1e-4)   # Newman 2006
    assert M.best_partition(g, "girvan-newman", False)[0] == pytest.approx(0.4013, abs=1e-4)
    for method in M.METHODS:
        assert M.best_partition(g, method, False)[0] <= q_exact + 1e-9


@pytest.mark.parametrize("method", M.METHODS)
def test_two_cliques_joined_by_one_edge_split_into_the_cliques(method):
    g = nx.DiGraph(nx.barbell_graph(5, 0))
    q, parts = M.best_partition(g, method, directed=False)
    assert sorted(map(sorted, parts)) == [list(range(5)), list(range(5, 10))]


def test_greedy_kernel_never_beats_exact_and_is_close_to_networkx():
    rng = np.random.default_rng(1)
    diffs = []
    for _ in range(40):
        g = random_graph(rng, n=12, m=int(rng.integers(12, 26)))
        g.remove_nodes_from([v for v in list(g) if g.degree(v) == 0])
        ours = M.best_partition(g, "greedy", False)[0]
        assert ours <= M.best_partition(g, "exact", False)[0] + 1e-9
        und = nx.Graph(g.to_undirected())
        ref = nx.community.modularity(und, nx.community.greedy_modularity_communities(und), weight=None)
        diffs.append(ours - ref)
    diffs = np.abs(diffs)
    assert np.mean(diffs < 1e-9) > 0.6 and diffs.mean() < 0.02    # differ only on tie-breaking


def test_spectral_hand_worked_directed_example():
    # Two directed 3-cycles joined by one arc 2 -> 3. B = A - k_in k_out^T / m, m = 7.
    g = nx.DiGraph([(0, 1), (1, 2), (2, 0), (3, 4), (4, 5), (5, 3), (2, 3)])
    nodes, a = M.adjacency(g, directed=True)
    labels = M.spectral_partition(a)
    assert sorted(map(sorted, M.communities_from_labels(nodes, labels))) == [[0, 1, 2], [3, 4, 5]]
    # by hand: inside arcs 6 of 7; sum over modules of k_in k_out / m^2 = (3*4 + 4*3)/49
    assert M.q_of_partition(a, labels) == pytest.approx(6 / 7 - 24 / 49, abs=1e-12)
    # each cycle is not split further: the gain of splitting a 3-cycle is negative


def test_spectral_first_split_is_always_applied():
    # K(2,3): no split has a positive gain, so Newman's textbook method leaves it whole;
    # the 2013 authors' code always applies the first split, which lowers Q below 0.
    g = nx.DiGraph(nx.complete_bipartite_graph(2, 3))
    nodes, a = M.adjacency(g, directed=False)
    labels = M.spectral_partition(a)
    assert len(set(labels)) >= 2
    assert M.q_of_partition(a, labels) < 0


def test_randomisation_preserves_degrees_and_layers():
    rng = np.random.default_rng(2)
    g = random_graph(rng, n=15, m=30, directed=True)
    for seed in range(5):
        h = M.randomise(g, directed=True, seed=seed)
        assert dict(h.in_degree()) == dict(g.in_degree())
        assert dict(h.out_degree()) == dict(g.out_degree())
        assert nx.number_of_selfloops(h) == 0
    u = nx.DiGraph(nx.Graph(g.to_undirected()))
    h = M.randomise(u, directed=False, seed=1)
    assert dict(h.degree()) == dict(nx.Graph(u.to_undirected()).degree())
    assert set(h.edges) != set(nx.Graph(u.to_undirected()).edges)
    # layered: edges only from layer l to l + 1, before and after
    layers = {v: v // 4 for v in range(12)}
    lg = nx.DiGraph([(u_, v) for u_ in range(8) for v in range(12)
                     if layers[v] == layers[u_] + 1 and rng.random() < 0.5])
    h = M.randomise(lg, directed=True, layers=layers, seed=3)
    assert all(layers[b] == layers[a] + 1 for a, b in h.edges)
    assert dict(h.in_degree()) == dict(lg.in_degree())


def test_qrand_is_seeded_and_repeatable():
    g = nx.DiGraph(nx.barbell_graph(5, 1))
    a = M.q_rand(g, directed=False, samples=200, seed=4)
    b = M.q_rand(g, directed=False, samples=200, seed=4)
    c = M.q_rand(g, directed=False, samples=200, seed=5)
    assert a == b and a != c
    assert a[0] < M.best_partition(g, "greedy", False)[0]          # the barbell is modular


def test_qm_definition():
    assert M.normalised_q(0.5, 0.3, 0.7) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        M.normalised_q(0.5, 0.3, 0.3)


def test_modular_circuits_score_clearly_higher_qm_than_compact_circuit(logic_protocol, tmp_path):
    p = logic_protocol("fixed-g1", modularity__qmax_runs=4, modularity__qmax_generations=60,
                       modularity__qmax_population=300, modularity__qmax_elite=90)
    runner = lambda specs: parallel.run_all(specs, 1)
    out = calibration.calibrate(p, tmp_path, runner=runner, runs=None)
    cal = out["qmax"]
    assert out["qrand_genome"] is None                               # qrand_method = "swap"
    specs = calibration.qmax_specs(p, tmp_path)
    assert len(specs) == 4 and cal["runs"] == 4 and not cal["reduced"]
    assert not parallel.pending(specs)                               # ordinary, finished run folders
    stamps = [(Path(s.folder) / "result.json").stat().st_mtime_ns for s in specs]
    assert calibration.calibrate(p, tmp_path, runner=runner, runs=None)["qmax"] == cal   # computed once,
    assert [(Path(s.folder) / "result.json").stat().st_mtime_ns for s in specs] == stamps  # then read
    assert calibration.load_qmax(tmp_path, p) == cal
    model = make_model(p)
    qms = {}
    for name, genome in [("G1", genome_from_gates(*modular_gates("G1"))),
                         ("G2", genome_from_gates(*modular_gates("G2"))),
                         ("compact", np.array(COMPACT_G1, np.int16))]:
        rep = M.analyse_graph(model.modularity_graph(genome, p), method="greedy", directed=False,
                              qrand_samples=300, q_max_value=cal["q_max"], seed=1)
        qms[name] = rep.qm
    # Q: G1 0.483, G2 0.516, compact 0.276; Qrand ~0.37-0.39. The compact circuit is the
    # least modular of 16 fixed-goal solutions: its Q is below Qrand, so its Qm is negative.
    assert qms["G1"] > qms["compact"] + 0.3 and qms["G2"] > qms["compact"] + 0.3
    assert qms["G1"] > 0.3 and qms["G2"] > 0.3 and qms["compact"] < 0.0


def test_cli_qm_json_on_mfinder_file(tmp_path):
    gates, out = modular_gates("G2")
    model_edges = []
    for g, (a, b) in enumerate(gates):
        for s in {a, b}:
            model_edges.append((s + 1, 4 + g + 1))
    f = tmp_path / "net.txt"
    f.write_text("".join(f"{a} {b} 1\n" for a, b in model_edges))
    res = CliRunner().invoke(main, ["qm", str(f), "--method", "exact", "--json", "--nrand", "5"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["q"] == pytest.approx(0.51625, abs=1e-4)             # 15 nodes, 20 edges
    assert sorted(map(sorted, data["partition"])) == [[1, 2, 5, 6, 7, 8], [3, 4, 9, 10, 11, 12],
                                                       [13, 14, 15]]
    assert data["q_rand"] is not None and data["qm"] is None
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 3 4\n")
    res = CliRunner().invoke(main, ["qm", str(bad), "--format", "mfinder"])
    assert res.exit_code != 0 and "bad.txt:1" in res.output


def test_q_does_not_depend_on_edge_order():
    g = nx.DiGraph(nx.karate_club_graph())
    edges = list(g.edges)
    rng = np.random.default_rng(7)
    h = nx.DiGraph()
    h.add_edges_from([edges[i] for i in rng.permutation(len(edges))])
    for method in ("greedy", "spectral"):
        assert M.best_partition(g, method, False)[0] == pytest.approx(M.best_partition(h, method, False)[0], abs=1e-12)


def test_random_genome_control_for_qrand(logic_protocol, tmp_path):
    from replication.analysis import modularity_of_run
    from replication.evolve import evolve
    p = logic_protocol("mvg", modularity__qrand_method="genome", modularity__qrand_samples=50,
                       run__max_generations=4000)
    folder = tmp_path / "ka2005_logic" / "mvg" / "seed-2"
    evolve(p, 2, folder)
    before = modularity_of_run(folder, {"q_max": 0.6, "method": "test"})   # the table is a calibration stage:
    assert before["q_rand"] is None and before["qm"] is None              # without it, no Qrand and no Qm
    table = calibration.calibrate_qrand_genome(p, tmp_path)
    assert table["samples"] == 100 * 50
    assert calibration.load_qrand_genome(tmp_path, p) == table
    res = modularity_of_run(folder, {"q_max": 0.6, "method": "test"})
    assert "random genomes" in res["q_rand_method"]
    assert 0.25 < res["q_rand"] < 0.45                   # random 14-15-node circuits: Q ~ 0.35-0.36
    assert res["qm"] == pytest.approx((res["q"] - res["q_rand"]) / (0.6 - res["q_rand"]))
    assert (tmp_path / "ka2005_logic" / "calibration").exists()
